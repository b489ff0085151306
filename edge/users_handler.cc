#include "edge/users_handler.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "common/status_map.h"
#include "edge/filter_parser.h"
#include "edge/scim_response.h"
#include "edge/user_json.h"

namespace scim::edge {
namespace {

namespace pb = scim::identity::v1;
using web::http::methods;
using web::http::status_codes;

absl::StatusOr<web::json::value> ParseBody(const std::string& body) {
  std::error_code ec;
  web::json::value v = web::json::value::parse(body, ec);
  if (ec) {
    return WithScimType(
        absl::InvalidArgumentError("the request body is not valid JSON (" +
                                   ec.message() +
                                   "); send a SCIM resource as a JSON object"),
        "invalidSyntax");
  }
  return v;
}

absl::StatusOr<pb::User> ParseUser(const std::string& body) {
  absl::StatusOr<web::json::value> json = ParseBody(body);
  if (!json.ok()) return json.status();
  return UserFromJson(*json);
}

// A query parameter as a whole number, or an invalidValue error naming it.
absl::StatusOr<std::optional<int>> IntParam(const RequestContext& ctx,
                                            const std::string& name) {
  auto it = ctx.query.find(name);
  if (it == ctx.query.end() || it->second.empty()) return std::nullopt;
  int v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return WithScimType(absl::InvalidArgumentError(
                            name + " must be a whole number, not '" +
                            it->second + "'"),
                        "invalidValue");
  }
  return v;
}

int PolicyInt(const RequestContext& ctx, const std::string& key, int fallback) {
  int v = 0;
  return absl::SimpleAtoi(ctx.Policy(key), &v) ? v : fallback;
}

std::optional<int64_t> IfMatchVersion(const RequestContext& ctx) {
  auto it = ctx.headers.find("if-match");
  if (it == ctx.headers.end()) return std::nullopt;
  return VersionFromETag(it->second);
}

}  // namespace

web::http::http_response UsersHandler::Handle(const web::http::method& method,
                                              const std::string& id,
                                              const std::string& body,
                                              const RequestContext& ctx) const {
  if (id.empty()) {
    if (method == methods::GET) return List(ctx);
    if (method == methods::POST) return Create(body, ctx);
  } else {
    if (method == methods::GET) return Get(id, ctx);
    if (method == methods::PUT) return Replace(id, body, ctx);
    if (method == methods::DEL) return Delete(id, ctx);
  }
  web::http::http_response r = ErrorResponse(absl::Status(
      absl::StatusCode::kUnimplemented,
      method + " is not supported on " + (id.empty() ? "/Users" : "/Users/{id}")));
  r.set_status_code(status_codes::MethodNotAllowed);
  r.headers().add("Allow", id.empty() ? "GET, POST" : "GET, PUT, DELETE");
  return r;
}

web::http::http_response UsersHandler::UserResponse(
    web::http::status_code code, const pb::User& user,
    const RequestContext& ctx) const {
  std::string location = ctx.base_url + "/Users/" + user.id();
  web::http::http_response r = JsonResponse(code, UserToJson(user, location));
  r.headers().add("Location", location);
  r.headers().add("ETag", ETagFor(user.meta().version()));
  return r;
}

web::http::http_response UsersHandler::Create(const std::string& body,
                                              const RequestContext& ctx) const {
  absl::StatusOr<pb::User> user = ParseUser(body);
  if (!user.ok()) return ErrorResponse(user.status());
  pb::CreateUserRequest request;
  request.set_tenant_id(ctx.tenant.id());
  *request.mutable_user() = std::move(*user);
  auto created = backends_->Invoke<pb::User>(
      ctx.caller, [&](grpc::ClientContext* c, pb::User* reply) {
        return backends_->identity().CreateUser(c, request, reply);
      });
  if (!created.ok()) return ErrorResponse(created.status());
  return UserResponse(status_codes::Created, *created, ctx);
}

web::http::http_response UsersHandler::Get(const std::string& id,
                                           const RequestContext& ctx) const {
  pb::GetUserRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_id(id);
  auto user = backends_->Invoke<pb::User>(
      ctx.caller, [&](grpc::ClientContext* c, pb::User* reply) {
        return backends_->identity().GetUser(c, request, reply);
      });
  if (!user.ok()) return ErrorResponse(user.status());
  return UserResponse(status_codes::OK, *user, ctx);
}

