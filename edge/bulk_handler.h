#ifndef SCIM_EDGE_BULK_HANDLER_H_
#define SCIM_EDGE_BULK_HANDLER_H_

#include <cpprest/http_msg.h>

#include <string>

#include "edge/groups_handler.h"
#include "edge/request_context.h"
#include "edge/users_handler.h"

namespace scim::edge {

inline constexpr int kBulkMaxOperations = 1000;

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
