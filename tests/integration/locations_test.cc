// Multi-location provisioning (Proxyclick): location rules (each operator,
// each mode, home rules) evaluated on every write, shown on the user and in
// the audit trail, queried over gRPC, and re-evaluated in the background
// after a rule change, resumably across a crash.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace pb = scim::identity::v1;
namespace apb = scim::audit::v1;

constexpr char kDerived[] =
    "urn:ietf:params:scim:schemas:extension:provisioning:2.0:User";

class LocationsTest : public ::testing::Test {
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
  static std::string Ctl(const std::string& args) {
    int code = 0;
    std::string out = stack_->Scimctl(args, &code);
    EXPECT_EQ(code, 0) << args << "\n" << out;
    return out;
  }
  static HttpResult CreateUser(const std::string& name, const std::string& city,
                               const std::string& language) {
    return stack_->Http(
        "POST", "/scim/v2/Users",
        R"({"userName":")" + name + R"(","preferredLanguage":")" + language +
            R"(","addresses":[{"type":"work","locality":")" + city + R"("}]})");
  }
  static std::unique_ptr<pb::TenantService::Stub> Tenants() {
    return pb::TenantService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
  }
  static std::chrono::system_clock::time_point In(int seconds) {
    return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
  }
  // A fresh tenant; returns its token.
  static std::string NewTenant(const std::string& name) {
    std::istringstream lines(Ctl("tenant create " + name));
    std::string line, token;
    while (std::getline(lines, line)) {
      if (line.rfind("token: ", 0) == 0) token = line.substr(7);
    }
    return token;
  }
  // The user's audit events, oldest first, once `done` holds (bounded: the
  // outbox ships them to audit-service on its own).
  static std::vector<apb::Event> EventsWhen(
      const std::string& tenant_id, const std::string& user_id,
      const std::function<bool(const std::vector<apb::Event>&)>& done) {
    auto stub = apb::AuditService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("audit-service"),
                            grpc::InsecureChannelCredentials()));
    std::vector<apb::Event> events;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < end) {
      apb::ListEventsRequest req;
      req.set_tenant_id(tenant_id);
      req.set_resource_id(user_id);
      req.set_limit(1000);
      apb::ListEventsResponse resp;
      grpc::ClientContext c;
      c.set_deadline(In(5));
      EXPECT_TRUE(stub->ListEvents(&c, req, &resp).ok());
      events.assign(resp.events().rbegin(), resp.events().rend());
      if (done(events)) return events;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "events of " << user_id << " did not arrive; have "
                  << events.size();
    return events;
  }
  // `restarting`: the service was just restarted, so a call may still go
  // to the connection of the process that is gone; it is not a failure.
  static pb::LocationStatusResponse Status(pb::TenantService::Stub* stub,
                                           const std::string& tenant,
                                           bool restarting = false) {
    pb::LocationStatusRequest req;
    req.set_tenant(tenant);
    pb::LocationStatusResponse resp;
    grpc::ClientContext c;
    c.set_deadline(In(10));
    c.set_wait_for_ready(true);
    grpc::Status s = stub->LocationStatus(&c, req, &resp);
    EXPECT_TRUE(s.ok() ||
                (restarting && s.error_code() == grpc::StatusCode::UNAVAILABLE))
        << s.error_message();
    return resp;
  }
  static std::string TenantId(const std::string& name = "demo") {
    auto stub = Tenants();
    pb::GetTenantRequest req;
    req.set_tenant(name);
    pb::Tenant t;
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EXPECT_TRUE(stub->GetTenant(&c, req, &t).ok());
    return t.id();
  }
  static Stack* stack_;
};

Stack* LocationsTest::stack_ = nullptr;

