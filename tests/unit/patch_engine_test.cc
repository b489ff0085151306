// cpprestsdk's U() macro breaks gtest templates that name a parameter U.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include "edge/patch_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/status_map.h"
#include "edge/filter_parser.h"
#include "edge/patch_path.h"

namespace scim::edge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using web::json::value;

constexpr char kEnterprise[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr char kCustomFields[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";
constexpr char kTravelPerk[] =
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User";

// A User as UserToJson renders it.
constexpr char kUser[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "u-1",
  "userName": "ada@example.com",
  "name": {"givenName": "Ada", "familyName": "Lovelace"},
  "title": "Countess",
  "active": true,
  "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
  "phoneNumbers": [{"value": "+441234567", "type": "mobile"}],
  "meta": {"resourceType": "User", "version": "W/\"1\""}
})";

constexpr char kGroup[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "g-1",
  "displayName": "Travel Arrangers",
  "members": [
    {"value": "u-1", "$ref": "https://x/Users/u-1", "type": "User"},
    {"value": "u-2", "$ref": "https://x/Users/u-2", "type": "User"}
  ],
  "meta": {"resourceType": "Group", "version": "W/\"3\""}
})";

value Body(const std::string& operations) {
  return value::parse(
      R"({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations": )" +
      operations + "}");
}

// `resource` after the operations, which must succeed.
value Patched(const std::string& resource, const std::string& operations,
              const ResourceSchema& schema = UserResource()) {
  value json = value::parse(resource);
  absl::Status status = ApplyPatch(Body(operations), schema, &json);
  EXPECT_TRUE(status.ok()) << operations << "\n" << status;
  return json;
}

// The error of operations that must fail; also checks that the resource
// was left exactly as it was.
absl::Status Failure(const std::string& resource, const std::string& operations,
                     const ResourceSchema& schema = UserResource()) {
  value json = value::parse(resource);
  value before = json;
  absl::Status status = ApplyPatch(Body(operations), schema, &json);
  EXPECT_FALSE(status.ok()) << operations << " gave " << json.serialize();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(json, before) << "a failed PATCH changed the resource";
  return status;
}

void ExpectError(const absl::Status& status, const std::string& scim_type,
                 const std::string& detail) {
  EXPECT_EQ(ScimTypeOf(status), scim_type) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(detail));
}

// Member order means nothing in a JSON object, so comparisons sort it.
std::string Sorted(const value& v) {
  return value::parse(v.serialize()).serialize();
}
std::string Sorted(const std::string& json) {
  return value::parse(json).serialize();
}

std::string Keys(const value& object) {
  std::string out;
  for (const auto& [key, v] : object.as_object()) out += key + ",";
  return out;
}

// ------------------------------------------------------------ body shape

TEST(PatchEngineTest, BodyNeedsNonEmptyOperations) {
  for (const char* body :
       {R"({})", R"({"Operations": []})", R"({"Operations": {}})",
        R"({"Operations": "add"})", R"([])"}) {
    value json = value::parse(kUser);
    absl::Status status = ApplyPatch(value::parse(body), UserResource(), &json);
    ExpectError(status, "invalidSyntax", "non-empty \"Operations\" array");
  }
}

TEST(PatchEngineTest, MemberNamesOfBodyAndOperationsIgnoreCase) {
  value json = value::parse(kUser);
  absl::Status status =
      ApplyPatch(value::parse(
                     R"({"operations": [{"OP": "Replace", "PATH": "title",
                              "Value": "Lady"}]})"),
                 UserResource(), &json);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(json.at("title").as_string(), "Lady");
}

TEST(PatchEngineTest, OpNamesInAnyLetterCase) {
  value json = Patched(kUser, R"([
    {"op": "Add", "path": "nickName", "value": "Ada"},
    {"op": "REPLACE", "path": "displayName", "value": "Ada L"},
    {"op": "Remove", "path": "title"}])");
  EXPECT_EQ(json.at("nickName").as_string(), "Ada");
  EXPECT_EQ(json.at("displayName").as_string(), "Ada L");
  EXPECT_FALSE(json.has_field("title"));
}

TEST(PatchEngineTest, UnknownOpNamesTheOperation) {
  absl::Status status = Failure(kUser, R"([
    {"op": "replace", "path": "title", "value": "Lady"},
    {"op": "merge", "path": "title", "value": "x"}])");
  ExpectError(status, "invalidSyntax", "Operations[1]: op 'merge'");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("add, replace or remove"));
}

TEST(PatchEngineTest, OperationMustBeAnObjectWithOp) {
  ExpectError(Failure(kUser, R"(["add"])"), "invalidSyntax",
              "Operations[0] needs an \"op\"");
  ExpectError(Failure(kUser, R"([{"path": "title", "value": "x"}])"),
              "invalidSyntax", "Operations[0] needs an \"op\"");
}

TEST(PatchEngineTest, PathMustBeAString) {
  ExpectError(Failure(kUser, R"([{"op": "add", "path": 7, "value": "x"}])"),
              "invalidPath", "Operations[0]: path must be a string");
}

