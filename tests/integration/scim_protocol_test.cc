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

// RFC 7644 section 3.5.2: values already there change nothing, not even
// the modify timestamp; nor does a PUT of the user as it is.
TEST_F(ScimProtocolTest, AWriteThatChangesNothingKeepsVersionAndTimestamp) {
  std::string id = CreateUser(
      "same.values@example.com",
      R"(,"title":"A","emails":[{"value":"a@example.com","type":"work"}])");
  HttpResult before = stack_->Http("GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(before.status, 200) << before.raw;
  std::string modified = before.body.at("meta").at("lastModified").as_string();
  HttpResult same = stack_->Http("PATCH", "/scim/v2/Users/" + id, Patch(R"([
        {"op":"Replace","path":"title","value":"A"},
        {"op":"Add","path":"emails[type eq \"work\"].value","value":"a@example.com"},
        {"op":"Replace","path":"active","value":"True"}])"));
  ASSERT_EQ(same.status, 200) << same.raw;
  EXPECT_EQ(same.headers["etag"], before.headers["etag"]);
  EXPECT_EQ(same.body.at("meta").at("lastModified").as_string(), modified);
  EXPECT_EQ(same.body.at("meta").at("version").as_string(),
            before.body.at("meta").at("version").as_string());

  HttpResult put =
      stack_->Http("PUT", "/scim/v2/Users/" + id, before.body.serialize());
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.headers["etag"], before.headers["etag"]);
  HttpResult after = stack_->Http("GET", "/scim/v2/Users/" + id);
  EXPECT_EQ(after.headers["etag"], before.headers["etag"]);
  EXPECT_EQ(after.body.at("meta").at("lastModified").as_string(), modified);

  HttpResult changed =
      stack_->Http("PATCH", "/scim/v2/Users/" + id,
                   Patch(R"([{"op":"Replace","path":"title","value":"B"}])"));
  ASSERT_EQ(changed.status, 200) << changed.raw;
  EXPECT_NE(changed.headers["etag"], before.headers["etag"]);
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
                ->Http(
                    "PATCH", "/scim/v2/Users/" + id,
                    Patch(
                        R"([{"op":"add","path":"emails","value":[{"value":"e)" +
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

  HttpResult clash =
      stack_->Http("PUT", "/scim/v2/Groups/" + gid,
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

std::map<std::string, std::string> WithIfMatch(const std::string& etag) {
  return {{"Authorization", std::string("Bearer ") + Stack::kToken},
          {"If-Match", etag}};
}

std::string Detail(const HttpResult& r) {
  return r.body.has_field("detail") ? r.body.at("detail").as_string() : "";
}

TEST_F(ScimProtocolTest, PresenceOfComplexAttributesWithoutValue) {
  CreateUser(
      "presence.full@example.com",
      R"(,"name":{"givenName":"Pia"},"addresses":[{"locality":"Oslo"}])");
  CreateUser("presence.bare@example.com");
  for (const char* attr : {"name", "addresses"}) {
    HttpResult r = stack_->Http(
        "GET", std::string("/scim/v2/Users?filter=") + attr +
                   "%20pr%20and%20userName%20sw%20%22presence.%22");
    ASSERT_EQ(r.status, 200) << attr << ": " << r.raw;
    ASSERT_EQ(r.body.at("totalResults").as_integer(), 1) << attr;
    EXPECT_EQ(r.body.at("Resources").at(0).at("userName").as_string(),
              "presence.full@example.com");
  }
  HttpResult whole =
      stack_->Http("GET", "/scim/v2/Users?filter=name%20eq%20%22Pia%22");
  EXPECT_EQ(whole.status, 400) << whole.raw;
  EXPECT_NE(Detail(whole).find("name.familyName"), std::string::npos);
}

TEST_F(ScimProtocolTest, DerivedMetaAttributesFilter) {
  std::string id = CreateUser("meta.filter@example.com");
  HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
  std::string location = got.body.at("meta").at("location").as_string();
  std::string version = got.body.at("meta").at("version").as_string();
  HttpResult by_location =
      stack_->Http("GET", "/scim/v2/Users?filter=" +
                              web::uri::encode_data_string(
                                  "meta.location eq \"" + location + "\""));
  ASSERT_EQ(by_location.status, 200) << by_location.raw;
  ASSERT_EQ(by_location.body.at("totalResults").as_integer(), 1);
  EXPECT_EQ(by_location.body.at("Resources").at(0).at("id").as_string(), id);
  std::string quoted;  // the ETag as a filter string literal
  for (char c : version)
    quoted += c == '"' ? std::string("\\\"") : std::string(1, c);
  HttpResult by_version = stack_->Http(
      "GET",
      "/scim/v2/Users?filter=" +
          web::uri::encode_data_string(
              "meta.resourceType eq \"User\" and meta.version eq \"" + quoted +
              "\" and userName eq \"meta.filter@example.com\""));
  ASSERT_EQ(by_version.status, 200) << by_version.raw;
  EXPECT_EQ(by_version.body.at("totalResults").as_integer(), 1);
}

TEST_F(ScimProtocolTest, IfMatchStarListsAndUnmatchableTags) {
  std::string id = CreateUser("ifmatch.user@example.com");
  std::string path = "/scim/v2/Users/" + id;
  std::string body = Patch(R"([{"op":"replace","path":"title","value":"T1"}])");
  HttpResult star = stack_->Http("PATCH", path, body, WithIfMatch("*"));
  ASSERT_EQ(star.status, 200) << star.raw;
  std::string etag = star.headers["etag"];  // W/"2"
  HttpResult list = stack_->Http(
      "PATCH", path, Patch(R"([{"op":"replace","path":"title","value":"T2"}])"),
      WithIfMatch("W/\"1\", " + etag));
  ASSERT_EQ(list.status, 200) << list.raw;
  etag = list.headers["etag"];
  std::string strong = etag.substr(2);  // "3": compared weakly, by version

  std::string put = R"({"userName":"ifmatch.user@example.com","title":"P"})";
  for (const std::string& bad :
       {std::string("garbage"), std::string("W/\"1\", W/\"2\""),
        std::string("\"99\""), std::string("\"not-ours\"")}) {
    HttpResult refused = stack_->Http("PUT", path, put, WithIfMatch(bad));
    EXPECT_EQ(refused.status, 412) << bad << ": " << refused.raw;
    EXPECT_NE(Detail(refused).find(etag), std::string::npos)
        << "names the current ETag: " << refused.raw;
    EXPECT_EQ(stack_->Http("DELETE", path, "", WithIfMatch(bad)).status, 412)
        << bad;
    EXPECT_EQ(stack_->Http("PATCH", path, body, WithIfMatch(bad)).status, 412)
        << bad;
  }
  HttpResult after = stack_->Http("GET", path);
  EXPECT_EQ(after.headers["etag"], etag) << "nothing was written";
  EXPECT_EQ(after.body.at("title").as_string(), "T2");

  HttpResult replaced = stack_->Http("PUT", path, put, WithIfMatch(strong));
  ASSERT_EQ(replaced.status, 200) << replaced.raw;
  EXPECT_EQ(replaced.body.at("title").as_string(), "P");
  EXPECT_EQ(
      stack_->Http("PUT", "/scim/v2/Users/no-such-user", put, WithIfMatch("*"))
          .status,
      404)
      << "* matches only an existing resource";
  EXPECT_EQ(stack_->Http("DELETE", path, "", WithIfMatch("*")).status, 204);
}

TEST_F(ScimProtocolTest, ProjectionOnWrites) {
  HttpResult created =
      stack_->Http("POST", "/scim/v2/Users?attributes=userName",
                   R"({"userName":"projected.write@example.com","title":"Pilot",
          "name":{"givenName":"Pat","familyName":"Pope"}})");
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body.at("userName").as_string(),
            "projected.write@example.com");
  EXPECT_TRUE(created.body.has_field("id"));
  EXPECT_FALSE(created.body.has_field("title"));
  EXPECT_FALSE(created.body.has_field("name"));
  std::string id = created.body.at("id").as_string();

  HttpResult put = stack_->Http(
      "PUT", "/scim/v2/Users/" + id + "?excludedAttributes=name,meta",
      R"({"userName":"projected.write@example.com","title":"Purser",
          "name":{"givenName":"Pat"}})");
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("title").as_string(), "Purser");
  EXPECT_FALSE(put.body.has_field("name"));
  EXPECT_FALSE(put.body.has_field("meta"));
  EXPECT_TRUE(put.body.has_field("id"));

  HttpResult patched = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id + "?attributes=name.givenName",
      Patch(R"([{"op":"replace","path":"name.givenName","value":"Paz"}])"));
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body.at("name").at("givenName").as_string(), "Paz");
  EXPECT_FALSE(patched.body.has_field("title"));
  EXPECT_FALSE(patched.body.has_field("userName"));
  EXPECT_EQ(patched.body.at("id").as_string(), id);
}

