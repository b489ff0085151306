// cpprestsdk's U() macro breaks gtest templates that name a parameter U.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include "edge/user_json.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/status_map.h"

namespace scim::edge {
namespace {

namespace pb = scim::identity::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using web::json::value;

constexpr char kLocation[] = "https://scim.example.com/scim/v2/Users/u-1";

pb::User Parse(const std::string& json) {
  absl::StatusOr<pb::User> user = UserFromJson(value::parse(json));
  EXPECT_TRUE(user.ok()) << json << "\n" << user.status();
  return user.ok() ? *user : pb::User();
}

// The status of a body that must be refused with INVALID_ARGUMENT.
absl::Status ParseError(const value& body) {
  absl::StatusOr<pb::User> user = UserFromJson(body);
  if (user.ok()) {
    ADD_FAILURE() << body.serialize() << " parsed as "
                  << user->ShortDebugString();
    return absl::OkStatus();
  }
  EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument);
  return user.status();
}

pb::User FromText(const std::string& text) {
  pb::User user;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &user))
      << text;
  return user;
}

// Custom fields are compared as a set: their order carries no meaning.
void ExpectSameUser(const pb::User& actual, const pb::User& expected) {
  google::protobuf::util::MessageDifferencer differencer;
  differencer.TreatAsSet(
      pb::User::descriptor()->FindFieldByName("custom_fields"));
  EXPECT_TRUE(differencer.Compare(actual, expected))
      << "actual:   " << actual.ShortDebugString()
      << "\nexpected: " << expected.ShortDebugString();
}

std::set<std::string> Keys(const value& object) {
  std::set<std::string> keys;
  for (const auto& [key, v] : object.as_object()) keys.insert(key);
  return keys;
}

std::vector<std::string> Schemas(const value& rendered) {
  std::vector<std::string> out;
  for (const value& s : rendered.at("schemas").as_array()) {
    out.push_back(s.as_string());
  }
  return out;
}

// Every attribute and extension the proto carries, readOnly ones included.
constexpr char kFullUser[] = R"pb(
  id: "u-1"
  tenant_id: "t-1"
  external_id: "ext-1"
  user_name: "ada@example.com"
  name {
    formatted: "Dr Ada K Lovelace PhD"
    family_name: "Lovelace"
    given_name: "Ada"
    middle_name: "K"
    honorific_prefix: "Dr"
    honorific_suffix: "PhD"
  }
  display_name: "Ada Lovelace"
  nick_name: "ada"
  profile_url: "https://example.com/ada"
  title: "Analyst"
  user_type: "Employee"
  preferred_language: "en-GB"
  locale: "en-GB"
  timezone: "Europe/London"
  active: false
  emails { value: "ada@example.com" type: "work" primary: true display: "Ada" }
  emails { value: "ada@home.example" type: "home" }
  phone_numbers { value: "+441234567890" type: "work" }
  phone_numbers { value: "+447700900123" type: "mobile" primary: true }
  ims { value: "ada_im" type: "xmpp" }
  photos { value: "https://example.com/ada.png" type: "photo" }
  addresses {
    type: "work"
    primary: true
    formatted: "1 Main St, London"
    street_address: "1 Main St"
    locality: "London"
    region: "Greater London"
    postal_code: "N1 1AA"
    country: "GB"
  }
  entitlements { value: "ent-1" display: "Entitlement" }
  roles {
    value: "Booker"
    display: "Booker"
    type: "WindowsAzureActiveDirectoryRole"
    primary: true
    role_id: "r-1"
  }
  roles { value: "Travel_Arranger" }
  groups { value: "g-1" display: "Travellers" type: "direct" }
  enterprise {
    employee_number: "701984"
    cost_center: "CC-100"
    organization: "Org"
    division: "Div"
    department: "Finance"
    manager {
      value: "u-2"
      ref: "https://scim.example.com/scim/v2/Users/u-2"
      display_name: "Grace Hopper"
    }
  }
  custom_fields { field_id: "ProjectCode" string_value: "PX-9" }
  custom_fields { field_id: "seniority" number_value: 42 }
  custom_fields { field_id: "ratio" number_value: 1.5 }
  custom_fields { field_id: "VIP" bool_value: true }
  citycity { gender: "Ms" user_group: "Sales Managers" }
  travelperk {
    gender: "F"
    date_of_birth: "1815-12-10"
    invoice_profiles: "Main"
    invoice_profiles: "Projects"
    emergency_contact { name: "Mary" phone: "+441111111111" }
    travel_policy: "Standard"
  }
  meta {
    created { seconds: 1767323045 nanos: 678000000 }
    last_modified { seconds: 1767409445 }
    version: 7
  }
)pb";