TEST(PatchEngineTest, AddAndReplaceNeedAValue) {
  ExpectError(Failure(kUser, R"([{"op": "add", "path": "title"}])"),
              "invalidValue", "Operations[0]: 'title': add needs a 'value'");
  ExpectError(Failure(kUser, R"([{"op": "replace", "path": "title"}])"),
              "invalidValue", "replace needs a 'value'");
}

// ------------------------------------------------------------------ paths

TEST(PatchEngineTest, AttributeNamesIgnoreCaseAndAreWrittenCanonically) {
  value json = Patched(kUser, R"([
    {"op": "replace", "path": "USERNAME", "value": "ada@new.example"},
    {"op": "add", "path": "Emails",
     "value": [{"Value": "ada@home.example", "TYPE": "home"}]},
    {"op": "replace", "path": "Name.GivenName", "value": "Augusta"}])");
  EXPECT_EQ(json.at("userName").as_string(), "ada@new.example");
  EXPECT_THAT(Keys(json), Not(HasSubstr("USERNAME")));
  ASSERT_EQ(json.at("emails").size(), 2u);
  EXPECT_EQ(Sorted(json.at("emails").at(1)),
            Sorted(R"({"value":"ada@home.example","type":"home"})"));
  EXPECT_EQ(json.at("name").at("givenName").as_string(), "Augusta");
  EXPECT_FALSE(json.has_field("Emails"));
}

TEST(PatchEngineTest, ExistingMemberInOtherCaseIsReplacedNotDuplicated) {
  value json = Patched(R"({"schemas": [], "USERNAME": "old"})",
                       R"([{"op": "replace", "path": "userName",
                            "value": "new"}])");
  EXPECT_EQ(Sorted(json), Sorted(R"({"schemas":[],"userName":"new"})"));
}

TEST(PatchEngineTest, CoreUrnQualifiedPath) {
  value json = Patched(kUser, R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "value": "lovelace@example.com"}])");
  EXPECT_EQ(json.at("userName").as_string(), "lovelace@example.com");
}

TEST(PatchEngineTest, CoreUrnQualifiedFilterPath) {
  value json = Patched(kUser, R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value",
    "value": "ada@work.example"}])");
  EXPECT_EQ(json.at("emails").at(0).at("value").as_string(),
            "ada@work.example");
}

TEST(PatchEngineTest, ExtensionAttributeCreatesExtensionAndListsSchema) {
  value json = Patched(kUser, R"([{"op": "Add",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "value": "Engines"}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"department":"Engines"})"));
  EXPECT_EQ(
      Sorted(json.at("schemas")),
      Sorted(
          R"(["urn:ietf:params:scim:schemas:core:2.0:User",)"
          R"("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"])"));
}

TEST(PatchEngineTest, ExtensionUrnAloneTakesObjectOfAttributes) {
  value json = Patched(kUser, R"([{"op": "add",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "value": {"costCenter": "CC-1", "Manager": "m-7"}}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"costCenter":"CC-1","manager":{"value":"m-7"}})"));
}

// A user whose enterprise extension is listed in `schemas`.
constexpr char kEnterpriseUser[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "u-1",
  "userName": "ada@example.com",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "department": "Engines", "manager": {"value": "m-1"}}
})";

TEST(PatchEngineTest, RemovingLastExtensionAttributeRemovesExtension) {
  value json = Patched(kEnterpriseUser, R"([{"op": "remove",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"manager":{"value":"m-1"}})"));
  EXPECT_EQ(json.at("schemas").size(), 2u);
  json = Patched(json.serialize(), R"([{"op": "remove",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"}])");
  EXPECT_FALSE(json.has_field(kEnterprise));
  EXPECT_EQ(Sorted(json.at("schemas")),
            Sorted(R"(["urn:ietf:params:scim:schemas:core:2.0:User"])"));
}

TEST(PatchEngineTest, RemoveWholeExtension) {
  value json = Patched(kEnterpriseUser, R"([{"op": "remove",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}])");
  EXPECT_FALSE(json.has_field(kEnterprise));
  EXPECT_EQ(Sorted(json.at("schemas")),
            Sorted(R"(["urn:ietf:params:scim:schemas:core:2.0:User"])"));
}

TEST(PatchEngineTest, UnknownAttributeIsInvalidPathNamingIt) {
  absl::Status status = Failure(
      kUser, R"([{"op": "replace", "path": "favouriteColour", "value": "x"}])");
  ExpectError(status, "invalidPath",
              "Operations[0]: path 'favouriteColour': 'favouriteColour' is "
              "not an attribute of User");
  ExpectError(Failure(kUser, R"([{"op": "replace", "path": "name.nick",
                                  "value": "x"}])"),
              "invalidPath", "name has no sub-attribute 'nick'");
  ExpectError(Failure(kUser, R"([{"op": "add",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:boss",
        "value": "x"}])"),
              "invalidPath",
              "'boss' is not an attribute of " + std::string(kEnterprise));
  ExpectError(Failure(kUser, R"([{"op": "add",
        "path": "urn:example:unknown:2.0:User:x", "value": "x"}])"),
              "invalidPath", "does not start with a schema of User");
}

