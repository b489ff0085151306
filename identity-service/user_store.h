#ifndef SCIM_IDENTITY_SERVICE_USER_STORE_H_
#define SCIM_IDENTITY_SERVICE_USER_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/rocks_db.h"
#include "identity-service/outbox.h"
#include "scim/common/v1/common.pb.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::identity {

using scim::identity::v1::User;

// Index kinds of the user_index family (a key's second part).
namespace user_index {
inline constexpr char kUserName[] = "u";
inline constexpr char kExternalId[] = "x";
inline constexpr char kEmail[] = "e";
// lower(manager reference), report id -> report id
inline constexpr char kManager[] = "m";
}  // namespace user_index

// A tenant's users and their secondary indexes (lower-cased userName, unique;
// externalId; lower-cased email values; lower-cased manager reference, so a
// manager's reports are found without a scan). Every write is one WriteBatch
// of the record, its index entries and its audit events.
class UserStore {
 public:
  UserStore(RocksDb* db, Outbox* outbox) : db_(db), outbox_(outbox) {}

  // What a write needs to know of the user's tenant (identity-service wires
  // it to the TenantStore; without it both are off).
  struct TenantFlags {
    bool approver_from_manager = false;  // audit approver changes
    bool has_locations = false;          // audit users matched by no location
  };
  void set_tenant_flags(
      std::function<TenantFlags(const std::string& tenant)> flags) {
    tenant_flags_ = std::move(flags);
  }

  // A user's approver as GetApprover answers it, one step of its chain.
  struct Approver {
    scim::identity::v1::GetApproverResponse::State state =
        scim::identity::v1::GetApproverResponse::STATE_UNSPECIFIED;
    std::string manager_value;
    std::optional<User> approver;  // ACTIVE and INACTIVE
    std::string approver_id;       // also for DELETED
    std::string detail;
  };
  // Resolves `user`'s enterprise manager: a user id, else an externalId
  // (the IdP's own directory id, as Entra sends it), else a userName.
  absl::StatusOr<Approver> ApproverOf(const std::string& tenant,
                                      const User& user) const;

  absl::StatusOr<User> Create(const std::string& tenant, User user,
                              const Actor& actor);
  absl::StatusOr<User> Get(const std::string& tenant,
                           const std::string& id) const;
  // Up to `limit` userNames of `tenant`, folded as the index keys them, in
  // index order after `after` (from the first when empty); `*done` when no
  // more follow.
  absl::StatusOr<std::vector<std::string>> UserNamesAfter(
      const std::string& tenant, const std::string& after, size_t limit,
      bool* done) const;
  absl::StatusOr<User> FindByUserName(const std::string& tenant,
                                      const std::string& user_name) const;
  absl::StatusOr<User> FindByExternalId(const std::string& tenant,
                                        const std::string& external_id) const;
  absl::StatusOr<User> FindByEmail(const std::string& tenant,
                                   const std::string& email) const;
  // Replaces every attribute of user.id except the readOnly ones.
  absl::StatusOr<User> Replace(const std::string& tenant, User user,
                               std::optional<int64_t> expected_version,
                               const Actor& actor);
  absl::Status Delete(const std::string& tenant, const std::string& id,
                      std::optional<int64_t> expected_version,
                      const Actor& actor);

  struct Page {
    std::vector<User> users;
    int64_t total_results = 0;
    int start_index = 1;
    // Users read and evaluated to answer: 1 for an indexed lookup, the
    // tenant's size for a scan.
    int64_t records_examined = 0;
  };
  // Users matching `filter` (all when null) in a stable order, `count` of
  // them from the one-based `start_index`. Equality on an indexed attribute,
  // also inside an `and`, is answered from the index.
  // With `sort_by`, the whole match set is ordered by that attribute first.
  absl::StatusOr<Page> List(const std::string& tenant,
                            const scim::common::v1::Filter* filter,
                            int start_index, int count,
                            const std::string& sort_by = "",
                            bool descending = false) const;

