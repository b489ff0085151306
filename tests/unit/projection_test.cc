// cpprestsdk's U() macro breaks gtest templates that name a parameter U.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include "edge/projection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/status_map.h"

namespace scim::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using web::json::value;

constexpr char kEnterprise[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

constexpr char kUser[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
              "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User"],
  "id": "u-1",
  "externalId": "e-1",
  "userName": "ada@example.com",
  "name": {"givenName": "Ada", "familyName": "Lovelace"},
  "password": "secret",
  "active": true,
  "emails": [{"value": "ada@example.com", "type": "work", "primary": true},
             {"value": "ada@home.example", "type": "home"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "department": "Engines", "manager": {"value": "m-1"}},
  "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User": {
    "costCode": "CC-1", "seniority": 3},
  "meta": {"resourceType": "User", "version": "W/\"1\""}
})";

value Projected(const std::string& attributes, const std::string& excluded,
                const std::string& resource = kUser,
                const ResourceSchema& schema = UserResource()) {
  absl::StatusOr<Projection> projection = ParseProjection(attributes, excluded);
  EXPECT_TRUE(projection.ok()) << projection.status();
  if (!projection.ok()) return value::null();
  return Project(value::parse(resource), *projection, schema);
}

// Member order means nothing in a JSON object, so comparisons sort it.
std::string Sorted(const value& v) {
  return value::parse(v.serialize()).serialize();
}
std::string Sorted(const std::string& json) {
  return value::parse(json).serialize();
}

std::vector<std::string> Keys(const value& object) {
  std::vector<std::string> keys;
  for (const auto& [key, v] : object.as_object()) keys.push_back(key);
  return keys;
}

// ----------------------------------------------------------------- parsing

TEST(ParseProjectionTest, SplitsAndTrims) {
  absl::StatusOr<Projection> p = ParseProjection(
      " userName , name.givenName,urn:ietf:params:scim:schemas:extension:"
      "enterprise:2.0:User:manager.value",
      "members,$ref");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->attributes,
              ElementsAre("userName", "name.givenName",
                          "urn:ietf:params:scim:schemas:extension:enterprise:"
                          "2.0:User:manager.value"));
  EXPECT_THAT(p->excluded, ElementsAre("members", "$ref"));
}

TEST(ParseProjectionTest, EmptyParametersMeanDefault) {
  absl::StatusOr<Projection> p = ParseProjection("", "  ");
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->attributes, IsEmpty());
  EXPECT_THAT(p->excluded, IsEmpty());
}

TEST(ParseProjectionTest, EmptyElementIsInvalidValue) {
  for (const char* text :
       {"userName,,emails", "userName,", ",userName", "userName, ,emails"}) {
    absl::StatusOr<Projection> p = ParseProjection(text, "");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ScimTypeOf(p.status()), "invalidValue");
    EXPECT_THAT(std::string(p.status().message()),
                HasSubstr("attributes '" + std::string(text) +
                          "' has an empty element"));
  }
}

