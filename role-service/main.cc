// role-service: each tenant's catalog of platform roles.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "common/config.h"
#include "common/grpc_credentials.h"
#include "common/grpc_server.h"
#include "common/metrics_http.h"
#include "common/outbox.h"
#include "common/rocks_metrics.h"
#include "common/shutdown.h"
#include "role-service/role_service_impl.h"
#include "role-service/role_store.h"

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::Config config(argc, argv);
  std::string data_dir = config.Get("data_dir", "SCIM_DATA_DIR", "./data");
  std::string host = config.Get("listen_host", "SCIM_LISTEN_HOST", "127.0.0.1");
  int port = config.GetInt("port", "SCIM_ROLE_PORT", 50052);
  std::string audit =
      config.Get("audit_address", "SCIM_AUDIT_ADDRESS",
                 "127.0.0.1:" + std::to_string(config.GetInt(
                                    "audit_port", "SCIM_AUDIT_PORT", 50053)));
  // Prometheus /metrics over plain HTTP; 0 turns it off.
  int metrics_port =
      config.GetInt("metrics_port", "SCIM_ROLE_METRICS_PORT", 9092);
  // identity-service holds the assignments a delete or rename must reach.
  std::string identity = config.Get(
      "identity_address", "SCIM_IDENTITY_ADDRESS",
      "127.0.0.1:" + std::to_string(config.GetInt(
                         "identity_port", "SCIM_IDENTITY_PORT", 50051)));
  int deadline_ms =
      config.GetInt("grpc_deadline_ms", "SCIM_GRPC_DEADLINE_MS", 5000);
  // Shared with scim-edge and identity-service (see identity_sync.h).
  config.MarkSecret("edge_secret");
  std::string edge_secret = config.Get("edge_secret", "SCIM_EDGE_SECRET", "");
  scim::GrpcTlsFiles grpc_tls = scim::GrpcTlsFromConfig(config);
  // Calls in flight at SIGTERM get this long to finish.
  std::chrono::milliseconds grace(
      config.GetInt("shutdown_grace_ms", "SCIM_SHUTDOWN_GRACE_MS", 10000));
  config.Print("role-service");
  if (absl::Status tls = scim::ConfigureGrpcTls(grpc_tls); !tls.ok()) {
    std::cerr << "role-service: " << tls.message() << std::endl;
    return 1;
  }

  std::string path = data_dir + "/roles";
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    std::cerr << "role-service: cannot create " << path << ": " << ec.message()
              << std::endl;
    return 1;
  }
  // Declared before the server so it is destroyed (and RocksDB flushed) only
  // after the server has stopped serving calls that use it.
  auto store = scim::role::RoleStore::Open(path);
  if (!store.ok()) {
    std::cerr << "role-service: " << store.status().message() << std::endl;
    return 1;
  }
  scim::role::IdentitySync sync(store->get(), identity,
                                std::chrono::milliseconds(deadline_ms),
                                edge_secret);
  scim::role::RoleServiceImpl service(store->get(), &sync);
  auto server =
      scim::GrpcServer::Start(host + ":" + std::to_string(port), {&service});
  if (!server.ok()) {
    std::cerr << "role-service: " << server.status().message() << std::endl;
    return 1;
  }
  // Ships the catalog's audit events; whatever is not shipped at exit stays
  // in the outbox for the next start.
  scim::OutboxForwarder forwarder((*store)->outbox(), audit);
  scim::RocksDb* rocks = (*store)->outbox()->db();
  auto rocks_metrics =
      scim::ExportRocksDbMetrics("roles", rocks->db(), rocks->all_families());
  auto outbox_metrics = scim::ExportOutboxMetrics((*store)->outbox());
  auto metrics = scim::ServeMetrics("role-service", host, metrics_port);
  int code = scim::ServeUntilSignal("role-service", **server, grace);
  forwarder.Stop();
  sync.Stop();
  return code;
}
