// The audit trail end to end: the four real binaries, changes through the
// edge and scimctl, events read back over audit-service's gRPC API.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/time_util.h"
#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/user_batch.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace apb = scim::audit::v1;
using std::chrono::seconds;

constexpr char kUserSchema[] = "urn:ietf:params:scim:schemas:core:2.0:User";
constexpr char kPatchSchema[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
constexpr char kGroupSchema[] = "urn:ietf:params:scim:schemas:core:2.0:Group";

std::string UserJson(const std::string& user_name,
                     const std::string& extra = "") {
  return std::string(R"({"schemas":[")") + kUserSchema + R"("],"userName":")" +
         user_name + "\"" + extra + "}";
}

std::string Patch(const std::string& operations) {
  return std::string(R"({"schemas":[")") + kPatchSchema +
         R"("],"Operations":[)" + operations + "]}";
}

// A tenant of its own per test, so counting its events counts only what the
// test did.
struct Tenant {
  std::string id;
  std::string token;
};

class AuditTrailTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    stub_ = apb::AuditService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("audit-service"),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }

  Tenant NewTenant(const std::string& prefix) {
    int code = 0;
    std::string name = prefix + "-" + RandomHex(4);
    std::string out = stack_->Scimctl("tenant create " + name, &code);
    EXPECT_EQ(code, 0) << out;
    Tenant t{ScimctlField(out, "tenant"), ScimctlField(out, "token")};
    EXPECT_FALSE(t.id.empty()) << out;
    EXPECT_FALSE(t.token.empty()) << out;
    return t;
  }

  HttpResult Call(const Tenant& t, const std::string& method,
                  const std::string& path, const std::string& body,
                  const std::string& request_id) {
    std::map<std::string, std::string> headers = {
        {"Authorization", "Bearer " + t.token}};
    if (!request_id.empty()) headers["X-Request-Id"] = request_id;
    HttpResult r = stack_->Http(method, "/scim/v2" + path, body, headers);
    if (!request_id.empty()) {
      EXPECT_EQ(r.headers["x-request-id"], request_id)
          << "the edge returns the caller's request id";
    }
    return r;
  }

  // Every event of the tenant, newest first, paging through the cursor.
  std::vector<apb::Event> Events(const std::string& tenant_id,
                                 const std::string& outcome = "") {
    std::vector<apb::Event> out;
    apb::ListEventsRequest req;
    req.set_tenant_id(tenant_id);
    req.set_outcome(outcome);
    req.set_limit(7);  // several pages: the cursor is exercised too
    for (int page = 0; page < 1000; ++page) {
      grpc::ClientContext context;
      context.set_deadline(DeadlineAfter(seconds(10)));
      apb::ListEventsResponse resp;
      grpc::Status s = stub_->ListEvents(&context, req, &resp);
      if (!s.ok()) {
        ADD_FAILURE() << "ListEvents: " << s.error_message();
        return out;
      }
      out.insert(out.end(), resp.events().begin(), resp.events().end());
      if (resp.next_cursor().empty()) break;
      req.set_cursor(resp.next_cursor());
    }
    return out;
  }

  // Polls (bounded) until `done` holds for the tenant's events.
  std::vector<apb::Event> EventsWhen(
      const std::string& tenant_id,
      const std::function<bool(const std::vector<apb::Event>&)>& done,
      const std::string& outcome = "") {
    auto end = std::chrono::steady_clock::now() + seconds(60);
    std::vector<apb::Event> events;
    while (std::chrono::steady_clock::now() < end) {
      events = Events(tenant_id, outcome);
      if (done(events)) return events;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "events did not arrive in time; have " << events.size();
    return events;
  }

  static std::vector<apb::Event> WithRequestId(
      const std::vector<apb::Event>& events, const std::string& request_id) {
    std::vector<apb::Event> out;
    for (const auto& e : events) {
      if (e.request_id() == request_id) out.push_back(e);
    }
    return out;
  }
  static int CountOperation(const std::vector<apb::Event>& events,
                            const std::string& operation) {
    int n = 0;
    for (const auto& e : events) n += e.operation() == operation;
    return n;
  }

  // A watch stream with a bounded deadline.
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<apb::WatchEventsResponse>> reader;
    ~Watch() {
      context.TryCancel();
      if (reader) reader->Finish();
    }
  };
  std::unique_ptr<Watch> StartWatch(const std::string& tenant_id,
                                    const std::string& cursor) {
    auto w = std::make_unique<Watch>();
    w->context.set_deadline(DeadlineAfter(seconds(60)));
    apb::WatchEventsRequest req;
    req.set_tenant_id(tenant_id);
    req.set_cursor(cursor);
    w->reader = stub_->WatchEvents(&w->context, req);
    return w;
  }
  static apb::WatchEventsResponse NextEvent(Watch& w) {
    apb::WatchEventsResponse m;
    while (w.reader->Read(&m)) {
      if (m.has_event()) return m;
    }
    ADD_FAILURE() << "the watch ended before the next event";
    return apb::WatchEventsResponse();
  }
  // The next event of a request whose id starts with `prefix`: the tenant's
  // own set-up events may still be on their way (the outbox batches).
  static apb::WatchEventsResponse NextEventOf(Watch& w,
                                              const std::string& prefix) {
    while (true) {
      apb::WatchEventsResponse m = NextEvent(w);
      if (!m.has_event() || m.event().request_id().rfind(prefix, 0) == 0) {
        return m;
      }
    }
  }

  static Stack* stack_;
  std::unique_ptr<apb::AuditService::Stub> stub_;
};