TEST(ParseProjectionTest, MalformedNameIsInvalidValueNamingIt) {
  for (const char* text :
       {"user name", "a/b", "name;givenName", "emails[x]y z"}) {
    absl::StatusOr<Projection> p = ParseProjection("", text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(ScimTypeOf(p.status()), "invalidValue");
    EXPECT_THAT(std::string(p.status().message()),
                HasSubstr("excludedAttributes: '" + std::string(text) +
                          "' is not an attribute path"));
  }
}

// ---------------------------------------------------------------- default

TEST(ProjectTest, DefaultDropsOnlyNeverReturned) {
  value json = Projected("", "");
  EXPECT_FALSE(json.has_field("password"));
  value expected = value::parse(kUser);
  expected.erase("password");
  EXPECT_EQ(json, expected);
}

TEST(ProjectTest, DefaultLeavesAResourceWithNothingHiddenAsItIs) {
  value user = value::parse(kUser);
  user.erase("password");
  EXPECT_EQ(Project(user, Projection(), UserResource()), user);
}

TEST(ProjectTest, DefaultStillDropsEmptyElementsAndEmptyExtensions) {
  value user = value::parse(kUser);
  user.erase("password");
  user["emails"][2] = value::object();
  user[kEnterprise] = value::object();
  value json = Project(user, Projection(), UserResource());
  EXPECT_EQ(json.at("emails").size(), 2u);
  EXPECT_FALSE(json.has_field(kEnterprise));
}

TEST(ProjectTest, DefaultKeepsKnownSubAttributesOfEachElement) {
  value user = value::parse(kUser);
  user.erase("password");
  user["emails"][0]["display"] = value::string("Ada");
  EXPECT_EQ(Project(user, Projection(), UserResource()), user);
}

TEST(ProjectTest, KeepsMemberOrder) {
  // Rendered resources keep insertion order (schemas and id first).
  value user = value::object(/*keep_order=*/true);
  for (const char* key : {"schemas", "id", "userName", "name", "active"}) {
    user[key] = value::parse(kUser).at(key);
  }
  user[kEnterprise] = value::parse(kUser).at(kEnterprise);
  user["meta"] = value::parse(kUser).at("meta");
  value json = Project(user, Projection(), UserResource());
  EXPECT_THAT(Keys(json), ElementsAre("schemas", "id", "userName", "name",
                                      "active", kEnterprise, "meta"));
  json = Project(user, Projection{{"meta", "userName"}, {}}, UserResource());
  EXPECT_THAT(Keys(json), ElementsAre("schemas", "id", "userName", "meta"));
}

// ------------------------------------------------------------- attributes

TEST(ProjectTest, AttributesKeepNamedAndAlwaysReturned) {
  value json = Projected("userName", "");
  EXPECT_THAT(Keys(json), UnorderedElementsAre("schemas", "id", "userName"));
}

TEST(ProjectTest, AttributesIgnoreCase) {
  value json = Projected("USERNAME,Name.GivenName", "");
  EXPECT_THAT(Keys(json),
              UnorderedElementsAre("schemas", "id", "userName", "name"));
  EXPECT_EQ(Sorted(json.at("name")), Sorted(R"({"givenName":"Ada"})"));
}

TEST(ProjectTest, AttributesSubAttributeOfEachElement) {
  value json = Projected("emails.value", "");
  EXPECT_EQ(
      Sorted(json.at("emails")),
      Sorted(R"([{"value":"ada@example.com"},{"value":"ada@home.example"}])"));
}

TEST(ProjectTest, AttributesUrnQualifiedKeepOnlyThatExtensionAttribute) {
  value json = Projected(std::string(kEnterprise) + ":department", "");
  EXPECT_THAT(Keys(json), UnorderedElementsAre("schemas", "id", kEnterprise));
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"department":"Engines"})"));
  json = Projected(std::string(kEnterprise) + ":manager.value", "");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"manager":{"value":"m-1"}})"));
}

TEST(ProjectTest, AttributesWholeExtension) {
  value json = Projected(kEnterprise, "");
  EXPECT_THAT(Keys(json), UnorderedElementsAre("schemas", "id", kEnterprise));
  EXPECT_EQ(json.at(kEnterprise), value::parse(kUser).at(kEnterprise));
}

TEST(ProjectTest, AttributesCustomField) {
  value json = Projected(
      "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:COSTCODE",
      "");
  EXPECT_EQ(
      Sorted(json.at("urn:ietf:params:scim:schemas:extension:CustomFields:2.0:"
                     "User")),
      Sorted(R"({"costCode":"CC-1"})"));
}

TEST(ProjectTest, AttributesMetaOnlyWhenNamed) {
  EXPECT_FALSE(Projected("userName", "").has_field("meta"));
  value json = Projected("meta.version", "");
  EXPECT_EQ(Sorted(json.at("meta")), Sorted(R"({"version":"W/\"1\""})"));
}

TEST(ProjectTest, UnknownNamesAreIgnored) {
  value json = Projected("shoeSize,urn:example:nothing:thing", "");
  EXPECT_THAT(Keys(json), UnorderedElementsAre("schemas", "id"));
  EXPECT_EQ(Projected("", "shoeSize"), Projected("", ""));
}

TEST(ProjectTest, NeverReturnedEvenWhenAskedFor) {
  EXPECT_FALSE(Projected("password,userName", "").has_field("password"));
}

// ------------------------------------------------------ excludedAttributes

TEST(ProjectTest, ExcludedRemovesNamed) {
  value json = Projected("", "emails,Meta");
  EXPECT_FALSE(json.has_field("emails"));
  EXPECT_FALSE(json.has_field("meta"));
  EXPECT_TRUE(json.has_field("userName"));
  EXPECT_TRUE(json.has_field(kEnterprise));
}

TEST(ProjectTest, ExcludedNeverRemovesAlwaysReturned) {
  value json = Projected("", "id,schemas");
  EXPECT_TRUE(json.has_field("id"));
  EXPECT_TRUE(json.has_field("schemas"));
}

TEST(ProjectTest, ExcludedSubAttribute) {
  value json = Projected("", "name.givenName,emails.type");
  EXPECT_EQ(Sorted(json.at("name")), Sorted(R"({"familyName":"Lovelace"})"));
  EXPECT_EQ(Sorted(json.at("emails")),
            Sorted(R"([{"value":"ada@example.com","primary":true},)"
                   R"({"value":"ada@home.example"}])"));
}

