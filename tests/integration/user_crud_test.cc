// User CRUD end to end: the four real binaries, HTTP in, RocksDB underneath.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

constexpr char kAnna[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "userName": "anna.andersson@example.com",
  "externalId": "EMP-12345",
  "name": {"givenName": "Anna", "familyName": "Andersson"},
  "emails": [{"value": "anna.andersson@example.com", "type": "work", "primary": true}],
  "active": true,
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "department": "Sales", "costCenter": "CC-7"}
})";

class UserCrudTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }
  static std::string Create(const std::string& body) {
    HttpResult r = stack_->Http("POST", "/scim/v2/Users", body);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.has_field("id") ? r.body.at("id").as_string() : "";
  }
  static Stack* stack_;
};

Stack* UserCrudTest::stack_ = nullptr;

std::string WithUserName(const std::string& name) {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" +
         name + R"("})";
}

TEST_F(UserCrudTest, HealthAndReadiness) {
  EXPECT_EQ(stack_->Http("GET", "/healthz", "", {}).status, 200);
  EXPECT_EQ(stack_->Http("GET", "/readyz", "", {}).status, 200);
}

TEST_F(UserCrudTest, CreateGetFilterReplaceDelete) {
  HttpResult created = stack_->Http("POST", "/scim/v2/Users", kAnna);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  EXPECT_EQ(created.headers["content-type"].rfind("application/scim+json", 0),
            0u);
  EXPECT_NE(created.headers["location"].find("/scim/v2/Users/" + id),
            std::string::npos);
  EXPECT_EQ(created.headers["etag"], "W/\"1\"");
  EXPECT_EQ(created.body.at("meta").at("resourceType").as_string(), "User");
  EXPECT_EQ(
      created.body
          .at("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
          .at("costCenter")
          .as_string(),
      "CC-7");

  HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body.at("userName").as_string(), "anna.andersson@example.com");
  EXPECT_EQ(got.body.at("name").at("givenName").as_string(), "Anna");

  HttpResult by_name = stack_->Http(
      "GET",
      "/scim/v2/Users?filter=userName%20eq%20%22ANNA.Andersson@example.com%22");
  ASSERT_EQ(by_name.status, 200) << by_name.raw;
  EXPECT_EQ(by_name.body.at("totalResults").as_integer(), 1);
  EXPECT_EQ(by_name.body.at("Resources").at(0).at("id").as_string(), id);

  HttpResult by_external = stack_->Http(
      "GET", "/scim/v2/Users?filter=externalId+eq+%22EMP-12345%22");
  ASSERT_EQ(by_external.status, 200) << by_external.raw;
  EXPECT_EQ(by_external.body.at("totalResults").as_integer(), 1);

  // PUT renames: the index follows the new userName.
  std::string renamed =
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName":"anna.berg@example.com","externalId":"EMP-12345","active":false})";
  HttpResult put = stack_->Http("PUT", "/scim/v2/Users/" + id, renamed);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("userName").as_string(), "anna.berg@example.com");
  EXPECT_FALSE(put.body.at("active").as_bool());
  EXPECT_FALSE(put.body.has_field("name")) << "PUT clears what it omits";
  EXPECT_EQ(put.headers["etag"], "W/\"2\"");
  EXPECT_EQ(
      stack_
          ->Http("GET",
                 "/scim/v2/Users?filter=userName%20eq%20%22anna.andersson@"
                 "example.com%22")
          .body.at("totalResults")
          .as_integer(),
      0);

  // A stale If-Match loses.
  HttpResult stale =
      stack_->Http("PUT", "/scim/v2/Users/" + id, renamed,
                   {{"Authorization", std::string("Bearer ") + Stack::kToken},
                    {"If-Match", "W/\"1\""}});
  EXPECT_EQ(stale.status, 412) << stale.raw;

  EXPECT_EQ(stack_->Http("DELETE", "/scim/v2/Users/" + id).status, 204);
  HttpResult gone = stack_->Http("GET", "/scim/v2/Users/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body.at("status").as_string(), "404");
  EXPECT_EQ(gone.body.at("schemas").at(0).as_string(),
            "urn:ietf:params:scim:api:messages:2.0:Error");
}

TEST_F(UserCrudTest, DuplicateUserNameInAnyCaseIsConflict) {
  Create(WithUserName("dup.user@example.com"));
  HttpResult again = stack_->Http("POST", "/scim/v2/Users",
                                  WithUserName("DUP.User@Example.com"));
  EXPECT_EQ(again.status, 409) << again.raw;
  EXPECT_EQ(again.body.at("scimType").as_string(), "uniqueness");
  EXPECT_NE(again.body.at("detail").as_string().find("DUP.User@Example.com"),
            std::string::npos);
}

