// Trip approvers from enterprise managers (TravelPerk): how a manager
// reference resolves, how the resolution is kept on the report and audited
// as managers come and go, and manager cycles.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/status_map.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

namespace pb = scim::identity::v1;
using State = pb::GetApproverResponse::State;

constexpr int kMaxManagerChain = 256;

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

bool IsActive(const User& u) { return !u.has_active() || u.active(); }

const std::string& ManagerValue(const User& u) {
  return u.enterprise().manager().value();
}

bool ManagerMatches(const User& candidate, const std::string& value, int by) {
  switch (by) {
    case 0:
      return candidate.id() == value;
    case 1:
      return !candidate.external_id().empty() &&
             candidate.external_id() == value;
    default:
      return Lower(candidate.user_name()) == Lower(value);
  }
}

// The link `user` has now, given what its manager reference resolves to.
pb::ApproverLink LinkFor(const User& user, const std::optional<User>& manager,
                         const pb::ApproverLink& previous,
                         bool previous_manager_exists) {
  pb::ApproverLink link;
  if (ManagerValue(user).empty()) {
    link.set_state(pb::GetApproverResponse::NONE);
  } else if (manager.has_value()) {
    link.set_state(IsActive(*manager) ? pb::GetApproverResponse::ACTIVE
                                      : pb::GetApproverResponse::INACTIVE);
    link.set_manager_id(manager->id());
  } else if (!previous.manager_id().empty() && !previous_manager_exists) {
    // It named a user that is gone: deleted, not "not provisioned yet".
    link.set_state(pb::GetApproverResponse::DELETED);
    link.set_manager_id(previous.manager_id());
  } else {
    link.set_state(pb::GetApproverResponse::PENDING);
  }
  return link;
}

bool SameLink(const pb::ApproverLink& a, const pb::ApproverLink& b) {
  auto state = [](const pb::ApproverLink& l) {
    return l.state() == pb::GetApproverResponse::STATE_UNSPECIFIED
               ? pb::GetApproverResponse::NONE
               : l.state();
  };
  return state(a) == state(b) && a.manager_id() == b.manager_id();
}

std::string Detail(const User& user, const pb::ApproverLink& link,
                   const std::string& manager_user_name) {
  const std::string& value = ManagerValue(user);
  switch (link.state()) {
    case pb::GetApproverResponse::PENDING:
      return "manager '" + value +
             "' is not provisioned yet; it becomes the approver when a user "
             "with that id, externalId or userName is created";
    case pb::GetApproverResponse::ACTIVE:
      return "manager '" + value + "' is user " + link.manager_id() + " (" +
             manager_user_name + "), the approver of this user's trips";
    case pb::GetApproverResponse::INACTIVE:
      return "manager '" + value + "' (user " + link.manager_id() +
             ") is deactivated, so this user has no approver";
    case pb::GetApproverResponse::DELETED:
      return "manager '" + value + "' (user " + link.manager_id() +
             ") was deleted, so this user has no approver";
    default:
      return "the user has no manager, so no approver";
  }
}

std::string Operation(State state) {
  switch (state) {
    case pb::GetApproverResponse::PENDING:
      return "approver.pending";
    case pb::GetApproverResponse::ACTIVE:
      return "approver.resolved";
    default:
      return "approver.cleared";
  }
}

}  // namespace

std::optional<User> UserStore::ResolveManager(const std::string& tenant,
                                              const std::string& value,
                                              const User* pending,
                                              const std::string& gone) const {
  if (value.empty()) return std::nullopt;
  const std::string pending_id = pending == nullptr ? "" : pending->id();
  auto stored = [&](const std::string& id) -> std::optional<User> {
    if (id.empty() || id == gone || id == pending_id) return std::nullopt;
    absl::StatusOr<User> u = Get(tenant, id);
    if (!u.ok()) return std::nullopt;
    return *std::move(u);
  };
  // By id, then externalId, then userName: the first that names a user wins.
  for (int by = 0; by < 3; ++by) {
    if (pending != nullptr && ManagerMatches(*pending, value, by)) {
      return *pending;
    }
    std::vector<std::string> ids;
    if (by == 0) {
      ids = {value};
    } else if (by == 1) {
      ids = IdsWithPrefix(KeyPrefix({tenant, user_index::kExternalId, value}));
    } else {
      std::string id;
      if (db_->Get(kUserIndex,
                   Key({tenant, user_index::kUserName, Lower(value)}), &id)
              .ok()) {
        ids = {id};
      }
    }
    for (const std::string& id : ids) {
      if (auto u = stored(id); u.has_value()) return u;
    }
  }
  return std::nullopt;
}

