// Each seed platform as a tenant configuration: custom fields, the CityCity
// extension and its gender rule, the tenant policies, SCIM-managed profiles
// and the attribute mapping, over HTTP and gRPC against the real stack.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "common/time_util.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace pb = scim::identity::v1;

constexpr char kCustomUrn[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";
constexpr char kCityCityUrn[] =
    "urn:ietf:params:scim:schemas:extension:citycity:2.0:User";

class TenancyTest : public ::testing::Test {
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

  // A fresh tenant with `policies` set; returns its token.
  static std::string NewTenant(
      const std::string& name,
      const std::vector<std::pair<std::string, std::string>>& policies = {}) {
    int code = 0;
    std::string out = stack_->Scimctl("tenant create " + name, &code);
    EXPECT_EQ(code, 0) << out;
    std::istringstream lines(out);
    std::string line, token;
    while (std::getline(lines, line)) {
      if (line.rfind("token: ", 0) == 0) token = line.substr(7);
    }
    for (const auto& [k, v] : policies) {
      stack_->Scimctl("policy set " + name + " " + k + " " + v, &code);
      EXPECT_EQ(code, 0) << k;
    }
    return token;
  }
  static HttpResult As(const std::string& token, const std::string& method,
                       const std::string& path, const std::string& body = "") {
    return stack_->Http(method, path, body,
                        {{"Authorization", "Bearer " + token}});
  }
  static std::string Detail(const HttpResult& r) {
    return r.body.has_field("detail") ? r.body.at("detail").as_string() : "";
  }
  static std::unique_ptr<pb::TenantService::Stub> Tenants() {
    return pb::TenantService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<pb::IdentityService::Stub> Identity() {
    return pb::IdentityService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
  }
  static void Deadline(grpc::ClientContext* c) {
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  static Stack* stack_;
};

Stack* TenancyTest::stack_ = nullptr;

TEST_F(TenancyTest, CustomFieldsAreTypedCheckedAndDiscoverable) {
  std::string token = NewTenant("clicktravel");
  int code = 0;
  stack_->Scimctl("field add clicktravel COST-1 --type string --required",
                  &code);
  ASSERT_EQ(code, 0);
  stack_->Scimctl("field add clicktravel Level --type number", &code);
  stack_->Scimctl("field add clicktravel Start --type date", &code);
  ASSERT_EQ(code, 0);
  EXPECT_NE(stack_->Scimctl("field list clicktravel")
                .find("COST-1\tstring\trequired"),
            std::string::npos);

  HttpResult created =
      As(token, "POST", "/scim/v2/Users",
         std::string(R"({"userName":"ct.user@example.com",")") + kCustomUrn +
             R"(":{"cost-1":"CC-9","Level":3,"Start":"2026-01-31"}})");
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body.at(kCustomUrn).at("COST-1").as_string(), "CC-9");
  std::string id = created.body.at("id").as_string();

  HttpResult missing = As(token, "POST", "/scim/v2/Users",
                          R"({"userName":"no.cost@example.com"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(Detail(missing).find("COST-1 is required"), std::string::npos)
      << missing.raw;
  HttpResult unknown =
      As(token, "PATCH", "/scim/v2/Users/" + id,
         std::string(
             R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"add","path":")") +
             kCustomUrn + R"(:Shoe","value":"42"}]})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(Detail(unknown).find("Shoe is not a custom field"),
            std::string::npos)
      << unknown.raw;
  HttpResult wrong_type =
      As(token, "PATCH", "/scim/v2/Users/" + id,
         std::string(
             R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"replace","path":")") +
             kCustomUrn + R"(:Level","value":"high"}]})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(Detail(wrong_type).find("Level is a number field"),
            std::string::npos)
      << wrong_type.raw;
  HttpResult patched =
      As(token, "PATCH", "/scim/v2/Users/" + id,
         std::string(
             R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations":[{"op":"replace","path":")") +
             kCustomUrn + R"(:COST-1","value":"CC-10"}]})");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body.at(kCustomUrn).at("COST-1").as_string(), "CC-10");

  HttpResult schema =
      As(token, "GET", std::string("/scim/v2/Schemas/") + kCustomUrn);
  ASSERT_EQ(schema.status, 200) << schema.raw;
  const auto& attributes = schema.body.at("attributes");
  ASSERT_EQ(attributes.size(), 3u) << schema.raw;
  EXPECT_EQ(attributes.at(0).at("name").as_string(), "COST-1");
  EXPECT_TRUE(attributes.at(0).at("required").as_bool());
  EXPECT_EQ(attributes.at(1).at("type").as_string(), "decimal");
}

