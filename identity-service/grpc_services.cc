#include "identity-service/grpc_services.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "absl/algorithm/container.h"
#include "common/crypto.h"
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

// The edge says so on every call, and proves it with the shared secret
// (SCIM_EDGE_SECRET) when one is configured: the header alone is spoofable by
// any internal caller that can reach this port. Hashing both sides first
// keeps the comparison constant-time whatever the lengths.
bool FromComponent(const grpc::ServerContext& context,
                   const std::string& secret, const char* component) {
  if (Metadata(context, "x-scim-source") != component) return false;
  if (secret.empty()) return true;
  return ConstantTimeEquals(Sha256Hex(Metadata(context, "x-scim-edge-secret")),
                            Sha256Hex(secret));
}

bool FromEdge(const grpc::ServerContext& context, const std::string& secret) {
  return FromComponent(context, secret, "edge");
}

absl::Status ManagedError(const std::string& id) {
  return absl::FailedPreconditionError(
      "user " + id +
      " is managed by the tenant's identity provider through SCIM; change "
      "it there (or through the SCIM API), not over gRPC");
}

// Profiles created through SCIM belong to the IdP (Click Travel): internal
// callers may read them but not change or delete them.
absl::Status CheckMayChange(bool from_edge, UserStore* users,
                            const std::string& tenant, const std::string& id) {
  if (from_edge) return absl::OkStatus();
  absl::StatusOr<User> current = users->Get(tenant, id);
  if (!current.ok()) return current.status();
  if (!current->scim_managed()) return absl::OkStatus();
  return ManagedError(id);
}

// A membership change moves a user's groups (and with them its roles), which
// for a SCIM-managed profile only the IdP decides. Ids that name no user are
// left for the store to report.
absl::Status CheckMembersMayChange(UserStore* users, const std::string& tenant,
                                   const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    absl::StatusOr<User> current = users->Get(tenant, id);
    if (absl::IsNotFound(current.status())) continue;
    if (!current.ok()) return current.status();
    if (current->scim_managed()) return ManagedError(id);
  }
  return absl::OkStatus();
}

// The group's members now (ListMembers reads them all in one scan anyway).
absl::StatusOr<std::vector<std::string>> MemberIds(UserStore* users,
                                                   const std::string& tenant,
                                                   const std::string& group) {
  auto page =
      users->ListMembers(tenant, group, 1, std::numeric_limits<int>::max());
  if (!page.ok()) return page.status();
  std::vector<std::string> ids;
  for (auto& m : page->members) ids.push_back(std::move(m.user_id));
  return ids;
}

// The approval chain is read on every trip request: a bound keeps one
// answer small whatever the directory holds.
constexpr int kMaxApprovalChain = 32;

}  // namespace

// Shared with role-service, so both name callers (and the edge's "patch")
// the same way in their audit events.
Actor ActorFrom(const grpc::ServerContext& context) {
  return AuditActorFrom(context);
}

absl::StatusOr<User> IdentityServiceImpl::CreateAs(
    const pb::CreateUserRequest& request, bool from_edge, const Actor& actor) {
  if (auto s = RequireTenant(request.tenant_id()); !s.ok()) return s;
  auto tenant = tenants_->FindShared(request.tenant_id());
  if (!tenant.ok()) return tenant.status();
  User user = request.user();
  if (auto s = ApplyTenantRules(**tenant, &user); !s.ok()) return s;
  user.set_scim_managed(from_edge);
  return Rendered(users_, request.tenant_id(),
                  users_->Create(request.tenant_id(), std::move(user), actor));
}

bool IdentityServiceImpl::CallerIsEdge(
    const grpc::ServerContext& context) const {
  return FromEdge(context, edge_secret_);
}

