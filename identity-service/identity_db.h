#ifndef SCIM_IDENTITY_SERVICE_IDENTITY_DB_H_
#define SCIM_IDENTITY_SERVICE_IDENTITY_DB_H_

#include <string>
#include <vector>

namespace scim::identity {

// Column families of identity-service's RocksDB, in the order given to
// RocksDb::Open. Every key starts with the tenant id (except tokens, keyed by
// the hash of their secret, and the outbox, which is tenant-agnostic).
enum Family : size_t {
  kTenants = 0,   // tenant id -> Tenant
  kTenantNames,   // lower(name) -> tenant id
  kTokens,        // sha256(secret) -> StoredToken
  kTenantTokens,  // tenant id, token id -> sha256(secret)
  kUsers,         // tenant id, user id -> User
  kUserIndex,     // tenant id, index kind, key[, user id] -> user id
  kOutbox,        // sequence -> audit Event awaiting shipment
  kMemberships,   // tenant id, group id, user id -> member display
  kJobs,          // job name, tenant id -> progress of a background job
  kGroups,        // tenant id, group (role) id -> GroupState
};

// Log data (not stored) in a batch whose kGroups writes keep every user's
// rendering as it was (a member count or version, not a name or a
// retirement): the change feed then names only the users the batch wrote,
// not the whole tenant.
inline constexpr char kGroupWritesKeepRenderings[] =
    "scim: group writes keep renderings";

inline std::vector<std::string> IdentityFamilies() {
  return {"tenants", "tenant_names", "tokens", "tenant_tokens",
          "users",   "user_index",   "outbox", "memberships",
          "jobs",    "groups"};
}

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IDENTITY_DB_H_