TEST_F(TenancyTest, CityCityGenderIsNormalisedDefaultedOrRefused) {
  std::string token = NewTenant("citycity", {{"default_gender", "Mr"}});
  auto create = [&](const std::string& name, const std::string& gender) {
    std::string ext = gender.empty() ? ""
                                     : std::string(R"(,")") + kCityCityUrn +
                                           R"(":{"gender":")" + gender +
                                           R"(","userGroup":"Sales Managers"})";
    return As(token, "POST", "/api/v2/scim/Users",
              R"({"userName":")" + name + "\"" + ext + "}");
  };
  HttpResult ms = create("anna@example.com", "ms");
  ASSERT_EQ(ms.status, 201) << ms.raw;
  EXPECT_EQ(ms.body.at(kCityCityUrn).at("gender").as_string(), "Ms");
  EXPECT_EQ(ms.body.at(kCityCityUrn).at("userGroup").as_string(),
            "Sales Managers");
  HttpResult none = create("bo@example.com", "");
  ASSERT_EQ(none.status, 201) << none.raw;
  EXPECT_EQ(none.body.at(kCityCityUrn).at("gender").as_string(), "Mr");
  HttpResult bad = create("cy@example.com", "Dr");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Detail(bad).find("gender must be Mr, Ms or Mrs"),
            std::string::npos);

  // Through the CityCity header and base path as well.
  HttpResult feed = stack_->Http("GET", "/api/v2/scim/Users?count=0", "",
                                 {{"X-HR-Feed-Token", token}});
  EXPECT_EQ(feed.status, 200);
  EXPECT_EQ(feed.body.at("totalResults").as_integer(), 2);
}

TEST_F(TenancyTest, UserNameMustBeTheWorkEmailWhenThePolicySaysSo) {
  std::string token = NewTenant("proxyclick", {{"username_is_email", "true"}});
  HttpResult ok = As(token, "POST", "/scim/v2/Users",
                     R"({"userName":"Host@Example.com","emails":[
                        {"value":"host@example.com","type":"work","primary":true}]})");
  EXPECT_EQ(ok.status, 201) << ok.raw;
  HttpResult bad = As(token, "POST", "/scim/v2/Users",
                      R"({"userName":"other","emails":[
                         {"value":"x@example.com","type":"work"}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Detail(bad).find("must equal the work email"), std::string::npos)
      << bad.raw;
}

TEST_F(TenancyTest, PhoneNumbersAreE164AndMobilesAreMobiles) {
  std::string token =
      NewTenant("phones", {{"phone_validation", "e164-mobile"}});
  auto create = [&](const std::string& name, const std::string& phones) {
    return As(
        token, "POST", "/scim/v2/Users",
        R"({"userName":")" + name + R"(","phoneNumbers":)" + phones + "}");
  };
  HttpResult ok = create("p1@example.com",
                         R"([{"value":"+44 7400 123456","type":"mobile"},
                             {"value":"+441212345678","type":"work"}])");
  ASSERT_EQ(ok.status, 201) << ok.raw;
  // Stored exactly as sent.
  EXPECT_EQ(ok.body.at("phoneNumbers").at(0).at("value").as_string(),
            "+44 7400 123456");
  HttpResult not_e164 =
      create("p2@example.com", R"([{"value":"020 7946 0000","type":"work"}])");
  EXPECT_EQ(not_e164.status, 400);
  EXPECT_NE(Detail(not_e164).find("not a valid E.164 number"),
            std::string::npos);
  HttpResult landline = create(
      "p3@example.com", R"([{"value":"+441212345678","type":"mobile"}])");
  EXPECT_EQ(landline.status, 400);
  EXPECT_NE(Detail(landline).find("not a mobile number"), std::string::npos)
      << landline.raw;
}

