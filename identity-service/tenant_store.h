#ifndef SCIM_IDENTITY_SERVICE_TENANT_STORE_H_
#define SCIM_IDENTITY_SERVICE_TENANT_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/rocks_db.h"
#include "identity-service/outbox.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::identity {

namespace pb = scim::identity::v1;

// Tenants, their policies and API tokens. A token's secret is returned once,
// when issued, and stored only as its SHA-256.
class TenantStore {
 public:
  TenantStore(RocksDb* db, Outbox* outbox) : db_(db), outbox_(outbox) {}

  absl::StatusOr<pb::CreateTenantResponse> Create(const std::string& name,
                                                  const Actor& actor);
  // By id, or else by name (case-insensitive). Policies come back effective:
  // defaults overlaid with the tenant's settings.
  absl::StatusOr<pb::Tenant> Find(const std::string& id_or_name) const;
  // The same, shared with the cache rather than copied: a tenant with its
  // policies and locations is a large message, and each user write reads it
  // twice.
  absl::StatusOr<std::shared_ptr<const pb::Tenant>> FindShared(
      const std::string& id_or_name) const;
  absl::StatusOr<std::vector<pb::Tenant>> List() const;

  // `secret` empty: a new random one. `revoke_others`: rotation.
  absl::StatusOr<pb::IssueTokenResponse> IssueToken(const std::string& tenant,
                                                    bool revoke_others,
                                                    const std::string& secret,
                                                    const Actor& actor);
  absl::Status RevokeToken(const std::string& tenant,
                           const std::string& token_id, const Actor& actor);
  absl::StatusOr<std::vector<pb::TokenInfo>> ListTokens(
      const std::string& tenant) const;
  absl::StatusOr<pb::Tenant> SetPolicy(const std::string& tenant,
                                       const std::string& key,
                                       const std::string& value,
                                       const Actor& actor);
  // Tenant settings beyond policies (tenant_settings.cc).
  absl::StatusOr<pb::Tenant> AddCustomField(const std::string& tenant,
                                            const pb::CustomFieldDef& field,
                                            const Actor& actor);
  absl::StatusOr<pb::Tenant> RemoveCustomField(const std::string& tenant,
                                               const std::string& field_id,
                                               const Actor& actor);
  absl::StatusOr<pb::Tenant> SetAttributeMapping(const std::string& tenant,
                                                 const std::string& attribute,
                                                 const std::string& target,
                                                 const Actor& actor);
  absl::StatusOr<pb::Tenant> PutLocation(const std::string& tenant,
                                         const pb::Location& location,
                                         const Actor& actor);
  absl::StatusOr<pb::Tenant> RemoveLocation(const std::string& tenant,
                                            const std::string& name,
                                            const Actor& actor);
  absl::StatusOr<pb::AuthenticateResponse> Authenticate(
      const std::string& secret) const;

  // Makes sure tenant `name` exists and, when `secret` is given, accepts it.
  // Returns the lines to print once: "tenant: <id>" and "token: <secret>"
  // when a token was generated.
  absl::StatusOr<std::vector<std::string>> EnsureBootstrap(
      const std::string& name, const std::string& secret);

 private:
  absl::StatusOr<pb::Tenant> Load(const std::string& id) const;
  // Applies `change` to the stored tenant and writes it with `event` in one
  // batch; returns the tenant with effective policies.
  absl::StatusOr<pb::Tenant> Update(
      const std::string& tenant,
      const std::function<absl::Status(pb::Tenant*)>& change,
      scim::audit::v1::Event event, const Actor& actor);
  absl::StatusOr<pb::IssueTokenResponse> IssueLocked(
      const pb::Tenant& tenant, bool revoke_others, const std::string& secret,
      const Actor& actor, rocksdb::WriteBatch* batch);
  absl::StatusOr<pb::CreateTenantResponse> CreateLocked(
      const std::string& name, const std::string& secret, const Actor& actor);

  // Drops every cached tenant; called after each write of a tenant record.
  void InvalidateCache();

  RocksDb* db_;
  Outbox* outbox_;
  absl::Mutex write_mu_;
  // Find() results by the id or name asked for: every create, replace and
  // patch of a user reads its tenant, and parsing it with its policies was
  // a tenth of identity-service's CPU per create. Only this process writes
  // tenants, so invalidating on each write keeps the cache exact; the
  // generation stops a read that began before a write from caching what it
  // read after the write cleared the cache.
  mutable absl::Mutex cache_mu_;
  mutable uint64_t cache_generation_ ABSL_GUARDED_BY(cache_mu_) = 0;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const pb::Tenant>>
      cache_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_STORE_H_
