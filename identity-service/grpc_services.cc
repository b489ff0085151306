#include "identity-service/grpc_services.h"

#include <algorithm>

#include "common/status_map.h"
#include "identity-service/role_reconciler.h"
#include "identity-service/user_rules.h"

namespace scim::identity {
namespace {

// Answers with the value on success, the status (and scimType) otherwise.
template <typename T, typename Out>
grpc::Status Reply(grpc::ServerContext* context, absl::StatusOr<T> result,
                   Out* out) {
  if (!result.ok()) return ReplyStatus(context, result.status());
  *out = std::move(*result);
  return grpc::Status::OK;
}

// Users as the catalog has them now: deleted roles and groups left out,
// renamed ones under their new names (group_retire.cc).
absl::StatusOr<User> Rendered(const UserStore* users, const std::string& tenant,
                              absl::StatusOr<User> user) {
  if (user.ok()) users->Render(tenant, &*user);
  return user;
}

absl::Status RequireTenant(const std::string& tenant_id) {
  if (tenant_id.empty()) {
    return WithScimType(absl::InvalidArgumentError("tenant_id is required"),
                        "invalidValue");
  }
  return absl::OkStatus();
}

std::string Metadata(const grpc::ServerContext& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// The edge says so on every call; the chart's NetworkPolicy lets only the
// edge and trusted internal namespaces reach this port.
bool FromEdge(const grpc::ServerContext& context) {
  return Metadata(context, "x-scim-source") == "edge";
}

// Profiles created through SCIM belong to the IdP (Click Travel): internal
// callers may read them but not change or delete them.
absl::Status CheckMayChange(const grpc::ServerContext& context,
                            UserStore* users, const std::string& tenant,
                            const std::string& id) {
  if (FromEdge(context)) return absl::OkStatus();
  absl::StatusOr<User> current = users->Get(tenant, id);
  if (!current.ok()) return current.status();
  if (!current->scim_managed()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "user " + id +
      " is managed by the tenant's identity provider through SCIM; change "
      "it there (or through the SCIM API), not over gRPC");
}

// A manager chain that returns to the user (A manages B manages A) would
// make approval chains endless; it is refused naming the loop.
absl::Status CheckManagerCycle(UserStore* users, const std::string& tenant,
                               const User& user) {
  constexpr int kMaxChain = 256;
  std::vector<std::string> chain = {user.id()};
  std::string next = user.enterprise().manager().value();
  for (int i = 0; i < kMaxChain && !next.empty(); ++i) {
    chain.push_back(next);
    if (next == user.id()) {
      std::string path;
      for (size_t k = 0; k < chain.size(); ++k) {
        path += (k == 0 ? "" : " -> ") + chain[k];
      }
      return WithScimType(
          absl::InvalidArgumentError(
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
              "manager would form a cycle: " +
              path + "; a user cannot be its own (indirect) manager"),
          "invalidValue");
    }
    auto manager = users->Get(tenant, next);
    if (!manager.ok()) return absl::OkStatus();  // pending or unknown
    next = manager->enterprise().manager().value();
  }
  return absl::OkStatus();
}

}  // namespace

// Shared with role-service, so both name callers (and the edge's "patch")
// the same way in their audit events.
Actor ActorFrom(const grpc::ServerContext& context) {
  return AuditActorFrom(context);
}

grpc::Status IdentityServiceImpl::CreateUser(
    grpc::ServerContext* context, const pb::CreateUserRequest* request,
    pb::User* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  auto tenant = tenants_->Find(request->tenant_id());
  if (!tenant.ok()) return ReplyStatus(context, tenant.status());
  User user = request->user();
  if (auto s = ApplyTenantRules(*tenant, &user); !s.ok()) {
    return ReplyStatus(context, s);
  }
  user.set_scim_managed(FromEdge(*context));
  return Reply(context,
               Rendered(users_, request->tenant_id(),
                        users_->Create(request->tenant_id(), std::move(user),
                                       ActorFrom(*context))),
               response);
}

grpc::Status IdentityServiceImpl::GetUser(grpc::ServerContext* context,
                                          const pb::GetUserRequest* request,
                                          pb::User* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  return Reply(context,
               Rendered(users_, request->tenant_id(),
                        users_->Get(request->tenant_id(), request->id())),
               response);
}

grpc::Status IdentityServiceImpl::LookupUser(
    grpc::ServerContext* context, const pb::LookupUserRequest* request,
    pb::User* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  const std::string& t = request->tenant_id();
  auto render = [&](absl::StatusOr<User> u) {
    return Rendered(users_, t, std::move(u));
  };
  switch (request->key_case()) {
    case pb::LookupUserRequest::kUserName:
      return Reply(context,
                   render(users_->FindByUserName(t, request->user_name())),
                   response);
    case pb::LookupUserRequest::kExternalId:
      return Reply(context,
                   render(users_->FindByExternalId(t, request->external_id())),
                   response);
    case pb::LookupUserRequest::kEmail:
      return Reply(context, render(users_->FindByEmail(t, request->email())),
                   response);
    default:
      return ReplyStatus(context,
                         absl::InvalidArgumentError(
                             "give one of user_name, external_id or email"));
  }
}

grpc::Status IdentityServiceImpl::ReplaceUser(
    grpc::ServerContext* context, const pb::ReplaceUserRequest* request,
    pb::User* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  if (auto s = CheckMayChange(*context, users_, request->tenant_id(),
                              request->user().id());
      !s.ok()) {
    return ReplyStatus(context, s);
  }
  auto tenant = tenants_->Find(request->tenant_id());
  if (!tenant.ok()) return ReplyStatus(context, tenant.status());
  User user = request->user();
  if (auto s = ApplyTenantRules(*tenant, &user); !s.ok()) {
    return ReplyStatus(context, s);
  }
  if (auto s = CheckManagerCycle(users_, request->tenant_id(), user);
      !s.ok()) {
    return ReplyStatus(context, s);
  }
  std::optional<int64_t> version;
  if (request->has_expected_version()) version = request->expected_version();
  return Reply(context,
               Rendered(users_, request->tenant_id(),
                        users_->Replace(request->tenant_id(), std::move(user),
                                        version, ActorFrom(*context))),
               response);
}

grpc::Status IdentityServiceImpl::DeleteUser(
    grpc::ServerContext* context, const pb::DeleteUserRequest* request,
    pb::DeleteUserResponse*) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  if (auto s = CheckMayChange(*context, users_, request->tenant_id(),
                              request->id());
      !s.ok()) {
    return ReplyStatus(context, s);
  }
  std::optional<int64_t> version;
  if (request->has_expected_version()) version = request->expected_version();
  return ReplyStatus(
      context, users_->Delete(request->tenant_id(), request->id(), version,
                              ActorFrom(*context)));
}

grpc::Status IdentityServiceImpl::ListUsers(grpc::ServerContext* context,
                                            const pb::ListUsersRequest* request,
                                            pb::ListUsersResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  int count = request->page().has_count() ? request->page().count() : 100;
  count = std::clamp(count, 0, 100000);
  auto page = users_->List(request->tenant_id(),
                           request->has_filter() ? &request->filter() : nullptr,
                           request->page().start_index(), count,
                           request->sort_by(), request->descending());
  if (!page.ok()) return ReplyStatus(context, page.status());
  for (auto& u : page->users) {
    users_->Render(request->tenant_id(), &u);
    *response->add_users() = std::move(u);
  }
  response->mutable_page()->set_total_results(page->total_results);
  response->mutable_page()->set_start_index(page->start_index);
  response->mutable_page()->set_items_per_page(response->users_size());
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::ListGroupMembers(
    grpc::ServerContext* context, const pb::ListGroupMembersRequest* request,
    pb::ListGroupMembersResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  int count = request->page().has_count() ? request->page().count() : 5000;
  auto page = users_->ListMembers(request->tenant_id(), request->group_id(),
                                  request->page().start_index(),
                                  std::clamp(count, 0, 100000),
                                  request->after());
  if (!page.ok()) return ReplyStatus(context, page.status());
  for (auto& m : page->members) {
    pb::GroupMember* out = response->add_members();
    out->set_value(std::move(m.user_id));
    out->set_display(std::move(m.display));
  }
  response->mutable_page()->set_total_results(page->total_results);
  response->mutable_page()->set_start_index(
      std::max(request->page().start_index(), 1));
  response->mutable_page()->set_items_per_page(response->members_size());
  response->set_version(page->version);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::UpdateGroupMembers(
    grpc::ServerContext* context, const pb::UpdateGroupMembersRequest* request,
    pb::UpdateGroupMembersResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  UserStore::MemberChange change;
  change.group_id = request->group_id();
  change.group_display = request->group_display();
  for (const std::string& id : request->add_user_ids()) {
    auto display = request->member_displays().find(id);
    change.add.push_back({id, display == request->member_displays().end()
                                  ? ""
                                  : display->second});
  }
  change.remove.assign(request->remove_user_ids().begin(),
                       request->remove_user_ids().end());
  change.replace_all = request->replace_all();
  if (request->has_expected_version()) {
    change.expected_version = request->expected_version();
  }
  auto counts =
      users_->UpdateMembers(request->tenant_id(), change, ActorFrom(*context));
  if (!counts.ok()) return ReplyStatus(context, counts.status());
  response->set_added(counts->added);
  response->set_removed(counts->removed);
  response->set_version(counts->version);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::RemoveGroup(
    grpc::ServerContext* context, const pb::RemoveGroupRequest* request,
    pb::RemoveGroupResponse*) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  std::optional<int64_t> version;
  if (request->has_expected_version()) version = request->expected_version();
  absl::Status s = users_->RemoveGroup(
      request->tenant_id(), request->group_id(), ActorFrom(*context), version);
  if (s.ok() && reconciler_ != nullptr) reconciler_->Notify();
  return ReplyStatus(context, s);
}

grpc::Status TenantServiceImpl::CreateTenant(
    grpc::ServerContext* context, const pb::CreateTenantRequest* request,
    pb::CreateTenantResponse* response) {
  return Reply(context, tenants_->Create(request->name(), ActorFrom(*context)),
               response);
}

grpc::Status TenantServiceImpl::ListTenants(grpc::ServerContext* context,
                                            const pb::ListTenantsRequest*,
                                            pb::ListTenantsResponse* response) {
  auto tenants = tenants_->List();
  if (!tenants.ok()) return ReplyStatus(context, tenants.status());
  for (auto& t : *tenants) *response->add_tenants() = std::move(t);
  return grpc::Status::OK;
}

grpc::Status TenantServiceImpl::GetTenant(grpc::ServerContext* context,
                                          const pb::GetTenantRequest* request,
                                          pb::Tenant* response) {
  return Reply(context, tenants_->Find(request->tenant()), response);
}

grpc::Status TenantServiceImpl::IssueToken(grpc::ServerContext* context,
                                           const pb::IssueTokenRequest* request,
                                           pb::IssueTokenResponse* response) {
  return Reply(context,
               tenants_->IssueToken(request->tenant(), request->revoke_others(),
                                    "", ActorFrom(*context)),
               response);
}

grpc::Status TenantServiceImpl::RevokeToken(
    grpc::ServerContext* context, const pb::RevokeTokenRequest* request,
    pb::RevokeTokenResponse*) {
  return ReplyStatus(
      context, tenants_->RevokeToken(request->tenant(), request->token_id(),
                                     ActorFrom(*context)));
}

grpc::Status TenantServiceImpl::ListTokens(grpc::ServerContext* context,
                                           const pb::ListTokensRequest* request,
                                           pb::ListTokensResponse* response) {
  auto tokens = tenants_->ListTokens(request->tenant());
  if (!tokens.ok()) return ReplyStatus(context, tokens.status());
  for (auto& t : *tokens) *response->add_tokens() = std::move(t);
  return grpc::Status::OK;
}

grpc::Status TenantServiceImpl::SetPolicy(grpc::ServerContext* context,
                                          const pb::SetPolicyRequest* request,
                                          pb::Tenant* response) {
  return Reply(context,
               tenants_->SetPolicy(request->tenant(), request->key(),
                                   request->value(), ActorFrom(*context)),
               response);
}

grpc::Status TenantServiceImpl::AddCustomField(
    grpc::ServerContext* context, const pb::AddCustomFieldRequest* request,
    pb::Tenant* response) {
  return Reply(context,
               tenants_->AddCustomField(request->tenant(), request->field(),
                                        ActorFrom(*context)),
               response);
}

grpc::Status TenantServiceImpl::RemoveCustomField(
    grpc::ServerContext* context, const pb::RemoveCustomFieldRequest* request,
    pb::Tenant* response) {
  return Reply(context,
               tenants_->RemoveCustomField(request->tenant(),
                                           request->field_id(),
                                           ActorFrom(*context)),
               response);
}

grpc::Status TenantServiceImpl::PutLocation(
    grpc::ServerContext* context, const pb::PutLocationRequest* request,
    pb::Tenant* response) {
  auto t = tenants_->PutLocation(request->tenant(), request->location(),
                                 ActorFrom(*context));
  if (t.ok()) location_jobs_->Notify();
  return Reply(context, std::move(t), response);
}

grpc::Status TenantServiceImpl::RemoveLocation(
    grpc::ServerContext* context, const pb::RemoveLocationRequest* request,
    pb::Tenant* response) {
  auto t = tenants_->RemoveLocation(request->tenant(), request->name(),
                                    ActorFrom(*context));
  if (t.ok()) location_jobs_->Notify();
  return Reply(context, std::move(t), response);
}

grpc::Status TenantServiceImpl::LocationStatus(
    grpc::ServerContext* context, const pb::LocationStatusRequest* request,
    pb::LocationStatusResponse* response) {
  return Reply(context, location_jobs_->Status(request->tenant()), response);
}

grpc::Status TenantServiceImpl::SetAttributeMapping(
    grpc::ServerContext* context,
    const pb::SetAttributeMappingRequest* request, pb::Tenant* response) {
  return Reply(context,
               tenants_->SetAttributeMapping(request->tenant(),
                                             request->attribute(),
                                             request->target(),
                                             ActorFrom(*context)),
               response);
}

grpc::Status IdentityServiceImpl::GetEffectiveRoles(
    grpc::ServerContext* context, const pb::GetEffectiveRolesRequest* request,
    pb::GetEffectiveRolesResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  auto user = Rendered(users_, request->tenant_id(),
                       users_->Get(request->tenant_id(), request->user_id()));
  if (!user.ok()) return ReplyStatus(context, user.status());
  for (const auto& r : user->roles()) {
    pb::EffectiveRole* out = response->add_roles();
    out->set_role_id(r.role_id());
    out->set_display(r.value());
    out->set_source("direct");
  }
  for (const auto& g : user->groups()) {
    pb::EffectiveRole* out = response->add_roles();
    out->set_role_id(g.value());
    out->set_display(g.display());
    out->set_source("group");
  }
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::GetApprover(
    grpc::ServerContext* context, const pb::GetApproverRequest* request,
    pb::GetApproverResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  auto tenant = tenants_->Find(request->tenant_id());
  if (!tenant.ok()) return ReplyStatus(context, tenant.status());
  auto user = users_->Get(request->tenant_id(), request->user_id());
  if (!user.ok()) return ReplyStatus(context, user.status());
  const std::string& manager = user->enterprise().manager().value();
  response->set_manager_id(manager);
  auto policy = tenant->policies().find("approver_from_manager");
  if (policy == tenant->policies().end() || policy->second != "true") {
    response->set_state(pb::GetApproverResponse::NONE);
    response->set_detail("the tenant's approver_from_manager policy is off");
    return grpc::Status::OK;
  }
  if (manager.empty()) {
    response->set_state(pb::GetApproverResponse::NONE);
    response->set_detail("the user has no manager");
    return grpc::Status::OK;
  }
  auto approver = users_->Get(request->tenant_id(), manager);
  if (absl::IsNotFound(approver.status())) {
    response->set_state(pb::GetApproverResponse::PENDING);
    response->set_detail("manager " + manager +
                         " is not provisioned yet; it becomes the approver "
                         "when that user is created");
    return grpc::Status::OK;
  }
  if (!approver.ok()) return ReplyStatus(context, approver.status());
  if (approver->has_active() && !approver->active()) {
    response->set_state(pb::GetApproverResponse::INACTIVE);
    response->set_detail("manager " + manager +
                         " is deactivated, so the user has no approver");
    return grpc::Status::OK;
  }
  response->set_state(pb::GetApproverResponse::ACTIVE);
  users_->Render(request->tenant_id(), &*approver);
  *response->mutable_approver() = *std::move(approver);
  return grpc::Status::OK;
}

grpc::Status TenantServiceImpl::Authenticate(
    grpc::ServerContext* context, const pb::AuthenticateRequest* request,
    pb::AuthenticateResponse* response) {
  return Reply(context, tenants_->Authenticate(request->secret()), response);
}

}  // namespace scim::identity
