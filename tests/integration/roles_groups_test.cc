// App roles resolved through role-service, groups synced as roles, the
// `groups` policy, effective roles over gRPC, and memberships at scale.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scim/identity/v1/identity.grpc.pb.h"
#include "scim/role/v1/role.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace pb = scim::identity::v1;
namespace rpb = scim::role::v1;

// Polls `ready` until it holds or `limit` passes: for effects that finish in
// the background (the group-delete reconciler).
void Deadline(grpc::ClientContext* c, int seconds = 5) {
  c->set_deadline(std::chrono::system_clock::now() +
                  std::chrono::seconds(seconds));
}

std::string PatchBody(const std::string& ops) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)" +
         ops + "}";
}

class RolesGroupsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
    int code = 0;
    for (const char* role : {"Booker", "Travel Arranger"}) {
      stack_->Scimctl(std::string("role add demo \"") + role + "\"", &code);
      EXPECT_EQ(code, 0);
    }
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }
  static std::string CreateUser(const std::string& name,
                                const std::string& extra = "") {
    HttpResult r = stack_->Http("POST", "/scim/v2/Users",
                                R"({"userName":")" + name + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.has_field("id") ? r.body.at("id").as_string() : "";
  }
  static std::string TenantId() {
    auto stub = pb::TenantService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
    pb::GetTenantRequest req;
    req.set_tenant("demo");
    pb::Tenant t;
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    EXPECT_TRUE(stub->GetTenant(&c, req, &t).ok());
    return t.id();
  }
  static std::unique_ptr<pb::IdentityService::Stub> Identity() {
    return pb::IdentityService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
  }
  static std::unique_ptr<rpb::RoleService::Stub> Roles() {
    return rpb::RoleService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("role-service"),
                            grpc::InsecureChannelCredentials()));
  }
  static std::vector<pb::EffectiveRole> EffectiveRoles(const std::string& id) {
    pb::GetEffectiveRolesRequest req;
    req.set_tenant_id(TenantId());
    req.set_user_id(id);
    pb::GetEffectiveRolesResponse resp;
    grpc::ClientContext c;
    Deadline(&c);
    EXPECT_TRUE(Identity()->GetEffectiveRoles(&c, req, &resp).ok());
    return {resp.roles().begin(), resp.roles().end()};
  }
  static std::string AddMember(const std::string& uid) {
    return PatchBody(R"([{"op":"add","path":"members","value":[{"value":")" +
                     uid + R"("}]}])");
  }
  // The `value`s of an array attribute of a resource (empty when absent).
  static std::vector<std::string> Values(const HttpResult& r,
                                         const std::string& attribute) {
    std::vector<std::string> out;
    if (!r.body.is_object() || !r.body.has_field(attribute)) return out;
    for (const auto& v : r.body.at(attribute).as_array()) {
      out.push_back(v.at("value").as_string());
    }
    return out;
  }
  static std::map<std::string, std::string> IfMatch(const std::string& etag) {
    return {{"Authorization", std::string("Bearer ") + Stack::kToken},
            {"If-Match", etag}};
  }
  static int64_t StoredHolders(const std::string& tenant,
                               const std::string& value);
  static Stack* stack_;
};

Stack* RolesGroupsTest::stack_ = nullptr;

