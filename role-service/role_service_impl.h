#ifndef SCIM_ROLE_SERVICE_ROLE_SERVICE_IMPL_H_
#define SCIM_ROLE_SERVICE_ROLE_SERVICE_IMPL_H_

#include "role-service/identity_sync.h"
#include "role-service/role_store.h"
#include "scim/role/v1/role.grpc.pb.h"

namespace scim::role {

// The gRPC face of RoleStore; the store does all checking. With `sync`,
// deletes and renames reach identity-service (see IdentitySync).
class RoleServiceImpl final : public pb::RoleService::Service {
 public:
  explicit RoleServiceImpl(RoleStore* store, IdentitySync* sync = nullptr)
      : store_(store), sync_(sync) {}

  grpc::Status CreateRole(grpc::ServerContext* context,
                          const pb::CreateRoleRequest* request,
                          pb::Role* response) override;
  grpc::Status GetRole(grpc::ServerContext* context,
                       const pb::GetRoleRequest* request,
                       pb::Role* response) override;
  grpc::Status UpdateRole(grpc::ServerContext* context,
                          const pb::UpdateRoleRequest* request,
                          pb::Role* response) override;
  grpc::Status DeleteRole(grpc::ServerContext* context,
                          const pb::DeleteRoleRequest* request,
                          pb::DeleteRoleResponse* response) override;
  grpc::Status ListRoles(grpc::ServerContext* context,
                         const pb::ListRolesRequest* request,
                         pb::ListRolesResponse* response) override;
  grpc::Status ResolveRoles(grpc::ServerContext* context,
                            const pb::ResolveRolesRequest* request,
                            pb::ResolveRolesResponse* response) override;

 private:
  RoleStore* store_;
  IdentitySync* sync_;
};

}  // namespace scim::role

#endif  // SCIM_ROLE_SERVICE_ROLE_SERVICE_IMPL_H_
