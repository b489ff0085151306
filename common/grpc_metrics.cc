#include "common/grpc_metrics.h"

#include <chrono>

#include "absl/strings/string_view.h"
#include "common/metrics.h"

namespace scim {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct RpcFamilies {
  metrics::Family<metrics::Counter>* handled;
  metrics::Family<metrics::Histogram>* seconds;
};

RpcFamilies Families(const std::string& side) {
  auto& r = metrics::Registry::Default();
  std::vector<std::string> labels = {"grpc_service", "grpc_method",
                                     "grpc_code"};
  return {
      &r.AddCounter("grpc_" + side + "_handled_total",
                    "RPCs completed, by method and status code.", labels),
      &r.AddHistogram("grpc_" + side + "_handling_seconds",
                      "Time from the start of an RPC to its status.", labels)};
}

const RpcFamilies& ServerFamilies() {
  static const RpcFamilies families = Families("server");
  return families;
}
const RpcFamilies& ClientFamilies() {
  static const RpcFamilies families = Families("client");
  return families;
}

// One per call: gRPC creates it when the call starts.
class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const RpcFamilies& families, const char* method,
                     bool server)
      : families_(families),
        full_method_(method == nullptr ? "" : method),
        server_(server),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (server_ && methods->QueryInterceptionHookPoint(
                       InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    if (!server_ && methods->QueryInterceptionHookPoint(
                        InterceptionHookPoints::POST_RECV_STATUS)) {
      grpc::Status* status = methods->GetRecvStatus();
      if (status != nullptr) Record(status->error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    // "/scim.identity.v1.IdentityService/GetUser"
    absl::string_view m = full_method_;
    if (!m.empty() && m[0] == '/') m.remove_prefix(1);
    size_t slash = m.find('/');
    absl::string_view service =
        slash == absl::string_view::npos ? "unknown" : m.substr(0, slash);
    absl::string_view method =
        slash == absl::string_view::npos ? m : m.substr(slash + 1);
    std::string code_name = GrpcCodeName(code);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    families_.handled->WithLabels({service, method, code_name}).Increment();
    families_.seconds->WithLabels({service, method, code_name})
        .Observe(seconds);
  }

  const RpcFamilies& families_;
  std::string full_method_;
  bool server_;
  std::chrono::steady_clock::time_point start_;
};

class ServerFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(ServerFamilies(), info->method(), true);
  }
};

class ClientFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new MetricsInterceptor(ClientFamilies(), info->method(), false);
  }
};

}  // namespace

std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
ServerMetricsInterceptors() {
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      out;
  out.push_back(std::make_unique<ServerFactory>());
  return out;
}

std::vector<
    std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
ClientMetricsInterceptors() {
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      out;
  out.push_back(std::make_unique<ClientFactory>());
  return out;
}

std::string GrpcCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  if (i < 0 || i >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) {
    return std::to_string(i);
  }
  return kNames[i];
}

}  // namespace scim
