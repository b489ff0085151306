#include "edge/user_json.h"

#include <google/protobuf/repeated_ptr_field.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "edge/scim_response.h"

namespace scim::edge {
namespace {

namespace pb = scim::identity::v1;
using google::protobuf::RepeatedPtrField;
using web::json::value;

// ------------------------------------------------------------------ errors

absl::Status InvalidValue(std::string detail) {
  return WithScimType(absl::InvalidArgumentError(std::move(detail)),
                      "invalidValue");
}

absl::Status InvalidSyntax(std::string detail) {
  return WithScimType(absl::InvalidArgumentError(std::move(detail)),
                      "invalidSyntax");
}

// Counts UTF-8 code points so the limit means the same in every script.
std::size_t CharacterCount(absl::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Storage keys join values with NUL, so a NUL inside a value could forge a
// key; very long values bloat every index that holds them.
absl::Status CheckString(absl::string_view path, absl::string_view s) {
  if (s.find('\0') != absl::string_view::npos) {
    return InvalidValue(absl::StrCat(
        path, " contains a NUL character (\\u0000), which is not allowed"));
  }
  std::size_t length = CharacterCount(s);
  if (length > kMaxAttributeLength) {
    return InvalidValue(absl::StrCat(path, " is ", length,
                                     " characters long; the limit is ",
                                     kMaxAttributeLength));
  }
  return absl::OkStatus();
}

// Entra sends booleans as the strings "True" and "False".
std::optional<bool> AsBool(const value& v) {
  if (v.is_boolean()) return v.as_bool();
  if (v.is_string()) {
    if (absl::EqualsIgnoreCase(v.as_string(), "true")) return true;
    if (absl::EqualsIgnoreCase(v.as_string(), "false")) return false;
  }
  return std::nullopt;
}

// ------------------------------------------------------------------ reader

// Reads the attributes of one JSON object. Readers of one parse share a
// status that keeps the first error and turns every later read into a no-op,
// so parsing reads as a flat list of attributes instead of a ladder of early
// returns.
class Reader {
 public:
  // `prefix` is prepended to attribute names in error details: "" at the top,
  // "name." inside name, "<URN>:" inside an extension, "emails[0]." in an
  // element.
  Reader(const web::json::object& object, std::string prefix,
         absl::Status* status)
      : object_(&object), prefix_(std::move(prefix)), status_(status) {}

  const web::json::object& object() const { return *object_; }
  bool ok() const { return status_->ok(); }
  std::string Path(absl::string_view name) const {
    return absl::StrCat(prefix_, name);
  }

  // Records `error` unless an earlier one is recorded; returns whether the
  // parse is still error-free.
  bool Check(absl::Status error) const {
    if (status_->ok() && !error.ok()) *status_ = std::move(error);
    return ok();
  }

  Reader Child(const web::json::object& object, std::string prefix) const {
    return Reader(object, std::move(prefix), status_);
  }

  // The value of attribute `name`, matched case-insensitively (RFC 7643
  // section 2.1). nullptr when absent or null (both mean unassigned), or once
  // an error is recorded.
  const value* Find(absl::string_view name) const {
    if (!ok()) return nullptr;
    const value* found = nullptr;
    absl::string_view found_key;
    for (const auto& [key, v] : *object_) {
      if (!absl::EqualsIgnoreCase(key, name)) continue;
      if (found != nullptr) {
        // Either spelling could be the intended one; guessing would lose data.
        Check(InvalidSyntax(absl::StrCat(
            Path(name), " is sent twice (as '", found_key, "' and '", key,
            "'); attribute names are case-insensitive, so send it once")));
        return nullptr;
      }
      found = &v;
      found_key = key;
    }
    return found == nullptr || found->is_null() ? nullptr : found;
  }

  void String(absl::string_view name, std::string* out) const {
    const value* v = Find(name);
    if (v == nullptr) return;
    if (!v->is_string()) {
      Check(TypeError(name, "a string"));
      return;
    }
    if (Check(CheckString(Path(name), v->as_string()))) *out = v->as_string();
  }

  std::optional<bool> Bool(absl::string_view name) const {
    const value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    std::optional<bool> b = AsBool(*v);
    if (!b.has_value()) Check(TypeError(name, "a boolean (true or false)"));
    return b;
  }

  // The complex attribute `name`; nullopt when unassigned or on error.
  std::optional<Reader> Object(absl::string_view name) const {
    return ObjectWithPrefix(name, Path(name) + ".");
  }

  // An extension's attributes are written "<URN>:<attribute>" in SCIM paths.
  std::optional<Reader> Extension(absl::string_view urn) const {
    return ObjectWithPrefix(urn, absl::StrCat(urn, ":"));
  }

  const web::json::array* Array(absl::string_view name) const {
    const value* v = Find(name);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      Check(TypeError(name, "an array"));
      return nullptr;
    }
    return &v->as_array();
  }

  // The elements of the multi-valued complex attribute `name`. Null elements
  // are skipped like any unassigned value.
  std::vector<Reader> Elements(absl::string_view name) const {
    std::vector<Reader> out;
    const web::json::array* elements = Array(name);
    if (elements == nullptr) return out;
    for (std::size_t i = 0; i < elements->size(); ++i) {
      const value& element = elements->at(i);
      if (element.is_null()) continue;
      std::string path = absl::StrCat(Path(name), "[", i, "]");
      if (!element.is_object()) {
        Check(InvalidValue(path + " must be an object"));
        return {};
      }
      out.push_back(Child(element.as_object(), path + "."));
    }
    return out;
  }

 private:
  absl::Status TypeError(absl::string_view name,
                         absl::string_view expected) const {
    return InvalidValue(absl::StrCat(Path(name), " must be ", expected));
  }

  std::optional<Reader> ObjectWithPrefix(absl::string_view name,
                                         std::string prefix) const {
    const value* v = Find(name);
    if (v == nullptr) return std::nullopt;
    if (!v->is_object()) {
      Check(TypeError(name, "an object"));
      return std::nullopt;
    }
    return Child(v->as_object(), std::move(prefix));
  }

  const web::json::object* object_;
  std::string prefix_;
  absl::Status* status_;
};

// ------------------------------------------------------------------ parsing

void ReadSchemas(const Reader& r) {
  const web::json::array* schemas = r.Array("schemas");
  if (schemas == nullptr) return;
  for (std::size_t i = 0; i < schemas->size(); ++i) {
    if (!schemas->at(i).is_string()) {
      r.Check(InvalidValue(
          absl::StrCat("schemas[", i, "] must be a string (a schema URN)")));
      return;
    }
  }
}

void ReadUserName(const Reader& r, pb::User* user) {
  r.String("userName", user->mutable_user_name());
  if (r.ok() && absl::StripAsciiWhitespace(user->user_name()).empty()) {
    r.Check(InvalidValue(
        "userName is required: send the user's unique sign-in name, "
        "typically the work email address, as a non-empty string"));
  }
}

void ReadSingularStrings(const Reader& r, pb::User* user) {
  r.String("externalId", user->mutable_external_id());
  r.String("displayName", user->mutable_display_name());
  r.String("nickName", user->mutable_nick_name());
  r.String("profileUrl", user->mutable_profile_url());
  r.String("title", user->mutable_title());
  r.String("userType", user->mutable_user_type());
  r.String("preferredLanguage", user->mutable_preferred_language());
  r.String("locale", user->mutable_locale());
  r.String("timezone", user->mutable_timezone());
}

void ReadName(const Reader& r, pb::User* user) {
  std::optional<Reader> name = r.Object("name");
  if (!name.has_value()) return;
  pb::Name* n = user->mutable_name();
  name->String("formatted", n->mutable_formatted());
  name->String("familyName", n->mutable_family_name());
  name->String("givenName", n->mutable_given_name());
  name->String("middleName", n->mutable_middle_name());
  name->String("honorificPrefix", n->mutable_honorific_prefix());
  name->String("honorificSuffix", n->mutable_honorific_suffix());
}

void ReadActive(const Reader& r, pb::User* user) {
  if (std::optional<bool> active = r.Bool("active")) user->set_active(*active);
}

// Appends a fresh element to `out` for each element of `name`, dropping those
// that carry nothing (every sub-attribute null or absent).
template <typename T, typename ReadElement>
void ReadElements(const Reader& r, absl::string_view name,
                  RepeatedPtrField<T>* out, ReadElement read) {
  for (const Reader& element : r.Elements(name)) {
    T item;
    read(element, &item);
    if (item.ByteSizeLong() > 0) *out->Add() = std::move(item);
  }
}

void ReadMultiValue(const Reader& r, pb::MultiValue* v) {
  r.String("value", v->mutable_value());
  r.String("type", v->mutable_type());
  r.String("display", v->mutable_display());
  if (std::optional<bool> primary = r.Bool("primary")) v->set_primary(*primary);
}

void ReadAddress(const Reader& r, pb::Address* a) {
  r.String("type", a->mutable_type());
  if (std::optional<bool> primary = r.Bool("primary")) a->set_primary(*primary);
  r.String("formatted", a->mutable_formatted());
  r.String("streetAddress", a->mutable_street_address());
  r.String("locality", a->mutable_locality());
  r.String("region", a->mutable_region());
  r.String("postalCode", a->mutable_postal_code());
  r.String("country", a->mutable_country());
}

void ReadRole(const Reader& r, pb::RoleAssignment* role) {
  r.String("value", role->mutable_value());
  r.String("display", role->mutable_display());
  r.String("type", role->mutable_type());
  if (std::optional<bool> primary = r.Bool("primary")) {
    role->set_primary(*primary);
  }
}

void ReadMultiValued(const Reader& r, pb::User* user) {
  ReadElements(r, "emails", user->mutable_emails(), ReadMultiValue);
  ReadElements(r, "phoneNumbers", user->mutable_phone_numbers(),
               ReadMultiValue);
  ReadElements(r, "ims", user->mutable_ims(), ReadMultiValue);
  ReadElements(r, "photos", user->mutable_photos(), ReadMultiValue);
  ReadElements(r, "addresses", user->mutable_addresses(), ReadAddress);
  ReadElements(r, "entitlements", user->mutable_entitlements(), ReadMultiValue);
  ReadElements(r, "roles", user->mutable_roles(), ReadRole);
}

// RFC 7643 makes manager complex, but PATCH-minded clients send the bare id.
void ReadManager(const Reader& r, pb::EnterpriseUser* enterprise) {
  const value* v = r.Find("manager");
  if (v == nullptr) return;
  std::string path = r.Path("manager");
  if (v->is_string()) {
    if (r.Check(CheckString(path, v->as_string())) && !v->as_string().empty()) {
      enterprise->mutable_manager()->set_value(v->as_string());
    }
    return;
  }
  if (!v->is_object()) {
    r.Check(InvalidValue(
        path +
        " must be an object {\"value\": \"<manager id>\"} or a string "
        "(the manager's id)"));
    return;
  }
  Reader m = r.Child(v->as_object(), path + ".");
  pb::Manager* manager = enterprise->mutable_manager();
  m.String("value", manager->mutable_value());
  m.String("$ref", manager->mutable_ref());
  m.String("displayName", manager->mutable_display_name());
}

void ReadEnterprise(const Reader& r, pb::User* user) {
  std::optional<Reader> ext = r.Extension(kEnterpriseUserSchema);
  if (!ext.has_value()) return;
  pb::EnterpriseUser* e = user->mutable_enterprise();
  ext->String("employeeNumber", e->mutable_employee_number());
  ext->String("costCenter", e->mutable_cost_center());
  ext->String("organization", e->mutable_organization());
  ext->String("division", e->mutable_division());
  ext->String("department", e->mutable_department());
  ReadManager(*ext, e);
}

void ReadCityCity(const Reader& r, pb::User* user) {
  std::optional<Reader> ext = r.Extension(kCityCityUserSchema);
  if (!ext.has_value()) return;
  pb::CityCityUser* c = user->mutable_citycity();
  ext->String("gender", c->mutable_gender());
  ext->String("userGroup", c->mutable_user_group());
}

// Entra sends a multi-valued string as plain strings; other clients wrap each
// one as {"value": ...}. Empty entries name no profile and are dropped.
void ReadInvoiceProfiles(const Reader& r, pb::TravelPerkUser* travelperk) {
  const web::json::array* profiles = r.Array("invoiceProfiles");
  if (profiles == nullptr) return;
  for (std::size_t i = 0; i < profiles->size() && r.ok(); ++i) {
    const value& element = profiles->at(i);
    std::string path = absl::StrCat(r.Path("invoiceProfiles"), "[", i, "]");
    std::string profile;
    if (element.is_null()) {
      continue;
    } else if (element.is_string()) {
      if (!r.Check(CheckString(path, element.as_string()))) return;
      profile = element.as_string();
    } else if (element.is_object()) {
      r.Child(element.as_object(), path + ".").String("value", &profile);
    } else {
      r.Check(InvalidValue(
          path + " must be a string or an object with a string \"value\""));
      return;
    }
    if (!profile.empty()) travelperk->add_invoice_profiles(std::move(profile));
  }
}

void ReadTravelPerk(const Reader& r, pb::User* user) {
  std::optional<Reader> ext = r.Extension(kTravelPerkUserSchema);
  if (!ext.has_value()) return;
  pb::TravelPerkUser* t = user->mutable_travelperk();
  ext->String("gender", t->mutable_gender());
  ext->String("dateOfBirth", t->mutable_date_of_birth());
  ReadInvoiceProfiles(*ext, t);
  if (std::optional<Reader> contact = ext->Object("emergencyContact")) {
    pb::EmergencyContact* c = t->mutable_emergency_contact();
    contact->String("name", c->mutable_name());
    contact->String("phone", c->mutable_phone());
  }
  ext->String("travelPolicy", t->mutable_travel_policy());
}

// Custom fields arrive in two spellings (an object under the URN, or one
// "<URN>:<FIELD-ID>" attribute each), possibly both in one body.
class CustomFieldReader {
 public:
  CustomFieldReader(const Reader& r, pb::User* user) : r_(r), user_(user) {}

