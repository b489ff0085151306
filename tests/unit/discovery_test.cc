// cpprestsdk's U() macro breaks gtest templates that name a parameter U.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include "edge/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace scim::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using web::json::value;

constexpr char kBase[] = "https://scim.example.com/scim/v2";
constexpr char kUserUrn[] = "urn:ietf:params:scim:schemas:core:2.0:User";
constexpr char kGroupUrn[] = "urn:ietf:params:scim:schemas:core:2.0:Group";
constexpr char kEnterpriseUrn[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr char kCityCityUrn[] =
    "urn:ietf:params:scim:schemas:extension:citycity:2.0:User";
constexpr char kTravelPerkUrn[] =
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User";
constexpr char kCustomFieldsUrn[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";
constexpr char kProvisioningUrn[] =
    "urn:ietf:params:scim:schemas:extension:provisioning:2.0:User";
constexpr char kListResponse[] =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";

DiscoveryOptions Options(bool groups_enabled = true) {
  DiscoveryOptions options;
  options.base_url = kBase;
  options.max_page_size = 250;
  options.bulk_max_operations = 42;
  options.bulk_max_payload = 123456;
  options.groups_enabled = groups_enabled;
  return options;
}

std::vector<std::string> StringsOf(const value& array) {
  std::vector<std::string> out;
  for (const value& v : array.as_array()) out.push_back(v.as_string());
  return out;
}

std::vector<std::string> Field(const value& list, const std::string& name) {
  std::vector<std::string> out;
  for (const value& r : list.at("Resources").as_array()) {
    out.push_back(r.at(name).as_string());
  }
  return out;
}

// The attribute `name` of a rendered schema (or of a complex attribute's
// subAttributes); null when absent, which then fails the caller's checks.
value AttributeOf(const value& holder, const std::string& name) {
  const char* key =
      holder.has_field("attributes") ? "attributes" : "subAttributes";
  for (const value& a : holder.at(key).as_array()) {
    if (a.at("name").as_string() == name) return a;
  }
  ADD_FAILURE() << "no attribute " << name << " in " << holder.serialize();
  return value::object();
}

value SchemaOrFail(const std::string& urn, bool groups_enabled = true) {
  std::optional<value> schema = Schema(Options(groups_enabled), urn);
  EXPECT_TRUE(schema.has_value()) << urn;
  return schema.value_or(value::object());
}

void ExpectListResponse(const value& list, int n) {
  EXPECT_THAT(StringsOf(list.at("schemas")), ElementsAre(kListResponse));
  EXPECT_EQ(list.at("totalResults").as_integer(), n);
  EXPECT_EQ(list.at("itemsPerPage").as_integer(), n);
  EXPECT_EQ(list.at("startIndex").as_integer(), 1);
  EXPECT_EQ(list.at("Resources").size(), static_cast<std::size_t>(n));
}

// ------------------------------------------------- ServiceProviderConfig

TEST(DiscoveryTest, ServiceProviderConfigAdvertisesWhatTheServerDoes) {
  value spc = ServiceProviderConfig(Options());
  EXPECT_THAT(
      StringsOf(spc.at("schemas")),
      ElementsAre(
          "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"));
  EXPECT_TRUE(spc.at("patch").at("supported").as_bool());
  EXPECT_TRUE(spc.at("bulk").at("supported").as_bool());
  EXPECT_TRUE(spc.at("filter").at("supported").as_bool());
  EXPECT_FALSE(spc.at("changePassword").at("supported").as_bool());
  EXPECT_TRUE(spc.at("sort").at("supported").as_bool());
  EXPECT_TRUE(spc.at("etag").at("supported").as_bool());
}

TEST(DiscoveryTest, ServiceProviderConfigLimitsComeFromOptions) {
  value spc = ServiceProviderConfig(Options());
  EXPECT_EQ(spc.at("bulk").at("maxOperations").as_integer(), 42);
  EXPECT_EQ(spc.at("bulk").at("maxPayloadSize").as_number().to_int64(), 123456);
  EXPECT_EQ(spc.at("filter").at("maxResults").as_integer(), 250);

  DiscoveryOptions other = Options();
  other.max_page_size = 5000;
  EXPECT_EQ(
      ServiceProviderConfig(other).at("filter").at("maxResults").as_integer(),
      5000);
}

TEST(DiscoveryTest, ServiceProviderConfigNamesBearerAuthentication) {
  value spc = ServiceProviderConfig(Options());
  const web::json::array& schemes = spc.at("authenticationSchemes").as_array();
  ASSERT_EQ(schemes.size(), 1u);
  const value& bearer = schemes.at(0);
  EXPECT_EQ(bearer.at("type").as_string(), "oauthbearertoken");
  EXPECT_FALSE(bearer.at("name").as_string().empty());
  EXPECT_FALSE(bearer.at("description").as_string().empty());
  EXPECT_TRUE(bearer.at("primary").as_bool());

  EXPECT_EQ(spc.at("meta").at("resourceType").as_string(),
            "ServiceProviderConfig");
  EXPECT_EQ(spc.at("meta").at("location").as_string(),
            std::string(kBase) + "/ServiceProviderConfig");
}

// ---------------------------------------------------------- ResourceTypes

TEST(DiscoveryTest, ResourceTypesListsUserThenGroup) {
  value list = ResourceTypes(Options());
  ExpectListResponse(list, 2);
  EXPECT_THAT(Field(list, "name"), ElementsAre("User", "Group"));

  const value& user = list.at("Resources").at(0);
  EXPECT_THAT(
      StringsOf(user.at("schemas")),
      ElementsAre("urn:ietf:params:scim:schemas:core:2.0:ResourceType"));
  EXPECT_EQ(user.at("id").as_string(), "User");
  EXPECT_EQ(user.at("endpoint").as_string(), "/Users");
  EXPECT_FALSE(user.at("description").as_string().empty());
  EXPECT_EQ(user.at("schema").as_string(), kUserUrn);
  EXPECT_EQ(user.at("meta").at("resourceType").as_string(), "ResourceType");
  EXPECT_EQ(user.at("meta").at("location").as_string(),
            std::string(kBase) + "/ResourceTypes/User");

  std::vector<std::string> extensions;
  for (const value& ext : user.at("schemaExtensions").as_array()) {
    extensions.push_back(ext.at("schema").as_string());
    EXPECT_FALSE(ext.at("required").as_bool()) << ext.serialize();
  }
  EXPECT_THAT(extensions,
              UnorderedElementsAre(kEnterpriseUrn, kCityCityUrn, kTravelPerkUrn,
                                   kCustomFieldsUrn, kProvisioningUrn));

  const value& group = list.at("Resources").at(1);
  EXPECT_EQ(group.at("endpoint").as_string(), "/Groups");
  EXPECT_EQ(group.at("schema").as_string(), kGroupUrn);
  EXPECT_EQ(group.at("meta").at("location").as_string(),
            std::string(kBase) + "/ResourceTypes/Group");
}

TEST(DiscoveryTest, ResourceTypesOmitGroupWhenGroupsAreDisabled) {
  value list = ResourceTypes(Options(/*groups_enabled=*/false));
  ExpectListResponse(list, 1);
  EXPECT_THAT(Field(list, "endpoint"), ElementsAre("/Users"));
  EXPECT_FALSE(ResourceType(Options(false), "Group").has_value());
  EXPECT_TRUE(ResourceType(Options(false), "User").has_value());
}

TEST(DiscoveryTest, ResourceTypeLookupIgnoresCase) {
  std::optional<value> user = ResourceType(Options(), "uSeR");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->at("name").as_string(), "User");
  std::optional<value> group = ResourceType(Options(), "GROUP");
  ASSERT_TRUE(group.has_value());
  EXPECT_EQ(group->at("endpoint").as_string(), "/Groups");
  EXPECT_FALSE(ResourceType(Options(), "Users").has_value());
  EXPECT_FALSE(ResourceType(Options(), "").has_value());
}

// ---------------------------------------------------------------- Schemas

TEST(DiscoveryTest, SchemasListsEveryServedSchema) {
  value list = Schemas(Options());
  ExpectListResponse(list, 7);
  EXPECT_THAT(Field(list, "id"),
              UnorderedElementsAre(kUserUrn, kEnterpriseUrn, kCustomFieldsUrn,
                                   kCityCityUrn, kTravelPerkUrn,
                                   kProvisioningUrn, kGroupUrn));
  // Microsoft's reference collection looks for the User schema's description.
  EXPECT_THAT(list.serialize(), HasSubstr("User Account"));

  value without_groups = Schemas(Options(/*groups_enabled=*/false));
  ExpectListResponse(without_groups, 6);
  EXPECT_THAT(
      Field(without_groups, "id"),
      UnorderedElementsAre(kUserUrn, kEnterpriseUrn, kCustomFieldsUrn,
                           kCityCityUrn, kTravelPerkUrn, kProvisioningUrn));
}

TEST(DiscoveryTest, SchemaLookupIgnoresCase) {
  std::optional<value> enterprise = Schema(
      Options(), "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER");
  ASSERT_TRUE(enterprise.has_value());
  EXPECT_EQ(enterprise->at("id").as_string(), kEnterpriseUrn);
  EXPECT_THAT(StringsOf(enterprise->at("schemas")),
              ElementsAre("urn:ietf:params:scim:schemas:core:2.0:Schema"));
  EXPECT_FALSE(enterprise->at("name").as_string().empty());
  EXPECT_EQ(enterprise->at("meta").at("resourceType").as_string(), "Schema");
  EXPECT_EQ(enterprise->at("meta").at("location").as_string(),
            std::string(kBase) + "/Schemas/" + kEnterpriseUrn);

  std::optional<value> custom =
      Schema(Options(),
             "urn:ietf:params:scim:schemas:extension:customfields:2.0:user");
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->at("attributes").size(), 0u);
}

