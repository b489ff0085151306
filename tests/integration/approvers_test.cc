// Trip approvers from enterprise managers (TravelPerk) through the real
// stack: a manager reference (id, externalId or userName) that names no
// user yet is pending and resolves by itself when that user arrives;
// deactivated and deleted managers leave no approver; every change is in
// the audit trail; the approval chain over gRPC; manager cycles are 400.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

namespace pb = scim::identity::v1;
namespace apb = scim::audit::v1;
using State = pb::GetApproverResponse::State;

constexpr char kEnterprise[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

class ApproversTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
    token_ = NewTenant("travelperk", true);
    tenant_id_ = TenantId("travelperk");
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }

  static std::string NewTenant(const std::string& name, bool approvers) {
    int code = 0;
    std::string out = stack_->Scimctl("tenant create " + name, &code);
    EXPECT_EQ(code, 0) << out;
    std::istringstream lines(out);
    std::string line, token;
    while (std::getline(lines, line)) {
      if (line.rfind("token: ", 0) == 0) token = line.substr(7);
    }
    if (approvers) {
      stack_->Scimctl("policy set " + name + " approver_from_manager true",
                      &code);
      EXPECT_EQ(code, 0);
    }
    return token;
  }
  static std::string TenantId(const std::string& name) {
    auto stub = pb::TenantService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
    pb::GetTenantRequest req;
    req.set_tenant(name);
    pb::Tenant t;
    grpc::ClientContext c;
    c.set_deadline(In(5));
    EXPECT_TRUE(stub->GetTenant(&c, req, &t).ok());
    return t.id();
  }
  static HttpResult Call(const std::string& method, const std::string& path,
                         const std::string& body = "",
                         const std::string& token = token_) {
    return stack_->Http(method, path, body,
                        {{"Authorization", "Bearer " + token}});
  }
  // A user managed by `manager` (empty: none); returns its id.
  static std::string CreateUser(const std::string& user_name,
                                const std::string& external_id,
                                const std::string& manager,
                                const std::string& token = token_) {
    std::string body = R"({"userName":")" + user_name + R"(")";
    if (!external_id.empty()) {
      body += R"(,"externalId":")" + external_id + R"(")";
    }
    if (!manager.empty()) {
      body += R"(,")" + std::string(kEnterprise) +
              R"(":{"manager":{"value":")" + manager + R"("}})";
    }
    HttpResult r = Call("POST", "/scim/v2/Users", body + "}", token);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_string() : "";
  }
  static HttpResult Patch(const std::string& id, const std::string& path,
                          const std::string& value_json) {
    return Call(
        "PATCH", "/scim/v2/Users/" + id,
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":")" +
            path + R"(","value":)" + value_json + "}]}");
  }
  static pb::GetApproverResponse Approver(
      const std::string& user_id, const std::string& tenant_id = tenant_id_) {
    auto stub = pb::IdentityService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("identity-service"),
                            grpc::InsecureChannelCredentials()));
    pb::GetApproverRequest req;
    req.set_tenant_id(tenant_id);
    req.set_user_id(user_id);
    pb::GetApproverResponse resp;
    grpc::ClientContext c;
    c.set_deadline(In(5));
    grpc::Status s = stub->GetApprover(&c, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }
  // The approver events of `user_id`, oldest first.
  static std::vector<apb::Event> ApproverEvents(const std::string& user_id) {
    auto stub = apb::AuditService::NewStub(
        grpc::CreateChannel(stack_->grpc_address("audit-service"),
                            grpc::InsecureChannelCredentials()));
    apb::ListEventsRequest req;
    req.set_tenant_id(tenant_id_);
    req.set_resource_id(user_id);
    req.set_limit(1000);
    apb::ListEventsResponse resp;
    grpc::ClientContext c;
    c.set_deadline(In(5));
    grpc::Status s = stub->ListEvents(&c, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<apb::Event> out;
    for (const auto& e : resp.events()) {
      if (e.operation().rfind("approver.", 0) == 0) out.insert(out.begin(), e);
    }
    return out;
  }
  // Polls (bounded): the outbox ships events to audit-service on its own.
  static std::vector<apb::Event> ApproverEventsWhen(const std::string& user_id,
                                                    size_t count) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::vector<apb::Event> events;
    while (std::chrono::steady_clock::now() < end) {
      events = ApproverEvents(user_id);
      if (events.size() >= count) return events;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "expected " << count << " approver events, have "
                  << events.size();
    return events;
  }

  static Stack* stack_;
  static std::string token_;
  static std::string tenant_id_;
};

