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

// The version a group write must find, checked atomically by
// identity-service; nullopt for no If-Match or `*`. A header that can match
// no version (malformed, or a list, which one expected version cannot
// carry) is 412 rather than ignored.
absl::StatusOr<std::optional<int64_t>> IfMatchVersion(
    const RequestContext& ctx) {
  std::optional<IfMatch> if_match = IfMatch::FromHeaders(ctx.headers);
  if (!if_match || if_match->any()) return std::optional<int64_t>();
  std::optional<int64_t> version = VersionFromETag(ctx.headers.at("if-match"));
  if (version && if_match->Check(*version, "group").ok()) return version;
  absl::Status refused = if_match->Check(-1, "group");
  if (refused.ok()) {
    refused = absl::FailedPreconditionError(
        "If-Match on a group takes one ETag (or *)");
  }
  return refused;
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
  // One member: an empty list would count as unassigned and be dropped.
  value member = value::object();
  member["value"] = value::string("probe");
  value probe = value::object();
  probe["members"] = value::array({member});
  return Project(probe, projection, GroupResource()).has_field("members");
}

// A PATCH answer lists members only when `attributes` names them: Entra
// sends member PATCHes without excludedAttributes, and echoing 50,000
// members for a one-member add would make its cost grow with the group
// (RFC 7644 §3.5.2 lets the server choose what it returns).
bool PatchListsMembers(const Projection& projection) {
  return !projection.attributes.empty() && WantsMembers(projection);
}

absl::Status Stale(int64_t expected, int64_t now, const std::string& then) {
  return absl::FailedPreconditionError(
      "the group changed since version " + std::to_string(expected) + " (now " +
      std::to_string(now) + "); read it again and " + then);
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
  request.set_tenant_id(ctx.tenant().id());
  request.set_role_id(id);
  return backends_->Invoke<rpb::Role>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::Role* reply) {
        return backends_->roles().GetRole(c, request, reply);
      });
}

absl::StatusOr<GroupsHandler::Group> GroupsHandler::FetchGroup(
    rpb::Role role, bool with_members, const RequestContext& ctx) const {
  Group group{std::move(role), {}, 1};
  ipb::ListGroupMembersRequest request;
  request.set_tenant_id(ctx.tenant().id());
  request.set_group_id(group.role.id());
  // Pages follow a cursor (the last member id), so each costs the same
  // however deep into a 50,000-member group it is.
  for (bool first = true;; first = false) {
    request.mutable_page()->set_count(with_members ? kMemberPage : 0);
    auto page = backends_->Invoke<ipb::ListGroupMembersResponse>(
        ctx.caller,
        [&](grpc::ClientContext* c, ipb::ListGroupMembersResponse* reply) {
          return backends_->identity().ListGroupMembers(c, request, reply);
        });
    if (!page.ok()) return page.status();
    if (first) group.version = page->version();
    for (auto& m : *page->mutable_members()) {
      group.members.push_back(std::move(m));
    }
    if (!with_members || page->members_size() < kMemberPage) break;
    request.set_after(group.members.back().value());
  }
  return group;
}

absl::StatusOr<int64_t> GroupsHandler::UpdateMembers(
    const std::string& group_id, const std::string& name,
    const std::vector<MemberRef>& add, const std::vector<std::string>& remove,
    bool replace_all, std::optional<int64_t> expected_version,
    const RequestContext& ctx) const {
  ipb::UpdateGroupMembersRequest request;
  request.set_tenant_id(ctx.tenant().id());
  request.set_group_id(group_id);
  request.set_group_display(name);
  for (const MemberRef& m : add) {
    request.add_add_user_ids(m.value);
    if (!m.display.empty())
      (*request.mutable_member_displays())[m.value] = m.display;
  }
  for (const std::string& id : remove) request.add_remove_user_ids(id);
  request.set_replace_all(replace_all);
  if (expected_version) request.set_expected_version(*expected_version);
  auto reply = backends_->Invoke<ipb::UpdateGroupMembersResponse>(
      ctx.caller,
      [&](grpc::ClientContext* c, ipb::UpdateGroupMembersResponse* reply) {
        return backends_->identity().UpdateGroupMembers(c, request, reply);
      });
  if (!reply.ok()) return reply.status();
  return reply->version();
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
  // The version is the group's (identity-service bumps it on every member
  // change and rename), not the role record's.
  scim::common::v1::Meta meta = group.role.meta();
  meta.set_version(group.version);
  out["meta"] = MetaToJson(meta, "Group", location);
  return out;
}