// No User attribute of RFC 7643 is immutable; PUT ignores the readOnly
// ones (id, meta, groups) in the body and keeps the stored values.
TEST_F(ScimProtocolTest, PutKeepsIdCreatedAndIgnoresReadOnly) {
  std::string id = CreateUser("put.readonly@example.com");
  HttpResult group = stack_->Http(
      "POST", "/scim/v2/Groups",
      R"({"displayName":"ReadOnly Keepers","members":[{"value":")" + id +
          R"("}]})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  HttpResult before = stack_->Http("GET", "/scim/v2/Users/" + id);
  std::string created = before.body.at("meta").at("created").as_string();

  HttpResult put =
      stack_->Http("PUT", "/scim/v2/Users/" + id,
                   R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
          "id":"someone-else","userName":"put.readonly@example.com",
          "meta":{"created":"2000-01-01T00:00:00Z","version":"W/\"77\""},
          "groups":[{"value":"not-a-group"}]})");
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("id").as_string(), id);
  EXPECT_EQ(put.body.at("meta").at("created").as_string(), created);
  EXPECT_NE(put.body.at("meta").at("version").as_string(), "W/\"77\"");
  ASSERT_EQ(put.body.at("groups").size(), 1u) << put.raw;
  EXPECT_EQ(put.body.at("groups").at(0).at("value").as_string(), gid);
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/someone-else").status, 404);

  HttpResult again =
      stack_->Http("PUT", "/scim/v2/Users/" + id,
                   R"({"userName":"put.readonly@example.com","groups":[]})");
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body.at("groups").size(), 1u) << "groups is readOnly";
  EXPECT_EQ(again.body.at("meta").at("created").as_string(), created);
  EXPECT_EQ(stack_->Http("DELETE", "/scim/v2/Groups/" + gid).status, 204);
}