TEST(PatchEngineTest, MalformedPathsAreInvalidPath) {
  ExpectError(Failure(kUser, R"([{"op": "add", "path": "title"},
    {"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}])"),
              "invalidValue", "Operations[0]");
  ExpectError(Failure(kUser, R"([
    {"op": "replace", "path": "title", "value": "Lady"},
    {"op": "replace", "path": "emails[type eq \"work\"", "value": "x"}])"),
              "invalidPath",
              "Operations[1]: path 'emails[type eq \"work\"' has no closing "
              "']'");
  ExpectError(Failure(kUser, R"([{"op": "replace",
                                  "path": "emails]", "value": "x"}])"),
              "invalidPath", "has a ']' without an opening '['");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "emails[type eq \"work\"]value", "value": "x"}])"),
              "invalidPath", "only a sub-attribute may follow");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "[type eq \"work\"].value", "value": "x"}])"),
              "invalidPath", "no attribute before '['");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "name[givenName eq \"Ada\"]", "value": "x"}])"),
              "invalidPath", "'name' is not one");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "emails[type eq \"work\"].colour", "value": "x"}])"),
              "invalidPath", "emails has no sub-attribute 'colour'");
}

TEST(PatchEngineTest, BadFilterInBracketsIsInvalidFilter) {
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "emails[type eqq \"work\"].value", "value": "x"}])"),
              "invalidFilter", "Operations[0]: path 'emails[type eqq");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "emails[].value", "value": "x"}])"),
              "invalidFilter", "empty filter");
  ExpectError(Failure(kUser, R"([{"op": "remove",
    "path": "emails[kind eq \"work\"]"}])"),
              "invalidFilter",
              "'kind', which is not a sub-attribute of emails");
}

TEST(PatchEngineTest, BracketInsideQuotedFilterValue) {
  value json = Patched(kUser, R"([{"op": "add",
    "path": "emails[value eq \"odd]address@example.com\"].type",
    "value": "other"}])");
  EXPECT_EQ(Sorted(json.at("emails").at(1)),
            Sorted(R"({"value":"odd]address@example.com","type":"other"})"));
}

// ------------------------------------------------------------ mutability

TEST(PatchEngineTest, ReadOnlyPathsAreMutabilityErrors) {
  for (const char* path : {"id", "meta", "meta.lastModified", "groups",
                           "urn:ietf:params:scim:schemas:core:2.0:User:id"}) {
    std::string ops = std::string(R"([{"op": "replace", "path": ")") + path +
                      R"(", "value": "x"}])";
    ExpectError(Failure(kUser, ops), "mutability",
                "Operations[0]: '" + std::string(path) + "' is readOnly");
  }
  ExpectError(Failure(kUser, R"([{"op": "remove", "path": "id"}])"),
              "mutability", "readOnly");
  ExpectError(Failure(kUser, R"([{"op": "add", "value": {"groups":
                                    [{"value": "g-1"}]}}])"),
              "mutability", "'groups' is readOnly");
}

TEST(PatchEngineTest, ImmutableSubAttributeCannotBeReplaced) {
  ExpectError(Failure(kGroup, R"([{"op": "replace",
    "path": "members[value eq \"u-1\"].value", "value": "u-9"}])",
                      GroupResource()),
              "mutability", "immutable");
}

// -------------------------------------------------------------------- add

TEST(PatchEngineTest, AddSetsSingleValuedAttribute) {
  value json = Patched(kUser, R"([{"op": "add", "path": "locale",
                                   "value": "en-GB"}])");
  EXPECT_EQ(json.at("locale").as_string(), "en-GB");
}

TEST(PatchEngineTest, AddMergesComplexAttribute) {
  value json = Patched(kUser, R"([{"op": "add", "path": "name",
    "value": {"middleName": "King", "givenName": "Augusta"}}])");
  EXPECT_EQ(Sorted(json.at("name")),
            Sorted(R"({"givenName":"Augusta","familyName":"Lovelace",)"
                   R"("middleName":"King"})"));
}

TEST(PatchEngineTest, AddAppendsOnlyNewValues) {
  value json = Patched(kUser, R"([{"op": "add", "path": "emails", "value": [
    {"value": "ADA@example.com", "display": "Ada"},
    {"value": "ada@home.example", "type": "home"}]}])");
  ASSERT_EQ(json.at("emails").size(), 2u);
  // The address already present gains what the new value says about it.
  EXPECT_EQ(Sorted(json.at("emails").at(0)),
            Sorted(R"({"value":"ADA@example.com","type":"work","primary":true,)"
                   R"("display":"Ada"})"));
  EXPECT_EQ(json.at("emails").at(1).at("type").as_string(), "home");
}

TEST(PatchEngineTest, AddAcceptsOneElementWithoutArray) {
  value json = Patched(kUser, R"([{"op": "add", "path": "emails",
    "value": {"value": "ada@home.example", "type": "home"}}])");
  EXPECT_EQ(json.at("emails").size(), 2u);
}

