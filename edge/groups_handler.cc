#include "edge/groups_handler.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/status_map.h"
#include "edge/patch_engine.h"
#include "edge/patch_path.h"
#include "edge/projection.h"
#include "edge/request_body.h"
#include "edge/scim_response.h"

namespace scim::edge {
namespace {

namespace ipb = scim::identity::v1;
namespace rpb = scim::role::v1;
using web::http::methods;
using web::http::status_codes;
using web::json::value;

constexpr int kPatchAttempts = 64;
constexpr int kMemberPage = 5000;

absl::Status InvalidValue(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

absl::StatusOr<std::string> OptionalString(const value& body,
                                           const std::string& name) {
  const value* v = FindMember(body, name);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return InvalidValue(name + " must be a string");
  return v->as_string();
}

absl::StatusOr<GroupBody> ParseGroup(const value& body) {
  GroupBody g;
  auto name = OptionalString(body, "displayName");
  if (!name.ok()) return name.status();
  if (name->empty()) {
    return InvalidValue(
        "displayName is required: the group's name, which is also the role "
        "name users of this group receive");
  }
  g.display_name = *name;
  auto external_id = OptionalString(body, "externalId");
  if (!external_id.ok()) return external_id.status();
  g.external_id = *external_id;
  const value* members = FindMember(body, "members");
  if (members == nullptr || members->is_null()) return g;
  if (!members->is_array()) {
    return InvalidValue("members must be a list of {\"value\": \"<user id>\"}");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < members->size(); ++i) {
    const value& m = members->at(i);
    std::string where = "members[" + std::to_string(i) + "]";
    const value* id = m.is_object() ? FindMember(m, "value") : nullptr;
    if (id == nullptr || !id->is_string() || id->as_string().empty()) {
      return InvalidValue(where +
                          " must be an object whose 'value' is the id " +
                          "of a user of this tenant, e.g. {\"value\": " +
                          "\"2819c223...\"}; got " + m.serialize());
    }
    if (!seen.insert(id->as_string()).second) continue;
    MemberRef ref;
    ref.value = id->as_string();
    const value* display = FindMember(m, "display");
    if (display == nullptr) display = FindMember(m, "displayName");
    if (display != nullptr && display->is_string()) {
      ref.display = display->as_string();
    }
    g.members.push_back(std::move(ref));
  }
  return g;
}

std::optional<int64_t> IfMatchVersion(const RequestContext& ctx) {
  auto it = ctx.headers.find("if-match");
  if (it == ctx.headers.end()) return std::nullopt;
  return VersionFromETag(it->second);
}

web::http::http_response MethodNotAllowed(const web::http::method& method,
                                          const std::string& path,
                                          const std::string& allow) {
  web::http::http_response r = ErrorResponse(
      absl::Status(absl::StatusCode::kUnimplemented,
                   method + " is not supported on " + path + "; use " + allow));
  r.set_status_code(status_codes::MethodNotAllowed);
  r.headers().add("Allow", allow);
  return r;
}

// Member changes of a PATCH that only adds members, removes them by
// `members[value eq "..."]`, or removes listed ones: the shapes Entra and
// Okta send on every membership sync. Such a PATCH is written as a delta,
// without reading the group's members, so it costs the same for a group of
// 5 and of 50,000. nullopt for anything else.
struct MemberDelta {
  std::vector<MemberRef> add;
  std::vector<std::string> remove;
};

std::optional<MemberRef> MemberOf(const value& v) {
  const value* id = v.is_object() ? FindMember(v, "value") : nullptr;
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return std::nullopt;
  }
  MemberRef ref{id->as_string(), ""};
  const value* display = FindMember(v, "display");
  if (display == nullptr) display = FindMember(v, "displayName");
  if (display != nullptr && display->is_string()) {
    ref.display = display->as_string();
  }
  return ref;
}

std::optional<MemberDelta> MemberOnlyPatch(const value& patch) {
  const value* ops = FindMember(patch, "Operations");
  if (ops == nullptr || !ops->is_array() || ops->size() == 0) {
    return std::nullopt;
  }
  MemberDelta delta;
  for (const value& op : ops->as_array()) {
    const value* name = FindMember(op, "op");
    const value* path = FindMember(op, "path");
    if (name == nullptr || !name->is_string() || path == nullptr ||
        !path->is_string()) {
      return std::nullopt;
    }
    std::string verb = absl::AsciiStrToLower(name->as_string());
    const value* items = FindMember(op, "value");
    if (absl::EqualsIgnoreCase(path->as_string(), "members")) {
      if (verb != "add" && verb != "remove") return std::nullopt;
      if (items == nullptr || !items->is_array() || items->size() == 0) {
        return std::nullopt;
      }
      for (const value& item : items->as_array()) {
        std::optional<MemberRef> ref = MemberOf(item);
        if (!ref) return std::nullopt;
        if (verb == "add") {
          delta.add.push_back(*std::move(ref));
        } else {
          delta.remove.push_back(ref->value);
        }
      }
      continue;
    }
    if (verb != "remove" || items != nullptr) return std::nullopt;
    auto parsed = ParsePatchPath(path->as_string(), GroupResource());
    if (!parsed.ok() || parsed->sub != nullptr || !parsed->filter ||
        parsed->attribute == nullptr ||
        !absl::EqualsIgnoreCase(parsed->attribute->name, "members")) {
      return std::nullopt;
    }
    const auto& f = *parsed->filter;
    if (f.op() != scim::common::v1::Filter::EQ || f.has_value_filter() ||
        !absl::EqualsIgnoreCase(f.attribute(), "value") ||
        !f.value().has_string_value()) {
      return std::nullopt;
    }
    delta.remove.push_back(f.value().string_value());
  }
  return delta;
}

// Members are the costly part of a group; a client that excludes them (as
// Entra does on every lookup) is answered without reading them.
bool WantsMembers(const Projection& projection) {
  value probe = value::object();
  probe["members"] = value::array();
  return Project(probe, projection, GroupResource()).has_field("members");
}

}  // namespace

web::http::http_response GroupsHandler::Handle(
    const web::http::method& method, const std::string& id,
    const std::string& body, const RequestContext& ctx) const {
  if (ctx.Policy("groups") == "disabled") {
    return ErrorResponse(absl::PermissionDeniedError(
        "groups are off for this tenant (policy groups=disabled); assign "
        "roles through the users' roles attribute instead, or ask the "
        "operator to run: scimctl policy set TENANT groups roles"));
  }
  if (id.empty()) {
    if (method == methods::GET) {
      auto params = ListParamsFromQuery(ctx);
      if (!params.ok()) return ErrorResponse(params.status());
      return List(*params, ctx);
    }
    if (method == methods::POST) return Create(body, ctx);
    return MethodNotAllowed(method, "/Groups", "GET, POST");
  }
  if (id == ".search") {
    if (method != methods::POST) {
      return MethodNotAllowed(method, "/Groups/.search", "POST");
    }
    auto params = ListParamsFromSearch(body, ctx);
    if (!params.ok()) return ErrorResponse(params.status());
    return List(*params, ctx);
  }
  if (method == methods::GET) return Get(id, ctx);
  if (method == methods::PUT) return Replace(id, body, ctx);
  if (method == methods::PATCH) return Patch(id, body, ctx);
  if (method == methods::DEL) return Delete(id, ctx);
  return MethodNotAllowed(method, "/Groups/{id}", "GET, PUT, PATCH, DELETE");
}

absl::StatusOr<rpb::Role> GroupsHandler::FetchRole(
    const std::string& id, const RequestContext& ctx) const {
  rpb::GetRoleRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_role_id(id);
  return backends_->Invoke<rpb::Role>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::Role* reply) {
        return backends_->roles().GetRole(c, request, reply);
      });
}

