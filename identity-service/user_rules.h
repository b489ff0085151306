#ifndef SCIM_IDENTITY_SERVICE_USER_RULES_H_
#define SCIM_IDENTITY_SERVICE_USER_RULES_H_

#include "absl/status/status.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::identity {

// The tenant's rules for a user about to be stored, applied to every write
// whoever the caller is (the edge or an internal service):
// - CityCity gender: Mr/Ms/Mrs in any case, normalised; `default_gender`
//   when absent; anything else refused.
// - `username_is_email`: userName must equal the work (or primary) email.
// - `phone_validation`: E.164 numbers; with e164-mobile a `mobile` must be
//   a mobile number. Values are stored exactly as sent.
// - `languages`/`default_language`: a preferredLanguage outside the list is
//   stored as the default.
// - Custom fields: only the tenant's fields, each of its type, required
//   ones present; ids take the tenant's spelling.
// - Locations: computed from the tenant's location rules.
// Refusals are INVALID_ARGUMENT with scimType invalidValue naming the
// attribute and what to send instead.
absl::Status ApplyTenantRules(const scim::identity::v1::Tenant& tenant,
                              scim::identity::v1::User* user);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_USER_RULES_H_