TEST(PatchEngineTest, EntraFilterPathAddCreatesWorkPhone) {
  value json = Patched(kUser, R"([{"op": "Add",
    "path": "phoneNumbers[type eq \"work\"].value", "value": "+15551234"}])");
  ASSERT_EQ(json.at("phoneNumbers").size(), 2u);
  EXPECT_EQ(Sorted(json.at("phoneNumbers").at(0)),
            Sorted(R"({"value":"+441234567","type":"mobile"})"));
  EXPECT_EQ(Sorted(json.at("phoneNumbers").at(1)),
            Sorted(R"({"type":"work","value":"+15551234"})"));
}

TEST(PatchEngineTest, FilterPathAddCreatesFromEveryEqTerm) {
  value json = Patched(kUser, R"([{"op": "add",
    "path": "addresses[type eq \"work\" and primary eq true].locality",
    "value": "London"}])");
  EXPECT_EQ(Sorted(json.at("addresses")),
            Sorted(R"([{"type":"work","primary":true,"locality":"London"}])"));
}

TEST(PatchEngineTest, FilterPathAddSetsSubAttributeOnMatches) {
  value json = Patched(kUser, R"([{"op": "add",
    "path": "emails[type eq \"work\"].display", "value": "Work"}])");
  ASSERT_EQ(json.at("emails").size(), 1u);
  EXPECT_EQ(json.at("emails").at(0).at("display").as_string(), "Work");
}

TEST(PatchEngineTest, FilterWithoutEqTermsAndNoMatchIsNoTarget) {
  ExpectError(Failure(kUser, R"([{"op": "add",
    "path": "emails[value co \"@nowhere\"].type", "value": "home"}])"),
              "noTarget", "Operations[0]: no element of emails matches");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "emails[type eq \"home\" or type eq \"other\"].value",
    "value": "x@example.com"}])"),
              "noTarget", "not 'eq' comparisons joined by 'and'");
}

// ---------------------------------------------------------------- replace

TEST(PatchEngineTest, EntraReplaceWithFalseString) {
  value json = Patched(kUser, R"([{"op": "Replace", "path": "active",
                                   "value": "False"}])");
  EXPECT_TRUE(json.at("active").is_boolean());
  EXPECT_FALSE(json.at("active").as_bool());
  json = Patched(json.serialize(), R"([{"op": "Replace", "path": "active",
                                        "value": "True"}])");
  EXPECT_TRUE(json.at("active").as_bool());
}

TEST(PatchEngineTest, TypeMismatchesAreInvalidValueNamingThePath) {
  ExpectError(Failure(kUser, R"([{"op": "replace", "path": "active",
                                  "value": "yes"}])"),
              "invalidValue",
              "Operations[0]: active must be a boolean (true or false); got "
              "\"yes\"");
  ExpectError(Failure(kUser, R"([{"op": "replace", "path": "userName",
                                  "value": 42}])"),
              "invalidValue", "userName must be a string");
  ExpectError(Failure(kUser, R"([{"op": "replace", "path": "name",
                                  "value": "Ada"}])"),
              "invalidValue", "name must be an object of its sub-attributes");
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "emails[type eq \"work\"].primary", "value": "maybe"}])"),
              "invalidValue",
              "emails[type eq \"work\"].primary must be a "
              "boolean");
  ExpectError(Failure(kUser, R"([{"op": "add", "path": "emails",
    "value": [{"value": "a@b.c", "primary": 1}]}])"),
              "invalidValue", "emails[0].primary must be a boolean");
  ExpectError(Failure(kUser, R"([{"op": "add", "path": "emails",
    "value": [{"value": "a@b.c", "colour": "red"}]}])"),
              "invalidPath", "emails[0] has no sub-attribute 'colour'");
}

TEST(PatchEngineTest, ReplaceMultiValuedWithoutFilterReplacesList) {
  value json = Patched(kUser, R"([{"op": "replace", "path": "emails",
    "value": [{"value": "new@example.com", "type": "work"}]}])");
  EXPECT_EQ(Sorted(json.at("emails")),
            Sorted(R"([{"value":"new@example.com","type":"work"}])"));
}

TEST(PatchEngineTest, ReplaceWithEmptyListRemovesAttribute) {
  value json =
      Patched(kUser, R"([{"op": "replace", "path": "emails", "value": []}])");
  EXPECT_FALSE(json.has_field("emails"));
}

TEST(PatchEngineTest, ReplaceFilteredSubAttribute) {
  value json = Patched(kUser, R"([{"op": "Replace",
    "path": "emails[type eq \"work\"].value", "value": "ada@work.example"}])");
  EXPECT_EQ(
      Sorted(json.at("emails")),
      Sorted(R"([{"value":"ada@work.example","type":"work","primary":true}])"));
}

TEST(PatchEngineTest, EntraReplaceOfAbsentFilteredValueCreatesIt) {
  value json = Patched(kUser, R"([{"op": "Replace",
    "path": "emails[type eq \"home\"].value", "value": "ada@home.example"}])");
  ASSERT_EQ(json.at("emails").size(), 2u);
  EXPECT_EQ(Sorted(json.at("emails").at(1)),
            Sorted(R"({"type":"home","value":"ada@home.example"})"));
}

