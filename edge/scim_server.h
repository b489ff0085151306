#ifndef SCIM_EDGE_SCIM_SERVER_H_
#define SCIM_EDGE_SCIM_SERVER_H_

#include <cpprest/http_listener.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "edge/authenticator.h"
#include "edge/backends.h"
#include "edge/bulk_handler.h"
#include "edge/groups_handler.h"
#include "edge/users_handler.h"

namespace scim::edge {

struct EdgeOptions {
  // e.g. http://127.0.0.1:8080
  std::string listen_url;
  // The same directory is served under each, e.g. /scim/v2, /api/v2/scim, /v2.
  std::vector<std::string> base_paths;
  size_t max_body_bytes = 1 << 20;
};

// The SCIM HTTP front: routes requests, authenticates them, and hands them
// to the resource handlers. Owns no data.
class ScimServer {
 public:
  ScimServer(EdgeOptions options, const Backends* backends,
             Authenticator* authenticator);
  absl::Status Start();
  void Stop();

 private:
  void Handle(web::http::http_request request);
  web::http::http_response Dispatch(web::http::http_request& request,
                                    CallerInfo& caller);
  static bool IsDiscovery(const std::string& resource);
  // ServiceProviderConfig, ResourceTypes and Schemas, describing the
  // tenant's own extensions and custom fields.
  web::http::http_response Discover(const std::vector<std::string>& rest,
                                    const RequestContext& ctx) const;

  EdgeOptions options_;
  std::vector<std::vector<std::string>> base_segments_;
  const Backends* backends_;
  Authenticator* authenticator_;
  UsersHandler users_;
  GroupsHandler groups_;
  BulkHandler bulk_;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_SCIM_SERVER_H_