web::http::http_response GroupsHandler::GroupResponse(
    web::http::status_code code, const Group& group,
    const Projection& projection, const RequestContext& ctx) const {
  web::http::http_response r = JsonResponse(
      code, Project(ToJson(group, ctx), projection, GroupResource()));
  r.headers().add("Location", ctx.base_url + "/Groups/" + group.role.id());
  r.headers().add("ETag", ETagFor(group.version));
  return r;
}

web::http::http_response GroupsHandler::Respond(
    web::http::status_code code, const rpb::Role& role, bool with_members,
    const Projection& projection, const RequestContext& ctx) const {
  auto group = FetchGroup(role, with_members, ctx);
  if (!group.ok()) return ErrorResponse(group.status());
  return GroupResponse(code, *group, projection, ctx);
}

web::http::http_response GroupsHandler::Create(
    const std::string& body, const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  auto json = ParseJsonObject(body);
  if (!json.ok()) return ErrorResponse(json.status());
  auto parsed = ParseGroup(*json);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  rpb::CreateRoleRequest request;
  request.set_tenant_id(ctx.tenant().id());
  request.set_name(parsed->display_name);
  request.set_external_id(parsed->external_id);
  auto role = backends_->Invoke<rpb::Role>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::Role* reply) {
        return backends_->roles().CreateRole(c, request, reply);
      });
  if (!role.ok()) return ErrorResponse(role.status());
  if (!parsed->members.empty()) {
    auto added = UpdateMembers(role->id(), role->name(), parsed->members, {},
                               true, std::nullopt, ctx);
    if (!added.ok()) {
      // Members are checked before anything is written to identity-service;
      // take the new role back so the request leaves nothing behind.
      rpb::DeleteRoleRequest undo;
      undo.set_tenant_id(ctx.tenant().id());
      undo.set_role_id(role->id());
      (void)backends_->Invoke<rpb::DeleteRoleResponse>(
          ctx.caller, [&](grpc::ClientContext* c, rpb::DeleteRoleResponse* r) {
            return backends_->roles().DeleteRole(c, undo, r);
          });
      return ErrorResponse(added.status());
    }
  }
  return Respond(status_codes::Created, *role, WantsMembers(*projection),
                 *projection, ctx);
}

web::http::http_response GroupsHandler::Get(const std::string& id,
                                            const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  auto role = FetchRole(id, ctx);
  if (!role.ok()) return ErrorResponse(role.status());
  return Respond(status_codes::OK, *role, WantsMembers(*projection),
                 *projection, ctx);
}

web::http::http_response GroupsHandler::List(const ListParams& params,
                                             const RequestContext& ctx) const {
  rpb::ListRolesRequest request;
  request.set_tenant_id(ctx.tenant().id());
  if (params.filter) *request.mutable_filter() = *params.filter;
  request.mutable_page()->set_start_index(params.start_index);
  request.mutable_page()->set_count(params.count);
  request.set_sort_by(params.sort_by);
  request.set_descending(params.descending);
  auto list = backends_->Invoke<rpb::ListRolesResponse>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::ListRolesResponse* reply) {
        return backends_->roles().ListRoles(c, request, reply);
      });
  if (!list.ok()) return ErrorResponse(list.status());
  // Members are the costly part of a group; skip fetching them when the
  // client excluded them, as Entra does on every group lookup.
  bool want_members = WantsMembers(params.projection);
  std::vector<std::string> resources;
  int64_t total = list->page().total_results();
  for (const rpb::Role& role : list->roles()) {
    auto group = FetchGroup(role, want_members, ctx);
    // Deleted while role-service is yet to drop it: already gone for users.
    if (absl::IsNotFound(group.status())) {
      --total;
      continue;
    }
    if (!group.ok()) return ErrorResponse(group.status());
    resources.push_back(
        Project(ToJson(*group, ctx), params.projection, GroupResource())
            .serialize());
  }
  return ListResponse(total, params.start_index, resources);
}

// PUT replaces the members: written as the difference from the members
// read with their version, so the write is checked against that version
// (If-Match, or the read's for an unconditional PUT) and can be taken back
// exactly if the rename fails.
web::http::http_response GroupsHandler::Replace(
    const std::string& id, const std::string& body,
    const RequestContext& ctx) const {
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  auto json = ParseJsonObject(body);
  if (!json.ok()) return ErrorResponse(json.status());
  auto parsed = ParseGroup(*json);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  auto if_match_or = IfMatchVersion(ctx);
  if (!if_match_or.ok()) return ErrorResponse(if_match_or.status());
  std::optional<int64_t> if_match = *if_match_or;
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    auto role = FetchRole(id, ctx);
    if (!role.ok()) return ErrorResponse(role.status());
    auto current = FetchGroup(*role, true, ctx);
    if (!current.ok()) return ErrorResponse(current.status());
    if (if_match && *if_match != current->version) {
      return ErrorResponse(Stale(*if_match, current->version, "resend"));
    }
    auto written = Write(*current, *parsed, parsed->members, ctx);
    if (absl::IsFailedPrecondition(written.status()) && !if_match) continue;
    if (!written.ok()) return ErrorResponse(written.status());
    return Respond(status_codes::OK, *written, WantsMembers(*projection),
                   *projection, ctx);
  }
  return ErrorResponse(absl::UnavailableError(
      "the group is being changed by many writers at once; retry the PUT"));
}