  // Group memberships (group_members.cc). A membership is an entry of the
  // memberships family and the mirroring element of User.groups, always
  // written in one batch with a new version of the user.
  struct Member {
    std::string user_id;
    std::string display;
  };
  struct MemberPage {
    std::vector<Member> members;
    int64_t total_results = 0;
    // The group's version (its ETag).
    int64_t version = 1;
  };
  // One page of a group's members in user-id order: after the cursor
  // `after` (a user id) when it is set, else from the one-based
  // `start_index`. Seeks to the page, so a page costs the same at any depth;
  // the total comes from the group's state. NOT_FOUND when the group was
  // deleted.
  absl::StatusOr<MemberPage> ListMembers(const std::string& tenant,
                                         const std::string& group_id,
                                         int start_index, int count,
                                         const std::string& after = "") const;
  struct MemberChange {
    std::string group_id;
    // The group's current name; recorded as its name when it differs.
    std::string group_display;
    std::vector<Member> add;
    std::vector<std::string> remove;
    bool replace_all = false;
    // FAILED_PRECONDITION unless the group's version equals it.
    std::optional<int64_t> expected_version;
  };
  struct MemberResult {
    int added = 0;
    int removed = 0;
    int64_t version = 1;
  };
  // INVALID_ARGUMENT naming every unknown user id, before any write;
  // NOT_FOUND for a deleted group. Bumps the group's version in the same
  // batch when anything changed.
  absl::StatusOr<MemberResult> UpdateMembers(const std::string& tenant,
                                             const MemberChange& change,
                                             const Actor& actor);
  // The group's state (version 1, no name, when nothing is stored yet).
  absl::StatusOr<v1::GroupState> LoadGroupState(
      const std::string& tenant, const std::string& group_id) const;
  // Shows `user` as the catalog has it now (group_retire.cc): drops roles
  // and groups that were deleted and puts the current names of renamed ones.
  void Render(const std::string& tenant, User* user) const;
  // Rewrites, one WriteBatch per user, every user of the tenant holding
  // retired role `role_id` directly; returns how many changed.
  absl::StatusOr<int> StripRetiredRole(const std::string& tenant,
                                       const std::string& role_id,
                                       const Actor& actor);
  struct Retirement {
    std::string tenant;
    std::string group_id;
    v1::GroupState state;
  };
  // Retired groups with work left (direct holders or the catalog delete).
  absl::StatusOr<std::vector<Retirement>> PendingRetirements() const;
  // Clears the pending flags given as true.
  absl::Status FinishRetirement(const std::string& tenant,
                                const std::string& group_id,
                                bool catalog_deleted, bool stripped);
  // Re-applies `compute` (rules derived from tenant settings) to a stored
  // user and writes it, with a new version and an audit event, only if
  // that changed it. Returns whether it did.
  absl::StatusOr<bool> Recompute(const std::string& tenant,
                                 const std::string& id,
                                 const std::function<void(User*)>& compute,
                                 const Actor& actor);
  // Retires the group (see RemoveGroupRequest): tombstone and membership
  // removal in one batch. Idempotent: a retired group is OK at any version.
  absl::Status RemoveGroup(const std::string& tenant,
                           const std::string& group_id, const Actor& actor,
                           std::optional<int64_t> expected_version = {});

  // Index keys a user owns (exposed for consistency checks and tests).
  static std::vector<std::string> IndexKeys(const std::string& tenant,
                                            const User& user);

 private:
  absl::Status CheckUserNameFree(const std::string& tenant, const User& user);
  std::vector<std::string> MemberIds(const std::string& tenant,
                                     const std::string& group_id) const;
  // Adds to `batch` the group's state after user `user_id` left it because
  // the user was deleted (write_mu_ held).
  void NoteMemberGone(const std::string& tenant, const std::string& group_id,
                      rocksdb::WriteBatch* batch) const;
  // Adds the user's new version to `batch` with its groups changed; false
  // when nothing changed.
  bool PutMembership(const std::string& tenant, const std::string& group_id,
                     const std::string& group_display, bool member,
                     const std::string& display, User* user,
                     rocksdb::WriteBatch* batch, const Actor& actor);
  std::vector<std::string> IdsWithPrefix(const std::string& prefix) const;
  // The ids under each of `prefixes`, in the order of the prefixes.
  std::vector<std::string> IdsWithPrefixes(
      absl::Span<const std::string> prefixes) const;

  // Manager references (approvers.cc). `pending` is the version of a user
  // being written (it stands in for the stored one), `gone` the id of a user
  // being deleted; either may be empty/null.
  std::optional<User> ResolveManager(const std::string& tenant,
                                     const std::string& value,
                                     const User* pending,
                                     const std::string& gone) const;
  // INVALID_ARGUMENT naming the loop when `user`'s manager line returns to
  // it.
  absl::Status CheckManagerCycle(const std::string& tenant,
                                 const User& user) const;
  // Sets user->approver_link from its manager (`before`: the stored
  // version, or null on create); returns the approver event to record when
  // it changed and the tenant uses approvers.
  std::optional<scim::audit::v1::Event> LinkApprover(
      const std::string& tenant, const User* before, User* user,
      const User* pending, const std::string& gone,
      const TenantFlags& flags) const;
  // Re-links the reports whose manager reference named `old_version` or
  // names `new_version` of one user (null on create and delete).
  void RelinkReports(const std::string& tenant, const User* old_version,
                     const User* new_version, const TenantFlags& flags,
                     rocksdb::WriteBatch* batch, const Actor& actor) const;
  TenantFlags FlagsOf(const std::string& tenant) const {
    return tenant_flags_ ? tenant_flags_(tenant) : TenantFlags();
  }
  std::optional<std::vector<std::string>> IndexCandidates(
      const std::string& tenant, const scim::common::v1::Filter& f) const;

  RocksDb* db_;
  Outbox* outbox_;
  std::function<TenantFlags(const std::string&)> tenant_flags_;
  // Serialises check-then-write (uniqueness, versions) across writers.
  absl::Mutex write_mu_;
};

// Rejects a user no store should hold (empty or over-long names, NUL bytes).
absl::Status ValidateUser(const User& user);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_USER_STORE_H_
