#include "identity-service/user_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "identity-service/identity_db.h"

namespace scim::identity {
namespace {

namespace fs = std::filesystem;
using scim::common::v1::Filter;

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("users-" + RandomHex(6));
    Open();
  }
  void TearDown() override {
    Close();
    fs::remove_all(dir_);
  }
  void Open() {
    db_ = std::move(RocksDb::Open(dir_.string(), IdentityFamilies()).value());
    outbox_ = std::make_unique<Outbox>(db_.get());
    store_ = std::make_unique<UserStore>(db_.get(), outbox_.get());
  }
  void Close() {
    store_.reset();
    outbox_.reset();
    db_.reset();
  }
  // Every key of the index family, to compare with what users should own.
  std::set<std::string> IndexEntries() {
    std::set<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
        rocksdb::ReadOptions(), db_->family(kUserIndex)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      keys.insert(it->key().ToString());
    }
    return keys;
  }
  int OutboxSize() {
    int n = 0;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kOutbox)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
  static User NewUser(const std::string& user_name, const std::string& ext,
                      const std::string& email) {
    User u;
    u.set_user_name(user_name);
    u.set_external_id(ext);
    auto* e = u.add_emails();
    e->set_value(email);
    e->set_type("work");
    return u;
  }
  static Filter Eq(const std::string& attribute, const std::string& value) {
    Filter f;
    f.set_op(Filter::EQ);
    f.set_attribute(attribute);
    f.mutable_value()->set_string_value(value);
    return f;
  }

  fs::path dir_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<UserStore> store_;
  Actor actor_{"req-1", "test", "127.0.0.1"};
};

TEST_F(UserStoreTest, CreateIndexesEveryLookupKey) {
  auto u = store_->Create("t1", NewUser("Ann@Example.com", "E1", "ann@x.com"),
                          actor_);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->meta().version(), 1);
  EXPECT_TRUE(u->meta().has_created());
  auto keys = UserStore::IndexKeys("t1", *u);
  EXPECT_EQ(IndexEntries(), std::set<std::string>(keys.begin(), keys.end()));
  EXPECT_EQ(store_->FindByUserName("t1", "ann@example.COM")->id(), u->id());
  EXPECT_EQ(store_->FindByExternalId("t1", "E1")->id(), u->id());
  EXPECT_EQ(store_->FindByEmail("t1", "ANN@x.com")->id(), u->id());
  EXPECT_TRUE(absl::IsNotFound(store_->FindByExternalId("t1", "e1").status()))
      << "externalId is caseExact";
  EXPECT_EQ(OutboxSize(), 1) << "the audit event is written with the user";
}

// Prefix scans of the index (externalId, email) stop at their prefix's end:
// shared, absent and look-alike values give the same answers from flushed
// files, from several of them, and from the memtable on top.
TEST_F(UserStoreTest, PrefixLookupsAnswerTheSameFromFlushedFiles) {
  auto flush = [&] {
    ASSERT_TRUE(db_->db()
                    ->Flush(rocksdb::FlushOptions(), db_->family(kUserIndex))
                    .ok());
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    std::string n = std::to_string(i);
    // Users 0-9 share externalId "shared"; every user has its own email.
    auto u = store_->Create(
        "t1", NewUser("u" + n, i < 10 ? "shared" : "E" + n, n + "@x.com"),
        actor_);
    ASSERT_TRUE(u.ok()) << u.status();
    ids.push_back(u->id());
    if (i % 10 == 9) flush();
  }
  ASSERT_TRUE(
      store_->Create("t1", NewUser("late", "E-late", "late@x.com"), actor_)
          .ok());
  for (int i = 10; i < 30; ++i) {
    std::string n = std::to_string(i);
    EXPECT_EQ(store_->FindByExternalId("t1", "E" + n)->id(), ids[i]);
    EXPECT_EQ(store_->FindByEmail("t1", n + "@X.com")->id(), ids[i]);
  }
  EXPECT_EQ(store_->FindByExternalId("t1", "E-late")->user_name(), "late");
  Filter shared = Eq("externalId", "shared");
  EXPECT_EQ(store_->List("t1", &shared, 1, 100)->total_results, 10);
  Filter prefix_only = Eq("externalId", "E1");
  EXPECT_EQ(store_->List("t1", &prefix_only, 1, 100)->total_results, 0)
      << "E1 is no user's externalId, only the start of E10-E19";
  EXPECT_TRUE(absl::IsNotFound(store_->FindByEmail("t1", "1@x.co").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->FindByExternalId("t2", "E11").status()))
      << "another tenant's index";
  bool done = false;
  auto names = store_->UserNamesAfter("t1", "", 100, &done);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 31u) << "the userName index reads across files";
  EXPECT_TRUE(done);
}

