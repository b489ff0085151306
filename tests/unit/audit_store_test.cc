#include "audit-service/audit_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/rocks_db.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::audit {
namespace {

namespace fs = std::filesystem;

// A fixed instant, so that event times (and thus order) are known.
constexpr int64_t kBase = 1767225600;  // 2026-01-01T00:00:00Z

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("audit-" + RandomHex(6));
    Open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Open(AuditStoreOptions options = {}) {
    store_.reset();
    store_ = std::move(AuditStore::Open(dir_.string(), options).value());
  }

  static pb::Event NewEvent(const std::string& id, const std::string& tenant,
                            int64_t seconds, const std::string& user = "u1",
                            const std::string& operation = "create",
                            const std::string& outcome = "success") {
    pb::Event e;
    e.set_event_id(id);
    e.set_tenant_id(tenant);
    e.mutable_time()->set_seconds(seconds);
    e.set_resource_type("User");
    e.set_resource_id(user);
    e.set_operation(operation);
    e.set_outcome(outcome);
    return e;
  }
  pb::RecordEventsResponse MustRecord(const std::vector<pb::Event>& events) {
    pb::RecordEventsRequest req;
    for (const auto& e : events) *req.add_events() = e;
    auto resp = store_->Record(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : pb::RecordEventsResponse();
  }
  std::vector<std::string> Ids(const pb::ListEventsRequest& req) {
    auto resp = store_->List(req);
    EXPECT_TRUE(resp.ok()) << resp.status();
    std::vector<std::string> ids;
    if (!resp.ok()) return ids;
    for (const auto& e : resp->events()) ids.push_back(e.event_id());
    return ids;
  }
  static pb::ListEventsRequest ForTenant(const std::string& tenant) {
    pb::ListEventsRequest req;
    req.set_tenant_id(tenant);
    return req;
  }

  fs::path dir_;
  std::unique_ptr<AuditStore> store_;
};

TEST_F(AuditStoreTest, DuplicateIdsStoredOnce) {
  auto first =
      MustRecord({NewEvent("e1", "t1", kBase), NewEvent("e2", "t1", kBase + 1),
                  NewEvent("e1", "t1", kBase + 5)});
  EXPECT_EQ(first.recorded(), 2);
  EXPECT_EQ(first.duplicates(), 1);
  // A retried batch stores only what is new.
  auto retry = MustRecord(
      {NewEvent("e2", "t1", kBase + 1), NewEvent("e3", "t1", kBase + 2)});
  EXPECT_EQ(retry.recorded(), 1);
  EXPECT_EQ(retry.duplicates(), 1);
  EXPECT_EQ(Ids(ForTenant("t1")), (std::vector<std::string>{"e3", "e2", "e1"}));
}

TEST_F(AuditStoreTest, InvalidEventRejectsWholeBatch) {
  pb::RecordEventsRequest req;
  *req.add_events() = NewEvent("e1", "t1", kBase);
  *req.add_events() = NewEvent("", "t1", kBase);
  auto resp = store_->Record(req);
  EXPECT_EQ(resp.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(resp.status().message().find("events[1].event_id"),
            std::string::npos)
      << resp.status();
  req.mutable_events(1)->set_event_id("e2");
  req.mutable_events(1)->clear_tenant_id();
  EXPECT_EQ(store_->Record(req).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Ids(ForTenant("t1")).empty());
}

TEST_F(AuditStoreTest, MissingTimeIsNow) {
  pb::Event e = NewEvent("e1", "t1", 0);
  e.clear_time();
  int64_t before = ToUnixMicros(NowTimestamp());
  MustRecord({e});
  auto resp = store_->List(ForTenant("t1"));
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->events_size(), 1);
  EXPECT_GE(ToUnixMicros(resp->events(0).time()), before);
}

TEST_F(AuditStoreTest, NewestFirstAndScopedToTenant) {
  MustRecord({NewEvent("old", "t1", kBase), NewEvent("new", "t1", kBase + 10),
              NewEvent("mid", "t1", kBase + 5),
              NewEvent("other", "t2", kBase + 7)});
  MustRecord({NewEvent("middle2", "t1", kBase + 6)});
  EXPECT_EQ(Ids(ForTenant("t1")),
            (std::vector<std::string>{"new", "middle2", "mid", "old"}));
  EXPECT_EQ(Ids(ForTenant("t2")), (std::vector<std::string>{"other"}));
  EXPECT_TRUE(Ids(ForTenant("t")).empty());
  EXPECT_EQ(store_->List(ForTenant("")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditStoreTest, Filters) {
  MustRecord({NewEvent("a", "t1", kBase + 1, "u1", "create", "success"),
              NewEvent("b", "t1", kBase + 2, "u2", "patch", "success"),
              NewEvent("c", "t1", kBase + 3, "u1", "patch", "failure"),
              NewEvent("d", "t1", kBase + 4, "u2", "delete", "success")});
  auto req = ForTenant("t1");
  req.set_user_id("u1");
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"c", "a"}));

