#ifndef SCIM_EDGE_USERS_HANDLER_H_
#define SCIM_EDGE_USERS_HANDLER_H_

#include <cpprest/http_msg.h>

#include <optional>
#include <string>
#include <vector>

#include "edge/backends.h"
#include "edge/list_params.h"
#include "edge/projection.h"
#include "edge/request_context.h"

namespace scim::edge {

// /Users: create, read, list and search with filters, sorting and paging,
// replace, patch, delete.
class UsersHandler {
 public:
  explicit UsersHandler(const Backends* backends) : backends_(backends) {}

  // `id` is empty for the collection and ".search" for POST /Users/.search.
  // `body` is the raw request body.
  web::http::http_response Handle(const web::http::method& method,
                                  const std::string& id,
                                  const std::string& body,
                                  const RequestContext& ctx) const;

 private:
  web::http::http_response Create(const std::string& body,
                                  const RequestContext& ctx) const;
  web::http::http_response Get(const std::string& id,
                               const RequestContext& ctx) const;
  web::http::http_response List(const ListParams& params,
                                const RequestContext& ctx) const;
  // The page `userName eq` answers (the whole result being that one user),
  // when the user cache has that user.
  std::optional<std::vector<std::string>> ListCachedUserName(
      const std::string& user_name, const ListParams& params,
      const RequestContext& ctx) const;
  web::http::http_response Replace(const std::string& id,
                                   const std::string& body,
                                   const RequestContext& ctx) const;
  web::http::http_response Patch(const std::string& id, const std::string& body,
                                 const RequestContext& ctx) const;
  web::http::http_response Delete(const std::string& id,
                                  const RequestContext& ctx) const;
  absl::Status ResolveRoles(scim::identity::v1::User* user,
                            const RequestContext& ctx) const;
  // From the user cache when `cached` and it has the user.
  absl::StatusOr<scim::identity::v1::User> Fetch(const std::string& id,
                                                 const RequestContext& ctx,
                                                 bool cached = true) const;
  // The version a write must find for the request's If-Match (nullopt: no
  // If-Match, or `*`), after checking it against the stored user: 412 when
  // it cannot match, 404 when there is no such user.
  absl::StatusOr<std::optional<int64_t>> ExpectedVersion(
      const std::string& id, const RequestContext& ctx) const;
  // The user's JSON as `projection` asks, the plain one also kept with the
  // cached user.
  std::string Render(const scim::identity::v1::User& user,
                     const std::string& location, const Projection& projection,
                     const RequestContext& ctx) const;
  // 200/201 with the user (projected as the query asks), its Location and
  // ETag.
  web::http::http_response UserResponse(web::http::status_code code,
                                        const scim::identity::v1::User& user,
                                        const RequestContext& ctx) const;

  const Backends* backends_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_USERS_HANDLER_H_
