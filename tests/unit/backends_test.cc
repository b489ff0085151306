#include "edge/backends.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "common/grpc_server.h"

namespace scim::edge {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// The deadline a call made through Backends::Invoke carries; no service is
// needed, the call is only prepared.
system_clock::time_point DeadlineOfCall(const Backends& backends,
                                        const CallerInfo& caller) {
  system_clock::time_point deadline;
  auto reply = backends.Invoke<scim::identity::v1::User>(
      caller, [&](grpc::ClientContext* context, scim::identity::v1::User*) {
        deadline = context->deadline();
        return grpc::Status::OK;
      });
  EXPECT_TRUE(reply.ok());
  return deadline;
}

TEST(BackendsTest, EveryCallOfARequestIsDueByTheRequestsDeadline) {
  Backends backends("127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1",
                    milliseconds(5000));
  CallerInfo caller;
  backends.StartRequest(&caller);
  auto due = caller.deadline;
  EXPECT_LE(due, system_clock::now() + milliseconds(5000));
  EXPECT_GT(due, system_clock::now() + milliseconds(4000));
  // Later calls of the same request get what is left, not a new deadline.
  caller.deadline = system_clock::now() + milliseconds(50);
  auto call = DeadlineOfCall(backends, caller);
  // gRPC keeps deadlines in its own clock type: equal within a microsecond.
  EXPECT_LE(call, caller.deadline + std::chrono::microseconds(1));
  EXPECT_GE(call, caller.deadline - std::chrono::microseconds(1));
  // A call never gets more than the per-call deadline either.
  caller.deadline = system_clock::now() + std::chrono::hours(1);
  EXPECT_LE(DeadlineOfCall(backends, caller),
            system_clock::now() + milliseconds(5001));
  // Without a request budget (a background caller), the per-call deadline.
  CallerInfo background;
  auto alone = DeadlineOfCall(backends, background);
  EXPECT_GT(alone, system_clock::now() + milliseconds(4000));
}

TEST(BackendsTest, EachBulkOperationRestartsTheBudget) {
  Backends backends("127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1",
                    milliseconds(5000));
  CallerInfo caller;
  backends.StartRequest(&caller);
  caller.deadline = system_clock::now() + milliseconds(10);
  caller.RestartBudget();
  EXPECT_GT(caller.deadline, system_clock::now() + milliseconds(4000));
  CallerInfo none;
  none.RestartBudget();
  EXPECT_EQ(none.deadline, system_clock::time_point{});
}

// An identity-service from before WriteUsers: CreateUser and ReplaceUser.
class OldIdentity final : public scim::identity::v1::IdentityService::Service {
 public:
  grpc::Status CreateUser(grpc::ServerContext*,
                          const scim::identity::v1::CreateUserRequest* request,
                          scim::identity::v1::User* reply) override {
    ++calls;
    *reply = request->user();
    reply->set_id("id-" + request->user().user_name());
    return grpc::Status::OK;
  }
  grpc::Status ReplaceUser(
      grpc::ServerContext*,
      const scim::identity::v1::ReplaceUserRequest* request,
      scim::identity::v1::User* reply) override {
    ++calls;
    *reply = request->user();
    reply->set_title("replaced");
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

TEST(BackendsTest, WritesGoOneByOneToAnIdentityServiceWithoutWriteUsers) {
  OldIdentity old;
  auto server = std::move(GrpcServer::Start("127.0.0.1:0", {&old}).value());
  std::string address = "127.0.0.1:" + std::to_string(server->port());
  Backends backends(address, "127.0.0.1:1", "127.0.0.1:1", milliseconds(5000));
  for (const char* name : {"first", "second"}) {
    CallerInfo caller;
    backends.StartRequest(&caller);
    scim::identity::v1::CreateUserRequest request;
    request.mutable_user()->set_user_name(name);
    auto user = backends.CreateUser(caller, request);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->id(), std::string("id-") + name);
  }
  {
    CallerInfo caller;
    backends.StartRequest(&caller);
    scim::identity::v1::ReplaceUserRequest request;
    request.mutable_user()->set_id("id-first");
    auto user = backends.ReplaceUser(caller, request);
    ASSERT_TRUE(user.ok()) << user.status();
    EXPECT_EQ(user->title(), "replaced");
  }
  EXPECT_EQ(old.calls.load(), 3);
  // A write whose request is out of time is answered without a call.
  CallerInfo late;
  late.deadline = system_clock::now() - milliseconds(1);
  scim::identity::v1::CreateUserRequest request;
  request.mutable_user()->set_user_name("late");
  auto user = backends.CreateUser(late, request);
  EXPECT_EQ(user.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(user.status().message().find("retry"), std::string::npos);
  EXPECT_EQ(old.calls.load(), 3);
  server->Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace scim::edge
