#include "edge/resource_schema.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "edge/user_json.h"

namespace scim::edge {
namespace {

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

// Builds one AttributeDef in a single expression, so each table below reads
// like the RFC's attribute listing instead of a page of field assignments.
class Attr {
 public:
  Attr(std::string name, AttrType type, std::string description) {
    def_.name = std::move(name);
    def_.type = type;
    def_.description = std::move(description);
  }

  Attr& MultiValued() {
    def_.multi_valued = true;
    return *this;
  }
  Attr& Required() {
    def_.required = true;
    return *this;
  }
  Attr& CaseExact() {
    def_.case_exact = true;
    return *this;
  }
  Attr& Mutable(Mutability m) {
    def_.mutability = m;
    return *this;
  }
  Attr& ReadOnly() { return Mutable(Mutability::kReadOnly); }
  Attr& Return(Returned r) {
    def_.returned = r;
    return *this;
  }
  Attr& Unique(Uniqueness u) {
    def_.uniqueness = u;
    return *this;
  }
  Attr& Canonical(std::vector<std::string> values) {
    def_.canonical_values = std::move(values);
    return *this;
  }
  Attr& References(std::vector<std::string> types) {
    def_.reference_types = std::move(types);
    return *this;
  }
  Attr& Subs(std::vector<AttributeDef> subs) {
    def_.sub_attributes = std::move(subs);
    return *this;
  }

  // A readOnly complex attribute makes every sub-attribute readOnly too,
  // so PATCH sees the same answer whether it asks the parent or the child.
  Attr& ReadOnlyAll() {
    ReadOnly();
    for (AttributeDef& sub : def_.sub_attributes) {
      sub.mutability = Mutability::kReadOnly;
    }
    return *this;
  }

  operator AttributeDef() const { return def_; }  // NOLINT: builder