TEST(PatchEngineTest, ReplaceFilteredElementsWholesale) {
  value json = Patched(kUser, R"([{"op": "replace",
    "path": "phoneNumbers[type eq \"mobile\"]",
    "value": {"value": "+447700900000", "type": "mobile"}}])");
  EXPECT_EQ(Sorted(json.at("phoneNumbers")),
            Sorted(R"([{"value":"+447700900000","type":"mobile"}])"));
}

TEST(PatchEngineTest, ReplaceComplexKeepsUnnamedSubAttributes) {
  value json = Patched(kUser, R"([{"op": "replace", "path": "name",
    "value": {"givenName": "Augusta"}}])");
  EXPECT_EQ(Sorted(json.at("name")),
            Sorted(R"({"givenName":"Augusta","familyName":"Lovelace"})"));
}

TEST(PatchEngineTest, ReplaceWithNullUnassigns) {
  value json =
      Patched(kUser, R"([{"op": "replace", "path": "title", "value": null}])");
  EXPECT_FALSE(json.has_field("title"));
}

// ---------------------------------------------------------------- manager

TEST(PatchEngineTest, EntraManagerAsBareString) {
  value json = Patched(kUser, R"([{"op": "Add",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "value": "m-1"}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"manager":{"value":"m-1"}})"));
  json = Patched(json.serialize(), R"([{"op": "Replace",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "value": {"value": "m-2"}}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"manager":{"value":"m-2"}})"));
  json = Patched(json.serialize(), R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "value": "m-3"}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"manager":{"value":"m-3"}})"));
}

TEST(PatchEngineTest, EmptyOrNullManagerRemovesIt) {
  value with_manager = Patched(kUser, R"([{"op": "add",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "value": {"department": "Engines", "manager": "m-1"}}])");
  value json = Patched(with_manager.serialize(), R"([{"op": "Replace",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "value": ""}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"department":"Engines"})"));
  json = Patched(with_manager.serialize(), R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "value": null}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"department":"Engines"})"));
  json = Patched(with_manager.serialize(), R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "value": ""}])");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"department":"Engines"})"));
}

TEST(PatchEngineTest, ClearingOnlyManagerRemovesExtensionAndSchema) {
  value with_manager = Patched(kUser, R"([{"op": "add",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "value": "m-1"}])");
  value json = Patched(with_manager.serialize(), R"([{"op": "Remove",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])");
  EXPECT_FALSE(json.has_field(kEnterprise));
  EXPECT_EQ(json.at("schemas").size(), 1u);
}

TEST(PatchEngineTest, ManagerDisplayNameIsReadOnly) {
  ExpectError(Failure(kUser, R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
    "value": "Boss"}])"),
              "mutability", "readOnly");
}

// ----------------------------------------------------------------- no path

TEST(PatchEngineTest, OktaNoPathReplaceOfActive) {
  value json = Patched(kUser, R"([{"op": "replace", "value": {
    "id": "u-1", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "meta": {"version": "W/\"9\""}, "active": false}}])");
  EXPECT_FALSE(json.at("active").as_bool());
  EXPECT_EQ(json.at("id").as_string(), "u-1");
  EXPECT_EQ(json.at("meta").at("version").as_string(), "W/\"1\"");
}

TEST(PatchEngineTest, NoPathMembersArePaths) {
  value json = Patched(kUser, R"([{"op": "Add", "value": {
    "name.givenName": "Augusta",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":
        "Engines",
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User":
        {"gender": "F"},
    "emails[type eq \"home\"].value": "ada@home.example",
    "Title": "Lady"}}])");
  EXPECT_EQ(json.at("name").at("givenName").as_string(), "Augusta");
  EXPECT_EQ(Sorted(json.at(kEnterprise)),
            Sorted(R"({"department":"Engines"})"));
  EXPECT_EQ(Sorted(json.at(kTravelPerk)), Sorted(R"({"gender":"F"})"));
  EXPECT_EQ(json.at("emails").size(), 2u);
  EXPECT_EQ(json.at("title").as_string(), "Lady");
  EXPECT_EQ(json.at("schemas").size(), 3u);
}

TEST(PatchEngineTest, NoPathReplaceOfMultiValuedReplacesList) {
  value json = Patched(kUser, R"([{"op": "replace", "value": {
    "emails": [{"value": "only@example.com", "type": "work"}]}}])");
  EXPECT_EQ(json.at("emails").size(), 1u);
  EXPECT_EQ(json.at("emails").at(0).at("value").as_string(),
            "only@example.com");
}

TEST(PatchEngineTest, NoPathValueMustBeAnObject) {
  ExpectError(Failure(kUser, R"([{"op": "replace", "value": false}])"),
              "invalidValue",
              "Operations[0]: without a 'path', 'value' must "
              "be an object");
  ExpectError(Failure(kUser, R"([{"op": "add"}])"), "invalidValue",
              "got nothing");
  ExpectError(
      Failure(kUser, R"([{"op": "replace", "value": {"shoeSize": 9}}])"),
      "invalidPath", "'shoeSize' is not an attribute of User");
}

