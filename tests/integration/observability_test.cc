// What an operator scrapes and reads: Prometheus /metrics on the edge and on
// each service's metrics port, the edge's one-line JSON access log, and the
// start-up configuration print, none of which may hold a token.
#include <cpprest/http_client.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWrongToken[] = "wrong-token-for-observability-0123456789";

struct Scrape {
  int status = 0;
  std::string content_type;
  std::string text;
  // Series (name and labels, as printed) -> value.
  std::map<std::string, double> series;

  double Value(const std::string& s) const {
    auto it = series.find(s);
    return it == series.end() ? -1 : it->second;
  }
};

Scrape ScrapeMetrics(int port) {
  web::http::client::http_client_config config;
  config.set_timeout(std::chrono::seconds(10));
  web::http::client::http_client client(
      "http://127.0.0.1:" + std::to_string(port), config);
  web::http::http_response r =
      client.request(web::http::methods::GET, "/metrics").get();
  Scrape out;
  out.status = r.status_code();
  out.content_type = r.headers().content_type();
  out.text = r.extract_string(true).get();
  std::istringstream lines(out.text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out.series[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// Retries `scrape` until `ready` holds or ten seconds pass.
template <typename S, typename F>
Scrape ScrapeUntil(S scrape, F ready) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Scrape s = scrape();
  while (!ready(s) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = scrape();
  }
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class ObservabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
    // One request of each outcome the tests look for, each with its own
    // request id so its log line can be found.
    HttpResult created = stack_->Http(
        "POST", "/scim/v2/Users",
        R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],)"
        R"("userName":"observed@example.com"})",
        {{"Authorization", std::string("Bearer ") + Stack::kToken},
         {"X-Request-Id", "obs-create"}});
    ASSERT_EQ(created.status, 201) << created.raw;
    user_id_ = created.body.at("id").as_string();
    HttpResult got =
        stack_->Http("GET", "/scim/v2/Users/" + user_id_, "",
                     {{"Authorization", std::string("Bearer ") + Stack::kToken},
                      {"X-Request-Id", "obs-get"}});
    ASSERT_EQ(got.status, 200) << got.raw;
    HttpResult missing =
        stack_->Http("GET", "/scim/v2/Users/no-such-user-4711", "",
                     {{"Authorization", std::string("Bearer ") + Stack::kToken},
                      {"X-Request-Id", "obs-missing"}});
    ASSERT_EQ(missing.status, 404) << missing.raw;
    HttpResult refused =
        stack_->Http("GET", "/scim/v2/Users", "",
                     {{"Authorization", std::string("Bearer ") + kWrongToken},
                      {"X-Request-Id", "obs-refused"}});
    ASSERT_EQ(refused.status, 401) << refused.raw;
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  static Stack* stack_;
  static std::string user_id_;
};

Stack* ObservabilityTest::stack_ = nullptr;
std::string ObservabilityTest::user_id_;

