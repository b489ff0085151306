// User CRUD end to end: the four real binaries, HTTP in, RocksDB underneath.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

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
  EXPECT_EQ(created.headers["content-type"].rfind("application/scim+json", 0), 0u);
  EXPECT_NE(created.headers["location"].find("/scim/v2/Users/" + id),
            std::string::npos);
  EXPECT_EQ(created.headers["etag"], "W/\"1\"");
  EXPECT_EQ(created.body.at("meta").at("resourceType").as_string(), "User");
  EXPECT_EQ(created.body
                .at("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .at("costCenter")
                .as_string(),
            "CC-7");

  HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body.at("userName").as_string(), "anna.andersson@example.com");
  EXPECT_EQ(got.body.at("name").at("givenName").as_string(), "Anna");

  HttpResult by_name = stack_->Http(
      "GET", "/scim/v2/Users?filter=userName%20eq%20%22ANNA.Andersson@example.com%22");
  ASSERT_EQ(by_name.status, 200) << by_name.raw;
  EXPECT_EQ(by_name.body.at("totalResults").as_integer(), 1);
  EXPECT_EQ(by_name.body.at("Resources").at(0).at("id").as_string(), id);

  HttpResult by_external =
      stack_->Http("GET", "/scim/v2/Users?filter=externalId+eq+%22EMP-12345%22");
  ASSERT_EQ(by_external.status, 200) << by_external.raw;
  EXPECT_EQ(by_external.body.at("totalResults").as_integer(), 1);

  // PUT renames: the index follows the new userName.
  std::string renamed = R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName":"anna.berg@example.com","externalId":"EMP-12345","active":false})";
  HttpResult put = stack_->Http("PUT", "/scim/v2/Users/" + id, renamed);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("userName").as_string(), "anna.berg@example.com");
  EXPECT_FALSE(put.body.at("active").as_bool());
  EXPECT_FALSE(put.body.has_field("name")) << "PUT clears what it omits";
  EXPECT_EQ(put.headers["etag"], "W/\"2\"");
  EXPECT_EQ(stack_
                ->Http("GET",
                       "/scim/v2/Users?filter=userName%20eq%20%22anna.andersson@"
                       "example.com%22")
                .body.at("totalResults")
                .as_integer(),
            0);

  // A stale If-Match loses.
  HttpResult stale = stack_->Http(
      "PUT", "/scim/v2/Users/" + id, renamed,
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
  HttpResult again =
      stack_->Http("POST", "/scim/v2/Users", WithUserName("DUP.User@Example.com"));
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

  HttpResult malformed = stack_->Http("POST", "/scim/v2/Users", "{\"userName\": ");
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
  std::map<std::string, std::string> other = {{"Authorization", "Bearer " + token}};
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/" + id, "", other).status, 404);
  HttpResult list = stack_->Http(
      "GET", "/scim/v2/Users?filter=userName%20eq%20%22isolated@example.com%22", "",
      other);
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

}  // namespace
}  // namespace scim::testing