TEST(PatchEngineTest, RemoveNeedsAPath) {
  ExpectError(Failure(kUser, R"([{"op": "remove"}])"), "noTarget",
              "Operations[0]: remove needs a 'path'");
}

// ----------------------------------------------------------------- remove

TEST(PatchEngineTest, RemoveSingleValuedAttribute) {
  value json = Patched(kUser, R"([{"op": "remove", "path": "title"}])");
  EXPECT_FALSE(json.has_field("title"));
}

TEST(PatchEngineTest, RemoveSubAttributeAndEmptyParent) {
  value json =
      Patched(kUser, R"([{"op": "remove", "path": "name.givenName"}])");
  EXPECT_EQ(Sorted(json.at("name")), Sorted(R"({"familyName":"Lovelace"})"));
  json = Patched(json.serialize(),
                 R"([{"op": "remove", "path": "name.familyName"}])");
  EXPECT_FALSE(json.has_field("name"));
}

TEST(PatchEngineTest, RemoveFilteredElementsLeavesNoEmptyArray) {
  value json = Patched(
      kUser, R"([{"op": "remove", "path": "emails[type eq \"work\"]"}])");
  EXPECT_FALSE(json.has_field("emails"));
}

TEST(PatchEngineTest, RemoveWithNoMatchingElementIsNotAnError) {
  value json = Patched(
      kUser, R"([{"op": "remove", "path": "emails[type eq \"home\"]"}])");
  EXPECT_EQ(json, value::parse(kUser));
}

TEST(PatchEngineTest, RemoveFilteredSubAttribute) {
  value json = Patched(kUser, R"([{"op": "remove",
    "path": "emails[type eq \"work\"].primary"}])");
  EXPECT_EQ(Sorted(json.at("emails")),
            Sorted(R"([{"value":"ada@example.com","type":"work"}])"));
}

TEST(PatchEngineTest, RemoveWholeMultiValuedAttribute) {
  value json = Patched(kUser, R"([{"op": "remove", "path": "phoneNumbers"}])");
  EXPECT_FALSE(json.has_field("phoneNumbers"));
}

TEST(PatchEngineTest, RemoveSubAttributeOfEveryElement) {
  value json = Patched(kUser, R"([{"op": "remove", "path": "emails.type"}])");
  EXPECT_EQ(Sorted(json.at("emails")),
            Sorted(R"([{"value":"ada@example.com","primary":true}])"));
}

TEST(PatchEngineTest, EntraRolesWithStringBooleans) {
  value json = Patched(kUser, R"([{"op": "Add", "path": "roles", "value": [
    {"primary": "False", "type": "WindowsAzureActiveDirectoryRole",
     "display": "Booker", "value": "Booker"}]}])");
  EXPECT_EQ(Sorted(json.at("roles")), Sorted(R"([{"primary": false, "type":
                        "WindowsAzureActiveDirectoryRole", "display": "Booker",
                        "value": "Booker"}])"));
}

TEST(PatchEngineTest, StrayScalarElementsAreNeverTargets) {
  value json =
      Patched(R"({"schemas": [], "emails": ["stray", {"value": "a@b.c"}]})",
              R"([{"op": "replace", "path": "emails[type ne \"home\"].type",
           "value": "work"}])");
  EXPECT_EQ(Sorted(json.at("emails")),
            Sorted(R"(["stray", {"value": "a@b.c", "type": "work"}])"));
}

// ---------------------------------------------------------------- primary

TEST(PatchEngineTest, NewPrimaryTakesTheMarkFromOthers) {
  value json = Patched(kUser, R"([{"op": "add", "path": "emails",
    "value": [{"value": "ada@home.example", "type": "home",
               "primary": "True"}]}])");
  EXPECT_EQ(
      Sorted(json.at("emails")),
      Sorted(R"([{"value":"ada@example.com","type":"work"},)"
             R"({"value":"ada@home.example","type":"home","primary":true}])"));
}

TEST(PatchEngineTest, FilterPathSettingPrimaryMovesIt) {
  value user = Patched(kUser, R"([{"op": "add", "path": "emails",
    "value": [{"value": "ada@home.example", "type": "home"}]}])");
  value json = Patched(user.serialize(), R"([{"op": "replace",
    "path": "emails[type eq \"home\"].primary", "value": "true"}])");
  EXPECT_FALSE(json.at("emails").at(0).has_field("primary"));
  EXPECT_TRUE(json.at("emails").at(1).at("primary").as_bool());
}

TEST(PatchEngineTest, TwoPrimariesInOneValueAreRefused) {
  ExpectError(Failure(kUser, R"([{"op": "replace", "path": "emails",
    "value": [{"value": "a@example.com", "primary": true},
              {"value": "b@example.com", "primary": true}]}])"),
              "invalidValue", "more than one emails element as primary");
}

// ---------------------------------------------------------------- atomic

