// Abuse limits of the real edge, started here with low limits: the
// per-tenant token bucket and the failed-authentication brake per client
// address, both answering 429 with Retry-After and a SCIM error.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using Clock = std::chrono::steady_clock;

class RateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<Stack>();
    for (const char* s :
         {"identity-service", "role-service", "audit-service"}) {
      stack_->Start(s);
    }
    for (const char* s :
         {"identity-service", "role-service", "audit-service"}) {
      stack_->WaitServing(s);
    }
    // The stack's own edge, but with limits low enough to reach in a test
    // (they are off by default, so no other test meets them).
    stack_->StartEdgeReplica(&edge_, stack_->http_port(),
                             {{"SCIM_RATE_LIMIT_RPS", "0.2"},
                              {"SCIM_RATE_LIMIT_BURST", "3"},
                              {"SCIM_AUTH_FAILURE_LIMIT", "3"},
                              {"SCIM_AUTH_FAILURE_WINDOW_S", "60"}},
                             "scim-edge.log");
    stack_->WaitReady();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
    edge_.Stop(SIGTERM);
  }

  static void Expect429(const HttpResult& r, const std::string& detail_part) {
    EXPECT_EQ(r.status, 429) << r.raw;
    ASSERT_TRUE(r.headers.count("retry-after")) << r.raw;
    int seconds = 0;
    EXPECT_TRUE(absl::SimpleAtoi(r.headers.at("retry-after"), &seconds));
    EXPECT_GE(seconds, 1);
    ASSERT_TRUE(r.body.is_object()) << r.raw;
    EXPECT_EQ(r.body.at("schemas").at(0).as_string(),
              "urn:ietf:params:scim:api:messages:2.0:Error");
    EXPECT_EQ(r.body.at("status").as_string(), "429");
    EXPECT_NE(r.body.at("detail").as_string().find(detail_part),
              std::string::npos)
        << r.raw;
  }

  std::unique_ptr<Stack> stack_;
  Process edge_;
};

TEST_F(RateLimitTest, TenantOverItsBucketGets429WithRetryAfter) {
  int code = 0;
  std::string out = stack_->Scimctl("tenant create quiet", &code);
  ASSERT_EQ(code, 0) << out;
  std::string quiet = out.substr(out.find("token: ") + 7);
  quiet = quiet.substr(0, quiet.find('\n'));

  // The burst of 3 passes; the refill (one per 5 s) is far too slow for the
  // next requests.
  for (int i = 0; i < 3; ++i) {
    HttpResult r = stack_->Http("GET", "/scim/v2/Users?count=1");
    ASSERT_EQ(r.status, 200) << i << ": " << r.raw;
  }
  HttpResult limited = stack_->Http("GET", "/scim/v2/Users?count=1");
  Expect429(limited, "rate limit");
  int retry_after = 0;
  ASSERT_TRUE(absl::SimpleAtoi(limited.headers["retry-after"], &retry_after));
  EXPECT_LE(retry_after, 5);
  Expect429(stack_->Http("POST", "/scim/v2/Users", R"({"userName":"x"})"),
            "rate limit");

  // Another tenant has its own bucket.
  HttpResult other = stack_->Http("GET", "/scim/v2/Users?count=1", "",
                                  {{"Authorization", "Bearer " + quiet}});
  EXPECT_EQ(other.status, 200) << other.raw;

  // After Retry-After the tenant is served again (polled, bounded).
  auto end = Clock::now() + std::chrono::seconds(retry_after + 10);
  HttpResult again;
  while (Clock::now() < end) {
    again = stack_->Http("GET", "/scim/v2/Users?count=1");
    if (again.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(again.status, 200) << again.raw;
}

TEST_F(RateLimitTest, RepeatedFailedAuthenticationIsSlowedDown) {
  for (int i = 0; i < 3; ++i) {
    HttpResult r =
        stack_->Http("GET", "/scim/v2/Users", "",
                     {{"Authorization", "Bearer guess-" + std::to_string(i)}});
    EXPECT_EQ(r.status, 401) << i << ": " << r.raw;
  }
  HttpResult blocked = stack_->Http("GET", "/scim/v2/Users", "",
                                    {{"Authorization", "Bearer guess-4"}});
  Expect429(blocked, "too many failed authentications");
  int retry_after = 0;
  ASSERT_TRUE(absl::SimpleAtoi(blocked.headers["retry-after"], &retry_after));
  EXPECT_GT(retry_after, 50);
  EXPECT_LE(retry_after, 60);
  // Refused before the token is looked at: a right guess learns nothing.
  Expect429(stack_->Http("GET", "/scim/v2/Users?count=1"),
            "too many failed authentications");
  // Endpoints without authentication are not affected.
  EXPECT_EQ(stack_->Http("GET", "/healthz", "", {}).status, 200);
}

}  // namespace
}  // namespace scim::testing