TEST_F(ObservabilityTest, EdgeCountsAndTimesRequestsByRouteTemplateAndStatus) {
  const std::string get404 =
      R"(scim_http_requests_total{method="GET",route="/scim/v2/Users/{id}",status="404"})";
  Scrape before = ScrapeMetrics(stack_->http_port());
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_GE(before.Value(get404), 1);
  EXPECT_GE(
      before.Value(
          R"(scim_http_requests_total{method="GET",route="/scim/v2/Users/{id}",status="200"})"),
      1);
  EXPECT_GE(
      before.Value(
          R"(scim_http_requests_total{method="POST",route="/scim/v2/Users",status="201"})"),
      1);
  EXPECT_GE(
      before.Value(
          R"(scim_http_requests_total{method="GET",route="/scim/v2/Users",status="401"})"),
      1);
  EXPECT_GE(
      before.Value(
          R"(scim_http_request_duration_seconds_bucket{method="GET",route="/scim/v2/Users/{id}",status="404",le="+Inf"})"),
      1);
  EXPECT_THAT(before.text,
              HasSubstr("# TYPE scim_http_request_duration_seconds histogram"));
  // Route templates only: no id, no unknown path, no tenant in any label.
  EXPECT_THAT(before.text, Not(HasSubstr(user_id_)));
  EXPECT_THAT(before.text, Not(HasSubstr("no-such-user-4711")));
  EXPECT_THAT(before.text, Not(HasSubstr("demo")));
  EXPECT_THAT(before.text, Not(HasSubstr(Stack::kToken)));

  // The 404 and the 401 were refusals, queued for the audit trail.
  EXPECT_GE(before.Value("scim_audit_queue_enqueued_total"), 2);
  EXPECT_GE(before.Value("scim_audit_queue_depth"), 0);
  EXPECT_EQ(before.Value("scim_audit_queue_dropped_total"), 0);
  // The edge's own gRPC calls, by method and code.
  EXPECT_GE(
      before.Value(
          R"(grpc_client_handled_total{grpc_service="scim.identity.v1.IdentityService",grpc_method="GetUser",grpc_code="NOT_FOUND"})"),
      1);

  HttpResult again = stack_->Http("GET", "/scim/v2/Users/another-missing-id");
  ASSERT_EQ(again.status, 404);
  Scrape after = ScrapeMetrics(stack_->http_port());
  EXPECT_EQ(after.Value(get404), before.Value(get404) + 1);
  // The scrape before this one is counted too.
  EXPECT_GE(
      after.Value(
          R"(scim_http_requests_total{method="GET",route="/metrics",status="200"})"),
      1);
}