// ------------------------------------------------------------- round trip

TEST(UserJsonTest, FullUserRoundTripsThroughJsonText) {
  pb::User full = FromText(kFullUser);
  std::string text = UserToJson(full, kLocation).serialize();
  pb::User parsed = Parse(text);

  // What a client cannot set comes back without the server-owned parts.
  pb::User expected = full;
  expected.clear_id();
  expected.clear_tenant_id();
  expected.clear_groups();
  expected.clear_meta();
  for (pb::RoleAssignment& role : *expected.mutable_roles()) {
    role.clear_role_id();
  }
  ExpectSameUser(parsed, expected);
}

TEST(UserJsonTest, FullUserRendersEveryAttribute) {
  value json = UserToJson(FromText(kFullUser), kLocation);

  EXPECT_THAT(Schemas(json), ElementsAre(std::string(kUserSchema),
                                         std::string(kEnterpriseUserSchema),
                                         std::string(kCustomFieldsSchema),
                                         std::string(kCityCityUserSchema),
                                         std::string(kTravelPerkUserSchema)));
  EXPECT_EQ(json.at("id").as_string(), "u-1");
  EXPECT_FALSE(json.has_field("tenantId"));
  EXPECT_EQ(json.at("name").at("honorificPrefix").as_string(), "Dr");
  EXPECT_FALSE(json.at("active").as_bool());
  EXPECT_EQ(json.at("emails").size(), 2u);
  EXPECT_TRUE(json.at("emails").at(0).at("primary").as_bool());
  EXPECT_FALSE(json.at("emails").at(1).has_field("primary"));
  EXPECT_EQ(json.at("addresses").at(0).at("postalCode").as_string(), "N1 1AA");
  EXPECT_FALSE(json.at("roles").at(0).has_field("roleId"));
  EXPECT_EQ(json.at("groups").at(0).serialize(),
            R"({"value":"g-1","display":"Travellers","type":"direct"})");

  const value& enterprise = json.at(kEnterpriseUserSchema);
  EXPECT_EQ(enterprise.at("costCenter").as_string(), "CC-100");
  EXPECT_EQ(enterprise.at("manager").at("$ref").as_string(),
            "https://scim.example.com/scim/v2/Users/u-2");
  EXPECT_EQ(json.at(kCustomFieldsSchema).serialize(),
            R"({"ProjectCode":"PX-9","seniority":42,"ratio":1.5,"VIP":true})");
  EXPECT_EQ(json.at(kCityCityUserSchema).at("userGroup").as_string(),
            "Sales Managers");
  const value& travelperk = json.at(kTravelPerkUserSchema);
  EXPECT_EQ(travelperk.at("invoiceProfiles").serialize(),
            R"(["Main","Projects"])");
  EXPECT_EQ(travelperk.at("emergencyContact").at("phone").as_string(),
            "+441111111111");

  const value& meta = json.at("meta");
  EXPECT_EQ(meta.at("resourceType").as_string(), "User");
  EXPECT_EQ(meta.at("created").as_string(), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(meta.at("lastModified").as_string(), "2026-01-03T03:04:05.000Z");
  EXPECT_EQ(meta.at("location").as_string(), kLocation);
  EXPECT_EQ(meta.at("version").as_string(), "W/\"7\"");
}

TEST(UserJsonTest, DateCustomFieldRendersAsString) {
  pb::User user = FromText(R"pb(
    user_name: "a@example.com"
    custom_fields { field_id: "start" date_value: "2026-02-01" }
  )pb");
  EXPECT_EQ(UserToJson(user, kLocation).at(kCustomFieldsSchema).serialize(),
            R"({"start":"2026-02-01"})");
}

// ------------------------------------------------------------- rendering

TEST(UserJsonTest, MinimalUserOmitsEmptiesAndDefaultsActiveToTrue) {
  pb::User user = FromText(R"pb(
    id: "u-1"
    user_name: "a@example.com"
    name {}
    emails { value: "a@example.com" primary: false }
    meta { version: 3 }
  )pb");
  value json = UserToJson(user, kLocation);

  EXPECT_EQ(Keys(json), (std::set<std::string>{"schemas", "id", "userName",
                                               "active", "emails", "meta"}));
  EXPECT_THAT(Schemas(json), ElementsAre(std::string(kUserSchema)));
  EXPECT_TRUE(json.at("active").as_bool());
  EXPECT_EQ(json.at("emails").serialize(), R"([{"value":"a@example.com"}])");
  EXPECT_EQ(Keys(json.at("meta")),
            (std::set<std::string>{"resourceType", "location", "version"}));
  // Schemas come first, as in RFC 7643's examples.
  EXPECT_THAT(json.serialize(), StartsWith(R"({"schemas":)"));
}

TEST(UserJsonTest, SchemasListOnlyExtensionsWithData) {
  pb::User user = FromText(R"pb(
    user_name: "a@example.com"
    citycity { gender: "Mr" }
  )pb");
  value json = UserToJson(user, kLocation);
  EXPECT_THAT(Schemas(json), ElementsAre(std::string(kUserSchema),
                                         std::string(kCityCityUserSchema)));
  EXPECT_FALSE(json.has_field(kEnterpriseUserSchema));
  EXPECT_FALSE(json.has_field(kCustomFieldsSchema));
  EXPECT_FALSE(json.has_field(kTravelPerkUserSchema));

  user = FromText(R"pb(
    user_name: "a@example.com"
    custom_fields { field_id: "x" string_value: "y" }
    enterprise { manager {} }
  )pb");
  json = UserToJson(user, kLocation);
  EXPECT_THAT(Schemas(json), ElementsAre(std::string(kUserSchema),
                                         std::string(kEnterpriseUserSchema),
                                         std::string(kCustomFieldsSchema)));
  // A manager without any data is an empty message, not worth a key.
  EXPECT_EQ(json.at(kEnterpriseUserSchema).serialize(), "{}");
}

// ------------------------------------------------------------- parsing

TEST(UserJsonTest, AttributeNamesAreCaseInsensitive) {
  pb::User user = Parse(R"json({
    "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "USERNAME": "ada@example.com",
    "externalid": "ext-1",
    "Name": {"GIVENNAME": "Ada", "familyname": "Lovelace"},
    "Active": "FALSE",
    "EMAILS": [{"VALUE": "ada@example.com", "Primary": true, "TYPE": "work"}],
    "Roles": [{"Value": "Booker"}],
    "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {
      "COSTCENTER": "CC-1",
      "Manager": {"VALUE": "u-2", "$REF": "../Users/u-2", "DisplayName": "G"}
    },
    "urn:ietf:params:scim:schemas:extension:customfields:2.0:user:ProjectCode":
        "PX-9",
    "Urn:Ietf:Params:Scim:Schemas:Extension:CityCity:2.0:User": {
      "Gender": "ms", "USERGROUP": "Sales"
    },
    "urn:ietf:params:scim:schemas:extension:TRAVELPERK:2.0:User": {
      "EmergencyContact": {"NAME": "Mary"},
      "InvoiceProfiles": [{"VALUE": "Main"}]
    }
  })json");

  ExpectSameUser(
      user, FromText(R"pb(
        external_id: "ext-1"
        user_name: "ada@example.com"
        name { family_name: "Lovelace" given_name: "Ada" }
        active: false
        emails { value: "ada@example.com" type: "work" primary: true }
        roles { value: "Booker" }
        enterprise {
          cost_center: "CC-1"
          manager { value: "u-2" ref: "../Users/u-2" display_name: "G" }
        }
        custom_fields { field_id: "ProjectCode" string_value: "PX-9" }
        citycity { gender: "ms" user_group: "Sales" }
        travelperk {
          invoice_profiles: "Main"
          emergency_contact { name: "Mary" }
        }
      )pb"));
}