TEST_F(UserStoreTest, UserNameIsUniquePerTenantIgnoringCase) {
  ASSERT_TRUE(store_->Create("t1", NewUser("bob", "", "b@x.com"), actor_).ok());
  auto dup = store_->Create("t1", NewUser("BOB", "", "c@x.com"), actor_);
  EXPECT_TRUE(absl::IsAlreadyExists(dup.status()));
  EXPECT_TRUE(store_->Create("t2", NewUser("bob", "", "b@x.com"), actor_).ok())
      << "another tenant may use the same userName";
  EXPECT_EQ(OutboxSize(), 2) << "a refused write leaves no event";
}

TEST_F(UserStoreTest, RenameMovesIndexEntriesAndBumpsVersion) {
  auto u = store_->Create("t1", NewUser("old", "E1", "old@x.com"), actor_);
  ASSERT_TRUE(u.ok());
  User changed = NewUser("new", "E2", "new@x.com");
  changed.set_id(u->id());
  auto r = store_->Replace("t1", changed, std::nullopt, actor_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->meta().version(), 2);
  EXPECT_EQ(r->meta().created().seconds(), u->meta().created().seconds());
  auto keys = UserStore::IndexKeys("t1", *r);
  EXPECT_EQ(IndexEntries(), std::set<std::string>(keys.begin(), keys.end()));
  EXPECT_TRUE(absl::IsNotFound(store_->FindByUserName("t1", "old").status()));
  EXPECT_TRUE(
      absl::IsNotFound(store_->FindByEmail("t1", "old@x.com").status()));
  EXPECT_EQ(store_->FindByUserName("t1", "new")->id(), u->id());
  // The old name is free again.
  EXPECT_TRUE(store_->Create("t1", NewUser("old", "", ""), actor_).ok());
}

TEST_F(UserStoreTest, UserNamesComeFoldedInPagesOfOneTenant) {
  for (const char* name : {"Carol", "alice", "Bob"}) {
    ASSERT_TRUE(store_->Create("t1", NewUser(name, "", ""), actor_).ok());
  }
  ASSERT_TRUE(store_->Create("t2", NewUser("dave", "", ""), actor_).ok());
  bool done = true;
  auto first = store_->UserNamesAfter("t1", "", 2, &done);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_FALSE(done);
  auto rest = store_->UserNamesAfter("t1", "bob", 2, &done);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(*rest, std::vector<std::string>{"carol"});
  EXPECT_TRUE(done);
  auto none = store_->UserNamesAfter("t3", "", 2, &done);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(done);
}

TEST_F(UserStoreTest, RenameOntoTakenNameFailsAndChangesNothing) {
  auto a = store_->Create("t1", NewUser("a", "", "a@x.com"), actor_);
  auto b = store_->Create("t1", NewUser("b", "", "b@x.com"), actor_);
  auto before = IndexEntries();
  User clash = NewUser("A", "", "z@x.com");
  clash.set_id(b->id());
  EXPECT_TRUE(absl::IsAlreadyExists(
      store_->Replace("t1", clash, std::nullopt, actor_).status()));
  EXPECT_EQ(IndexEntries(), before);
  EXPECT_EQ(store_->Get("t1", b->id())->user_name(), "b");
}

