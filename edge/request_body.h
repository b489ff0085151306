#ifndef SCIM_EDGE_REQUEST_BODY_H_
#define SCIM_EDGE_REQUEST_BODY_H_

#include <cpprest/json.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace scim::edge {

// Limits every request body meets before anything else reads it. SCIM
// resources nest a handful of levels (a Bulk operation's data's extension's
// manager is six), and the JSON parser recurses once per level, so a deep
// body is refused before it is parsed.
inline constexpr int kMaxJsonDepth = 32;
// Operations of one PATCH; a larger change is several PATCH requests.
inline constexpr size_t kMaxPatchOperations = 1000;

// The body as a JSON object, or 400 saying why it is not one: not UTF-8,
// nested deeper than kMaxJsonDepth, not JSON, not an object (invalidSyntax),
// or a PATCH with more than kMaxPatchOperations operations (tooMany).
absl::StatusOr<web::json::value> ParseJsonObject(const std::string& body);

// The checks ParseJsonObject makes on the raw text before parsing it: UTF-8
// (no overlong forms, surrogates or code points above U+10FFFF) and nesting
// depth. Exposed for the fuzz targets and tests.
absl::Status CheckJsonText(std::string_view body);

// Byte offset of the first byte that does not start a well-formed UTF-8
// sequence, or std::string_view::npos.
size_t InvalidUtf8Offset(std::string_view text);

// The member of `object` whose name equals `name` ignoring case, or nullptr.
// SCIM attribute names are case-insensitive (RFC 7643 §2.1).
const web::json::value* FindMember(const web::json::value& object,
                                   const std::string& name);

}  // namespace scim::edge

#endif  // SCIM_EDGE_REQUEST_BODY_H_