Stack* AuditTrailTest::stack_ = nullptr;

TEST_F(AuditTrailTest, EveryKindOfChangeYieldsExactlyOneEvent) {
  Tenant t = NewTenant("audit-kinds");
  int code = 0;
  std::string out = stack_->Scimctl("role add " + t.id + " \"Booker\"", &code);
  ASSERT_EQ(code, 0) << out;

  // User lifecycle through the edge, one request id per change.
  HttpResult created =
      Call(t, "POST", "/Users", UserJson("kim@example.com"), "k-create");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  ASSERT_EQ(
      Call(t, "PUT", "/Users/" + id,
           UserJson("kim@example.com", R"(,"title":"Engineer")"), "k-replace")
          .status,
      200);
  ASSERT_EQ(Call(t, "PATCH", "/Users/" + id,
                 Patch(R"({"op":"replace","path":"title","value":"Lead"})"),
                 "k-patch")
                .status,
            200);
  ASSERT_EQ(Call(t, "PATCH", "/Users/" + id,
                 Patch(R"({"op":"replace","path":"active","value":false})"),
                 "k-deactivate")
                .status,
            200);
  ASSERT_EQ(Call(t, "PATCH", "/Users/" + id,
                 Patch(R"({"op":"replace","path":"active","value":true})"),
                 "k-reactivate")
                .status,
            200);
  HttpResult roles =
      Call(t, "PATCH", "/Users/" + id,
           Patch(R"({"op":"add","path":"roles","value":[{"value":"Booker"}]})"),
           "k-roles");
  ASSERT_EQ(roles.status, 200) << roles.raw;

  // Groups are roles of the catalog; members live in identity-service.
  HttpResult group = Call(t, "POST", "/Groups",
                          std::string(R"({"schemas":[")") + kGroupSchema +
                              R"("],"displayName":"Approvers"})",
                          "g-create");
  ASSERT_EQ(group.status, 201) << group.raw;
  std::string gid = group.body.at("id").as_string();
  ASSERT_EQ(Call(t, "PATCH", "/Groups/" + gid,
                 Patch(R"({"op":"add","path":"members","value":[{"value":")" +
                       id + R"("}]})"),
                 "g-add")
                    .status /
                100,
            2);
  ASSERT_EQ(Call(t, "PATCH", "/Groups/" + gid,
                 Patch(R"({"op":"remove","path":"members[value eq \")" + id +
                       R"(\"]"})"),
                 "g-remove")
                    .status /
                100,
            2);
  ASSERT_EQ(Call(t, "PATCH", "/Groups/" + gid,
                 Patch(R"({"op":"replace","path":"displayName",)"
                       R"("value":"Approvers 2"})"),
                 "g-rename")
                    .status /
                100,
            2);
  ASSERT_EQ(Call(t, "DELETE", "/Groups/" + gid, "", "g-delete").status, 204);
  ASSERT_EQ(Call(t, "DELETE", "/Users/" + id, "", "k-delete").status, 204);

  // Tenant administration through scimctl.
  out = stack_->Scimctl("token issue " + t.id, &code);
  ASSERT_EQ(code, 0) << out;
  std::string issued_id = ScimctlField(out, "token_id");
  std::string issued_secret = ScimctlField(out, "token");
  out = stack_->Scimctl("token rotate " + t.id, &code);
  ASSERT_EQ(code, 0) << out;
  std::string rotated_id = ScimctlField(out, "token_id");
  std::string rotated_secret = ScimctlField(out, "token");
  out = stack_->Scimctl("token revoke " + t.id + " " + rotated_id, &code);
  ASSERT_EQ(code, 0) << out;
  out = stack_->Scimctl("policy set " + t.id + " delete_mode soft", &code);
  ASSERT_EQ(code, 0) << out;
  out = stack_->Scimctl("field add " + t.id + " costcode --type string", &code);
  ASSERT_EQ(code, 0) << out;

  // tenant.create, token.issue (first token), role.create (Booker), 10 edge
  // changes counted below, then 5 scimctl changes.
  const size_t kExpected = 3 + 12 + 5;
  auto events =
      EventsWhen(t.id, [&](const auto& e) { return e.size() >= kExpected; });
  EXPECT_EQ(events.size(), kExpected);
  std::set<std::string> ids;
  for (const auto& e : events) ids.insert(e.event_id());
  EXPECT_EQ(ids.size(), events.size()) << "event ids are unique";

  const std::map<std::string, std::pair<std::string, std::string>> by_request =
      {{"k-create", {"create", "User"}},
       {"k-replace", {"replace", "User"}},
       {"k-patch", {"patch", "User"}},
       {"k-deactivate", {"deactivate", "User"}},
       {"k-reactivate", {"reactivate", "User"}},
       {"k-roles", {"patch", "User"}},
       {"g-create", {"role.create", "Role"}},
       {"g-add", {"membership.add", "User"}},
       {"g-remove", {"membership.remove", "User"}},
       {"g-rename", {"role.update", "Role"}},
       {"g-delete", {"role.delete", "Role"}},
       {"k-delete", {"delete", "User"}}};
  for (const auto& [request_id, expected] : by_request) {
    auto matching = WithRequestId(events, request_id);
    ASSERT_EQ(matching.size(), 1u) << request_id << " among: " << [&] {
      std::string all;
      for (const auto& e : events) {
        all +=
            "\n  " + e.request_id() + " " + e.operation() + " by " + e.actor();
      }
      return all;
    }();
    const apb::Event& e = matching[0];
    EXPECT_EQ(e.operation(), expected.first) << request_id;
    EXPECT_EQ(e.resource_type(), expected.second) << request_id;
    EXPECT_EQ(e.outcome(), "success") << request_id;
    EXPECT_EQ(e.tenant_id(), t.id);
    EXPECT_EQ(e.actor().rfind("token:", 0), 0u) << e.actor();
    EXPECT_FALSE(e.client_address().empty()) << request_id;
    if (expected.second == "User") {
      EXPECT_EQ(e.resource_id(), id) << request_id;
      EXPECT_EQ(e.user_name(), "kim@example.com") << request_id;
    } else {
      EXPECT_EQ(e.resource_id(), gid) << request_id;
    }
  }
  auto patch = WithRequestId(events, "k-patch")[0];
  EXPECT_EQ(std::vector<std::string>(patch.changed_attributes().begin(),
                                     patch.changed_attributes().end()),
            std::vector<std::string>{"title"});
  EXPECT_EQ(patch.changed_values().at("title"), "Lead");
  EXPECT_EQ(WithRequestId(events, "k-roles")[0].changed_values().at("roles"),
            "Booker");
  EXPECT_EQ(
      WithRequestId(events, "k-deactivate")[0].changed_values().at("active"),
      "false");

  EXPECT_EQ(CountOperation(events, "tenant.create"), 1);
  EXPECT_EQ(CountOperation(events, "token.issue"), 2);
  EXPECT_EQ(CountOperation(events, "token.rotate"), 1);
  EXPECT_EQ(CountOperation(events, "token.revoke"), 1);
  EXPECT_EQ(CountOperation(events, "policy.set"), 1);
  EXPECT_EQ(CountOperation(events, "field.add"), 1);
  EXPECT_EQ(CountOperation(events, "role.create"), 2);
  for (const auto& e : events) {
    if (e.operation() == "token.revoke") {
      EXPECT_EQ(e.resource_id(), rotated_id);
    }
    if (e.operation() == "token.rotate") {
      EXPECT_NE(e.changed_values().at("revoked").find(issued_id),
                std::string::npos);
    }
    // No event holds a token secret.
    for (const auto& secret : {t.token, issued_secret, rotated_secret}) {
      EXPECT_EQ(e.SerializeAsString().find(secret), std::string::npos)
          << e.ShortDebugString();
    }
  }
}

