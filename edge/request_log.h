#ifndef SCIM_EDGE_REQUEST_LOG_H_
#define SCIM_EDGE_REQUEST_LOG_H_

#include <chrono>
#include <string>

#include "common/metrics.h"
#include "edge/audit_queue.h"

namespace scim::edge {

// What the edge records of every request it answered.
struct RequestRecord {
  std::string request_id;
  // Empty unless the request authenticated.
  std::string tenant_id;
  std::string method;
  // RouteTemplates::Of the path.
  std::string route;
  int status = 0;
  std::chrono::steady_clock::duration latency{};
  std::string client_address;
};

// Counts and times every request for /metrics
// (scim_http_requests_total and scim_http_request_duration_seconds, by
// method, route and status) and writes its access log line on stderr:
//   {"time":"...","service":"scim-edge","msg":"request","request_id":"...",
//    "tenant_id":"acme","method":"GET","route":"/scim/v2/Users/{id}",
//    "status":200,"latency_ms":1.234,"client_address":"10.0.0.7"}
// Only these fields: no header, token, query or body ever reaches the log.
class RequestObserver {
 public:
  explicit RequestObserver(bool access_log);
  void Record(const RequestRecord& r);

 private:
  bool access_log_;
  metrics::Family<metrics::Counter>* requests_;
  metrics::Family<metrics::Histogram>* seconds_;
};

// scim_audit_queue_depth and scim_audit_queue_{enqueued,shipped,dropped}_total
// of the refused-request queue. `queue` must
// outlive the returned Collector.
[[nodiscard]] metrics::Collector ExportAuditQueueMetrics(
    const AuditQueue* queue);

}  // namespace scim::edge

#endif  // SCIM_EDGE_REQUEST_LOG_H_
