#ifndef SCIM_EDGE_GROUPS_HANDLER_H_
#define SCIM_EDGE_GROUPS_HANDLER_H_

#include <cpprest/http_msg.h>

#include <optional>
#include <string>
#include <vector>

#include "edge/backends.h"
#include "edge/list_params.h"
#include "edge/projection.h"
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
    // identity-service's version of the group (its ETag).
    int64_t version = 1;
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
  // The group's version and, if asked, all its members; NOT_FOUND once the
  // group was deleted.
  absl::StatusOr<Group> FetchGroup(scim::role::v1::Role role, bool with_members,
                                   const RequestContext& ctx) const;
  // Adds and removes members (with `replace_all` the group ends up with
  // exactly `add`) and records `name` as the group's; checked against
  // `expected_version` when set. Returns the group's new version.
  absl::StatusOr<int64_t> UpdateMembers(const std::string& group_id,
                                        const std::string& name,
                                        const std::vector<MemberRef>& add,
                                        const std::vector<std::string>& remove,
                                        bool replace_all,
                                        std::optional<int64_t> expected_version,
                                        const RequestContext& ctx) const;
  // Makes `group` (as read, with its members and version) what `body` and
  // `members` say: members and name at identity-service checked against
  // the version read, then the rename at role-service; a refused rename
  // takes the member change back. FAILED_PRECONDITION when the group
  // changed since it was read. Returns the role as written.
  absl::StatusOr<scim::role::v1::Role> Write(
      const Group& group, const GroupBody& body,
      const std::vector<MemberRef>& members, const RequestContext& ctx) const;
  // ALREADY_EXISTS (uniqueness) when another group has `name`.
  absl::Status CheckNameFree(const std::string& id, const std::string& name,
                             const RequestContext& ctx) const;
  // 204 under the tenant's `patch_response: no-content`, else 200 with the
  // group, listing members only when `attributes` asks for them.
  web::http::http_response PatchResponse(const scim::role::v1::Role& role,
                                         int64_t version,
                                         const RequestContext& ctx) const;
  // `code` with the group of `role`, its members read if `with_members`.
  web::http::http_response Respond(web::http::status_code code,
                                   const scim::role::v1::Role& role,
                                   bool with_members,
                                   const Projection& projection,
                                   const RequestContext& ctx) const;
  web::json::value ToJson(const Group& group, const RequestContext& ctx) const;
  web::http::http_response GroupResponse(web::http::status_code code,
                                         const Group& group,
                                         const Projection& projection,
                                         const RequestContext& ctx) const;

  const Backends* backends_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_GROUPS_HANDLER_H_
