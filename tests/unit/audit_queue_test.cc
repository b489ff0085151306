// The edge's queue of refused-request events: bounded, never blocking, and
// shipping each event (retries included) under one id.
#include "edge/audit_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/grpc_server.h"

namespace scim::edge {
namespace {

namespace apb = scim::audit::v1;
using std::chrono::seconds;

// An audit-service stand-in that can hold calls, fail them, and tells what
// arrived.
class FakeAudit final : public apb::AuditService::Service {
 public:
  grpc::Status RecordEvents(grpc::ServerContext*,
                            const apb::RecordEventsRequest* request,
                            apb::RecordEventsResponse*) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    for (const auto& e : request->events()) attempted_.push_back(e.event_id());
    cv_.notify_all();
    cv_.wait(lock, [&] { return !blocked_; });
    if (failures_ > 0) {
      --failures_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down for the test");
    }
    for (const auto& e : request->events()) delivered_.push_back(e);
    cv_.notify_all();
    return grpc::Status::OK;
  }

  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocked_ = false;
    }
    cv_.notify_all();
  }
  void FailNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_ = n;
  }
  bool WaitForCalls(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return calls_ >= n; });
  }
  bool WaitForDelivered(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, seconds(30),
                        [&] { return delivered_.size() >= n; });
  }
  std::vector<apb::Event> delivered() {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_;
  }
  std::vector<std::string> attempted() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempted_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  int failures_ = 0;
  int calls_ = 0;
  std::vector<std::string> attempted_;
  std::vector<apb::Event> delivered_;
};

apb::Event NewEvent(int i) {
  apb::Event e;
  e.set_event_id("e" + std::to_string(i));
  e.set_tenant_id("t1");
  return e;
}

class AuditQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::move(GrpcServer::Start("127.0.0.1:0", {&fake_}).value());
    stub_ = apb::AuditService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    fake_.Release();
    queue_.reset();
    server_->Shutdown(seconds(1));
  }
  void MakeQueue(size_t capacity) {
    AuditQueue::Options options;
    options.capacity = capacity;
    options.deadline = seconds(30);
    options.initial_backoff = std::chrono::milliseconds(10);
    options.max_backoff = std::chrono::milliseconds(50);
    queue_ = std::make_unique<AuditQueue>(stub_.get(), options);
  }

  FakeAudit fake_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<apb::AuditService::Stub> stub_;
  std::unique_ptr<AuditQueue> queue_;
};

TEST_F(AuditQueueTest, ShipsEveryEventOnce) {
  MakeQueue(1000);
  for (int i = 0; i < 250; ++i) ASSERT_TRUE(queue_->Enqueue(NewEvent(i)));
  ASSERT_TRUE(fake_.WaitForDelivered(250));
  std::set<std::string> ids;
  for (const auto& e : fake_.delivered()) ids.insert(e.event_id());
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_EQ(fake_.delivered().size(), 250u);
  auto stats = queue_->stats();
  EXPECT_EQ(stats.enqueued, 250u);
  EXPECT_EQ(stats.dropped, 0u);
}

TEST_F(AuditQueueTest, NeverWaitsForAuditServiceAndCountsWhatItDrops) {
  MakeQueue(10);
  fake_.Block();
  ASSERT_TRUE(queue_->Enqueue(NewEvent(0)));
  // The shipping thread now waits on audit-service with event 0 in hand.
  ASSERT_TRUE(fake_.WaitForCalls(1));
  auto start = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 1; i <= 15; ++i) accepted += queue_->Enqueue(NewEvent(i));
  // audit-service answers nothing until released, so a queue that waited
  // for it (or for room) would still be here.
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  EXPECT_EQ(accepted, 10);
  auto stats = queue_->stats();
  EXPECT_EQ(stats.dropped, 5u);
  EXPECT_EQ(stats.queued, 10u);

  fake_.Release();
  ASSERT_TRUE(fake_.WaitForDelivered(11));
  std::set<std::string> ids;
  for (const auto& e : fake_.delivered()) ids.insert(e.event_id());
  EXPECT_EQ(ids.size(), 11u);
  EXPECT_EQ(ids.count("e11"), 0u) << "the first event refused was e11";
}

TEST_F(AuditQueueTest, RetriesUnderTheSameEventIds) {
  MakeQueue(100);
  fake_.FailNext(2);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue_->Enqueue(NewEvent(i)));
  ASSERT_TRUE(fake_.WaitForDelivered(3));
  // Every attempt names the same events, so audit-service (which stores an
  // id once) can never store a retried refusal twice.
  std::vector<std::string> attempts = fake_.attempted();
  std::set<std::string> attempted(attempts.begin(), attempts.end());
  EXPECT_EQ(attempted, (std::set<std::string>{"e0", "e1", "e2"}));
  // Two failed calls carried at least one event each; how the events were
  // batched depends on timing, so only the total is certain.
  EXPECT_GE(attempts.size(), 3u + 2u);
  EXPECT_EQ(fake_.delivered().size(), 3u);
}

