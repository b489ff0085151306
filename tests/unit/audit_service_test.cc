// audit-service over real gRPC in process: the watch stream, and the outbox
// forwarder's delivery across an outage.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "audit-service/audit_service_impl.h"
#include "audit-service/audit_store.h"
#include "common/crypto.h"
#include "common/grpc_server.h"
#include "common/outbox.h"
#include "common/rocks_db.h"
#include "common/time_util.h"

namespace scim::audit {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kBase = 1767225600;  // 2026-01-01T00:00:00Z

pb::Event NewEvent(const std::string& id, const std::string& tenant = "t1") {
  pb::Event e;
  e.set_event_id(id);
  e.set_tenant_id(tenant);
  e.mutable_time()->set_seconds(kBase);
  e.set_operation("create");
  e.set_resource_type("User");
  e.set_resource_id("u-" + id);
  return e;
}

// Polls `done` until it holds or `limit` passes; the bound keeps a broken
// build from hanging the suite.
bool Eventually(const std::function<bool()>& done,
                std::chrono::seconds limit = std::chrono::seconds(30)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("audit-svc-" + RandomHex(6));
    fs::create_directories(dir_);
    store_ = std::move(AuditStore::Open((dir_ / "audit").string()).value());
    service_ = std::make_unique<AuditServiceImpl>(store_.get());
  }
  void TearDown() override {
    StopServer();
    store_.reset();
    fs::remove_all(dir_);
  }
  void StartServer(int port = 0) {
    server_ = std::move(
        GrpcServer::Start("127.0.0.1:" + std::to_string(port), {service_.get()})
            .value());
    address_ = "127.0.0.1:" + std::to_string(server_->port());
    stub_ = pb::AuditService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  void StopServer() {
    if (server_ == nullptr) return;
    store_->Interrupt();
    server_->Shutdown(std::chrono::seconds(2));
    server_.reset();
  }
  void Record(const std::vector<pb::Event>& events) {
    pb::RecordEventsRequest req;
    for (const auto& e : events) *req.add_events() = e;
    ASSERT_TRUE(store_->Record(req).ok());
  }
  std::vector<pb::Event> Listed(const std::string& tenant) {
    pb::ListEventsRequest req;
    req.set_tenant_id(tenant);
    req.set_limit(1000);
    auto resp = store_->List(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok()) return {};
    return {resp->events().begin(), resp->events().end()};
  }

  // One watch stream with a bounded deadline, so a missing message fails
  // the test instead of hanging it.
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<pb::WatchEventsResponse>> reader;
  };
  std::unique_ptr<Watch> StartWatch(const pb::WatchEventsRequest& request) {
    auto w = std::make_unique<Watch>();
    w->context.set_deadline(DeadlineAfter(std::chrono::seconds(30)));
    w->reader = stub_->WatchEvents(&w->context, request);
    return w;
  }
  // The next message that carries an event (skipping heartbeats).
  static pb::WatchEventsResponse NextEvent(Watch& w) {
    pb::WatchEventsResponse m;
    while (w.reader->Read(&m)) {
      if (m.has_event()) return m;
    }
    ADD_FAILURE() << "stream ended before the next event";
    return m;
  }

  fs::path dir_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<AuditServiceImpl> service_;
  std::unique_ptr<GrpcServer> server_;
  std::string address_;
  std::unique_ptr<pb::AuditService::Stub> stub_;
};