TEST_F(RolesGroupsTest, AppRolesResolveByUnderscoredValue) {
  HttpResult entra = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"userName":"roles.entra@example.com","roles":[{"primary":true,
          "type":"WindowsAzureActiveDirectoryRole","display":"Travel Arranger",
          "value":"travel_arranger"}]})");
  ASSERT_EQ(entra.status, 201) << entra.raw;
  std::string id = entra.body.at("id").as_string();

  HttpResult unknown = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id,
      PatchBody(
          R"([{"op":"add","path":"roles","value":[{"value":"Bokker"}]}])"));
  EXPECT_EQ(unknown.status, 400);
  std::string detail = unknown.body.at("detail").as_string();
  EXPECT_NE(detail.find("'Bokker'"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Booker"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Travel_Arranger"), std::string::npos) << detail;
  EXPECT_EQ(unknown.body.at("scimType").as_string(), "invalidValue");

  HttpResult put = stack_->Http(
      "PUT", "/scim/v2/Users/" + id,
      R"({"userName":"roles.entra@example.com","roles":[{"value":"Nope"}]})");
  EXPECT_EQ(put.status, 400) << put.raw;
  detail = put.body.at("detail").as_string();
  EXPECT_NE(detail.find("'Nope'"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Travel_Arranger"), std::string::npos) << detail;

  HttpResult post = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"userName":"roles.unknown@example.com","roles":[{"value":"Pilot"}]})");
  EXPECT_EQ(post.status, 400) << post.raw;
  EXPECT_EQ(post.body.at("scimType").as_string(), "invalidValue");
  detail = post.body.at("detail").as_string();
  EXPECT_NE(detail.find("'Pilot'"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Booker"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Travel_Arranger"), std::string::npos) << detail;
  // Nothing was created.
  HttpResult none = stack_->Http(
      "GET",
      "/scim/v2/Users?filter=userName%20eq%20%22roles.unknown@example.com%22");
  EXPECT_EQ(none.body.at("totalResults").as_integer(), 0) << none.raw;

  // Roles are never created through the attribute.
  HttpResult roles =
      stack_->Http("GET", "/scim/v2/Groups?excludedAttributes=members");
  for (const auto& g : roles.body.at("Resources").as_array()) {
    EXPECT_NE(g.at("displayName").as_string(), "Bokker");
    EXPECT_NE(g.at("displayName").as_string(), "Nope");
  }
}

TEST_F(RolesGroupsTest, EffectiveRolesAreDirectPlusGroupRoles) {
  std::string id =
      CreateUser("effective@example.com", R"(,"roles":[{"value":"Booker"}])");
  HttpResult group = stack_->Http(
      "POST", "/scim/v2/Groups",
      R"({"displayName":"Approvers","members":[{"value":")" + id + R"("}]})");
  ASSERT_EQ(group.status, 201) << group.raw;

  auto stub = pb::IdentityService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("identity-service"),
                          grpc::InsecureChannelCredentials()));
  pb::GetEffectiveRolesRequest req;
  req.set_tenant_id(TenantId());
  req.set_user_id(id);
  pb::GetEffectiveRolesResponse resp;
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(stub->GetEffectiveRoles(&c, req, &resp).ok());
  ASSERT_EQ(resp.roles_size(), 2);
  EXPECT_EQ(resp.roles(0).source(), "direct");
  EXPECT_FALSE(resp.roles(0).role_id().empty());
  EXPECT_EQ(resp.roles(1).source(), "group");
  EXPECT_EQ(resp.roles(1).role_id(), group.body.at("id").as_string());
}

TEST_F(RolesGroupsTest, EntraGroupPatchShapes) {
  std::string a = CreateUser("shape.a@example.com");
  std::string b = CreateUser("shape.b@example.com");
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Shapes"})");
  std::string gid = group.body.at("id").as_string();
  std::string path = "/scim/v2/Groups/" + gid;
  HttpResult add = stack_->Http(
      "PATCH", path,
      PatchBody(R"([{"op":"Add","path":"members","value":[{"value":")" + a +
                R"("},{"value":")" + b + R"("}]}])"));
  ASSERT_EQ(add.status, 200) << add.raw;
  // A PATCH answer lists members only when `attributes` asks for them.
  EXPECT_FALSE(add.body.has_field("members")) << add.raw;
  EXPECT_EQ(Values(stack_->Http("GET", path), "members").size(), 2u);
  HttpResult rename = stack_->Http(
      "PATCH", path,
      PatchBody(
          R"([{"op":"Replace","path":"displayName","value":"Shapes 2"}])"));
  EXPECT_EQ(rename.body.at("displayName").as_string(), "Shapes 2")
      << rename.raw;
  HttpResult replace = stack_->Http(
      "PATCH", path,
      PatchBody(R"([{"op":"replace","path":"members","value":[{"value":")" + b +
                R"("}]}])"));
  ASSERT_EQ(replace.status, 200) << replace.raw;
  EXPECT_EQ(Values(stack_->Http("GET", path), "members"),
            std::vector<std::string>{b});
  HttpResult all =
      stack_->Http("PATCH", path + "?attributes=members",
                   PatchBody(R"([{"op":"remove","path":"members"}])"));
  ASSERT_EQ(all.status, 200) << all.raw;
  EXPECT_EQ(Values(all, "members").size(), 0u) << all.raw;
  HttpResult user = stack_->Http("GET", "/scim/v2/Users/" + b);
  EXPECT_FALSE(user.body.has_field("groups")) << user.raw;

  // Deleting a user removes its memberships.
  stack_->Http(
      "PATCH", path,
      PatchBody(R"([{"op":"add","path":"members","value":[{"value":")" + a +
                R"("}]}])"));
  EXPECT_EQ(stack_->Http("DELETE", "/scim/v2/Users/" + a).status, 204);
  EXPECT_EQ(stack_->Http("GET", path).body.at("members").size(), 0u);
}

