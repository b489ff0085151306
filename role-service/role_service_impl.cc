#include "role-service/role_service_impl.h"

#include <algorithm>
#include <optional>
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

grpc::Status ReplyRole(grpc::ServerContext* context,
                       absl::StatusOr<pb::Role> role, pb::Role* out) {
  if (!role.ok()) return ReplyStatus(context, role.status());
  *out = std::move(*role);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status RoleServiceImpl::CreateRole(grpc::ServerContext* context,
                                         const pb::CreateRoleRequest* request,
                                         pb::Role* response) {
  return ReplyRole(
      context,
      store_->Create(request->tenant_id(), request->name(),
                     request->external_id(), AuditActorFrom(*context)),
      response);
}

grpc::Status RoleServiceImpl::GetRole(grpc::ServerContext* context,
                                      const pb::GetRoleRequest* request,
                                      pb::Role* response) {
  return ReplyRole(
      context, store_->Get(request->tenant_id(), request->role_id()), response);
}

grpc::Status RoleServiceImpl::UpdateRole(grpc::ServerContext* context,
                                         const pb::UpdateRoleRequest* request,
                                         pb::Role* response) {
  std::optional<int64_t> expected;
  if (request->has_expected_version()) {
    expected = request->expected_version();
  }
  auto updated = store_->Update(request->tenant_id(), request->role_id(),
                                request->name(), request->external_id(),
                                expected, AuditActorFrom(*context));
  if (updated.ok() && sync_ != nullptr) sync_->Flush();
  return ReplyRole(context, std::move(updated), response);
}

grpc::Status RoleServiceImpl::DeleteRole(grpc::ServerContext* context,
                                         const pb::DeleteRoleRequest* request,
                                         pb::DeleteRoleResponse*) {
  if (sync_ != nullptr) {
    // Checked first, so a delete of an unknown role stays NOT_FOUND.
    auto role = store_->Get(request->tenant_id(), request->role_id());
    if (!role.ok()) return ReplyStatus(context, role.status());
    absl::Status retired =
        sync_->Retire(request->tenant_id(), request->role_id(),
                      AuditActorFrom(*context).actor);
    if (!retired.ok()) return ReplyStatus(context, retired);
  }
  absl::Status s = store_->Delete(request->tenant_id(), request->role_id(),
                                  AuditActorFrom(*context));
  if (!s.ok()) return ReplyStatus(context, s);
  return grpc::Status::OK;
}

grpc::Status RoleServiceImpl::ListRoles(grpc::ServerContext* context,
                                        const pb::ListRolesRequest* request,
                                        pb::ListRolesResponse* response) {
  std::optional<int> count;
  int start = 1;
  if (request->has_page()) {
    start = request->page().start_index();
    if (request->page().has_count()) count = request->page().count();
  }
  auto page =
      store_->Find(request->tenant_id(),
                   request->has_filter() ? &request->filter() : nullptr, start,
                   count, request->sort_by(), request->descending());
  if (!page.ok()) return ReplyStatus(context, page.status());
  for (auto& r : page->roles) *response->add_roles() = std::move(r);
  response->mutable_page()->set_total_results(page->total_results);
  response->mutable_page()->set_start_index(std::max(start, 1));
  response->mutable_page()->set_items_per_page(response->roles_size());
  return grpc::Status::OK;
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
