#ifndef SCIM_EDGE_USER_JSON_H_
#define SCIM_EDGE_USER_JSON_H_

#include <cpprest/json.h>

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::edge {

inline constexpr char kUserSchema[] =
    "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr char kEnterpriseUserSchema[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
// Click Travel's custom fields: an object of field id -> value under this
// URN, or one top-level attribute per field named "<URN>:<FIELD-ID>".
inline constexpr char kCustomFieldsSchema[] =
    "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User";
inline constexpr char kCityCityUserSchema[] =
    "urn:ietf:params:scim:schemas:extension:citycity:2.0:User";
inline constexpr char kTravelPerkUserSchema[] =
    "urn:ietf:params:scim:schemas:extension:travelperk:2.0:User";
// Read-only attributes identity-service derives (locations).
inline constexpr char kProvisioningUserSchema[] =
    "urn:ietf:params:scim:schemas:extension:provisioning:2.0:User";
inline constexpr char kErrorSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:Error";
inline constexpr char kListResponseSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";

// Longest string value accepted for any attribute, in characters (UTF-8 code
// points). Bounds what one request can make the services store and index.
inline constexpr std::size_t kMaxAttributeLength = 2048;

// Parses a SCIM 2.0 User resource body as sent in POST/PUT. Attribute names
// are matched case-insensitively; unknown and readOnly attributes (id, meta,
// groups) are ignored; JSON null leaves an attribute unassigned. Errors are
// INVALID_ARGUMENT with scimType invalidSyntax (not an object, an attribute
// sent twice) or invalidValue (missing userName, wrong JSON type, NUL
// character, over-long string), and the detail names the attribute path.
absl::StatusOr<scim::identity::v1::User> UserFromJson(
    const web::json::value& body);

// Renders the SCIM 2.0 representation of `user`. `location` is the absolute
// URL of the resource (meta.location). Empty strings and unset messages are
// left out; `schemas` lists each extension whose data is present.
web::json::value UserToJson(const scim::identity::v1::User& user,
                            const std::string& location);

}  // namespace scim::edge

#endif  // SCIM_EDGE_USER_JSON_H_