  void ReadAll() {
    if (std::optional<Reader> ext = r_.Extension(kCustomFieldsSchema)) {
      for (const auto& [field_id, v] : ext->object()) Add(field_id, v);
    }
    const std::string prefix = absl::StrCat(kCustomFieldsSchema, ":");
    for (const auto& [key, v] : r_.object()) {
      if (absl::StartsWithIgnoreCase(key, prefix)) {
        Add(key.substr(prefix.size()), v);
      }
    }
    // JSON member order means nothing; a canonical order keeps equal users
    // equal as messages, whichever order their fields were sent in.
    std::sort(user_->mutable_custom_fields()->begin(),
              user_->mutable_custom_fields()->end(),
              [](const pb::CustomFieldValue& a, const pb::CustomFieldValue& b) {
                return a.field_id() < b.field_id();
              });
  }

 private:
  void Add(const std::string& field_id, const value& v) {
    if (!r_.ok() || v.is_null()) return;
    if (field_id.empty()) {
      r_.Check(InvalidValue(
          absl::StrCat("a custom field attribute has no field id; send it as ",
                       kCustomFieldsSchema, ":<FIELD-ID>")));
      return;
    }
    // Checked before it becomes part of a path, so no error detail echoes a
    // NUL or an over-long id back.
    if (!r_.Check(CheckString("a custom field id", field_id))) return;
    std::string path = absl::StrCat(kCustomFieldsSchema, ":", field_id);
    pb::CustomFieldValue field;
    field.set_field_id(field_id);
    if (!r_.Check(SetValue(path, v, &field))) return;
    auto [it, inserted] = index_.emplace(field_id, user_->custom_fields_size());
    if (inserted) {
      *user_->add_custom_fields() = std::move(field);
    } else if (!google::protobuf::util::MessageDifferencer::Equals(
                   user_->custom_fields(it->second), field)) {
      r_.Check(InvalidValue(
          absl::StrCat(path, " is sent twice with different values")));
    }
  }