 private:
  AttributeDef def_;
};

Attr String(std::string name, std::string description) {
  return Attr(std::move(name), AttrType::kString, std::move(description));
}

Attr Boolean(std::string name, std::string description) {
  return Attr(std::move(name), AttrType::kBoolean, std::move(description));
}

Attr Reference(std::string name, std::vector<std::string> types,
               std::string description) {
  Attr a(std::move(name), AttrType::kReference, std::move(description));
  a.References(std::move(types));
  return a;
}

Attr Complex(std::string name, std::vector<AttributeDef> subs,
             std::string description) {
  Attr a(std::move(name), AttrType::kComplex, std::move(description));
  a.Subs(std::move(subs));
  return a;
}

// ------------------------------------------------------ common attributes

// RFC 7643 §3.1: every resource carries id, externalId and meta.
std::vector<AttributeDef> CommonAttributes() {
  return {
      String("id",
             "Unique identifier for the SCIM resource as defined by the "
             "service provider.")
          .CaseExact()
          .ReadOnly()
          .Return(Returned::kAlways)
          .Unique(Uniqueness::kServer),
      String("externalId",
             "Identifier for the resource as defined by the provisioning "
             "client.")
          .CaseExact(),
      Complex(
          "meta",
          {
              String("resourceType", "The name of the resource type.")
                  .CaseExact(),
              Attr("created", AttrType::kDateTime,
                   "The date and time the resource was added to the service "
                   "provider."),
              Attr("lastModified", AttrType::kDateTime,
                   "The most recent date and time the resource was modified."),
              Reference("location", {"uri"}, "The URI of the resource.")
                  .CaseExact(),
              String("version",
                     "The version (ETag) of the resource, changed on every "
                     "write.")
                  .CaseExact(),
          },
          "Resource metadata.")
          .ReadOnlyAll(),
  };
}

// ---------------------------------------------------------------- User

// emails, phoneNumbers, ims, photos, entitlements, roles and
// x509Certificates share one shape (RFC 7643 §2.4).
AttributeDef MultiValuedComplex(std::string name, std::string description,
                                Attr value, std::vector<std::string> types) {
  return Complex(std::move(name),
                 {
                     value,
                     String("display",
                            "A human-readable name, primarily used for display "
                            "purposes."),
                     String("type",
                            "A label indicating the attribute's "
                            "function.")
                         .Canonical(std::move(types)),
                     Boolean("primary",
                             "Indicates the 'primary' or preferred value for "
                             "this attribute."),
                 },
                 std::move(description))
      .MultiValued();
}

AttributeDef NameAttribute() {
  return Complex(
      "name",
      {
          String("formatted",
                 "The full name, including all middle names, titles, and "
                 "suffixes as appropriate, formatted for display."),
          String("familyName", "The family name of the User."),
          String("givenName", "The given name of the User."),
          String("middleName", "The middle name(s) of the User."),
          String("honorificPrefix",
                 "The honorific prefix(es) of the User (e.g. 'Ms.')."),
          String("honorificSuffix",
                 "The honorific suffix(es) of the User (e.g. 'III')."),
      },
      "The components of the user's real name.");
}

AttributeDef AddressesAttribute() {
  return Complex(
             "addresses",
             {
                 String("formatted",
                        "The full mailing address, formatted for display."),
                 String("streetAddress", "The full street address component."),
                 String("locality", "The city or locality component."),
                 String("region", "The state or region component."),
                 String("postalCode", "The zip code or postal code component."),
                 String("country", "The country name component."),
                 String("type", "A label indicating the attribute's function.")
                     .Canonical({"work", "home", "other"}),
                 Boolean("primary",
                         "Indicates the 'primary' or preferred mailing "
                         "address."),
             },
             "A physical mailing address for this User.")
      .MultiValued();
}

AttributeDef GroupsAttribute() {
  return Complex("groups",
                 {
                     String("value", "The identifier of the User's group."),
                     Reference("$ref", {"User", "Group"},
                               "The URI of the corresponding 'Group' resource "
                               "to which the user belongs."),
                     String("display", "A human-readable name of the group."),
                     String("type",
                            "A label indicating the attribute's function, "
                            "e.g. 'direct' or 'indirect'.")
                         .Canonical({"direct", "indirect"}),
                 },
                 "A list of groups to which the user belongs, either through "
                 "direct membership or through nested groups.")
      .MultiValued()
      .ReadOnlyAll();
}

std::vector<AttributeDef> UserAttributes() {
  std::vector<AttributeDef> attrs = CommonAttributes();
  std::vector<AttributeDef> own = {
      String("userName",
             "Unique identifier for the User, typically used by the user to "
             "directly authenticate to the service provider.")
          .Required()
          .Unique(Uniqueness::kServer),
      NameAttribute(),
      String("displayName",
             "The name of the User, suitable for display to end-users."),
      String("nickName", "The casual way to address the user in real life."),
      Reference("profileUrl", {"external"},
                "A fully qualified URL pointing to a page representing the "
                "User's online profile."),
      String("title", "The user's title, such as \"Vice President\"."),
      String("userType",
             "Used to identify the relationship between the organization and "
             "the user."),
      String("preferredLanguage",
             "Indicates the User's preferred written or spoken language."),
      String("locale",
             "Used to indicate the User's default location for purposes of "
             "localizing items such as currency and date time format."),
      String("timezone",
             "The User's time zone in the 'Olson' time zone database format, "
             "e.g. 'America/Los_Angeles'."),
      Boolean("active",
              "A Boolean value indicating the User's administrative "
              "status."),
      String("password", "The User's cleartext password, never returned.")
          .Mutable(Mutability::kWriteOnly)
          .Return(Returned::kNever),
      MultiValuedComplex("emails", "Email addresses for the user.",
                         String("value", "Email address for the user."),
                         {"work", "home", "other"}),
      MultiValuedComplex("phoneNumbers", "Phone numbers for the User.",
                         String("value", "Phone number of the User."),
                         {"work", "home", "mobile", "fax", "pager", "other"}),
      MultiValuedComplex(
          "ims", "Instant messaging addresses for the User.",
          String("value", "Instant messaging address for the User."),
          {"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
      MultiValuedComplex(
          "photos", "URLs of photos of the User.",
          Reference("value", {"external"}, "URL of a photo of the User."),
          {"photo", "thumbnail"}),
      AddressesAttribute(),
      GroupsAttribute(),
      MultiValuedComplex("entitlements",
                         "A list of entitlements for the User that represent "
                         "a thing the User has.",
                         String("value", "The value of an entitlement."), {}),
      MultiValuedComplex("roles",
                         "A list of roles for the User that collectively "
                         "represent who the User is, e.g. 'Student', "
                         "'Faculty'.",
                         String("value", "The value of a role."), {}),
      MultiValuedComplex(
          "x509Certificates", "A list of certificates issued to the User.",
          Attr("value", AttrType::kBinary,
               "The value of an X.509 certificate (DER, base64)."),
          {}),
  };
  for (AttributeDef& a : own) attrs.push_back(std::move(a));
  return attrs;
}

SchemaDef EnterpriseSchema() {
  return {
      kEnterpriseUrn,
      "EnterpriseUser",
      "Enterprise User",
      {
          String("employeeNumber",
                 "Numeric or alphanumeric identifier assigned to a person, "
                 "typically based on order of hire or association with an "
                 "organization."),
          String("costCenter", "Identifies the name of a cost center."),
          String("organization", "Identifies the name of an organization."),
          String("division", "Identifies the name of a division."),
          String("department", "Identifies the name of a department."),
          Complex("manager",
                  {
                      String("value",
                             "The id of the SCIM resource "
                             "representing the User's manager."),
                      Reference("$ref", {"User"},
                                "The URI of the SCIM resource representing "
                                "the User's manager."),
                      String("displayName",
                             "The displayName of the User's "
                             "manager.")
                          .ReadOnly(),
                  },
                  "The User's manager."),
      },
  };
}

SchemaDef CityCitySchema() {
  return {
      kCityCityUrn,
      "CityCityUser",
      "CityCity travel profile: gender (title for bookings) and internal user "
      "group",
      {
          String("gender",
                 "Title/salutation used for bookings: Mr, Ms or Mrs "
                 "(case-insensitive).")
              .Canonical({"Mr", "Ms", "Mrs"}),
          // identity-service keeps it as User.citycity.user_group, one
          // value that internal services read over gRPC; it is not a SCIM
          // Group membership and grants no role.
          String("userGroup",
                 "The user's internal (CityCity) user group, a single value: "
                 "a write that sends it replaces the previous group, and a "
                 "PUT without it leaves the user in none. Not a SCIM Group "
                 "membership."),
      },
  };
}

SchemaDef TravelPerkSchema() {
  return {
      kTravelPerkUrn,
      "TravelPerkUser",
      "TravelPerk traveller profile",
      {
          String("gender", "The traveller's gender."),
          String("dateOfBirth", "The traveller's date of birth (YYYY-MM-DD)."),
          String("invoiceProfiles",
                 "Names of the invoice profiles the traveller may use.")
              .MultiValued(),
          Complex("emergencyContact",
                  {
                      String("name", "The emergency contact's name."),
                      String("phone", "The emergency contact's phone number."),
                  },
                  "Who to call in an emergency during a trip."),
          String("travelPolicy",
                 "The travel policy that applies to the "
                 "traveller."),
      },
  };
}

// What identity-service derives for a user from the tenant's settings:
// its locations (Proxyclick multi-location provisioning).
SchemaDef ProvisioningSchema() {
  return {
      kProvisioningUserSchema,
      "Provisioning",
      "What this platform derives for the user from the tenant's rules",
      {
          String("locations",
                 "Names of the tenant's locations whose rules take the user.")
              .MultiValued()
              .ReadOnly(),
          String("homeLocation",
                 "The location the user treats as home, if any.")
              .ReadOnly(),
      },
  };
}

// Its attributes are the tenant's custom field definitions, which are not
// known at compile time.
SchemaDef CustomFieldsSchema() {
  return {
      kCustomFieldsUrn,
      "CustomFields",
      "Tenant-defined custom fields, one attribute per field id",
      {},
  };
}

ResourceSchema BuildUser() {
  ResourceSchema r;
  r.name = "User";
  r.endpoint = "/Users";
  r.description = "User Account";
  r.core = SchemaDef{kUserUrn, "User", "User Account", UserAttributes()};
  r.extensions = {
      {EnterpriseSchema(), false},   {CustomFieldsSchema(), false},
      {CityCitySchema(), false},     {TravelPerkSchema(), false},
      {ProvisioningSchema(), false},
  };
  return r;
}

// ---------------------------------------------------------------- Group

ResourceSchema BuildGroup() {
  std::vector<AttributeDef> attrs = CommonAttributes();
  attrs.push_back(String("displayName", "A human-readable name for the Group.")
                      .Required()
                      .Unique(Uniqueness::kServer));
  attrs.push_back(
      Complex("members",
              {
                  String("value", "Identifier of the member of this Group.")
                      .Mutable(Mutability::kImmutable),
                  Reference("$ref", {"User", "Group"},
                            "The URI corresponding to a SCIM resource that is "
                            "a member of this Group.")
                      .Mutable(Mutability::kImmutable),
                  String("display", "A human-readable name of the member.")
                      .Mutable(Mutability::kImmutable),
                  String("type",
                         "A label indicating the type of resource, "
                         "e.g. 'User' or 'Group'.")
                      .Canonical({"User", "Group"})
                      .Mutable(Mutability::kImmutable),
              },
              "A list of members of the Group.")
          .MultiValued());
  ResourceSchema r;
  r.name = "Group";
  r.endpoint = "/Groups";
  r.description = "Group";
  r.core = SchemaDef{kGroupUrn, "Group", "Group", std::move(attrs)};
  return r;
}

// ------------------------------------------------------------- lookups

template <typename T>
const T* FindByName(const std::vector<T>& items, absl::string_view name) {
  for (const T& item : items) {
    if (absl::EqualsIgnoreCase(item.name, name)) return &item;
  }
  return nullptr;
}

// True when `path` is `urn` followed by ':' (ignoring case); `*rest` is
// then what follows the ':'.
bool ConsumeUrn(absl::string_view path, absl::string_view urn,
                absl::string_view* rest) {
  if (path.size() <= urn.size() || path[urn.size()] != ':' ||
      !absl::StartsWithIgnoreCase(path, urn)) {
    return false;
  }
  *rest = path.substr(urn.size() + 1);
  return true;
}

// Resolves "attr" or "attr.sub" inside one schema.
std::optional<ResolvedPath> ResolveIn(const SchemaDef& schema,
                                      bool in_extension,
                                      absl::string_view path) {
  absl::string_view attr_name = path;
  absl::string_view sub_name;
  bool has_sub = false;
  if (std::size_t dot = path.find('.'); dot != absl::string_view::npos) {
    attr_name = path.substr(0, dot);
    sub_name = path.substr(dot + 1);
    has_sub = true;
  }
  if (attr_name.empty()) return std::nullopt;
  ResolvedPath out;
  out.schema = &schema;
  out.in_extension = in_extension;
  out.attribute = FindByName(schema.attributes, attr_name);
  if (out.attribute == nullptr) return std::nullopt;
  if (has_sub) {
    // SCIM complex attributes nest one level only, so "a.b.c" names nothing.
    out.sub = FindByName(out.attribute->sub_attributes, sub_name);
    if (out.sub == nullptr) return std::nullopt;
  }
  return out;
}

}  // namespace

const AttributeDef* AttributeDef::Sub(const std::string& name) const {
  return FindByName(sub_attributes, name);
}

const AttributeDef* SchemaDef::Find(const std::string& name) const {
  return FindByName(attributes, name);
}

const SchemaDef* ResourceSchema::FindExtension(const std::string& urn) const {
  for (const Extension& ext : extensions) {
    if (absl::EqualsIgnoreCase(ext.schema.id, urn)) return &ext.schema;
  }
  return nullptr;
}

const ResourceSchema& UserResource() {
  static const ResourceSchema* const kUser = new ResourceSchema(BuildUser());
  return *kUser;
}

const ResourceSchema& GroupResource() {
  static const ResourceSchema* const kGroup = new ResourceSchema(BuildGroup());
  return *kGroup;
}

std::optional<ResolvedPath> ResolvePath(const ResourceSchema& resource,
                                        const std::string& path) {
  // URNs contain dots ("2.0") and colons, so known URNs are matched whole
  // before the remainder is split into attribute and sub-attribute.
  if (absl::StartsWithIgnoreCase(path, "urn:")) {
    absl::string_view rest;
    // The core URN alone names no attribute and no extension, so it is
    // left to fall through to nullopt.
    if (ConsumeUrn(path, resource.core.id, &rest)) {
      return ResolveIn(resource.core, /*in_extension=*/false, rest);
    }
    for (const ResourceSchema::Extension& ext : resource.extensions) {
      if (absl::EqualsIgnoreCase(path, ext.schema.id)) {
        ResolvedPath out;
        out.schema = &ext.schema;
        out.in_extension = true;
        return out;
      }
      if (ConsumeUrn(path, ext.schema.id, &rest)) {
        return ResolveIn(ext.schema, /*in_extension=*/true, rest);
      }
    }
    return std::nullopt;
  }
  return ResolveIn(resource.core, /*in_extension=*/false, path);
}

}  // namespace scim::edge