absl::Status UserStore::CheckManagerCycle(const std::string& tenant,
                                          const User& user) const {
  std::vector<std::string> chain = {user.id()};
  std::set<std::string> seen = {user.id()};
  // Starts at the user being written without a copy of it: most writes name
  // no manager and end here.
  std::optional<User> current;
  for (int i = 0; i < kMaxManagerChain; ++i) {
    std::optional<User> next = ResolveManager(
        tenant, ManagerValue(current.has_value() ? *current : user), &user, "");
    if (!next.has_value()) return absl::OkStatus();
    chain.push_back(next->id());
    if (next->id() == user.id()) {
      std::string path;
      for (size_t k = 0; k < chain.size(); ++k) {
        path += (k == 0 ? "" : " -> ") + chain[k];
      }
      return WithScimType(
          absl::InvalidArgumentError(
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
              "manager would form a cycle: " +
              path +
              " (user ids); a user cannot be its own (indirect) manager, so "
              "point one of them at a manager outside the loop"),
          "invalidValue");
    }
    // A loop further up that does not pass through this user is not this
    // write's doing (it cannot be stored, but older data may hold one).
    if (!seen.insert(next->id()).second) return absl::OkStatus();
    current = *std::move(next);
  }
  return absl::OkStatus();
}

std::optional<scim::audit::v1::Event> UserStore::LinkApprover(
    const std::string& tenant, const User* before, User* user,
    const User* pending, const std::string& gone,
    const TenantFlags& flags) const {
  // A new reference starts afresh: it has never named a deleted user.
  bool same_reference =
      before != nullptr && ManagerValue(*before) == ManagerValue(*user);
  pb::ApproverLink previous;
  if (same_reference) previous = before->approver_link();
  std::optional<User> manager =
      ResolveManager(tenant, ManagerValue(*user), pending, gone);
  bool previous_exists = false;
  if (!manager.has_value() && !previous.manager_id().empty()) {
    previous_exists = previous.manager_id() != gone &&
                      Get(tenant, previous.manager_id()).ok();
  }
  pb::ApproverLink link = LinkFor(*user, manager, previous, previous_exists);
  bool changed = before == nullptr || !same_reference
                     ? !SameLink(before == nullptr ? pb::ApproverLink()
                                                   : before->approver_link(),
                                 link) ||
                           link.state() == pb::GetApproverResponse::PENDING
                     : !SameLink(previous, link);
  *user->mutable_approver_link() = link;
  if (!changed || !flags.approver_from_manager) return std::nullopt;
  scim::audit::v1::Event event;
  event.set_tenant_id(tenant);
  event.set_operation(Operation(link.state()));
  event.set_resource_type("User");
  event.set_resource_id(user->id());
  event.set_user_name(user->user_name());
  event.add_changed_attributes("approver");
  (*event.mutable_changed_values())["approver"] =
      pb::GetApproverResponse::State_Name(link.state());
  event.set_detail(
      Detail(*user, link, manager.has_value() ? manager->user_name() : ""));
  return event;
}

void UserStore::RelinkReports(const std::string& tenant,
                              const User* old_version, const User* new_version,
                              const TenantFlags& flags,
                              rocksdb::WriteBatch* batch,
                              const Actor& actor) const {
  std::set<std::string> names;
  for (const User* u : {old_version, new_version}) {
    if (u == nullptr) continue;
    // A user just created has an id nobody could have named yet.
    if (old_version != nullptr) names.insert(Lower(u->id()));
    if (!u->external_id().empty()) names.insert(Lower(u->external_id()));
    names.insert(Lower(u->user_name()));
  }
  const User* self = new_version != nullptr ? new_version : old_version;
  std::string gone = new_version == nullptr ? old_version->id() : "";
  // A name given twice is read twice; `reports` drops the repeats.
  std::vector<std::string> prefixes;
  for (const std::string& name : names) {
    prefixes.push_back(KeyPrefix({tenant, user_index::kManager, name}));
  }
  std::set<std::string> reports;
  for (auto& id : IdsWithPrefixes(prefixes)) {
    if (id != self->id()) reports.insert(std::move(id));
  }
  for (const std::string& id : reports) {
    absl::StatusOr<User> report = Get(tenant, id);
    if (!report.ok()) continue;
    User relinked = *report;
    auto event =
        LinkApprover(tenant, &*report, &relinked, new_version, gone, flags);
    if (SameLink(report->approver_link(), relinked.approver_link())) continue;
    // Not a change of the SCIM resource: its version and ETag stay.
    batch->Put(db_->family(kUsers), Key({tenant, id}),
               relinked.SerializeAsString());
    if (event.has_value()) outbox_->Append(batch, *std::move(event), actor);
  }
}

absl::StatusOr<UserStore::Approver> UserStore::ApproverOf(
    const std::string& tenant, const User& user) const {
  Approver out;
  out.manager_value = ManagerValue(user);
  std::optional<User> manager =
      ResolveManager(tenant, out.manager_value, nullptr, "");
  const pb::ApproverLink& stored = user.approver_link();
  bool stored_exists =
      manager.has_value() ||
      (!stored.manager_id().empty() && Get(tenant, stored.manager_id()).ok());
  pb::ApproverLink link = LinkFor(user, manager, stored, stored_exists);
  out.state = link.state();
  out.approver_id = link.manager_id();
  out.detail =
      Detail(user, link, manager.has_value() ? manager->user_name() : "");
  out.approver = std::move(manager);
  return out;
}

}  // namespace scim::identity
