#ifndef SCIM_ROLE_SERVICE_ROLE_STORE_H_
#define SCIM_ROLE_SERVICE_ROLE_STORE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/rocks_db.h"
#include "scim/role/v1/role.pb.h"

namespace scim::role {

namespace pb = scim::role::v1;

// The value an IdP sends for a role: its name with spaces as underscores.
std::string RoleValue(absl::string_view name);

// Each tenant's role catalog in its own RocksDB. The role value index is
// what makes values unique per tenant (case-insensitively) and resolution a
// point lookup.
class RoleStore {
 public:
  static absl::StatusOr<std::unique_ptr<RoleStore>> Open(
      const std::string& path);

  // INVALID_ARGUMENT for a bad tenant id or name, ALREADY_EXISTS when another
  // role of the tenant has the same value.
  absl::StatusOr<pb::Role> Create(const std::string& tenant_id,
                                  const std::string& name);
  // Sorted by name.
  absl::StatusOr<std::vector<pb::Role>> List(
      const std::string& tenant_id) const;
  // The role of each value, in order. Any unknown value fails the call with
  // INVALID_ARGUMENT naming every unknown value and the known ones.
  absl::StatusOr<std::vector<pb::Role>> Resolve(
      const std::string& tenant_id,
      const std::vector<std::string>& values) const;

 private:
  explicit RoleStore(std::unique_ptr<RocksDb> db) : db_(std::move(db)) {}
  // NOT_FOUND when no role of the tenant has `value`.
  absl::StatusOr<pb::Role> FindByValue(const std::string& tenant_id,
                                       const std::string& value) const;
  absl::StatusOr<pb::Role> Load(const std::string& tenant_id,
                                const std::string& role_id) const;

  std::unique_ptr<RocksDb> db_;
  // Held from the uniqueness check to the write, so two creates of the same
  // value cannot both pass the check.
  absl::Mutex write_mu_;
};

}  // namespace scim::role

#endif  // SCIM_ROLE_SERVICE_ROLE_STORE_H_
