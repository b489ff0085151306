#include "audit-service/audit_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
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
  void Open() { store_ = std::move(AuditStore::Open(dir_.string()).value()); }

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

}  // namespace
}  // namespace scim::audit
