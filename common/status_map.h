#ifndef SCIM_COMMON_STATUS_MAP_H_
#define SCIM_COMMON_STATUS_MAP_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace scim {

// A SCIM scimType ("uniqueness", "invalidValue", ...) travels with a status:
// as an absl payload in process, as the `scim-type` trailing metadata on the
// wire.
absl::Status WithScimType(absl::Status status, std::string_view scim_type);
std::string ScimTypeOf(const absl::Status& status);

// Server side: answers an RPC with `status`, scimType included.
grpc::Status ReplyStatus(grpc::ServerContext* context,
                         const absl::Status& status);

// Client side: the status of a finished call, scimType included.
absl::Status FromGrpc(const grpc::ClientContext& context,
                      const grpc::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

// The HTTP status for a service status (DESIGN.md's error table).
int HttpStatusFor(absl::StatusCode code);

// Whether the HTTP answer for this code carries Retry-After.
bool IsRetryable(absl::StatusCode code);

}  // namespace scim

#endif  // SCIM_COMMON_STATUS_MAP_H_