Stack* ApproversTest::stack_ = nullptr;
std::string ApproversTest::token_;
std::string ApproversTest::tenant_id_;

TEST_F(ApproversTest, PendingManagerResolvesWhenItsExternalIdArrives) {
  // Entra sends the manager's id in its own directory: here an externalId.
  std::string report = CreateUser("report@tp.example", "", "EMP-9");
  pb::GetApproverResponse pending = Approver(report);
  EXPECT_EQ(pending.state(), pb::GetApproverResponse::PENDING);
  EXPECT_EQ(pending.manager_id(), "EMP-9");
  EXPECT_NE(pending.detail().find("not provisioned yet"), std::string::npos);
  ASSERT_EQ(pending.chain_size(), 1);
  EXPECT_EQ(pending.chain(0).state(), pb::GetApproverResponse::PENDING);
  std::string etag = Call("GET", "/scim/v2/Users/" + report).headers["etag"];

  std::string manager = CreateUser("boss@tp.example", "EMP-9", "");
  pb::GetApproverResponse active = Approver(report);
  EXPECT_EQ(active.state(), pb::GetApproverResponse::ACTIVE);
  EXPECT_EQ(active.approver().id(), manager);
  EXPECT_EQ(active.approver().user_name(), "boss@tp.example");
  EXPECT_EQ(Call("GET", "/scim/v2/Users/" + report).headers["etag"], etag)
      << "the report itself did not change";

  auto events = ApproverEventsWhen(report, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].operation(), "approver.pending");
  EXPECT_EQ(events[0].changed_values().at("approver"), "PENDING");
  EXPECT_EQ(events[1].operation(), "approver.resolved");
  EXPECT_EQ(events[1].changed_values().at("approver"), "ACTIVE");
  EXPECT_NE(events[1].detail().find(manager), std::string::npos);
}

TEST_F(ApproversTest, UserNameAlsoNamesAManager) {
  std::string report = CreateUser("report2@tp.example", "", "Lead@TP.example");
  EXPECT_EQ(Approver(report).state(), pb::GetApproverResponse::PENDING);
  std::string lead = CreateUser("lead@tp.example", "", "");
  pb::GetApproverResponse active = Approver(report);
  EXPECT_EQ(active.state(), pb::GetApproverResponse::ACTIVE);
  EXPECT_EQ(active.approver().id(), lead);
}

TEST_F(ApproversTest, DeactivatedOrDeletedManagerLeavesNoApprover) {
  std::string manager = CreateUser("mgr3@tp.example", "", "");
  std::string report = CreateUser("report3@tp.example", "", manager);
  EXPECT_EQ(Approver(report).state(), pb::GetApproverResponse::ACTIVE);

  ASSERT_EQ(Patch(manager, "active", "false").status, 200);
  pb::GetApproverResponse inactive = Approver(report);
  EXPECT_EQ(inactive.state(), pb::GetApproverResponse::INACTIVE);
  EXPECT_FALSE(inactive.has_approver());
  EXPECT_NE(inactive.detail().find("deactivated"), std::string::npos);

  ASSERT_EQ(Patch(manager, "active", "true").status, 200);
  EXPECT_EQ(Approver(report).state(), pb::GetApproverResponse::ACTIVE);

  ASSERT_EQ(Call("DELETE", "/scim/v2/Users/" + manager).status, 204);
  pb::GetApproverResponse deleted = Approver(report);
  EXPECT_EQ(deleted.state(), pb::GetApproverResponse::DELETED)
      << "a deleted manager is not 'not provisioned yet'";
  EXPECT_NE(deleted.detail().find("deleted"), std::string::npos);

  auto events = ApproverEventsWhen(report, 4);
  std::vector<std::string> seen;
  for (const auto& e : events) {
    seen.push_back(e.operation() + ":" + e.changed_values().at("approver"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "approver.resolved:ACTIVE", "approver.cleared:INACTIVE",
                      "approver.resolved:ACTIVE", "approver.cleared:DELETED"}));
}

