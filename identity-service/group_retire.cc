// Deleted and renamed roles as users see them. role-service owns the
// catalog; identity-service keeps, per role, a GroupState (groups family)
// with the role's current name and a tombstone once it is deleted.
//
// Why reads are rendered through that state rather than relying on the
// records alone: a deletion must hide the role from every user at once, yet
// rewriting every holder takes a scan (direct holders have no index) and a
// rename may touch 50,000 members. The tombstone and the new name are one
// small write, effective immediately for every read (GetUser, ListUsers,
// GetEffectiveRoles, ...); the records themselves are rewritten in the
// background by RoleReconciler (role_reconciler.cc). Tombstones are kept:
// role ids are never reused, and a user written from a stale resolution
// while the role was being deleted is still shown without it.
#include <rocksdb/iterator.h>

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

std::optional<v1::GroupState> StoredState(RocksDb* db,
                                          const std::string& tenant,
                                          const std::string& role_id) {
  std::string bytes;
  if (!db->Get(kGroups, Key({tenant, role_id}), &bytes).ok()) {
    return std::nullopt;
  }
  v1::GroupState state;
  if (!state.ParseFromString(bytes)) return std::nullopt;
  return state;
}

// role-service's value of a name (role-service/role_store.cc RoleValue).
std::string ValueOf(const std::string& name) {
  return absl::StrReplaceAll(name, {{" ", "_"}});
}

}  // namespace

void UserStore::Render(const std::string& tenant, User* user) const {
  auto* roles = user->mutable_roles();
  for (int i = roles->size() - 1; i >= 0; --i) {
    auto* role = roles->Mutable(i);
    if (role->role_id().empty()) continue;
    auto state = StoredState(db_, tenant, role->role_id());
    if (!state) continue;
    if (state->retired()) {
      roles->DeleteSubrange(i, 1);
      continue;
    }
    // The value as the IdP sent it is kept while it still names the role
    // (values match case-insensitively); after a rename it is the new one.
    if (!state->name().empty() &&
        absl::AsciiStrToLower(ValueOf(state->name())) !=
            absl::AsciiStrToLower(role->value())) {
      role->set_value(ValueOf(state->name()));
      role->set_display(state->name());
    }
  }
  auto* groups = user->mutable_groups();
  for (int i = groups->size() - 1; i >= 0; --i) {
    auto* group = groups->Mutable(i);
    auto state = StoredState(db_, tenant, group->value());
    if (!state) continue;
    if (state->retired()) {
      groups->DeleteSubrange(i, 1);
    } else if (!state->name().empty()) {
      group->set_display(state->name());
    }
  }
}

absl::StatusOr<int> UserStore::StripRetiredRole(const std::string& tenant,
                                                const std::string& role_id,
                                                const Actor& actor) {
  auto holds = [&](const User& u) {
    for (const auto& r : u.roles()) {
      if (r.role_id() == role_id) return true;
    }
    for (const auto& g : u.groups()) {
      if (g.value() == role_id) return true;
    }
    return false;
  };
  // Collected first, so the scan holds no lock and each rewrite below
  // re-reads its user under the writers' lock.
  std::vector<std::string> ids;
  std::string prefix = KeyPrefix({tenant});
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kUsers)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    User u;
    if (u.ParseFromArray(it->value().data(),
                         static_cast<int>(it->value().size())) &&
        holds(u)) {
      ids.push_back(u.id());
    }
  }
  if (!it->status().ok()) return FromRocks(it->status());
  int changed = 0;
  for (const std::string& id : ids) {
    absl::MutexLock lock(&write_mu_);
    absl::StatusOr<User> u = Get(tenant, id);
    if (absl::IsNotFound(u.status())) continue;
    if (!u.ok()) return u.status();
    if (!holds(*u)) continue;
    auto* roles = u->mutable_roles();
    roles->erase(
        std::remove_if(roles->begin(), roles->end(),
                       [&](const auto& r) { return r.role_id() == role_id; }),
        roles->end());
    rocksdb::WriteBatch batch;
    auto* groups = u->mutable_groups();
    auto g = std::remove_if(groups->begin(), groups->end(), [&](const auto& m) {
      return m.value() == role_id;
    });
    if (g != groups->end()) {
      groups->erase(g, groups->end());
      batch.Delete(db_->family(kMemberships), Key({tenant, role_id, id}));
    }
    *u->mutable_meta()->mutable_last_modified() = NowTimestamp();
    u->mutable_meta()->set_version(u->meta().version() + 1);
    batch.Put(db_->family(kUsers), Key({tenant, id}), u->SerializeAsString());
    scim::audit::v1::Event event;
    event.set_tenant_id(tenant);
    event.set_operation("role.retire");
    event.set_resource_type("User");
    event.set_resource_id(id);
    event.set_user_name(u->user_name());
    event.add_changed_attributes("roles");
    AddAuditableValues(*u, &event);
    event.set_detail("role " + role_id + " was deleted from the catalog");
    outbox_->Append(&batch, std::move(event), actor);
    if (auto s = db_->Write(&batch); !s.ok()) return s;
    ++changed;
  }
  if (changed > 0) outbox_->Notify();
  return changed;
}

absl::StatusOr<std::vector<UserStore::Retirement>>
UserStore::PendingRetirements() const {
  std::vector<Retirement> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kGroups)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::GroupState state;
    if (!state.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size())) ||
        !state.retired() ||
        (!state.catalog_delete_pending() && !state.strip_pending())) {
      continue;
    }
    std::vector<std::string> parts = absl::StrSplit(it->key().ToString(), '\0');
    if (parts.size() != 2) continue;
    out.push_back({parts[0], parts[1], std::move(state)});
  }
  if (!it->status().ok()) return FromRocks(it->status());
  return out;
}

absl::Status UserStore::FinishRetirement(const std::string& tenant,
                                         const std::string& group_id,
                                         bool catalog_deleted, bool stripped) {
  absl::MutexLock lock(&write_mu_);
  auto state = StoredState(db_, tenant, group_id);
  if (!state) return absl::OkStatus();
  if (catalog_deleted) state->set_catalog_delete_pending(false);
  if (stripped) state->set_strip_pending(false);
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kGroups), Key({tenant, group_id}),
            state->SerializeAsString());
  return db_->Write(&batch);
}

}  // namespace scim::identity
