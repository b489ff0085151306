// Two scim-edge replicas on the same services: a token revoked or rotated
// away stops working on both within 5 seconds (each edge trusts a token
// lookup for at most that long), base paths come from configuration, and
// cached users follow every write on both.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/crypto.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kReplicaBase[] = "/custom/scim";

class EdgeReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
    replica_port_ = FreePort();
    replica_ = new Process();
    stack_->StartEdgeReplica(replica_, replica_port_,
                             {{"SCIM_BASE_PATHS", kReplicaBase}},
                             "scim-edge-replica.log");
    auto end = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < end) {
      try {
        if (Stack::HttpAt(replica_port_, "GET", "/readyz", "", {}).status ==
            200) {
          return;
        }
      } catch (const std::exception&) {
        // not listening yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the second edge did not become ready";
  }
  static void TearDownTestSuite() {
    delete replica_;  // stops it before the services it calls
    replica_ = nullptr;
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }

  // A new tenant's name and first token.
  static std::pair<std::string, std::string> NewTenant(
      const std::string& prefix) {
    std::string name = prefix + "-" + RandomHex(4);
    int code = 0;
    std::string out = stack_->Scimctl("tenant create " + name, &code);
    EXPECT_EQ(code, 0) << out;
    return {name, ScimctlField(out, "token")};
  }

  // The status a list request with `token` gets from each edge.
  static int OnMain(const std::string& token) {
    return stack_
        ->Http("GET", "/scim/v2/Users?count=0", "",
               {{"Authorization", "Bearer " + token}})
        .status;
  }
  static int OnReplica(const std::string& token) {
    return Stack::HttpAt(replica_port_, "GET",
                         std::string(kReplicaBase) + "/Users?count=0", "",
                         {{"Authorization", "Bearer " + token}})
        .status;
  }

  // Polls both edges (bounded) until each refuses `token`; returns how long
  // after `since` each first answered 401 (or a negative duration if it
  // never did within 8 seconds).
  static std::pair<std::chrono::milliseconds, std::chrono::milliseconds>
  TimeUntilRefusedOnBoth(const std::string& token, Clock::time_point since) {
    using std::chrono::milliseconds;
    milliseconds main(-1), replica(-1);
    auto end = since + std::chrono::seconds(8);
    while ((main.count() < 0 || replica.count() < 0) && Clock::now() < end) {
      if (main.count() < 0 && OnMain(token) == 401) {
        main = std::chrono::duration_cast<milliseconds>(Clock::now() - since);
      }
      if (replica.count() < 0 && OnReplica(token) == 401) {
        replica =
            std::chrono::duration_cast<milliseconds>(Clock::now() - since);
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    return {main, replica};
  }

  // GET /Users?filter=userName eq "<user_name>"<extra> on the main edge.
  static HttpResult LookUpUserName(
      const std::map<std::string, std::string>& auth,
      const std::string& user_name, const std::string& extra) {
    return stack_->Http(
        "GET",
        "/scim/v2/Users?filter=userName%20eq%20%22" + user_name + "%22" + extra,
        "", auth);
  }

  static Stack* stack_;
  static Process* replica_;
  static int replica_port_;
};

Stack* EdgeReplicasTest::stack_ = nullptr;
Process* EdgeReplicasTest::replica_ = nullptr;
int EdgeReplicasTest::replica_port_ = 0;

constexpr auto kWithin = std::chrono::milliseconds(5000);

TEST_F(EdgeReplicasTest, RevocationReachesEveryReplicaWithinFiveSeconds) {
  auto [tenant, first] = NewTenant("revoke");
  int code = 0;
  std::string issued = stack_->Scimctl("token issue " + tenant, &code);
  ASSERT_EQ(code, 0) << issued;
  std::string token = ScimctlField(issued, "token");
  std::string token_id = ScimctlField(issued, "token_id");
  // Both edges have looked the token up, so both hold it in their caches.
  ASSERT_EQ(OnMain(token), 200);
  ASSERT_EQ(OnReplica(token), 200);

  Clock::time_point revoked = Clock::now();
  std::string out =
      stack_->Scimctl("token revoke " + tenant + " " + token_id, &code);
  ASSERT_EQ(code, 0) << out;
  auto [main, replica] = TimeUntilRefusedOnBoth(token, revoked);
  EXPECT_GE(main.count(), 0) << "the first edge still accepts the token";
  EXPECT_GE(replica.count(), 0) << "the second edge still accepts the token";
  EXPECT_LE(main, kWithin);
  EXPECT_LE(replica, kWithin);
  std::cerr << "revocation seen after " << main.count() << " ms and "
            << replica.count() << " ms\n";
  // Refused for good, and the tenant's other token is untouched.
  EXPECT_EQ(OnMain(token), 401);
  EXPECT_EQ(OnReplica(token), 401);
  EXPECT_EQ(OnMain(first), 200);
  EXPECT_EQ(OnReplica(first), 200);
}

TEST_F(EdgeReplicasTest, RotationReachesEveryReplicaWithinFiveSeconds) {
  auto [tenant, old_token] = NewTenant("rotate");
  ASSERT_EQ(OnMain(old_token), 200);
  ASSERT_EQ(OnReplica(old_token), 200);

  Clock::time_point rotated = Clock::now();
  int code = 0;
  std::string out = stack_->Scimctl("token rotate " + tenant, &code);
  ASSERT_EQ(code, 0) << out;
  std::string new_token = ScimctlField(out, "token");
  ASSERT_FALSE(new_token.empty()) << out;
  auto [main, replica] = TimeUntilRefusedOnBoth(old_token, rotated);
  EXPECT_GE(main.count(), 0) << "the first edge still accepts the old token";
  EXPECT_GE(replica.count(), 0)
      << "the second edge still accepts the old token";
  EXPECT_LE(main, kWithin);
  EXPECT_LE(replica, kWithin);
  EXPECT_EQ(OnMain(new_token), 200);
  EXPECT_EQ(OnReplica(new_token), 200);
}

TEST_F(EdgeReplicasTest, BasePathsComeFromConfiguration) {
  auto [tenant, token] = NewTenant("paths");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  HttpResult created =
      Stack::HttpAt(replica_port_, "POST", std::string(kReplicaBase) + "/Users",
                    R"({"userName":"custom.path@example.com"})", auth);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_NE(created.body.at("meta")
                .at("location")
                .as_string()
                .find(std::string(kReplicaBase) + "/Users/"),
            std::string::npos)
      << created.raw;
  HttpResult listed = Stack::HttpAt(
      replica_port_, "GET", std::string(kReplicaBase) + "/Users", "", auth);
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(listed.body.at("totalResults").as_integer(), 1);
  HttpResult config = Stack::HttpAt(
      replica_port_, "GET",
      std::string(kReplicaBase) + "/ServiceProviderConfig", "", auth);
  EXPECT_EQ(config.status, 200) << config.raw;

  // The defaults are not served by this replica...
  for (const char* path :
       {"/scim/v2/Users", "/api/v2/scim/Users", "/v2/Users"}) {
    HttpResult r = Stack::HttpAt(replica_port_, "GET", path, "", auth);
    EXPECT_EQ(r.status, 404) << path << ": " << r.raw;
  }
  // ...while the first edge, with the default configuration, serves the
  // same directory there.
  HttpResult main = stack_->Http("GET", "/scim/v2/Users", "", auth);
  ASSERT_EQ(main.status, 200) << main.raw;
  EXPECT_EQ(main.body.at("totalResults").as_integer(), 1);
}

// Each edge serves GET /Users/{id} from its cache of users; a write through
// any path (the other edge, gRPC straight to identity-service, a group
// change) is seen by the very next read on both, with no waiting: the
// write's reply is held until every edge's cache has dropped the old copy.
TEST_F(EdgeReplicasTest, CachedUsersFollowEveryWriteOnEveryEdge) {
  namespace pb = scim::identity::v1;
  auto [tenant, token] = NewTenant("cache");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  HttpResult created = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"userName":"cached.user@example.com","title":"One"})", auth);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  auto on_main = [&] {
    return stack_->Http("GET", "/scim/v2/Users/" + id, "", auth);
  };
  auto on_replica = [&] {
    return Stack::HttpAt(replica_port_, "GET",
                         std::string(kReplicaBase) + "/Users/" + id, "", auth);
  };
  auto title = [](const HttpResult& r) {
    return r.body.has_field("title") ? r.body.at("title").as_string() : "";
  };
  for (int i = 0; i < 3; ++i) {  // both caches hold the user now
    ASSERT_EQ(title(on_main()), "One");
    ASSERT_EQ(title(on_replica()), "One");
  }

  // PATCH through the replica: the main edge's next read has it.
  for (int round = 0; round < 20; ++round) {
    std::string value = "Patched " + std::to_string(round);
    HttpResult patched = Stack::HttpAt(
        replica_port_, "PATCH", std::string(kReplicaBase) + "/Users/" + id,
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"replace","path":"title","value":")" +
            value + R"("}]})",
        auth);
    ASSERT_EQ(patched.status, 200) << patched.raw;
    ASSERT_EQ(title(on_main()), value) << "round " << round;
    ASSERT_EQ(title(on_replica()), value) << "round " << round;
  }

  // ReplaceUser over gRPC, past both edges.
  auto channel = grpc::CreateChannel(stack_->grpc_address("identity-service"),
                                     grpc::InsecureChannelCredentials());
  auto identity = pb::IdentityService::NewStub(channel);
  auto tenants = pb::TenantService::NewStub(channel);
  auto deadline = [](grpc::ClientContext* c) {
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  };
  pb::Tenant stored;
  {
    pb::GetTenantRequest request;
    request.set_tenant(tenant);
    grpc::ClientContext c;
    deadline(&c);
    ASSERT_TRUE(tenants->GetTenant(&c, request, &stored).ok());
  }
  // A user made over gRPC is not SCIM-managed, so gRPC may change it.
  pb::User user;
  {
    pb::CreateUserRequest request;
    request.set_tenant_id(stored.id());
    request.mutable_user()->set_user_name("grpc.made@example.com");
    grpc::ClientContext c;
    deadline(&c);
    grpc::Status s = identity->CreateUser(&c, request, &user);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  auto grpc_user_title = [&](int port, const std::string& base) {
    return title(
        Stack::HttpAt(port, "GET", base + "/Users/" + user.id(), "", auth));
  };
  for (int round = 0; round < 20; ++round) {
    EXPECT_EQ(grpc_user_title(stack_->http_port(), "/scim/v2"),
              user.title());  // cached again after each change
    EXPECT_EQ(grpc_user_title(replica_port_, kReplicaBase), user.title());
    std::string value = "Over gRPC " + std::to_string(round);
    user.set_title(value);
    pb::ReplaceUserRequest replace;
    replace.set_tenant_id(stored.id());
    *replace.mutable_user() = user;
    {
      grpc::ClientContext c;
      deadline(&c);
      grpc::Status s = identity->ReplaceUser(&c, replace, &user);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
    ASSERT_EQ(grpc_user_title(stack_->http_port(), "/scim/v2"), value)
        << "round " << round;
    ASSERT_EQ(grpc_user_title(replica_port_, kReplicaBase), value)
        << "round " << round;
  }

  // A group's name shows in its members' `groups`: a rename through one
  // edge is on the other's next read.
  HttpResult group =
      stack_->Http("POST", "/scim/v2/Groups",
                   R"({"displayName":"Cache Readers","members":[{"value":")" +
                       id + R"("}]})",
                   auth);
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string group_id = group.body.at("id").as_string();
  auto group_display = [](const HttpResult& r) -> std::string {
    if (!r.body.has_field("groups")) return "";
    return r.body.at("groups").as_array().at(0).at("display").as_string();
  };
  ASSERT_EQ(group_display(on_replica()), "Cache Readers");
  ASSERT_EQ(group_display(on_main()), "Cache Readers");
  HttpResult renamed = stack_->Http(
      "PATCH", "/scim/v2/Groups/" + group_id,
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations":[{"op":"replace","path":"displayName",
                         "value":"Cache Writers"}]})",
      auth);
  ASSERT_LT(renamed.status, 300) << renamed.raw;
  EXPECT_EQ(group_display(on_replica()), "Cache Writers");
  EXPECT_EQ(group_display(on_main()), "Cache Writers");

  // Deleted through the main edge: gone on the replica at once.
  HttpResult deleted = stack_->Http("DELETE", "/scim/v2/Users/" + id, "", auth);
  ASSERT_EQ(deleted.status, 204) << deleted.raw;
  EXPECT_EQ(on_replica().status, 404);
  EXPECT_EQ(on_main().status, 404);
}