TEST_F(ApproversTest, ApprovalChainFollowsTheManagerLine) {
  std::string ceo = CreateUser("ceo@tp.example", "E-CEO", "");
  std::string vp = CreateUser("vp@tp.example", "E-VP", "E-CEO");
  std::string dev = CreateUser("dev@tp.example", "", "E-VP");
  pb::GetApproverResponse chain = Approver(dev);
  ASSERT_EQ(chain.chain_size(), 2) << chain.DebugString();
  EXPECT_EQ(chain.chain(0).approver_id(), vp);
  EXPECT_EQ(chain.chain(0).state(), pb::GetApproverResponse::ACTIVE);
  EXPECT_EQ(chain.chain(1).approver_id(), ceo);
  EXPECT_EQ(chain.chain(1).approver_user_name(), "ceo@tp.example");

  ASSERT_EQ(Patch(ceo, "active", "false").status, 200);
  chain = Approver(dev);
  ASSERT_EQ(chain.chain_size(), 2);
  EXPECT_EQ(chain.chain(1).state(), pb::GetApproverResponse::INACTIVE);
}

TEST_F(ApproversTest, PolicyOffMeansNoApprover) {
  std::string other = NewTenant("no-approvers", false);
  std::string report = CreateUser("r@na.example", "", "EMP-1", other);
  pb::GetApproverResponse none = Approver(report, TenantId("no-approvers"));
  EXPECT_EQ(none.state(), pb::GetApproverResponse::NONE);
  EXPECT_EQ(none.chain_size(), 0);
}

TEST_F(ApproversTest, ManagerCyclesAreRefusedNamingTheCycle) {
  std::string a = CreateUser("cycle.a@tp.example", "", "");
  std::string b = CreateUser("cycle.b@tp.example", "", a);
  std::string c = CreateUser("cycle.c@tp.example", "", b);

  // PATCH: A manages B manages A.
  HttpResult loop =
      Patch(a, std::string(kEnterprise) + ":manager", "\"" + b + "\"");
  EXPECT_EQ(loop.status, 400) << loop.raw;
  EXPECT_EQ(loop.body.at("scimType").as_string(), "invalidValue");
  EXPECT_NE(
      loop.body.at("detail").as_string().find(a + " -> " + b + " -> " + a),
      std::string::npos)
      << loop.raw;

  // PUT: a longer loop A -> C -> B -> A.
  HttpResult put =
      Call("PUT", "/scim/v2/Users/" + a,
           R"({"userName":"cycle.a@tp.example",")" + std::string(kEnterprise) +
               R"(":{"manager":{"value":")" + c + R"("}}})");
  EXPECT_EQ(put.status, 400) << put.raw;
  EXPECT_NE(put.body.at("detail").as_string().find(a + " -> " + c + " -> " + b +
                                                   " -> " + a),
            std::string::npos)
      << put.raw;
  HttpResult unchanged = Call("GET", "/scim/v2/Users/" + a);
  EXPECT_FALSE(unchanged.body.has_field(kEnterprise)) << unchanged.raw;

  // A loop through a pending reference, closed by the user that arrives.
  std::string x = CreateUser("cycle.x@tp.example", "EXT-X", "EXT-Y");
  HttpResult y =
      Call("POST", "/scim/v2/Users",
           R"({"userName":"cycle.y@tp.example","externalId":"EXT-Y",")" +
               std::string(kEnterprise) + R"(":{"manager":")" + x + R"("}})");
  EXPECT_EQ(y.status, 400) << y.raw;
  EXPECT_NE(y.body.at("detail").as_string().find("cycle"), std::string::npos);
  EXPECT_EQ(Approver(x).state(), pb::GetApproverResponse::PENDING);
}

}  // namespace
}  // namespace scim::testing
