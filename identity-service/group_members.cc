// Group memberships of UserStore: the memberships family lists a group's
// members, and each member's User.groups mirrors it. Both sides change in
// one WriteBatch together with the user's new version and audit event.
#include <rocksdb/iterator.h>

#include <algorithm>
#include <map>
#include <memory>
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

absl::Status DeletedGroup(const std::string& group_id) {
  return absl::NotFoundError("no group or role with id '" + group_id +
                             "' in this tenant; it has been deleted");
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

absl::StatusOr<v1::GroupState> UserStore::LoadGroupState(
    const std::string& tenant, const std::string& group_id) const {
  v1::GroupState state;
  std::string bytes;
  absl::Status s = db_->Get(kGroups, Key({tenant, group_id}), &bytes);
  if (absl::IsNotFound(s)) {
    // A group from before group states were kept: its count once from the
    // memberships themselves.
    state.set_version(1);
    state.set_member_count(
        static_cast<int64_t>(MemberIds(tenant, group_id).size()));
    return state;
  }
  if (!s.ok()) return s;
  if (!state.ParseFromString(bytes)) {
    return absl::InternalError("stored state of group " + group_id +
                               " is unreadable");
  }
  return state;
}

absl::StatusOr<UserStore::MemberPage> UserStore::ListMembers(
    const std::string& tenant, const std::string& group_id, int start_index,
    int count, const std::string& after) const {
  auto state = LoadGroupState(tenant, group_id);
  if (!state.ok()) return state.status();
  if (state->retired()) return DeletedGroup(group_id);
  MemberPage page;
  page.version = state->version();
  page.total_results = state->member_count();
  std::string prefix = KeyPrefix({tenant, group_id});
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
      rocksdb::ReadOptions(), db_->family(kMemberships)));
  if (!after.empty()) {
    std::string from = Key({tenant, group_id, after});
    it->Seek(from);
    if (it->Valid() && it->key() == from) it->Next();
  } else {
    it->Seek(prefix);
    // Keys only, without copying: cheap even deep into a large group.
    for (int64_t skip = std::max(start_index, 1) - 1;
         skip > 0 && it->Valid() && it->key().starts_with(prefix); --skip) {
      it->Next();
    }
  }
  for (; it->Valid() && it->key().starts_with(prefix) &&
         static_cast<int>(page.members.size()) < count;
       it->Next()) {
    page.members.push_back(
        {it->key().ToString().substr(prefix.size()), it->value().ToString()});
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

absl::StatusOr<UserStore::MemberResult> UserStore::UpdateMembers(
    const std::string& tenant, const MemberChange& change, const Actor& actor) {
  if (change.group_id.empty()) {
    return WithScimType(absl::InvalidArgumentError("group_id is required"),
                        "invalidValue");
  }
  absl::MutexLock lock(&write_mu_);
  auto state = LoadGroupState(tenant, change.group_id);
  if (!state.ok()) return state.status();
  if (state->retired()) return DeletedGroup(change.group_id);
  if (change.expected_version && *change.expected_version != state->version()) {
    return absl::FailedPreconditionError(
        absl::StrCat("group ", change.group_id, " changed since version ",
                     *change.expected_version, " (now ", state->version(),
                     "); read it again and retry with the new ETag"));
  }
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
  MemberResult result;
  for (const Member& m : change.add) {
    result.added +=
        PutMembership(tenant, change.group_id, change.group_display, true,
                      m.display, &users.at(m.user_id), &batch, actor);
  }
  int64_t dangling = 0;
  for (const std::string& id : remove) {
    auto u = users.find(id);
    if (u == users.end()) {
      // A membership whose user is gone: drop the dangling entry.
      std::string key = Key({tenant, change.group_id, id});
      std::string ignored;
      if (db_->Get(kMemberships, key, &ignored).ok()) ++dangling;
      batch.Delete(db_->family(kMemberships), key);
      continue;
    }
    result.removed +=
        PutMembership(tenant, change.group_id, change.group_display, false, "",
                      &u->second, &batch, actor);
  }
  bool renamed =
      !change.group_display.empty() && change.group_display != state->name();
  result.version = state->version();
  if (result.added == 0 && result.removed == 0 && dangling == 0 && !renamed) {
    return result;
  }
  // A new name shows in the rendering of every member; of a group that had
  // none, only in those this batch writes.
  bool others_see_name = false;
  if (renamed) {
    std::string prefix = KeyPrefix({tenant, change.group_id});
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
        rocksdb::ReadOptions(), db_->family(kMemberships)));
    it->Seek(prefix);
    others_see_name =
        !it->status().ok() || (it->Valid() && it->key().starts_with(prefix));
    state->set_name(change.group_display);
  }
  if (!others_see_name) batch.PutLogData(kGroupWritesKeepRenderings);
  state->set_member_count(std::max<int64_t>(
      0, state->member_count() + result.added - result.removed - dangling));
  state->set_version(state->version() + 1);
  batch.Put(db_->family(kGroups), Key({tenant, change.group_id}),
            state->SerializeAsString());
  if (auto s = db_->Write(&batch); !s.ok()) return s;
  outbox_->Notify();
  result.version = state->version();
  return result;
}

void UserStore::NoteMemberGone(const std::string& tenant,
                               const std::string& group_id,
                               rocksdb::WriteBatch* batch) const {
  auto state = LoadGroupState(tenant, group_id);
  if (!state.ok() || state->retired()) return;
  state->set_member_count(std::max<int64_t>(0, state->member_count() - 1));
  state->set_version(state->version() + 1);
  batch->Put(db_->family(kGroups), Key({tenant, group_id}),
             state->SerializeAsString());
  batch->PutLogData(kGroupWritesKeepRenderings);
}

absl::Status UserStore::RemoveGroup(const std::string& tenant,
                                    const std::string& group_id,
                                    const Actor& actor,
                                    std::optional<int64_t> expected_version) {
  if (group_id.empty()) {
    return WithScimType(absl::InvalidArgumentError("group_id is required"),
                        "invalidValue");
  }
  absl::MutexLock lock(&write_mu_);
  auto state = LoadGroupState(tenant, group_id);
  if (!state.ok()) return state.status();
  // Retiring again (a retried DELETE, or role-service's own delete after
  // the edge's) is a no-op, whatever version the caller last saw.
  if (state->retired()) return absl::OkStatus();
  if (expected_version && *expected_version != state->version()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "group ", group_id, " changed since version ", *expected_version,
        " (now ", state->version(), "); read it again before deleting"));
  }
  rocksdb::WriteBatch batch;
  for (const std::string& id : MemberIds(tenant, group_id)) {
    absl::StatusOr<User> u = Get(tenant, id);
    if (u.ok()) {
      PutMembership(tenant, group_id, state->name(), false, "", &*u, &batch,
                    actor);
    } else if (absl::IsNotFound(u.status())) {
      batch.Delete(db_->family(kMemberships), Key({tenant, group_id, id}));
    } else {
      return u.status();
    }
  }
  // The tombstone rides in the same batch as the membership removal: a
  // crash leaves either the group as it was or retired with no members,
  // and the reconciler finishes the rest from the tombstone.
  state->set_retired(true);
  state->set_catalog_delete_pending(true);
  state->set_strip_pending(true);
  state->set_member_count(0);
  state->set_version(state->version() + 1);
  batch.Put(db_->family(kGroups), Key({tenant, group_id}),
            state->SerializeAsString());
  if (auto s = db_->Write(&batch); !s.ok()) return s;
  outbox_->Notify();
  return absl::OkStatus();
}

}  // namespace scim::identity