TEST(DiscoveryTest, UnknownSchemaIsNotFound) {
  EXPECT_FALSE(Schema(Options(), "urn:nope").has_value());
  EXPECT_FALSE(Schema(Options(), "").has_value());
  EXPECT_FALSE(
      Schema(Options(), std::string(kUserUrn) + ":userName").has_value());
  EXPECT_FALSE(
      Schema(Options(/*groups_enabled=*/false), kGroupUrn).has_value());
  EXPECT_TRUE(Schema(Options(/*groups_enabled=*/true), kGroupUrn).has_value());
}

TEST(DiscoveryTest, AttributeCharacteristicsAreRfcStrings) {
  value user = SchemaOrFail(kUserUrn);
  EXPECT_EQ(user.at("name").as_string(), "User");

  value user_name = AttributeOf(user, "userName");
  EXPECT_EQ(user_name.at("type").as_string(), "string");
  EXPECT_FALSE(user_name.at("multiValued").as_bool());
  EXPECT_TRUE(user_name.at("required").as_bool());
  EXPECT_FALSE(user_name.at("caseExact").as_bool());
  EXPECT_EQ(user_name.at("mutability").as_string(), "readWrite");
  EXPECT_EQ(user_name.at("returned").as_string(), "default");
  EXPECT_EQ(user_name.at("uniqueness").as_string(), "server");
  EXPECT_FALSE(user_name.has_field("canonicalValues"));
  EXPECT_FALSE(user_name.has_field("referenceTypes"));
  EXPECT_FALSE(user_name.has_field("subAttributes"));

  value id = AttributeOf(user, "id");
  EXPECT_EQ(id.at("mutability").as_string(), "readOnly");
  EXPECT_EQ(id.at("returned").as_string(), "always");
  EXPECT_TRUE(id.at("caseExact").as_bool());

  value password = AttributeOf(user, "password");
  EXPECT_EQ(password.at("mutability").as_string(), "writeOnly");
  EXPECT_EQ(password.at("returned").as_string(), "never");

  EXPECT_EQ(AttributeOf(user, "active").at("type").as_string(), "boolean");
  EXPECT_EQ(AttributeOf(user, "groups").at("mutability").as_string(),
            "readOnly");

  value profile_url = AttributeOf(user, "profileUrl");
  EXPECT_EQ(profile_url.at("type").as_string(), "reference");
  EXPECT_THAT(StringsOf(profile_url.at("referenceTypes")),
              ElementsAre("external"));

  value meta = AttributeOf(user, "meta");
  EXPECT_EQ(AttributeOf(meta, "lastModified").at("type").as_string(),
            "dateTime");

  value certificates = AttributeOf(user, "x509Certificates");
  EXPECT_EQ(AttributeOf(certificates, "value").at("type").as_string(),
            "binary");
}