TEST_F(LocationsTest, RulesDecideLocationsAndHome) {
  Ctl("location add demo London --rules \"locality equals london\" "
      "--home-rules \"language equals en\"");
  Ctl("location add demo Brussels --match any --rules \"locality contains "
      "bruss; language equals nl\"");
  EXPECT_NE(Ctl("location list demo")
                .find("Brussels\tany of: locality "
                      "contains bruss; language equals nl"),
            std::string::npos);

  HttpResult anna = CreateUser("loc.anna@example.com", "London", "en");
  ASSERT_EQ(anna.status, 201) << anna.raw;
  EXPECT_EQ(anna.body.at(kDerived).at("locations").size(), 1u);
  EXPECT_EQ(anna.body.at(kDerived).at("homeLocation").as_string(), "London");
  HttpResult jan = CreateUser("loc.jan@example.com", "Gent", "NL");
  EXPECT_EQ(jan.body.at(kDerived).at("locations").at(0).as_string(),
            "Brussels");
  EXPECT_FALSE(jan.body.at(kDerived).has_field("homeLocation"));
  HttpResult nobody = CreateUser("loc.none@example.com", "Oslo", "no");
  EXPECT_FALSE(nobody.body.has_field(kDerived)) << nobody.raw;

  // A move is re-evaluated on the write that reports it.
  HttpResult moved = stack_->Http(
      "PATCH", "/scim/v2/Users/" + jan.body.at("id").as_string(),
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
          {"op":"replace","path":"addresses[type eq \"work\"].locality","value":"London"},
          {"op":"replace","path":"preferredLanguage","value":"fr"}]})");
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body.at(kDerived).at("locations").at(0).as_string(),
            "London");

  // Users without a location, over gRPC.
  auto identity = pb::IdentityService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("identity-service"),
                          grpc::InsecureChannelCredentials()));
  pb::ListUsersRequest req;
  req.set_tenant_id(TenantId());
  req.mutable_filter()->set_op(scim::common::v1::Filter::NOT);
  auto* pr = req.mutable_filter()->add_children();
  pr->set_op(scim::common::v1::Filter::PR);
  pr->set_attribute("locations");
  pb::ListUsersResponse resp;
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(identity->ListUsers(&c, req, &resp).ok());
  ASSERT_EQ(resp.users_size(), 1);
  EXPECT_EQ(resp.users(0).user_name(), "loc.none@example.com");
  Ctl("location remove demo London");
  Ctl("location remove demo Brussels");
}

