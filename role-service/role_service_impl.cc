#include "role-service/role_service_impl.h"

#include <string>
#include <utility>
#include <vector>

#include "common/status_map.h"

namespace scim::role {
namespace {

grpc::Status ReplyRoles(grpc::ServerContext* context,
                        absl::StatusOr<std::vector<pb::Role>> roles,
                        google::protobuf::RepeatedPtrField<pb::Role>* out) {
  if (!roles.ok()) return ReplyStatus(context, roles.status());
  for (auto& r : *roles) *out->Add() = std::move(r);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status RoleServiceImpl::CreateRole(grpc::ServerContext* context,
                                         const pb::CreateRoleRequest* request,
                                         pb::Role* response) {
  auto role = store_->Create(request->tenant_id(), request->name());
  if (!role.ok()) return ReplyStatus(context, role.status());
  *response = std::move(*role);
  return grpc::Status::OK;
}

grpc::Status RoleServiceImpl::ListRoles(grpc::ServerContext* context,
                                        const pb::ListRolesRequest* request,
                                        pb::ListRolesResponse* response) {
  return ReplyRoles(context, store_->List(request->tenant_id()),
                    response->mutable_roles());
}

grpc::Status RoleServiceImpl::ResolveRoles(
    grpc::ServerContext* context, const pb::ResolveRolesRequest* request,
    pb::ResolveRolesResponse* response) {
  std::vector<std::string> values(request->values().begin(),
                                  request->values().end());
  return ReplyRoles(context, store_->Resolve(request->tenant_id(), values),
                    response->mutable_roles());
}

}  // namespace scim::role
