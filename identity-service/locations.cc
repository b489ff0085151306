#include "identity-service/locations.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/status_map.h"

namespace scim::identity {
namespace {

namespace pb = scim::identity::v1;

// The work address's locality, else the primary address's, else the first.
std::string Locality(const pb::User& user) {
  const pb::Address* chosen = nullptr;
  for (const auto& a : user.addresses()) {
    if (absl::EqualsIgnoreCase(a.type(), "work")) return a.locality();
    if (chosen == nullptr || a.primary()) chosen = &a;
  }
  return chosen == nullptr ? "" : chosen->locality();
}

bool RuleMatches(const pb::LocationRule& rule, const pb::User& user) {
  std::string actual = rule.attribute() == pb::LocationRule::LOCALITY
                           ? Locality(user)
                           : user.preferred_language();
  std::string a = absl::AsciiStrToLower(absl::StripAsciiWhitespace(actual));
  std::string v =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(rule.value()));
  switch (rule.operator_()) {
    case pb::LocationRule::EQUALS:
      return a == v;
    case pb::LocationRule::CONTAINS:
      return absl::StrContains(a, v);
    case pb::LocationRule::NOT_CONTAINS:
      return !absl::StrContains(a, v);
    default:
      return false;
  }
}

bool RulesMatch(
    const google::protobuf::RepeatedPtrField<pb::LocationRule>& rules,
    bool match_all, const pb::User& user, bool empty_means) {
  if (rules.empty()) return empty_means;
  for (const auto& rule : rules) {
    bool m = RuleMatches(rule, user);
    if (match_all && !m) return false;
    if (!match_all && m) return true;
  }
  return match_all;
}

absl::Status Invalid(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

absl::Status ValidateRules(
    const google::protobuf::RepeatedPtrField<pb::LocationRule>& rules,
    const std::string& what) {
  for (const auto& r : rules) {
    if (r.attribute() == pb::LocationRule::ATTRIBUTE_UNSPECIFIED ||
        r.operator_() == pb::LocationRule::OPERATOR_UNSPECIFIED ||
        r.value().empty()) {
      return Invalid(what +
                     ": each rule needs an attribute (locality or language), "
                     "an operator (equals, contains, not-contains) and a "
                     "value");
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ComputeLocations(const pb::Tenant& tenant, pb::User* user) {
  user->clear_locations();
  user->clear_home_location();
  for (const auto& location : tenant.locations()) {
    if (!RulesMatch(location.rules(), location.match_all(), *user, true)) {
      continue;
    }
    user->add_locations(location.name());
    if (user->home_location().empty() &&
        RulesMatch(location.home_rules(), location.home_match_all(), *user,
                   false)) {
      user->set_home_location(location.name());
    }
  }
}

absl::Status ValidateLocation(const pb::Location& location) {
  std::string name(absl::StripAsciiWhitespace(location.name()));
  if (name.empty() || name.size() > 128) {
    return Invalid("a location name must have 1 to 128 characters");
  }
  if (auto s = ValidateRules(location.rules(), "location " + name); !s.ok()) {
    return s;
  }
  return ValidateRules(location.home_rules(), "home rules of location " + name);
}

}  // namespace scim::identity