// Each operator (equals, contains, not-contains, any letter case) in each
// mode (all, any), for locations and for home locations; the work address
// decides the locality; the audit trail shows the result.
TEST_F(LocationsTest, EveryOperatorAndModeForLocationsAndHome) {
  std::string token = NewTenant("proxyclick");
  std::string tenant_id = TenantId("proxyclick");
  Ctl("location add proxyclick Hamburg --match all --rules \"locality equals "
      "hamburg; language equals de\" --home-match any --home-rules \"language "
      "equals de; locality contains xyz\"");
  Ctl("location add proxyclick Burgs --match any --rules \"locality contains "
      "burg; language equals fr\" --home-match all --home-rules \"locality "
      "not-contains ham; language contains f\"");
  Ctl("location add proxyclick NotGerman --match all --rules \"language "
      "not-contains de\" --home-rules \"locality equals paris\"");
  struct Case {
    std::string name, addresses, language;
    std::vector<std::string> locations;
    std::string home;
  };
  auto work = [](const std::string& city) {
    return R"([{"type":"work","locality":")" + city + R"("}])";
  };
  const std::vector<Case> cases = {
      // all: both rules; home any: the language rule alone.
      {"ops.hh", work("HAMBURG"), "DE", {"Hamburg", "Burgs"}, "Hamburg"},
      // any: contains; home all: not-contains and contains.
      {"ops.sb", work("Strasbourg"), "fr", {"Burgs", "NotGerman"}, "Burgs"},
      // all fails on one rule; home all fails on one rule.
      {"ops.fr", work("Freiburg"), "de", {"Burgs"}, ""},
      // any: no rule matches; not-contains; home equals.
      {"ops.pa", work("Paris"), "en", {"NotGerman"}, "NotGerman"},
      // The work address counts, not the home address listed first.
      {"ops.wk",
       R"([{"type":"home","locality":"Hamburg"},{"type":"work","locality":"Paris"}])",
       "en",
       {"NotGerman"},
       "NotGerman"},
      // Matched by no location: still provisioned.
      {"ops.none", work("Oslo"), "de", {}, ""},
  };
  std::map<std::string, std::string> ids;
  for (const Case& c : cases) {
    HttpResult r = stack_->Http(
        "POST", "/scim/v2/Users",
        R"({"userName":")" + c.name + R"(@example.com","preferredLanguage":")" +
            c.language + R"(","addresses":)" + c.addresses + "}",
        {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(r.status, 201) << c.name << " " << r.raw;
    ids[c.name] = r.body.at("id").as_string();
    std::vector<std::string> got;
    std::string home;
    if (r.body.has_field(kDerived)) {
      const auto& derived = r.body.at(kDerived);
      if (derived.has_field("locations")) {
        for (const auto& l : derived.at("locations").as_array()) {
          got.push_back(l.as_string());
        }
      }
      if (derived.has_field("homeLocation")) {
        home = derived.at("homeLocation").as_string();
      }
    }
    EXPECT_EQ(got, c.locations) << c.name;
    EXPECT_EQ(home, c.home) << c.name;
  }

  // The audit trail has the computed values, and says when none matched.
  auto created = [](const std::vector<apb::Event>& events) {
    return !events.empty() && events.front().operation() == "create";
  };
  auto hh = EventsWhen(tenant_id, ids["ops.hh"], created);
  ASSERT_FALSE(hh.empty());
  EXPECT_EQ(hh.front().changed_values().at("locations"), "Hamburg,Burgs");
  EXPECT_EQ(hh.front().changed_values().at("homeLocation"), "Hamburg");
  auto none = EventsWhen(tenant_id, ids["ops.none"], created);
  ASSERT_FALSE(none.empty());
  EXPECT_EQ(none.front().detail(), "no location matches this user");

  // A PATCH that moves a user out of every location says so too, and one
  // that moves it in records where.
  auto patch = [&](const std::string& id, const std::string& city,
                   const std::string& language) {
    HttpResult r = stack_->Http(
        "PATCH", "/scim/v2/Users/" + id,
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
            {"op":"replace","path":"addresses[type eq \"work\"].locality","value":")" +
            city +
            R"("},{"op":"replace","path":"preferredLanguage","value":")" +
            language + R"("}]})",
        {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(r.status, 200) << r.raw;
  };
  patch(ids["ops.hh"], "Oslo", "de");
  patch(ids["ops.none"], "Hamburg", "de");
  auto patched = [](const std::vector<apb::Event>& events) {
    return !events.empty() && events.back().operation() == "patch";
  };
  auto moved_out = EventsWhen(tenant_id, ids["ops.hh"], patched);
  ASSERT_FALSE(moved_out.empty());
  EXPECT_EQ(moved_out.back().detail(), "no location matches this user");
  auto moved_in = EventsWhen(tenant_id, ids["ops.none"], patched);
  ASSERT_FALSE(moved_in.empty());
  EXPECT_EQ(moved_in.back().changed_values().at("locations"), "Hamburg,Burgs");
  EXPECT_EQ(moved_in.back().changed_values().at("homeLocation"), "Hamburg");
}