TEST_F(RolesGroupsTest, HundredConcurrentMemberAddsAllLand) {
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Crowd"})");
  std::string gid = group.body.at("id").as_string();
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    ids.push_back(CreateUser("crowd" + std::to_string(i) + "@example.com"));
  }
  // 100 PATCHes in flight at once, one per member, all racing on the group.
  std::vector<std::thread> writers;
  std::vector<int> codes(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    writers.emplace_back([&, i] {
      try {
        codes[i] =
            stack_->Http("PATCH", "/scim/v2/Groups/" + gid, AddMember(ids[i]))
                .status;
      } catch (const std::exception&) {
        codes[i] = -1;  // the assertion below names the member
      }
    });
  }
  for (auto& t : writers) t.join();
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(codes[i], 200) << i;
  HttpResult got = stack_->Http("GET", "/scim/v2/Groups/" + gid);
  std::set<std::string> members;
  for (const auto& m : got.body.at("members").as_array()) {
    members.insert(m.at("value").as_string());
  }
  EXPECT_EQ(members.size(), 100u);
}

TEST_F(RolesGroupsTest, GroupsOffMeans403AndNoGroupInDiscovery) {
  int code = 0;
  std::string out = stack_->Scimctl("tenant create nogroups", &code);
  std::string token = out.substr(out.find("token: ") + 7);
  token = token.substr(0, token.find('\n'));
  stack_->Scimctl("policy set nogroups groups disabled", &code);
  ASSERT_EQ(code, 0);
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  HttpResult groups = stack_->Http("GET", "/scim/v2/Groups", "", auth);
  EXPECT_EQ(groups.status, 403) << groups.raw;
  EXPECT_NE(groups.body.at("detail").as_string().find("groups are off"),
            std::string::npos);
  HttpResult types = stack_->Http("GET", "/scim/v2/ResourceTypes", "", auth);
  EXPECT_EQ(types.body.at("totalResults").as_integer(), 1) << types.raw;
  HttpResult schema = stack_->Http(
      "GET", "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", "",
      auth);
  EXPECT_EQ(schema.status, 404);
  HttpResult schemas = stack_->Http("GET", "/scim/v2/Schemas", "", auth);
  ASSERT_EQ(schemas.status, 200) << schemas.raw;
  for (const auto& sch : schemas.body.at("Resources").as_array()) {
    EXPECT_NE(sch.at("id").as_string(),
              "urn:ietf:params:scim:schemas:core:2.0:Group");
  }
  EXPECT_NE(schemas.raw.find("urn:ietf:params:scim:schemas:core:2.0:User"),
            std::string::npos);
}

