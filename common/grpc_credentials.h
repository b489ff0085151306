#ifndef SCIM_COMMON_GRPC_CREDENTIALS_H_
#define SCIM_COMMON_GRPC_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/config.h"

namespace scim {

// TLS between the components. Servers present `cert` and `key`; clients
// trust only `ca` and expect `server_name` (when set) in the servers'
// certificates instead of the host they dial. All empty: plaintext.
struct GrpcTlsFiles {
  std::string cert;         // SCIM_GRPC_TLS_CERT: PEM certificate chain
  std::string key;          // SCIM_GRPC_TLS_KEY: PEM private key
  std::string ca;           // SCIM_GRPC_TLS_CA: PEM CA certificate(s)
  std::string server_name;  // SCIM_GRPC_TLS_SERVER_NAME
};

// Reads the four settings (flags grpc_tls_cert, grpc_tls_key, grpc_tls_ca,
// grpc_tls_server_name, or their environment variables).
GrpcTlsFiles GrpcTlsFromConfig(const Config& config);

// Reads the files and makes the credentials every later GrpcServer and
// NewGrpcChannel of this process uses. Call once in main, before any gRPC
// server or channel exists. Fails, naming the setting to fix, when a file
// cannot be read or only one of cert and key is given.
absl::Status ConfigureGrpcTls(const GrpcTlsFiles& files);

// What a gRPC server of this process listens with.
std::shared_ptr<grpc::ServerCredentials> GrpcServerCredentials();

// A channel to another component with this process's client credentials.
// `interceptors` (metrics, say) see every call on it.
std::shared_ptr<grpc::Channel> NewGrpcChannel(
    const std::string& address,
    grpc::ChannelArguments args = grpc::ChannelArguments(),
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        interceptors = {});

}  // namespace scim

#endif  // SCIM_COMMON_GRPC_CREDENTIALS_H_
