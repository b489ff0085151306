#include "identity-service/policies.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "common/status_map.h"

namespace scim::identity {
namespace {

// Allowed values of enumerated policies; others are checked by kind below.
const std::map<std::string, std::vector<std::string>>& Choices() {
  static const auto* choices =
      new std::map<std::string, std::vector<std::string>>{
          {"delete_mode", {"hard", "soft"}},
          {"username_is_email", {"true", "false"}},
          {"phone_validation", {"off", "e164", "e164-mobile"}},
          {"groups", {"disabled", "roles"}},
          {"patch_response", {"resource", "no-content"}},
          {"approver_from_manager", {"true", "false"}},
      };
  return *choices;
}

absl::Status Invalid(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

}  // namespace

const std::map<std::string, std::string>& DefaultPolicies() {
  static const auto* defaults = new std::map<std::string, std::string>{
      {"delete_mode", "hard"},
      {"username_is_email", "false"},
      {"phone_validation", "off"},
      {"languages", ""},
      {"default_language", "en"},
      {"groups", "roles"},
      {"patch_response", "resource"},
      {"default_gender", ""},
      {"approver_from_manager", "false"},
      {"page_size", "100"},
      {"max_page_size", "5000"},
  };
  return *defaults;
}

absl::Status ValidatePolicy(const std::string& key, const std::string& value) {
  const auto& defaults = DefaultPolicies();
  if (defaults.find(key) == defaults.end()) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : defaults) keys.push_back(k);
    return Invalid("unknown policy '" + key +
                   "'; known policies: " + absl::StrJoin(keys, ", "));
  }
  auto it = Choices().find(key);
  if (it != Choices().end()) {
    for (const auto& c : it->second) {
      if (c == value) return absl::OkStatus();
    }
    return Invalid("policy " + key + " cannot be '" + value +
                   "'; allowed: " + absl::StrJoin(it->second, ", "));
  }
  if (key == "page_size" || key == "max_page_size") {
    int n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < 1 || n > 100000) {
      return Invalid("policy " + key + " must be a whole number from 1 to " +
                     "100000, not '" + value + "'");
    }
  }
  if (key == "default_gender" && !value.empty() && value != "Mr" &&
      value != "Ms" && value != "Mrs") {
    return Invalid("policy default_gender must be empty, Mr, Ms or Mrs");
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> EffectivePolicies(
    const google::protobuf::Map<std::string, std::string>& set) {
  auto out = DefaultPolicies();
  for (const auto& [k, v] : set) out[k] = v;
  return out;
}

}  // namespace scim::identity