// 50,000 members: the membership add of one more member is a delta write,
// and the members read back page by page over gRPC.
TEST_F(RolesGroupsTest, FiftyThousandMembers) {
  constexpr int kMembers = 50000;
  auto identity = pb::IdentityService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("identity-service"),
                          grpc::InsecureChannelCredentials()));
  std::string tenant = TenantId();
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Everyone"})");
  std::string gid = group.body.at("id").as_string();
  auto deadline = [](grpc::ClientContext* c) {
    c->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(60));
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  for (int i = 0; i < kMembers; ++i) {
    pb::CreateUserRequest req;
    req.set_tenant_id(tenant);
    req.mutable_user()->set_user_name("m" + std::to_string(i) + "@big.example");
    pb::User u;
    grpc::ClientContext c;
    deadline(&c);
    ASSERT_TRUE(identity->CreateUser(&c, req, &u).ok());
    ids.push_back(u.id());
  }
  for (int from = 0; from < kMembers; from += 5000) {
    pb::UpdateGroupMembersRequest req;
    req.set_tenant_id(tenant);
    req.set_group_id(gid);
    req.set_group_display("Everyone");
    for (int i = from; i < from + 5000; ++i) req.add_add_user_ids(ids[i]);
    pb::UpdateGroupMembersResponse resp;
    grpc::ClientContext c;
    deadline(&c);
    ASSERT_TRUE(identity->UpdateGroupMembers(&c, req, &resp).ok());
  }
  auto loaded = std::chrono::steady_clock::now();

  std::string one = "{\"userName\":\"late@big.example\"}";
  HttpResult late = stack_->Http("POST", "/scim/v2/Users", one);
  auto t0 = std::chrono::steady_clock::now();
  // As Entra sends it: no excludedAttributes.
  HttpResult add = stack_->Http("PATCH", "/scim/v2/Groups/" + gid,
                                AddMember(late.body.at("id").as_string()));
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_EQ(add.status, 200) << add.raw;
  EXPECT_FALSE(add.body.has_field("members"));

  // Page by page over gRPC, by cursor and by startIndex: the same members.
  std::set<std::string> by_cursor;
  std::string after;
  for (int pages = 0; pages < 20; ++pages) {
    pb::ListGroupMembersRequest req;
    req.set_tenant_id(tenant);
    req.set_group_id(gid);
    req.mutable_page()->set_count(5000);
    req.set_after(after);
    pb::ListGroupMembersResponse resp;
    grpc::ClientContext c;
    deadline(&c);
    ASSERT_TRUE(identity->ListGroupMembers(&c, req, &resp).ok());
    EXPECT_EQ(resp.page().total_results(), kMembers + 1);
    for (const auto& m : resp.members()) by_cursor.insert(m.value());
    if (resp.members_size() < 5000) break;
    after = resp.members(resp.members_size() - 1).value();
  }
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_EQ(by_cursor.size(), static_cast<size_t>(kMembers + 1));
  {
    pb::ListGroupMembersRequest req;
    req.set_tenant_id(tenant);
    req.set_group_id(gid);
    req.mutable_page()->set_start_index(kMembers - 1);
    req.mutable_page()->set_count(5000);
    pb::ListGroupMembersResponse resp;
    grpc::ClientContext c;
    deadline(&c);
    ASSERT_TRUE(identity->ListGroupMembers(&c, req, &resp).ok());
    EXPECT_EQ(resp.members_size(), 3);  // the last three of 50,001
  }
  // The whole group over HTTP still answers.
  auto g0 = std::chrono::steady_clock::now();
  HttpResult whole = stack_->Http("GET", "/scim/v2/Groups/" + gid);
  auto g1 = std::chrono::steady_clock::now();
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.at("members").size(), static_cast<size_t>(kMembers + 1));
  auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  // The same add on a group of 5, for comparison.
  HttpResult small =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Five"})");
  std::string small_id = small.body.at("id").as_string();
  for (int i = 0; i < 5; ++i) {
    stack_->Http(
        "PATCH", "/scim/v2/Groups/" + small_id,
        PatchBody(R"([{"op":"add","path":"members","value":[{"value":")" +
                  ids[i] + R"("}]}])"));
  }
  auto s0 = std::chrono::steady_clock::now();
  HttpResult small_add =
      stack_->Http("PATCH", "/scim/v2/Groups/" + small_id,
                   AddMember(late.body.at("id").as_string()));
  auto s1 = std::chrono::steady_clock::now();
  EXPECT_EQ(small_add.status, 200);
  // Figures for the note; timing is not asserted (CI machines vary).
  std::cout << "50k members: load " << ms(loaded - start)
            << " ms; one member add over HTTP " << ms(t1 - t0)
            << " ms (to a group of 5: " << ms(s1 - s0)
            << " ms); all members read over gRPC in pages of 5000 "
            << ms(t2 - t1) << " ms; whole group over HTTP " << ms(g1 - g0)
            << " ms" << std::endl;
}

