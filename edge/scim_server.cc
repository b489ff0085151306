#include "edge/scim_server.h"

#include <algorithm>
#include <iostream>
#include <thread>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/json_log.h"
#include "common/metrics_http.h"
#include "common/status_map.h"
#include "edge/body_reader.h"
#include "edge/discovery.h"
#include "edge/request_body.h"
#include "edge/scim11.h"
#include "edge/scim_response.h"

namespace scim::edge {
namespace {

// A tenant's custom field as /Schemas describes it.
AttributeDef CustomFieldAttribute(const scim::identity::v1::CustomFieldDef& f) {
  using Def = scim::identity::v1::CustomFieldDef;
  AttributeDef a;
  a.name = f.id();
  a.required = f.required();
  switch (f.type()) {
    case Def::NUMBER:
      a.type = AttrType::kDecimal;
      break;
    case Def::BOOLEAN:
      a.type = AttrType::kBoolean;
      break;
    case Def::DATE:
      a.description = "A date, YYYY-MM-DD.";
      break;
    default:
      break;
  }
  if (a.description.empty()) a.description = "Custom field " + f.id() + ".";
  return a;
}

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

constexpr size_t kMaxPathSegment = 512;

// Printable ASCII only: what a gRPC metadata value or a URL host may hold.
bool IsPrintable(const std::string& s) {
  return absl::c_all_of(s, [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// 413, with the same status in the SCIM error body as on the response.
// `size` is the declared Content-Length, 0 for a chunked body.
http_response PayloadTooLarge(size_t size, size_t limit) {
  std::string has = size > 0 ? std::to_string(size) + " bytes"
                             : "more than " + std::to_string(limit) + " bytes";
  web::json::value body = ErrorBody(absl::InvalidArgumentError(
      "the request body has " + has + "; the limit is " +
      std::to_string(limit) +
      " (ServiceProviderConfig bulk.maxPayloadSize); send less per request"));
  body["status"] = web::json::value::string("413");
  return JsonResponse(status_codes::RequestEntityTooLarge, body);
}

// 429 with the seconds to wait, so well-behaved clients back off exactly.
http_response TooManyRequests(const std::string& detail, int retry_after) {
  http_response r = ErrorResponse(absl::ResourceExhaustedError(detail));
  r.headers().remove("Retry-After");
  r.headers().add("Retry-After", std::to_string(retry_after));
  return r;
}

// The OpenAPI document describes SCIM 2.0, so only SCIM 2.0 base paths are
// its servers; a SCIM 1.1 base would take different payloads.
std::vector<std::string> Scim2BasePaths(const EdgeOptions& options) {
  std::vector<std::string> out;
  for (const std::string& base : options.base_paths) {
    if (!absl::c_linear_search(options.scim11_base_paths, base)) {
      out.push_back(base);
    }
  }
  return out;
}

// Replies, the request counting as in flight until the response is sent.
void ReplyHolding(web::http::http_request& request,
                  const web::http::http_response& response,
                  std::shared_ptr<void> in_flight) {
  request.reply(response).then([in_flight](pplx::task<void> t) {
    try {
      t.get();
    } catch (...) {
      // The client went away; nothing to answer.
    }
  });
}

}  // namespace

ScimServer::ScimServer(EdgeOptions options, const Backends* backends,
                       Authenticator* authenticator, AuditQueue* audit_queue)
    : options_(std::move(options)),
      backends_(backends),
      authenticator_(authenticator),
      audit_queue_(audit_queue),
      users_(backends),
      groups_(backends),
      bulk_(&users_, &groups_),
      docs_(DocsOptions{options_.docs_dir, Scim2BasePaths(options_)}),
      tenant_rate_(options_.tenant_rate),
      failed_auth_(options_.failed_auth),
      routes_(options_.base_paths),
      observer_(options_.access_log),
      shed_(&metrics::Registry::Default()
                 .AddCounter("scim_edge_requests_shed_total",
                             "Requests refused with 503 because every "
                             "handler thread was busy and SCIM_HANDLER_QUEUE "
                             "requests were waiting.",
                             {})
                 .WithLabels({})) {
  if (audit_queue_ != nullptr) {
    audit_metrics_ = ExportAuditQueueMetrics(audit_queue_);
  }
  for (const auto& base : options_.base_paths) {
    base_segments_.push_back(Segments(base));
  }
}

absl::Status ScimServer::Start() {
  if (options_.handler_threads > 0) {
    handler_pool_ = std::make_unique<HandlerPool>(options_.handler_threads,
                                                  options_.handler_queue);
  }
  try {
    web::http::experimental::listener::http_listener_config config;
    if (options_.https != nullptr) {
      config.set_ssl_context_callback(
          [https = options_.https](boost::asio::ssl::context& context) {
            https->Configure(context);
          });
    }
    listener_ =
        std::make_unique<web::http::experimental::listener::http_listener>(
            options_.listen_url, config);
    listener_->support([this](http_request r) {
      std::shared_ptr<void> in_flight = drain_.Enter();
      if (drain_.draining() && !IsProbe(r.relative_uri().path())) {
        RefuseWhileDraining(r, std::move(in_flight));
        return;
      }
      // Handlers block on gRPC calls, so they run on handler_pool_, and
      // cpprestsdk's own pool (SCIM_HTTP_THREADS) only moves bytes: with
      // handlers on it, every extra pool thread added a context switch or
      // two to each request (13-15 per request with 8 threads, against 2
      // with 2; the throughput measured is in main.cc).
      //
      // cpprestsdk calls this as soon as the headers are in; the body is read
      // by the same thread pool. A handler that blocked waiting for it would
      // hold a pool thread, and once every thread waited so (as many
      // concurrent POST/PUT/PATCH as threads) the edge stopped for good. So
      // a request with a body is handled once the body is in; one too large
      // as soon as that is known (its Content-Length or the bytes so far).
      //
      // SCIM 1.1 and /Bulk handlers convert responses with
      // extract_string().get() (scim11.cc, bulk_handler.cc), which also
      // waits for a pool thread: they run on a thread of their own, so that
      // a burst of them cannot take every pool thread and wait forever.
      std::string path = r.relative_uri().path();
      bool own_thread =
          absl::AsciiStrToLower(path).find("/bulk") != std::string::npos;
      for (const auto& base : options_.scim11_base_paths) {
        own_thread = own_thread || absl::StartsWithIgnoreCase(path, base);
      }
      // Liveness and metrics never wait behind handlers stuck on a backend.
      bool never_blocks = path == "/healthz" || path == "/metrics";
      auto handle = [this, own_thread, never_blocks, in_flight](
                        http_request req, ReceivedBody body) {
        if (own_thread) {
          // Bounded as the pool is, threads and queue together.
          size_t limit =
              static_cast<size_t>(std::max(options_.handler_threads, 0)) +
              options_.handler_queue;
          if (own_threads_.fetch_add(1) >= limit) {
            own_threads_.fetch_sub(1);
            RefuseOverloaded(std::move(req), in_flight);
            return;
          }
          HandlerPool::Place place(
              nullptr, [this](void*) { own_threads_.fetch_sub(1); });
          std::thread([this, req, body = std::move(body), in_flight,
                       place = std::move(place)]() mutable {
            Handle(req, body, in_flight, std::move(place));
          }).detach();
        } else if (handler_pool_ != nullptr && !never_blocks) {
          bool queued =
              handler_pool_->Run([this, req, body = std::move(body),
                                  in_flight](HandlerPool::Place place) {
                Handle(req, body, in_flight, std::move(place));
              });
          if (!queued) RefuseOverloaded(std::move(req), in_flight);
        } else {
          Handle(std::move(req), body, in_flight);
        }
      };
      const auto& m = r.method();
      bool has_body = m == web::http::methods::POST ||
                      m == web::http::methods::PUT ||
                      m == web::http::methods::PATCH;
      if (!has_body) {
        // cpprestsdk reads any body into memory whether or not it is asked
        // for; this drops it as it comes instead.
        if (DeclaresBody(r)) DrainBody(r);
        handle(std::move(r), ReceivedBody{});
        return;
      }
      // Read as it arrives, so a body without Content-Length (chunked) is
      // refused once it passes the limit instead of first held whole.
      ReadBody(r, options_.max_body_bytes,
               [r, handle](ReceivedBody body) { handle(r, std::move(body)); });
    });
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

bool ScimServer::IsProbe(const std::string& path) {
  return path == "/healthz" || path == "/readyz";
}

void ScimServer::RefuseWhileDraining(http_request request,
                                     std::shared_ptr<void> in_flight) {
  // A client retrying elsewhere (another replica) succeeds; closing the
  // connection stops it from sending more here.
  http_response r = ErrorResponse(
      absl::UnavailableError("this edge is shutting down; retry the request"));
  r.headers().remove("Retry-After");
  r.headers().add("Retry-After", "1");
  r.headers().add("Connection", "close");
  ReplyHolding(request, r, std::move(in_flight));
}

void ScimServer::RefuseOverloaded(http_request request,
                                  std::shared_ptr<void> in_flight) {
  shed_->Increment();
  http_response r = ErrorResponse(absl::UnavailableError(
      "this edge is working on as many requests as SCIM_HANDLER_THREADS "
      "allows and has " +
      std::to_string(options_.handler_queue) +
      " more waiting (SCIM_HANDLER_QUEUE); retry after the Retry-After "
      "seconds, or send fewer requests at once"));
  ReplyHolding(request, r, std::move(in_flight));
}

void ScimServer::Handle(http_request request, const ReceivedBody& body,
                        std::shared_ptr<void> in_flight,
                        HandlerPool::Place place) {
  auto start = std::chrono::steady_clock::now();
  CallerInfo caller;
  auto rid = request.headers().find("X-Request-Id");
  // The id travels as gRPC metadata, whose values must be printable ASCII
  // (anything else aborts the call inside gRPC), so only such ids are kept.
  caller.request_id = (rid != request.headers().end() && !rid->second.empty() &&
                       rid->second.size() <= 128 && IsPrintable(rid->second))
                          ? rid->second
                          : NewFastUuid();
  caller.client_address = request.remote_address();
  backends_->StartRequest(&caller);
  http_response response;
  RequestAudit audit;
  try {
    response = Dispatch(request, body, caller, &audit);
  } catch (const web::uri_exception& e) {
    // Percent-decoding a malformed path or query ("%G1") throws.
    response = ErrorResponse(WithScimType(
        absl::InvalidArgumentError(std::string("the URL is malformed: ") +
                                   e.what()),
        "invalidSyntax"));
  } catch (const std::exception& e) {
    // A handler must never take the process down; the client gets a SCIM 500.
    JsonLogLine("scim-edge", "request failed")
        .Str("request_id", caller.request_id)
        .Str("error", e.what())
        .Write();
    response = ErrorResponse(absl::InternalError(e.what()));
  }
  response.headers().add("X-Request-Id", caller.request_id);
  // Recorded here, once, whatever handler refused the request.
  if (response.status_code() >= 400 && audit.scim) {
    RecordRefused(request, response, caller, audit);
  }
  observer_.Record(
      {caller.request_id, audit.tenant_id, request.method(),
       routes_.Of(request.request_uri().path()), response.status_code(),
       std::chrono::steady_clock::now() - start, caller.client_address});
  // Free before the client has its answer, so that its next request finds
  // the place free.
  place.reset();
  ReplyHolding(request, response, std::move(in_flight));
}

void ScimServer::RecordRefused(const http_request& request,
                               http_response& response,
                               const CallerInfo& caller,
                               const RequestAudit& audit) {
  if (audit_queue_ == nullptr) return;
  try {
    // The body is the SCIM error just built: a string buffer, read here
    // without moving its read position, so the client still gets all of it.
    std::string body;
    auto stream = response.body();
    if (stream.is_valid()) {
      auto buffer = stream.streambuf();
      size_t size = buffer.in_avail();
      body.resize(size);
      body.resize(buffer.scopy(reinterpret_cast<uint8_t*>(body.data()), size));
    }
    std::vector<std::string> secrets;
    if (auto token = TokenFromHeaders(request.headers())) {
      secrets.push_back(*token);
    }
    audit_queue_->Enqueue(RefusedRequestEvent(
        audit, caller, response.status_code(), body, secrets));
  } catch (const std::exception& e) {
    // Auditing must never fail the request it records.
    std::cerr << "scim-edge: cannot record refused request "
              << caller.request_id << ": " << e.what() << std::endl;
  }
}

http_response ScimServer::Dispatch(http_request& request,
                                   const ReceivedBody& received,
                                   CallerInfo& caller, RequestAudit* audit) {
  std::vector<std::string> path = Segments(request.request_uri().path());
  if (path.size() == 1 && path[0] == "healthz") {
    // Requests in flight besides this one: a drain's progress.
    web::json::value body = web::json::value::object();
    body["status"] = web::json::value::string("ok");
    body["inFlight"] = drain_.in_flight() - 1;
    // Requests holding a handler thread or waiting for one: at
    // SCIM_HANDLER_THREADS + SCIM_HANDLER_QUEUE the next gets 503.
    size_t handling = own_threads_.load();
    if (handler_pool_ != nullptr) handling += handler_pool_->taken();
    body["handling"] =
        web::json::value::number(static_cast<uint64_t>(handling));
    body["draining"] = web::json::value::boolean(drain_.draining());
    http_response r(status_codes::OK);
    r.set_body(body.serialize(), "application/json");
    return r;
  }
  if (path.size() == 1 && path[0] == "metrics") {
    http_response r(status_codes::OK);
    r.set_body(metrics::Registry::Default().Render(), kMetricsContentType);
    return r;
  }
  if (path.size() == 1 && path[0] == "readyz") {
    if (drain_.draining()) {
      return PlainJson(status_codes::ServiceUnavailable, "draining",
                       "the edge is shutting down");
    }
    absl::Status ready = backends_->CheckReady();
    if (!ready.ok()) {
      return PlainJson(status_codes::ServiceUnavailable, "unavailable",
                       std::string(ready.message()));
    }
    return PlainJson(status_codes::OK, "ok", "");
  }
  // Before authentication: the documentation page is public, and the
  // requests a user tries from it carry the token they paste.
  if (DocsHandler::Matches(path)) {
    return docs_.Handle(request.method(), path, request.request_uri().path());
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
  audit->scim = true;
  audit->method = request.method();
  // Decoded segments and query values end up in proto strings (ids, filters,
  // sortBy, audit events), which must be UTF-8: a request that is not is
  // refused here rather than failing deep inside a gRPC call.
  bool path_utf8 = absl::c_all_of(path, [](const std::string& segment) {
    return InvalidUtf8Offset(segment) == std::string_view::npos;
  });
  if (!path_utf8) {
    return ErrorResponse(WithScimType(
        absl::InvalidArgumentError(
            "the request path is not valid UTF-8 once percent-decoded"),
        "invalidSyntax"));
  }
  // Ids are UUIDs or role ids; a huge one would come back inside the
  // service's NOT_FOUND message and overflow gRPC's metadata limit.
  if (absl::c_any_of(path, [](const std::string& segment) {
        return segment.size() > kMaxPathSegment;
      })) {
    return ErrorResponse(
        absl::NotFoundError("no resource has an id longer than " +
                            std::to_string(kMaxPathSegment) + " characters"));
  }
  if (path.size() > matched) audit->resource = path[matched];
  if (path.size() > matched + 1) audit->resource_id = path[matched + 1];

  RequestContext ctx;
  ctx.caller = caller;
  // Before the token is looked at, so a client guessing tokens learns
  // nothing more and costs identity-service nothing.
  if (auto wait = failed_auth_.Blocked(caller.client_address)) {
    return TooManyRequests("too many failed authentications from " +
                               caller.client_address +
                               "; check the API token, then retry",
                           *wait);
  }
  // Tokens are printable ASCII; anything else cannot be one and could not
  // travel in the Authenticate call's proto string.
  if (auto token = TokenFromHeaders(request.headers());
      token.has_value() && !IsPrintable(*token)) {
    failed_auth_.RecordFailure(caller.client_address);
    return ErrorResponse(absl::UnauthenticatedError(
        "the API token holds characters no token has; send the token as "
        "issued"));
  }
  absl::StatusOr<Authenticator::Identity> auth =
      authenticator_->Authenticate(request.headers(), caller);
  if (!auth.ok()) {
    if (absl::IsUnauthenticated(auth.status())) {
      failed_auth_.RecordFailure(caller.client_address);
    }
    return ErrorResponse(auth.status());
  }
  failed_auth_.RecordSuccess(caller.client_address);
  ctx.shared_tenant = std::shared_ptr<const scim::identity::v1::Tenant>(
      *auth, &(*auth)->tenant());
  audit->tenant_id = ctx.tenant().id();
  if (auto wait = tenant_rate_.Admit(ctx.tenant().id())) {
    return TooManyRequests(
        "this tenant is sending more than its rate limit of requests; "
        "slow down and retry",
        *wait);
  }
  ctx.caller.actor = "token:" + (*auth)->token_id();
  caller.actor = ctx.caller.actor;

  std::string host = "127.0.0.1";
  auto h = request.headers().find("Host");
  if (h != request.headers().end() && !h->second.empty() &&
      IsPrintable(h->second) && h->second.find(' ') == std::string::npos) {
    host = h->second;
  }
  std::string scheme = options_.https != nullptr ? "https" : "http";
  auto proto = request.headers().find("X-Forwarded-Proto");
  if (proto != request.headers().end() && proto->second == "https") {
    scheme = "https";
  }
  ctx.base_url = scheme + "://" + host + *base;
  ctx.query = ParseQuery(request.request_uri().query());
  for (const auto& [name, value] : ctx.query) {
    if (InvalidUtf8Offset(name) != std::string_view::npos ||
        InvalidUtf8Offset(value) != std::string_view::npos) {
      return ErrorResponse(WithScimType(
          absl::InvalidArgumentError(
              "a query parameter is not valid UTF-8 once percent-decoded"),
          "invalidSyntax"));
    }
  }
  for (const auto& [name, value] : request.headers()) {
    ctx.headers[absl::AsciiStrToLower(name)] = value;
  }

  std::vector<std::string> rest(path.begin() + matched, path.end());
  if (rest.empty()) {
    return ErrorResponse(absl::NotFoundError("name a resource under " + *base +
                                             ", e.g. " + *base + "/Users"));
  }

  std::string body;
  const auto& method = request.method();
  if (method == web::http::methods::POST || method == web::http::methods::PUT ||
      method == web::http::methods::PATCH) {
    if (received.too_large) {
      return PayloadTooLarge(received.declared_length, options_.max_body_bytes);
    }
    if (!received.error.empty()) {
      return ErrorResponse(WithScimType(
          absl::InvalidArgumentError("the request body could not be read (" +
                                     received.error + "); send it again"),
          "invalidSyntax"));
    }
    body = received.text;
  }

  if (absl::c_linear_search(options_.scim11_base_paths, *base)) {
    return ServeScim11(method, rest, body, &ctx);
  }
  const std::string& resource = rest[0];
  std::string id = rest.size() >= 2 ? rest[1] : "";
  // A PATCH ends in a ReplaceUser; this lets identity-service's audit event
  // say "patch".
  if (method == web::http::methods::PATCH) ctx.caller.operation = "patch";
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
      http_response r =
          ErrorResponse(absl::Status(absl::StatusCode::kUnimplemented,
                                     "discovery endpoints are GET only"));
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

http_response ScimServer::ServeScim11(const web::http::method& method,
                                      const std::vector<std::string>& rest,
                                      const std::string& body,
                                      RequestContext* ctx) const {
  if (!absl::EqualsIgnoreCase(rest[0], "Users") || rest.size() > 2) {
    return Scim2ResponseToScim11(ErrorResponse(
        absl::NotFoundError("SCIM 1.1 is served for /Users only; use " +
                            ctx->base_url + "/Users")));
  }
  auto translated = Scim11RequestToScim2(method, body);
  if (!translated.ok()) {
    return Scim2ResponseToScim11(ErrorResponse(translated.status()));
  }
  // Proxyclick's paging: 10 per page unless asked, at most 5,000 (or the
  // tenant's max_page_size when lower).
  auto tenant = std::make_shared<scim::identity::v1::Tenant>(ctx->tenant());
  auto& policies = *tenant->mutable_policies();
  policies["page_size"] = "10";
  int max_page = kScim11MaxPageSize;
  if (int tenant_max = 0;
      absl::SimpleAtoi(policies["max_page_size"], &tenant_max)) {
    max_page = std::clamp(tenant_max, 0, kScim11MaxPageSize);
  }
  policies["max_page_size"] = std::to_string(max_page);
  ctx->shared_tenant = std::move(tenant);
  return Scim2ResponseToScim11(users_.Handle(
      method, rest.size() == 2 ? rest[1] : "", *translated, *ctx));
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
  for (const auto& field : ctx.tenant().custom_fields()) {
    options.custom_fields.push_back(CustomFieldAttribute(field));
  }
  const std::string& resource = rest[0];
  if (absl::EqualsIgnoreCase(resource, "ServiceProviderConfig") ||
      absl::EqualsIgnoreCase(resource, "serviceConfiguration")) {
    if (rest.size() > 1)
      return ErrorResponse(absl::NotFoundError("no such path"));
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
    return ErrorResponse(absl::NotFoundError("no schema '" + rest[1] +
                                             "'; GET " + ctx.base_url +
                                             "/Schemas lists them"));
  }
  return JsonResponse(status_codes::OK, *schema);
}

}  // namespace scim::edge