  // The field's declared type lives with the tenant's field definitions, so
  // the JSON type is kept as sent and checked against it downstream.
  static absl::Status SetValue(absl::string_view path, const value& v,
                               pb::CustomFieldValue* field) {
    if (v.is_string()) {
      absl::Status checked = CheckString(path, v.as_string());
      if (checked.ok()) field->set_string_value(v.as_string());
      return checked;
    }
    if (v.is_boolean()) {
      field->set_bool_value(v.as_bool());
    } else if (v.is_number()) {
      field->set_number_value(v.as_double());
    } else {
      return InvalidValue(
          absl::StrCat(path, " must be a string, number or boolean"));
    }
    return absl::OkStatus();
  }

  const Reader& r_;
  pb::User* user_;
  // Field id -> index in user_->custom_fields(), to spot repeats cheaply.
  std::unordered_map<std::string, int> index_;
};

// ---------------------------------------------------------------- rendering

// Keeps insertion order so the output reads like RFC 7643's examples, with
// schemas and id first.
value NewObject() { return value::object(/*keep_order=*/true); }

void PutString(value* object, const char* key, const std::string& s) {
  if (!s.empty()) (*object)[key] = value::string(s);
}

void PutPrimary(value* object, bool primary) {
  if (primary) (*object)["primary"] = value::boolean(true);
}

void PutObject(value* object, const char* key, value child) {
  if (child.size() > 0) (*object)[key] = std::move(child);
}

template <typename T, typename Render>
void PutArray(value* object, const char* key, const RepeatedPtrField<T>& items,
              Render render) {
  if (items.empty()) return;
  std::vector<value> elements;
  elements.reserve(items.size());
  for (const T& item : items) elements.push_back(render(item));
  (*object)[key] = value::array(std::move(elements));
}

value NameJson(const pb::Name& name) {
  value out = NewObject();
  PutString(&out, "formatted", name.formatted());
  PutString(&out, "familyName", name.family_name());
  PutString(&out, "givenName", name.given_name());
  PutString(&out, "middleName", name.middle_name());
  PutString(&out, "honorificPrefix", name.honorific_prefix());
  PutString(&out, "honorificSuffix", name.honorific_suffix());
  return out;
}

value MultiValueJson(const pb::MultiValue& v) {
  value out = NewObject();
  PutString(&out, "value", v.value());
  PutString(&out, "type", v.type());
  PutPrimary(&out, v.primary());
  PutString(&out, "display", v.display());
  return out;
}

value AddressJson(const pb::Address& a) {
  value out = NewObject();
  PutString(&out, "type", a.type());
  PutPrimary(&out, a.primary());
  PutString(&out, "formatted", a.formatted());
  PutString(&out, "streetAddress", a.street_address());
  PutString(&out, "locality", a.locality());
  PutString(&out, "region", a.region());
  PutString(&out, "postalCode", a.postal_code());
  PutString(&out, "country", a.country());
  return out;
}

value RoleJson(const pb::RoleAssignment& role) {
  value out = NewObject();
  PutString(&out, "value", role.value());
  PutString(&out, "display", role.display());
  PutString(&out, "type", role.type());
  PutPrimary(&out, role.primary());
  return out;
}

value GroupJson(const pb::GroupMembership& group) {
  value out = NewObject();
  PutString(&out, "value", group.value());
  PutString(&out, "display", group.display());
  PutString(&out, "type", group.type());
  return out;
}

value EnterpriseJson(const pb::EnterpriseUser& e) {
  value out = NewObject();
  PutString(&out, "employeeNumber", e.employee_number());
  PutString(&out, "costCenter", e.cost_center());
  PutString(&out, "organization", e.organization());
  PutString(&out, "division", e.division());
  PutString(&out, "department", e.department());
  if (e.has_manager()) {
    value manager = NewObject();
    PutString(&manager, "value", e.manager().value());
    PutString(&manager, "$ref", e.manager().ref());
    PutString(&manager, "displayName", e.manager().display_name());
    PutObject(&out, "manager", std::move(manager));
  }
  return out;
}

// Whole numbers print without a fraction ("42", not "42.0"), as clients
// that sent them expect to read them back.
value NumberJson(double n) {
  constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53
  if (std::trunc(n) == n && std::fabs(n) <= kExactIntegerLimit) {
    return value::number(static_cast<int64_t>(n));
  }
  return value::number(n);
}

value CustomFieldsJson(const RepeatedPtrField<pb::CustomFieldValue>& fields) {
  value out = NewObject();
  for (const pb::CustomFieldValue& field : fields) {
    switch (field.value_case()) {
      case pb::CustomFieldValue::kStringValue:
        out[field.field_id()] = value::string(field.string_value());
        break;
      case pb::CustomFieldValue::kNumberValue:
        out[field.field_id()] = NumberJson(field.number_value());
        break;
      case pb::CustomFieldValue::kBoolValue:
        out[field.field_id()] = value::boolean(field.bool_value());
        break;
      case pb::CustomFieldValue::kDateValue:
        out[field.field_id()] = value::string(field.date_value());
        break;
      case pb::CustomFieldValue::VALUE_NOT_SET:
        break;
    }
  }
  return out;
}

value CityCityJson(const pb::CityCityUser& c) {
  value out = NewObject();
  PutString(&out, "gender", c.gender());
  PutString(&out, "userGroup", c.user_group());
  return out;
}

value TravelPerkJson(const pb::TravelPerkUser& t) {
  value out = NewObject();
  PutString(&out, "gender", t.gender());
  PutString(&out, "dateOfBirth", t.date_of_birth());
  if (!t.invoice_profiles().empty()) {
    std::vector<value> profiles;
    for (const std::string& p : t.invoice_profiles()) {
      profiles.push_back(value::string(p));
    }
    out["invoiceProfiles"] = value::array(std::move(profiles));
  }
  if (t.has_emergency_contact()) {
    value contact = NewObject();
    PutString(&contact, "name", t.emergency_contact().name());
    PutString(&contact, "phone", t.emergency_contact().phone());
    PutObject(&out, "emergencyContact", std::move(contact));
  }
  PutString(&out, "travelPolicy", t.travel_policy());
  return out;
}

value SchemasJson(const pb::User& user) {
  std::vector<value> schemas = {value::string(kUserSchema)};
  if (user.has_enterprise()) {
    schemas.push_back(value::string(kEnterpriseUserSchema));
  }
  if (!user.custom_fields().empty()) {
    schemas.push_back(value::string(kCustomFieldsSchema));
  }
  if (user.has_citycity()) {
    schemas.push_back(value::string(kCityCityUserSchema));
  }
  if (user.has_travelperk()) {
    schemas.push_back(value::string(kTravelPerkUserSchema));
  }
  if (!user.locations().empty()) {
    schemas.push_back(value::string(kProvisioningUserSchema));
  }
  return value::array(std::move(schemas));
}

void PutCoreAttributes(const pb::User& user, value* out) {
  PutString(out, "id", user.id());
  PutString(out, "externalId", user.external_id());
  PutString(out, "userName", user.user_name());
  if (user.has_name()) PutObject(out, "name", NameJson(user.name()));
  PutString(out, "displayName", user.display_name());
  PutString(out, "nickName", user.nick_name());
  PutString(out, "profileUrl", user.profile_url());
  PutString(out, "title", user.title());
  PutString(out, "userType", user.user_type());
  PutString(out, "preferredLanguage", user.preferred_language());
  PutString(out, "locale", user.locale());
  PutString(out, "timezone", user.timezone());
  // Absent means active: a user is active unless told otherwise.
  (*out)["active"] = value::boolean(!user.has_active() || user.active());
  PutArray(out, "emails", user.emails(), MultiValueJson);
  PutArray(out, "phoneNumbers", user.phone_numbers(), MultiValueJson);
  PutArray(out, "ims", user.ims(), MultiValueJson);
  PutArray(out, "photos", user.photos(), MultiValueJson);
  PutArray(out, "addresses", user.addresses(), AddressJson);
  PutArray(out, "entitlements", user.entitlements(), MultiValueJson);
  PutArray(out, "roles", user.roles(), RoleJson);
  PutArray(out, "groups", user.groups(), GroupJson);
}

void PutExtensions(const pb::User& user, value* out) {
  if (user.has_enterprise()) {
    (*out)[kEnterpriseUserSchema] = EnterpriseJson(user.enterprise());
  }
  if (!user.custom_fields().empty()) {
    (*out)[kCustomFieldsSchema] = CustomFieldsJson(user.custom_fields());
  }
  if (user.has_citycity()) {
    (*out)[kCityCityUserSchema] = CityCityJson(user.citycity());
  }
  if (user.has_travelperk()) {
    (*out)[kTravelPerkUserSchema] = TravelPerkJson(user.travelperk());
  }
  if (!user.locations().empty()) {
    value derived = NewObject();
    std::vector<value> names;
    for (const auto& name : user.locations()) {
      names.push_back(value::string(name));
    }
    derived["locations"] = value::array(std::move(names));
    PutString(&derived, "homeLocation", user.home_location());
    (*out)[kProvisioningUserSchema] = std::move(derived);
  }
}

}  // namespace

absl::StatusOr<pb::User> UserFromJson(const value& body) {
  if (!body.is_object()) {
    return InvalidSyntax(
        "the request body must be a JSON object holding a SCIM User resource "
        "({\"schemas\": [\"" +
        std::string(kUserSchema) + "\"], \"userName\": ...})");
  }
  absl::Status status;
  Reader r(body.as_object(), "", &status);
  pb::User user;
  ReadSchemas(r);
  ReadUserName(r, &user);
  ReadSingularStrings(r, &user);
  ReadName(r, &user);
  ReadActive(r, &user);
  ReadMultiValued(r, &user);
  ReadEnterprise(r, &user);
  CustomFieldReader(r, &user).ReadAll();
  ReadCityCity(r, &user);
  ReadTravelPerk(r, &user);
  if (!status.ok()) return status;
  return user;
}

value UserToJson(const pb::User& user, const std::string& location) {
  value out = NewObject();
  out["schemas"] = SchemasJson(user);
  PutCoreAttributes(user, &out);
  PutExtensions(user, &out);
  out["meta"] = MetaToJson(user.meta(), "User", location);
  return out;
}

}  // namespace scim::edge
