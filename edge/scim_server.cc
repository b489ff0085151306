#include "edge/scim_server.h"

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/status_map.h"
#include "edge/discovery.h"
#include "edge/scim_response.h"

namespace scim::edge {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::status_codes;

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    out.push_back(web::uri::decode(std::string(s)));
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> out;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    // Form encoding: '+' is a space (clients encode a literal '+' as %2B).
    std::replace(kv.first.begin(), kv.first.end(), '+', ' ');
    std::replace(kv.second.begin(), kv.second.end(), '+', ' ');
    out[absl::AsciiStrToLower(web::uri::decode(kv.first))] =
        web::uri::decode(kv.second);
  }
  return out;
}

http_response PlainJson(web::http::status_code code, const std::string& status,
                        const std::string& detail) {
  web::json::value body = web::json::value::object();
  body["status"] = web::json::value::string(status);
  if (!detail.empty()) body["detail"] = web::json::value::string(detail);
  http_response r(code);
  r.set_body(body.serialize(), "application/json");
  return r;
}

}  // namespace

ScimServer::ScimServer(EdgeOptions options, const Backends* backends,
                       Authenticator* authenticator)
    : options_(std::move(options)),
      backends_(backends),
      authenticator_(authenticator),
      users_(backends),
      groups_(backends),
      bulk_(&users_, &groups_) {
  for (const auto& base : options_.base_paths) {
    base_segments_.push_back(Segments(base));
  }
}

absl::Status ScimServer::Start() {
  try {
    listener_ =
        std::make_unique<web::http::experimental::listener::http_listener>(
            options_.listen_url);
    listener_->support([this](http_request r) { Handle(std::move(r)); });
    listener_->open().wait();
  } catch (const std::exception& e) {
    return absl::UnavailableError("cannot listen on " + options_.listen_url +
                                  ": " + e.what());
  }
  return absl::OkStatus();
}

void ScimServer::Stop() {
  if (listener_ == nullptr) return;
  try {
    listener_->close().wait();
  } catch (const std::exception& e) {
    std::cerr << "scim-edge: closing the listener: " << e.what() << std::endl;
  }
}

void ScimServer::Handle(http_request request) {
  CallerInfo caller;
  auto rid = request.headers().find("X-Request-Id");
  caller.request_id = (rid != request.headers().end() && !rid->second.empty() &&
                       rid->second.size() <= 128)
                          ? rid->second
                          : NewUuid();
  caller.client_address = request.remote_address();
  http_response response;
  try {
    response = Dispatch(request, caller);
  } catch (const std::exception& e) {
    // A handler must never take the process down; the client gets a SCIM 500.
    std::cerr << "scim-edge: request " << caller.request_id
              << " failed: " << e.what() << std::endl;
    response = ErrorResponse(absl::InternalError(e.what()));
  }
  response.headers().add("X-Request-Id", caller.request_id);
  request.reply(response).then([](pplx::task<void> t) {
    try {
      t.get();
    } catch (...) {
      // The client went away; nothing to answer.
    }
  });
}