absl::StatusOr<rpb::Role> GroupsHandler::Write(
    const Group& group, const GroupBody& body,
    const std::vector<MemberRef>& members, const RequestContext& ctx) const {
  const rpb::Role& role = group.role;
  std::set<std::string> before, after;
  for (const auto& m : group.members) before.insert(m.value());
  std::vector<MemberRef> add;
  for (const MemberRef& m : members) {
    after.insert(m.value);
    if (before.count(m.value) == 0) add.push_back(m);
  }
  std::vector<std::string> remove;
  for (const std::string& v : before) {
    if (after.count(v) == 0) remove.push_back(v);
  }
  bool renamed = body.display_name != role.name() ||
                 body.external_id != role.external_id();
  if (body.display_name != role.name()) {
    // Caught before anything is written; only a race with another group
    // taking the name in the meantime reaches the take-back below.
    if (auto s = CheckNameFree(role.id(), body.display_name, ctx); !s.ok()) {
      return s;
    }
  }
  // identity-service first: the members, the new name and the group's
  // version change in one batch there, checked against the version read
  // (the If-Match) atomically.
  auto version = UpdateMembers(role.id(), body.display_name, add, remove, false,
                               group.version, ctx);
  if (!version.ok()) return version.status();
  if (!renamed) return role;
  rpb::UpdateRoleRequest update;
  update.set_tenant_id(ctx.tenant().id());
  update.set_role_id(role.id());
  update.set_name(body.display_name);
  update.set_external_id(body.external_id);
  update.set_expected_version(role.meta().version());
  auto updated = backends_->Invoke<rpb::Role>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::Role* reply) {
        return backends_->roles().UpdateRole(c, update, reply);
      });
  if (updated.ok()) return updated;
  // The catalog refused the rename: take the members and name back, only if
  // nobody wrote the group since (the version this request produced), so
  // the take-back never undoes another writer's change.
  std::vector<MemberRef> readd;
  for (const std::string& v : remove) readd.push_back({v, ""});
  std::vector<std::string> unadd;
  for (const MemberRef& m : add) unadd.push_back(m.value);
  auto undone =
      UpdateMembers(role.id(), role.name(), readd, unadd, false, *version, ctx);
  if (!undone.ok()) {
    return absl::UnavailableError(
        "the group's members were changed but its rename failed (" +
        std::string(updated.status().message()) +
        "), and another writer changed the group before the member change "
        "could be taken back; read the group and resend");
  }
  return updated.status();
}

absl::Status GroupsHandler::CheckNameFree(const std::string& id,
                                          const std::string& name,
                                          const RequestContext& ctx) const {
  rpb::ListRolesRequest request;
  request.set_tenant_id(ctx.tenant().id());
  auto* f = request.mutable_filter();
  f->set_op(scim::common::v1::Filter::EQ);
  f->set_attribute("displayName");
  f->mutable_value()->set_string_value(name);
  auto list = backends_->Invoke<rpb::ListRolesResponse>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::ListRolesResponse* reply) {
        return backends_->roles().ListRoles(c, request, reply);
      });
  if (!list.ok()) return list.status();
  for (const rpb::Role& other : list->roles()) {
    if (other.id() == id) continue;
    return WithScimType(
        absl::AlreadyExistsError(
            "displayName '" + name + "' is already the name of group " +
            other.id() + " ('" + other.name() +
            "'); group names are unique per tenant, ignoring case and "
            "treating spaces as underscores"),
        "uniqueness");
  }
  return absl::OkStatus();
}

web::http::http_response GroupsHandler::PatchResponse(
    const rpb::Role& role, int64_t version, const RequestContext& ctx) const {
  if (ctx.Policy("patch_response") == "no-content") {
    web::http::http_response r(status_codes::NoContent);
    r.headers().add("ETag", ETagFor(version));
    return r;
  }
  auto projection = ProjectionFromQuery(ctx);
  if (!projection.ok()) return ErrorResponse(projection.status());
  bool with_members = PatchListsMembers(*projection);
  if (with_members) {
    return Respond(status_codes::OK, role, true, *projection, ctx);
  }
  Group group{role, {}, version};
  // Not listing the members must not read as "no members".
  Projection shown = *projection;
  if (shown.attributes.empty()) shown.excluded.push_back("members");
  return GroupResponse(status_codes::OK, group, shown, ctx);
}

