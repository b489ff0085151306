// identity-service: the system of record for tenants, tokens and users.
#include <malloc.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/grpc_credentials.h"
#include "common/grpc_server.h"
#include "common/metrics_http.h"
#include "common/rocks_db.h"
#include "common/rocks_metrics.h"
#include "common/shutdown.h"
#include "identity-service/change_feed.h"
#include "identity-service/consistency.h"
#include "identity-service/grpc_services.h"
#include "identity-service/identity_db.h"
#include "identity-service/location_jobs.h"
#include "identity-service/outbox.h"
#include "identity-service/role_reconciler.h"
#include "identity-service/user_batch_service.h"

int main(int argc, char** argv) {
  // glibc gives each of up to 8 x cores threads its own arena, and memory
  // freed in one is not reused by another: with gRPC's and RocksDB's
  // threads that was 17 MB (9%) of peak RSS at 100,000 users in
  // scripts/bench.sh, for no measured throughput. MALLOC_ARENA_MAX, when
  // set, still decides.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  scim::BlockShutdownSignals();
  scim::Config config(argc, argv);
  config.MarkSecret("bootstrap_token");
  config.MarkSecret("edge_secret");
  std::string data_dir = config.Get("data_dir", "SCIM_DATA_DIR", "./data");
  std::string host = config.Get("listen_host", "SCIM_LISTEN_HOST", "127.0.0.1");
  int port = config.GetInt("port", "SCIM_IDENTITY_PORT", 50051);
  std::string audit =
      config.Get("audit_address", "SCIM_AUDIT_ADDRESS",
                 "127.0.0.1:" + std::to_string(config.GetInt(
                                    "audit_port", "SCIM_AUDIT_PORT", 50053)));
  // Where the group-delete reconciler finds role-service.
  std::string roles = config.Get(
      "role_address", "SCIM_ROLE_ADDRESS",
      "127.0.0.1:" +
          std::to_string(config.GetInt("role_port", "SCIM_ROLE_PORT", 50052)));
  std::string tenant =
      config.Get("bootstrap_tenant", "SCIM_BOOTSTRAP_TENANT", "demo");
  std::string token = config.Get("bootstrap_token", "SCIM_BOOTSTRAP_TOKEN", "");
  // repair | report | off: a huge directory may want to skip the scan.
  std::string startup_check =
      config.Get("startup_check", "SCIM_STARTUP_CHECK", "repair");
  // Prometheus /metrics over plain HTTP; 0 turns it off.
  int metrics_port =
      config.GetInt("metrics_port", "SCIM_IDENTITY_METRICS_PORT", 9091);
  // Shared with scim-edge: only a caller holding it may act as the edge on
  // SCIM-managed profiles.
  std::string edge_secret = config.Get("edge_secret", "SCIM_EDGE_SECRET", "");
  scim::GrpcTlsFiles grpc_tls = scim::GrpcTlsFromConfig(config);
  // Calls in flight at SIGTERM get this long to finish.
  std::chrono::milliseconds grace(
      config.GetInt("shutdown_grace_ms", "SCIM_SHUTDOWN_GRACE_MS", 10000));
  config.Print("identity-service");
  if (edge_secret.empty()) {
    std::cerr << "identity-service: warning: SCIM_EDGE_SECRET is unset, so "
                 "any internal caller that sends the header x-scim-source: "
                 "edge may change SCIM-managed profiles; set the same secret "
                 "on scim-edge and identity-service"
              << std::endl;
  }
  if (absl::Status tls = scim::ConfigureGrpcTls(grpc_tls); !tls.ok()) {
    std::cerr << "identity-service: " << tls.message() << std::endl;
    return 1;
  }

  std::string path = data_dir + "/identity";
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  auto db = scim::RocksDb::Open(path, scim::identity::IdentityFamilies());
  if (!db.ok()) {
    std::cerr << "identity-service: " << db.status().message() << std::endl;
    return 1;
  }
  if (startup_check != "off") {
    // Before anything else writes, so every kind of problem can be repaired
    // from the user records, and a crash's damage (if any) is logged.
    scim::identity::ConsistencyOptions check;
    check.repair = startup_check == "repair";
    check.exclusive = true;
    auto report = scim::identity::CheckConsistency(db->get(), check);
    if (report.ok()) {
      std::cerr << "identity-service: start-up " << report->Summary()
                << std::endl;
      for (const auto& p : report->problems) {
        std::cerr << "identity-service:   " << p << std::endl;
      }
    } else {
      std::cerr << "identity-service: start-up consistency check failed: "
                << report.status().message() << std::endl;
    }
  }
  // Edges cache rendered users and follow every write through this feed.
  scim::identity::ChangeFeed change_feed(
      db->get()->family(scim::identity::kUsers)->GetID(),
      db->get()->family(scim::identity::kGroups)->GetID(),
      db->get()->family(scim::identity::kTenants)->GetID(),
      db->get()->family(scim::identity::kUserIndex)->GetID());
  db->get()->SetWriteObserver(
      [&change_feed](const rocksdb::WriteBatch& b) { change_feed.Publish(b); });
  scim::identity::Outbox outbox(db->get());
  scim::identity::UserStore users(db->get(), &outbox);
  scim::identity::TenantStore tenants(db->get(), &outbox);
  users.set_tenant_flags([&tenants](const std::string& tenant_id) {
    scim::identity::UserStore::TenantFlags flags;
    auto tenant = tenants.FindShared(tenant_id);
    if (!tenant.ok()) return flags;
    const auto& policies = (*tenant)->policies();
    auto policy = policies.find("approver_from_manager");
    flags.approver_from_manager =
        policy != policies.end() && policy->second == "true";
    flags.has_locations = (*tenant)->locations_size() > 0;
    return flags;
  });
  if (!tenant.empty()) {
    auto lines = tenants.EnsureBootstrap(tenant, token);
    if (!lines.ok()) {
      std::cerr << "identity-service: bootstrap tenant '" << tenant
                << "': " << lines.status().message() << std::endl;
      return 1;
    }
    for (const auto& l : *lines) std::cout << l << std::endl;
  }

  scim::identity::IdentityServiceImpl identity_service(&users, &tenants);
  identity_service.set_database(db->get());
  identity_service.set_edge_secret(edge_secret);
  identity_service.set_change_feed(&change_feed);
  scim::identity::RoleReconciler reconciler(&users, roles, {});
  identity_service.set_reconciler(&reconciler);
  scim::identity::LocationJobs location_jobs(db->get(), &tenants, &users);
  scim::identity::TenantServiceImpl tenant_service(&tenants, &location_jobs);
  scim::identity::UserBatchServiceImpl batch_service(&identity_service);
  // Replies wait until every edge cache has applied what they wrote.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      reply_waits;
  reply_waits.push_back(change_feed.ReplyInterceptor());
  auto server = scim::GrpcServer::Start(
      host + ":" + std::to_string(port),
      {&identity_service, &tenant_service, &batch_service},
      std::move(reply_waits));
  if (!server.ok()) {
    std::cerr << "identity-service: " << server.status().message() << std::endl;
    return 1;
  }
  scim::identity::OutboxForwarder forwarder(&outbox, audit);
  auto rocks_metrics = scim::ExportRocksDbMetrics("identity", db->get()->db(),
                                                  db->get()->all_families());
  auto outbox_metrics = scim::ExportOutboxMetrics(&outbox);
  auto metrics = scim::ServeMetrics("identity-service", host, metrics_port);
  int code = scim::ServeUntilSignal("identity-service", **server, grace,
                                    [&] { change_feed.Stop(); });
  forwarder.Stop();
  location_jobs.Stop();
  reconciler.Stop();
  return code;
}