// Deleting a group takes its role from everyone: members and users who hold
// it directly in `roles`, in SCIM reads and in GetEffectiveRoles alike.
TEST_F(RolesGroupsTest, DeletedGroupLeavesNoUserHoldingIt) {
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Auditors"})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  std::string member = CreateUser("auditor.member@example.com");
  std::string direct = CreateUser("auditor.direct@example.com",
                                  R"(,"roles":[{"value":"auditors"}])");
  ASSERT_EQ(
      stack_->Http("PATCH", "/scim/v2/Groups/" + gid, AddMember(member)).status,
      200);
  ASSERT_EQ(EffectiveRoles(direct).size(), 1u);
  ASSERT_EQ(stack_->Http("DELETE", "/scim/v2/Groups/" + gid).status, 204);
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Groups/" + gid).status, 404);
  for (const std::string& id : {member, direct}) {
    HttpResult u = stack_->Http("GET", "/scim/v2/Users/" + id);
    EXPECT_TRUE(Values(u, "groups").empty()) << u.raw;
    EXPECT_TRUE(Values(u, "roles").empty()) << u.raw;
    EXPECT_TRUE(EffectiveRoles(id).empty()) << id;
  }
  // The role is gone from the catalog too: assigning it is refused.
  HttpResult again = stack_->Http(
      "PATCH", "/scim/v2/Users/" + member,
      PatchBody(
          R"([{"op":"add","path":"roles","value":[{"value":"Auditors"}]}])"));
  EXPECT_EQ(again.status, 400) << again.raw;
}

