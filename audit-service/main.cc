// audit-service: the append-only trail of provisioning events.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "audit-service/audit_service_impl.h"
#include "audit-service/audit_store.h"
#include "common/config.h"
#include "common/grpc_credentials.h"
#include "common/grpc_server.h"
#include "common/metrics_http.h"
#include "common/rocks_metrics.h"
#include "common/shutdown.h"

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::Config config(argc, argv);
  std::string data_dir = config.Get("data_dir", "SCIM_DATA_DIR", "./data");
  std::string host = config.Get("listen_host", "SCIM_LISTEN_HOST", "127.0.0.1");
  int port = config.GetInt("port", "SCIM_AUDIT_PORT", 50053);
  scim::audit::AuditStoreOptions options;
  options.retention_days =
      config.GetInt("retention_days", "SCIM_AUDIT_RETENTION_DAYS", 0);
  // Prometheus /metrics over plain HTTP; 0 turns it off.
  int metrics_port =
      config.GetInt("metrics_port", "SCIM_AUDIT_METRICS_PORT", 9093);
  scim::GrpcTlsFiles grpc_tls = scim::GrpcTlsFromConfig(config);
  // Calls in flight at SIGTERM get this long to finish.
  std::chrono::milliseconds grace(
      config.GetInt("shutdown_grace_ms", "SCIM_SHUTDOWN_GRACE_MS", 10000));
  config.Print("audit-service");
  if (absl::Status tls = scim::ConfigureGrpcTls(grpc_tls); !tls.ok()) {
    std::cerr << "audit-service: " << tls.message() << std::endl;
    return 1;
  }

  std::string path = data_dir + "/audit";
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    std::cerr << "audit-service: cannot create " << path << ": " << ec.message()
              << std::endl;
    return 1;
  }
  // Declared before the server so it is destroyed (and RocksDB flushed) only
  // after the server has stopped serving calls that use it.
  auto store = scim::audit::AuditStore::Open(path, options);
  if (!store.ok()) {
    std::cerr << "audit-service: " << store.status().message() << std::endl;
    return 1;
  }
  scim::audit::AuditServiceImpl service(store->get());
  auto server =
      scim::GrpcServer::Start(host + ":" + std::to_string(port), {&service});
  if (!server.ok()) {
    std::cerr << "audit-service: " << server.status().message() << std::endl;
    return 1;
  }
  auto rocks_metrics =
      scim::ExportRocksDbMetrics("audit", (*store)->db(), (*store)->families());
  auto metrics = scim::ServeMetrics("audit-service", host, metrics_port);
  std::cerr << "audit-service listening on port " << (*server)->port()
            << std::endl;
  int sig = scim::WaitForShutdownSignal();
  std::cerr << "audit-service received signal " << sig << ", shutting down"
            << std::endl;
  // Watches run until their client leaves; end them first so the grace
  // period is spent on calls that finish by themselves.
  (*store)->Interrupt();
  (*server)->Shutdown(grace);
  return 0;
}
