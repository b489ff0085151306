// The SCIM protocol as Entra and Okta use it, over HTTP against the real
// stack: PATCH shapes, ETags, concurrency, projection, sorting, search,
// discovery, Groups and Bulk.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

constexpr char kPatchSchema[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

class ScimProtocolTest : public ::testing::Test {
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
  static std::string CreateUser(const std::string& user_name,
                                const std::string& extra = "") {
    HttpResult r = stack_->Http(
        "POST", "/scim/v2/Users",
        R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":")" +
            user_name + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.has_field("id") ? r.body.at("id").as_string() : "";
  }
  static std::string Patch(const std::string& ops) {
    return std::string(R"({"schemas":[")") + kPatchSchema +
           R"("],"Operations":)" + ops + "}";
  }
  static Stack* stack_;
};

Stack* ScimProtocolTest::stack_ = nullptr;

TEST_F(ScimProtocolTest, EntraPatchShapes) {
  std::string id = CreateUser(
      "entra.patch@example.com",
      R"(,"active":true,"emails":[{"value":"a@example.com","type":"work","primary":true}])");
  std::string manager = CreateUser("entra.manager@example.com");
  HttpResult r = stack_->Http("PATCH", "/scim/v2/Users/" + id,
                              Patch(R"([
        {"op":"Replace","path":"active","value":"False"},
        {"op":"Add","path":"phoneNumbers[type eq \"work\"].value","value":"+44 20 7946 0000"},
        {"op":"Replace","path":"emails[type eq \"work\"].value","value":"b@example.com"},
        {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":")" +
                                    manager + R"("},
        {"op":"Replace","path":"name.givenName","value":"Eve"}])"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.body.at("active").as_bool());
  EXPECT_EQ(r.body.at("phoneNumbers").at(0).at("value").as_string(),
            "+44 20 7946 0000");
  EXPECT_EQ(r.body.at("phoneNumbers").at(0).at("type").as_string(), "work");
  EXPECT_EQ(r.body.at("emails").at(0).at("value").as_string(), "b@example.com");
  EXPECT_EQ(r.body.at("name").at("givenName").as_string(), "Eve");
  EXPECT_EQ(
      r.body.at("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
          .at("manager")
          .at("value")
          .as_string(),
      manager);
  ASSERT_EQ(r.headers.count("etag"), 1u);

  // Okta: no path, an object of attributes.
  HttpResult okta = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id,
      Patch(
          R"([{"op":"replace","value":{"active":true,"displayName":"Eve E"}}])"));
  ASSERT_EQ(okta.status, 200) << okta.raw;
  EXPECT_TRUE(okta.body.at("active").as_bool());
  EXPECT_EQ(okta.body.at("displayName").as_string(), "Eve E");
}

TEST_F(ScimProtocolTest, BadPatchIsRejectedWholeAndNamesTheOperation) {
  std::string id = CreateUser("bad.patch@example.com");
  HttpResult before = stack_->Http("GET", "/scim/v2/Users/" + id);
  HttpResult r =
      stack_->Http("PATCH", "/scim/v2/Users/" + id,
                   Patch(R"([{"op":"replace","path":"displayName","value":"X"},
                {"op":"replace","path":"emails[type eq \"work\"","value":"y"}])"));
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(r.body.at("scimType").as_string(), "invalidPath");
  EXPECT_NE(r.body.at("detail").as_string().find("Operations[1]"),
            std::string::npos)
      << r.raw;
  HttpResult after = stack_->Http("GET", "/scim/v2/Users/" + id);
  EXPECT_EQ(after.headers["etag"], before.headers["etag"]);
  EXPECT_FALSE(after.body.has_field("displayName"));

  HttpResult no_path = stack_->Http("PATCH", "/scim/v2/Users/" + id,
                                    Patch(R"([{"op":"remove"}])"));
  EXPECT_EQ(no_path.status, 400);
  EXPECT_EQ(no_path.body.at("scimType").as_string(), "noTarget");
}

TEST_F(ScimProtocolTest, IfMatchGuardsEveryWrite) {
  std::string id = CreateUser("etag.user@example.com");
  HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
  std::string etag = got.headers["etag"];
  ASSERT_EQ(etag.rfind("W/\"", 0), 0u) << etag;
  std::map<std::string, std::string> headers = {
      {"Authorization", std::string("Bearer ") + Stack::kToken},
      {"If-Match", etag}};
  HttpResult first = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id,
      Patch(R"([{"op":"replace","path":"title","value":"A"}])"), headers);
  EXPECT_EQ(first.status, 200) << first.raw;
  HttpResult stale = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id,
      Patch(R"([{"op":"replace","path":"title","value":"B"}])"), headers);
  EXPECT_EQ(stale.status, 412) << stale.raw;
  EXPECT_EQ(stack_->Http("DELETE", "/scim/v2/Users/" + id, "", headers).status,
            412);
  EXPECT_EQ(
      stack_->Http("GET", "/scim/v2/Users/" + id).body.at("title").as_string(),
      "A");
}