// Member-only PATCHes (Entra's and Okta's membership syncs) are written as a
// delta without reading the members. Anything else applies the PATCH to the
// group's SCIM form and writes only the difference, checked against the
// version it was read at, and retried when another writer got there first.
web::http::http_response GroupsHandler::Patch(const std::string& id,
                                              const std::string& body,
                                              const RequestContext& ctx) const {
  auto patch = ParseJsonObject(body);
  if (!patch.ok()) return ErrorResponse(patch.status());
  auto if_match_or = IfMatchVersion(ctx);
  if (!if_match_or.ok()) return ErrorResponse(if_match_or.status());
  std::optional<int64_t> if_match = *if_match_or;
  if (std::optional<MemberDelta> delta = MemberOnlyPatch(*patch)) {
    auto role = FetchRole(id, ctx);
    if (!role.ok()) return ErrorResponse(role.status());
    auto version = UpdateMembers(role->id(), role->name(), delta->add,
                                 delta->remove, false, if_match, ctx);
    if (!version.ok()) return ErrorResponse(version.status());
    return PatchResponse(*role, *version, ctx);
  }
  for (int attempt = 0; attempt < kPatchAttempts; ++attempt) {
    auto role = FetchRole(id, ctx);
    if (!role.ok()) return ErrorResponse(role.status());
    auto group = FetchGroup(*role, true, ctx);
    if (!group.ok()) return ErrorResponse(group.status());
    if (if_match && *if_match != group->version) {
      return ErrorResponse(
          Stale(*if_match, group->version, "resend the PATCH"));
    }
    value json = ToJson(*group, ctx);
    absl::Status applied = ApplyPatch(*patch, GroupResource(), &json);
    if (!applied.ok()) return ErrorResponse(applied);
    auto parsed = ParseGroup(json);
    if (!parsed.ok()) return ErrorResponse(parsed.status());
    auto written = Write(*group, *parsed, parsed->members, ctx);
    if (absl::IsFailedPrecondition(written.status()) && !if_match) continue;
    if (!written.ok()) return ErrorResponse(written.status());
    auto after = FetchGroup(*written, false, ctx);
    if (!after.ok()) return ErrorResponse(after.status());
    return PatchResponse(*written, after->version, ctx);
  }
  return ErrorResponse(absl::UnavailableError(
      "the group is being changed by many writers at once; retry the PATCH"));
}

// identity-service retires the group first (tombstone and membership
// removal in one batch, checked against If-Match): from then on no user
// holds it and a GET answers 404. role-service then drops the role; if it
// is down the client gets 503, and identity-service's reconciler deletes
// the role as soon as role-service is back, so both sides agree without
// the client resending (a resent DELETE also succeeds).
web::http::http_response GroupsHandler::Delete(
    const std::string& id, const RequestContext& ctx) const {
  ipb::RemoveGroupRequest remove;
  remove.set_tenant_id(ctx.tenant().id());
  remove.set_group_id(id);
  auto if_match = IfMatchVersion(ctx);
  if (!if_match.ok()) return ErrorResponse(if_match.status());
  if (*if_match) remove.set_expected_version(**if_match);
  auto role = FetchRole(id, ctx);
  if (absl::IsNotFound(role.status())) return ErrorResponse(role.status());
  auto removed = backends_->Invoke<ipb::RemoveGroupResponse>(
      ctx.caller, [&](grpc::ClientContext* c, ipb::RemoveGroupResponse* r) {
        return backends_->identity().RemoveGroup(c, remove, r);
      });
  if (!removed.ok()) return ErrorResponse(removed.status());
  rpb::DeleteRoleRequest request;
  request.set_tenant_id(ctx.tenant().id());
  request.set_role_id(id);
  auto deleted = backends_->Invoke<rpb::DeleteRoleResponse>(
      ctx.caller, [&](grpc::ClientContext* c, rpb::DeleteRoleResponse* r) {
        return backends_->roles().DeleteRole(c, request, r);
      });
  // NOT_FOUND: the reconciler got there first.
  if (!deleted.ok() && !absl::IsNotFound(deleted.status())) {
    return ErrorResponse(absl::UnavailableError(
        "the group's members were removed and users no longer hold it, but "
        "role-service could not delete the role yet (" +
        std::string(deleted.status().message()) +
        "); it is deleted automatically once role-service is back"));
  }
  return web::http::http_response(status_codes::NoContent);
}

}  // namespace scim::edge