TEST(DiscoveryTest, ComplexAttributesCarrySubAttributes) {
  value emails = AttributeOf(SchemaOrFail(kUserUrn), "emails");
  EXPECT_EQ(emails.at("type").as_string(), "complex");
  EXPECT_TRUE(emails.at("multiValued").as_bool());
  std::vector<std::string> subs;
  for (const value& sub : emails.at("subAttributes").as_array()) {
    subs.push_back(sub.at("name").as_string());
  }
  EXPECT_THAT(subs,
              UnorderedElementsAre("value", "display", "type", "primary"));
  EXPECT_THAT(StringsOf(AttributeOf(emails, "type").at("canonicalValues")),
              ElementsAre("work", "home", "other"));
  EXPECT_EQ(AttributeOf(emails, "primary").at("type").as_string(), "boolean");

  value manager = AttributeOf(SchemaOrFail(kEnterpriseUrn), "manager");
  EXPECT_EQ(manager.at("type").as_string(), "complex");
  value ref = AttributeOf(manager, "$ref");
  EXPECT_EQ(ref.at("type").as_string(), "reference");
  EXPECT_THAT(StringsOf(ref.at("referenceTypes")), ElementsAre("User"));
  EXPECT_EQ(AttributeOf(manager, "displayName").at("mutability").as_string(),
            "readOnly");

  value gender = AttributeOf(SchemaOrFail(kCityCityUrn), "gender");
  EXPECT_THAT(StringsOf(gender.at("canonicalValues")),
              ElementsAre("Mr", "Ms", "Mrs"));

  value contact = AttributeOf(SchemaOrFail(kTravelPerkUrn), "emergencyContact");
  EXPECT_EQ(AttributeOf(contact, "phone").at("type").as_string(), "string");

  value members = AttributeOf(SchemaOrFail(kGroupUrn), "members");
  EXPECT_EQ(AttributeOf(members, "value").at("mutability").as_string(),
            "immutable");
  EXPECT_THAT(StringsOf(AttributeOf(members, "type").at("canonicalValues")),
              ElementsAre("User", "Group"));
}