// The platform's own role API (role-service over gRPC, the real binary):
// create, rename and delete reach the users holding the role.
TEST_F(RolesGroupsTest, RoleServiceGrpcCreateRenameDelete) {
  auto roles = Roles();
  std::string tenant = TenantId();
  rpb::CreateRoleRequest create;
  create.set_tenant_id(tenant);
  create.set_name("Night Auditor");
  rpb::Role role;
  {
    grpc::ClientContext c;
    Deadline(&c);
    ASSERT_TRUE(roles->CreateRole(&c, create, &role).ok());
  }
  EXPECT_EQ(role.value(), "Night_Auditor");
  {
    grpc::ClientContext c;
    Deadline(&c);
    rpb::Role dup;
    EXPECT_EQ(roles->CreateRole(&c, create, &dup).error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  std::string direct = CreateUser("night.direct@example.com",
                                  R"(,"roles":[{"value":"night_auditor"}])");
  std::string member = CreateUser("night.member@example.com");
  // A role is a group: it can have members.
  ASSERT_EQ(
      stack_->Http("PATCH", "/scim/v2/Groups/" + role.id(), AddMember(member))
          .status,
      200);

  ASSERT_EQ(StoredHolders(tenant, "night_auditor"), 1);

  rpb::UpdateRoleRequest rename;
  rename.set_tenant_id(tenant);
  rename.set_role_id(role.id());
  rename.set_name("Day Auditor");
  {
    grpc::ClientContext c;
    Deadline(&c);
    rpb::Role renamed;
    ASSERT_TRUE(roles->UpdateRole(&c, rename, &renamed).ok());
    EXPECT_EQ(renamed.value(), "Day_Auditor");
  }
  HttpResult d = stack_->Http("GET", "/scim/v2/Users/" + direct);
  ASSERT_EQ(d.body.at("roles").size(), 1u) << d.raw;
  EXPECT_EQ(d.body.at("roles").at(0).at("value").as_string(), "Day_Auditor");
  EXPECT_EQ(d.body.at("roles").at(0).at("display").as_string(), "Day Auditor");
  HttpResult m = stack_->Http("GET", "/scim/v2/Users/" + member);
  ASSERT_EQ(m.body.at("groups").size(), 1u) << m.raw;
  EXPECT_EQ(m.body.at("groups").at(0).at("display").as_string(), "Day Auditor");

  rpb::DeleteRoleRequest del;
  del.set_tenant_id(tenant);
  del.set_role_id(role.id());
  {
    grpc::ClientContext c;
    Deadline(&c);
    rpb::DeleteRoleResponse r;
    ASSERT_TRUE(roles->DeleteRole(&c, del, &r).ok());
  }
  {
    rpb::GetRoleRequest get;
    get.set_tenant_id(tenant);
    get.set_role_id(role.id());
    grpc::ClientContext c;
    Deadline(&c);
    rpb::Role gone;
    EXPECT_EQ(roles->GetRole(&c, get, &gone).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  for (const std::string& id : {direct, member}) {
    HttpResult u = stack_->Http("GET", "/scim/v2/Users/" + id);
    EXPECT_TRUE(Values(u, "roles").empty()) << u.raw;
    EXPECT_TRUE(Values(u, "groups").empty()) << u.raw;
    EXPECT_TRUE(EffectiveRoles(id).empty()) << id;
  }
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Groups/" + role.id()).status, 404);
  // Users holding it directly are rewritten without it in the background.
  EXPECT_TRUE(
      Eventually([&] { return StoredHolders(tenant, "night_auditor") == 0; },
                 std::chrono::seconds(20)));
}

// How many stored users of the tenant have `value` in roles (filters see the
// records as stored, not as rendered).
int64_t RolesGroupsTest::StoredHolders(const std::string& tenant,
                                       const std::string& value) {
  pb::ListUsersRequest list;
  list.set_tenant_id(tenant);
  auto* f = list.mutable_filter();
  f->set_op(scim::common::v1::Filter::EQ);
  f->set_attribute("roles.value");
  f->mutable_value()->set_string_value(value);
  pb::ListUsersResponse resp;
  grpc::ClientContext c;
  Deadline(&c);
  if (!Identity()->ListUsers(&c, list, &resp).ok()) return -1;
  return resp.page().total_results();
}

// role-service down after the members were removed: the client hears 503,
// and identity-service finishes the delete once role-service is back.
TEST_F(RolesGroupsTest, HalfFailedGroupDeleteFinishesByItself) {
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Doomed"})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  std::string member = CreateUser("doomed.member@example.com");
  ASSERT_EQ(
      stack_->Http("PATCH", "/scim/v2/Groups/" + gid, AddMember(member)).status,
      200);

  stack_->Stop("role-service", SIGKILL);
  HttpResult del = stack_->Http("DELETE", "/scim/v2/Groups/" + gid);
  EXPECT_EQ(del.status, 503) << del.raw;
  // Members are already gone: users no longer hold the group.
  HttpResult u = stack_->Http("GET", "/scim/v2/Users/" + member);
  EXPECT_TRUE(Values(u, "groups").empty()) << u.raw;
  EXPECT_TRUE(EffectiveRoles(member).empty());

  stack_->Start("role-service");
  stack_->WaitServing("role-service");
  std::string tenant = TenantId();
  EXPECT_TRUE(Eventually(
      [&] {
        rpb::GetRoleRequest req;
        req.set_tenant_id(tenant);
        req.set_role_id(gid);
        rpb::Role role;
        grpc::ClientContext c;
        Deadline(&c);
        return Roles()->GetRole(&c, req, &role).error_code() ==
               grpc::StatusCode::NOT_FOUND;
      },
      std::chrono::seconds(30)))
      << "role-service still has the deleted group's role";
  // The edge reconnects to role-service on its own schedule.
  EXPECT_TRUE(Eventually(
      [&] {
        return stack_->Http("GET", "/scim/v2/Groups/" + gid).status == 404;
      },
      std::chrono::seconds(30)));
  HttpResult filtered =
      stack_->Http("GET",
                   "/scim/v2/Groups?filter=displayName%20eq%20%22Doomed%22"
                   "&excludedAttributes=members");
  EXPECT_EQ(filtered.body.at("totalResults").as_integer(), 0) << filtered.raw;
  EXPECT_TRUE(Values(stack_->Http("GET", "/scim/v2/Users/" + member), "groups")
                  .empty());
  // The name is free again.
  EXPECT_EQ(
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Doomed"})")
          .status,
      201);
}

TEST_F(RolesGroupsTest, GroupRenameShowsOnMembersAndDirectHolders) {
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Planners"})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  std::string member = CreateUser("planner.member@example.com");
  std::string direct = CreateUser("planner.direct@example.com",
                                  R"(,"roles":[{"value":"planners"}])");
  ASSERT_EQ(
      stack_->Http("PATCH", "/scim/v2/Groups/" + gid, AddMember(member)).status,
      200);
  HttpResult renamed = stack_->Http(
      "PATCH", "/scim/v2/Groups/" + gid,
      PatchBody(
          R"([{"op":"Replace","path":"displayName","value":"Trip Planners"}])"));
  ASSERT_EQ(renamed.status, 200) << renamed.raw;
  EXPECT_EQ(renamed.body.at("displayName").as_string(), "Trip Planners");
  HttpResult m = stack_->Http("GET", "/scim/v2/Users/" + member);
  ASSERT_EQ(m.body.at("groups").size(), 1u) << m.raw;
  EXPECT_EQ(m.body.at("groups").at(0).at("display").as_string(),
            "Trip Planners");
  HttpResult d = stack_->Http("GET", "/scim/v2/Users/" + direct);
  ASSERT_EQ(d.body.at("roles").size(), 1u) << d.raw;
  EXPECT_EQ(d.body.at("roles").at(0).at("value").as_string(), "Trip_Planners");
  EXPECT_EQ(d.body.at("roles").at(0).at("display").as_string(),
            "Trip Planners");
  auto effective = EffectiveRoles(member);
  ASSERT_EQ(effective.size(), 1u);
  EXPECT_EQ(effective[0].display(), "Trip Planners");
}

// The group's ETag changes with every member change, and If-Match is
// checked in the same write as the change.
TEST_F(RolesGroupsTest, MemberChangeMakesOldETagStale) {
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Tagged"})");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  std::string path = "/scim/v2/Groups/" + gid;
  std::string a = CreateUser("tagged.a@example.com");
  std::string b = CreateUser("tagged.b@example.com");
  HttpResult read = stack_->Http("GET", path);
  std::string old_tag = read.headers.at("etag");
  ASSERT_EQ(stack_->Http("PATCH", path, AddMember(a)).status, 200);
  HttpResult now = stack_->Http("GET", path);
  std::string new_tag = now.headers.at("etag");
  EXPECT_NE(new_tag, old_tag);
  EXPECT_EQ(now.body.at("meta").at("version").as_string(), new_tag);

  std::string put_body =
      R"({"displayName":"Tagged","members":[{"value":")" + b + R"("}]})";
  EXPECT_EQ(stack_->Http("PUT", path, put_body, IfMatch(old_tag)).status, 412);
  EXPECT_EQ(stack_->Http("PATCH", path, AddMember(b), IfMatch(old_tag)).status,
            412);
  HttpResult rename = stack_->Http(
      "PATCH", path,
      PatchBody(
          R"([{"op":"replace","path":"displayName","value":"Tagged 2"}])"),
      IfMatch(old_tag));
  EXPECT_EQ(rename.status, 412) << rename.raw;
  EXPECT_EQ(stack_->Http("DELETE", path, "", IfMatch(old_tag)).status, 412);
  // A header that can match nothing is refused, never ignored.
  for (const std::string& bad :
       {std::string("garbage"), std::string("\"99\"")}) {
    EXPECT_EQ(stack_->Http("PATCH", path, AddMember(b), IfMatch(bad)).status,
              412)
        << bad;
    EXPECT_EQ(stack_->Http("PUT", path, put_body, IfMatch(bad)).status, 412)
        << bad;
    EXPECT_EQ(stack_->Http("DELETE", path, "", IfMatch(bad)).status, 412)
        << bad;
  }
  EXPECT_EQ(stack_->Http("PATCH", path, AddMember(a), IfMatch("*")).status,
            200);
  HttpResult unchanged = stack_->Http("GET", path);
  EXPECT_EQ(unchanged.body.at("displayName").as_string(), "Tagged");
  EXPECT_EQ(Values(unchanged, "members"), std::vector<std::string>{a});

  HttpResult patched =
      stack_->Http("PATCH", path, AddMember(b), IfMatch(new_tag));
  ASSERT_EQ(patched.status, 200) << patched.raw;
  std::string tag3 = patched.headers.at("etag");
  EXPECT_NE(tag3, new_tag);
  // A successful PUT replaces the members and renames.
  HttpResult put = stack_->Http(
      "PUT", path,
      R"({"displayName":"Tagged Again","members":[{"value":")" + b + R"("}]})",
      IfMatch(tag3));
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body.at("displayName").as_string(), "Tagged Again");
  EXPECT_EQ(Values(put, "members"), std::vector<std::string>{b});
  EXPECT_EQ(Values(stack_->Http("GET", "/scim/v2/Users/" + a), "groups").size(),
            0u);
  std::string tag4 = put.headers.at("etag");
  EXPECT_NE(tag4, tag3);
  EXPECT_EQ(stack_->Http("DELETE", path, "", IfMatch(tag3)).status, 412);
  EXPECT_EQ(stack_->Http("DELETE", path, "", IfMatch(tag4)).status, 204);
}

// A PATCH that renames and changes members applies both or neither.
TEST_F(RolesGroupsTest, RenameAndMembersInOnePatchAreAtomic) {
  ASSERT_EQ(
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Taken Name"})")
          .status,
      201);
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups", R"({"displayName":"Combo"})");
  std::string gid = group.body.at("id").as_string();
  std::string path = "/scim/v2/Groups/" + gid;
  std::string a = CreateUser("combo.a@example.com");
  auto both = [&](const std::string& name) {
    return PatchBody(R"([{"op":"replace","path":"displayName","value":")" +
                     name +
                     R"("},{"op":"add","path":"members","value":[{"value":")" +
                     a + R"("}]}])");
  };
  HttpResult clash = stack_->Http("PATCH", path, both("taken name"));
  EXPECT_EQ(clash.status, 409) << clash.raw;
  HttpResult after = stack_->Http("GET", path);
  EXPECT_EQ(after.body.at("displayName").as_string(), "Combo");
  EXPECT_TRUE(Values(after, "members").empty()) << after.raw;
  EXPECT_TRUE(
      Values(stack_->Http("GET", "/scim/v2/Users/" + a), "groups").empty());

  HttpResult ok = stack_->Http("PATCH", path, both("Combo 2"));
  ASSERT_EQ(ok.status, 200) << ok.raw;
  HttpResult done = stack_->Http("GET", path);
  EXPECT_EQ(done.body.at("displayName").as_string(), "Combo 2");
  EXPECT_EQ(Values(done, "members"), std::vector<std::string>{a});
}

