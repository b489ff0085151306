#ifndef SCIM_COMMON_GRPC_METRICS_H_
#define SCIM_COMMON_GRPC_METRICS_H_

#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

namespace scim {

// Interceptors counting every call and timing it into the default registry,
// under the names platform dashboards already know (go-grpc-prometheus):
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_code}
// and the same with grpc_client_ for calls a process makes.
std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
ServerMetricsInterceptors();
std::vector<
    std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
ClientMetricsInterceptors();

// "OK", "NOT_FOUND", ... as gRPC spells the codes.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace scim

#endif  // SCIM_COMMON_GRPC_METRICS_H_
