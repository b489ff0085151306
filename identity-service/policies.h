#ifndef SCIM_IDENTITY_SERVICE_POLICIES_H_
#define SCIM_IDENTITY_SERVICE_POLICIES_H_

#include <google/protobuf/map.h>

#include <map>
#include <string>

#include "absl/status/status.h"

namespace scim::identity {

// The tenant policy keys of DESIGN.md with their defaults.
const std::map<std::string, std::string>& DefaultPolicies();

// OK when `key` is a known policy and `value` is allowed for it; otherwise an
// INVALID_ARGUMENT whose detail lists what is allowed.
absl::Status ValidatePolicy(const std::string& key, const std::string& value);

// Defaults overlaid with the tenant's own settings.
std::map<std::string, std::string> EffectivePolicies(
    const google::protobuf::Map<std::string, std::string>& set);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_POLICIES_H_