// The kinds the test above leaves out: the remaining tenant settings, and a
// DELETE under delete_mode soft (a deactivation) followed by reactivation.
// WriteUsers, the call the edge gathers concurrent creates and replaces
// into: each write is done, refused or audited exactly as its own
// CreateUser or ReplaceUser call would be, with its own request id, actor
// and operation.
TEST_F(AuditTrailTest, EachWriteOfAWriteUsersCallIsItsOwnRequest) {
  namespace ipb = scim::identity::v1;
  Tenant t = NewTenant("audit-batch");
  auto batch = ipb::UserBatchService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("identity-service"),
                          grpc::InsecureChannelCredentials()));
  auto who = [](ipb::UserWrite* w, const std::string& request_id) {
    w->set_request_id(request_id);
    w->set_actor("token:" + request_id);
    w->set_client_address("192.0.2.7");
  };
  auto create = [&](ipb::WriteUsersRequest* request, const std::string& name,
                    const std::string& request_id) {
    ipb::UserWrite* w = request->add_writes();
    w->mutable_create()->set_tenant_id(t.id);
    w->mutable_create()->mutable_user()->set_user_name(name);
    who(w, request_id);
  };
  auto write = [&](const ipb::WriteUsersRequest& request) {
    ipb::WriteUsersResponse response;
    grpc::ClientContext c;
    c.set_deadline(DeadlineAfter(seconds(10)));
    grpc::Status s = batch->WriteUsers(&c, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.results_size(), request.writes_size());
    return response;
  };
  ipb::WriteUsersRequest request;
  create(&request, "first@example.com", "b-first");
  create(&request, "FIRST@example.com", "b-again");  // taken by the one before
  create(&request, "", "b-empty");
  create(&request, "second@example.com", "b-second");
  ipb::WriteUsersResponse response = write(request);
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_EQ(response.results(0).code(), 0) << response.results(0).message();
  EXPECT_EQ(response.results(0).user().user_name(), "first@example.com");
  EXPECT_FALSE(response.results(0).user().id().empty());
  EXPECT_EQ(response.results(1).code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(response.results(1).scim_type(), "uniqueness");
  EXPECT_NE(response.results(1).message().find("userName"), std::string::npos)
      << response.results(1).message();
  EXPECT_EQ(response.results(2).code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(response.results(2).message().find("userName"), std::string::npos)
      << response.results(2).message();
  EXPECT_EQ(response.results(3).code(), 0) << response.results(3).message();
  EXPECT_NE(response.results(3).user().id(), response.results(0).user().id());

  // Replaces: one at the version it read (a PATCH's write), one at a
  // version that is gone, one of a user nobody has.
  ipb::User first = response.results(0).user();
  ipb::WriteUsersRequest replaces;
  {
    ipb::UserWrite* w = replaces.add_writes();
    w->mutable_replace()->set_tenant_id(t.id);
    *w->mutable_replace()->mutable_user() = first;
    w->mutable_replace()->mutable_user()->set_title("Lead");
    w->mutable_replace()->set_expected_version(first.meta().version());
    who(w, "b-patch");
    w->set_operation("patch");
    ipb::UserWrite* stale = replaces.add_writes();
    *stale = *w;
    who(stale, "b-stale");
    ipb::UserWrite* missing = replaces.add_writes();
    missing->mutable_replace()->set_tenant_id(t.id);
    missing->mutable_replace()->mutable_user()->set_id("no-such-user");
    missing->mutable_replace()->mutable_user()->set_user_name("x@example.com");
    who(missing, "b-missing");
  }
  ipb::WriteUsersResponse replaced = write(replaces);
  ASSERT_EQ(replaced.results_size(), 3);
  EXPECT_EQ(replaced.results(0).code(), 0) << replaced.results(0).message();
  EXPECT_EQ(replaced.results(0).user().title(), "Lead");
  EXPECT_EQ(replaced.results(1).code(), grpc::StatusCode::FAILED_PRECONDITION)
      << replaced.results(1).message();
  EXPECT_EQ(replaced.results(2).code(), grpc::StatusCode::NOT_FOUND)
      << replaced.results(2).message();

  auto events = EventsWhen(t.id, [](const std::vector<apb::Event>& e) {
    return !WithRequestId(e, "b-second").empty() &&
           !WithRequestId(e, "b-first").empty() &&
           !WithRequestId(e, "b-patch").empty();
  });
  for (const char* id : {"b-first", "b-second", "b-patch"}) {
    auto mine = WithRequestId(events, id);
    ASSERT_EQ(mine.size(), 1u) << id;
    EXPECT_EQ(mine[0].operation(),
              std::string(id) == "b-patch" ? "patch" : "create");
    EXPECT_EQ(mine[0].actor(), std::string("token:") + id);
    EXPECT_EQ(mine[0].client_address(), "192.0.2.7");
  }
  // Refused writes wrote nothing, so identity-service audited nothing.
  for (const char* id : {"b-again", "b-empty", "b-stale", "b-missing"}) {
    EXPECT_TRUE(WithRequestId(events, id).empty()) << id;
  }

  ipb::WriteUsersRequest too_many;
  for (int i = 0; i < 65; ++i) {
    create(&too_many, "many" + std::to_string(i) + "@example.com", "b-many");
  }
  grpc::ClientContext c;
  c.set_deadline(DeadlineAfter(seconds(10)));
  grpc::Status s = batch->WriteUsers(&c, too_many, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("at most 64"), std::string::npos)
      << s.error_message();
}

TEST_F(AuditTrailTest, SettingChangesAndSoftDeleteYieldExactlyOneEventEach) {
  Tenant t = NewTenant("audit-settings");
  // Every setting before the token's first use: the edge may keep a
  // tenant's settings for up to 5 seconds.
  for (const std::string& args :
       {"field add " + t.id + " badge --type string",
        "field remove " + t.id + " badge",
        "mapping set " + t.id + " costCenter CF-COST",
        "location add " + t.id + " London --rules \"locality equals London\"",
        "location remove " + t.id + " London",
        "policy set " + t.id + " delete_mode soft"}) {
    int code = 0;
    std::string out = stack_->Scimctl(args, &code);
    ASSERT_EQ(code, 0) << args << ": " << out;
  }
  HttpResult created =
      Call(t, "POST", "/Users", UserJson("soft@example.com"), "s-create");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  ASSERT_EQ(Call(t, "DELETE", "/Users/" + id, "", "s-delete").status, 204);
  HttpResult kept = Call(t, "GET", "/Users/" + id, "", "");
  ASSERT_EQ(kept.status, 200) << "soft delete keeps the user";
  EXPECT_FALSE(kept.body.at("active").as_bool());
  ASSERT_EQ(Call(t, "PATCH", "/Users/" + id,
                 Patch(R"({"op":"replace","path":"active","value":true})"),
                 "s-reactivate")
                .status,
            200);

  // tenant.create, token.issue, six settings, create, deactivate, reactivate.
  const size_t kExpected = 2 + 6 + 3;
  auto events =
      EventsWhen(t.id, [&](const auto& e) { return e.size() >= kExpected; });
  EXPECT_EQ(events.size(), kExpected);
  for (const char* operation : {"field.add", "field.remove", "mapping.set",
                                "location.put", "location.remove", "policy.set",
                                "create", "deactivate", "reactivate"}) {
    EXPECT_EQ(CountOperation(events, operation), 1) << operation;
  }
  EXPECT_EQ(CountOperation(events, "delete"), 0) << "soft delete keeps it";
  for (const auto& [request_id, operation] : std::map<std::string, std::string>{
           {"s-delete", "deactivate"}, {"s-reactivate", "reactivate"}}) {
    auto matching = WithRequestId(events, request_id);
    ASSERT_EQ(matching.size(), 1u) << request_id << " among: " << [&] {
      std::string all;
      for (const auto& e : events) {
        all +=
            "\n  " + e.request_id() + " " + e.operation() + " by " + e.actor();
      }
      return all;
    }();
    EXPECT_EQ(matching[0].operation(), operation) << request_id;
    EXPECT_EQ(matching[0].resource_id(), id);
    EXPECT_EQ(matching[0].user_name(), "soft@example.com");
    EXPECT_EQ(matching[0].changed_values().at("active"),
              operation == "deactivate" ? "false" : "true");
  }
}

TEST_F(AuditTrailTest, AnAuditServiceOutageLosesNoEvent) {
  Tenant t = NewTenant("audit-outage");
  stack_->Stop("audit-service");
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    HttpResult r = Call(t, "POST", "/Users",
                        UserJson("outage" + std::to_string(i) + "@example.com"),
                        "outage-create-" + std::to_string(i));
    ASSERT_EQ(r.status, 201) << "changes need no audit-service: " << r.raw;
    ids.push_back(r.body.at("id").as_string());
  }
  for (int i = 0; i < 10; ++i) {
    HttpResult r = Call(t, "PATCH", "/Users/" + ids[i],
                        Patch(R"({"op":"replace","path":"title","value":"T"})"),
                        "outage-patch-" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.raw;
  }
  stack_->Start("audit-service");
  stack_->WaitServing("audit-service");

  auto outage_events = [](const std::vector<apb::Event>& events) {
    std::vector<apb::Event> out;
    for (const auto& e : events) {
      if (e.request_id().rfind("outage-", 0) == 0) out.push_back(e);
    }
    return out;
  };
  auto events = EventsWhen(
      t.id, [&](const auto& e) { return outage_events(e).size() >= 20; });
  auto outage = outage_events(events);
  EXPECT_EQ(outage.size(), 20u);
  for (int i = 0; i < 10; ++i) {
    auto c = WithRequestId(outage, "outage-create-" + std::to_string(i));
    auto p = WithRequestId(outage, "outage-patch-" + std::to_string(i));
    ASSERT_EQ(c.size(), 1u) << i;
    ASSERT_EQ(p.size(), 1u) << i;
    EXPECT_EQ(c[0].operation(), "create");
    EXPECT_EQ(p[0].operation(), "patch");
    EXPECT_EQ(p[0].resource_id(), ids[i]);
  }
  stack_->WaitReady();
}

TEST_F(AuditTrailTest, AWatchFromACursorReceivesEveryLaterEventInOrder) {
  Tenant t = NewTenant("audit-watch");
  // Where the feed ends now: the first message of any watch says.
  std::string start;
  {
    auto w = StartWatch(t.id, "");
    apb::WatchEventsResponse first;
    ASSERT_TRUE(w->reader->Read(&first));
    EXPECT_FALSE(first.has_event());
    start = first.cursor();
  }
  ASSERT_FALSE(start.empty());

  // Sequential changes through identity-service, whose outbox ships in
  // commit order.
  std::vector<std::string> request_ids;
  HttpResult created =
      Call(t, "POST", "/Users", UserJson("watch@example.com"), "w-1");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  request_ids.push_back("w-1");
  for (int i = 2; i <= 5; ++i) {
    std::string rid = "w-" + std::to_string(i);
    ASSERT_EQ(Call(t, "PATCH", "/Users/" + id,
                   Patch(R"({"op":"replace","path":"title","value":"v)" +
                         std::to_string(i) + R"("})"),
                   rid)
                  .status,
              200);
    request_ids.push_back(rid);
  }

  auto w = StartWatch(t.id, start);
  std::vector<apb::WatchEventsResponse> got;
  for (size_t i = 0; i < request_ids.size(); ++i) {
    got.push_back(NextEventOf(*w, "w-"));
  }
  // Still open: later changes arrive on the same stream, after the others.
  ASSERT_EQ(Call(t, "DELETE", "/Users/" + id, "", "w-6").status, 204);
  request_ids.push_back("w-6");
  got.push_back(NextEventOf(*w, "w-"));

  std::vector<std::string> order;
  for (size_t i = 0; i < got.size(); ++i) {
    order.push_back(got[i].event().request_id());
    if (i > 0) {
      EXPECT_LT(got[i - 1].cursor(), got[i].cursor());
    }
  }
  EXPECT_EQ(order, request_ids);
  EXPECT_EQ(got.back().event().operation(), "delete");

  // Resuming from the third event's cursor: exactly the ones after it.
  auto resumed = StartWatch(t.id, got[2].cursor());
  std::vector<std::string> rest;
  for (size_t i = 3; i < got.size(); ++i) {
    rest.push_back(NextEventOf(*resumed, "w-").event().request_id());
  }
  EXPECT_EQ(rest, std::vector<std::string>(request_ids.begin() + 3,
                                           request_ids.end()));
}