http_response ScimServer::Dispatch(http_request& request, CallerInfo& caller) {
  std::vector<std::string> path = Segments(request.request_uri().path());
  if (path.size() == 1 && path[0] == "healthz") {
    return PlainJson(status_codes::OK, "ok", "");
  }
  if (path.size() == 1 && path[0] == "readyz") {
    absl::Status ready = backends_->CheckReady();
    if (!ready.ok()) {
      return PlainJson(status_codes::ServiceUnavailable, "unavailable",
                       std::string(ready.message()));
    }
    return PlainJson(status_codes::OK, "ok", "");
  }

  size_t matched = 0;
  const std::string* base = nullptr;
  for (size_t i = 0; i < base_segments_.size(); ++i) {
    const auto& segs = base_segments_[i];
    if (segs.size() > path.size()) continue;
    bool ok = true;
    for (size_t k = 0; k < segs.size() && ok; ++k) {
      ok = absl::EqualsIgnoreCase(segs[k], path[k]);
    }
    if (ok && (base == nullptr || segs.size() > matched)) {
      matched = segs.size();
      base = &options_.base_paths[i];
    }
  }
  if (base == nullptr) {
    return ErrorResponse(absl::NotFoundError(
        "no SCIM endpoint at '" + request.request_uri().path() +
        "'; the SCIM base paths are " +
        absl::StrJoin(options_.base_paths, ", ")));
  }

  RequestContext ctx;
  ctx.caller = caller;
  absl::StatusOr<scim::identity::v1::AuthenticateResponse> auth =
      authenticator_->Authenticate(request.headers(), caller);
  if (!auth.ok()) return ErrorResponse(auth.status());
  ctx.tenant = auth->tenant();
  ctx.caller.actor = "token:" + auth->token_id();
  caller.actor = ctx.caller.actor;

  std::string host = "127.0.0.1";
  auto h = request.headers().find("Host");
  if (h != request.headers().end() && !h->second.empty()) host = h->second;
  std::string scheme = "http";
  auto proto = request.headers().find("X-Forwarded-Proto");
  if (proto != request.headers().end() && proto->second == "https") {
    scheme = "https";
  }
  ctx.base_url = scheme + "://" + host + *base;
  ctx.query = ParseQuery(request.request_uri().query());
  for (const auto& [name, value] : request.headers()) {
    ctx.headers[absl::AsciiStrToLower(name)] = value;
  }

  std::vector<std::string> rest(path.begin() + matched, path.end());
  if (rest.empty()) {
    return ErrorResponse(absl::NotFoundError(
        "name a resource under " + *base + ", e.g. " + *base + "/Users"));
  }

  std::string body;
  const auto& method = request.method();
  if (method == web::http::methods::POST || method == web::http::methods::PUT ||
      method == web::http::methods::PATCH) {
    auto length = request.headers().content_length();
    if (length > options_.max_body_bytes) {
      return ErrorResponse(
          WithScimType(absl::InvalidArgumentError("request body is larger "
                                                  "than the limit"),
                       "tooMany"));
    }
    body = request.extract_string(true).get();
    if (body.size() > options_.max_body_bytes) {
      http_response r = ErrorResponse(absl::InvalidArgumentError(
          "the request body has " + std::to_string(body.size()) +
          " bytes; the limit is " + std::to_string(options_.max_body_bytes)));
      r.set_status_code(status_codes::RequestEntityTooLarge);
      return r;
    }
  }

  const std::string& resource = rest[0];
  std::string id = rest.size() >= 2 ? rest[1] : "";
  if (absl::EqualsIgnoreCase(resource, "Users") && rest.size() <= 2) {
    return users_.Handle(method, id, body, ctx);
  }
  if (absl::EqualsIgnoreCase(resource, "Groups") && rest.size() <= 2) {
    return groups_.Handle(method, id, body, ctx);
  }
  if (absl::EqualsIgnoreCase(resource, "Bulk") && rest.size() == 1) {
    return bulk_.Handle(method, body, ctx);
  }
  if (rest.size() == 1 && (absl::EqualsIgnoreCase(resource, ".search"))) {
    return ErrorResponse(absl::NotFoundError(
        "search one resource type at a time: POST " + *base +
        "/Users/.search or " + *base + "/Groups/.search"));
  }
  if (IsDiscovery(resource)) {
    if (method != web::http::methods::GET) {
      http_response r = ErrorResponse(absl::Status(
          absl::StatusCode::kUnimplemented, "discovery endpoints are GET only"));
      r.set_status_code(status_codes::MethodNotAllowed);
      r.headers().add("Allow", "GET");
      return r;
    }
    return Discover(rest, ctx);
  }
  return ErrorResponse(absl::NotFoundError(
      "no SCIM endpoint at '" + request.request_uri().path() + "'; this " +
      "server serves " + *base + "/Users, /Groups, /Bulk, " +
      "/ServiceProviderConfig, /ResourceTypes and /Schemas"));
}

bool ScimServer::IsDiscovery(const std::string& resource) {
  for (const char* name : {"ServiceProviderConfig", "serviceConfiguration",
                           "ResourceTypes", "Schemas"}) {
    if (absl::EqualsIgnoreCase(resource, name)) return true;
  }
  return false;
}

http_response ScimServer::Discover(const std::vector<std::string>& rest,
                                   const RequestContext& ctx) const {
  DiscoveryOptions options;
  options.base_url = ctx.base_url;
  int max_page = 0;
  if (absl::SimpleAtoi(ctx.Policy("max_page_size"), &max_page)) {
    options.max_page_size = max_page;
  }
  options.bulk_max_operations = kBulkMaxOperations;
  options.bulk_max_payload = static_cast<int64_t>(options_.max_body_bytes);
  options.groups_enabled = ctx.Policy("groups") != "disabled";
  const std::string& resource = rest[0];
  if (absl::EqualsIgnoreCase(resource, "ServiceProviderConfig") ||
      absl::EqualsIgnoreCase(resource, "serviceConfiguration")) {
    if (rest.size() > 1) return ErrorResponse(absl::NotFoundError("no such path"));
    return JsonResponse(status_codes::OK, ServiceProviderConfig(options));
  }
  if (absl::EqualsIgnoreCase(resource, "ResourceTypes")) {
    if (rest.size() == 1) {
      return JsonResponse(status_codes::OK, ResourceTypes(options));
    }
    auto type = ResourceType(options, rest[1]);
    if (!type || rest.size() > 2) {
      return ErrorResponse(absl::NotFoundError(
          "no resource type '" + rest[1] + "'; this server has User" +
          (options.groups_enabled ? " and Group" : "")));
    }
    return JsonResponse(status_codes::OK, *type);
  }
  if (rest.size() == 1) return JsonResponse(status_codes::OK, Schemas(options));
  auto schema = Schema(options, rest[1]);
  if (!schema || rest.size() > 2) {
    return ErrorResponse(absl::NotFoundError(
        "no schema '" + rest[1] + "'; GET " + ctx.base_url +
        "/Schemas lists them"));
  }
  return JsonResponse(status_codes::OK, *schema);
}

}  // namespace scim::edge