  req = ForTenant("t1");
  req.set_operation("patch");
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"c", "b"}));

  req.set_outcome("success");
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"b"}));

  req = ForTenant("t1");
  req.mutable_since()->set_seconds(kBase + 2);
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"d", "c", "b"}));
}

TEST_F(AuditStoreTest, CursorPagesWithoutGapsOrRepeats) {
  std::vector<pb::Event> events;
  // Several events share a second, so order within one instant matters too.
  for (int i = 0; i < 25; ++i) {
    events.push_back(NewEvent("e" + std::to_string(i), "t1", kBase + i / 3,
                              i % 2 ? "odd" : "even"));
  }
  MustRecord(events);
  auto all = Ids(ForTenant("t1"));
  ASSERT_EQ(all.size(), 25u);

  for (const std::string& user : {std::string(), std::string("odd")}) {
    auto req = ForTenant("t1");
    req.set_user_id(user);
    req.set_limit(4);
    std::vector<std::string> paged;
    int pages = 0;
    while (true) {
      auto resp = store_->List(req);
      ASSERT_TRUE(resp.ok()) << resp.status();
      EXPECT_LE(resp->events_size(), 4);
      for (const auto& e : resp->events()) paged.push_back(e.event_id());
      ++pages;
      ASSERT_LT(pages, 20);
      if (resp->next_cursor().empty()) break;
      EXPECT_EQ(resp->events_size(), 4);
      req.set_cursor(resp->next_cursor());
    }
    std::vector<std::string> expected;
    for (const auto& id : all) {
      int n = std::stoi(id.substr(1));
      if (user.empty() || n % 2 == 1) expected.push_back(id);
    }
    EXPECT_EQ(paged, expected) << "user '" << user << "'";
    EXPECT_EQ(pages, static_cast<int>((expected.size() + 3) / 4));
  }
}

TEST_F(AuditStoreTest, LimitDefaultsAndCaps) {
  std::vector<pb::Event> events;
  for (int i = 0; i < 1005; ++i) {
    events.push_back(NewEvent("e" + std::to_string(i), "t1", kBase + i));
  }
  MustRecord(events);
  auto req = ForTenant("t1");
  auto resp = store_->List(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->events_size(), 100);
  EXPECT_FALSE(resp->next_cursor().empty());
  req.set_limit(5000);
  resp = store_->List(req);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->events_size(), 1000);
  req.set_limit(-1);
  EXPECT_EQ(store_->List(req).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditStoreTest, ForeignOrGarbledCursorRefused) {
  MustRecord({NewEvent("a", "t1", kBase), NewEvent("b", "t1", kBase + 1),
              NewEvent("c", "t2", kBase)});
  auto req = ForTenant("t1");
  req.set_limit(1);
  auto page = store_->List(req);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_cursor().empty());

  auto other = ForTenant("t2");
  other.set_cursor(page->next_cursor());
  EXPECT_EQ(store_->List(other).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* bad : {"zz", "abc", "00"}) {
    req.set_cursor(bad);
    EXPECT_EQ(store_->List(req).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(AuditStoreTest, EventsAndDedupeSurviveReopen) {
  MustRecord({NewEvent("e1", "t1", kBase), NewEvent("e2", "t1", kBase + 1)});
  store_.reset();
  Open();
  EXPECT_EQ(Ids(ForTenant("t1")), (std::vector<std::string>{"e2", "e1"}));
  auto again = MustRecord({NewEvent("e1", "t1", kBase)});
  EXPECT_EQ(again.recorded(), 0);
  EXPECT_EQ(again.duplicates(), 1);
}

TEST_F(AuditStoreTest, UntilAndResourceFilters) {
  auto group = NewEvent("g", "t1", kBase + 3, "grp1", "role.create");
  group.set_resource_type("Role");
  MustRecord({NewEvent("a", "t1", kBase + 1), NewEvent("b", "t1", kBase + 2),
              group, NewEvent("d", "t1", kBase + 4)});
  auto req = ForTenant("t1");
  req.mutable_until()->set_seconds(kBase + 3);
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"b", "a"}))
      << "until is exclusive";
  req.mutable_since()->set_seconds(kBase + 2);
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"b"}));

  req = ForTenant("t1");
  req.set_resource_type("role");
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"g"}));
  req = ForTenant("t1");
  req.set_resource_id("grp1");
  EXPECT_EQ(Ids(req), (std::vector<std::string>{"g"}));
}