TEST(ProjectTest, ExcludedLastExtensionAttributesRemoveExtension) {
  value json = Projected(
      "", std::string(kEnterprise) + ":department," + kEnterprise + ":manager");
  EXPECT_FALSE(json.has_field(kEnterprise));
  json = Projected("", std::string(kEnterprise) + ":department");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"manager":{"value":"m-1"}})"));
}

TEST(ProjectTest, ExcludedWholeExtension) {
  value json = Projected("", kEnterprise);
  EXPECT_FALSE(json.has_field(kEnterprise));
  EXPECT_TRUE(
      json.has_field("urn:ietf:params:scim:schemas:extension:"
                     "CustomFields:2.0:User"));
}

TEST(ProjectTest, BothParametersAttributesThenExclusions) {
  value json = Projected("name,userName", "name.familyName");
  EXPECT_THAT(Keys(json),
              UnorderedElementsAre("schemas", "id", "userName", "name"));
  EXPECT_EQ(Sorted(json.at("name")), Sorted(R"({"givenName":"Ada"})"));
}

// ------------------------------------------------------------------ groups

TEST(ProjectTest, GroupMembersExcluded) {
  const char* group = R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "g-1", "displayName": "Bookers",
    "members": [{"value": "u-1", "type": "User"}],
    "meta": {"resourceType": "Group"}})";
  value json = Projected("", "members", group, GroupResource());
  EXPECT_THAT(Keys(json),
              UnorderedElementsAre("schemas", "id", "displayName", "meta"));
  json = Projected("displayName", "", group, GroupResource());
  EXPECT_THAT(Keys(json), UnorderedElementsAre("schemas", "id", "displayName"));
  json = Projected("members.value", "", group, GroupResource());
  EXPECT_EQ(Sorted(json.at("members")), Sorted(R"([{"value":"u-1"}])"));
}

TEST(ProjectionTest, AttributesWithAValueFilterKeepMatchingElements) {
  value user = value::parse(R"({"id": "1", "userName": "u",
    "emails": [{"value": "w@example.com", "type": "work"},
               {"value": "h@example.com", "type": "home"}]})");
  auto p = ParseProjection(R"(emails[type eq "work"])", "");
  ASSERT_TRUE(p.ok()) << p.status();
  value out = Project(user, *p, UserResource());
  ASSERT_EQ(out.at("emails").size(), 1u);
  EXPECT_EQ(out.at("emails").at(0).at("value").as_string(), "w@example.com");
  EXPECT_FALSE(out.has_field("userName"));
  auto none = ParseProjection(R"(emails[type eq "other"])", "");
  EXPECT_FALSE(Project(user, *none, UserResource()).has_field("emails"));
}

// RFC 7643 marks no User attribute `returned: request`; a schema that did
// would get them only when `attributes` names them (RFC 7643 §7).
TEST(ProjectTest, RequestReturnedOnlyWhenNamed) {
  ResourceSchema schema = UserResource();
  for (AttributeDef& a : schema.core.attributes) {
    if (a.name == "title") a.returned = Returned::kRequest;
    if (a.name == "name") {
      for (AttributeDef& sub : a.sub_attributes) {
        if (sub.name == "middleName") sub.returned = Returned::kRequest;
      }
    }
  }
  const char* user =
      R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "u-1", "userName": "ada", "title": "Countess",
    "name": {"givenName": "Ada", "middleName": "King"}})";
  value json = Projected("", "", user, schema);
  EXPECT_FALSE(json.has_field("title"));
  EXPECT_FALSE(json.at("name").has_field("middleName"));
  EXPECT_TRUE(json.at("name").has_field("givenName"));
  EXPECT_FALSE(Projected("", "userName", user, schema).has_field("title"));
  EXPECT_FALSE(Projected("userName", "", user, schema).has_field("title"));
  EXPECT_EQ(Projected("TITLE", "", user, schema).at("title").as_string(),
            "Countess");
  EXPECT_EQ(Sorted(Projected("name.middleName", "", user, schema).at("name")),
            Sorted(R"({"middleName":"King"})"));
  EXPECT_TRUE(
      Projected("name", "", user, schema).at("name").has_field("middleName"))
      << "naming the whole attribute names its sub-attributes";
  EXPECT_EQ(Sorted(Projected("", "", user)), Sorted(user))
      << "with the RFC's table nothing is request-only";
}

}  // namespace
}  // namespace scim::edge
