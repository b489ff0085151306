// scim-edge: the SCIM REST front of the platform.
#include <iostream>

#include "absl/strings/str_split.h"
#include "common/config.h"
#include "common/shutdown.h"
#include "edge/authenticator.h"
#include "edge/backends.h"
#include "edge/scim_server.h"

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::Config config(argc, argv);
  std::string host = config.Get("listen_host", "SCIM_HTTP_HOST", "127.0.0.1");
  int port = config.GetInt("port", "SCIM_HTTP_PORT", 8080);
  auto address = [&](const char* flag, const char* env, const char* port_flag,
                     const char* port_env, int default_port) {
    return config.Get(flag, env,
                      "127.0.0.1:" + std::to_string(config.GetInt(
                                         port_flag, port_env, default_port)));
  };
  std::string identity = address("identity_address", "SCIM_IDENTITY_ADDRESS",
                                 "identity_port", "SCIM_IDENTITY_PORT", 50051);
  std::string roles = address("role_address", "SCIM_ROLE_ADDRESS", "role_port",
                              "SCIM_ROLE_PORT", 50052);
  std::string audit = address("audit_address", "SCIM_AUDIT_ADDRESS",
                              "audit_port", "SCIM_AUDIT_PORT", 50053);
  int deadline_ms = config.GetInt("grpc_deadline_ms", "SCIM_GRPC_DEADLINE_MS", 5000);
  int auth_ttl_ms = config.GetInt("auth_cache_ms", "SCIM_AUTH_CACHE_MS", 5000);
  std::string bases = config.Get("base_paths", "SCIM_BASE_PATHS",
                                 "/scim/v2,/api/v2/scim,/v2");
  int max_body = config.GetInt("max_body_bytes", "SCIM_MAX_BODY_BYTES", 1 << 20);
  config.Print("scim-edge");

  scim::edge::Backends backends(identity, roles, audit,
                                std::chrono::milliseconds(deadline_ms));
  scim::edge::Authenticator authenticator(
      &backends, std::chrono::milliseconds(std::min(auth_ttl_ms, 5000)));
  scim::edge::EdgeOptions options;
  options.listen_url = "http://" + host + ":" + std::to_string(port);
  for (absl::string_view b : absl::StrSplit(bases, ',', absl::SkipEmpty())) {
    std::string base(b);
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    options.base_paths.push_back(base);
  }
  options.max_body_bytes = static_cast<size_t>(max_body);
  scim::edge::ScimServer server(options, &backends, &authenticator);
  absl::Status started = server.Start();
  if (!started.ok()) {
    std::cerr << "scim-edge: " << started.message() << std::endl;
    return 1;
  }
  std::cerr << "scim-edge listening on " << options.listen_url << std::endl;
  int sig = scim::WaitForShutdownSignal();
  std::cerr << "scim-edge received signal " << sig << ", shutting down"
            << std::endl;
  server.Stop();
  return 0;
}