TEST_F(ScimProtocolTest, SchemasListCarriesTheTenantsCustomFields) {
  int code = 0;
  std::string out = stack_->Scimctl("tenant create schemas-tenant", &code);
  ASSERT_EQ(code, 0) << out;
  auto pos = out.find("token: ");
  ASSERT_NE(pos, std::string::npos) << out;
  std::string token = out.substr(pos + 7, out.find('\n', pos) - pos - 7);
  ASSERT_EQ(code, 0);
  out =
      stack_->Scimctl("field add schemas-tenant costCode --type string", &code);
  ASSERT_EQ(code, 0) << out;
  HttpResult r = stack_->Http("GET", "/scim/v2/Schemas", "",
                              {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.raw;
  bool found = false;
  for (const auto& schema : r.body.at("Resources").as_array()) {
    if (schema.at("id").as_string() !=
        "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User") {
      continue;
    }
    for (const auto& a : schema.at("attributes").as_array()) {
      found |= a.at("name").as_string() == "costCode";
    }
  }
  EXPECT_TRUE(found) << r.raw;
}

TEST_F(ScimProtocolTest, SearchBodyCarriesEveryListParameter) {
  CreateUser("search.a@example.com", R"(,"title":"A")");
  CreateUser("search.b@example.com", R"(,"title":"B")");
  CreateUser("search.c@example.com", R"(,"title":"C")");
  HttpResult r = stack_->Http(
      "POST", "/scim/v2/Users/.search",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
          "filter":"userName sw \"search.\"","sortBy":"userName",
          "sortOrder":"descending","startIndex":2,"count":1,
          "attributes":["userName","title"],"excludedAttributes":["title"]})");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body.at("totalResults").as_integer(), 3);
  EXPECT_EQ(r.body.at("startIndex").as_integer(), 2);
  EXPECT_EQ(r.body.at("itemsPerPage").as_integer(), 1);
  const auto& user = r.body.at("Resources").at(0);
  EXPECT_EQ(user.at("userName").as_string(), "search.b@example.com");
  EXPECT_TRUE(user.has_field("id"));
  EXPECT_FALSE(user.has_field("title"));
  EXPECT_FALSE(user.has_field("meta"));
}

// RFC 7644 §3.7.3: operations run in order, and once failOnErrors of them
// have failed nothing more runs or is answered.
TEST_F(ScimProtocolTest, BulkFailOnErrorsStopsInOrder) {
  HttpResult r = stack_->Http(
      "POST", "/scim/v2/Bulk",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
          "failOnErrors":1,
          "Operations":[
           {"method":"POST","path":"/Users","bulkId":"f0",
            "data":{"userName":"bulk.first@example.com"}},
           {"method":"DELETE","path":"/Users/does-not-exist"},
           {"method":"POST","path":"/Users","bulkId":"f2",
            "data":{"userName":"bulk.never@example.com"}}]})");
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& ops = r.body.at("Operations");
  ASSERT_EQ(ops.size(), 2u) << r.raw;
  EXPECT_EQ(ops.at(0).at("status").as_string(), "201");
  EXPECT_EQ(ops.at(1).at("status").as_string(), "404");
  EXPECT_EQ(stack_
                ->Http("GET",
                       "/scim/v2/Users?filter=userName%20eq%20%22"
                       "bulk.never@example.com%22")
                .body.at("totalResults")
                .as_integer(),
            0);

  // A malformed operation counts where it stands, not before the others.
  HttpResult malformed = stack_->Http(
      "POST", "/scim/v2/Bulk",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
          "failOnErrors":1,
          "Operations":[
           {"method":"POST","path":"/Users","bulkId":"m0",
            "data":{"userName":"bulk.m0@example.com"}},
           {"method":"POST","path":"/Users","bulkId":"m1",
            "data":{"userName":"bulk.m1@example.com"}},
           {"method":"POST","path":"/Users","bulkId":"m2",
            "data":{"userName":"bulk.m2@example.com"}},
           {"path":"/Users"},
           {"method":"POST","path":"/Users","bulkId":"m4",
            "data":{"userName":"bulk.m4@example.com"}}]})");
  ASSERT_EQ(malformed.status, 200) << malformed.raw;
  const auto& mops = malformed.body.at("Operations");
  ASSERT_EQ(mops.size(), 4u) << malformed.raw;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(mops.at(i).at("status").as_string(), "201") << i;
  }
  EXPECT_EQ(mops.at(3).at("status").as_string(), "400");
  EXPECT_NE(mops.at(3)
                .at("response")
                .at("detail")
                .as_string()
                .find("Operations[3].method"),
            std::string::npos)
      << malformed.raw;
}

