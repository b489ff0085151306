#ifndef SCIM_IDENTITY_SERVICE_LOCATIONS_H_
#define SCIM_IDENTITY_SERVICE_LOCATIONS_H_

#include <string>

#include "absl/status/status.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::identity {

// Sets user.locations and user.home_location from the tenant's location
// rules (Proxyclick multi-location provisioning): a location takes a user
// when all (match_all) or any of its rules match, or always when it has no
// rules; of the user's locations, the first whose home rules match is home.
void ComputeLocations(const scim::identity::v1::Tenant& tenant,
                      scim::identity::v1::User* user);

// Refuses a location no rule engine should hold: empty names, rules
// without an attribute, operator or value.
absl::Status ValidateLocation(const scim::identity::v1::Location& location);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_LOCATIONS_H_