web::http::http_response UsersHandler::List(const RequestContext& ctx) const {
  pb::ListUsersRequest request;
  request.set_tenant_id(ctx.tenant.id());
  auto filter = ctx.query.find("filter");
  if (filter != ctx.query.end() && !filter->second.empty()) {
    auto parsed = ParseFilter(filter->second);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    *request.mutable_filter() = std::move(*parsed);
  }
  auto start = IntParam(ctx, "startindex");
  if (!start.ok()) return ErrorResponse(start.status());
  auto count = IntParam(ctx, "count");
  if (!count.ok()) return ErrorResponse(count.status());
  int max_page = PolicyInt(ctx, "max_page_size", 5000);
  int page_size = PolicyInt(ctx, "page_size", 100);
  // RFC 7644 3.4.2.4: startIndex below 1 means 1, a negative count means 0,
  // and a count above the maximum is capped rather than refused.
  int start_index = std::max(1, start->value_or(1));
  int n = std::clamp(count->value_or(page_size), 0, max_page);
  request.mutable_page()->set_start_index(start_index);
  request.mutable_page()->set_count(n);
  auto list = backends_->Invoke<pb::ListUsersResponse>(
      ctx.caller, [&](grpc::ClientContext* c, pb::ListUsersResponse* reply) {
        return backends_->identity().ListUsers(c, request, reply);
      });
  if (!list.ok()) return ErrorResponse(list.status());
  web::json::value body = web::json::value::object();
  body["schemas"] = web::json::value::array({web::json::value::string(
      "urn:ietf:params:scim:api:messages:2.0:ListResponse")});
  body["totalResults"] =
      web::json::value::number(static_cast<int64_t>(list->page().total_results()));
  body["startIndex"] = web::json::value::number(start_index);
  body["itemsPerPage"] = web::json::value::number(list->users_size());
  web::json::value resources = web::json::value::array(list->users_size());
  for (int i = 0; i < list->users_size(); ++i) {
    resources[i] = UserToJson(list->users(i),
                              ctx.base_url + "/Users/" + list->users(i).id());
  }
  body["Resources"] = resources;
  return JsonResponse(status_codes::OK, body);
}

web::http::http_response UsersHandler::Replace(const std::string& id,
                                               const std::string& body,
                                               const RequestContext& ctx) const {
  absl::StatusOr<pb::User> user = ParseUser(body);
  if (!user.ok()) return ErrorResponse(user.status());
  pb::ReplaceUserRequest request;
  request.set_tenant_id(ctx.tenant.id());
  *request.mutable_user() = std::move(*user);
  request.mutable_user()->set_id(id);
  if (auto v = IfMatchVersion(ctx)) request.set_expected_version(*v);
  auto replaced = backends_->Invoke<pb::User>(
      ctx.caller, [&](grpc::ClientContext* c, pb::User* reply) {
        return backends_->identity().ReplaceUser(c, request, reply);
      });
  if (!replaced.ok()) return ErrorResponse(replaced.status());
  return UserResponse(status_codes::OK, *replaced, ctx);
}

web::http::http_response UsersHandler::Delete(const std::string& id,
                                              const RequestContext& ctx) const {
  std::optional<int64_t> version = IfMatchVersion(ctx);
  if (ctx.Policy("delete_mode") == "soft") {
    // Soft delete keeps the user and its history, deactivated.
    pb::GetUserRequest get;
    get.set_tenant_id(ctx.tenant.id());
    get.set_id(id);
    auto user = backends_->Invoke<pb::User>(
        ctx.caller, [&](grpc::ClientContext* c, pb::User* reply) {
          return backends_->identity().GetUser(c, get, reply);
        });
    if (!user.ok()) return ErrorResponse(user.status());
    pb::ReplaceUserRequest request;
    request.set_tenant_id(ctx.tenant.id());
    *request.mutable_user() = *user;
    request.mutable_user()->set_active(false);
    request.set_expected_version(version.value_or(user->meta().version()));
    auto replaced = backends_->Invoke<pb::User>(
        ctx.caller, [&](grpc::ClientContext* c, pb::User* reply) {
          return backends_->identity().ReplaceUser(c, request, reply);
        });
    if (!replaced.ok()) return ErrorResponse(replaced.status());
    return web::http::http_response(status_codes::NoContent);
  }
  pb::DeleteUserRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_id(id);
  if (version) request.set_expected_version(*version);
  auto deleted = backends_->Invoke<pb::DeleteUserResponse>(
      ctx.caller, [&](grpc::ClientContext* c, pb::DeleteUserResponse* reply) {
        return backends_->identity().DeleteUser(c, request, reply);
      });
  if (!deleted.ok()) return ErrorResponse(deleted.status());
  return web::http::http_response(status_codes::NoContent);
}

}  // namespace scim::edge