// The edge's calls of `method` to identity-service, from its /metrics.
double IdentityCalls(int port, const std::string& method) {
  const std::string series =
      "grpc_client_handled_total{grpc_service=\"scim.identity.v1."
      "IdentityService\",grpc_method=\"" +
      method + "\",grpc_code=\"OK\"} ";
  HttpResult r = Stack::HttpAt(port, "GET", "/metrics", "", {});
  size_t at = r.raw.find(series);
  if (at == std::string::npos) return 0;
  return std::stod(r.raw.substr(at + series.size()));
}

double GetUserCalls(int port) { return IdentityCalls(port, "GetUser"); }

TEST_F(EdgeReplicasTest, AWritesReplyIsWhatItsEdgeServesNext) {
  auto [tenant, token] = NewTenant("written");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  auto title = [](const HttpResult& r) {
    return r.body.has_field("title") ? r.body.at("title").as_string() : "";
  };
  auto patch_title = [&](int port, const std::string& base,
                         const std::string& id, const std::string& value) {
    return Stack::HttpAt(
        port, "PATCH", base + "/Users/" + id,
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"replace","path":"title","value":")" +
            value + R"("}]})",
        auth);
  };
  const int main_port = stack_->http_port();
  // The cache serves only under its lease, which a slow machine may let
  // lapse for a moment: a few users, one of which must be served unread.
  std::string id;
  bool served_unread = false;
  for (int attempt = 0; attempt < 3 && !served_unread; ++attempt) {
    HttpResult created =
        stack_->Http("POST", "/scim/v2/Users",
                     R"({"userName":"written)" + std::to_string(attempt) +
                         R"(@example.com","title":"One"})",
                     auth);
    ASSERT_EQ(created.status, 201) << created.raw;
    id = created.body.at("id").as_string();
    double before = GetUserCalls(main_port);
    for (int i = 0; i < 2; ++i) {
      HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id, "", auth);
      ASSERT_EQ(got.status, 200) << got.raw;
      ASSERT_EQ(title(got), "One");
      ASSERT_EQ(got.headers["etag"], created.headers["etag"]);
    }
    served_unread = GetUserCalls(main_port) == before;
  }
  EXPECT_TRUE(served_unread)
      << "the edge read back a user its own POST had just returned";

  // Each edge's writes replace its copy; the other edge's writes drop it.
  for (int round = 0; round < 10; ++round) {
    bool on_main = round % 2 == 0;
    int port = on_main ? main_port : replica_port_;
    std::string base = on_main ? "/scim/v2" : kReplicaBase;
    std::string value = "Round " + std::to_string(round);
    HttpResult patched = patch_title(port, base, id, value);
    ASSERT_EQ(patched.status, 200) << patched.raw;
    EXPECT_EQ(title(stack_->Http("GET", "/scim/v2/Users/" + id, "", auth)),
              value)
        << "round " << round;
    EXPECT_EQ(title(Stack::HttpAt(replica_port_, "GET",
                                  std::string(kReplicaBase) + "/Users/" + id,
                                  "", auth)),
              value)
        << "round " << round;
  }

  // A new member's groups change, not anyone else's: another user the main
  // edge holds stays held when a group gains a member through the replica.
  HttpResult other = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"userName":"bystander@example.com","title":"Still"})", auth);
  ASSERT_EQ(other.status, 201) << other.raw;
  std::string other_id = other.body.at("id").as_string();
  HttpResult group = Stack::HttpAt(
      replica_port_, "POST", std::string(kReplicaBase) + "/Groups",
      R"({"displayName":"Written Group","members":[{"value":")" + id +
          R"("}]})",
      auth);
  ASSERT_EQ(group.status, 201) << group.raw;
  double before = GetUserCalls(main_port);
  HttpResult bystander =
      stack_->Http("GET", "/scim/v2/Users/" + other_id, "", auth);
  ASSERT_EQ(bystander.status, 200) << bystander.raw;
  EXPECT_EQ(title(bystander), "Still");
  EXPECT_EQ(GetUserCalls(main_port), before);
  HttpResult member = stack_->Http("GET", "/scim/v2/Users/" + id, "", auth);
  ASSERT_TRUE(member.body.has_field("groups")) << member.raw;
  EXPECT_EQ(member.body.at("groups").as_array().at(0).at("display").as_string(),
            "Written Group");
}