TEST_F(TenancyTest, LanguagesOutsideTheListBecomeTheDefault) {
  std::string token = NewTenant(
      "langs", {{"languages", "de,en,fr"}, {"default_language", "en"}});
  HttpResult fr =
      As(token, "POST", "/scim/v2/Users",
         R"({"userName":"l1@example.com","preferredLanguage":"FR"})");
  EXPECT_EQ(fr.body.at("preferredLanguage").as_string(), "FR");
  HttpResult xx =
      As(token, "POST", "/scim/v2/Users",
         R"({"userName":"l2@example.com","preferredLanguage":"Klingon"})");
  ASSERT_EQ(xx.status, 201) << xx.raw;
  EXPECT_EQ(xx.body.at("preferredLanguage").as_string(), "en");
}

TEST_F(TenancyTest, SoftDeleteDeactivatesAndReactivationWorks) {
  std::string token = NewTenant("soft", {{"delete_mode", "soft"}});
  HttpResult u =
      As(token, "POST", "/scim/v2/Users", R"({"userName":"s1@example.com"})");
  std::string id = u.body.at("id").as_string();
  EXPECT_EQ(As(token, "DELETE", "/scim/v2/Users/" + id).status, 204);
  HttpResult after = As(token, "GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(after.status, 200);
  EXPECT_FALSE(after.body.at("active").as_bool());
  HttpResult back =
      As(token, "PATCH", "/scim/v2/Users/" + id,
         R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations":[{"op":"replace","path":"active","value":true}]})");
  EXPECT_TRUE(back.body.at("active").as_bool()) << back.raw;
}

TEST_F(TenancyTest, ScimManagedProfilesRefuseInternalWrites) {
  std::string token = NewTenant("managed");
  HttpResult u =
      As(token, "POST", "/scim/v2/Users", R"({"userName":"m1@example.com"})");
  std::string id = u.body.at("id").as_string();
  std::string tenant_id;
  {
    pb::GetTenantRequest req;
    req.set_tenant("managed");
    pb::Tenant t;
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_TRUE(Tenants()->GetTenant(&c, req, &t).ok());
    tenant_id = t.id();
  }
  auto identity = Identity();
  pb::GetUserRequest get;
  get.set_tenant_id(tenant_id);
  get.set_id(id);
  pb::User user;
  grpc::ClientContext c1;
  Deadline(&c1);
  ASSERT_TRUE(identity->GetUser(&c1, get, &user).ok());
  EXPECT_TRUE(user.scim_managed());

  pb::ReplaceUserRequest replace;
  replace.set_tenant_id(tenant_id);
  *replace.mutable_user() = user;
  replace.mutable_user()->set_title("changed elsewhere");
  pb::User out;
  grpc::ClientContext c2;
  Deadline(&c2);
  grpc::Status s = identity->ReplaceUser(&c2, replace, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  pb::DeleteUserRequest del;
  del.set_tenant_id(tenant_id);
  del.set_id(id);
  pb::DeleteUserResponse gone;
  grpc::ClientContext c3;
  Deadline(&c3);
  EXPECT_EQ(identity->DeleteUser(&c3, del, &gone).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // A profile the platform created itself stays the platform's to change.
  pb::CreateUserRequest create;
  create.set_tenant_id(tenant_id);
  create.mutable_user()->set_user_name("internal@example.com");
  pb::User internal;
  grpc::ClientContext c4;
  Deadline(&c4);
  ASSERT_TRUE(identity->CreateUser(&c4, create, &internal).ok());
  EXPECT_FALSE(internal.scim_managed());
  internal.set_title("fine");
  replace.mutable_user()->CopyFrom(internal);
  grpc::ClientContext c5;
  Deadline(&c5);
  EXPECT_TRUE(identity->ReplaceUser(&c5, replace, &out).ok());
}

TEST_F(TenancyTest, EnterpriseAttributesMapOntoCostFieldsOverGrpc) {
  NewTenant("mapped");
  int code = 0;
  stack_->Scimctl("mapping set mapped costCenter CF-COST", &code);
  ASSERT_EQ(code, 0);
  std::string bad = stack_->Scimctl("mapping set mapped shoeSize X", &code);
  EXPECT_NE(code, 0);
  pb::GetTenantRequest req;
  req.set_tenant("mapped");
  pb::Tenant t;
  grpc::ClientContext c;
  Deadline(&c);
  ASSERT_TRUE(Tenants()->GetTenant(&c, req, &t).ok());
  EXPECT_EQ(t.attribute_mappings().at("costCenter"), "CF-COST");
}

TEST_F(TenancyTest, RotationAndRevocationEndOldTokens) {
  std::string first = NewTenant("rotating");
  EXPECT_EQ(As(first, "GET", "/scim/v2/Users?count=0").status, 200);
  int code = 0;
  std::string out = stack_->Scimctl("token rotate rotating", &code);
  ASSERT_EQ(code, 0);
  std::string second = out.substr(out.find("token: ") + 7);
  second = second.substr(0, second.find('\n'));
  std::string token_id = out.substr(out.find("token_id: ") + 10);
  token_id = token_id.substr(0, token_id.find('\n'));
  EXPECT_EQ(As(second, "GET", "/scim/v2/Users?count=0").status, 200);
  // The edge trusts a token lookup for at most 5 seconds.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  int status = 200;
  while (status != 401 && std::chrono::steady_clock::now() < deadline) {
    status = As(first, "GET", "/scim/v2/Users?count=0").status;
    if (status != 401)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
  stack_->Scimctl("token revoke rotating " + token_id, &code);
  ASSERT_EQ(code, 0);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  status = 200;
  while (status != 401 && std::chrono::steady_clock::now() < deadline) {
    status = As(second, "GET", "/scim/v2/Users?count=0").status;
    if (status != 401)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 401);
}

TEST_F(TenancyTest, Scim11AtScimV1) {
  std::string token = NewTenant("proxy11");
  HttpResult created = As(token, "POST", "/scim/v1/Users", R"({
    "schemas": ["urn:scim:schemas:core:1.0"],
    "userName": "james.bond.007@mi6.org",
    "name": {"formatted": "James Bond", "familyName": "Bond", "givenName": "James"},
    "emails": [{"value": "james.bond.007@mi6.org", "type": "work", "primary": true}],
    "phoneNumbers": [{"type": "mobile", "value": "+447700900007"},
                     {"type": "work", "value": "+442079460007"}],
    "addresses": [{"primary": true, "locality": "London"}],
    "title": "Secret Agent 007", "preferredLanguage": "en", "active": true})");
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body.at("schemas").at(0).as_string(),
            "urn:scim:schemas:core:1.0");
  std::string id = created.body.at("id").as_string();

  // The same directory answers in SCIM 2.0 on /scim/v2.
  HttpResult v2 = As(token, "GET", "/scim/v2/Users/" + id);
  EXPECT_EQ(v2.body.at("title").as_string(), "Secret Agent 007");

  // 1.1 PATCH: a partial resource; meta.attributes removes, "operation":
  // "delete" drops one value.
  HttpResult patched = As(token, "PATCH", "/scim/v1/Users/" + id, R"({
    "schemas": ["urn:scim:schemas:core:1.0"],
    "title": "Retired",
    "phoneNumbers": [{"type": "work", "value": "+442079460007", "operation": "delete"}],
    "meta": {"attributes": ["preferredLanguage"]}})");
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body.at("title").as_string(), "Retired");
  EXPECT_EQ(patched.body.at("phoneNumbers").size(), 1u);
  EXPECT_FALSE(patched.body.has_field("preferredLanguage"));

  for (int i = 0; i < 11; ++i) {
    As(token, "POST", "/scim/v1/Users",
       R"({"schemas":["urn:scim:schemas:core:1.0"],"userName":"page)" +
           std::to_string(i) + R"(@mi6.org"})");
  }
  HttpResult page = As(token, "GET", "/scim/v1/Users");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body.at("totalResults").as_integer(), 12);
  EXPECT_EQ(page.body.at("Resources").size(), 10u);
  EXPECT_EQ(page.body.at("schemas").at(0).as_string(),
            "urn:scim:schemas:core:1.0");
  HttpResult big = As(token, "GET", "/scim/v1/Users?count=6000");
  EXPECT_EQ(big.body.at("Resources").size(), 12u);

  HttpResult missing = As(token, "GET", "/scim/v1/Users/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.at("Errors").at(0).at("code").as_string(), "404")
      << missing.raw;
  EXPECT_EQ(As(token, "GET", "/scim/v1/Groups").status, 404);
}

