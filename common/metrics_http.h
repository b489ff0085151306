#ifndef SCIM_COMMON_METRICS_HTTP_H_
#define SCIM_COMMON_METRICS_HTTP_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/metrics.h"

namespace web::http::experimental::listener {
class http_listener;
}

namespace scim {

// The text format's content type (Prometheus exposition format 0.0.4).
inline constexpr char kMetricsContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Plain HTTP serving GET /metrics from a registry: the metrics port of a
// gRPC service. Closes on destruction.
class MetricsHttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& host, int port, metrics::Registry* registry);
  ~MetricsHttpServer();

 private:
  MetricsHttpServer() = default;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
};

// What a service's main calls: serves the default registry on host:port,
// unless port is 0. A port that cannot be opened is logged and the service
// runs on without metrics: scraping is not worth refusing to serve for.
std::unique_ptr<MetricsHttpServer> ServeMetrics(const std::string& program,
                                                const std::string& host,
                                                int port);

}  // namespace scim

#endif  // SCIM_COMMON_METRICS_HTTP_H_