TEST_F(ScimProtocolTest, ConcurrentPatchesLoseNothing) {
  std::string id = CreateUser("busy.user@example.com");
  std::vector<std::thread> writers;
  std::vector<int> codes(20);
  for (int i = 0; i < 20; ++i) {
    writers.emplace_back([&, i] {
      try {
        codes[i] =
            stack_
                ->Http("PATCH", "/scim/v2/Users/" + id,
                       Patch(R"([{"op":"add","path":"emails","value":[{"value":"e)" +
                             std::to_string(i) +
                             R"(@example.com","type":"other"}]}])"))
                .status;
      } catch (const std::exception&) {
        codes[i] = -1;  // the assertion below names the writer
      }
    });
  }
  for (auto& t : writers) t.join();
  for (int i = 0; i < 20; ++i) EXPECT_EQ(codes[i], 200) << "writer " << i;
  HttpResult user = stack_->Http("GET", "/scim/v2/Users/" + id);
  std::set<std::string> emails;
  for (const auto& e : user.body.at("emails").as_array()) {
    emails.insert(e.at("value").as_string());
  }
  EXPECT_EQ(emails.size(), 20u) << user.raw;
}

TEST_F(ScimProtocolTest, ProjectionSortingPagingAndSearch) {
  CreateUser("sort.c@example.com", R"(,"title":"Chef")");
  CreateUser("sort.a@example.com", R"(,"title":"Analyst")");
  CreateUser("sort.b@example.com", R"(,"title":"Baker")");
  HttpResult r = stack_->Http(
      "GET",
      "/scim/v2/users?filter=userName%20sw%20%22sort.%22&sortBy=userName"
      "&sortOrder=descending&attributes=userName&count=2");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("totalResults").as_integer(), 3);
  EXPECT_EQ(r.body.at("itemsPerPage").as_integer(), 2);
  const auto& first = r.body.at("Resources").at(0);
  EXPECT_EQ(first.at("userName").as_string(), "sort.c@example.com");
  EXPECT_TRUE(first.has_field("id"));
  EXPECT_FALSE(first.has_field("title"));
  EXPECT_EQ(r.body.at("Resources").at(1).at("userName").as_string(),
            "sort.b@example.com");

  HttpResult only_total = stack_->Http(
      "GET", "/scim/v2/Users?filter=userName%20sw%20%22sort.%22&count=0");
  EXPECT_EQ(only_total.body.at("totalResults").as_integer(), 3);
  EXPECT_EQ(only_total.body.at("Resources").size(), 0u);

  HttpResult search = stack_->Http(
      "POST", "/scim/v2/Users/.search",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
          "filter":"title eq \"Baker\"","excludedAttributes":["title"]})");
  ASSERT_EQ(search.status, 200) << search.raw;
  EXPECT_EQ(search.body.at("totalResults").as_integer(), 1);
  EXPECT_FALSE(search.body.at("Resources").at(0).has_field("title"));

  HttpResult bad_sort = stack_->Http("GET", "/scim/v2/Users?sortBy=shoeSize");
  EXPECT_EQ(bad_sort.status, 400) << bad_sort.raw;
}

TEST_F(ScimProtocolTest, DiscoveryIsTruthful) {
  HttpResult spc = stack_->Http("GET", "/scim/v2/ServiceProviderConfig");
  ASSERT_EQ(spc.status, 200) << spc.raw;
  EXPECT_TRUE(spc.body.at("patch").at("supported").as_bool());
  EXPECT_TRUE(spc.body.at("bulk").at("supported").as_bool());
  EXPECT_TRUE(spc.body.at("etag").at("supported").as_bool());
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/serviceConfiguration").status, 200);
  HttpResult types = stack_->Http("GET", "/scim/v2/ResourceTypes");
  EXPECT_EQ(types.body.at("Resources").at(0).at("endpoint").as_string(),
            "/Users");
  HttpResult enterprise = stack_->Http(
      "GET",
      "/scim/v2/Schemas/"
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  ASSERT_EQ(enterprise.status, 200) << enterprise.raw;
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Schemas/urn:nope").status, 404);
}

TEST_F(ScimProtocolTest, GroupsWithMembers) {
  std::string alice = CreateUser("group.alice@example.com");
  std::string bob = CreateUser("group.bob@example.com");
  HttpResult created = stack_->Http(
      "POST", "/scim/v2/Groups",
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
          "displayName":"Travel Arrangers","members":[{"value":")" +
          alice + R"("}]})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string gid = created.body.at("id").as_string();
  EXPECT_EQ(created.body.at("members").size(), 1u);

  HttpResult dup = stack_->Http("POST", "/scim/v2/Groups",
                                R"({"displayName":"travel arrangers"})");
  EXPECT_EQ(dup.status, 409) << dup.raw;

  // A PATCH answer lists members only when asked (RFC 7644 §3.5.2).
  HttpResult add = stack_->Http(
      "PATCH", "/scim/v2/Groups/" + gid + "?attributes=members",
      Patch(R"([{"op":"Add","path":"members","value":[{"value":")" + bob +
            R"("}]},{"op":"Remove","path":"members[value eq \")" + alice +
            R"(\"]"}])"));
  ASSERT_EQ(add.status, 200) << add.raw;
  ASSERT_TRUE(add.body.has_field("members")) << add.raw;
  ASSERT_EQ(add.body.at("members").size(), 1u);
  EXPECT_EQ(add.body.at("members").at(0).at("value").as_string(), bob);

  HttpResult user = stack_->Http("GET", "/scim/v2/Users/" + bob);
  ASSERT_EQ(user.body.at("groups").size(), 1u) << user.raw;
  EXPECT_EQ(user.body.at("groups").at(0).at("value").as_string(), gid);

  HttpResult unknown = stack_->Http(
      "PATCH", "/scim/v2/Groups/" + gid,
      Patch(
          R"([{"op":"add","path":"members","value":[{"value":"no-such-user"}]}])"));
  EXPECT_EQ(unknown.status, 400) << unknown.raw;
  EXPECT_NE(unknown.body.at("detail").as_string().find("no-such-user"),
            std::string::npos);

  HttpResult by_name = stack_->Http(
      "GET",
      "/scim/v2/Groups?filter=displayName%20eq%20%22Travel%20Arrangers%22"
      "&excludedAttributes=members");
  ASSERT_EQ(by_name.status, 200) << by_name.raw;
  EXPECT_EQ(by_name.body.at("totalResults").as_integer(), 1);
  EXPECT_FALSE(by_name.body.at("Resources").at(0).has_field("members"));

  EXPECT_EQ(stack_->Http("DELETE", "/scim/v2/Groups/" + gid).status, 204);
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Groups/" + gid).status, 404);
  HttpResult after = stack_->Http("GET", "/scim/v2/Users/" + bob);
  EXPECT_FALSE(after.body.has_field("groups") &&
               after.body.at("groups").size() > 0)
      << after.raw;
}

