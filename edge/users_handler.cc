#include "edge/users_handler.h"

#include "absl/strings/ascii.h"
#include "common/metrics.h"
#include "common/status_map.h"
#include "edge/patch_engine.h"
#include "edge/request_body.h"
#include "edge/scim_response.h"
#include "edge/user_json.h"

namespace scim::edge {
namespace {

namespace pb = scim::identity::v1;
using web::http::methods;
using web::http::status_codes;

// Concurrent writers to one user each retry their read-modify-write this many
// times before giving up with 503; each retry means another write landed.
constexpr int kPatchAttempts = 64;

// userName lookups answered "no such user" without identity-service.
metrics::Counter& AbsentUserNamesAnswered() {
  static metrics::Counter* counter =
      &metrics::Registry::Default()
           .AddCounter("scim_edge_absent_user_names_answered_total",
                       "userName eq lookups the edge answered with no "
                       "match itself, from the tenant's userNames.",
                       {})
           .WithLabels({});
  return *counter;
}

// The literal of a `userName eq "..."` filter, or nullptr for any other.
const std::string* UserNameEquals(
    const std::optional<scim::common::v1::Filter>& filter) {
  using scim::common::v1::Filter;
  using scim::common::v1::FilterValue;
  if (!filter || filter->op() != Filter::EQ || filter->has_value_filter() ||
      filter->children_size() > 0 || !filter->sub_attribute().empty() ||
      filter->value().kind_case() != FilterValue::kStringValue) {
    return nullptr;
  }
  std::string attribute = absl::AsciiStrToLower(filter->attribute());
  if (attribute != "username" &&
      attribute != "urn:ietf:params:scim:schemas:core:2.0:user:username") {
    return nullptr;
  }
  return &filter->value().string_value();
}

absl::StatusOr<pb::User> ParseUser(const std::string& body) {
  absl::StatusOr<web::json::value> json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  return UserFromJson(*json);
}

web::http::http_response MethodNotAllowed(const web::http::method& method,
                                          const std::string& path,
                                          const std::string& allow) {
  web::http::http_response r = ErrorResponse(
      absl::Status(absl::StatusCode::kUnimplemented,
                   method + " is not supported on " + path + "; use " + allow));
  r.set_status_code(status_codes::MethodNotAllowed);
  r.headers().add("Allow", allow);
  return r;
}

}  // namespace

// App-role values (Entra's AssertiveAppRoleAssignmentsComplex, or plain
// {"value": ...}) name roles of the tenant's catalog; each is resolved to
// its role id, and an unknown value fails the write naming the known ones.
// Roles are never created this way.
absl::Status UsersHandler::ResolveRoles(pb::User* user,
                                        const RequestContext& ctx) const {
  if (user->roles().empty()) return absl::OkStatus();
  scim::role::v1::ResolveRolesRequest request;
  request.set_tenant_id(ctx.tenant().id());
  for (const auto& role : user->roles()) request.add_values(role.value());
  auto resolved = backends_->Invoke<scim::role::v1::ResolveRolesResponse>(
      ctx.caller,
      [&](grpc::ClientContext* c, scim::role::v1::ResolveRolesResponse* reply) {
        return backends_->roles().ResolveRoles(c, request, reply);
      });
  if (!resolved.ok()) return resolved.status();
  for (int i = 0; i < user->roles_size() && i < resolved->roles_size(); ++i) {
    user->mutable_roles(i)->set_role_id(resolved->roles(i).id());
  }
  return absl::OkStatus();
}

web::http::http_response UsersHandler::Handle(const web::http::method& method,
                                              const std::string& id,
                                              const std::string& body,
                                              const RequestContext& ctx) const {
  if (id.empty()) {
    if (method == methods::GET) {
      auto params = ListParamsFromQuery(ctx);
      if (!params.ok()) return ErrorResponse(params.status());
      return List(*params, ctx);
    }
    if (method == methods::POST) return Create(body, ctx);
    return MethodNotAllowed(method, "/Users", "GET, POST");
  }
  if (id == ".search") {
    if (method != methods::POST) {
      return MethodNotAllowed(method, "/Users/.search", "POST");
    }
    auto params = ListParamsFromSearch(body, ctx);
    if (!params.ok()) return ErrorResponse(params.status());
    return List(*params, ctx);
  }
  if (method == methods::GET) return Get(id, ctx);
  if (method == methods::PUT) return Replace(id, body, ctx);
  if (method == methods::PATCH) return Patch(id, body, ctx);
  if (method == methods::DEL) return Delete(id, ctx);
  return MethodNotAllowed(method, "/Users/{id}", "GET, PUT, PATCH, DELETE");
}

// What the next GET or lookup answers, if the cache holds this user (a
// write's reply is kept): the plain representation is rendered once, here.
std::string UsersHandler::Render(const pb::User& user,
                                 const std::string& location,
                                 const Projection& projection,
                                 const RequestContext& ctx) const {
  std::string body =
      Project(UserToJson(user, location), projection, UserResource())
          .serialize();
  UserCache* cache = backends_->user_cache();
  if (cache != nullptr && projection.attributes.empty() &&
      projection.excluded.empty()) {
    cache->StoreRendered(ctx.tenant().id(), user.id(),
                         {location, user.meta().version(), body});
  }
  return body;
}

web::http::http_response UsersHandler::UserResponse(
    web::http::status_code code, const pb::User& user,
    const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  std::string location = ctx.base_url + "/Users/" + user.id();
  web::http::http_response r(code);
  r.set_body(Render(user, location, *projection, ctx), kScimContentType);
  r.headers().add("Location", location);
  r.headers().add("ETag", ETagFor(user.meta().version()));
  return r;
}

absl::StatusOr<pb::User> UsersHandler::Fetch(const std::string& id,
                                             const RequestContext& ctx,
                                             bool cached) const {
  UserCache* cache = backends_->user_cache();
  uint64_t ticket = 0;
  if (cache != nullptr) {
    if (cached) {
      if (auto hit = cache->Find(ctx.tenant().id(), id)) return *hit;
    }
    ticket = cache->FillTicket();
  }
  pb::GetUserRequest request;
  request.set_tenant_id(ctx.tenant().id());
  request.set_id(id);
  auto user = backends_->Invoke<pb::User>(
      ctx.caller, [&](grpc::ClientContext* c, pb::User* reply) {
        return backends_->identity().GetUser(c, request, reply);
      });
  if (user.ok() && cache != nullptr)
    cache->Fill(ticket, ctx.tenant().id(), *user);
  return user;
}

// Turns the request's If-Match into the version the replace must find: it
// is checked against the stored user here (so `*` and lists work), and the
// write re-checks, so a writer landing in between still gets 412.
absl::StatusOr<std::optional<int64_t>> UsersHandler::ExpectedVersion(
    const std::string& id, const RequestContext& ctx) const {
  std::optional<IfMatch> if_match = IfMatch::FromHeaders(ctx.headers);
  if (!if_match) return std::nullopt;
  auto current = Fetch(id, ctx);
  if (!current.ok()) return current.status();
  absl::Status s = if_match->Check(current->meta().version(), "user");
  if (!s.ok()) return s;
  if (if_match->any()) return std::nullopt;
  return current->meta().version();
}

web::http::http_response UsersHandler::Create(const std::string& body,
                                              const RequestContext& ctx) const {
  absl::StatusOr<pb::User> user = ParseUser(body);
  if (!user.ok()) return ErrorResponse(user.status());
  if (absl::Status s = ResolveRoles(&*user, ctx); !s.ok()) {
    return ErrorResponse(s);
  }
  pb::CreateUserRequest request;
  request.set_tenant_id(ctx.tenant().id());
  *request.mutable_user() = std::move(*user);
  auto created = backends_->CreateUser(ctx.caller, request);
  if (!created.ok()) return ErrorResponse(created.status());
  return UserResponse(status_codes::Created, *created, ctx);
}

web::http::http_response UsersHandler::Get(const std::string& id,
                                           const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  UserCache* cache = backends_->user_cache();
  std::string location = ctx.base_url + "/Users/" + id;
  // The plain representation, which IdPs ask for, is kept rendered.
  std::shared_ptr<const UserCache::Rendered> rendered;
  if (cache != nullptr && projection->attributes.empty() &&
      projection->excluded.empty()) {
    rendered = cache->FindRendered(ctx.tenant().id(), id, location);
  }
  if (rendered == nullptr) {
    auto user = Fetch(id, ctx);
    if (!user.ok()) return ErrorResponse(user.status());
    return UserResponse(status_codes::OK, *user, ctx);
  }
  web::http::http_response r(status_codes::OK);
  r.set_body(rendered->body, kScimContentType);
  r.headers().add("Location", location);
  r.headers().add("ETag", ETagFor(rendered->version));
  return r;
}

// Every IdP looks a user up by `userName eq` before each write to it. The
// user cache vouches for its users as it does for GET; userName is unique
// in a tenant, so a cached user with that name is the whole answer.
std::optional<std::vector<std::string>> UsersHandler::ListCachedUserName(
    const std::string& user_name, const ListParams& params,
    const RequestContext& ctx) const {
  UserCache* cache = backends_->user_cache();
  std::string id = cache->FindIdByUserName(ctx.tenant().id(), user_name);
  if (id.empty()) return std::nullopt;
  std::vector<std::string> page;
  if (params.start_index > 1 || params.count < 1) return page;
  std::string location = ctx.base_url + "/Users/" + id;
  if (params.projection.attributes.empty() &&
      params.projection.excluded.empty()) {
    if (auto rendered = cache->FindRendered(ctx.tenant().id(), id, location)) {
      page.push_back(rendered->body);
      return page;
    }
  }
  auto user = cache->Find(ctx.tenant().id(), id);
  if (user == nullptr) return std::nullopt;
  page.push_back(Render(*user, location, params.projection, ctx));
  return page;
}

web::http::http_response UsersHandler::List(const ListParams& params,
                                            const RequestContext& ctx) const {
  UserCache* cache = backends_->user_cache();
  const std::string* user_name = nullptr;
  uint64_t ticket = 0;
  // sortBy is left to identity-service, which refuses an unknown one.
  if (cache != nullptr && params.sort_by.empty()) {
    user_name = UserNameEquals(params.filter);
  }
  if (user_name != nullptr) {
    if (auto page = ListCachedUserName(*user_name, params, ctx)) {
      return ListResponse(1, params.start_index, *page);
    }
    // An IdP's lookup before it creates the user: nobody has the name yet.
    if (cache->KnownAbsentUserName(ctx.tenant().id(), *user_name)) {
      AbsentUserNamesAnswered().Increment();
      return ListResponse(0, params.start_index, {});
    }
    ticket = cache->FillTicket();
  }
  pb::ListUsersRequest request;
  request.set_tenant_id(ctx.tenant().id());
  if (params.filter) *request.mutable_filter() = *params.filter;
  request.mutable_page()->set_start_index(params.start_index);
  request.mutable_page()->set_count(params.count);
  request.set_sort_by(params.sort_by);
  request.set_descending(params.descending);
  auto list = backends_->Invoke<pb::ListUsersResponse>(
      ctx.caller, [&](grpc::ClientContext* c, pb::ListUsersResponse* reply) {
        return backends_->identity().ListUsers(c, request, reply);
      });
  if (!list.ok()) return ErrorResponse(list.status());
  if (user_name != nullptr && list->users_size() == 1) {
    // The next cycle's lookup of this user is answered here.
    cache->Fill(ticket, ctx.tenant().id(), list->users(0));
  }
  std::vector<std::string> resources;
  resources.reserve(list->users_size());
  for (const pb::User& user : list->users()) {
    resources.push_back(
        Project(UserToJson(user, ctx.base_url + "/Users/" + user.id()),
                params.projection, UserResource())
            .serialize());
  }
  return ListResponse(static_cast<int64_t>(list->page().total_results()),
                      params.start_index, resources);
}

web::http::http_response UsersHandler::Replace(
    const std::string& id, const std::string& body,
    const RequestContext& ctx) const {
  absl::StatusOr<pb::User> user = ParseUser(body);
  if (!user.ok()) return ErrorResponse(user.status());
  if (absl::Status s = ResolveRoles(&*user, ctx); !s.ok()) {
    return ErrorResponse(s);
  }
  pb::ReplaceUserRequest request;
  request.set_tenant_id(ctx.tenant().id());
  *request.mutable_user() = std::move(*user);
  request.mutable_user()->set_id(id);
  auto expected = ExpectedVersion(id, ctx);
  if (!expected.ok()) return ErrorResponse(expected.status());
  if (*expected) request.set_expected_version(**expected);
  auto replaced = backends_->ReplaceUser(ctx.caller, request);
  if (!replaced.ok()) return ErrorResponse(replaced.status());
  return UserResponse(status_codes::OK, *replaced, ctx);
}

// PATCH is a read-modify-write of the SCIM representation, written back only
// if nobody else wrote in between (meta.version); a lost race re-reads and
// re-applies, so concurrent PATCHes never drop each other's changes.
web::http::http_response UsersHandler::Patch(const std::string& id,
                                             const std::string& body,
                                             const RequestContext& ctx) const {
  auto patch = ParseJsonObject(body);
  if (!patch.ok()) return ErrorResponse(patch.status());
  std::optional<IfMatch> if_match = IfMatch::FromHeaders(ctx.headers);
  std::string location = ctx.base_url + "/Users/" + id;
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    // A retry reads identity-service itself: the write that beat this one
    // may not have reached the cache yet.
    auto current = Fetch(id, ctx, /*cached=*/attempt == 0);
    if (!current.ok()) return ErrorResponse(current.status());
    if (if_match) {
      // Checked on every attempt: a write that landed in between makes the
      // version the client named stale.
      absl::Status s = if_match->Check(current->meta().version(), "user");
      if (!s.ok()) return ErrorResponse(s);
    }
    web::json::value json = UserToJson(*current, location);
    absl::Status applied = ApplyPatch(*patch, UserResource(), &json);
    if (!applied.ok()) return ErrorResponse(applied);
    absl::StatusOr<pb::User> updated = UserFromJson(json);
    if (!updated.ok()) return ErrorResponse(updated.status());
    if (absl::Status s = ResolveRoles(&*updated, ctx); !s.ok()) {
      return ErrorResponse(s);
    }
    pb::ReplaceUserRequest request;
    request.set_tenant_id(ctx.tenant().id());
    *request.mutable_user() = std::move(*updated);
    request.mutable_user()->set_id(id);
    request.set_expected_version(current->meta().version());
    auto replaced = backends_->ReplaceUser(ctx.caller, request);
    if (replaced.ok()) {
      if (ctx.Policy("patch_response") == "no-content") {
        web::http::http_response r(status_codes::NoContent);
        r.headers().add("ETag", ETagFor(replaced->meta().version()));
        return r;
      }
      return UserResponse(status_codes::OK, *replaced, ctx);
    }
    if (replaced.status().code() != absl::StatusCode::kFailedPrecondition) {
      return ErrorResponse(replaced.status());
    }
  }
  return ErrorResponse(absl::UnavailableError(
      "the user is being changed by many writers at once; retry the PATCH"));
}

