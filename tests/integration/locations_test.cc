// Multi-location provisioning (Proxyclick): location rules evaluated on
// every write, shown on the user, queried over gRPC, and re-evaluated in the
// background after a rule change; plus manager cycles (TravelPerk).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace pb = scim::identity::v1;

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
  static std::string TenantId() {
    auto stub = pb::TenantService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
    pb::GetTenantRequest req;
    req.set_tenant("demo");
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
  EXPECT_NE(Ctl("location list demo").find("Brussels\tany of: locality "
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

// 10,000 users re-evaluated in the background after a rule change, while
// provisioning goes on.
TEST_F(LocationsTest, RuleChangeReevaluatesEveryUser) {
  constexpr int kUsers = 10000;
  auto identity = pb::IdentityService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("identity-service"),
                          grpc::InsecureChannelCredentials()));
  std::string tenant = TenantId();
  for (int i = 0; i < kUsers; ++i) {
    pb::CreateUserRequest req;
    req.set_tenant_id(tenant);
    req.mutable_user()->set_user_name("bulk" + std::to_string(i) + "@loc.example");
    auto* a = req.mutable_user()->add_addresses();
    a->set_type("work");
    a->set_locality(i % 2 == 0 ? "Antwerp" : "Liege");
    pb::User u;
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ASSERT_TRUE(identity->CreateUser(&c, req, &u).ok());
  }
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

  HttpResult antwerp = stack_->Http(
      "GET",
      "/scim/v2/Users?filter=userName%20eq%20%22bulk0@loc.example%22");
  const auto& user = antwerp.body.at("Resources").at(0);
  EXPECT_EQ(user.at(kDerived).at("locations").at(0).as_string(), "Antwerp");
  HttpResult liege = stack_->Http(
      "GET",
      "/scim/v2/Users?filter=userName%20eq%20%22bulk1@loc.example%22");
  EXPECT_FALSE(liege.body.at("Resources").at(0).has_field(kDerived));
  Ctl("location remove demo Antwerp");
}

TEST_F(LocationsTest, ManagerCyclesAreRefused) {
  HttpResult a = stack_->Http("POST", "/scim/v2/Users",
                              R"({"userName":"cycle.a@example.com"})");
  std::string a_id = a.body.at("id").as_string();
  HttpResult b = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"userName":"cycle.b@example.com","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":")" +
          a_id + R"("}})");
  std::string b_id = b.body.at("id").as_string();
  HttpResult loop = stack_->Http(
      "PATCH", "/scim/v2/Users/" + a_id,
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
          {"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":")" +
          b_id + R"("}]})");
  EXPECT_EQ(loop.status, 400) << loop.raw;
  std::string detail = loop.body.at("detail").as_string();
  EXPECT_NE(detail.find(a_id + " -> " + b_id + " -> " + a_id),
            std::string::npos)
      << detail;
}

}  // namespace
}  // namespace scim::testing