TEST_F(EdgeReplicasTest, AUserNameLookupIsAnsweredByTheEdgeThatHoldsTheUser) {
  auto [tenant, token] = NewTenant("lookup");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  const int main_port = stack_->http_port();
  auto lookup = [&](const std::string& user_name, const std::string& extra) {
    return LookUpUserName(auth, user_name, extra);
  };
  auto found = [](const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.raw;
    if (r.body.at("totalResults").as_integer() != 1) return std::string();
    return r.body.at("Resources").as_array().at(0).at("id").as_string();
  };
  // As for GET, the lease may lapse for a moment on a slow machine: a few
  // users, one of which must be answered without identity-service.
  std::string id, name;
  bool answered_here = false;
  for (int attempt = 0; attempt < 3 && !answered_here; ++attempt) {
    name = "Lookup" + std::to_string(attempt) + "@Example.com";
    HttpResult created =
        stack_->Http("POST", "/scim/v2/Users",
                     R"({"userName":")" + name + R"(","title":"Found"})", auth);
    ASSERT_EQ(created.status, 201) << created.raw;
    id = created.body.at("id").as_string();
    double before = IdentityCalls(main_port, "ListUsers");
    // userName is not case-sensitive.
    HttpResult hit = lookup(absl::AsciiStrToLower(name), "");
    ASSERT_EQ(found(hit), id);
    answered_here = IdentityCalls(main_port, "ListUsers") == before;
    // The answer is identity-service's to the letter (sortBy goes there).
    EXPECT_EQ(hit.raw, lookup(name, "&sortBy=userName").raw);
  }
  EXPECT_TRUE(answered_here) << "the edge asked identity-service for a user "
                                "its own POST had just returned";
  HttpResult off_page = lookup(name, "&startIndex=2");
  EXPECT_EQ(off_page.body.at("totalResults").as_integer(), 1) << off_page.raw;
  EXPECT_EQ(off_page.body.at("Resources").as_array().size(), 0u);
  EXPECT_EQ(off_page.raw, lookup(name, "&startIndex=2&sortBy=userName").raw);
  HttpResult counted = lookup(name, "&count=0");
  EXPECT_EQ(counted.body.at("Resources").as_array().size(), 0u);
  HttpResult projected = lookup(name, "&attributes=userName");
  ASSERT_EQ(found(projected), id);
  EXPECT_FALSE(
      projected.body.at("Resources").as_array().at(0).has_field("title"));
  EXPECT_EQ(projected.raw,
            lookup(name, "&attributes=userName&sortBy=userName").raw);

  // Renamed through the other edge: the old name is nobody's, then
  // another user's; deleted, the new name is nobody's.
  HttpResult renamed = Stack::HttpAt(
      replica_port_, "PATCH", std::string(kReplicaBase) + "/Users/" + id,
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
          "Operations":[{"op":"replace","path":"userName",
                         "value":"renamed-lookup@example.com"}]})",
      auth);
  ASSERT_EQ(renamed.status, 200) << renamed.raw;
  EXPECT_EQ(found(lookup(name, "")), "");
  EXPECT_EQ(found(lookup("renamed-lookup@example.com", "")), id);
  HttpResult taker =
      Stack::HttpAt(replica_port_, "POST", std::string(kReplicaBase) + "/Users",
                    R"({"userName":")" + name + R"("})", auth);
  ASSERT_EQ(taker.status, 201) << taker.raw;
  EXPECT_EQ(found(lookup(name, "")), taker.body.at("id").as_string());
  HttpResult deleted =
      Stack::HttpAt(replica_port_, "DELETE",
                    std::string(kReplicaBase) + "/Users/" + id, "", auth);
  ASSERT_EQ(deleted.status, 204) << deleted.raw;
  EXPECT_EQ(found(lookup("renamed-lookup@example.com", "")), "");
}

