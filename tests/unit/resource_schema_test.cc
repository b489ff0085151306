// cpprestsdk's U() macro breaks gtest templates that name a parameter U.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include "edge/resource_schema.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "edge/user_json.h"

namespace scim::edge {
namespace {

using ::testing::ElementsAre;
using web::json::value;

constexpr char kCore[] = "urn:ietf:params:scim:schemas:core:2.0:User";
constexpr char kEnterprise[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr char kTravelPerk[] =
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User";
constexpr char kCityCity[] =
    "urn:ietf:params:scim:schemas:extension:citycity:2.0:User";
constexpr char kCustomFields[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";

ResolvedPath MustResolve(const ResourceSchema& resource,
                         const std::string& path) {
  std::optional<ResolvedPath> resolved = ResolvePath(resource, path);
  EXPECT_TRUE(resolved.has_value()) << path;
  return resolved.value_or(ResolvedPath());
}

std::string Name(const AttributeDef* a) { return a ? a->name : "(null)"; }

// The attribute or sub-attribute `path` names; a blank one (after a test
// failure) when it names nothing, so a broken table fails rather than
// crashes the test binary.
const AttributeDef& AttrAt(const ResourceSchema& resource,
                           const std::string& path) {
  static const AttributeDef* const kMissing = new AttributeDef();
  ResolvedPath r = MustResolve(resource, path);
  if (r.sub != nullptr) return *r.sub;
  return r.attribute != nullptr ? *r.attribute : *kMissing;
}

const AttributeDef& UserAttr(const std::string& path) {
  return AttrAt(UserResource(), path);
}

TEST(ResourceSchemaTest, ResourceTypesAreNamedAsServed) {
  EXPECT_EQ(UserResource().name, "User");
  EXPECT_EQ(UserResource().endpoint, "/Users");
  EXPECT_EQ(UserResource().core.id, kCore);
  EXPECT_EQ(GroupResource().name, "Group");
  EXPECT_EQ(GroupResource().endpoint, "/Groups");
  EXPECT_EQ(GroupResource().core.id,
            "urn:ietf:params:scim:schemas:core:2.0:Group");
  EXPECT_TRUE(GroupResource().extensions.empty());
  // Built once: callers may keep pointers into the tables.
  EXPECT_EQ(&UserResource(), &UserResource());
  EXPECT_EQ(&GroupResource(), &GroupResource());
}

TEST(ResourceSchemaTest, UserHasEveryExtensionAndNoneIsRequired) {
  std::vector<std::string> urns;
  for (const ResourceSchema::Extension& ext : UserResource().extensions) {
    urns.push_back(ext.schema.id);
    EXPECT_FALSE(ext.required) << ext.schema.id;
  }
  EXPECT_THAT(urns,
              ElementsAre(kEnterprise, kCustomFields, kCityCity, kTravelPerk,
                          "urn:ietf:params:scim:schemas:extension:"
                          "provisioning:2.0:User"));
  const SchemaDef* custom = UserResource().FindExtension(kCustomFields);
  ASSERT_NE(custom, nullptr);
  EXPECT_TRUE(custom->attributes.empty());
}

TEST(ResourceSchemaTest, ResolvesPlainAttribute) {
  ResolvedPath r = MustResolve(UserResource(), "userName");
  EXPECT_EQ(r.schema, &UserResource().core);
  EXPECT_FALSE(r.in_extension);
  EXPECT_EQ(Name(r.attribute), "userName");
  EXPECT_EQ(r.sub, nullptr);

  r = MustResolve(GroupResource(), "members");
  EXPECT_EQ(r.schema, &GroupResource().core);
  EXPECT_EQ(Name(r.attribute), "members");
}

TEST(ResourceSchemaTest, ResolvesDottedSubAttribute) {
  ResolvedPath r = MustResolve(UserResource(), "name.givenName");
  EXPECT_EQ(Name(r.attribute), "name");
  EXPECT_EQ(Name(r.sub), "givenName");

  r = MustResolve(UserResource(), "emails.value");
  EXPECT_EQ(Name(r.attribute), "emails");
  EXPECT_EQ(Name(r.sub), "value");

  EXPECT_EQ(UserAttr("meta.lastModified").type, AttrType::kDateTime);
  EXPECT_EQ(AttrAt(GroupResource(), "members.$ref").type, AttrType::kReference);
}

TEST(ResourceSchemaTest, ResolvesCoreUrnPrefix) {
  ResolvedPath r =
      MustResolve(UserResource(), std::string(kCore) + ":userName");
  EXPECT_EQ(r.schema, &UserResource().core);
  EXPECT_FALSE(r.in_extension);
  EXPECT_EQ(Name(r.attribute), "userName");

  // The dots of "2.0" must not be taken for a sub-attribute separator.
  r = MustResolve(UserResource(), std::string(kCore) + ":name.familyName");
  EXPECT_EQ(Name(r.attribute), "name");
  EXPECT_EQ(Name(r.sub), "familyName");
}

TEST(ResourceSchemaTest, ResolvesExtensionUrnPrefix) {
  const SchemaDef* enterprise = UserResource().FindExtension(kEnterprise);
  ASSERT_NE(enterprise, nullptr);
  ResolvedPath r =
      MustResolve(UserResource(), std::string(kEnterprise) + ":manager.value");
  EXPECT_EQ(r.schema, enterprise);
  EXPECT_TRUE(r.in_extension);
  EXPECT_EQ(Name(r.attribute), "manager");
  EXPECT_EQ(Name(r.sub), "value");

  r = MustResolve(UserResource(), std::string(kEnterprise) + ":costCenter");
  EXPECT_EQ(Name(r.attribute), "costCenter");
  EXPECT_EQ(r.sub, nullptr);

  r = MustResolve(UserResource(),
                  std::string(kTravelPerk) + ":emergencyContact.phone");
  EXPECT_EQ(r.schema, UserResource().FindExtension(kTravelPerk));
  EXPECT_EQ(Name(r.sub), "phone");

  const AttributeDef& profiles =
      UserAttr(std::string(kTravelPerk) + ":invoiceProfiles");
  EXPECT_EQ(profiles.type, AttrType::kString);
  EXPECT_TRUE(profiles.multi_valued);

  EXPECT_THAT(UserAttr(std::string(kCityCity) + ":gender").canonical_values,
              ElementsAre("Mr", "Ms", "Mrs"));
}

TEST(ResourceSchemaTest, ResolvesExtensionUrnAlone) {
  ResolvedPath r = MustResolve(UserResource(), kEnterprise);
  EXPECT_EQ(r.schema, UserResource().FindExtension(kEnterprise));
  EXPECT_TRUE(r.in_extension);
  EXPECT_EQ(r.attribute, nullptr);
  EXPECT_EQ(r.sub, nullptr);

  r = MustResolve(UserResource(), kCustomFields);
  EXPECT_EQ(r.schema, UserResource().FindExtension(kCustomFields));
  EXPECT_EQ(r.attribute, nullptr);
}

TEST(ResourceSchemaTest, UnknownPathsResolveToNothing) {
  for (const std::string& path : std::vector<std::string>{
           "",
           "nope",
           ".",
           "name.",
           ".givenName",
           "name.nope",
           "name.givenName.extra",
           "userName.value",
           "emails[type eq \"work\"].value",
           // Extension attributes need their URN.
           "costCenter",
           "members",
           kCore,
           std::string(kCore) + ":",
           std::string(kCore) + ":nope",
           std::string(kEnterprise) + ":",
           std::string(kEnterprise) + ":nope",
           std::string(kEnterprise) + ":manager.nope",
           std::string(kEnterprise) + "x:costCenter",
           "urn:ietf:params:scim:schemas:extension:other:2.0:User:costCenter",
       }) {
    EXPECT_FALSE(ResolvePath(UserResource(), path).has_value()) << path;
  }
  EXPECT_FALSE(ResolvePath(GroupResource(), "userName").has_value());
  EXPECT_FALSE(
      ResolvePath(GroupResource(), std::string(kEnterprise) + ":costCenter")
          .has_value());
}

TEST(ResourceSchemaTest, ResolvesMixedCaseToCanonicalNames) {
  ResolvedPath r = MustResolve(UserResource(), "USERNAME");
  EXPECT_EQ(Name(r.attribute), "userName");

  r = MustResolve(UserResource(), "Name.GivenName");
  EXPECT_EQ(Name(r.attribute), "name");
  EXPECT_EQ(Name(r.sub), "givenName");

  r = MustResolve(
      UserResource(),
      "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:PhoneNumbers.Type");
  EXPECT_EQ(Name(r.attribute), "phoneNumbers");
  EXPECT_EQ(Name(r.sub), "type");

  r = MustResolve(UserResource(),
                  "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user:"
                  "Manager.DisplayName");
  EXPECT_EQ(r.schema, UserResource().FindExtension(kEnterprise));
  EXPECT_EQ(Name(r.attribute), "manager");
  EXPECT_EQ(Name(r.sub), "displayName");

  r = MustResolve(
      UserResource(),
      "urn:ietf:params:scim:schemas:extension:customfields:2.0:user");
  EXPECT_EQ(r.schema, UserResource().FindExtension(kCustomFields));

  const AttributeDef* emails = UserResource().core.Find("EMAILS");
  ASSERT_NE(emails, nullptr);
  EXPECT_EQ(emails->name, "emails");
  EXPECT_EQ(Name(emails->Sub("PRIMARY")), "primary");
  EXPECT_EQ(emails->Sub("nope"), nullptr);
  EXPECT_EQ(UserResource().core.Find("nope"), nullptr);
  const SchemaDef* travelperk = UserResource().FindExtension(
      "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:TRAVELPERK:2.0:USER");
  ASSERT_NE(travelperk, nullptr);
  EXPECT_EQ(travelperk->id, kTravelPerk);
  EXPECT_EQ(UserResource().FindExtension("urn:nope"), nullptr);
}

TEST(ResourceSchemaTest, IdIsReadOnlyAndAlwaysReturned) {
  const AttributeDef& id = UserAttr("id");
  EXPECT_EQ(id.mutability, Mutability::kReadOnly);
  EXPECT_EQ(id.returned, Returned::kAlways);
  EXPECT_EQ(id.uniqueness, Uniqueness::kServer);
  EXPECT_TRUE(id.case_exact);
  EXPECT_EQ(AttrAt(GroupResource(), "id").returned, Returned::kAlways);
  EXPECT_TRUE(UserAttr("externalId").case_exact);
  EXPECT_EQ(UserAttr("externalId").mutability, Mutability::kReadWrite);
}

TEST(ResourceSchemaTest, PasswordIsWriteOnlyAndNeverReturned) {
  const AttributeDef& password = UserAttr("password");
  EXPECT_EQ(password.mutability, Mutability::kWriteOnly);
  EXPECT_EQ(password.returned, Returned::kNever);
}

TEST(ResourceSchemaTest, GroupsAndMetaAreReadOnlyThroughout) {
  for (const char* path : {"groups", "meta"}) {
    const AttributeDef& a = UserAttr(path);
    EXPECT_EQ(a.type, AttrType::kComplex) << path;
    EXPECT_EQ(a.mutability, Mutability::kReadOnly) << path;
    EXPECT_EQ(a.returned, Returned::kDefault) << path;
    EXPECT_FALSE(a.sub_attributes.empty()) << path;
    for (const AttributeDef& sub : a.sub_attributes) {
      EXPECT_EQ(sub.mutability, Mutability::kReadOnly)
          << path << "." << sub.name;
    }
  }
  EXPECT_TRUE(UserAttr("groups").multi_valued);
  EXPECT_FALSE(UserAttr("meta").multi_valued);
  EXPECT_THAT(UserAttr("groups.$ref").reference_types,
              ElementsAre("User", "Group"));
  EXPECT_EQ(UserAttr("meta.location").type, AttrType::kReference);
  EXPECT_EQ(UserAttr("meta.created").type, AttrType::kDateTime);
}

TEST(ResourceSchemaTest, CharacteristicsClientsRelyOn) {
  EXPECT_TRUE(UserAttr("userName").required);
  EXPECT_EQ(UserAttr("userName").uniqueness, Uniqueness::kServer);
  EXPECT_FALSE(UserAttr("userName").case_exact);
  EXPECT_EQ(UserAttr("active").type, AttrType::kBoolean);
  EXPECT_EQ(UserAttr("profileUrl").type, AttrType::kReference);
  EXPECT_THAT(UserAttr("emails.type").canonical_values,
              ElementsAre("work", "home", "other"));
  EXPECT_THAT(UserAttr("phoneNumbers.type").canonical_values,
              ElementsAre("work", "home", "mobile", "fax", "pager", "other"));
  EXPECT_TRUE(UserAttr("roles").multi_valued);
  EXPECT_EQ(UserAttr("roles.primary").type, AttrType::kBoolean);
  EXPECT_EQ(UserAttr("x509Certificates.value").type, AttrType::kBinary);
  EXPECT_EQ(
      UserAttr(std::string(kEnterprise) + ":manager.displayName").mutability,
      Mutability::kReadOnly);
  EXPECT_EQ(UserAttr(std::string(kEnterprise) + ":manager.value").mutability,
            Mutability::kReadWrite);

  const AttributeDef& display_name = AttrAt(GroupResource(), "displayName");
  EXPECT_TRUE(display_name.required);
  EXPECT_EQ(display_name.uniqueness, Uniqueness::kServer);
  EXPECT_TRUE(AttrAt(GroupResource(), "members").multi_valued);
  EXPECT_EQ(AttrAt(GroupResource(), "members.value").mutability,
            Mutability::kImmutable);
  EXPECT_THAT(AttrAt(GroupResource(), "members.type").canonical_values,
              ElementsAre("User", "Group"));
}

// Every member of the JSON the server renders for a fully populated user is
// described by the table, so projection and PATCH know each one.
TEST(ResourceSchemaTest, TableDescribesEveryRenderedUserAttribute) {
  scim::identity::v1::User user;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        id: "u-1"
        external_id: "e-1"
        user_name: "ann@example.com"
        name {
          formatted: "f"
          family_name: "f"
          given_name: "g"
          middle_name: "m"
          honorific_prefix: "p"
          honorific_suffix: "s"
        }
        display_name: "d"
        nick_name: "n"
        profile_url: "https://example.com/ann"
        title: "t"
        user_type: "u"
        preferred_language: "en"
        locale: "en-GB"
        timezone: "Europe/London"
        active: true
        emails { value: "v" type: "work" primary: true display: "d" }
        phone_numbers { value: "v" type: "work" primary: true display: "d" }
        ims { value: "v" type: "skype" primary: true display: "d" }
        photos { value: "v" type: "photo" primary: true display: "d" }
        addresses {
          type: "work"
          primary: true
          formatted: "f"
          street_address: "s"
          locality: "l"
          region: "r"
          postal_code: "p"
          country: "GB"
        }
        entitlements { value: "v" type: "t" primary: true display: "d" }
        roles { value: "v" display: "d" type: "t" primary: true }
        groups { value: "g" display: "d" type: "direct" }
        enterprise {
          employee_number: "1"
          cost_center: "c"
          organization: "o"
          division: "d"
          department: "d"
          manager { value: "m" ref: "r" display_name: "d" }
        }
        citycity { gender: "Ms" user_group: "g" }
        travelperk {
          gender: "F"
          date_of_birth: "1990-01-01"
          invoice_profiles: "a"
          emergency_contact { name: "n" phone: "p" }
          travel_policy: "t"
        }
        meta {
          created {}
          last_modified {}
          version: 3
        }
      )pb",
      &user));
  value json = UserToJson(user, "https://example.com/scim/v2/Users/u-1");