TEST_F(UserStoreTest, VersionMismatchIsFailedPrecondition) {
  auto u = store_->Create("t1", NewUser("v", "", ""), actor_);
  User next = *u;
  next.set_display_name("V");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      store_->Replace("t1", next, 7, actor_).status()));
  EXPECT_TRUE(store_->Replace("t1", next, 1, actor_).ok());
  EXPECT_TRUE(
      absl::IsFailedPrecondition(store_->Delete("t1", u->id(), 1, actor_)));
}

TEST_F(UserStoreTest, AReplaceThatChangesNothingWritesNothing) {
  auto u = store_->Create("t1", NewUser("same", "E1", "same@x.com"), actor_);
  ASSERT_TRUE(u.ok());
  int events = OutboxSize();
  // As the edge sends it: rendered and parsed back, active now explicit.
  User again = *u;
  again.set_active(true);
  again.clear_meta();
  auto r = store_->Replace("t1", again, 1, actor_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->meta().version(), 1);
  EXPECT_EQ(r->meta().last_modified().seconds(),
            u->meta().last_modified().seconds());
  EXPECT_EQ(r->meta().last_modified().nanos(),
            u->meta().last_modified().nanos());
  EXPECT_EQ(OutboxSize(), events);
  EXPECT_EQ(store_->Get("t1", u->id())->meta().version(), 1);
  // A version that is not the user's is still refused.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      store_->Replace("t1", again, 5, actor_).status()));
  // One changed attribute is a write again.
  again.set_display_name("Same");
  r = store_->Replace("t1", again, 1, actor_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->meta().version(), 2);
  EXPECT_EQ(OutboxSize(), events + 1);
}

TEST_F(UserStoreTest, DeleteRemovesRecordAndIndexes) {
  auto u = store_->Create("t1", NewUser("gone", "E9", "gone@x.com"), actor_);
  ASSERT_TRUE(store_->Delete("t1", u->id(), std::nullopt, actor_).ok());
  EXPECT_TRUE(IndexEntries().empty());
  EXPECT_TRUE(absl::IsNotFound(store_->Get("t1", u->id()).status()));
  EXPECT_TRUE(
      absl::IsNotFound(store_->Delete("t1", u->id(), std::nullopt, actor_)));
}

TEST_F(UserStoreTest, ListUsesIndexesAndPages) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_
                    ->Create("t1",
                             NewUser("user" + std::to_string(i), "X",
                                     "u" + std::to_string(i) + "@x.com"),
                             actor_)
                    .ok());
  }
  Filter by_name = Eq("userName", "USER3");
  auto page = store_->List("t1", &by_name, 1, 100);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->total_results, 1);
  EXPECT_EQ(page->users[0].user_name(), "user3");

  Filter by_ext =
      Eq("urn:ietf:params:scim:schemas:core:2.0:User:externalId", "X");
  page = store_->List("t1", &by_ext, 2, 2);
  EXPECT_EQ(page->total_results, 5);
  EXPECT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->start_index, 2);

  Filter both;
  both.set_op(Filter::AND);
  *both.add_children() = Eq("emails.value", "u1@x.com");
  *both.add_children() = Eq("userName", "user2");
  EXPECT_EQ(store_->List("t1", &both, 1, 10)->total_results, 0);

  EXPECT_EQ(store_->List("t1", nullptr, 1, 0)->total_results, 5);
  EXPECT_TRUE(store_->List("t1", nullptr, 1, 0)->users.empty());
  EXPECT_EQ(store_->List("t2", nullptr, 1, 10)->total_results, 0);

  Filter unknown = Eq("shoeSize", "9");
  EXPECT_TRUE(
      absl::IsInvalidArgument(store_->List("t1", &unknown, 1, 10).status()));
}

