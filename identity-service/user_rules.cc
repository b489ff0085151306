#include "identity-service/user_rules.h"

#include <phonenumbers/phonenumberutil.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_map.h"
#include "identity-service/locations.h"

namespace scim::identity {
namespace {

namespace pb = scim::identity::v1;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr char kCustomFieldsUrn[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";
constexpr char kCityCityUrn[] =
    "urn:ietf:params:scim:schemas:extension:citycity:2.0:User";

absl::Status Invalid(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

std::string Policy(const pb::Tenant& tenant, const std::string& key) {
  auto it = tenant.policies().find(key);
  return it == tenant.policies().end() ? "" : it->second;
}

absl::Status ApplyGender(const pb::Tenant& tenant, pb::User* user) {
  static const char* kGenders[] = {"Mr", "Ms", "Mrs"};
  std::string given = user->citycity().gender();
  if (given.empty()) {
    std::string fallback = Policy(tenant, "default_gender");
    if (!fallback.empty()) user->mutable_citycity()->set_gender(fallback);
    return absl::OkStatus();
  }
  for (const char* g : kGenders) {
    if (absl::EqualsIgnoreCase(given, g)) {
      user->mutable_citycity()->set_gender(g);
      return absl::OkStatus();
    }
  }
  return Invalid(std::string(kCityCityUrn) + ":gender must be Mr, Ms or Mrs " +
                 "(any letter case); got '" + given + "'");
}

absl::Status CheckUserNameIsEmail(const pb::User& user) {
  const pb::MultiValue* chosen = nullptr;
  for (const auto& e : user.emails()) {
    if (absl::EqualsIgnoreCase(e.type(), "work") &&
        (chosen == nullptr || e.primary())) {
      chosen = &e;
    }
  }
  for (const auto& e : user.emails()) {
    if (chosen == nullptr && e.primary()) chosen = &e;
  }
  if (chosen == nullptr && user.emails_size() == 1) chosen = &user.emails(0);
  if (chosen == nullptr) {
    return Invalid(
        "this tenant requires userName to be the user's work "
        "email (policy username_is_email); send an emails entry "
        "of type work equal to userName '" +
        user.user_name() + "'");
  }
  if (!absl::EqualsIgnoreCase(chosen->value(), user.user_name())) {
    return Invalid("userName '" + user.user_name() +
                   "' must equal the work email '" + chosen->value() +
                   "' (policy username_is_email)");
  }
  return absl::OkStatus();
}

absl::Status CheckPhones(const std::string& mode, const pb::User& user) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  for (int i = 0; i < user.phone_numbers_size(); ++i) {
    const pb::MultiValue& phone = user.phone_numbers(i);
    std::string where =
        "phoneNumbers[type eq \"" +
        (phone.type().empty() ? std::string("other") : phone.type()) +
        "\"].value '" + phone.value() + "'";
    PhoneNumber parsed;
    // E.164 is a '+', the country code and the number; separators that
    // IdPs add for readability are tolerated, the stored value is not
    // rewritten.
    if (!absl::StartsWith(phone.value(), "+") ||
        util.Parse(phone.value(), "ZZ", &parsed) !=
            PhoneNumberUtil::NO_PARSING_ERROR ||
        !util.IsValidNumber(parsed)) {
      return Invalid(where +
                     " is not a valid E.164 number; send it as + country "
                     "code and number, e.g. +447400123456");
    }
    if (mode == "e164-mobile" &&
        absl::EqualsIgnoreCase(phone.type(), "mobile")) {
      auto type = util.GetNumberType(parsed);
      if (type != PhoneNumberUtil::MOBILE &&
          type != PhoneNumberUtil::FIXED_LINE_OR_MOBILE) {
        return Invalid(where +
                       " is not a mobile number (it is a landline or "
                       "another kind); send it as type work instead");
      }
    }
  }
  return absl::OkStatus();
}

void ApplyLanguage(const pb::Tenant& tenant, pb::User* user) {
  std::string list = Policy(tenant, "languages");
  if (list.empty()) return;
  for (absl::string_view lang : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(lang),
                               user->preferred_language())) {
      return;
    }
  }
  std::string fallback = Policy(tenant, "default_language");
  user->set_preferred_language(fallback.empty() ? "en" : fallback);
}

bool IsIsoDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  int year = std::stoi(s.substr(0, 4));
  int month = std::stoi(s.substr(5, 2));
  int day = std::stoi(s.substr(8, 2));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

absl::Status CheckField(const pb::CustomFieldDef& def,
                        pb::CustomFieldValue* value) {
  std::string path = std::string(kCustomFieldsUrn) + ":" + def.id();
  value->set_field_id(def.id());
  switch (def.type()) {
    case pb::CustomFieldDef::STRING:
      if (value->has_string_value()) return absl::OkStatus();
      return Invalid(path + " is a string field; send a JSON string");
    case pb::CustomFieldDef::NUMBER:
      if (value->has_number_value()) return absl::OkStatus();
      return Invalid(path + " is a number field; send a JSON number");
    case pb::CustomFieldDef::BOOLEAN:
      if (value->has_bool_value()) return absl::OkStatus();
      return Invalid(path + " is a boolean field; send true or false");
    case pb::CustomFieldDef::DATE: {
      std::string text = value->has_date_value()     ? value->date_value()
                         : value->has_string_value() ? value->string_value()
                                                     : "";
      if (!IsIsoDate(text)) {
        return Invalid(path + " is a date field; send \"YYYY-MM-DD\"");
      }
      value->set_date_value(text);
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status CheckCustomFields(const pb::Tenant& tenant, pb::User* user) {
  std::vector<std::string> known;
  for (const auto& def : tenant.custom_fields()) known.push_back(def.id());
  for (auto& value : *user->mutable_custom_fields()) {
    const pb::CustomFieldDef* def = nullptr;
    for (const auto& d : tenant.custom_fields()) {
      if (absl::EqualsIgnoreCase(d.id(), value.field_id())) def = &d;
    }
    if (def == nullptr) {
      return Invalid(std::string(kCustomFieldsUrn) + ":" + value.field_id() +
                     " is not a custom field of this tenant; " +
                     (known.empty()
                          ? std::string("it defines none (add one with: "
                                        "scimctl field add TENANT FIELD_ID "
                                        "--type string)")
                          : "its fields are " + absl::StrJoin(known, ", ")));
    }
    if (auto s = CheckField(*def, &value); !s.ok()) return s;
  }
  for (const auto& def : tenant.custom_fields()) {
    if (!def.required()) continue;
    bool present = false;
    for (const auto& value : user->custom_fields()) {
      present |= value.field_id() == def.id();
    }
    if (!present) {
      return Invalid(std::string(kCustomFieldsUrn) + ":" + def.id() +
                     " is required by this tenant; send a value for it");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyTenantRules(const pb::Tenant& tenant, pb::User* user) {
  if (auto s = ApplyGender(tenant, user); !s.ok()) return s;
  if (Policy(tenant, "username_is_email") == "true") {
    if (auto s = CheckUserNameIsEmail(*user); !s.ok()) return s;
  }
  std::string phones = Policy(tenant, "phone_validation");
  if (phones == "e164" || phones == "e164-mobile") {
    if (auto s = CheckPhones(phones, *user); !s.ok()) return s;
  }
  ApplyLanguage(tenant, user);
  if (auto s = CheckCustomFields(tenant, user); !s.ok()) return s;
  ComputeLocations(tenant, user);
  return absl::OkStatus();
}

}  // namespace scim::identity