TEST_F(UserCrudTest, BadRequestsAreScimErrors) {
  HttpResult missing = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"displayName":"x"})");
  EXPECT_EQ(missing.status, 400) << missing.raw;
  EXPECT_NE(missing.body.at("detail").as_string().find("userName"),
            std::string::npos);

  HttpResult malformed =
      stack_->Http("POST", "/scim/v2/Users", "{\"userName\": ");
  EXPECT_EQ(malformed.status, 400) << malformed.raw;
  EXPECT_EQ(malformed.body.at("scimType").as_string(), "invalidSyntax");

  HttpResult bad_filter =
      stack_->Http("GET", "/scim/v2/Users?filter=userName%20equals%20%22x%22");
  EXPECT_EQ(bad_filter.status, 400) << bad_filter.raw;
  EXPECT_EQ(bad_filter.body.at("scimType").as_string(), "invalidFilter");

  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/no-such-id").status, 404);
}

TEST_F(UserCrudTest, MissingOrWrongTokenIsUnauthorized) {
  HttpResult none = stack_->Http("GET", "/scim/v2/Users", "", {});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"].rfind("Bearer", 0), 0u);
  EXPECT_EQ(none.body.at("status").as_string(), "401");
  HttpResult wrong = stack_->Http("GET", "/scim/v2/Users", "",
                                  {{"Authorization", "Bearer not-a-token"}});
  EXPECT_EQ(wrong.status, 401);
}

TEST_F(UserCrudTest, OtherBasePathsAndFeedTokenHeader) {
  std::string id = Create(WithUserName("feed.user@example.com"));
  HttpResult r = stack_->Http("GET", "/api/v2/scim/Users/" + id, "",
                              {{"X-HR-Feed-Token", Stack::kToken}});
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(stack_->Http("GET", "/v2/users/" + id).status, 200);
}

TEST_F(UserCrudTest, TenantsAreIsolated) {
  std::string id = Create(WithUserName("isolated@example.com"));
  int code = 0;
  std::string out = stack_->Scimctl("tenant create other", &code);
  ASSERT_EQ(code, 0) << out;
  auto pos = out.find("token: ");
  ASSERT_NE(pos, std::string::npos) << out;
  std::string token = out.substr(pos + 7, out.find('\n', pos) - pos - 7);
  std::map<std::string, std::string> other = {
      {"Authorization", "Bearer " + token}};
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/" + id, "", other).status, 404);
  HttpResult list = stack_->Http(
      "GET", "/scim/v2/Users?filter=userName%20eq%20%22isolated@example.com%22",
      "", other);
  EXPECT_EQ(list.body.at("totalResults").as_integer(), 0);

  out = stack_->Scimctl("token issue other", &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("token: "), std::string::npos);
  EXPECT_NE(stack_->Scimctl("tenant list").find("other"), std::string::npos);
}

