#include "common/grpc_server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/health_check_service_interface.h>

#include <iostream>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_credentials.h"
#include "common/grpc_metrics.h"
#include "common/shutdown.h"

namespace scim {

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const std::string& address, const std::vector<grpc::Service*>& services,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors) {
  // Debian's Abseil is built with Mutex deadlock detection on (its debug
  // default): every absl::Mutex lock, gRPC's own included, then updates one
  // process-wide lock graph under a global lock. It cost identity-service
  // about a tenth of its CPU on GetUser. Release builds of Abseil skip it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, GrpcServerCredentials(), &port);
  // Without this a second server silently shares the port instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // The synchronous server ends a worker thread as soon as more than
  // MAX_POLLERS (default 2) are idle and starts a new one when none is: under
  // a dozen concurrent callers that made a thread start and exit every third
  // request. Idle workers wait in the completion queue at no cost.
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 64);
  for (grpc::Service* s : services) builder.RegisterService(s);
  // Counts and times every call for /metrics (common/grpc_metrics.h).
  auto creators = ServerMetricsInterceptors();
  for (auto& i : interceptors) creators.push_back(std::move(i));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError("cannot listen on " + address +
                                  " (port in use?)");
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(server), port));
}

void GrpcServer::Shutdown(std::chrono::milliseconds grace) {
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
}

int ServeUntilSignal(const std::string& name, GrpcServer& server,
                     std::chrono::milliseconds grace,
                     const std::function<void()>& before_shutdown) {
  std::cerr << name << " listening on port " << server.port() << std::endl;
  int sig = WaitForShutdownSignal();
  std::cerr << name << " received signal " << sig << ", shutting down"
            << std::endl;
  if (before_shutdown) before_shutdown();
  server.Shutdown(grace);
  return 0;
}

}  // namespace scim
