// Two scim-edge replicas on the same services: a token revoked or rotated
// away stops working on both within 5 seconds (each edge trusts a token
// lookup for at most that long), and base paths come from configuration.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "common/crypto.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kReplicaBase[] = "/custom/scim";

class EdgeReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
    replica_port_ = FreePort();
    replica_ = new Process();
    stack_->StartEdgeReplica(replica_, replica_port_,
                             {{"SCIM_BASE_PATHS", kReplicaBase}},
                             "scim-edge-replica.log");
    auto end = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < end) {
      try {
        if (Stack::HttpAt(replica_port_, "GET", "/readyz", "", {}).status ==
            200) {
          return;
        }
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the second edge did not become ready";
  }
  static void TearDownTestSuite() {
    delete replica_;  // stops it before the services it calls
    replica_ = nullptr;
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }

  // A new tenant's name and first token.
  static std::pair<std::string, std::string> NewTenant(
      const std::string& prefix) {
    std::string name = prefix + "-" + RandomHex(4);
    int code = 0;
    std::string out = stack_->Scimctl("tenant create " + name, &code);
    EXPECT_EQ(code, 0) << out;
    return {name, ScimctlField(out, "token")};
  }

  // The status a list request with `token` gets from each edge.
  static int OnMain(const std::string& token) {
    return stack_
        ->Http("GET", "/scim/v2/Users?count=0", "",
               {{"Authorization", "Bearer " + token}})
        .status;
  }
  static int OnReplica(const std::string& token) {
    return Stack::HttpAt(replica_port_, "GET",
                         std::string(kReplicaBase) + "/Users?count=0", "",
                         {{"Authorization", "Bearer " + token}})
        .status;
  }

  // Polls both edges (bounded) until each refuses `token`; returns how long
  // after `since` each first answered 401 (or a negative duration if it
  // never did within 8 seconds).
  static std::pair<std::chrono::milliseconds, std::chrono::milliseconds>
  TimeUntilRefusedOnBoth(const std::string& token, Clock::time_point since) {
    using std::chrono::milliseconds;
    milliseconds main(-1), replica(-1);
    auto end = since + std::chrono::seconds(8);
    while ((main.count() < 0 || replica.count() < 0) && Clock::now() < end) {
      if (main.count() < 0 && OnMain(token) == 401) {
        main = std::chrono::duration_cast<milliseconds>(Clock::now() - since);
      }
      if (replica.count() < 0 && OnReplica(token) == 401) {
        replica =
            std::chrono::duration_cast<milliseconds>(Clock::now() - since);
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    return {main, replica};
  }

  static Stack* stack_;
  static Process* replica_;
  static int replica_port_;
};

Stack* EdgeReplicasTest::stack_ = nullptr;
Process* EdgeReplicasTest::replica_ = nullptr;
int EdgeReplicasTest::replica_port_ = 0;

constexpr auto kWithin = std::chrono::milliseconds(5000);

TEST_F(EdgeReplicasTest, RevocationReachesEveryReplicaWithinFiveSeconds) {
  auto [tenant, first] = NewTenant("revoke");
  int code = 0;
  std::string issued = stack_->Scimctl("token issue " + tenant, &code);
  ASSERT_EQ(code, 0) << issued;
  std::string token = ScimctlField(issued, "token");
  std::string token_id = ScimctlField(issued, "token_id");
  // Both edges have looked the token up, so both hold it in their caches.
  ASSERT_EQ(OnMain(token), 200);
  ASSERT_EQ(OnReplica(token), 200);

  Clock::time_point revoked = Clock::now();
  std::string out =
      stack_->Scimctl("token revoke " + tenant + " " + token_id, &code);
  ASSERT_EQ(code, 0) << out;
  auto [main, replica] = TimeUntilRefusedOnBoth(token, revoked);
  EXPECT_GE(main.count(), 0) << "the first edge still accepts the token";
  EXPECT_GE(replica.count(), 0) << "the second edge still accepts the token";
  EXPECT_LE(main, kWithin);
  EXPECT_LE(replica, kWithin);
  std::cerr << "revocation seen after " << main.count() << " ms and "
            << replica.count() << " ms\n";
  // Refused for good, and the tenant's other token is untouched.
  EXPECT_EQ(OnMain(token), 401);
  EXPECT_EQ(OnReplica(token), 401);
  EXPECT_EQ(OnMain(first), 200);
  EXPECT_EQ(OnReplica(first), 200);
}

TEST_F(EdgeReplicasTest, RotationReachesEveryReplicaWithinFiveSeconds) {
  auto [tenant, old_token] = NewTenant("rotate");
  ASSERT_EQ(OnMain(old_token), 200);
  ASSERT_EQ(OnReplica(old_token), 200);

  Clock::time_point rotated = Clock::now();
  int code = 0;
  std::string out = stack_->Scimctl("token rotate " + tenant, &code);
  ASSERT_EQ(code, 0) << out;
  std::string new_token = ScimctlField(out, "token");
  ASSERT_FALSE(new_token.empty()) << out;
  auto [main, replica] = TimeUntilRefusedOnBoth(old_token, rotated);
  EXPECT_GE(main.count(), 0) << "the first edge still accepts the old token";
  EXPECT_GE(replica.count(), 0)
      << "the second edge still accepts the old token";
  EXPECT_LE(main, kWithin);
  EXPECT_LE(replica, kWithin);
  EXPECT_EQ(OnMain(new_token), 200);
  EXPECT_EQ(OnReplica(new_token), 200);
}

TEST_F(EdgeReplicasTest, BasePathsComeFromConfiguration) {
  auto [tenant, token] = NewTenant("paths");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  HttpResult created =
      Stack::HttpAt(replica_port_, "POST", std::string(kReplicaBase) + "/Users",
                    R"({"userName":"custom.path@example.com"})", auth);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_NE(created.body.at("meta")
                .at("location")
                .as_string()
                .find(std::string(kReplicaBase) + "/Users/"),
            std::string::npos)
      << created.raw;
  HttpResult listed = Stack::HttpAt(
      replica_port_, "GET", std::string(kReplicaBase) + "/Users", "", auth);
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(listed.body.at("totalResults").as_integer(), 1);
  HttpResult config = Stack::HttpAt(
      replica_port_, "GET",
      std::string(kReplicaBase) + "/ServiceProviderConfig", "", auth);
  EXPECT_EQ(config.status, 200) << config.raw;

  // The defaults are not served by this replica...
  for (const char* path :
       {"/scim/v2/Users", "/api/v2/scim/Users", "/v2/Users"}) {
    HttpResult r = Stack::HttpAt(replica_port_, "GET", path, "", auth);
    EXPECT_EQ(r.status, 404) << path << ": " << r.raw;
  }
  // ...while the first edge, with the default configuration, serves the
  // same directory there.
  HttpResult main = stack_->Http("GET", "/scim/v2/Users", "", auth);
  ASSERT_EQ(main.status, 200) << main.raw;
  EXPECT_EQ(main.body.at("totalResults").as_integer(), 1);
}

}  // namespace
}  // namespace scim::testing
