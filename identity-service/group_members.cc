// Group memberships of UserStore: the memberships family lists a group's
// members, and each member's User.groups mirrors it. Both sides change in
// one WriteBatch together with the user's new version and audit event.
#include <rocksdb/iterator.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

// An error detail listing thousands of ids helps nobody.
constexpr size_t kMaxIdsShown = 20;

std::string UnknownMembersDetail(const std::vector<std::string>& unknown) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < unknown.size() && i < kMaxIdsShown; ++i) {
    shown.push_back("'" + unknown[i] + "'");
  }
  std::string more =
      unknown.size() > kMaxIdsShown
          ? absl::StrCat(" and ", unknown.size() - kMaxIdsShown, " more")
          : "";
  return absl::StrCat(
      "members: no user with id ", absl::StrJoin(shown, ", "), more,
      " in this tenant; a member's value must be the 'id' this server "
      "returned when the user was created");
}

}  // namespace

std::vector<std::string> UserStore::MemberIds(
    const std::string& tenant, const std::string& group_id) const {
  std::vector<std::string> ids;
  std::string prefix = KeyPrefix({tenant, group_id});
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
      rocksdb::ReadOptions(), db_->family(kMemberships)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ids.push_back(it->key().ToString().substr(prefix.size()));
  }
  return ids;
}

absl::StatusOr<UserStore::MemberPage> UserStore::ListMembers(
    const std::string& tenant, const std::string& group_id, int start_index,
    int count) const {
  MemberPage page;
  int64_t skip = std::max(start_index, 1) - 1;
  std::string prefix = KeyPrefix({tenant, group_id});
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
      rocksdb::ReadOptions(), db_->family(kMemberships)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ++page.total_results;
    if (skip > 0) {
      --skip;
    } else if (static_cast<int>(page.members.size()) < count) {
      page.members.push_back(
          {it->key().ToString().substr(prefix.size()), it->value().ToString()});
    }
  }
  if (!it->status().ok()) return FromRocks(it->status());
  return page;
}

bool UserStore::PutMembership(const std::string& tenant,
                              const std::string& group_id,
                              const std::string& group_display, bool member,
                              const std::string& display, User* user,
                              rocksdb::WriteBatch* batch, const Actor& actor) {
  auto* groups = user->mutable_groups();
  auto found = std::find_if(groups->begin(), groups->end(), [&](const auto& g) {
    return g.value() == group_id;
  });
  bool is_member = found != groups->end();
  if (member == is_member) return false;
  std::string key = Key({tenant, group_id, user->id()});
  if (member) {
    auto* g = groups->Add();
    g->set_value(group_id);
    g->set_display(group_display);
    g->set_type("direct");
    std::string label = display;
    if (label.empty()) label = user->display_name();
    if (label.empty()) label = user->user_name();
    batch->Put(db_->family(kMemberships), key, label);
  } else {
    groups->erase(found);
    batch->Delete(db_->family(kMemberships), key);
  }
  *user->mutable_meta()->mutable_last_modified() = NowTimestamp();
  user->mutable_meta()->set_version(user->meta().version() + 1);
  batch->Put(db_->family(kUsers), Key({tenant, user->id()}),
             user->SerializeAsString());
  scim::audit::v1::Event event;
  event.set_tenant_id(tenant);
  event.set_operation(member ? "membership.add" : "membership.remove");
  event.set_resource_type("User");
  event.set_resource_id(user->id());
  event.set_user_name(user->user_name());
  event.add_changed_attributes("groups");
  AddAuditableValues(*user, &event);
  // Which group: the user's groups list alone does not say what changed.
  event.set_detail("group " + group_id +
                   (group_display.empty() ? "" : " (" + group_display + ")"));
  outbox_->Append(batch, std::move(event), actor);
  return true;
}

absl::StatusOr<std::pair<int, int>> UserStore::UpdateMembers(
    const std::string& tenant, const MemberChange& change, const Actor& actor) {
  if (change.group_id.empty()) {
    return WithScimType(absl::InvalidArgumentError("group_id is required"),
                        "invalidValue");
  }
  absl::MutexLock lock(&write_mu_);
  std::vector<std::string> remove = change.remove;
  if (change.replace_all) {
    std::set<std::string> keep;
    for (const Member& m : change.add) keep.insert(m.user_id);
    for (std::string& id : MemberIds(tenant, change.group_id)) {
      if (keep.count(id) == 0) remove.push_back(std::move(id));
    }
  }
  // Every user is read (and every id checked) before anything is written.
  std::map<std::string, User> users;
  std::vector<std::string> unknown;
  auto load = [&](const std::string& id, bool must_exist) -> absl::Status {
    if (users.count(id) > 0) return absl::OkStatus();
    absl::StatusOr<User> u = Get(tenant, id);
    if (absl::IsNotFound(u.status())) {
      if (must_exist) unknown.push_back(id);
      return absl::OkStatus();
    }
    if (!u.ok()) return u.status();
    users.emplace(id, std::move(*u));
    return absl::OkStatus();
  };
  for (const Member& m : change.add) {
    if (auto s = load(m.user_id, true); !s.ok()) return s;
  }
  if (!unknown.empty()) {
    return WithScimType(
        absl::InvalidArgumentError(UnknownMembersDetail(unknown)),
        "invalidValue");
  }
  for (const std::string& id : remove) {
    if (auto s = load(id, false); !s.ok()) return s;
  }
  rocksdb::WriteBatch batch;
  int added = 0, removed = 0;
  for (const Member& m : change.add) {
    added += PutMembership(tenant, change.group_id, change.group_display, true,
                           m.display, &users.at(m.user_id), &batch, actor);
  }
  for (const std::string& id : remove) {
    auto u = users.find(id);
    if (u == users.end()) {
      // A membership whose user is gone: drop the dangling entry.
      batch.Delete(db_->family(kMemberships),
                   Key({tenant, change.group_id, id}));
      continue;
    }
    removed += PutMembership(tenant, change.group_id, change.group_display,
                             false, "", &u->second, &batch, actor);
  }
  if (batch.Count() == 0) return std::make_pair(0, 0);
  if (auto s = db_->Write(&batch); !s.ok()) return s;
  outbox_->Notify();
  return std::make_pair(added, removed);
}

absl::Status UserStore::RemoveGroup(const std::string& tenant,
                                    const std::string& group_id,
                                    const Actor& actor) {
  MemberChange change;
  change.group_id = group_id;
  change.replace_all = true;
  return UpdateMembers(tenant, change, actor).status();
}

}  // namespace scim::identity
