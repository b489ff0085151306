// scim-edge: the SCIM REST front of the platform.
#include <pplx/threadpool.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/config.h"
#include "common/crypto.h"
#include "common/grpc_credentials.h"
#include "common/shutdown.h"
#include "edge/audit_queue.h"
#include "edge/authenticator.h"
#include "edge/backends.h"
#include "edge/https_certificate.h"
#include "edge/scim_server.h"
#include "edge/user_change_watcher.h"
#include "edge/user_name_directory.h"

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
  int deadline_ms =
      config.GetInt("grpc_deadline_ms", "SCIM_GRPC_DEADLINE_MS", 5000);
  int auth_ttl_ms = config.GetInt("auth_cache_ms", "SCIM_AUTH_CACHE_MS", 4000);
  std::string bases =
      config.Get("base_paths", "SCIM_BASE_PATHS", "/scim/v2,/api/v2/scim,/v2");
  std::string scim11_bases =
      config.Get("scim11_base_paths", "SCIM_V1_BASE_PATHS", "/scim/v1");
  int max_body =
      config.GetInt("max_body_bytes", "SCIM_MAX_BODY_BYTES", 1 << 20);
  // Per-tenant token bucket; 0 requests per second turns it off.
  double rate_rps = 0;
  if (!absl::SimpleAtod(
          config.Get("rate_limit_rps", "SCIM_RATE_LIMIT_RPS", "0"),
          &rate_rps)) {
    rate_rps = 0;
  }
  int rate_burst = config.GetInt("rate_limit_burst", "SCIM_RATE_LIMIT_BURST",
                                 std::max(1, static_cast<int>(rate_rps)));
  // Failed authentications from one address before it waits; 0 is off.
  int auth_failures =
      config.GetInt("auth_failure_limit", "SCIM_AUTH_FAILURE_LIMIT", 50);
  int auth_window =
      config.GetInt("auth_failure_window_s", "SCIM_AUTH_FAILURE_WINDOW_S", 60);
  // Swagger UI for /api/v2/docs; the build installs it where this defaults.
  std::string docs_dir =
      config.Get("docs_dir", "SCIM_DOCS_DIR", SCIM_DEFAULT_DOCS_DIR);
  // Refused requests waiting for audit-service beyond this are dropped
  // (and counted) rather than held in memory.
  int audit_queue =
      config.GetInt("audit_queue_capacity", "SCIM_AUDIT_QUEUE_CAPACITY", 10000);
  // cpprestsdk's pool (40 threads unless set before first use) only reads
  // and writes connections; handlers, which block on gRPC, run on their own
  // threads (edge/handler_pool.h). On 2 cores with wrk, 2 + 16 served GET
  // /Users/{id} 10-20% and a 4-in-flight sync 14-20% faster than 8 pool
  // threads running handlers themselves (SCIM_HANDLER_THREADS=0).
  int http_threads = config.GetInt("http_threads", "SCIM_HTTP_THREADS", 2);
  int handler_threads =
      config.GetInt("handler_threads", "SCIM_HANDLER_THREADS", 16);
  // Requests waiting for a handler thread beyond which more get 503 with
  // Retry-After at once: in a burst past what the backends keep up with,
  // a request waiting longer than its client would be work thrown away.
  int handler_queue =
      config.GetInt("handler_queue", "SCIM_HANDLER_QUEUE", 1024);
  // Users GET serves without calling identity-service, for as long as its
  // change stream vouches for them (edge/user_cache.h); 0 turns it off.
  int user_cache_size =
      config.GetInt("user_cache_size", "SCIM_USER_CACHE_SIZE", 100000);
  // userNames the edge keeps, of every tenant it serves lookups for, to
  // answer a lookup of a name no user has (edge/user_name_directory.h); a
  // tenant beyond it asks identity-service as before. 0 turns it off.
  int user_names_size =
      config.GetInt("user_names_size", "SCIM_USER_NAMES_SIZE", 500000);
  // One JSON line per request on stderr; "false" turns it off.
  std::string access_log = config.Get("access_log", "SCIM_ACCESS_LOG", "true");
  // Shared with identity-service, which trusts "this is the edge" only
  // with it.
  config.MarkSecret("edge_secret");
  std::string edge_secret = config.Get("edge_secret", "SCIM_EDGE_SECRET", "");
  // HTTPS when both are set; plain HTTP (behind a TLS-terminating ingress,
  // say) when neither is.
  std::string tls_cert = config.Get("tls_cert", "SCIM_TLS_CERT", "");
  std::string tls_key = config.Get("tls_key", "SCIM_TLS_KEY", "");
  scim::GrpcTlsFiles grpc_tls = scim::GrpcTlsFromConfig(config);
  // On SIGTERM, requests in flight get this long to finish.
  int grace_ms =
      config.GetInt("shutdown_grace_ms", "SCIM_SHUTDOWN_GRACE_MS", 10000);
  config.Print("scim-edge");
  if (edge_secret.empty()) {
    std::cerr << "scim-edge: warning: SCIM_EDGE_SECRET is unset; set the "
                 "same secret on scim-edge and identity-service so internal "
                 "callers cannot pose as the edge"
              << std::endl;
  }
  if (absl::Status tls = scim::ConfigureGrpcTls(grpc_tls); !tls.ok()) {
    std::cerr << "scim-edge: " << tls.message() << std::endl;
    return 1;
  }
  std::shared_ptr<const scim::edge::HttpsCertificate> https;
  if (!tls_cert.empty() || !tls_key.empty()) {
    auto loaded = scim::edge::HttpsCertificate::Load(tls_cert, tls_key);
    if (!loaded.ok()) {
      std::cerr << "scim-edge: " << loaded.status().message() << std::endl;
      return 1;
    }
    https = *std::move(loaded);
  }
  // cpprestsdk closes its listener in a task on this pool that waits for
  // every open connection to close, which takes another pool thread: with
  // one, an idle keep-alive connection kept SIGTERM from ending the edge.
  if (http_threads < 2) {
    std::cerr << "scim-edge: SCIM_HTTP_THREADS=" << http_threads
              << " is raised to 2, the fewest that can shut down" << std::endl;
    http_threads = 2;
  }
  crossplat::threadpool::initialize_with_threads(
      static_cast<size_t>(http_threads));
  // As in common/grpc_server.cc: no global lock graph on every Mutex lock.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  scim::edge::Backends backends(identity, roles, audit,
                                std::chrono::milliseconds(deadline_ms));
  backends.set_edge_secret(edge_secret);
  // Outlives the cache and its watcher, which add to it.
  std::unique_ptr<scim::edge::UserNameDirectory> user_names;
  std::unique_ptr<scim::edge::UserCache> user_cache;
  std::unique_ptr<scim::edge::UserChangeWatcher> user_watcher;
  if (user_cache_size > 0) {
    // Shorter than identity-service's (2 s), which waits it out before
    // replying past a watcher it had to cut off.
    user_cache = std::make_unique<scim::edge::UserCache>(
        static_cast<size_t>(user_cache_size), std::chrono::milliseconds(1500));
    if (user_names_size > 0) {
      user_names = std::make_unique<scim::edge::UserNameDirectory>(
          static_cast<size_t>(user_names_size),
          [&backends](const std::string& tenant, const std::string& after)
              -> absl::StatusOr<scim::edge::UserNameDirectory::Page> {
            scim::identity::v1::ListUserNamesRequest request;
            request.set_tenant_id(tenant);
            request.set_after(after);
            auto reply =
                backends.Invoke<scim::identity::v1::ListUserNamesResponse>(
                    scim::edge::CallerInfo{},
                    [&](grpc::ClientContext* c,
                        scim::identity::v1::ListUserNamesResponse* r) {
                      return backends.identity().ListUserNames(c, request, r);
                    });
            if (!reply.ok()) return reply.status();
            scim::edge::UserNameDirectory::Page page;
            page.names.assign(reply->user_names().begin(),
                              reply->user_names().end());
            page.done = reply->done();
            return page;
          });
      user_cache->set_user_names(user_names.get());
    }
    std::string watcher_id = scim::RandomHex(16);
    user_watcher = std::make_unique<scim::edge::UserChangeWatcher>(
        &backends.identity(), user_cache.get(), watcher_id);
    backends.set_user_cache(user_cache.get(), watcher_id);
  }
  scim::edge::AuditQueue::Options queue_options;
  queue_options.capacity = static_cast<size_t>(std::max(audit_queue, 1));
  queue_options.deadline = std::chrono::milliseconds(deadline_ms);
  scim::edge::AuditQueue audit_events(&backends.audit(), queue_options);
  scim::edge::Authenticator authenticator(
      &backends, std::chrono::milliseconds(std::clamp(auth_ttl_ms, 0, 4500)));
  scim::edge::EdgeOptions options;
  options.listen_url = std::string(https != nullptr ? "https" : "http") +
                       "://" + host + ":" + std::to_string(port);
  options.https = https;
  auto add_bases = [&](const std::string& list,
                       std::vector<std::string>* also) {
    for (absl::string_view b : absl::StrSplit(list, ',', absl::SkipEmpty())) {
      std::string base(b);
      while (base.size() > 1 && base.back() == '/') base.pop_back();
      options.base_paths.push_back(base);
      if (also != nullptr) also->push_back(base);
    }
  };
  add_bases(bases, nullptr);
  add_bases(scim11_bases, &options.scim11_base_paths);
  options.max_body_bytes = static_cast<size_t>(max_body);
  options.handler_threads = handler_threads;
  options.handler_queue = static_cast<size_t>(std::max(handler_queue, 1));
  options.docs_dir = docs_dir;
  options.access_log =
      access_log != "false" && access_log != "0" && access_log != "off";
  options.tenant_rate.rate = std::max(rate_rps, 0.0);
  options.tenant_rate.burst = rate_burst;
  options.failed_auth.max_failures = std::max(auth_failures, 0);
  options.failed_auth.window = std::chrono::seconds(std::max(auth_window, 1));
  scim::edge::ScimServer server(options, &backends, &authenticator,
                                &audit_events);
  absl::Status started = server.Start();
  if (!started.ok()) {
    std::cerr << "scim-edge: " << started.message() << std::endl;
    return 1;
  }
  std::cerr << "scim-edge listening on " << options.listen_url << std::endl;
  int sig = scim::WaitForShutdownSignal();
  std::cerr << "scim-edge received signal " << sig
            << ", draining requests in flight (up to " << grace_ms << " ms)"
            << std::endl;
  int left = server.Drain(absl::Milliseconds(std::max(grace_ms, 0)));
  if (left > 0) {
    std::cerr << "scim-edge: " << left
              << " requests still in flight after the grace period; closing"
              << std::endl;
  }
  server.Stop();
  // Refusals still queued get a moment to reach audit-service.
  audit_events.Stop(std::chrono::seconds(2));
  return 0;
}