TEST_F(ScimProtocolTest, FailedGroupReplaceChangesNothing) {
  std::string carol = CreateUser("group.carol@example.com");
  HttpResult taken = stack_->Http("POST", "/scim/v2/Groups",
                                  R"({"displayName":"Taken Name"})");
  ASSERT_EQ(taken.status, 201) << taken.raw;
  HttpResult group = stack_->Http(
      "POST", "/scim/v2/Groups",
      R"({"displayName":"Keepers","members":[{"value":")" + carol + R"("}]})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();

  HttpResult clash = stack_->Http(
      "PUT", "/scim/v2/Groups/" + gid,
      R"({"displayName":"taken name","members":[]})");
  EXPECT_EQ(clash.status, 409) << clash.raw;
  HttpResult ghost = stack_->Http(
      "PUT", "/scim/v2/Groups/" + gid,
      R"({"displayName":"Renamed","members":[{"value":"ghost"}]})");
  EXPECT_EQ(ghost.status, 400) << ghost.raw;

  HttpResult after = stack_->Http("GET", "/scim/v2/Groups/" + gid);
  EXPECT_EQ(after.body.at("displayName").as_string(), "Keepers");
  ASSERT_EQ(after.body.at("members").size(), 1u) << after.raw;
  EXPECT_EQ(after.body.at("members").at(0).at("value").as_string(), carol);
}

TEST_F(ScimProtocolTest, BulkResolvesBulkIds) {
  HttpResult r = stack_->Http(
      "POST", "/scim/v2/Bulk",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
          "Operations":[
           {"method":"POST","path":"/Groups","bulkId":"g1",
            "data":{"displayName":"Bulk Group","members":[{"value":"bulkId:u1"}]}},
           {"method":"POST","path":"/Users","bulkId":"u1",
            "data":{"userName":"bulk.user@example.com"}},
           {"method":"PATCH","path":"/Users/bulkId:u1",
            "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations":[{"op":"replace","path":"title","value":"Bulk"}]}},
           {"method":"DELETE","path":"/Users/does-not-exist"}]})");
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& ops = r.body.at("Operations");
  ASSERT_EQ(ops.size(), 4u) << r.raw;
  std::map<std::string, std::string> status_by_op;
  for (const auto& op : ops.as_array()) {
    std::string key =
        op.at("method").as_string() +
        (op.has_field("bulkId") ? op.at("bulkId").as_string() : "");
    status_by_op[key] = op.at("status").as_string();
  }
  EXPECT_EQ(status_by_op["POSTu1"], "201");
  EXPECT_EQ(status_by_op["POSTg1"], "201");
  EXPECT_EQ(status_by_op["PATCH"], "200");
  EXPECT_EQ(status_by_op["DELETE"], "404");
  HttpResult found = stack_->Http(
      "GET",
      "/scim/v2/Users?filter=userName%20eq%20%22bulk.user@example.com%22");
  ASSERT_EQ(found.body.at("totalResults").as_integer(), 1);
  EXPECT_EQ(found.body.at("Resources").at(0).at("title").as_string(), "Bulk");
  EXPECT_EQ(found.body.at("Resources").at(0).at("groups").size(), 1u);
}

}  // namespace
}  // namespace scim::testing