absl::StatusOr<std::vector<ipb::GroupMember>> GroupsHandler::FetchMembers(
    const std::string& id, const RequestContext& ctx) const {
  std::vector<ipb::GroupMember> members;
  ipb::ListGroupMembersRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_group_id(id);
  for (int start = 1;; start += kMemberPage) {
    request.mutable_page()->set_start_index(start);
    request.mutable_page()->set_count(kMemberPage);
    auto page = backends_->Invoke<ipb::ListGroupMembersResponse>(
        ctx.caller,
        [&](grpc::ClientContext* c, ipb::ListGroupMembersResponse* reply) {
          return backends_->identity().ListGroupMembers(c, request, reply);
        });
    if (!page.ok()) return page.status();
    for (auto& m : *page->mutable_members()) members.push_back(std::move(m));
    if (page->members_size() < kMemberPage) break;
  }
  return members;
}

absl::Status GroupsHandler::UpdateMembers(
    const rpb::Role& role, const std::vector<MemberRef>& add,
    const std::vector<std::string>& remove, bool replace_all,
    const RequestContext& ctx) const {
  ipb::UpdateGroupMembersRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_group_id(role.id());
  request.set_group_display(role.name());
  for (const MemberRef& m : add) {
    request.add_add_user_ids(m.value);
    if (!m.display.empty())
      (*request.mutable_member_displays())[m.value] = m.display;
  }
  for (const std::string& id : remove) request.add_remove_user_ids(id);
  request.set_replace_all(replace_all);
  auto reply = backends_->Invoke<ipb::UpdateGroupMembersResponse>(
      ctx.caller,
      [&](grpc::ClientContext* c, ipb::UpdateGroupMembersResponse* reply) {
        return backends_->identity().UpdateGroupMembers(c, request, reply);
      });
  return reply.status();
}