TEST_F(AuditStoreTest, UntilWithCursorPagesOnlyTheRange) {
  std::vector<pb::Event> events;
  for (int i = 0; i < 10; ++i) {
    events.push_back(NewEvent("e" + std::to_string(i), "t1", kBase + i));
  }
  MustRecord(events);
  auto req = ForTenant("t1");
  req.mutable_until()->set_seconds(kBase + 7);
  req.set_limit(3);
  std::vector<std::string> paged;
  for (int pages = 0; pages < 10; ++pages) {
    auto resp = store_->List(req);
    ASSERT_TRUE(resp.ok()) << resp.status();
    for (const auto& e : resp->events()) paged.push_back(e.event_id());
    if (resp->next_cursor().empty()) break;
    req.set_cursor(resp->next_cursor());
  }
  EXPECT_EQ(paged, (std::vector<std::string>{"e6", "e5", "e4", "e3", "e2", "e1",
                                             "e0"}));
}

TEST_F(AuditStoreTest, EventKeyTimeIsReadableWithoutParsingTheEvent) {
  MustRecord({NewEvent("e1", "tenant-x", kBase + 42)});
  EXPECT_EQ(EventKeyMicros(
                std::string("tenant-x\0", 9) +
                OrderedNumber(~uint64_t{0} - uint64_t((kBase + 42) * 1000000)) +
                std::string("\0e1", 3)),
            (kBase + 42) * 1000000);
  EXPECT_FALSE(EventKeyMicros("no separator").has_value());
  EXPECT_FALSE(EventKeyMicros(std::string("t\0short\0e", 9)).has_value());
  EXPECT_FALSE(
      EventKeyMicros(std::string("t\0zzzzzzzzzzzzzzzz\0e", 20)).has_value());
}

// A clock the test moves, shared with the store (and its compaction filter).
class FakeClock {
 public:
  explicit FakeClock(int64_t seconds) : micros_(seconds * 1000000) {}
  void Set(int64_t seconds) { micros_ = seconds * 1000000; }
  std::function<int64_t()> Fn() {
    return [this] { return micros_.load(); };
  }

 private:
  std::atomic<int64_t> micros_;
};