web::http::http_response UsersHandler::Delete(const std::string& id,
                                              const RequestContext& ctx) const {
  if (ctx.Policy("delete_mode") == "soft") {
    std::optional<IfMatch> if_match = IfMatch::FromHeaders(ctx.headers);
    // Soft delete keeps the user and its history, deactivated.
    auto user = Fetch(id, ctx);
    if (!user.ok()) return ErrorResponse(user.status());
    if (if_match) {
      absl::Status s = if_match->Check(user->meta().version(), "user");
      if (!s.ok()) return ErrorResponse(s);
    }
    pb::ReplaceUserRequest request;
    request.set_tenant_id(ctx.tenant().id());
    *request.mutable_user() = *user;
    request.mutable_user()->set_active(false);
    request.set_expected_version(user->meta().version());
    auto replaced = backends_->ReplaceUser(ctx.caller, request);
    if (!replaced.ok()) return ErrorResponse(replaced.status());
    return web::http::http_response(status_codes::NoContent);
  }
  pb::DeleteUserRequest request;
  request.set_tenant_id(ctx.tenant().id());
  request.set_id(id);
  auto expected = ExpectedVersion(id, ctx);
  if (!expected.ok()) return ErrorResponse(expected.status());
  if (*expected) request.set_expected_version(**expected);
  auto deleted = backends_->Invoke<pb::DeleteUserResponse>(
      ctx.caller, [&](grpc::ClientContext* c, pb::DeleteUserResponse* reply) {
        return backends_->identity().DeleteUser(c, request, reply);
      });
  if (!deleted.ok()) return ErrorResponse(deleted.status());
  return web::http::http_response(status_codes::NoContent);
}

}  // namespace scim::edge