TEST(UserJsonTest, CityCitySeedUserObject) {
  // The user object of the CityCity contract (seed 001), verbatim.
  pb::User user = Parse(
      R"json({ "schemas": [ "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:extension:citycity:2.0:User" ], "id": "ABC123", "externalId": "EMP-12345", "userName": "anna.andersson@example.com", "name": { "givenName": "Anna", "familyName": "Andersson", "middleName": "Maria" }, "displayName": "Anna Andersson", "emails": [ { "value": "anna.andersson@example.com", "primary": true } ], "phoneNumbers": [ { "value": "+46701234567", "type": "mobile" } ], "active": true, "meta": { "resourceType": "User", "location": "https://example.com/scim/Users/ABC123" }, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Sales", "employeeNumber": "12345" }, "urn:ietf:params:scim:schemas:extension:citycity:2.0:User": { "gender": "Ms", "userGroup": "Sales Managers" } })json");

  // id and meta are readOnly: the server assigns them.
  ExpectSameUser(user, FromText(R"pb(
                   external_id: "EMP-12345"
                   user_name: "anna.andersson@example.com"
                   name {
                     family_name: "Andersson"
                     given_name: "Anna"
                     middle_name: "Maria"
                   }
                   display_name: "Anna Andersson"
                   active: true
                   emails { value: "anna.andersson@example.com" primary: true }
                   phone_numbers { value: "+46701234567" type: "mobile" }
                   enterprise { employee_number: "12345" department: "Sales" }
                   citycity { gender: "Ms" user_group: "Sales Managers" }
                 )pb"));
  EXPECT_THAT(
      Schemas(UserToJson(user, kLocation)),
      ElementsAre(std::string(kUserSchema), std::string(kEnterpriseUserSchema),
                  std::string(kCityCityUserSchema)));
}

TEST(UserJsonTest, ProxyclickSeedSample) {
  // Seed 002's sample payload with the SCIM 2.0 core schema in place of 1.0.
  pb::User user = Parse(R"json({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "james.bond.007@mi6.org",
    "name": {
      "formatted": "James Bond",
      "familyName": "Bond",
      "givenName": "James"
    },
    "emails": [
      {"value": "james.bond.007@mi6.org", "type": "work", "primary": true}
    ],
    "phoneNumbers": [
      {"type": "mobile", "value": "+44007007007"},
      {"type": "work", "value": "+44007007007"}
    ],
    "addresses": [{"primary": true, "locality": "London"}],
    "title": "Secret Agent 007",
    "preferredLanguage": "en",
    "active": true
  })json");

  ExpectSameUser(
      user, FromText(R"pb(
        user_name: "james.bond.007@mi6.org"
        name { formatted: "James Bond" family_name: "Bond" given_name: "James" }
        title: "Secret Agent 007"
        preferred_language: "en"
        active: true
        emails { value: "james.bond.007@mi6.org" type: "work" primary: true }
        phone_numbers { value: "+44007007007" type: "mobile" }
        phone_numbers { value: "+44007007007" type: "work" }
        addresses { primary: true locality: "London" }
      )pb"));
}

TEST(UserJsonTest, EntraStylePost) {
  // What Entra ID sends on create: string booleans, app roles through
  // AssertiveAppRoleAssignmentsComplex, Click Travel custom fields as
  // top-level URN-qualified attributes, and the TravelPerk extension.
  pb::User user = Parse(R"json({
    "schemas": [
      "urn:ietf:params:scim:schemas:core:2.0:User",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7b2c4b3e9a10",
    "userName": "Test_User_ab6490ee@contoso.com",
    "active": "True",
    "displayName": "Test User",
    "emails": [
      {
        "primary": true,
        "type": "work",
        "value": "Test_User_ab6490ee@contoso.com"
      }
    ],
    "meta": {"resourceType": "User"},
    "name": {
      "formatted": "Test User", "familyName": "User", "givenName": "Test"
    },
    "roles": [{
      "primary": true,
      "type": "WindowsAzureActiveDirectoryRole",
      "display": "Booker",
      "value": "Booker"
    }],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      "costCenter": "CC-100",
      "manager": {"value": "mgr-1"}
    },
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:ProjectCode":
        "PX-9",
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:Seniority": 3,
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User": {
      "gender": "M",
      "dateOfBirth": "1990-01-31",
      "invoiceProfiles": ["Main", "Projects"],
      "emergencyContact": {"name": "Mary", "phone": "+441111111111"},
      "travelPolicy": "Standard"
    }
  })json");

  ExpectSameUser(
      user, FromText(R"pb(
        external_id: "0a21f0f2-8d2a-4f8e-bf98-7b2c4b3e9a10"
        user_name: "Test_User_ab6490ee@contoso.com"
        name { formatted: "Test User" family_name: "User" given_name: "Test" }
        display_name: "Test User"
        active: true
        emails {
          value: "Test_User_ab6490ee@contoso.com"
          type: "work"
          primary: true
        }
        roles {
          value: "Booker"
          display: "Booker"
          type: "WindowsAzureActiveDirectoryRole"
          primary: true
        }
        enterprise {
          cost_center: "CC-100"
          manager { value: "mgr-1" }
        }
        custom_fields { field_id: "ProjectCode" string_value: "PX-9" }
        custom_fields { field_id: "Seniority" number_value: 3 }
        travelperk {
          gender: "M"
          date_of_birth: "1990-01-31"
          invoice_profiles: "Main"
          invoice_profiles: "Projects"
          emergency_contact { name: "Mary" phone: "+441111111111" }
          travel_policy: "Standard"
        }
      )pb"));
}

TEST(UserJsonTest, StringBooleansAreCaseInsensitive) {
  EXPECT_FALSE(Parse(R"({"userName": "a", "active": "False"})").active());
  EXPECT_TRUE(Parse(R"({"userName": "a", "active": "tRUE"})").active());
  EXPECT_TRUE(
      Parse(
          R"({"userName": "a", "emails": [{"value": "e", "primary": "True"}]})")
          .emails(0)
          .primary());
}

TEST(UserJsonTest, NullMeansUnassigned) {
  pb::User user = Parse(R"json({
    "userName": "a@example.com",
    "externalId": null,
    "active": null,
    "name": {"givenName": null, "familyName": "F"},
    "emails": [null, {"value": null, "type": null}, {"value": "a@example.com"}],
    "phoneNumbers": null,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": null,
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:X": null,
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User": {
      "invoiceProfiles": [null, "Main"]
    }
  })json");
  ExpectSameUser(user, FromText(R"pb(
                   user_name: "a@example.com"
                   name { family_name: "F" }
                   emails { value: "a@example.com" }
                   travelperk { invoice_profiles: "Main" }
                 )pb"));
  EXPECT_FALSE(user.has_active());
}