TEST_F(AuditStoreTest, RetentionRemovesOldEventsByCompactionNotByAScan) {
  FakeClock clock(kBase);
  AuditStoreOptions options;
  options.retention_days = 1;
  options.now_micros = clock.Fn();
  Open(options);
  MustRecord({NewEvent("old", "t1", kBase - 3600),
              NewEvent("new", "t1", kBase + 20 * 3600)});
  EXPECT_EQ(Ids(ForTenant("t1")), (std::vector<std::string>{"new", "old"}));

  // A day and two hours later, "old" is past retention: reads stop showing
  // it at once, but it is still on disk, since nothing scans to delete it.
  clock.Set(kBase + 26 * 3600);
  EXPECT_EQ(Ids(ForTenant("t1")), (std::vector<std::string>{"new"}));
  pb::WatchEventsRequest watch;
  watch.set_tenant_id("t1");
  auto feed = store_->ReadFeed(watch, 0, 100);
  ASSERT_TRUE(feed.ok()) << feed.status();
  ASSERT_EQ(feed->events.size(), 1u);
  EXPECT_EQ(feed->events[0].event().event_id(), "new");
  auto raw = store_->CountRaw();
  EXPECT_EQ(raw.events, 2);
  EXPECT_EQ(raw.event_ids, 2);
  EXPECT_EQ(raw.feed, 2);

  // Compaction is what removes it, from every family.
  ASSERT_TRUE(store_->CompactAll().ok());
  raw = store_->CountRaw();
  EXPECT_EQ(raw.events, 1);
  EXPECT_EQ(raw.event_ids, 1);
  EXPECT_EQ(raw.feed, 1);
  EXPECT_EQ(Ids(ForTenant("t1")), (std::vector<std::string>{"new"}));

  // A late retry of the expired event is not stored again.
  auto retry = MustRecord({NewEvent("old", "t1", kBase - 3600)});
  EXPECT_EQ(retry.recorded(), 0);
  EXPECT_EQ(retry.expired(), 1);
  EXPECT_EQ(store_->CountRaw().events, 1);
}

TEST_F(AuditStoreTest, NoRetentionKeepsEverythingThroughCompaction) {
  MustRecord({NewEvent("ancient", "t1", 1000), NewEvent("e", "t1", kBase)});
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(store_->CountRaw().events, 2);
  EXPECT_EQ(Ids(ForTenant("t1")), (std::vector<std::string>{"e", "ancient"}));
}