value GroupsHandler::ToJson(const Group& group,
                            const RequestContext& ctx) const {
  std::string location = ctx.base_url + "/Groups/" + group.role.id();
  value out = value::object();
  out["schemas"] = value::array({value::string(kGroupSchema)});
  out["id"] = value::string(group.role.id());
  if (!group.role.external_id().empty()) {
    out["externalId"] = value::string(group.role.external_id());
  }
  out["displayName"] = value::string(group.role.name());
  value members = value::array(group.members.size());
  for (size_t i = 0; i < group.members.size(); ++i) {
    const ipb::GroupMember& m = group.members[i];
    value member = value::object();
    member["value"] = value::string(m.value());
    member["$ref"] = value::string(ctx.base_url + "/Users/" + m.value());
    member["type"] = value::string("User");
    if (!m.display().empty()) member["display"] = value::string(m.display());
    members[i] = std::move(member);
  }
  out["members"] = std::move(members);
  out["meta"] = MetaToJson(group.role.meta(), "Group", location);
  return out;
}

web::http::http_response GroupsHandler::GroupResponse(
    web::http::status_code code, const Group& group,
    const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  web::http::http_response r = JsonResponse(
      code, Project(ToJson(group, ctx), *projection, GroupResource()));
  r.headers().add("Location", ctx.base_url + "/Groups/" + group.role.id());
  r.headers().add("ETag", ETagFor(group.role.meta().version()));
  return r;
}

web::http::http_response GroupsHandler::Create(
    const std::string& body, const RequestContext& ctx) const {
  auto json = ParseJsonObject(body);
  if (!json.ok()) return ErrorResponse(json.status());
  auto parsed = ParseGroup(*json);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  rpb::CreateRoleRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_name(parsed->display_name);
  request.set_external_id(parsed->external_id);
  auto role = backends_->Invoke<rpb::Role>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::Role* reply) {
        return backends_->roles().CreateRole(c, request, reply);
      });
  if (!role.ok()) return ErrorResponse(role.status());
  if (!parsed->members.empty()) {
    absl::Status added = UpdateMembers(*role, parsed->members, {}, true, ctx);
    if (!added.ok()) {
      // Members are checked before anything is written to identity-service;
      // take the new role back so the request leaves nothing behind.
      rpb::DeleteRoleRequest undo;
      undo.set_tenant_id(ctx.tenant.id());
      undo.set_role_id(role->id());
      (void)backends_->Invoke<rpb::DeleteRoleResponse>(
          ctx.caller, [&](grpc::ClientContext* c, rpb::DeleteRoleResponse* r) {
            return backends_->roles().DeleteRole(c, undo, r);
          });
      return ErrorResponse(added);
    }
  }
  auto members = FetchMembers(role->id(), ctx);
  if (!members.ok()) return ErrorResponse(members.status());
  return GroupResponse(status_codes::Created, Group{*role, *members}, ctx);
}

web::http::http_response GroupsHandler::Get(const std::string& id,
                                            const RequestContext& ctx) const {
  auto role = FetchRole(id, ctx);
  if (!role.ok()) return ErrorResponse(role.status());
  return RoleResponse(*role, ctx);
}