TEST(UserJsonTest, ReadOnlyAndUnknownAttributesAreIgnored) {
  pb::User user = Parse(R"json({
    "id": 17,
    "meta": "whatever",
    "Groups": [{"value": "g-1"}],
    "password": "secret",
    "x-unknown": {"deep": [1, 2, 3]},
    "userName": "a@example.com"
  })json");
  ExpectSameUser(user, FromText(R"pb(user_name: "a@example.com")pb"));
}

TEST(UserJsonTest, ManagerMayBeAPlainId) {
  pb::User user = Parse(R"json({
    "userName": "a@example.com",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
      "manager": "u-2"
    }
  })json");
  EXPECT_EQ(user.enterprise().manager().value(), "u-2");
}

TEST(UserJsonTest, CustomFieldsObjectKeepsFieldIdCaseAndJsonTypes) {
  pb::User user = Parse(R"json({
    "userName": "a@example.com",
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User": {
      "CostCode": "C1", "costcode": "c2", "Level": 2.5, "Remote": false
    },
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:Level": 2.5
  })json");
  ExpectSameUser(user, FromText(R"pb(
                   user_name: "a@example.com"
                   custom_fields { field_id: "CostCode" string_value: "C1" }
                   custom_fields { field_id: "costcode" string_value: "c2" }
                   custom_fields { field_id: "Level" number_value: 2.5 }
                   custom_fields { field_id: "Remote" bool_value: false }
                 )pb"));
  // Sorted by field id, so equal users are equal messages.
  std::vector<std::string> ids;
  for (const auto& field : user.custom_fields())
    ids.push_back(field.field_id());
  EXPECT_THAT(ids, ElementsAre("CostCode", "Level", "Remote", "costcode"));
}