TEST(PatchEngineTest, FailingLaterOperationLeavesResourceUnchanged) {
  absl::Status status = Failure(kUser, R"([
    {"op": "replace", "path": "userName", "value": "changed@example.com"},
    {"op": "add", "path": "emails", "value": [{"value": "x@example.com"}]},
    {"op": "replace", "path": "active", "value": "perhaps"}])");
  ExpectError(status, "invalidValue", "Operations[2]: active");
}

// ----------------------------------------------------------------- groups

TEST(PatchEngineTest, GroupMembersAddSkipsExisting) {
  value json = Patched(kGroup, R"([{"op": "Add", "path": "members",
    "value": [{"value": "u-2"}, {"value": "u-3", "display": "Charles"}]}])",
                       GroupResource());
  ASSERT_EQ(json.at("members").size(), 3u);
  EXPECT_EQ(Sorted(json.at("members").at(2)),
            Sorted(R"({"value":"u-3","display":"Charles"})"));
}

TEST(PatchEngineTest, GroupMemberDisplayNameMeansDisplay) {
  value json = Patched(kGroup, R"([{"op": "add", "path": "members",
    "value": [{"displayName": "new User", "value": "u-3"}]}])",
                       GroupResource());
  EXPECT_EQ(json.at("members").at(2).at("display").as_string(), "new User");
}

TEST(PatchEngineTest, GroupMemberAddByFilter) {
  value json = Patched(kGroup, R"([{"op": "add",
    "path": "members[value eq \"u-3\"]", "value": {"display": "Charles"}}])",
                       GroupResource());
  ASSERT_EQ(json.at("members").size(), 3u);
  EXPECT_EQ(Sorted(json.at("members").at(2)),
            Sorted(R"({"value":"u-3","display":"Charles"})"));
  json = Patched(json.serialize(), R"([{"op": "add",
    "path": "members[value eq \"u-1\"].display", "value": "Ada"}])",
                 GroupResource());
  EXPECT_EQ(json.at("members").at(0).at("display").as_string(), "Ada");
  EXPECT_EQ(json.at("members").size(), 3u);
}

TEST(PatchEngineTest, GroupMemberRemoveByFilter) {
  value json = Patched(kGroup, R"([{"op": "Remove",
    "path": "members[value eq \"u-1\"]"}])",
                       GroupResource());
  ASSERT_EQ(json.at("members").size(), 1u);
  EXPECT_EQ(json.at("members").at(0).at("value").as_string(), "u-2");
}

TEST(PatchEngineTest, GroupMemberRemoveByValue) {
  value json = Patched(kGroup, R"([{"op": "remove", "path": "members",
    "value": [{"value": "u-2"}, {"value": "u-404"}]}])",
                       GroupResource());
  ASSERT_EQ(json.at("members").size(), 1u);
  EXPECT_EQ(json.at("members").at(0).at("value").as_string(), "u-1");
  json = Patched(json.serialize(), R"([{"op": "remove", "path": "members",
    "value": [{"value": "u-1"}]}])",
                 GroupResource());
  EXPECT_FALSE(json.has_field("members"));
}

TEST(PatchEngineTest, GroupMembersRemoveByOrFilter) {
  value json = Patched(kGroup, R"([{"op": "remove",
    "path": "members[value eq \"u-1\" or value eq \"u-2\"]"}])",
                       GroupResource());
  EXPECT_FALSE(json.has_field("members"));
}

TEST(PatchEngineTest, OktaGroupRenameWithoutPath) {
  value json = Patched(kGroup, R"([{"op": "replace", "value": {
    "id": "g-1", "displayName": "Bookers"}}])",
                       GroupResource());
  EXPECT_EQ(json.at("displayName").as_string(), "Bookers");
  EXPECT_EQ(json.at("members").size(), 2u);
}

TEST(PatchEngineTest, GroupReplaceMembers) {
  value json = Patched(kGroup, R"([{"op": "replace", "path": "members",
    "value": [{"value": "u-9"}]}])",
                       GroupResource());
  EXPECT_EQ(Sorted(json.at("members")), Sorted(R"([{"value":"u-9"}])"));
}

// ---------------------------------------------------- custom fields, lists

TEST(PatchEngineTest, CustomFieldsAcceptAnyScalar) {
  value json = Patched(kUser, R"([
    {"op": "add",
     "path": "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:costCode",
     "value": "CC-9"},
    {"op": "add", "value": {
     "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User":
       {"seniority": 3, "contractor": false}}}])");
  EXPECT_EQ(Sorted(json.at(kCustomFields)),
            Sorted(R"({"costCode":"CC-9","seniority":3,"contractor":false})"));
  json = Patched(json.serialize(), R"([{"op": "replace",
    "path": "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:COSTCODE",
    "value": "CC-10"}])");
  EXPECT_EQ(json.at(kCustomFields).at("costCode").as_string(), "CC-10");
  ExpectError(Failure(kUser, R"([{"op": "add",
    "path": "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:x",
    "value": {"a": 1}}])"),
              "invalidValue", "must be a string, number or boolean");
}