// Equality on an indexed attribute reads only its matches, also inside an
// `and` and under a value path; anything else reads every user.
TEST_F(UserStoreTest, IndexedEqualityExaminesOneRecordOfAThousand) {
  constexpr int kUsers = 1000;
  for (int i = 0; i < kUsers; ++i) {
    std::string n = std::to_string(i);
    User u = NewUser("user" + n + "@example.com", "EXT-" + n,
                     "mail" + n + "@example.com");
    u.set_title(i % 2 == 0 ? "Engineer" : "Analyst");
    ASSERT_TRUE(store_->Create("t1", u, actor_).ok());
  }
  auto examined = [&](const Filter& f) -> int64_t {
    auto page = store_->List("t1", &f, 1, 10);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->records_examined : -1;
  };
  auto total = [&](const Filter& f) -> int64_t {
    return store_->List("t1", &f, 1, 10)->total_results;
  };
  Filter by_name_and_title;
  by_name_and_title.set_op(Filter::AND);
  *by_name_and_title.add_children() = Eq("title", "Engineer");
  *by_name_and_title.add_children() = Eq("userName", "USER42@example.com");
  EXPECT_EQ(examined(by_name_and_title), 1);
  EXPECT_EQ(total(by_name_and_title), 1);

  EXPECT_EQ(examined(Eq("externalId", "EXT-7")), 1);
  EXPECT_EQ(examined(Eq(
                "id", store_->FindByUserName("t1", "user3@example.com")->id())),
            1);
  EXPECT_EQ(examined(Eq("emails.value", "MAIL9@example.com")), 1);

  Filter work_email = Eq("emails", "mail5@example.com");
  *work_email.mutable_value_filter() = Eq("type", "work");
  work_email.set_sub_attribute("value");
  EXPECT_EQ(examined(work_email), 1);
  EXPECT_EQ(total(work_email), 1);

  Filter bracketed;
  bracketed.set_attribute("emails");
  Filter inner;
  inner.set_op(Filter::AND);
  *inner.add_children() = Eq("type", "work");
  *inner.add_children() = Eq("value", "mail6@example.com");
  *bracketed.mutable_value_filter() = inner;
  EXPECT_EQ(examined(bracketed), 1);
  EXPECT_EQ(total(bracketed), 1);

  Filter either;
  either.set_op(Filter::OR);
  *either.add_children() = Eq("userName", "user1@example.com");
  *either.add_children() = Eq("externalId", "EXT-2");
  EXPECT_EQ(examined(either), 2);

  EXPECT_EQ(examined(Eq("title", "Engineer")), kUsers);
  EXPECT_EQ(total(Eq("title", "Engineer")), kUsers / 2);
  Filter or_scan = either;
  *or_scan.add_children() = Eq("title", "Analyst");
  EXPECT_EQ(examined(or_scan), kUsers) << "one unindexed branch scans";
}

TEST_F(UserStoreTest, SurvivesReopen) {
  auto u = store_->Create("t1", NewUser("durable", "", ""), actor_);
  Close();
  Open();
  EXPECT_EQ(store_->FindByUserName("t1", "durable")->id(), u->id());
}

TEST_F(UserStoreTest, ListSortsTheWholeMatchSetBeforePaging) {
  for (const char* name : {"c@example.com", "a@example.com", "b@example.com"}) {
    ASSERT_TRUE(store_->Create("t1", NewUser(name, "", name), Actor()).ok());
  }
  auto page = store_->List("t1", nullptr, 1, 2, "userName", true);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->total_results, 3);
  ASSERT_EQ(page->users.size(), 2u);
  EXPECT_EQ(page->users[0].user_name(), "c@example.com");
  EXPECT_EQ(page->users[1].user_name(), "b@example.com");
  auto second = store_->List("t1", nullptr, 3, 2, "userName", true);
  EXPECT_EQ(second->users.at(0).user_name(), "a@example.com");
  auto by_email = store_->List("t1", nullptr, 1, 3, "emails.value", false);
  EXPECT_EQ(by_email->users.at(0).user_name(), "a@example.com");
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->List("t1", nullptr, 1, 2, "shoeSize", false).status()));
}

}  // namespace
}  // namespace scim::identity