TEST(UserJsonTest, LongestStringIsAccepted) {
  // 2048 characters of two bytes each: the limit counts characters.
  std::string longest;
  for (std::size_t i = 0; i < kMaxAttributeLength; ++i) longest += "\xC3\xA9";
  value body = value::object();
  body["userName"] = value::string("a@example.com");
  body["title"] = value::string(longest);
  absl::StatusOr<pb::User> user = UserFromJson(body);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->title(), longest);
}

// ------------------------------------------------------------- errors

TEST(UserJsonTest, MissingUserNameIsInvalidValue) {
  for (const char* body :
       {R"({})", R"({"userName": null})", R"({"userName": ""})",
        R"({"userName": " \t "})", R"({"name": {"givenName": "Ada"}})"}) {
    absl::Status status = ParseError(value::parse(body));
    EXPECT_EQ(ScimTypeOf(status), "invalidValue") << body;
    EXPECT_THAT(std::string(status.message()),
                StartsWith("userName is required: "))
        << body;
  }
}

TEST(UserJsonTest, NonObjectBodyIsInvalidSyntax) {
  for (const char* body : {R"([])", R"("ada")", "null", "42", "true"}) {
    absl::Status status = ParseError(value::parse(body));
    EXPECT_EQ(ScimTypeOf(status), "invalidSyntax") << body;
    EXPECT_THAT(std::string(status.message()), HasSubstr("JSON object"))
        << body;
  }
}