TEST(PatchEngineTest, MultiValuedStrings) {
  value json = Patched(kUser, R"([{"op": "add",
    "path": "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User:invoiceProfiles",
    "value": ["Main", "Projects", "main"]}])");
  EXPECT_EQ(Sorted(json.at(kTravelPerk).at("invoiceProfiles")),
            Sorted(R"(["Main","Projects"])"));
  json = Patched(json.serialize(), R"([{"op": "remove",
    "path": "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User:invoiceProfiles[value eq \"main\"]"}])");
  EXPECT_EQ(Sorted(json.at(kTravelPerk).at("invoiceProfiles")),
            Sorted(R"(["Projects"])"));
}

// ------------------------------------------------------- filter evaluation

class ValueFilterTest : public ::testing::Test {
 protected:
  ValueFilterTest() {
    def_.name = "things";
    def_.type = AttrType::kComplex;
    def_.multi_valued = true;
    AttributeDef v;
    v.name = "value";
    AttributeDef code;
    code.name = "code";
    code.case_exact = true;
    AttributeDef primary;
    primary.name = "primary";
    primary.type = AttrType::kBoolean;
    AttributeDef weight;
    weight.name = "weight";
    weight.type = AttrType::kDecimal;
    def_.sub_attributes = {v, code, primary, weight};
    element_ = value::parse(
        R"({"value": "Ada@Example.com", "code": "AbC", "primary": true,
            "weight": 2.5})");
  }

  bool Matches(const std::string& filter) {
    absl::StatusOr<scim::common::v1::Filter> parsed = ParseFilter(filter);
    EXPECT_TRUE(parsed.ok()) << filter << ": " << parsed.status();
    if (!parsed.ok()) return false;
    EXPECT_TRUE(CheckValueFilter(*parsed, def_).ok()) << filter;
    return MatchesFilter(*parsed, element_, def_);
  }

  AttributeDef def_;
  value element_;
};

TEST_F(ValueFilterTest, StringOperatorsIgnoreCaseUnlessCaseExact) {
  EXPECT_TRUE(Matches(R"(value eq "ada@example.COM")"));
  EXPECT_FALSE(Matches(R"(value ne "ada@example.com")"));
  EXPECT_TRUE(Matches(R"(value co "EXAMPLE")"));
  EXPECT_TRUE(Matches(R"(value sw "ada@")"));
  EXPECT_TRUE(Matches(R"(value ew ".com")"));
  EXPECT_FALSE(Matches(R"(value ew ".org")"));
  EXPECT_TRUE(Matches(R"(value gt "a")"));
  EXPECT_TRUE(Matches(R"(value lt "b")"));
  EXPECT_TRUE(Matches(R"(code eq "AbC")"));
  EXPECT_FALSE(Matches(R"(code eq "abc")"));
  EXPECT_TRUE(Matches(R"(code ne "abc")"));
}

TEST_F(ValueFilterTest, BooleansNumbersAndPresence) {
  EXPECT_TRUE(Matches("primary eq true"));
  EXPECT_FALSE(Matches("primary eq false"));
  EXPECT_TRUE(Matches("primary ne false"));
  EXPECT_TRUE(Matches("weight gt 2"));
  EXPECT_TRUE(Matches("weight ge 2.5"));
  EXPECT_TRUE(Matches("weight le 2.5"));
  EXPECT_FALSE(Matches("weight lt 2.5"));
  EXPECT_TRUE(Matches("weight eq 2.5"));
  EXPECT_TRUE(Matches("value pr"));
  EXPECT_FALSE(Matches("value eq null"));
  element_ = value::parse(R"({"value": "x"})");
  EXPECT_FALSE(Matches("code pr"));
  EXPECT_TRUE(Matches("code eq null"));
  EXPECT_TRUE(Matches(R"(code ne "x")"));
  EXPECT_FALSE(Matches(R"(code eq "x")"));
}

TEST_F(ValueFilterTest, LogicalOperators) {
  EXPECT_TRUE(Matches(R"(primary eq true and code eq "AbC")"));
  EXPECT_FALSE(Matches(R"(primary eq true and code eq "x")"));
  EXPECT_TRUE(Matches(R"(code eq "x" or value co "ada")"));
  EXPECT_TRUE(Matches(R"(not (code eq "x"))"));
  EXPECT_FALSE(Matches(R"(not (primary eq true))"));
  EXPECT_TRUE(Matches(R"((code eq "x" or weight gt 1) and not (value pr and )"
                      R"(primary eq false))"));
}

TEST_F(ValueFilterTest, ElementFromEqTerms) {
  auto made = [&](const std::string& filter) {
    std::optional<value> element =
        ElementFromFilter(*ParseFilter(filter), def_);
    return element.has_value() ? element->serialize() : "none";
  };
  EXPECT_EQ(made(R"(code eq "A" and primary eq true)"),
            R"({"code":"A","primary":true})");
  EXPECT_EQ(made(R"(code eq "A" and code eq "B")"), "none");
  EXPECT_EQ(made(R"(code eq "A" or code eq "B")"), "none");
  EXPECT_EQ(made(R"(code co "A")"), "none");
  EXPECT_EQ(made("code eq null"), "none");
}

}  // namespace
}  // namespace scim::edge
