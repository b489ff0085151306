#ifndef SCIM_EDGE_GROUPS_HANDLER_H_
#define SCIM_EDGE_GROUPS_HANDLER_H_

#include <cpprest/http_msg.h>

#include <optional>
#include <string>
#include <vector>

#include "edge/backends.h"
#include "edge/list_params.h"
#include "edge/request_context.h"
#include "scim/identity/v1/identity.pb.h"
#include "scim/role/v1/role.pb.h"

namespace scim::edge {

inline constexpr char kGroupSchema[] =
    "urn:ietf:params:scim:schemas:core:2.0:Group";

// A member as a client names it: the user's id and an optional label.
struct MemberRef {
  std::string value;
  std::string display;
};

// The writable parts of a Group body (POST, PUT, or the result of a PATCH).
struct GroupBody {
  std::string display_name;
  std::string external_id;
  std::vector<MemberRef> members;
};

// /Groups. In the tenant's `groups: roles` mode a SCIM Group is a role of
// role-service's catalog (displayName is the role name) and its members are
// memberships kept by identity-service on the users themselves.
class GroupsHandler {
 public:
  explicit GroupsHandler(const Backends* backends) : backends_(backends) {}

  // `id` is empty for the collection and ".search" for POST /Groups/.search.
  web::http::http_response Handle(const web::http::method& method,
                                  const std::string& id,
                                  const std::string& body,
                                  const RequestContext& ctx) const;

 private:
  struct Group {
    scim::role::v1::Role role;
    std::vector<scim::identity::v1::GroupMember> members;
  };

  web::http::http_response Create(const std::string& body,
                                  const RequestContext& ctx) const;
  web::http::http_response Get(const std::string& id,
                               const RequestContext& ctx) const;
  web::http::http_response List(const ListParams& params,
                                const RequestContext& ctx) const;
  web::http::http_response Replace(const std::string& id,
                                   const std::string& body,
                                   const RequestContext& ctx) const;
  web::http::http_response Patch(const std::string& id, const std::string& body,
                                 const RequestContext& ctx) const;
  web::http::http_response Delete(const std::string& id,
                                  const RequestContext& ctx) const;

  absl::StatusOr<scim::role::v1::Role> FetchRole(
      const std::string& id, const RequestContext& ctx) const;
  absl::StatusOr<std::vector<scim::identity::v1::GroupMember>> FetchMembers(
      const std::string& id, const RequestContext& ctx) const;
  // Adds and removes members; with `replace_all` the group ends up with
  // exactly `add`.
  absl::Status UpdateMembers(const scim::role::v1::Role& role,
                             const std::vector<MemberRef>& add,
                             const std::vector<std::string>& remove,
                             bool replace_all, const RequestContext& ctx) const;
  // Renames the role if `body` says so (checked against
  // `expected_version`), then changes its members; a failed member change
  // takes the rename back. Returns the role as written.
  absl::StatusOr<scim::role::v1::Role> Write(
      const scim::role::v1::Role& role, const GroupBody& body,
      const std::vector<MemberRef>& add, const std::vector<std::string>& remove,
      bool replace_all, std::optional<int64_t> expected_version,
      const RequestContext& ctx) const;
  // 204 under the tenant's `patch_response: no-content`, else 200 with the
  // group.
  web::http::http_response PatchResponse(const scim::role::v1::Role& role,
                                         const RequestContext& ctx) const;
  // 200 with the group of `role`, its members read only when the
  // projection keeps them.
  web::http::http_response RoleResponse(const scim::role::v1::Role& role,
                                        const RequestContext& ctx) const;
  web::json::value ToJson(const Group& group, const RequestContext& ctx) const;
  web::http::http_response GroupResponse(web::http::status_code code,
                                         const Group& group,
                                         const RequestContext& ctx) const;

  const Backends* backends_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_GROUPS_HANDLER_H_