  // `prefix` names the attribute's schema in paths ("" for core).
  auto check = [](const std::string& prefix, const std::string& key,
                  const value& v) {
    std::optional<ResolvedPath> r = ResolvePath(UserResource(), prefix + key);
    ASSERT_TRUE(r.has_value() && r->attribute != nullptr) << prefix << key;
    EXPECT_EQ(r->attribute->name, key);
    EXPECT_EQ(r->attribute->multi_valued, v.is_array()) << prefix << key;
    const value* element = &v;
    if (v.is_array()) element = &v.as_array().at(0);
    EXPECT_EQ(r->attribute->type == AttrType::kComplex, element->is_object())
        << prefix << key;
    if (!element->is_object()) return;
    for (const auto& [sub, unused] : element->as_object()) {
      std::optional<ResolvedPath> s =
          ResolvePath(UserResource(), prefix + key + "." + sub);
      ASSERT_TRUE(s.has_value() && s->sub != nullptr)
          << prefix << key << "." << sub;
      EXPECT_EQ(s->sub->name, sub);
    }
  };
  int extensions = 0;
  for (const auto& [key, v] : json.as_object()) {
    if (key == "schemas") continue;
    if (const SchemaDef* ext = UserResource().FindExtension(key)) {
      ++extensions;
      EXPECT_EQ(ext->id, key);
      for (const auto& [attr, attr_value] : v.as_object()) {
        check(key + ":", attr, attr_value);
      }
      continue;
    }
    check("", key, v);
  }
  EXPECT_EQ(extensions, 3);
}

}  // namespace
}  // namespace scim::edge
