#ifndef SCIM_EDGE_SCIM_SERVER_H_
#define SCIM_EDGE_SCIM_SERVER_H_

#include <cpprest/http_listener.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "edge/audit_queue.h"
#include "edge/authenticator.h"
#include "edge/backends.h"
#include "edge/body_reader.h"
#include "edge/bulk_handler.h"
#include "edge/docs_handler.h"
#include "edge/groups_handler.h"
#include "edge/handler_pool.h"
#include "edge/https_certificate.h"
#include "edge/rate_limiter.h"
#include "edge/request_drain.h"
#include "edge/request_log.h"
#include "edge/route_template.h"
#include "edge/users_handler.h"

namespace scim::edge {

struct EdgeOptions {
  // Threads running handlers apart from cpprestsdk's pool; 0 runs them on
  // the pool's thread that received the request.
  int handler_threads = 0;
  // Requests waiting for a handler thread beyond which more are refused
  // (503) until some are done.
  size_t handler_queue = 1024;
  // e.g. http://127.0.0.1:8080, or https:// with `https` set.
  std::string listen_url;
  // SCIM_TLS_CERT and SCIM_TLS_KEY, for an https:// listen_url.
  std::shared_ptr<const HttpsCertificate> https;
  // The same directory is served under each, e.g. /scim/v2, /api/v2/scim, /v2.
  std::vector<std::string> base_paths;
  // Those of `base_paths` that speak SCIM 1.1 (Proxyclick's /scim/v1).
  std::vector<std::string> scim11_base_paths;
  size_t max_body_bytes = 1 << 20;
  // Swagger UI's files for /api/v2/docs (SCIM_DOCS_DIR).
  std::string docs_dir;
  // Requests per tenant (SCIM_RATE_LIMIT_RPS, SCIM_RATE_LIMIT_BURST).
  TenantRateLimiter::Options tenant_rate;
  // Failed authentications per client address (SCIM_AUTH_FAILURE_LIMIT,
  // SCIM_AUTH_FAILURE_WINDOW_S).
  FailedAuthLimiter::Options failed_auth;
  // One JSON line per request on stderr (SCIM_ACCESS_LOG).
  bool access_log = true;
};

// The SCIM HTTP front: routes requests, authenticates them, and hands them
// to the resource handlers. Owns no data.
class ScimServer {
 public:
  // `audit_queue` (optional) records the requests the edge refuses.
  ScimServer(EdgeOptions options, const Backends* backends,
             Authenticator* authenticator, AuditQueue* audit_queue = nullptr);
  absl::Status Start();
  // For SIGTERM: /readyz turns 503 and new requests are refused with 503
  // while those in flight finish, for up to `grace`. Returns how many were
  // still in flight. Stop then closes the connections.
  int Drain(absl::Duration grace) { return drain_.Drain(grace); }
  void Stop();

 private:
  // `in_flight` is released once the response has been written; `place`
  // (a handler thread's, or null) just before it is sent.
  void Handle(web::http::http_request request, const ReceivedBody& body,
              std::shared_ptr<void> in_flight,
              HandlerPool::Place place = nullptr);
  web::http::http_response Dispatch(web::http::http_request& request,
                                    const ReceivedBody& received,
                                    CallerInfo& caller, RequestAudit* audit);
  // Queues the audit event of a refused request; never blocks.
  void RecordRefused(const web::http::http_request& request,
                     web::http::http_response& response,
                     const CallerInfo& caller, const RequestAudit& audit);
  static bool IsDiscovery(const std::string& resource);
  // /healthz and /readyz, still answered while draining.
  static bool IsProbe(const std::string& path);
  // 503 with Retry-After and Connection: close.
  void RefuseWhileDraining(web::http::http_request request,
                           std::shared_ptr<void> in_flight);
  // 503 with Retry-After: every handler thread is busy and handler_queue
  // requests wait for one.
  void RefuseOverloaded(web::http::http_request request,
                        std::shared_ptr<void> in_flight);
  web::http::http_response ServeScim11(const web::http::method& method,
                                       const std::vector<std::string>& rest,
                                       const std::string& body,
                                       RequestContext* ctx) const;
  // ServiceProviderConfig, ResourceTypes and Schemas, describing the
  // tenant's own extensions and custom fields.
  web::http::http_response Discover(const std::vector<std::string>& rest,
                                    const RequestContext& ctx) const;

  EdgeOptions options_;
  std::vector<std::vector<std::string>> base_segments_;
  const Backends* backends_;
  Authenticator* authenticator_;
  AuditQueue* audit_queue_;
  UsersHandler users_;
  GroupsHandler groups_;
  BulkHandler bulk_;
  DocsHandler docs_;
  TenantRateLimiter tenant_rate_;
  FailedAuthLimiter failed_auth_;
  RouteTemplates routes_;
  RequestObserver observer_;
  std::unique_ptr<HandlerPool> handler_pool_;
  // SCIM 1.1 and /Bulk requests running, each on a thread of its own, and
  // not yet answered.
  std::atomic<size_t> own_threads_{0};
  metrics::Counter* shed_;
  metrics::Collector audit_metrics_;
  RequestDrain drain_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_SCIM_SERVER_H_
