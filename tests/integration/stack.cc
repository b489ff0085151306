#include "tests/integration/stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/crypto.h"

namespace scim::testing {
namespace {

const char* const kServices[] = {"identity-service", "role-service",
                                 "audit-service", "scim-edge"};

std::string Bin(const std::string& name) {
  return std::string(SCIM_BIN_DIR) + "/" + name;
}

// Ports below the kernel's ephemeral range, so an outgoing connection's
// source port can never take one between FreePort() and the server's bind.
std::pair<int, int> PortRange() {
  int low = 32768;
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 0, hi = 0;
  if (in >> lo >> hi && lo > 12000) low = lo;
  return {low - 10000, low};
}

bool CanBind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

}  // namespace

// A port is handed out once per process, and a lock file held until the
// process exits keeps parallel test processes (ctest -j) off it too: probing
// with bind(0) alone gave two services of one stack the same port.
int FreePort() {
  static std::mutex mu;
  static std::set<int> taken;
  static unsigned next = 0;
  std::lock_guard<std::mutex> lock(mu);
  auto [low, high] = PortRange();
  const unsigned span = static_cast<unsigned>(high - low);
  if (next == 0) {
    next = static_cast<unsigned>(getpid()) * 7919u +
           static_cast<unsigned>(
               std::chrono::steady_clock::now().time_since_epoch().count());
  }
  const std::string dir = "/tmp/scim-it-ports";
  mkdir(dir.c_str(), 0777);
  for (unsigned attempt = 0; attempt < span; ++attempt) {
    int port = low + static_cast<int>(next++ % span);
    if (taken.count(port)) continue;
    std::string path = dir + "/" + std::to_string(port);
    int fd = open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      continue;
    }
    if (!CanBind(port)) {
      close(fd);
      continue;
    }
    taken.insert(port);  // fd stays open: the lock lasts the process
    return port;
  }
  throw std::runtime_error("no free loopback port in " + std::to_string(low) +
                           "-" + std::to_string(high));
}

Process::~Process() {
  if (pid_ > 0) Stop(SIGKILL);
}

void Process::Start(const std::string& binary,
                    const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env,
                    const std::string& log_path, long max_file_bytes) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (max_file_bytes > 0) {
      // Ignored, SIGXFSZ would kill the process; so a write past the limit
      // fails with EFBIG instead, as one on a full disk fails with ENOSPC.
      signal(SIGXFSZ, SIG_IGN);
      rlimit limit{static_cast<rlim_t>(max_file_bytes),
                   static_cast<rlim_t>(max_file_bytes)};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  pid_ = pid;
}