// The lookup an IdP sends before creating a user, for a userName nobody has
// yet, is answered by the edge once it holds the tenant's userNames; a name
// given through any path (the other edge, gRPC past both) is found at once.
TEST_F(EdgeReplicasTest, ALookupOfANameNobodyHasIsAnsweredByTheEdge) {
  namespace pb = scim::identity::v1;
  auto [tenant, token] = NewTenant("absent");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  const int main_port = stack_->http_port();
  auto lookup = [&](const std::string& user_name, const std::string& extra) {
    return LookUpUserName(auth, user_name, extra);
  };
  auto total = [](const HttpResult& r) {
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.status == 200 ? r.body.at("totalResults").as_integer() : -1;
  };
  auto absent_answers = [&] {
    // The sample's line, not its # HELP line.
    const std::string series = "\nscim_edge_absent_user_names_answered_total ";
    HttpResult r = Stack::HttpAt(main_port, "GET", "/metrics", "", {});
    size_t at = r.raw.find(series);
    return at == std::string::npos
               ? 0.0
               : std::stod(r.raw.substr(at + series.size()));
  };
  ASSERT_EQ(stack_
                ->Http("POST", "/scim/v2/Users",
                       R"({"userName":"Present@Example.com"})", auth)
                .status,
            201);
  // The first lookups ask identity-service while the edge reads the
  // tenant's userNames (in the background); then it answers them itself.
  bool answered_here = false;
  auto end = Clock::now() + std::chrono::seconds(10);
  for (int i = 0; !answered_here && Clock::now() < end; ++i) {
    std::string name = "nobody" + std::to_string(i) + "@example.com";
    double answers = absent_answers();
    double calls = IdentityCalls(main_port, "ListUsers");
    HttpResult miss = lookup(name, "");
    ASSERT_EQ(total(miss), 0);
    answered_here = absent_answers() == answers + 1 &&
                    IdentityCalls(main_port, "ListUsers") == calls;
    if (answered_here) {
      // Identity-service's answer to the letter (sortBy goes there).
      EXPECT_EQ(miss.raw, lookup(name, "&sortBy=userName").raw);
      EXPECT_EQ(lookup(name, "&startIndex=3&count=5").raw,
                lookup(name, "&startIndex=3&count=5&sortBy=userName").raw);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_TRUE(answered_here) << "the edge never answered a lookup of a "
                                "userName nobody has by itself";
  // Names it had when they were read, in any case.
  EXPECT_EQ(total(lookup("present@example.com", "")), 1);

  // Created, or renamed, through the other edge: found through this one
  // by the very next lookup (the reply waited until this edge had it).
  for (int i = 0; i < 10; ++i) {
    std::string name = "Replica" + std::to_string(i) + "@Example.com";
    HttpResult created = Stack::HttpAt(
        replica_port_, "POST", std::string(kReplicaBase) + "/Users",
        R"({"userName":")" + name + R"("})", auth);
    ASSERT_EQ(created.status, 201) << created.raw;
    ASSERT_EQ(total(lookup(absl::AsciiStrToLower(name), "")), 1) << name;
    std::string renamed = "renamed" + std::to_string(i) + "@example.com";
    HttpResult patched = Stack::HttpAt(
        replica_port_, "PATCH",
        std::string(kReplicaBase) + "/Users/" +
            created.body.at("id").as_string(),
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"replace","path":"userName","value":")" +
            renamed + R"("}]})",
        auth);
    ASSERT_EQ(patched.status, 200) << patched.raw;
    ASSERT_EQ(total(lookup(renamed, "")), 1) << renamed;
    EXPECT_EQ(total(lookup(name, "")), 0) << name;
  }

  // Created over gRPC, past both edges.
  auto channel = grpc::CreateChannel(stack_->grpc_address("identity-service"),
                                     grpc::InsecureChannelCredentials());
  auto identity = pb::IdentityService::NewStub(channel);
  auto tenants = pb::TenantService::NewStub(channel);
  pb::Tenant stored;
  {
    pb::GetTenantRequest request;
    request.set_tenant(tenant);
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ASSERT_TRUE(tenants->GetTenant(&c, request, &stored).ok());
  }
  pb::CreateUserRequest request;
  request.set_tenant_id(stored.id());
  request.mutable_user()->set_user_name("Over.Grpc@example.com");
  pb::User made;
  grpc::ClientContext c;
  c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(identity->CreateUser(&c, request, &made).ok());
  EXPECT_EQ(total(lookup("over.grpc@example.com", "")), 1);
}