web::http::http_response GroupsHandler::List(const ListParams& params,
                                             const RequestContext& ctx) const {
  rpb::ListRolesRequest request;
  request.set_tenant_id(ctx.tenant.id());
  if (params.filter) *request.mutable_filter() = *params.filter;
  request.mutable_page()->set_start_index(params.start_index);
  request.mutable_page()->set_count(params.count);
  auto list = backends_->Invoke<rpb::ListRolesResponse>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::ListRolesResponse* reply) {
        return backends_->roles().ListRoles(c, request, reply);
      });
  if (!list.ok()) return ErrorResponse(list.status());
  // Members are the costly part of a group; skip fetching them when the
  // client excluded them, as Entra does on every group lookup.
  bool want_members = WantsMembers(params.projection);
  std::vector<value> resources;
  for (const rpb::Role& role : list->roles()) {
    Group group{role, {}};
    if (want_members) {
      auto members = FetchMembers(role.id(), ctx);
      if (!members.ok()) return ErrorResponse(members.status());
      group.members = std::move(*members);
    }
    resources.push_back(
        Project(ToJson(group, ctx), params.projection, GroupResource()));
  }
  return JsonResponse(
      status_codes::OK,
      ListResponseJson(static_cast<int64_t>(list->page().total_results()),
                       params.start_index, std::move(resources)));
}

web::http::http_response GroupsHandler::Replace(
    const std::string& id, const std::string& body,
    const RequestContext& ctx) const {
  auto json = ParseJsonObject(body);
  if (!json.ok()) return ErrorResponse(json.status());
  auto parsed = ParseGroup(*json);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  auto role = FetchRole(id, ctx);
  if (!role.ok()) return ErrorResponse(role.status());
  std::optional<int64_t> if_match = IfMatchVersion(ctx);
  if (if_match && *if_match != role->meta().version()) {
    return ErrorResponse(absl::FailedPreconditionError(
        "the group changed since version " + std::to_string(*if_match) +
        "; read it again and resend"));
  }
  auto updated =
      Write(*role, *parsed, parsed->members, {}, /*replace_all=*/true,
            if_match, ctx);
  if (!updated.ok()) return ErrorResponse(updated.status());
  auto listed = FetchMembers(id, ctx);
  if (!listed.ok()) return ErrorResponse(listed.status());
  return GroupResponse(status_codes::OK, Group{*updated, *listed}, ctx);
}

absl::StatusOr<rpb::Role> GroupsHandler::Write(
    const rpb::Role& role, const GroupBody& body,
    const std::vector<MemberRef>& add, const std::vector<std::string>& remove,
    bool replace_all, std::optional<int64_t> expected_version,
    const RequestContext& ctx) const {
  auto update_role = [&](const std::string& name,
                         const std::string& external_id,
                         std::optional<int64_t> version) {
    rpb::UpdateRoleRequest update;
    update.set_tenant_id(ctx.tenant.id());
    update.set_role_id(role.id());
    update.set_name(name);
    update.set_external_id(external_id);
    if (version) update.set_expected_version(*version);
    return backends_->Invoke<rpb::Role>(
        ctx.caller, [&](grpc::ClientContext* c, rpb::Role* reply) {
          return backends_->roles().UpdateRole(c, update, reply);
        });
  };
  rpb::Role result = role;
  bool renamed = body.display_name != role.name() ||
                 body.external_id != role.external_id();
  // The role first: a name taken by another group (409) or a stale version
  // (412) then stops the request before any membership changes.
  if (renamed) {
    auto updated =
        update_role(body.display_name, body.external_id, expected_version);
    if (!updated.ok()) return updated.status();
    result = *std::move(updated);
  }
  if (add.empty() && remove.empty() && !replace_all) return result;
  absl::Status members = UpdateMembers(result, add, remove, replace_all, ctx);
  if (members.ok()) return result;
  // Members are all checked before identity-service writes any, so only the
  // rename needs taking back to leave the group as it was.
  if (renamed) {
    (void)update_role(role.name(), role.external_id(), std::nullopt);
  }
  return members;
}

web::http::http_response GroupsHandler::PatchResponse(
    const rpb::Role& role, const RequestContext& ctx) const {
  if (ctx.Policy("patch_response") == "no-content") {
    web::http::http_response r(status_codes::NoContent);
    r.headers().add("ETag", ETagFor(role.meta().version()));
    return r;
  }
  return RoleResponse(role, ctx);
}

