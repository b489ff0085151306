#ifndef SCIM_TESTS_INTEGRATION_STACK_H_
#define SCIM_TESTS_INTEGRATION_STACK_H_

#include <cpprest/http_client.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace scim::testing {

// A child process running one of the real binaries from build/bin, its
// output captured in a log file that failing tests print.
class Process {
 public:
  Process() = default;
  ~Process();
  void Start(const std::string& binary, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env,
             const std::string& log_path, long max_file_bytes = 0);
  // Sends `sig` (then SIGCONT, so a SIGSTOPped process gets it) and waits
  // for the process to exit; returns its wait status. One still running
  // `grace` later is killed with SIGKILL.
  int Stop(int sig, std::chrono::seconds grace = std::chrono::seconds(30));
  void Signal(int sig);
  // Waits up to `limit` for the process to exit; returns its exit code, or
  // -1 if it is still running (or was killed by a signal).
  int WaitExit(std::chrono::seconds limit);
  bool running() const { return pid_ > 0; }
  // Whether the process has ended (reaping it), without waiting.
  bool HasExited();

 private:
  pid_t pid_ = -1;
};

struct HttpResult {
  int status = 0;
  web::json::value body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string raw;
};

// The value of scimctl's "`name`: value" line in `output` ("token",
// "tenant"), or "" when it printed none.
std::string ScimctlField(const std::string& output, const std::string& name);

// One HTTP request to the edge listening on 127.0.0.1:`port`.
HttpResult HttpTo(int port, const std::string& method, const std::string& path,
                  const std::string& body,
                  const std::map<std::string, std::string>& headers,
                  const std::string& https_ca = "");

// Polls `ready` until it holds or `limit` passes; the pause only spaces the
// polls, the deadline bounds the wait.
template <typename F>
bool Eventually(F ready, std::chrono::seconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ready();
}

// Sends SIGSTOP to `pid` and waits until every thread of it has stopped:
// kill() only queues the signal, and a process not yet scheduled still
// answers a request sent in the meantime. False if it is not stopped within
// 10 s.
bool StopProcess(pid_t pid);

// Fails the current test (ADD_FAILURE) unless `wait_status` is a clean
// exit 0 of the service named `what`, e.g. one stopped with SIGTERM.
void ExpectCleanExit(const std::string& what, int wait_status);
// Fails the current test with the lines of any sanitizer report
// (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer) in the log
// files of `dir`; returns whether there was one.
bool ExpectNoSanitizerReports(const std::string& dir);

// The four services on free loopback ports with a fresh data directory.
class Stack {
 public:
  Stack();
  // Stops every service with SIGTERM and fails the test when one does not
  // exit cleanly or any service log holds a sanitizer report (the data
  // directory is then kept for a look).
  ~Stack();

  static constexpr char kToken[] = "integration-test-token-0123456789abcdef";
  // SCIM_EDGE_SECRET of the stack's edge and identity-service.
  static constexpr char kEdgeSecret[] =
      "integration-edge-secret-fedcba9876543210";

  void StartAll();
  void Start(const std::string& service);
  // Stops `service` with `sig` and returns its exit code (-1 when killed by
  // a signal). After SIGTERM it must exit 0 (the test fails otherwise);
  // SIGKILL is a deliberate crash and is not checked.
  int Stop(const std::string& service, int sig = 15);
  // SIGSTOP waits until the service has stopped (see StopProcess).
  void Signal(const std::string& service, int sig);
  int WaitExit(const std::string& service, std::chrono::seconds limit) {
    return processes_[service].WaitExit(limit);
  }
  // Extra environment for the services from their next Start.
  void SetEnv(const std::string& name, const std::string& value) {
    extra_env_[name] = value;
  }
  // Http() then speaks HTTPS, trusting only the CA in `ca_file`.
  void UseHttps(const std::string& ca_file) { https_ca_ = ca_file; }
  // From the next Start of `service`, no file it writes can grow past
  // `bytes` (RLIMIT_FSIZE): writes beyond fail as on a full disk. 0 lifts it.
  void SetFileSizeLimit(const std::string& service, long bytes) {
    file_limits_[service] = bytes;
  }
  // Waits (bounded) until /readyz answers 200.
  void WaitReady();
  // Waits (bounded) until the gRPC service accepts connections.
  void WaitServing(const std::string& service);

  HttpResult Http(const std::string& method, const std::string& path,
                  const std::string& body = "",
                  std::map<std::string, std::string> headers = {
                      {"Authorization", std::string("Bearer ") + kToken}});
  // Another scim-edge replica on `port` against this stack's services, with
  // `env` added to its settings; its output goes to data_dir()/`log_name`.
  void StartEdgeReplica(Process* edge, int port,
                        const std::map<std::string, std::string>& env,
                        const std::string& log_name) const;
  // As Http, to the edge (a replica) listening on `port`.
  static HttpResult HttpAt(int port, const std::string& method,
                           const std::string& path, const std::string& body,
                           const std::map<std::string, std::string>& headers);
  // Runs scimctl with the stack's addresses; returns its stdout.
  std::string Scimctl(const std::string& args, int* exit_code = nullptr);

  int http_port() const { return http_port_; }
  std::string grpc_address(const std::string& service) const;
  // The plain-HTTP /metrics port of a gRPC service.
  int metrics_port(const std::string& service) const;
  std::string logs() const;
  const std::string& data_dir() const { return data_dir_; }

 private:
  std::map<std::string, std::string> Env() const;
  std::map<std::string, std::string> DefaultEnv() const;
  std::string data_dir_;
  int http_port_, identity_port_, role_port_, audit_port_;
  int identity_metrics_port_, role_metrics_port_, audit_metrics_port_;
  std::map<std::string, Process> processes_;
  std::map<std::string, long> file_limits_;
  std::map<std::string, std::string> extra_env_;
  std::string https_ca_;
};

int FreePort();

}  // namespace scim::testing

#endif  // SCIM_TESTS_INTEGRATION_STACK_H_