TEST_F(ObservabilityTest, ServicesExposeRpcAndRocksDbMetricsOnTheirPorts) {
  struct Expected {
    std::string service;
    std::string db;
    std::string rpc;  // a series that must have counted at least one call
  };
  const Expected services[] = {
      {"identity-service", "identity",
       R"(grpc_server_handled_total{grpc_service="scim.identity.v1.IdentityService",grpc_method="GetUser",grpc_code="NOT_FOUND"})"},
      {"role-service", "roles",
       R"(grpc_server_handled_total{grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="OK"})"},
      // The user created in SetUpTestSuite reaches it through the outbox.
      {"audit-service", "audit",
       R"(grpc_server_handled_total{grpc_service="scim.audit.v1.AuditService",grpc_method="RecordEvents",grpc_code="OK"})"},
  };
  for (const Expected& e : services) {
    SCOPED_TRACE(e.service);
    int port = stack_->metrics_port(e.service);
    Scrape s =
        ScrapeUntil([&] { return ScrapeMetrics(port); },
                    [&](const Scrape& s) { return s.Value(e.rpc) >= 1; });
    ASSERT_EQ(s.status, 200);
    EXPECT_EQ(s.content_type, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_GE(s.Value(e.rpc), 1) << s.text;
    EXPECT_THAT(s.text,
                HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
    std::string histogram_count = e.rpc;
    histogram_count.replace(0, std::string("grpc_server_handled_total").size(),
                            "grpc_server_handling_seconds_count");
    EXPECT_EQ(s.Value(histogram_count), s.Value(e.rpc));
    const std::string cf = R"({db=")" + e.db + R"(",cf="default"})";
    EXPECT_GE(s.Value("scim_rocksdb_sst_bytes" + cf), 0) << s.text;
    EXPECT_GE(s.Value("scim_rocksdb_live_data_bytes" + cf), 0);
    EXPECT_GE(s.Value("scim_rocksdb_estimated_keys" + cf), 0);
    EXPECT_GE(s.Value("scim_rocksdb_compaction_pending" + cf), 0);
    EXPECT_GE(
        s.Value(R"(scim_rocksdb_running_compactions{db=")" + e.db + R"("})"),
        0);
    EXPECT_THAT(s.text, Not(HasSubstr(Stack::kToken)));
  }
  // Identity-service keeps users in families of their own: at least one
  // besides the default holds keys once a user exists.
  Scrape identity = ScrapeMetrics(stack_->metrics_port("identity-service"));
  int families = 0;
  for (const auto& [series, value] : identity.series) {
    if (series.rfind(R"(scim_rocksdb_estimated_keys{db="identity",cf=")", 0) ==
        0) {
      ++families;
    }
  }
  EXPECT_GT(families, 1);
  EXPECT_GE(identity.Value(
                R"(scim_outbox_pending_events{source="identity-service"})"),
            0)
      << identity.text;
}

TEST_F(ObservabilityTest, EdgeLogsOneJsonLinePerRequestWithoutTokens) {
  const std::string path = stack_->data_dir() + "/scim-edge.log";
  std::map<std::string, web::json::value> by_request_id;
  std::string log;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    log = ReadFile(path);
    by_request_id.clear();
    std::istringstream lines(log);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] != '{') continue;
      std::error_code ec;
      web::json::value v = web::json::value::parse(line, ec);
      ASSERT_FALSE(ec) << "not JSON: " << line;
      if (v.has_string_field("msg") && v.at("msg").as_string() == "request" &&
          v.has_string_field("request_id")) {
        by_request_id[v.at("request_id").as_string()] = v;
      }
    }
    if (by_request_id.count("obs-refused") > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < end);

  ASSERT_EQ(by_request_id.count("obs-missing"), 1u) << log;
  const web::json::value& missing = by_request_id["obs-missing"];
  EXPECT_EQ(missing.at("service").as_string(), "scim-edge");
  // The tenant's id (not its name), the same on each of its requests.
  const std::string tenant_id = missing.at("tenant_id").as_string();
  EXPECT_FALSE(tenant_id.empty());
  EXPECT_EQ(missing.at("method").as_string(), "GET");
  EXPECT_EQ(missing.at("route").as_string(), "/scim/v2/Users/{id}");
  EXPECT_EQ(missing.at("status").as_integer(), 404);
  EXPECT_GE(missing.at("latency_ms").as_double(), 0);
  EXPECT_EQ(missing.at("client_address").as_string(), "127.0.0.1");
  EXPECT_TRUE(missing.has_string_field("time"));

  ASSERT_EQ(by_request_id.count("obs-create"), 1u);
  EXPECT_EQ(by_request_id["obs-create"].at("tenant_id").as_string(), tenant_id);
  EXPECT_EQ(by_request_id["obs-create"].at("status").as_integer(), 201);
  EXPECT_EQ(by_request_id["obs-create"].at("route").as_string(),
            "/scim/v2/Users");

  ASSERT_EQ(by_request_id.count("obs-refused"), 1u);
  const web::json::value& refused = by_request_id["obs-refused"];
  EXPECT_EQ(refused.at("status").as_integer(), 401);
  // Not authenticated: no tenant to name.
  EXPECT_FALSE(refused.has_field("tenant_id"));

  EXPECT_THAT(log, Not(HasSubstr(Stack::kToken)));
  EXPECT_THAT(log, Not(HasSubstr(kWrongToken)));
  // Logs name the tenant; metrics labels never do.
  EXPECT_THAT(ScrapeMetrics(stack_->http_port()).text,
              Not(HasSubstr(tenant_id)));
  EXPECT_THAT(log, Not(HasSubstr("observed@example.com")));
}

TEST_F(ObservabilityTest, StartupConfigurationShowsSettingsButNotTheToken) {
  std::string log = ReadFile(stack_->data_dir() + "/identity-service.log");
  EXPECT_THAT(log, HasSubstr("identity-service configuration:"));
  EXPECT_THAT(log, HasSubstr("bootstrap_tenant = demo"));
  EXPECT_THAT(log, HasSubstr("data_dir = " + stack_->data_dir()));
  EXPECT_THAT(
      log, HasSubstr("metrics_port = " +
                     std::to_string(stack_->metrics_port("identity-service"))));
  EXPECT_THAT(log, HasSubstr("bootstrap_token = (set)"));
  EXPECT_THAT(log, Not(HasSubstr(Stack::kToken)));
}

}  // namespace
}  // namespace scim::testing