grpc::Status IdentityServiceImpl::CreateUser(
    grpc::ServerContext* context, const pb::CreateUserRequest* request,
    pb::User* response) {
  return Reply(context,
               CreateAs(*request, CallerIsEdge(*context), ActorFrom(*context)),
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

grpc::Status IdentityServiceImpl::WatchUserChanges(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::UserChanges, pb::UserChangesAck>* stream) {
  if (change_feed_ == nullptr) {
    return grpc::Status(grpc::UNIMPLEMENTED, "no change feed");
  }
  return change_feed_->Serve(context, stream);
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

absl::StatusOr<User> IdentityServiceImpl::ReplaceAs(
    const pb::ReplaceUserRequest& request, bool from_edge, const Actor& actor) {
  if (auto s = RequireTenant(request.tenant_id()); !s.ok()) return s;
  if (auto s = CheckMayChange(from_edge, users_, request.tenant_id(),
                              request.user().id());
      !s.ok()) {
    return s;
  }
  auto tenant = tenants_->FindShared(request.tenant_id());
  if (!tenant.ok()) return tenant.status();
  User user = request.user();
  if (auto s = ApplyTenantRules(**tenant, &user); !s.ok()) return s;
  std::optional<int64_t> version;
  if (request.has_expected_version()) version = request.expected_version();
  return Rendered(
      users_, request.tenant_id(),
      users_->Replace(request.tenant_id(), std::move(user), version, actor));
}

grpc::Status IdentityServiceImpl::ReplaceUser(
    grpc::ServerContext* context, const pb::ReplaceUserRequest* request,
    pb::User* response) {
  return Reply(context,
               ReplaceAs(*request, CallerIsEdge(*context), ActorFrom(*context)),
               response);
}

grpc::Status IdentityServiceImpl::DeleteUser(
    grpc::ServerContext* context, const pb::DeleteUserRequest* request,
    pb::DeleteUserResponse*) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  if (auto s = CheckMayChange(CallerIsEdge(*context), users_,
                              request->tenant_id(), request->id());
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
  response->set_records_examined(static_cast<uint64_t>(page->records_examined));
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::ListUserNames(
    grpc::ServerContext* context, const pb::ListUserNamesRequest* request,
    pb::ListUserNamesResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  constexpr uint32_t kMaxPage = 10000;
  uint32_t limit = request->limit();
  if (limit == 0 || limit > kMaxPage) limit = kMaxPage;
  bool done = false;
  auto names = users_->UserNamesAfter(request->tenant_id(), request->after(),
                                      limit, &done);
  if (!names.ok()) return ReplyStatus(context, names.status());
  for (auto& n : *names) response->add_user_names(std::move(n));
  response->set_done(done);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::ListGroupMembers(
    grpc::ServerContext* context, const pb::ListGroupMembersRequest* request,
    pb::ListGroupMembersResponse* response) {
  if (auto s = RequireTenant(request->tenant_id()); !s.ok()) {
    return ReplyStatus(context, s);
  }
  int count = request->page().has_count() ? request->page().count() : 5000;
  auto page = users_->ListMembers(
      request->tenant_id(), request->group_id(), request->page().start_index(),
      std::clamp(count, 0, 100000), request->after());
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
  if (!FromEdge(*context, edge_secret_)) {
    // Only the users whose groups actually change are checked.
    auto members = MemberIds(users_, request->tenant_id(), change.group_id);
    if (!members.ok()) return ReplyStatus(context, members.status());
    std::set<std::string> current(members->begin(), members->end());
    std::set<std::string> added(request->add_user_ids().begin(),
                                request->add_user_ids().end());
    std::vector<std::string> touched;
    for (const std::string& id : added) {
      if (!current.count(id)) touched.push_back(id);
    }
    for (const std::string& id : current) {
      bool removed = change.replace_all
                         ? !added.count(id)
                         : absl::c_linear_search(change.remove, id);
      if (removed) touched.push_back(id);
    }
    if (auto s = CheckMembersMayChange(users_, request->tenant_id(), touched);
        !s.ok()) {
      return ReplyStatus(context, s);
    }
  }
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
  // role-service retiring a role it deletes is the catalog's own decision,
  // not an edit of the members' profiles.
  if (!FromEdge(*context, edge_secret_) &&
      !FromComponent(*context, edge_secret_, "role-service")) {
    auto members = MemberIds(users_, request->tenant_id(), request->group_id());
    if (!members.ok()) return ReplyStatus(context, members.status());
    if (auto s = CheckMembersMayChange(users_, request->tenant_id(), *members);
        !s.ok()) {
      return ReplyStatus(context, s);
    }
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
               tenants_->RemoveCustomField(
                   request->tenant(), request->field_id(), ActorFrom(*context)),
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
    grpc::ServerContext* context, const pb::SetAttributeMappingRequest* request,
    pb::Tenant* response) {
  return Reply(
      context,
      tenants_->SetAttributeMapping(request->tenant(), request->attribute(),
                                    request->target(), ActorFrom(*context)),
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
  response->set_manager_id(user->enterprise().manager().value());
  auto policy = tenant->policies().find("approver_from_manager");
  if (policy == tenant->policies().end() || policy->second != "true") {
    response->set_state(pb::GetApproverResponse::NONE);
    response->set_detail("the tenant's approver_from_manager policy is off");
    return grpc::Status::OK;
  }
  auto first = users_->ApproverOf(request->tenant_id(), *user);
  if (!first.ok()) return ReplyStatus(context, first.status());
  response->set_state(first->state);
  response->set_detail(first->detail);
  if (first->state == pb::GetApproverResponse::ACTIVE) {
    *response->mutable_approver() = *first->approver;
  }
  // Up the manager line while each step has an active approver.
  std::set<std::string> seen = {user->id()};
  std::optional<UserStore::Approver> step = *std::move(first);
  for (int i = 0; i < kMaxApprovalChain && step.has_value(); ++i) {
    if (step->state == pb::GetApproverResponse::NONE) break;
    pb::ApprovalStep* out = response->add_chain();
    out->set_state(step->state);
    out->set_manager_value(step->manager_value);
    out->set_approver_id(step->approver_id);
    if (step->approver.has_value()) {
      out->set_approver_user_name(step->approver->user_name());
    }
    out->set_detail(step->detail);
    if (step->state != pb::GetApproverResponse::ACTIVE ||
        !seen.insert(step->approver->id()).second ||
        step->approver->enterprise().manager().value().empty()) {
      break;
    }
    auto next = users_->ApproverOf(request->tenant_id(), *step->approver);
    if (!next.ok()) return ReplyStatus(context, next.status());
    step = *std::move(next);
  }
  return grpc::Status::OK;
}

grpc::Status TenantServiceImpl::Authenticate(
    grpc::ServerContext* context, const pb::AuthenticateRequest* request,
    pb::AuthenticateResponse* response) {
  return Reply(context, tenants_->Authenticate(request->secret()), response);
}

}  // namespace scim::identity