TEST_F(RolesGroupsTest, GroupsSortBy) {
  for (const char* name : {"Sort b", "Sort A", "Sort c"}) {
    ASSERT_EQ(stack_
                  ->Http("POST", "/scim/v2/Groups",
                         std::string(R"({"displayName":")") + name + "\"}")
                  .status,
              201);
  }
  auto names = [&](const std::string& query) {
    HttpResult r =
        stack_->Http("GET",
                     "/scim/v2/Groups?filter=displayName%20sw%20%22Sort%20%22"
                     "&excludedAttributes=members&" +
                         query);
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> out;
    for (const auto& g : r.body.at("Resources").as_array()) {
      out.push_back(g.at("displayName").as_string());
    }
    return out;
  };
  EXPECT_EQ(names("sortBy=displayName&sortOrder=descending"),
            (std::vector<std::string>{"Sort c", "Sort b", "Sort A"}));
  EXPECT_EQ(names("sortBy=meta.created"),
            (std::vector<std::string>{"Sort b", "Sort A", "Sort c"}));
  EXPECT_EQ(names("sortBy=meta.lastModified&sortOrder=descending"),
            (std::vector<std::string>{"Sort c", "Sort A", "Sort b"}));
  HttpResult bad = stack_->Http("GET", "/scim/v2/Groups?sortBy=members");
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(bad.body.at("scimType").as_string(), "invalidValue");
  EXPECT_NE(bad.body.at("detail").as_string().find("displayName"),
            std::string::npos);
}

}  // namespace
}  // namespace scim::testing
