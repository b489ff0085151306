#ifndef SCIM_ROLE_SERVICE_ROLE_STORE_H_
#define SCIM_ROLE_SERVICE_ROLE_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/outbox.h"
#include "common/rocks_db.h"
#include "scim/common/v1/common.pb.h"
#include "scim/role/v1/role.pb.h"

namespace scim::role {

namespace pb = scim::role::v1;

// The value an IdP sends for a role: its name with spaces as underscores.
std::string RoleValue(absl::string_view name);

// Each tenant's role catalog in its own RocksDB. The role value index is
// what makes values unique per tenant (case-insensitively) and resolution a
// point lookup. Every change writes its audit event to the outbox in the
// same batch (role.create, role.update, role.delete).
class RoleStore {
 public:
  static absl::StatusOr<std::unique_ptr<RoleStore>> Open(
      const std::string& path);

  // INVALID_ARGUMENT for a bad tenant id or name, ALREADY_EXISTS when another
  // role of the tenant has the same value.
  absl::StatusOr<pb::Role> Create(const std::string& tenant_id,
                                  const std::string& name,
                                  const std::string& external_id = "",
                                  const AuditActor& actor = AuditActor());
  // NOT_FOUND naming the id when the tenant has no such role.
  absl::StatusOr<pb::Role> Get(const std::string& tenant_id,
                               const std::string& role_id) const;
  // Renames (the value follows the name, and must stay unique) and sets
  // the externalId; FAILED_PRECONDITION when `expected_version` is stale.
  absl::StatusOr<pb::Role> Update(const std::string& tenant_id,
                                  const std::string& role_id,
                                  const std::string& name,
                                  const std::string& external_id,
                                  std::optional<int64_t> expected_version,
                                  const AuditActor& actor = AuditActor());
  absl::Status Delete(const std::string& tenant_id, const std::string& role_id,
                      const AuditActor& actor = AuditActor());
  // Sorted by name.
  absl::StatusOr<std::vector<pb::Role>> List(
      const std::string& tenant_id) const;

  struct Page {
    std::vector<pb::Role> roles;
    int64_t total_results = 0;
  };
  // Roles matching `filter` (all when null), sorted by name, `count` of
  // them (all when nullopt) from the one-based `start_index`. The filter
  // sees a role as a SCIM Group: displayName is the role's name.
  // With `sort_by` (a Group attribute: displayName, id, externalId,
  // meta.created, meta.lastModified) the matches are ordered by it instead;
  // any other attribute is INVALID_ARGUMENT (invalidValue).
  absl::StatusOr<Page> Find(const std::string& tenant_id,
                            const scim::common::v1::Filter* filter,
                            int start_index, std::optional<int> count,
                            const std::string& sort_by = "",
                            bool descending = false) const;
  // The role of each value, in order. Any unknown value fails the call with
  // INVALID_ARGUMENT naming every unknown value and the known ones.
  absl::StatusOr<std::vector<pb::Role>> Resolve(
      const std::string& tenant_id,
      const std::vector<std::string>& values) const;

  // Renames identity-service has yet to learn (one per role: the newest).
  struct Sync {
    std::string tenant_id;
    std::string role_id;
    std::string version;
  };
  std::vector<Sync> PendingSyncs() const;
  // Forgets `sync` unless the role was renamed again since.
  void ClearSync(const Sync& sync);

  // The audit events awaiting shipment by an OutboxForwarder.
  Outbox* outbox() { return &outbox_; }

 private:
  explicit RoleStore(std::unique_ptr<RocksDb> db);
  // NOT_FOUND when no role of the tenant has `value`.
  absl::StatusOr<pb::Role> FindByValue(const std::string& tenant_id,
                                       const std::string& value) const;
  absl::Status CheckValueFree(const std::string& tenant_id,
                              const pb::Role& role) const;
  absl::StatusOr<pb::Role> Load(const std::string& tenant_id,
                                const std::string& role_id) const;

  std::unique_ptr<RocksDb> db_;
  Outbox outbox_;
  // Held from the uniqueness check to the write, so two creates of the same
  // value cannot both pass the check.
  absl::Mutex write_mu_;
};

}  // namespace scim::role

#endif  // SCIM_ROLE_SERVICE_ROLE_STORE_H_