TEST_F(AuditTrailTest, RefusedRequestsAppearWithTheirStatusAndDetail) {
  Tenant t = NewTenant("audit-refused");
  HttpResult bad_json = Call(t, "POST", "/Users", "{not json", "r-syntax");
  ASSERT_EQ(bad_json.status, 400);
  ASSERT_EQ(
      Call(t, "POST", "/Users", UserJson("dup@example.com"), "r-first").status,
      201);
  HttpResult dup =
      Call(t, "POST", "/Users", UserJson("DUP@example.com"), "r-dup");
  ASSERT_EQ(dup.status, 409);
  HttpResult missing = Call(
      t, "PATCH", "/Users/no-such-user",
      Patch(R"({"op":"replace","path":"title","value":"x"})"), "r-missing");
  ASSERT_EQ(missing.status, 404);
  // No X-Request-Id: the edge makes one, returns it, and records it.
  HttpResult anonymous = Call(t, "GET", "/Users/no-such-user", "", "");
  ASSERT_EQ(anonymous.status, 404);
  std::string generated = anonymous.headers["x-request-id"];
  ASSERT_FALSE(generated.empty());

  const std::string wrong_token = "wrong-token-" + RandomHex(16);
  HttpResult unauthenticated =
      stack_->Http("GET", "/scim/v2/Users", "",
                   {{"Authorization", "Bearer " + wrong_token},
                    {"X-Request-Id", "r-token"}});
  ASSERT_EQ(unauthenticated.status, 401);

  auto failures = EventsWhen(
      t.id, [](const auto& e) { return e.size() >= 4; }, "failure");
  EXPECT_EQ(failures.size(), 4u);
  struct Expected {
    const HttpResult* response;
    std::string operation;
    std::string scim_type;
  };
  const std::map<std::string, Expected> expected = {
      {"r-syntax", {&bad_json, "create", "invalidSyntax"}},
      {"r-dup", {&dup, "create", "uniqueness"}},
      {"r-missing", {&missing, "patch", ""}},
      {generated, {&anonymous, "read", ""}}};
  for (const auto& [rid, want] : expected) {
    auto matching = WithRequestId(failures, rid);
    ASSERT_EQ(matching.size(), 1u) << rid;
    const apb::Event& e = matching[0];
    EXPECT_EQ(e.http_status(), want.response->status) << rid;
    EXPECT_EQ(e.detail(), want.response->body.at("detail").as_string()) << rid;
    EXPECT_EQ(e.scim_type(), want.scim_type) << rid;
    EXPECT_EQ(e.operation(), want.operation) << rid;
    EXPECT_EQ(e.outcome(), "failure");
    EXPECT_EQ(e.resource_type(), "User");
    EXPECT_EQ(e.actor().rfind("token:", 0), 0u) << e.actor();
    EXPECT_EQ(e.source(), "scim-edge");
  }
  EXPECT_EQ(WithRequestId(failures, "r-missing")[0].resource_id(),
            "no-such-user");

  // The unknown token names no tenant: its refusal is kept apart.
  auto anonymous_events = EventsWhen("@unauthenticated", [](const auto& e) {
    return !WithRequestId(e, "r-token").empty();
  });
  auto token_events = WithRequestId(anonymous_events, "r-token");
  ASSERT_EQ(token_events.size(), 1u);
  EXPECT_EQ(token_events[0].http_status(), 401);
  EXPECT_EQ(token_events[0].detail(),
            unauthenticated.body.at("detail").as_string());
  EXPECT_EQ(token_events[0].operation(), "list");

  // No event anywhere holds a token.
  std::vector<apb::Event> all = Events(t.id);
  all.insert(all.end(), anonymous_events.begin(), anonymous_events.end());
  for (const auto& e : all) {
    std::string bytes = e.SerializeAsString();
    EXPECT_EQ(bytes.find(t.token), std::string::npos) << e.ShortDebugString();
    EXPECT_EQ(bytes.find(wrong_token), std::string::npos)
        << e.ShortDebugString();
  }

  int code = 0;
  std::string out = stack_->Scimctl(
      "audit list " + t.id + " --outcome failure --limit 10", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("http=409 scimType=uniqueness"), std::string::npos) << out;
  out = stack_->Scimctl("audit list @unauthenticated --limit 1000", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("request=r-token http=401"), std::string::npos) << out;
}