// A body with a valid userName and `json` as the value of attribute `name`.
std::string BodyWith(const std::string& name, const std::string& json) {
  return R"({"userName": "a", ")" + name + "\": " + json + "}";
}

std::string Urn(const char* schema, const std::string& attribute) {
  return std::string(schema) + ":" + attribute;
}

TEST(UserJsonTest, WrongTypesNameTheAttributeAndExpectedType) {
  const struct {
    std::string body;
    std::string detail;
  } kCases[] = {
      {R"({"userName": 42})", "userName must be a string"},
      {BodyWith("name", R"({"givenName": 7})"),
       "name.givenName must be a string"},
      {BodyWith("name", R"("Ada")"), "name must be an object"},
      {BodyWith("active", R"("yes")"),
       "active must be a boolean (true or false)"},
      {BodyWith("active", "1"), "active must be a boolean (true or false)"},
      {BodyWith("emails", R"({"value": "e"})"), "emails must be an array"},
      {BodyWith("emails", R"(["e@example.com"])"),
       "emails[0] must be an object"},
      {BodyWith("emails", R"([{"value": "e"}, {"primary": "maybe"}])"),
       "emails[1].primary must be a boolean"},
      {BodyWith("addresses", R"([{"postalCode": 12345}])"),
       "addresses[0].postalCode must be a string"},
      {BodyWith("roles", R"([{"value": ["Booker"]}])"),
       "roles[0].value must be a string"},
      {BodyWith("schemas", R"("urn:ietf:params:scim:schemas:core:2.0:User")"),
       "schemas must be an array"},
      {BodyWith("schemas", "[7]"), "schemas[0] must be a string"},
      {BodyWith(kEnterpriseUserSchema, "[]"),
       std::string(kEnterpriseUserSchema) + " must be an object"},
      {BodyWith(kEnterpriseUserSchema, R"({"costCenter": 100})"),
       Urn(kEnterpriseUserSchema, "costCenter must be a string")},
      {BodyWith(kEnterpriseUserSchema, R"({"manager": 5})"),
       Urn(kEnterpriseUserSchema, "manager must be an object")},
      {BodyWith(kEnterpriseUserSchema, R"({"manager": {"value": 5}})"),
       Urn(kEnterpriseUserSchema, "manager.value must be a string")},
      {BodyWith(Urn(kCustomFieldsSchema, "Dept"), R"({"a": 1})"),
       Urn(kCustomFieldsSchema, "Dept must be a string, number or boolean")},
      {BodyWith(kCustomFieldsSchema, R"({"Dept": [1]})"),
       Urn(kCustomFieldsSchema, "Dept must be a string, number or boolean")},
      {BodyWith(kTravelPerkUserSchema, R"({"invoiceProfiles": [1]})"),
       Urn(kTravelPerkUserSchema,
           "invoiceProfiles[0] must be a string or an object")},
      {BodyWith(kTravelPerkUserSchema, R"({"invoiceProfiles": "Main"})"),
       Urn(kTravelPerkUserSchema, "invoiceProfiles must be an array")},
      {BodyWith(kTravelPerkUserSchema,
                R"({"emergencyContact": {"phone": 44}})"),
       Urn(kTravelPerkUserSchema, "emergencyContact.phone must be a string")},
      {BodyWith(kCityCityUserSchema, R"({"gender": true})"),
       Urn(kCityCityUserSchema, "gender must be a string")},
  };
  for (const auto& c : kCases) {
    absl::Status status = ParseError(value::parse(c.body));
    EXPECT_EQ(ScimTypeOf(status), "invalidValue") << c.body;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.detail)) << c.body;
  }
}

