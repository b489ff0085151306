#ifndef SCIM_COMMON_GRPC_SERVER_H_
#define SCIM_COMMON_GRPC_SERVER_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scim {

// A started gRPC server with the standard grpc.health.v1 service, serving
// `services` (owned by the caller, who keeps them alive until Shutdown).
class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const std::string& address, const std::vector<grpc::Service*>& services,
      std::vector<std::unique_ptr<
          grpc::experimental::ServerInterceptorFactoryInterface>>
          interceptors = {});

  int port() const { return port_; }

  // Health turns NOT_SERVING, new calls are refused, and calls in flight get
  // `grace` to finish.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port)
      : server_(std::move(server)), port_(port) {}
  std::unique_ptr<grpc::Server> server_;
  int port_;
};

// The main of a gRPC service: logs where it listens, waits for SIGINT/SIGTERM,
// shuts down within the grace period. Returns the process exit code.
// `before_shutdown` runs first (ending long-lived streams, say).
int ServeUntilSignal(const std::string& name, GrpcServer& server,
                     std::chrono::milliseconds grace,
                     const std::function<void()>& before_shutdown = nullptr);

}  // namespace scim

#endif  // SCIM_COMMON_GRPC_SERVER_H_