TEST_F(AuditServiceTest, WatchFromCursorDeliversEveryLaterEventInOrder) {
  StartServer();
  Record({NewEvent("a"), NewEvent("b")});
  pb::WatchEventsRequest request;
  request.set_tenant_id("t1");
  auto live = StartWatch(request);
  // The first message tells where the stream starts: after b.
  pb::WatchEventsResponse first;
  ASSERT_TRUE(live->reader->Read(&first));
  EXPECT_FALSE(first.has_event());
  EXPECT_EQ(first.cursor(), AuditStore::FeedCursor(2));

  Record({NewEvent("c")});
  Record({NewEvent("other", "t2"), NewEvent("d")});
  auto c = NextEvent(*live);
  auto d = NextEvent(*live);
  EXPECT_EQ(c.event().event_id(), "c");
  EXPECT_EQ(d.event().event_id(), "d") << "t2's event is not t1's to see";
  live->context.TryCancel();
  EXPECT_EQ(live->reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // Resuming from c's cursor: d (already stored), then e (stored later).
  request.set_cursor(c.cursor());
  auto resumed = StartWatch(request);
  EXPECT_EQ(NextEvent(*resumed).event().event_id(), "d");
  Record({NewEvent("e")});
  auto e = NextEvent(*resumed);
  EXPECT_EQ(e.event().event_id(), "e");
  EXPECT_EQ(e.event().resource_id(), "u-e");
  resumed->context.TryCancel();
  resumed->reader->Finish();

  // Replay from the start.
  pb::WatchEventsRequest replay;
  replay.set_tenant_id("t1");
  replay.set_from_oldest(true);
  auto all = StartWatch(replay);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NextEvent(*all).event().event_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  all->context.TryCancel();
  all->reader->Finish();
}

TEST_F(AuditServiceTest, IdleWatchSendsHeartbeats) {
  StartServer();
  pb::WatchEventsRequest request;
  request.set_heartbeat_seconds(1);
  auto w = StartWatch(request);
  pb::WatchEventsResponse m;
  ASSERT_TRUE(w->reader->Read(&m));
  ASSERT_TRUE(w->reader->Read(&m)) << "a second heartbeat within the deadline";
  EXPECT_FALSE(m.has_event());
  EXPECT_EQ(m.cursor(), AuditStore::FeedCursor(0));
  w->context.TryCancel();
  w->reader->Finish();
}

TEST_F(AuditServiceTest, BadCursorsAreRefused) {
  StartServer();
  pb::WatchEventsRequest request;
  request.set_cursor("not-a-cursor");
  auto w = StartWatch(request);
  pb::WatchEventsResponse m;
  EXPECT_FALSE(w->reader->Read(&m));
  EXPECT_EQ(w->reader->Finish().error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_cursor(AuditStore::FeedCursor(99));
  auto ahead = StartWatch(request);
  EXPECT_FALSE(ahead->reader->Read(&m));
  EXPECT_EQ(ahead->reader->Finish().error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(AuditServiceTest, ShutdownEndsWatchesWithUnavailable) {
  StartServer();
  auto w = StartWatch(pb::WatchEventsRequest());
  pb::WatchEventsResponse m;
  ASSERT_TRUE(w->reader->Read(&m));
  store_->Interrupt();
  while (w->reader->Read(&m)) {
  }
  grpc::Status status = w->reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

class OutboxForwarderTest : public AuditServiceTest {
 protected:
  void SetUp() override {
    AuditServiceTest::SetUp();
    outbox_db_ = std::move(
        RocksDb::Open((dir_ / "outbox").string(), {"outbox"}).value());
    outbox_ = std::make_unique<Outbox>(outbox_db_.get(), 0, "test-service");
  }
  void TearDown() override {
    if (forwarder_) forwarder_->Stop();
    forwarder_.reset();
    outbox_.reset();
    outbox_db_.reset();
    AuditServiceTest::TearDown();
  }
  void Append(const pb::Event& e) {
    rocksdb::WriteBatch batch;
    outbox_->Append(&batch, e, AuditActor{"req", "tester", "10.0.0.1"});
    ASSERT_TRUE(outbox_db_->Write(&batch).ok());
    outbox_->Notify();
  }
  void Forward(const std::string& address) {
    OutboxForwarder::Options options;
    options.deadline = std::chrono::seconds(5);
    options.max_backoff = std::chrono::milliseconds(200);
    options.batch_size = 7;  // several batches for 20 events
    forwarder_ =
        std::make_unique<OutboxForwarder>(outbox_.get(), address, options);
  }

  std::unique_ptr<RocksDb> outbox_db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<OutboxForwarder> forwarder_;
};

TEST_F(OutboxForwarderTest, AnOutageDelaysEventsButLosesNone) {
  int port = UnusedPort();
  Forward("127.0.0.1:" + std::to_string(port));
  for (int i = 0; i < 20; ++i) Append(NewEvent("e" + std::to_string(i)));
  // audit-service is not there: everything waits in the outbox.
  EXPECT_EQ(outbox_->Pending(), 20);

  StartServer(port);
  ASSERT_TRUE(Eventually([&] {
    return outbox_->Pending() == 0 && Listed("t1").size() == 20;
  })) << outbox_->Pending()
      << " pending, " << Listed("t1").size() << " stored";
  std::set<std::string> ids;
  for (const auto& e : Listed("t1")) {
    ids.insert(e.event_id());
    EXPECT_EQ(e.source(), "test-service");
    EXPECT_EQ(e.actor(), "tester");
    EXPECT_EQ(e.request_id(), "req");
    EXPECT_EQ(e.outcome(), "success");
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(OutboxForwarderTest, ShippingAgainStoresNothingTwice) {
  StartServer();
  Forward(address_);
  for (int i = 0; i < 5; ++i) Append(NewEvent("e" + std::to_string(i)));
  ASSERT_TRUE(Eventually([&] { return Listed("t1").size() == 5; }));
  // As if the acknowledgement had been lost: the same events again.
  for (int i = 0; i < 5; ++i) Append(NewEvent("e" + std::to_string(i)));
  Append(NewEvent("e5"));
  ASSERT_TRUE(Eventually(
      [&] { return outbox_->Pending() == 0 && Listed("t1").size() == 6; }));
  EXPECT_EQ(store_->CountRaw().events, 6);
}

TEST_F(OutboxForwarderTest, AnEventAuditServiceRefusesDoesNotBlockTheRest) {
  StartServer();
  Append(NewEvent("before"));
  pb::Event bad = NewEvent("bad");
  bad.clear_tenant_id();
  Append(bad);
  Append(NewEvent("after"));
  Forward(address_);
  ASSERT_TRUE(Eventually([&] {
    return outbox_->Pending() == 0 && Listed("t1").size() == 2;
  })) << outbox_->Pending()
      << " pending";
}

// Two writers: the first to take its place in the outbox commits after
// the second, whose event has already been shipped. The late one still
// gets through.
TEST_F(OutboxForwarderTest, AnEntryCommittedAfterALaterOneIsShipped) {
  StartServer();
  Forward(address_);
  rocksdb::WriteBatch slow;
  outbox_->Append(&slow, NewEvent("slow"), AuditActor{"r1", "a", ""});
  Append(NewEvent("fast"));
  ASSERT_TRUE(Eventually([&] { return Listed("t1").size() == 1; }));
  for (int i = 0; i < 3; ++i) Append(NewEvent("next" + std::to_string(i)));
  ASSERT_TRUE(Eventually([&] { return Listed("t1").size() == 4; }));
  ASSERT_TRUE(outbox_db_->Write(&slow).ok());
  outbox_->Notify();
  ASSERT_TRUE(Eventually([&] {
    return outbox_->Pending() == 0 && Listed("t1").size() == 5;
  })) << outbox_->Pending()
      << " pending";
}

TEST_F(OutboxForwarderTest, UnshippedEventsSurviveARestart) {
  int port = UnusedPort();
  Forward("127.0.0.1:" + std::to_string(port));
  Append(NewEvent("a"));
  forwarder_->Stop();
  forwarder_.reset();
  // The service restarts: a new outbox over the same database keeps the
  // order and the entries.
  outbox_ = std::make_unique<Outbox>(outbox_db_.get(), 0, "test-service");
  Append(NewEvent("b"));
  EXPECT_EQ(outbox_->Pending(), 2);
  StartServer(port);
  Forward(address_);
  ASSERT_TRUE(Eventually([&] { return outbox_->Pending() == 0; }));
  auto feed = store_->ReadFeed(pb::WatchEventsRequest(), 0, 10);
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->events.size(), 2u);
  EXPECT_EQ(feed->events[0].event().event_id(), "a");
  EXPECT_EQ(feed->events[1].event().event_id(), "b");
}

}  // namespace
}  // namespace scim::audit