// Schema-discovering clients reject a schema with a characteristic missing
// or spelled other than RFC 7643 §7 spells it, wherever it sits.
TEST(DiscoveryTest, EveryAttributeSpellsOutEveryCharacteristic) {
  const std::set<std::string> types = {"string",  "boolean",  "decimal",
                                       "integer", "dateTime", "reference",
                                       "complex", "binary"};
  const std::set<std::string> mutabilities = {"readWrite", "readOnly",
                                              "immutable", "writeOnly"};
  const std::set<std::string> returned = {"always", "never", "default",
                                          "request"};
  const std::set<std::string> uniqueness = {"none", "server", "global"};
  int checked = 0;
  std::function<void(const value&, const std::string&)> check =
      [&](const value& a, const std::string& where) {
        ++checked;
        const std::string name = a.at("name").as_string();
        const std::string path = where + name;
        const std::string type = a.at("type").as_string();
        EXPECT_EQ(types.count(type), 1u) << path << " type " << type;
        EXPECT_TRUE(a.at("multiValued").is_boolean()) << path;
        EXPECT_FALSE(a.at("description").as_string().empty()) << path;
        EXPECT_TRUE(a.at("required").is_boolean()) << path;
        EXPECT_TRUE(a.at("caseExact").is_boolean()) << path;
        EXPECT_EQ(mutabilities.count(a.at("mutability").as_string()), 1u)
            << path;
        EXPECT_EQ(returned.count(a.at("returned").as_string()), 1u) << path;
        EXPECT_EQ(uniqueness.count(a.at("uniqueness").as_string()), 1u) << path;
        EXPECT_EQ(a.has_field("referenceTypes"), type == "reference") << path;
        EXPECT_EQ(a.has_field("subAttributes"), type == "complex") << path;
        if (a.has_field("canonicalValues")) {
          EXPECT_GT(a.at("canonicalValues").size(), 0u) << path;
        }
        if (type == "complex") {
          EXPECT_GT(a.at("subAttributes").size(), 0u) << path;
          for (const value& sub : a.at("subAttributes").as_array()) {
            check(sub, path + ".");
          }
        }
      };
  const value list = Schemas(Options());
  for (const value& schema : list.at("Resources").as_array()) {
    for (const value& a : schema.at("attributes").as_array()) {
      check(a, schema.at("id").as_string() + ":");
    }
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace scim::edge