TEST_F(ScimProtocolTest, BulkUnresolvableAndCircularBulkIds) {
  HttpResult r = stack_->Http(
      "POST", "/scim/v2/Bulk",
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
          "Operations":[
           {"method":"PATCH","path":"/Users/bulkId:nobody",
            "data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations":[{"op":"replace","path":"title","value":"X"}]}},
           {"method":"POST","path":"/Users","bulkId":"c1",
            "data":{"userName":"bulk.cycle1@example.com",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"manager":{"value":"bulkId:c2"}}}},
           {"method":"POST","path":"/Users","bulkId":"c2",
            "data":{"userName":"bulk.cycle2@example.com",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                {"manager":{"value":"bulkId:c1"}}}}]})");
  ASSERT_EQ(r.status, 200) << r.raw;
  const auto& ops = r.body.at("Operations");
  ASSERT_EQ(ops.size(), 3u) << r.raw;
  EXPECT_EQ(ops.at(0).at("status").as_string(), "400");
  EXPECT_NE(ops.at(0).at("response").at("detail").as_string().find("nobody"),
            std::string::npos)
      << r.raw;
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(ops.at(i).at("status").as_string(), "409") << r.raw;
  }
  std::string cycle;
  for (int i = 1; i < 3; ++i) {
    std::string d = ops.at(i).at("response").at("detail").as_string();
    if (d.find("circular") != std::string::npos) cycle = d;
  }
  EXPECT_NE(cycle.find("bulkId c1"), std::string::npos) << r.raw;
  EXPECT_NE(cycle.find("bulkId c2"), std::string::npos) << r.raw;
}

}  // namespace
}  // namespace scim::testing
