#ifndef SCIM_IDENTITY_SERVICE_GRPC_SERVICES_H_
#define SCIM_IDENTITY_SERVICE_GRPC_SERVICES_H_

#include "identity-service/change_feed.h"
#include "identity-service/location_jobs.h"
#include "identity-service/tenant_store.h"
#include "identity-service/user_store.h"
#include "scim/identity/v1/identity.grpc.pb.h"

namespace scim::identity {

class RoleReconciler;

// Who is calling, from the metadata the edge (or an internal caller) sends:
// x-request-id, x-actor, x-client-address, x-operation.
Actor ActorFrom(const grpc::ServerContext& context);

class IdentityServiceImpl final : public pb::IdentityService::Service {
 public:
  IdentityServiceImpl(UserStore* users, TenantStore* tenants)
      : users_(users), tenants_(tenants) {}

  grpc::Status CreateUser(grpc::ServerContext* context,
                          const pb::CreateUserRequest* request,
                          pb::User* response) override;
  grpc::Status GetUser(grpc::ServerContext* context,
                       const pb::GetUserRequest* request,
                       pb::User* response) override;
  grpc::Status LookupUser(grpc::ServerContext* context,
                          const pb::LookupUserRequest* request,
                          pb::User* response) override;
  grpc::Status ReplaceUser(grpc::ServerContext* context,
                           const pb::ReplaceUserRequest* request,
                           pb::User* response) override;
  grpc::Status DeleteUser(grpc::ServerContext* context,
                          const pb::DeleteUserRequest* request,
                          pb::DeleteUserResponse* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const pb::ListUsersRequest* request,
                         pb::ListUsersResponse* response) override;
  grpc::Status ListUserNames(grpc::ServerContext* context,
                             const pb::ListUserNamesRequest* request,
                             pb::ListUserNamesResponse* response) override;
  grpc::Status ListGroupMembers(
      grpc::ServerContext* context, const pb::ListGroupMembersRequest* request,
      pb::ListGroupMembersResponse* response) override;
  grpc::Status UpdateGroupMembers(
      grpc::ServerContext* context,
      const pb::UpdateGroupMembersRequest* request,
      pb::UpdateGroupMembersResponse* response) override;
  grpc::Status RemoveGroup(grpc::ServerContext* context,
                           const pb::RemoveGroupRequest* request,
                           pb::RemoveGroupResponse* response) override;
  grpc::Status GetApprover(grpc::ServerContext* context,
                           const pb::GetApproverRequest* request,
                           pb::GetApproverResponse* response) override;
  grpc::Status GetEffectiveRoles(
      grpc::ServerContext* context, const pb::GetEffectiveRolesRequest* request,
      pb::GetEffectiveRolesResponse* response) override;
  // Defined in consistency.cc; needs the database, set by main.
  grpc::Status CheckConsistency(
      grpc::ServerContext* context, const pb::CheckConsistencyRequest* request,
      pb::CheckConsistencyResponse* response) override;
  grpc::Status WatchUserChanges(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<pb::UserChanges, pb::UserChangesAck>* stream)
      override;
  // CreateUser's and ReplaceUser's work, for `actor`: UserBatchService
  // runs them per write.
  absl::StatusOr<User> CreateAs(const pb::CreateUserRequest& request,
                                bool from_edge, const Actor& actor);
  absl::StatusOr<User> ReplaceAs(const pb::ReplaceUserRequest& request,
                                 bool from_edge, const Actor& actor);
  // Whether the caller proved itself the edge (x-scim-source and the
  // SCIM_EDGE_SECRET): what it creates is SCIM-managed.
  bool CallerIsEdge(const grpc::ServerContext& context) const;
  void set_database(RocksDb* db) { db_ = db; }
  // SCIM_EDGE_SECRET: what the edge proves itself with; empty trusts the
  // x-scim-source header alone.
  void set_edge_secret(std::string secret) { edge_secret_ = std::move(secret); }
  // Woken by every group retirement (RemoveGroup).
  void set_reconciler(RoleReconciler* r) { reconciler_ = r; }
  void set_change_feed(ChangeFeed* feed) { change_feed_ = feed; }

 private:
  UserStore* users_;
  TenantStore* tenants_;
  RocksDb* db_ = nullptr;
  std::string edge_secret_;
  RoleReconciler* reconciler_ = nullptr;
  ChangeFeed* change_feed_ = nullptr;
};

class TenantServiceImpl final : public pb::TenantService::Service {
 public:
  TenantServiceImpl(TenantStore* tenants, LocationJobs* location_jobs)
      : tenants_(tenants), location_jobs_(location_jobs) {}

  grpc::Status CreateTenant(grpc::ServerContext* context,
                            const pb::CreateTenantRequest* request,
                            pb::CreateTenantResponse* response) override;
  grpc::Status ListTenants(grpc::ServerContext* context,
                           const pb::ListTenantsRequest* request,
                           pb::ListTenantsResponse* response) override;
  grpc::Status GetTenant(grpc::ServerContext* context,
                         const pb::GetTenantRequest* request,
                         pb::Tenant* response) override;
  grpc::Status IssueToken(grpc::ServerContext* context,
                          const pb::IssueTokenRequest* request,
                          pb::IssueTokenResponse* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const pb::RevokeTokenRequest* request,
                           pb::RevokeTokenResponse* response) override;
  grpc::Status ListTokens(grpc::ServerContext* context,
                          const pb::ListTokensRequest* request,
                          pb::ListTokensResponse* response) override;
  grpc::Status SetPolicy(grpc::ServerContext* context,
                         const pb::SetPolicyRequest* request,
                         pb::Tenant* response) override;
  grpc::Status AddCustomField(grpc::ServerContext* context,
                              const pb::AddCustomFieldRequest* request,
                              pb::Tenant* response) override;
  grpc::Status RemoveCustomField(grpc::ServerContext* context,
                                 const pb::RemoveCustomFieldRequest* request,
                                 pb::Tenant* response) override;
  grpc::Status PutLocation(grpc::ServerContext* context,
                           const pb::PutLocationRequest* request,
                           pb::Tenant* response) override;
  grpc::Status RemoveLocation(grpc::ServerContext* context,
                              const pb::RemoveLocationRequest* request,
                              pb::Tenant* response) override;
  grpc::Status LocationStatus(grpc::ServerContext* context,
                              const pb::LocationStatusRequest* request,
                              pb::LocationStatusResponse* response) override;
  grpc::Status SetAttributeMapping(
      grpc::ServerContext* context,
      const pb::SetAttributeMappingRequest* request,
      pb::Tenant* response) override;
  grpc::Status Authenticate(grpc::ServerContext* context,
                            const pb::AuthenticateRequest* request,
                            pb::AuthenticateResponse* response) override;

 private:
  TenantStore* tenants_;
  LocationJobs* location_jobs_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_GRPC_SERVICES_H_
