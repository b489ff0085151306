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
absl::StatusOr<bool> Matches(const google::protobuf::Message& resource,
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
