#include "edge/request_log.h"

#include "common/json_log.h"

namespace scim::edge {

RequestObserver::RequestObserver(bool access_log)
    : access_log_(access_log),
      requests_(&metrics::Registry::Default().AddCounter(
          "scim_http_requests_total",
          "HTTP requests answered, by method, route template and status.",
          {"method", "route", "status"})),
      seconds_(&metrics::Registry::Default().AddHistogram(
          "scim_http_request_duration_seconds",
          "Time from a request's arrival (its body read) to its response, by "
          "method, route template and status.",
          {"method", "route", "status"})) {}

void RequestObserver::Record(const RequestRecord& r) {
  std::string status = std::to_string(r.status);
  double seconds = std::chrono::duration<double>(r.latency).count();
  requests_->WithLabels({r.method, r.route, status}).Increment();
  seconds_->WithLabels({r.method, r.route, status}).Observe(seconds);
  if (!access_log_) return;
  JsonLogLine line("scim-edge", "request");
  line.Str("request_id", r.request_id);
  if (!r.tenant_id.empty()) line.Str("tenant_id", r.tenant_id);
  line.Str("method", r.method)
      .Str("route", r.route)
      .Int("status", r.status)
      .Millis("latency_ms", seconds * 1000)
      .Str("client_address", r.client_address)
      .Write();
}

metrics::Collector ExportAuditQueueMetrics(const AuditQueue* queue) {
  return metrics::Registry::Default().AddCollector(
      [queue](std::vector<metrics::Sample>* out) {
        AuditQueue::Stats s = queue->stats();
        out->push_back({"scim_audit_queue_depth",
                        "Refused-request audit events waiting for "
                        "audit-service.",
                        "gauge",
                        {},
                        static_cast<double>(s.queued)});
        out->push_back({"scim_audit_queue_enqueued_total",
                        "Refused-request audit events queued.",
                        "counter",
                        {},
                        static_cast<double>(s.enqueued)});
        out->push_back({"scim_audit_queue_shipped_total",
                        "Refused-request audit events delivered to "
                        "audit-service.",
                        "counter",
                        {},
                        static_cast<double>(s.shipped)});
        out->push_back({"scim_audit_queue_dropped_total",
                        "Refused-request audit events dropped: the queue was "
                        "full, or they were unshipped at shutdown.",
                        "counter",
                        {},
                        static_cast<double>(s.dropped)});
      });
}

}  // namespace scim::edge
