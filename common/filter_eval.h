#ifndef SCIM_COMMON_FILTER_EVAL_H_
#define SCIM_COMMON_FILTER_EVAL_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/statusor.h"
#include "scim/common/v1/common.pb.h"

namespace scim {

// Whether `resource` (a User, or an element of one of its multi-valued
// attributes when evaluating a value filter) satisfies `filter`. Attribute
// names resolve case-insensitively against the proto's JSON names, so the
// SCIM names (userName, name.givenName, emails.value, URN-qualified extension
// attributes) work without a per-attribute table. An unknown attribute is
// INVALID_ARGUMENT with scimType invalidFilter.
//
// `pr` is true for a non-empty value, or a complex value (name, addresses)
// with anything set. `eq null` is true when the attribute is absent and
// `ne null` when present (RFC 7643 §2.5: unassigned and null are the same);
// null with any other operator, and true/false with gt/ge/lt/le, are
// invalidFilter. meta.resourceType, meta.version (the ETag, W/"3") and
// meta.location (relative: "/Users/<id>") are derived, caseExact as id and
// externalId are.
//
// Matching an empty message (a store's way of checking a filter before it
// reads records) validates the whole filter as ValidateFilter does.
absl::StatusOr<bool> Matches(const google::protobuf::Message& resource,
                             const scim::common::v1::Filter& filter);

// Checks every attribute path and literal of `filter` against the type of
// `prototype` (any message of the resource's type), not stopping at the
// first `and`/`or` operand that decides, so whether a filter is refused
// never depends on the data.
absl::Status ValidateFilter(const google::protobuf::Message& prototype,
                            const scim::common::v1::Filter& filter);

// What a resource sorts by for `sortBy` (RFC 7644 §3.4.2.3): the first
// value at the attribute path, strings compared ignoring case; a resource
// without a value sorts after every resource with one, in either order.
struct SortKey {
  bool present = false;
  // Values of different kinds (never within one attribute) order by kind.
  int kind = 0;
  std::string text;
  double number = 0;

  // Ascending order; absent keys last.
  bool Before(const SortKey& other, bool descending) const;
};

// The sort key of `resource` at `attribute`, or INVALID_ARGUMENT with
// scimType invalidValue when the attribute does not exist.
absl::StatusOr<SortKey> SortKeyOf(const google::protobuf::Message& resource,
                                  const std::string& attribute);

}  // namespace scim

#endif  // SCIM_COMMON_FILTER_EVAL_H_
