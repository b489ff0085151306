#ifndef SCIM_IDENTITY_SERVICE_FILTER_EVAL_H_
#define SCIM_IDENTITY_SERVICE_FILTER_EVAL_H_

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "scim/common/v1/common.pb.h"

namespace scim::identity {

// Whether `resource` (a User, or an element of one of its multi-valued
// attributes when evaluating a value filter) satisfies `filter`. Attribute
// names resolve case-insensitively against the proto's JSON names, so the
// SCIM names (userName, name.givenName, emails.value, URN-qualified extension
// attributes) work without a per-attribute table. An unknown attribute is
// INVALID_ARGUMENT with scimType invalidFilter.
absl::StatusOr<bool> Matches(const google::protobuf::Message& resource,
                             const scim::common::v1::Filter& filter);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_FILTER_EVAL_H_
