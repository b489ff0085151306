#ifndef SCIM_EDGE_FILTER_PARSER_H_
#define SCIM_EDGE_FILTER_PARSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "scim/common/v1/common.pb.h"

namespace scim::edge {

// Limits that keep hostile filters cheap to reject: the text is bounded in
// characters, and nesting (parentheses, 'not', value paths, and/or levels of
// the resulting tree) in levels, so parsing never recurses without bound.
inline constexpr int kMaxFilterLength = 4096;
inline constexpr int kMaxFilterDepth = 32;

// Parses a SCIM filter (RFC 7644 §3.4.2.2) into the proto tree evaluated by
// identity-service. `text` is the already URL-decoded query parameter.
//
// Keywords (operators, and/or/not, true/false/null) are case-insensitive.
// Attribute paths are kept verbatim, URN-qualified ones included; inside a
// value path's brackets they are relative to the element. Chains of one
// logical operator become one AND/OR node with several children.
//
// Errors are INVALID_ARGUMENT with scimType "invalidFilter"; those about a
// place in the text say "invalid filter at position N: ..." with N the
// 1-based character (not byte) position.
absl::StatusOr<scim::common::v1::Filter> ParseFilter(const std::string& text);

}  // namespace scim::edge

#endif  // SCIM_EDGE_FILTER_PARSER_H_