// 10,000 users re-evaluated in the background after a rule change, while
// provisioning goes on; then identity-service is killed (SIGKILL) half-way
// through another re-evaluation and, restarted, finishes it.
TEST_F(LocationsTest, RuleChangeReevaluatesEveryUserAndResumesAfterACrash) {
  constexpr int kUsers = 10000;
  constexpr int kThreads = 4;
  std::string tenant = TenantId();
  auto load_start = std::chrono::steady_clock::now();
  std::atomic<int> failures{0};
  std::vector<std::thread> loaders;
  auto channel = grpc::CreateChannel(stack_->grpc_address("identity-service"),
                                     grpc::InsecureChannelCredentials());
  for (int t = 0; t < kThreads; ++t) {
    loaders.emplace_back([&, t] {
      auto identity = pb::IdentityService::NewStub(channel);
      for (int i = t; i < kUsers; i += kThreads) {
        pb::CreateUserRequest req;
        req.set_tenant_id(tenant);
        req.mutable_user()->set_user_name("bulk" + std::to_string(i) +
                                          "@loc.example");
        auto* a = req.mutable_user()->add_addresses();
        a->set_type("work");
        a->set_locality(i % 2 == 0 ? "Antwerp" : "Liege");
        pb::User u;
        grpc::ClientContext c;
        c.set_deadline(In(10));
        if (!identity->CreateUser(&c, req, &u).ok()) ++failures;
      }
    });
  }
  for (auto& l : loaders) l.join();
  ASSERT_EQ(failures.load(), 0);
  std::cout << "loaded " << kUsers << " users in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - load_start)
                   .count()
            << " ms\n";

  auto start = std::chrono::steady_clock::now();
  Ctl("location add demo Antwerp --rules \"locality equals antwerp\"");
  // Provisioning is not blocked meanwhile.
  HttpResult during = CreateUser("during@loc.example", "Antwerp", "nl");
  EXPECT_EQ(during.status, 201);
  EXPECT_EQ(during.body.at(kDerived).at("locations").at(0).as_string(),
            "Antwerp");

  std::string status;
  auto deadline = start + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    status = Ctl("location status demo");
    if (status.find("complete") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  std::cout << "re-evaluated " << kUsers << " users in " << took
            << " ms: " << status;
  ASSERT_NE(status.find("complete"), std::string::npos) << status;

  // Another change; SIGKILL once part of it is done. Should a run finish
  // before it is caught, the next change (same meaning) tries again.
  int64_t done_at_kill = -1;
  auto tenants = Tenants();
  for (int attempt = 0; attempt < 5 && done_at_kill < 0; ++attempt) {
    pb::PutLocationRequest put;
    put.set_tenant("demo");
    put.mutable_location()->set_name("Liege");
    put.mutable_location()->set_match_all(attempt % 2 == 0);
    auto* rule = put.mutable_location()->add_rules();
    rule->set_attribute(pb::LocationRule::LOCALITY);
    rule->set_operator_(pb::LocationRule::EQUALS);
    rule->set_value("liege");
    pb::Tenant t;
    grpc::ClientContext c;
    c.set_deadline(In(5));
    ASSERT_TRUE(tenants->PutLocation(&c, put, &t).ok());
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
      pb::LocationStatusResponse s = Status(tenants.get(), "demo");
      bool current = s.rules_version() == t.location_rules_version();
      if (current && s.complete()) break;  // too quick: try again
      if (current && s.users_done() > 0) {
        stack_->Stop("identity-service", SIGKILL);
        done_at_kill = s.users_done();
        break;
      }
    }
  }
  ASSERT_GE(done_at_kill, 0) << "the re-evaluation was never caught midway";
  stack_->Start("identity-service");
  stack_->WaitServing("identity-service");
  pb::LocationStatusResponse after;
  auto restarted = Tenants();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    after = Status(restarted.get(), "demo", /*restarting=*/true);
    if (after.complete()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cout << "killed at " << done_at_kill << " of " << after.users_total()
            << " users; restarted, complete: " << after.complete() << "\n";
  ASSERT_TRUE(after.complete());
  EXPECT_EQ(after.users_done(), after.users_total());

  // Every user is where its work address puts it.
  auto identity = pb::IdentityService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("identity-service"),
                          grpc::InsecureChannelCredentials()));
  int checked = 0, wrong = 0;
  for (int start_index = 1;; start_index += 1000) {
    pb::ListUsersRequest req;
    req.set_tenant_id(tenant);
    req.mutable_page()->set_start_index(start_index);
    req.mutable_page()->set_count(1000);
    pb::ListUsersResponse resp;
    grpc::ClientContext c;
    c.set_deadline(In(30));
    ASSERT_TRUE(identity->ListUsers(&c, req, &resp).ok());
    for (const auto& u : resp.users()) {
      if (u.user_name().rfind("bulk", 0) != 0) continue;
      ++checked;
      std::string city = u.addresses(0).locality();
      std::string expected = city == "Antwerp" ? "Antwerp" : "Liege";
      if (u.locations_size() != 1 || u.locations(0) != expected) {
        if (++wrong <= 5) ADD_FAILURE() << u.DebugString();
      }
    }
    if (resp.users_size() < 1000) break;
  }
  EXPECT_EQ(checked, kUsers);
  EXPECT_EQ(wrong, 0);
  Ctl("location remove demo Antwerp");
  Ctl("location remove demo Liege");
}

}  // namespace
}  // namespace scim::testing
