#ifndef SCIM_EDGE_PATCH_ENGINE_H_
#define SCIM_EDGE_PATCH_ENGINE_H_

#include <cpprest/json.h>

#include "absl/status/status.h"
#include "edge/resource_schema.h"

namespace scim::edge {

// Applies a urn:ietf:params:scim:api:messages:2.0:PatchOp body (RFC 7644
// §3.5.2) to the SCIM JSON form of a resource, as Entra and Okta send it:
// op names in any letter case; paths with value filters
// (`emails[type eq "work"].value`, `members[value eq "..."]`);
// URN-qualified paths into extensions; operations without a path whose
// value is an object of attributes; "True"/"False" strings for booleans;
// the enterprise manager given as a bare id string or {"value": id}.
//
// All operations apply or none do: `resource` is changed only when every
// operation succeeded. Errors are INVALID_ARGUMENT with scimType
// invalidSyntax, invalidPath, invalidFilter, invalidValue, noTarget or
// mutability, and a detail that names the failing "Operations[i]".
absl::Status ApplyPatch(const web::json::value& patch,
                        const ResourceSchema& schema,
                        web::json::value* resource);

}  // namespace scim::edge

#endif  // SCIM_EDGE_PATCH_ENGINE_H_