int Process::Stop(int sig, std::chrono::seconds grace) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  if (sig != SIGKILL && sig != SIGCONT) kill(pid_, SIGCONT);
  int status = 0;
  auto end = std::chrono::steady_clock::now() + grace;
  pid_t done = 0;
  while ((done = waitpid(pid_, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (done == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return status;
}

void Process::Signal(int sig) {
  if (pid_ <= 0) return;
  if (sig == SIGSTOP) {
    if (!StopProcess(pid_)) ADD_FAILURE() << "pid " << pid_ << " did not stop";
    return;
  }
  kill(pid_, sig);
}

namespace {

// Whether every thread of `pid` is stopped ('T' in /proc/PID/task/*/stat).
bool AllThreadsStopped(pid_t pid) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return false;
  bool any = false;
  for (const auto& task : tasks) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // The name in parentheses may hold spaces or ')': the state follows
    // the last ')'.
    size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return false;
    if (line[close + 2] != 'T') return false;
    any = true;
  }
  return any;
}

}  // namespace

bool StopProcess(pid_t pid) {
  if (kill(pid, SIGSTOP) != 0) return false;
  return Eventually([&] { return AllThreadsStopped(pid); },
                    std::chrono::seconds(10));
}

int Process::WaitExit(std::chrono::seconds limit) {
  if (pid_ <= 0) return -1;
  int status = 0;
  bool exited = Eventually(
      [&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
  if (!exited) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Process::HasExited() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  pid_ = -1;
  return true;
}

void ExpectCleanExit(const std::string& what, int wait_status) {
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return;
  if (WIFEXITED(wait_status)) {
    ADD_FAILURE() << what << " exited with status " << WEXITSTATUS(wait_status)
                  << " when stopped (a sanitizer report or a failed shutdown)";
  } else if (WIFSIGNALED(wait_status)) {
    ADD_FAILURE() << what << " was killed by signal " << WTERMSIG(wait_status)
                  << " when stopped (a crash, an abort, or no exit within the "
                     "grace period)";
  } else {
    ADD_FAILURE() << what << " ended with wait status " << wait_status;
  }
}

bool ExpectNoSanitizerReports(const std::string& dir) {
  static const char* const kMarkers[] = {"AddressSanitizer", "LeakSanitizer",
                                         "UndefinedBehaviorSanitizer",
                                         "runtime error:", "ThreadSanitizer"};
  // Enough of a report to see what and where; the file has the rest.
  constexpr int kLinesShown = 60;
  bool found = false;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    std::string line, report;
    int shown = 0;
    while (std::getline(in, line) && shown < kLinesShown) {
      bool marked = false;
      for (const char* m : kMarkers)
        marked = marked || absl::StrContains(line, m);
      if (marked || shown > 0) {
        report += line + "\n";
        ++shown;
      }
    }
    if (!report.empty()) {
      found = true;
      ADD_FAILURE() << "sanitizer report in " << entry.path().string() << ":\n"
                    << report;
    }
  }
  return found;
}

Stack::Stack()
    : data_dir_(std::filesystem::temp_directory_path() /
                ("scim-it-" + RandomHex(6))),
      http_port_(FreePort()),
      identity_port_(FreePort()),
      role_port_(FreePort()),
      audit_port_(FreePort()),
      identity_metrics_port_(FreePort()),
      role_metrics_port_(FreePort()),
      audit_metrics_port_(FreePort()) {
  std::filesystem::create_directories(data_dir_);
}

Stack::~Stack() {
  // Clients first: a gRPC server with a connected client takes seconds to
  // drain, one without finishes at once.
  bool failed = false;
  for (const char* name :
       {"scim-edge", "identity-service", "role-service", "audit-service"}) {
    auto it = processes_.find(name);
    if (it == processes_.end() || !it->second.running()) continue;
    int status = it->second.Stop(SIGTERM);
    failed = failed || !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ExpectCleanExit(name, status);
  }
  failed = ExpectNoSanitizerReports(data_dir_) || failed;
  std::error_code ec;
  if (failed) {
    std::cerr << "kept the stack's data and logs in " << data_dir_ << std::endl;
  } else {
    std::filesystem::remove_all(data_dir_, ec);
  }
}

std::map<std::string, std::string> Stack::Env() const {
  std::map<std::string, std::string> env = DefaultEnv();
  for (const auto& [name, value] : extra_env_) env[name] = value;
  return env;
}

std::map<std::string, std::string> Stack::DefaultEnv() const {
  return {
      {"SCIM_DATA_DIR", data_dir_},
      {"SCIM_HTTP_PORT", std::to_string(http_port_)},
      {"SCIM_IDENTITY_PORT", std::to_string(identity_port_)},
      {"SCIM_ROLE_PORT", std::to_string(role_port_)},
      {"SCIM_AUDIT_PORT", std::to_string(audit_port_)},
      {"SCIM_IDENTITY_METRICS_PORT", std::to_string(identity_metrics_port_)},
      {"SCIM_ROLE_METRICS_PORT", std::to_string(role_metrics_port_)},
      {"SCIM_AUDIT_METRICS_PORT", std::to_string(audit_metrics_port_)},
      {"SCIM_BOOTSTRAP_TENANT", "demo"},
      {"SCIM_BOOTSTRAP_TOKEN", kToken},
      {"SCIM_GRPC_DEADLINE_MS", "2000"},
      {"SCIM_EDGE_SECRET", kEdgeSecret}};
}

void Stack::StartEdgeReplica(Process* edge, int port,
                             const std::map<std::string, std::string>& env,
                             const std::string& log_name) const {
  std::map<std::string, std::string> all = Env();
  all["SCIM_HTTP_PORT"] = std::to_string(port);
  for (const auto& [k, v] : env) all[k] = v;
  edge->Start(Bin("scim-edge"), {}, all, data_dir_ + "/" + log_name);
}

std::string Stack::grpc_address(const std::string& service) const {
  int port = service == "identity-service" ? identity_port_
             : service == "role-service"   ? role_port_
                                           : audit_port_;
  return "127.0.0.1:" + std::to_string(port);
}

int Stack::metrics_port(const std::string& service) const {
  return service == "identity-service" ? identity_metrics_port_
         : service == "role-service"   ? role_metrics_port_
                                       : audit_metrics_port_;
}

void Stack::Start(const std::string& service) {
  auto limit = file_limits_.find(service);
  processes_[service].Start(Bin(service), {}, Env(),
                            data_dir_ + "/" + service + ".log",
                            limit == file_limits_.end() ? 0 : limit->second);
}

int Stack::Stop(const std::string& service, int sig) {
  int status = processes_[service].Stop(sig);
  if (sig == SIGTERM) ExpectCleanExit(service, status);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Stack::Signal(const std::string& service, int sig) {
  processes_[service].Signal(sig);
}

void Stack::WaitServing(const std::string& service) {
  auto channel = grpc::CreateChannel(grpc_address(service),
                                     grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(30))) {
    throw std::runtime_error(service + " did not start:\n" + logs());
  }
}

void Stack::StartAll() {
  for (const char* s : kServices) Start(s);
  WaitReady();
}

void Stack::WaitReady() {
  std::string exited;
  bool ok = Eventually(
      [&] {
        // A service that cannot start (a port taken, a bad setting) ends
        // the wait at once rather than after the whole minute.
        for (auto& [name, process] : processes_) {
          if (process.HasExited()) exited = name;
        }
        if (!exited.empty()) return true;
        try {
          return Http("GET", "/readyz", "", {}).status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(60));
  if (!exited.empty()) {
    throw std::runtime_error(exited + " exited while the stack started:\n" +
                             logs());
  }
  if (!ok) throw std::runtime_error("stack did not become ready:\n" + logs());
}

HttpResult Stack::Http(const std::string& method, const std::string& path,
                       const std::string& body,
                       std::map<std::string, std::string> headers) {
  return HttpTo(http_port_, method, path, body, headers, https_ca_);
}

std::string ScimctlField(const std::string& output, const std::string& name) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + ": ", 0) == 0) return line.substr(name.size() + 2);
  }
  return "";
}