TEST_F(TenancyTest, ManagerBecomesApproverOnceProvisioned) {
  std::string token =
      NewTenant("travelperk", {{"approver_from_manager", "true"}});
  std::string tenant_id;
  {
    pb::GetTenantRequest req;
    req.set_tenant("travelperk");
    pb::Tenant t;
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_TRUE(Tenants()->GetTenant(&c, req, &t).ok());
    tenant_id = t.id();
  }
  // The IdP sends the report before the manager exists here.
  HttpResult report = As(
      token, "POST", "/scim/v2/Users",
      R"({"userName":"report@tp.example","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"mgr-1","costCenter":"CC-1"},
          "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User":{"gender":"F","dateOfBirth":"1990-02-03","invoiceProfiles":["EU"],"emergencyContact":{"name":"Sam","phone":"+441212345678"},"travelPolicy":"Standard"}})");
  ASSERT_EQ(report.status, 201) << report.raw;
  const auto& tp = report.body.at(
      "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User");
  EXPECT_EQ(tp.at("emergencyContact").at("name").as_string(), "Sam");
  EXPECT_EQ(tp.at("invoiceProfiles").at(0).as_string(), "EU");
  auto approver = [&]() {
    pb::GetApproverRequest req;
    req.set_tenant_id(tenant_id);
    req.set_user_id(report.body.at("id").as_string());
    pb::GetApproverResponse resp;
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_TRUE(Identity()->GetApprover(&c, req, &resp).ok());
    return resp;
  };
  EXPECT_EQ(approver().state(), pb::GetApproverResponse::PENDING);
  EXPECT_EQ(approver().manager_id(), "mgr-1");

  // The manager arrives; the report names it by its id here.
  HttpResult manager = As(token, "POST", "/scim/v2/Users",
                          R"({"userName":"manager@tp.example"})");
  std::string manager_id = manager.body.at("id").as_string();
  HttpResult repoint = As(
      token, "PATCH", "/scim/v2/Users/" + report.body.at("id").as_string(),
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
          {"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":")" +
          manager_id + R"("}]})");
  ASSERT_EQ(repoint.status, 200) << repoint.raw;
  auto active = approver();
  EXPECT_EQ(active.state(), pb::GetApproverResponse::ACTIVE);
  EXPECT_EQ(active.approver().user_name(), "manager@tp.example");

  As(token, "PATCH", "/scim/v2/Users/" + manager_id,
     R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
         {"op":"replace","path":"active","value":"False"}]})");
  EXPECT_EQ(approver().state(), pb::GetApproverResponse::INACTIVE);
}

}  // namespace
}  // namespace scim::testing