TEST_F(UserCrudTest, DataSurvivesIdentityRestartAndOutageIs503) {
  std::string id = Create(WithUserName("survivor@example.com"));
  stack_->Stop("identity-service");
  auto start = std::chrono::steady_clock::now();
  HttpResult down = stack_->Http("GET", "/scim/v2/Users/" + id);
  EXPECT_EQ(down.status, 503) << down.raw;
  EXPECT_FALSE(down.headers["retry-after"].empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(stack_->Http("GET", "/readyz", "", {}).status, 503);

  stack_->Start("identity-service");
  stack_->WaitReady();
  HttpResult back = stack_->Http("GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(back.status, 200) << back.raw;
  EXPECT_EQ(back.body.at("userName").as_string(), "survivor@example.com");
}

TEST_F(UserCrudTest, AuditTrailRecordsWritesThroughTheOutbox) {
  std::string id = Create(WithUserName("audited@example.com"));
  std::string out;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < end) {
    out = stack_->Scimctl("audit list demo --user " + id);
    if (out.find("create User " + id) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(out.find("create User " + id), std::string::npos) << out;
  EXPECT_NE(out.find("userName=audited@example.com"), std::string::npos) << out;
}

TEST_F(UserCrudTest, RolesPersistAcrossRoleServiceRestart) {
  int code = 0;
  std::string out = stack_->Scimctl("role add demo \"Travel Arranger\"", &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("Travel_Arranger"), std::string::npos) << out;
  stack_->Stop("role-service");
  stack_->Start("role-service");
  stack_->WaitServing("role-service");
  out = stack_->Scimctl("role list demo", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("Travel_Arranger\tTravel Arranger"), std::string::npos)
      << out;
}

// The lookups internal services make, over gRPC, each from an index.
TEST_F(UserCrudTest, LookupUserByEveryKeyOverGrpc) {
  namespace pb = scim::identity::v1;
  std::string id = Create(R"({"userName":"Lookup.User@example.com",
    "externalId":"LOOK-1",
    "emails":[{"value":"Lookup.Mail@example.com","type":"work"}]})");
  auto channel = grpc::CreateChannel(stack_->grpc_address("identity-service"),
                                     grpc::InsecureChannelCredentials());
  auto tenants = pb::TenantService::NewStub(channel);
  auto identity = pb::IdentityService::NewStub(channel);
  auto deadline = [](grpc::ClientContext* c) {
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  };
  pb::GetTenantRequest tenant_request;
  tenant_request.set_tenant("demo");
  pb::Tenant tenant;
  {
    grpc::ClientContext c;
    deadline(&c);
    ASSERT_TRUE(tenants->GetTenant(&c, tenant_request, &tenant).ok());
  }
  auto lookup = [&](const std::function<void(pb::LookupUserRequest*)>& key,
                    pb::User* user) {
    pb::LookupUserRequest request;
    request.set_tenant_id(tenant.id());
    key(&request);
    grpc::ClientContext c;
    deadline(&c);
    return identity->LookupUser(&c, request, user);
  };
  pb::User user;
  grpc::Status s = lookup(
      [](auto* r) { r->set_user_name("lookup.user@EXAMPLE.com"); }, &user);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(user.id(), id);
  s = lookup([](auto* r) { r->set_external_id("LOOK-1"); }, &user);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(user.id(), id);
  s = lookup([](auto* r) { r->set_email("lookup.mail@example.com"); }, &user);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(user.id(), id);
  EXPECT_EQ(user.user_name(), "Lookup.User@example.com");

  for (const auto& unknown :
       std::vector<std::function<void(pb::LookupUserRequest*)>>{
           [](auto* r) { r->set_user_name("nobody@example.com"); },
           [](auto* r) { r->set_external_id("look-1"); },  // caseExact
           [](auto* r) { r->set_email("nobody@example.com"); }}) {
    EXPECT_EQ(lookup(unknown, &user).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(lookup([](auto*) {}, &user).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// scripts/run.sh as an operator runs it, against this build
// (SCIM_SKIP_BUILD=1): it serves until SIGTERM, then stops all four
// services; without SCIM_BOOTSTRAP_TOKEN the first start prints a token
// once.
class RunScriptTest : public ::testing::Test {
 protected:
  struct Run {
    pid_t pid = -1;
    std::string log;
  };

  void TearDown() override {
    // Only if a run was left behind by a failed assertion.
    for (pid_t p : leftovers_) {
      if (kill(p, 0) == 0) kill(p, SIGKILL);
    }
    if (script_ > 0) {
      kill(script_, SIGKILL);
      waitpid(script_, nullptr, 0);
    }
  }

  Run Start(const std::string& log) {
    std::map<std::string, std::string> env = {
        {"SCIM_SKIP_BUILD", "1"},
        {"SCIM_BUILD_DIR",
         std::filesystem::path(SCIM_BIN_DIR).parent_path().string()},
        {"SCIM_DATA_DIR", ports_.data_dir()},
        {"SCIM_HTTP_PORT", std::to_string(ports_.http_port())},
        {"SCIM_IDENTITY_PORT", Port("identity-service")},
        {"SCIM_ROLE_PORT", Port("role-service")},
        {"SCIM_AUDIT_PORT", Port("audit-service")},
        {"SCIM_BOOTSTRAP_TENANT", "demo"}};
    Run run;
    run.log = ports_.data_dir() + "/" + log;
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open(run.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      unsetenv("SCIM_BOOTSTRAP_TOKEN");
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      execl("/bin/bash", "bash", SCIM_RUN_SCRIPT, static_cast<char*>(nullptr));
      _exit(127);
    }
    run.pid = pid;
    script_ = pid;
    return run;
  }

  std::string Port(const std::string& service) {
    std::string address = ports_.grpc_address(service);
    return address.substr(address.rfind(':') + 1);
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }

  // The script and its children as the kernel sees them: state, where each
  // sleeps and its signal masks, so a hang in CI names its place.
  static std::string ProcessStates(pid_t script) {
    std::string out;
    std::vector<pid_t> pids = {script};
    for (const auto& [pid, comm] : Children(script)) pids.push_back(pid);
    for (pid_t pid : pids) {
      std::string proc = "/proc/" + std::to_string(pid);
      std::istringstream status(Read(proc + "/status"));
      out += std::to_string(pid) + " wchan=" + Read(proc + "/wchan");
      for (std::string line; std::getline(status, line);) {
        for (const char* key : {"Name:", "State:", "SigPnd:", "ShdPnd:",
                                "SigBlk:", "SigIgn:", "SigCgt:"}) {
          if (line.rfind(key, 0) == 0) out += " " + line;
        }
      }
      out += "\n";
    }
    return out;
  }

  // Processes whose parent is `parent`, by pid -> command name.
  static std::map<pid_t, std::string> Children(pid_t parent) {
    std::map<pid_t, std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string stat = Read(entry.path().string() + "/stat");
      size_t close = stat.rfind(')');
      size_t open = stat.find('(');
      if (close == std::string::npos || open == std::string::npos) continue;
      std::istringstream rest(stat.substr(close + 2));
      std::string state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      if (ppid == parent) {
        out[static_cast<pid_t>(std::stol(name))] =
            stat.substr(open + 1, close - open - 1);
      }
    }
    return out;
  }

  bool Ready() {
    try {
      return ports_.Http("GET", "/readyz", "", {}).status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }

  // The four services the script started (comm is cut to 15 characters).
  std::set<pid_t> Services(pid_t script) {
    std::set<pid_t> out;
    for (const auto& [pid, comm] : Children(script)) {
      for (const char* service :
           {"audit-service", "role-service", "identity-service", "scim-edge"}) {
        if (std::string(service).substr(0, 15) == comm) out.insert(pid);
      }
    }
    return out;
  }

  // Waits until the script serves, with its four services up.
  void AwaitServing(const Run& run, std::set<pid_t>* services) {
    ASSERT_TRUE(Eventually(
        [&] {
          *services = Services(run.pid);
          return services->size() == 4 && Ready();
        },
        std::chrono::seconds(60)))
        << Read(run.log);
    leftovers_.insert(services->begin(), services->end());
  }

  // SIGTERM to the script: it and every service it started must exit.
  void StopAndExpectAllGone(const Run& run, const std::set<pid_t>& services) {
    ASSERT_EQ(kill(run.pid, SIGTERM), 0);
    int status = 0;
    ASSERT_TRUE(Eventually(
        [&] { return waitpid(run.pid, &status, WNOHANG) == run.pid; },
        std::chrono::seconds(30)))
        << "run.sh did not exit on SIGTERM:\n"
        << ProcessStates(run.pid) << Read(run.log);
    script_ = -1;
    EXPECT_TRUE(WIFEXITED(status)) << Read(run.log);
    for (pid_t p : services) {
      // The script waits for each, so none is left, not even as a zombie.
      EXPECT_TRUE(kill(p, 0) == -1 && errno == ESRCH)
          << "service " << p << " outlived run.sh:\n"
          << Read(run.log);
    }
    EXPECT_NE(Read(run.log).find("stopped"), std::string::npos);
  }

  static std::vector<std::string> TokenLines(const std::string& log) {
    std::vector<std::string> out;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("token: ", 0) == 0) out.push_back(line.substr(7));
    }
    return out;
  }

  int UsersStatus(const std::string& token) {
    return ports_
        .Http("GET", "/scim/v2/Users?count=1", "",
              {{"Authorization", "Bearer " + token}})
        .status;
  }

  Stack ports_;  // only for its free ports, data directory and HTTP client
  pid_t script_ = -1;
  std::set<pid_t> leftovers_;
};

TEST_F(RunScriptTest, ServesUntilSigtermAndPrintsAGeneratedTokenOnce) {
  Run first = Start("run-1.log");
  std::set<pid_t> services;
  AwaitServing(first, &services);
  if (HasFatalFailure()) return;
  std::vector<std::string> tokens = TokenLines(Read(first.log));
  ASSERT_EQ(tokens.size(), 1u) << Read(first.log);
  EXPECT_EQ(UsersStatus(tokens[0]), 200);
  EXPECT_EQ(UsersStatus("not-the-token"), 401);
  StopAndExpectAllGone(first, services);
  if (HasFatalFailure()) return;

  // A restart on the same data keeps the tenant and token, printing none.
  Run second = Start("run-2.log");
  AwaitServing(second, &services);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(TokenLines(Read(second.log)).empty()) << Read(second.log);
  EXPECT_EQ(UsersStatus(tokens[0]), 200);
  StopAndExpectAllGone(second, services);
}

}  // namespace
}  // namespace scim::testing
