#ifndef SCIM_EDGE_PATCH_PATH_H_
#define SCIM_EDGE_PATCH_PATH_H_

#include <cpprest/json.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "edge/resource_schema.h"
#include "scim/common/v1/common.pb.h"

namespace scim::edge {

// The "path" of a PATCH operation (RFC 7644 §3.5.2) resolved against a
// resource's attribute tables:
//   attr | attr.sub | attr[filter] | attr[filter].sub
// each optionally URN-qualified, or an extension URN alone.
struct PatchPath {
  std::string text;  // as the client sent it, for error details
  // The core schema or the extension holding the attribute.
  const SchemaDef* schema = nullptr;
  bool in_extension = false;
  // nullptr when the path names a whole extension.
  const AttributeDef* attribute = nullptr;
  // The sub-attribute, from "attr.sub" or "attr[filter].sub"; or nullptr.
  const AttributeDef* sub = nullptr;
  // The value filter between the brackets, relative to one element.
  std::optional<scim::common::v1::Filter> filter;
  // Set for an attribute of an extension whose attributes are not known at
  // compile time (tenant custom fields): any scalar is accepted, and the
  // attribute keeps the name the client sent. `attribute` points here.
  std::shared_ptr<const AttributeDef> open_attribute;
};

// Parses and resolves `text`. Errors are INVALID_ARGUMENT with scimType
// invalidPath (malformed path, unknown attribute or sub-attribute, filter on
// a single-valued attribute) or invalidFilter (a bad filter in brackets);
// their details do not name the operation.
absl::StatusOr<PatchPath> ParsePatchPath(const std::string& text,
                                         const ResourceSchema& resource);

// The attribute `name` of `extension`, when it is an extension without an
// attribute table (tenant custom fields) and `name` is a plausible field id.
std::shared_ptr<const AttributeDef> OpenAttribute(const SchemaDef& extension,
                                                  const std::string& name);

// Checks that every attribute `filter` compares is a sub-attribute of the
// elements of `attribute` ("value" for a multi-valued simple attribute);
// invalidFilter otherwise.
absl::Status CheckValueFilter(const scim::common::v1::Filter& filter,
                              const AttributeDef& attribute);

// Whether one element of the multi-valued `attribute` matches `filter`
// (eq ne co sw ew pr gt ge lt le, and or not). Strings compare ignoring case
// unless the sub-attribute is caseExact.
bool MatchesFilter(const scim::common::v1::Filter& filter,
                   const web::json::value& element,
                   const AttributeDef& attribute);

// The element `filter` describes when it is only `eq` comparisons joined by
// `and` (type eq "work" and primary eq true -> {"type": "work", "primary":
// true}), so a PATCH can create the element it targets; nullopt otherwise.
std::optional<web::json::value> ElementFromFilter(
    const scim::common::v1::Filter& filter, const AttributeDef& attribute);

}  // namespace scim::edge

#endif  // SCIM_EDGE_PATCH_PATH_H_
