#include "common/metrics_http.h"

#include <cpprest/http_listener.h>
#include <pplx/threadpool.h>

#include "common/json_log.h"

namespace scim {

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host, int port, metrics::Registry* registry) {
  std::string url = "http://" + host + ":" + std::to_string(port);
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer());
  try {
    server->listener_ =
        std::make_unique<web::http::experimental::listener::http_listener>(url);
    server->listener_->support([registry](web::http::http_request request) {
      web::http::http_response response;
      if (request.relative_uri().path() != "/metrics") {
        response.set_status_code(web::http::status_codes::NotFound);
        response.set_body("metrics are at /metrics\n");
      } else if (request.method() != web::http::methods::GET &&
                 request.method() != web::http::methods::HEAD) {
        response.set_status_code(web::http::status_codes::MethodNotAllowed);
        response.headers().add("Allow", "GET");
      } else {
        response.set_status_code(web::http::status_codes::OK);
        response.set_body(registry->Render(), kMetricsContentType);
      }
      request.reply(response).then([](pplx::task<void> t) {
        try {
          t.get();
        } catch (...) {
          // The scraper went away.
        }
      });
    });
    server->listener_->open().wait();
  } catch (const std::exception& e) {
    return absl::UnavailableError("cannot serve metrics on " + url + ": " +
                                  e.what());
  }
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (listener_ == nullptr) return;
  try {
    listener_->close().wait();
  } catch (const std::exception&) {
    // Closing at exit; nothing left to do about it.
  }
}

std::unique_ptr<MetricsHttpServer> ServeMetrics(const std::string& program,
                                                const std::string& host,
                                                int port) {
  if (port <= 0) return nullptr;
  // cpprestsdk's pool would start 40 threads; a scrape every few seconds
  // needs two. It can be sized only before its first use.
  try {
    crossplat::threadpool::initialize_with_threads(2);
  } catch (const std::exception&) {
    // Already in use (sized by someone else): keep it.
  }
  auto server =
      MetricsHttpServer::Start(host, port, &metrics::Registry::Default());
  if (!server.ok()) {
    JsonLogLine(program, "metrics disabled")
        .Str("error", server.status().message())
        .Write();
    return nullptr;
  }
  JsonLogLine(program, "serving metrics")
      .Str("url", "http://" + host + ":" + std::to_string(port) + "/metrics")
      .Write();
  return std::move(*server);
}

}  // namespace scim