TEST_F(AuditQueueTest, StopCountsWhatItCouldNotShip) {
  MakeQueue(100);
  fake_.FailNext(1000000);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue_->Enqueue(NewEvent(i)));
  ASSERT_TRUE(fake_.WaitForCalls(1));
  queue_->Stop(std::chrono::milliseconds(0));
  auto stats = queue_->stats();
  EXPECT_EQ(stats.dropped, 5u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_FALSE(queue_->Enqueue(NewEvent(9))) << "stopped: takes nothing";
}

constexpr char kSecret[] = "s3cr3t-token-value-0123456789";

TEST(RefusedRequestEventTest, RecordsTheScimErrorAndWhoAsked) {
  RequestAudit request;
  request.scim = true;
  request.tenant_id = "tenant-1";
  request.method = "POST";
  request.resource = "users";
  CallerInfo caller;
  caller.request_id = "req-7";
  caller.actor = "token:abc";
  caller.client_address = "10.1.2.3";
  auto e = RefusedRequestEvent(
      request, caller, 409,
      R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],)"
      R"("status":"409","scimType":"uniqueness","detail":"userName taken"})",
      {kSecret});
  EXPECT_FALSE(e.event_id().empty());
  EXPECT_TRUE(e.has_time());
  EXPECT_EQ(e.tenant_id(), "tenant-1");
  EXPECT_EQ(e.operation(), "create");
  EXPECT_EQ(e.resource_type(), "User");
  EXPECT_EQ(e.outcome(), "failure");
  EXPECT_EQ(e.http_status(), 409);
  EXPECT_EQ(e.scim_type(), "uniqueness");
  EXPECT_EQ(e.detail(), "userName taken");
  EXPECT_EQ(e.request_id(), "req-7");
  EXPECT_EQ(e.actor(), "token:abc");
  EXPECT_EQ(e.client_address(), "10.1.2.3");
  EXPECT_EQ(e.source(), "scim-edge");
}

TEST(RefusedRequestEventTest, NamesTheOperationTheRequestAskedFor) {
  struct Case {
    const char* method;
    const char* resource;
    const char* id;
    const char* operation;
    const char* type;
  };
  for (const Case& c : std::vector<Case>{
           {"GET", "Users", "", "list", "User"},
           {"GET", "Users", "u1", "read", "User"},
           {"PUT", "Users", "u1", "replace", "User"},
           {"PATCH", "Groups", "g1", "patch", "Group"},
           {"DELETE", "Groups", "g1", "delete", "Group"},
           {"POST", "Groups", ".search", "search", "Group"},
           {"POST", "Bulk", "", "bulk", "Bulk"},
           {"GET", "Schemas", "", "read", "Schemas"},
       }) {
    RequestAudit request;
    request.method = c.method;
    request.resource = c.resource;
    request.resource_id = c.id;
    auto e = RefusedRequestEvent(request, CallerInfo(), 400, "", {});
    EXPECT_EQ(e.operation(), c.operation) << c.method << " " << c.resource;
    EXPECT_EQ(e.resource_type(), c.type) << c.resource;
    EXPECT_EQ(e.resource_id(), c.id);
  }
}

TEST(RefusedRequestEventTest, NeverHoldsTheTokenTheClientPresented) {
  RequestAudit request;  // authentication failed: no tenant
  request.method = "GET";
  request.resource = "Users";
  request.resource_id = kSecret;  // a client that pasted it into the URL
  CallerInfo caller;
  caller.request_id = std::string("id-") + kSecret;
  std::string body = R"({"status":"401","scimType":")" + std::string(kSecret) +
                     R"(","detail":"the API token )" + kSecret +
                     R"( is unknown"})";
  auto e = RefusedRequestEvent(request, caller, 401, body, {kSecret});
  EXPECT_EQ(e.tenant_id(), kUnauthenticatedTenant);
  EXPECT_EQ(e.http_status(), 401);
  EXPECT_EQ(e.detail(), "the API token [redacted] is unknown");
  EXPECT_EQ(e.SerializeAsString().find(kSecret), std::string::npos)
      << e.ShortDebugString();
}

TEST(RefusedRequestEventTest, ReadsScim11ErrorsToo) {
  RequestAudit request;
  request.method = "POST";
  request.resource = "Users";
  auto e = RefusedRequestEvent(
      request, CallerInfo(), 400,
      R"({"Errors":[{"description":"userName is required","code":"400"}]})",
      {});
  EXPECT_EQ(e.detail(), "userName is required");
}

TEST(RefusedRequestEventTest, AnUnreadableBodyStillRecordsTheStatus) {
  RequestAudit request;
  request.method = "POST";
  request.resource = "Users";
  auto e = RefusedRequestEvent(request, CallerInfo(), 500, "<html>", {});
  EXPECT_EQ(e.http_status(), 500);
  EXPECT_TRUE(e.detail().empty());
  e = RefusedRequestEvent(request, CallerInfo(), 400,
                          R"({"detail":")" + std::string(5000, 'x') + R"("})",
                          {});
  EXPECT_LE(e.detail().size(), 2000u) << "long echoes are cut";
}

}  // namespace
}  // namespace scim::edge
