#ifndef SCIM_EDGE_BULK_HANDLER_H_
#define SCIM_EDGE_BULK_HANDLER_H_

#include <cpprest/http_msg.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "edge/groups_handler.h"
#include "edge/request_context.h"
#include "edge/users_handler.h"

namespace scim::edge {

inline constexpr int kBulkMaxOperations = 1000;

// One operation of a Bulk request (RFC 7644 §3.7.1).
struct BulkOperation {
  std::string method;  // upper-case
  std::string bulk_id;
  std::string version;
  std::string path;
  web::json::value data;
  bool has_data = false;
};

struct BulkRequest {
  // In request order; a malformed operation fails alone, as its own result.
  std::vector<absl::StatusOr<BulkOperation>> operations;
  int fail_on_errors = 0;  // 0: run every operation
};

// Parses a Bulk request body without running anything (the fuzz target's
// entry). Errors concern the whole request: not a JSON object, no
// BulkRequest schema or Operations list (invalidSyntax), more than
// kBulkMaxOperations (tooMany, answered 413), a bad failOnErrors.
absl::StatusOr<BulkRequest> ParseBulkRequest(const std::string& body);

// POST /Bulk (RFC 7644 §3.7): runs each operation through the same handlers
// as a single request would, resolving "bulkId:<id>" references to the ids
// earlier operations created, and stopping after `failOnErrors` failures.
class BulkHandler {
 public:
  BulkHandler(const UsersHandler* users, const GroupsHandler* groups)
      : users_(users), groups_(groups) {}

  web::http::http_response Handle(const web::http::method& method,
                                  const std::string& body,
                                  const RequestContext& ctx) const;

 private:
  const UsersHandler* users_;
  const GroupsHandler* groups_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_BULK_HANDLER_H_