HttpResult Stack::HttpAt(int port, const std::string& method,
                         const std::string& path, const std::string& body,
                         const std::map<std::string, std::string>& headers) {
  return HttpTo(port, method, path, body, headers);
}

HttpResult HttpTo(int port, const std::string& method, const std::string& path,
                  const std::string& body,
                  const std::map<std::string, std::string>& headers,
                  const std::string& https_ca) {
  web::http::client::http_client_config config;
  config.set_timeout(std::chrono::seconds(30));
  if (!https_ca.empty()) {
    config.set_ssl_context_callback(
        [https_ca](boost::asio::ssl::context& context) {
          context.load_verify_file(https_ca);
        });
  }
  web::http::client::http_client client((https_ca.empty() ? "http" : "https") +
                                            std::string("://127.0.0.1:") +
                                            std::to_string(port),
                                        config);
  web::http::http_request request(method);
  request.set_request_uri(path);
  for (const auto& [k, v] : headers) request.headers().add(k, v);
  if (!body.empty() || method == "POST" || method == "PUT" ||
      method == "PATCH") {
    request.set_body(body, "application/scim+json");
  }
  web::http::http_response response = client.request(request).get();
  HttpResult out;
  out.status = response.status_code();
  for (const auto& [k, v] : response.headers()) {
    out.headers[absl::AsciiStrToLower(k)] = v;
  }
  out.raw = response.extract_string(true).get();
  std::error_code ec;
  if (!out.raw.empty()) out.body = web::json::value::parse(out.raw, ec);
  return out;
}

std::string Stack::Scimctl(const std::string& args, int* exit_code) {
  std::string cmd = Bin("scimctl") + " --identity " +
                    grpc_address("identity-service") + " --roles " +
                    grpc_address("role-service") + " --audit " +
                    grpc_address("audit-service") + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.append(buf.data(), n);
  int status = pclose(pipe);
  if (exit_code != nullptr) *exit_code = WEXITSTATUS(status);
  return out;
}

std::string Stack::logs() const {
  std::ostringstream out;
  for (const char* s : kServices) {
    std::ifstream in(data_dir_ + "/" + s + ".log");
    out << "----- " << s << " -----\n" << in.rdbuf() << "\n";
  }
  return out.str();
}

}  // namespace scim::testing