TEST_F(AuditStoreTest, NegativeRetentionRefused) {
  store_.reset();
  AuditStoreOptions options;
  options.retention_days = -1;
  EXPECT_EQ(AuditStore::Open(dir_.string(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

std::vector<std::string> FeedIds(const AuditStore::FeedBatch& batch) {
  std::vector<std::string> ids;
  for (const auto& m : batch.events) ids.push_back(m.event().event_id());
  return ids;
}

TEST_F(AuditStoreTest, FeedFollowsStorageOrderNotEventTime) {
  pb::WatchEventsRequest watch;
  auto start = store_->FeedStart(watch);
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(*start, 0u);
  MustRecord(
      {NewEvent("a", "t1", kBase + 10), NewEvent("b", "t2", kBase + 11)});
  // Shipped late after an outage: older than what is already stored.
  MustRecord({NewEvent("late", "t1", kBase + 1)});
  MustRecord({NewEvent("c", "t1", kBase + 12)});

  auto all = store_->ReadFeed(watch, 0, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(FeedIds(*all), (std::vector<std::string>{"a", "b", "late", "c"}));
  EXPECT_EQ(all->position, 4u);
  EXPECT_FALSE(all->more);
  // Each event carries the cursor to resume right after it.
  EXPECT_EQ(all->events[1].cursor(), AuditStore::FeedCursor(2));

  // Resuming from b's cursor: exactly what was stored after it.
  watch.set_cursor(all->events[1].cursor());
  auto from = store_->FeedStart(watch);
  ASSERT_TRUE(from.ok()) << from.status();
  auto rest = store_->ReadFeed(watch, *from, 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(FeedIds(*rest), (std::vector<std::string>{"late", "c"}));

  // A tenant's feed skips other tenants but still advances the position.
  pb::WatchEventsRequest t2;
  t2.set_tenant_id("t2");
  auto only = store_->ReadFeed(t2, 2, 100);
  ASSERT_TRUE(only.ok());
  EXPECT_TRUE(only->events.empty());
  EXPECT_EQ(only->position, 4u);

  // Scanning is bounded, and says when more is waiting.
  auto first = store_->ReadFeed(watch, 0, 3);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(FeedIds(*first), (std::vector<std::string>{"a", "b", "late"}));
  EXPECT_TRUE(first->more);
}

TEST_F(AuditStoreTest, FeedFilters) {
  MustRecord({NewEvent("a", "t1", kBase, "u1", "create", "success"),
              NewEvent("b", "t1", kBase, "u1", "create", "failure"),
              NewEvent("c", "t1", kBase, "u1", "patch", "success")});
  pb::WatchEventsRequest watch;
  watch.set_operation("create");
  EXPECT_EQ(FeedIds(store_->ReadFeed(watch, 0, 100).value()),
            (std::vector<std::string>{"a", "b"}));
  watch.set_outcome("failure");
  EXPECT_EQ(FeedIds(store_->ReadFeed(watch, 0, 100).value()),
            (std::vector<std::string>{"b"}));
}

TEST_F(AuditStoreTest, DuplicatesDoNotAdvanceTheFeed) {
  MustRecord({NewEvent("a", "t1", kBase)});
  MustRecord({NewEvent("a", "t1", kBase), NewEvent("b", "t1", kBase)});
  MustRecord({NewEvent("a", "t1", kBase)});
  auto feed = store_->ReadFeed(pb::WatchEventsRequest(), 0, 100);
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(FeedIds(*feed), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(store_->FeedStart(pb::WatchEventsRequest()).value(), 2u);
}

TEST_F(AuditStoreTest, FeedStartChecksCursors) {
  MustRecord({NewEvent("a", "t1", kBase), NewEvent("b", "t1", kBase)});
  pb::WatchEventsRequest watch;
  EXPECT_EQ(store_->FeedStart(watch).value(), 2u) << "empty: the current end";
  watch.set_from_oldest(true);
  EXPECT_EQ(store_->FeedStart(watch).value(), 0u);
  watch.set_cursor(AuditStore::FeedCursor(1));
  EXPECT_EQ(store_->FeedStart(watch).value(), 1u) << "a cursor wins";
  watch.set_cursor(AuditStore::FeedCursor(3));
  EXPECT_EQ(store_->FeedStart(watch).status().code(),
            absl::StatusCode::kOutOfRange);
  for (const char* bad : {"zz", "12", "000000000000000g"}) {
    watch.set_cursor(bad);
    EXPECT_EQ(store_->FeedStart(watch).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(AuditStoreTest, FeedPositionsAreNeverReusedEvenWhenAllExpired) {
  FakeClock clock(kBase);
  AuditStoreOptions options;
  options.retention_days = 1;
  options.now_micros = clock.Fn();
  Open(options);
  MustRecord({NewEvent("a", "t1", kBase), NewEvent("b", "t1", kBase)});
  clock.Set(kBase + 3 * 86400);
  ASSERT_TRUE(store_->CompactAll().ok());
  EXPECT_EQ(store_->CountRaw().feed, 0);
  Open(options);
  // A subscriber holding cursor 2 must not miss the next event because its
  // position was handed out again.
  pb::WatchEventsRequest watch;
  watch.set_cursor(AuditStore::FeedCursor(2));
  ASSERT_TRUE(store_->FeedStart(watch).ok());
  MustRecord({NewEvent("c", "t1", kBase + 3 * 86400)});
  auto feed = store_->ReadFeed(watch, 2, 100);
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(FeedIds(*feed), (std::vector<std::string>{"c"}));
  EXPECT_EQ(feed->events[0].cursor(), AuditStore::FeedCursor(3));
}

TEST_F(AuditStoreTest, WaitForFeedWakesOnRecordAndOnInterrupt) {
  EXPECT_FALSE(store_->WaitForFeed(0, std::chrono::milliseconds(10)))
      << "nothing stored: times out";
  std::thread writer([&] { MustRecord({NewEvent("a", "t1", kBase)}); });
  // Bounded: fails (rather than hangs) if the record never wakes it.
  EXPECT_TRUE(store_->WaitForFeed(0, std::chrono::seconds(30)));
  writer.join();

  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { store_->Interrupt(); });
  EXPECT_FALSE(store_->WaitForFeed(1, std::chrono::seconds(30)));
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(store_->interrupted());
}

}  // namespace
}  // namespace scim::audit