TEST_F(AuditTrailTest, ScimctlAuditListFiltersAndLimits) {
  Tenant t = NewTenant("audit-cli");
  std::string before = FormatRfc3339(NowTimestamp());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    HttpResult r = Call(t, "POST", "/Users",
                        UserJson("cli" + std::to_string(i) + "@example.com"),
                        "cli-" + std::to_string(i));
    ASSERT_EQ(r.status, 201);
    ids.push_back(r.body.at("id").as_string());
  }
  ASSERT_EQ(
      Call(t, "PATCH", "/Users/" + ids[0],
           Patch(R"({"op":"replace","path":"title","value":"x"})"), "cli-patch")
          .status,
      200);
  EventsWhen(t.id, [](const auto& e) { return e.size() >= 6; });

  auto lines = [](const std::string& out) {
    std::vector<std::string> v;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) v.push_back(line);
    return v;
  };
  int code = 0;
  std::string out =
      stack_->Scimctl("audit list " + t.id + " --user " + ids[0], &code);
  ASSERT_EQ(code, 0) << out;
  auto user_lines = lines(out);
  ASSERT_EQ(user_lines.size(), 2u) << out;
  EXPECT_NE(user_lines[0].find(" patch User " + ids[0] + " success"),
            std::string::npos)
      << "newest first: " << out;
  EXPECT_NE(user_lines[1].find(" create User " + ids[0] + " success"),
            std::string::npos)
      << out;

  out = stack_->Scimctl("audit list " + t.id + " --limit 2", &code);
  EXPECT_EQ(lines(out).size(), 2u) << out;
  // The name works as well as the id; --since leaves out the tenant's own
  // creation, which came before.
  out = stack_->Scimctl("audit list " + t.id + " --since " + before, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(lines(out).size(), 4u) << out;
  out = stack_->Scimctl("audit list " + t.id + " --since 2999-01-01T00:00:00Z",
                        &code);
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(out.empty()) << out;
  out = stack_->Scimctl("audit list " + t.id + " --since yesterday", &code);
  EXPECT_NE(code, 0);
}

}  // namespace
}  // namespace scim::testing