web::http::http_response GroupsHandler::RoleResponse(
    const rpb::Role& role, const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  Group group{role, {}};
  if (WantsMembers(*projection)) {
    auto listed = FetchMembers(role.id(), ctx);
    if (!listed.ok()) return ErrorResponse(listed.status());
    group.members = std::move(*listed);
  }
  return GroupResponse(status_codes::OK, group, ctx);
}

// Applies the PATCH to the group's SCIM form, then writes only the
// difference: member additions and removals (which commute with other
// writers' changes) and, if it changed, the role's name or externalId.
web::http::http_response GroupsHandler::Patch(const std::string& id,
                                              const std::string& body,
                                              const RequestContext& ctx) const {
  auto patch = ParseJsonObject(body);
  if (!patch.ok()) return ErrorResponse(patch.status());
  std::optional<int64_t> if_match = IfMatchVersion(ctx);
  if (std::optional<MemberDelta> delta = MemberOnlyPatch(*patch);
      delta && !if_match) {
    auto role = FetchRole(id, ctx);
    if (!role.ok()) return ErrorResponse(role.status());
    absl::Status changed =
        UpdateMembers(*role, delta->add, delta->remove, false, ctx);
    if (!changed.ok()) return ErrorResponse(changed);
    return PatchResponse(*role, ctx);
  }
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    auto role = FetchRole(id, ctx);
    if (!role.ok()) return ErrorResponse(role.status());
    if (if_match && *if_match != role->meta().version()) {
      return ErrorResponse(absl::FailedPreconditionError(
          "the group changed since version " + std::to_string(*if_match) +
          "; read it again and resend the PATCH"));
    }
    auto members = FetchMembers(id, ctx);
    if (!members.ok()) return ErrorResponse(members.status());
    value json = ToJson(Group{*role, *members}, ctx);
    absl::Status applied = ApplyPatch(*patch, GroupResource(), &json);
    if (!applied.ok()) return ErrorResponse(applied);
    auto parsed = ParseGroup(json);
    if (!parsed.ok()) return ErrorResponse(parsed.status());

    std::set<std::string> before, after;
    for (const auto& m : *members) before.insert(m.value());
    std::vector<MemberRef> add;
    for (const MemberRef& m : parsed->members) {
      after.insert(m.value);
      if (before.count(m.value) == 0) add.push_back(m);
    }
    std::vector<std::string> remove;
    for (const std::string& v : before) {
      if (after.count(v) == 0) remove.push_back(v);
    }
    auto written = Write(*role, *parsed, add, remove, /*replace_all=*/false,
                         role->meta().version(), ctx);
    if (absl::IsFailedPrecondition(written.status())) continue;
    if (!written.ok()) return ErrorResponse(written.status());
    return PatchResponse(*written, ctx);
  }
  return ErrorResponse(absl::UnavailableError(
      "the group is being changed by many writers at once; retry the PATCH"));
}

web::http::http_response GroupsHandler::Delete(
    const std::string& id, const RequestContext& ctx) const {
  auto role = FetchRole(id, ctx);
  if (!role.ok()) return ErrorResponse(role.status());
  std::optional<int64_t> if_match = IfMatchVersion(ctx);
  if (if_match && *if_match != role->meta().version()) {
    return ErrorResponse(absl::FailedPreconditionError(
        "the group changed since version " + std::to_string(*if_match) +
        "; read it again before deleting"));
  }
  ipb::RemoveGroupRequest remove;
  remove.set_tenant_id(ctx.tenant.id());
  remove.set_group_id(id);
  auto removed = backends_->Invoke<ipb::RemoveGroupResponse>(
      ctx.caller, [&](grpc::ClientContext* c, ipb::RemoveGroupResponse* r) {
        return backends_->identity().RemoveGroup(c, remove, r);
      });
  if (!removed.ok()) return ErrorResponse(removed.status());
  rpb::DeleteRoleRequest request;
  request.set_tenant_id(ctx.tenant.id());
  request.set_role_id(id);
  auto deleted = backends_->Invoke<rpb::DeleteRoleResponse>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::DeleteRoleResponse* r) {
        return backends_->roles().DeleteRole(c, request, r);
      });
  if (!deleted.ok()) return ErrorResponse(deleted.status());
  return web::http::http_response(status_codes::NoContent);
}

}  // namespace scim::edge