// The edge sends the writes that arrive while one is under way together,
// as one WriteUsers call (edge/user_write_batcher.h). Each POST and PATCH
// still gets its own answer, a duplicate among them its own 409, and both
// edges serve each new user and each change at once.
TEST_F(EdgeReplicasTest, WritesMadeAtOnceEachGetTheirOwnAnswerOnEveryEdge) {
  auto [tenant, token] = NewTenant("burst");
  std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + token}};
  constexpr int kDistinct = 24;
  constexpr int kSameName = 4;
  std::vector<HttpResult> results(kDistinct + kSameName);
  std::vector<std::thread> threads;
  auto name_of = [](int i) {
    return i < kDistinct ? "burst" + std::to_string(i) + "@example.com"
                         : std::string("same.name@example.com");
  };
  for (int i = 0; i < kDistinct + kSameName; ++i) {
    threads.emplace_back([&, i] {
      results[i] = Stack::HttpAt(stack_->http_port(), "POST", "/scim/v2/Users",
                                 R"({"userName":")" + name_of(i) +
                                     R"(","title":"Title )" +
                                     std::to_string(i) + R"("})",
                                 auth);
    });
  }
  for (auto& t : threads) t.join();
  auto title = [](const HttpResult& r) {
    return r.body.has_field("title") ? r.body.at("title").as_string() : "";
  };
  std::set<std::string> ids;
  for (int i = 0; i < kDistinct; ++i) {
    const HttpResult& r = results[i];
    ASSERT_EQ(r.status, 201) << r.raw;
    EXPECT_EQ(r.body.at("userName").as_string(), name_of(i));
    EXPECT_EQ(title(r), "Title " + std::to_string(i));
    std::string id = r.body.at("id").as_string();
    ids.insert(id);
    const std::string& location = r.headers.at("location");
    EXPECT_EQ(location.substr(location.size() - id.size() - 7), "/Users/" + id);
    HttpResult on_main = stack_->Http("GET", "/scim/v2/Users/" + id, "", auth);
    EXPECT_EQ(title(on_main), "Title " + std::to_string(i)) << on_main.raw;
    HttpResult on_replica =
        Stack::HttpAt(replica_port_, "GET",
                      std::string(kReplicaBase) + "/Users/" + id, "", auth);
    EXPECT_EQ(title(on_replica), "Title " + std::to_string(i))
        << on_replica.raw;
    HttpResult found = Stack::HttpAt(replica_port_, "GET",
                                     std::string(kReplicaBase) +
                                         "/Users?filter=userName%20eq%20%22" +
                                         name_of(i) + "%22",
                                     "", auth);
    ASSERT_EQ(found.status, 200) << found.raw;
    EXPECT_EQ(found.body.at("totalResults").as_integer(), 1) << found.raw;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kDistinct));
  int created = 0, conflicts = 0;
  for (int i = kDistinct; i < kDistinct + kSameName; ++i) {
    const HttpResult& r = results[i];
    if (r.status == 201) {
      ++created;
    } else {
      ASSERT_EQ(r.status, 409) << r.raw;
      EXPECT_EQ(r.body.at("scimType").as_string(), "uniqueness") << r.raw;
      ++conflicts;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(conflicts, kSameName - 1);

  // PATCHes of every user at once, two per user: neither is lost.
  std::vector<std::string> id_of(kDistinct);
  for (int i = 0; i < kDistinct; ++i) {
    id_of[i] = results[i].body.at("id").as_string();
  }
  std::vector<HttpResult> patched(2 * kDistinct);
  threads.clear();
  for (int i = 0; i < 2 * kDistinct; ++i) {
    threads.emplace_back([&, i] {
      const char* path = i % 2 == 0 ? "title" : "displayName";
      patched[i] = Stack::HttpAt(
          stack_->http_port(), "PATCH", "/scim/v2/Users/" + id_of[i / 2],
          std::string(
              R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":")") +
              path + R"(","value":"Patched )" + std::to_string(i) + R"("}]})",
          auth);
    });
  }
  for (auto& t : threads) t.join();
  for (const HttpResult& r : patched) ASSERT_EQ(r.status, 200) << r.raw;
  for (int i = 0; i < kDistinct; ++i) {
    for (int port : {stack_->http_port(), replica_port_}) {
      std::string base =
          port == replica_port_ ? std::string(kReplicaBase) : "/scim/v2";
      HttpResult r =
          Stack::HttpAt(port, "GET", base + "/Users/" + id_of[i], "", auth);
      ASSERT_EQ(r.status, 200) << r.raw;
      EXPECT_EQ(title(r), "Patched " + std::to_string(2 * i)) << r.raw;
      EXPECT_EQ(r.body.at("displayName").as_string(),
                "Patched " + std::to_string(2 * i + 1))
          << r.raw;
    }
  }
  // The edge's calls: writes went as WriteUsers.
  HttpResult metrics =
      Stack::HttpAt(stack_->http_port(), "GET", "/metrics", "", {});
  EXPECT_NE(metrics.raw.find("grpc_method=\"WriteUsers\",grpc_code=\"OK\""),
            std::string::npos);
}

}  // namespace
}  // namespace scim::testing