TEST(UserJsonTest, NulCharacterIsRefused) {
  const std::string with_nul("Ada\0Lovelace", 12);
  value body = value::object();
  body["userName"] = value::string("a@example.com");
  body["name"] = value::object();
  body["name"]["givenName"] = value::string(with_nul);
  absl::Status status = ParseError(body);
  EXPECT_EQ(ScimTypeOf(status), "invalidValue");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("name.givenName contains a NUL"));

  // Also when it arrives escaped in JSON text, and in a custom field id.
  status = ParseError(value::parse(R"({"userName": "a\u0000b"})"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("userName contains a NUL"));
  value custom = value::object();
  custom["userName"] = value::string("a@example.com");
  custom[std::string(kCustomFieldsSchema) + ":" + with_nul] =
      value::string("x");
  status = ParseError(custom);
  EXPECT_EQ(ScimTypeOf(status), "invalidValue");
  EXPECT_THAT(std::string(status.message()),
              StartsWith("a custom field id contains a NUL"));
}

TEST(UserJsonTest, OverlongStringIsRefused) {
  value body = value::object();
  body["userName"] = value::string("a@example.com");
  body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
      value::object();
  body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
      ["department"] = value::string(std::string(kMaxAttributeLength + 1, 'x'));
  absl::Status status = ParseError(body);
  EXPECT_EQ(ScimTypeOf(status), "invalidValue");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("enterprise:2.0:User:department is 2049 characters "
                        "long; the limit is 2048"));
}

TEST(UserJsonTest, AttributeSentTwiceInDifferentCaseIsRefused) {
  absl::Status status =
      ParseError(value::parse(R"({"userName": "a", "USERNAME": "b"})"));
  EXPECT_EQ(ScimTypeOf(status), "invalidSyntax");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("userName is sent twice"));
}

TEST(UserJsonTest, CustomFieldSentTwiceWithDifferentValuesIsRefused) {
  absl::Status status = ParseError(value::parse(R"json({
    "userName": "a",
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User": {
      "Dept": "A"
    },
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:Dept": "B"
  })json"));
  EXPECT_EQ(ScimTypeOf(status), "invalidValue");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("User:Dept is sent twice"));
}

TEST(UserJsonTest, CustomFieldWithoutIdIsRefused) {
  absl::Status status = ParseError(value::parse(R"json({
    "userName": "a",
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:": "x"
  })json"));
  EXPECT_EQ(ScimTypeOf(status), "invalidValue");
  EXPECT_THAT(std::string(status.message()), HasSubstr("has no field id"));
}

}  // namespace
}  // namespace scim::edge
