#include "common/grpc_credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"

namespace scim {
namespace {

// Set once by ConfigureGrpcTls before any other thread runs, read-only
// afterwards. Never destroyed: channels may outlive main's locals.
struct GrpcTlsState {
  std::shared_ptr<grpc::ServerCredentials> server;
  std::shared_ptr<grpc::ChannelCredentials> client;
  std::string server_name;
};

GrpcTlsState*& State() {
  static GrpcTlsState* state = nullptr;
  return state;
}

absl::Status ReadPem(const std::string& path, const char* setting,
                     const char* marker, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(std::string(setting) + ": cannot read '" +
                                      path + "'; name a readable PEM file");
  }
  if (!absl::StrContains(text.str(), marker)) {
    return absl::InvalidArgumentError(std::string(setting) + ": '" + path +
                                      "' holds no PEM block (" + marker +
                                      "...)");
  }
  *out = text.str();
  return absl::OkStatus();
}

}  // namespace

GrpcTlsFiles GrpcTlsFromConfig(const Config& config) {
  GrpcTlsFiles f;
  f.cert = config.Get("grpc_tls_cert", "SCIM_GRPC_TLS_CERT", "");
  f.key = config.Get("grpc_tls_key", "SCIM_GRPC_TLS_KEY", "");
  f.ca = config.Get("grpc_tls_ca", "SCIM_GRPC_TLS_CA", "");
  f.server_name =
      config.Get("grpc_tls_server_name", "SCIM_GRPC_TLS_SERVER_NAME", "");
  return f;
}

absl::Status ConfigureGrpcTls(const GrpcTlsFiles& files) {
  if (files.cert.empty() != files.key.empty()) {
    return absl::InvalidArgumentError(
        "SCIM_GRPC_TLS_CERT and SCIM_GRPC_TLS_KEY go together; set both or "
        "neither");
  }
  if (!files.ca.empty()) {
    // A channel's connection attempts make progress only while something
    // polls it: a call waiting on it, or gRPC's backup poller (every 5 s).
    // The edge's and forwarders' calls fail fast while a service is down, so
    // after one failed attempt nothing waits, and a TLS handshake (several
    // round trips, each waiting for a poll) never finished within the
    // attempt's deadline: the channel stayed down after the service came
    // back. Polling every 100 ms lets it reconnect within a second. Read
    // when gRPC initializes, hence "before any server or channel exists".
    setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "100",
           /*overwrite=*/0);
  }
  auto state = std::make_unique<GrpcTlsState>();
  if (!files.cert.empty()) {
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    absl::Status s = ReadPem(files.cert, "SCIM_GRPC_TLS_CERT",
                             "-----BEGIN CERTIFICATE", &pair.cert_chain);
    if (s.ok()) {
      s = ReadPem(files.key, "SCIM_GRPC_TLS_KEY", "PRIVATE KEY",
                  &pair.private_key);
    }
    if (!s.ok()) return s;
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back(std::move(pair));
    state->server = grpc::SslServerCredentials(options);
  }
  if (!files.ca.empty()) {
    grpc::SslCredentialsOptions options;
    absl::Status s = ReadPem(files.ca, "SCIM_GRPC_TLS_CA",
                             "-----BEGIN CERTIFICATE", &options.pem_root_certs);
    if (!s.ok()) return s;
    state->client = grpc::SslCredentials(options);
    state->server_name = files.server_name;
  }
  delete State();
  State() = state.release();
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> GrpcServerCredentials() {
  const GrpcTlsState* state = State();
  if (state != nullptr && state->server != nullptr) return state->server;
  return grpc::InsecureServerCredentials();
}

std::shared_ptr<grpc::Channel> NewGrpcChannel(
    const std::string& address, grpc::ChannelArguments args,
    std::vector<
        std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
        interceptors) {
  // Every channel comes back within a second of its peer restarting instead
  // of waiting out gRPC's default reconnect backoff (up to two minutes),
  // which background retries (reconcilers, outboxes) would otherwise hit.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  const GrpcTlsState* state = State();
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (state != nullptr && state->client != nullptr) {
    credentials = state->client;
    if (!state->server_name.empty()) {
      args.SetSslTargetNameOverride(state->server_name);
    }
  }
  if (interceptors.empty()) {
    return grpc::CreateCustomChannel(address, credentials, args);
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials, args, std::move(interceptors));
}

}  // namespace scim
