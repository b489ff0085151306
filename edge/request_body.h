#ifndef SCIM_EDGE_REQUEST_BODY_H_
#define SCIM_EDGE_REQUEST_BODY_H_

#include <cpprest/json.h>

#include <string>

#include "absl/status/statusor.h"

namespace scim::edge {

// The body as a JSON object, or 400 invalidSyntax saying why it is not one.
absl::StatusOr<web::json::value> ParseJsonObject(const std::string& body);

// The member of `object` whose name equals `name` ignoring case, or nullptr.
// SCIM attribute names are case-insensitive (RFC 7643 §2.1).
const web::json::value* FindMember(const web::json::value& object,
                                   const std::string& name);

}  // namespace scim::edge

#endif  // SCIM_EDGE_REQUEST_BODY_H_
