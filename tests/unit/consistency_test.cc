#include "identity-service/consistency.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

namespace fs = std::filesystem;

class ConsistencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("consistency-" + RandomHex(6));
    db_ = std::move(RocksDb::Open(dir_.string(), IdentityFamilies()).value());
    outbox_ = std::make_unique<Outbox>(db_.get());
    store_ = std::make_unique<UserStore>(db_.get(), outbox_.get());
  }
  void TearDown() override {
    store_.reset();
    outbox_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  User Create(const std::string& tenant, const std::string& user_name) {
    User u;
    u.set_user_name(user_name);
    u.set_external_id("ext-" + user_name);
    u.add_emails()->set_value(user_name + "@example.com");
    return store_->Create(tenant, u, Actor()).value();
  }
  ConsistencyReport Check(const std::string& tenant, bool repair = false,
                          bool exclusive = false) {
    ConsistencyOptions o;
    o.tenant_id = tenant;
    o.repair = repair;
    o.exclusive = exclusive;
    return CheckConsistency(db_.get(), o).value();
  }
  void Put(size_t family, const std::string& key, const std::string& value) {
    ASSERT_TRUE(
        db_->db()
            ->Put(rocksdb::WriteOptions(), db_->family(family), key, value)
            .ok());
  }
  void Del(size_t family, const std::string& key) {
    ASSERT_TRUE(db_->db()
                    ->Delete(rocksdb::WriteOptions(), db_->family(family), key)
                    .ok());
  }

  fs::path dir_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(ConsistencyTest, WritesThroughTheStoreLeaveNoProblems) {
  User a = Create("t1", "alice");
  User b = Create("t1", "bob");
  Create("t2", "carol");
  UserStore::MemberChange change;
  change.group_id = "g1";
  change.add = {{a.id(), ""}, {b.id(), ""}};
  ASSERT_TRUE(store_->UpdateMembers("t1", change, Actor()).ok());
  ASSERT_TRUE(store_->Delete("t1", b.id(), std::nullopt, Actor()).ok());

  ConsistencyReport all = Check("");
  EXPECT_EQ(all.problem_count(), 0) << all.Summary();
  EXPECT_EQ(all.users_checked, 2);
  EXPECT_EQ(all.index_entries_checked, 6);
  EXPECT_EQ(all.membership_entries_checked, 1);
  ConsistencyReport t1 = Check("t1");
  EXPECT_EQ(t1.users_checked, 1);
  EXPECT_EQ(t1.problem_count(), 0) << t1.Summary();
}

TEST_F(ConsistencyTest, FindsAndSafelyRepairsEntriesOfGoneUsers) {
  User a = Create("t1", "alice");
  // As if a crash had kept index and membership entries of a deleted user.
  Put(kUserIndex, Key({"t1", "u", "ghost"}), "gone-id");
  Put(kMemberships, Key({"t1", "g1", "gone-id"}), "ghost");
  // A stale email entry of a user that exists: only repaired exclusively.
  Put(kUserIndex, Key({"t1", "e", "old@example.com", a.id()}), a.id());

  ConsistencyReport found = Check("t1");
  EXPECT_EQ(found.dangling_index_entries, 2) << found.Summary();
  EXPECT_EQ(found.dangling_memberships, 1);
  EXPECT_EQ(found.repaired, 0);
  ASSERT_EQ(found.problems.size(), 3u);
  std::string lines = absl::StrJoin(found.problems, "\n");
  EXPECT_NE(lines.find("dangling index entry t1/u/ghost: user gone-id does "
                       "not exist"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("t1/e/old@example.com/" + a.id()), std::string::npos)
      << lines;

  ConsistencyReport online = Check("t1", /*repair=*/true);
  EXPECT_EQ(online.repaired, 2) << online.Summary();
  ConsistencyReport after = Check("t1");
  EXPECT_EQ(after.dangling_index_entries, 1) << after.Summary();
  EXPECT_EQ(after.dangling_memberships, 0);
  // The dangling userName entry no longer blocks that userName.
  EXPECT_TRUE(store_->FindByUserName("t1", "ghost").status().code() ==
              absl::StatusCode::kNotFound);

  ConsistencyReport exclusive = Check("t1", true, true);
  EXPECT_EQ(exclusive.repaired, 1);
  EXPECT_EQ(Check("t1").problem_count(), 0);
}

TEST_F(ConsistencyTest, FindsMissingEntriesAndRebuildsThemAtStartUp) {
  User a = Create("t1", "alice");
  UserStore::MemberChange change;
  change.group_id = "g1";
  change.add = {{a.id(), ""}};
  ASSERT_TRUE(store_->UpdateMembers("t1", change, Actor()).ok());
  Del(kUserIndex, Key({"t1", "u", "alice"}));
  Del(kUserIndex, Key({"t1", "x", "ext-alice", a.id()}));
  Del(kMemberships, Key({"t1", "g1", a.id()}));

  ConsistencyReport found = Check("");
  EXPECT_EQ(found.missing_index_entries, 2) << found.Summary();
  EXPECT_EQ(found.missing_memberships, 1);
  // Online repair never adds: a concurrent delete could orphan the entry.
  EXPECT_EQ(Check("", true).repaired, 0);

  ConsistencyReport repaired = Check("", true, true);
  EXPECT_EQ(repaired.repaired, 3);
  EXPECT_EQ(Check("").problem_count(), 0);
  EXPECT_EQ(store_->FindByUserName("t1", "ALICE").value().id(), a.id());
  EXPECT_EQ(store_->FindByExternalId("t1", "ext-alice").value().id(), a.id());
}

TEST_F(ConsistencyTest, AUniqueKeyOwnedByAnotherUserIsReportedNotRepaired) {
  User a = Create("t1", "alice");
  User b = Create("t1", "bob");
  Put(kUserIndex, Key({"t1", "u", "alice"}), b.id());
  ConsistencyReport r = Check("t1", true, true);
  EXPECT_EQ(r.missing_index_entries, 1) << r.Summary();
  EXPECT_EQ(r.dangling_index_entries, 1);
  EXPECT_NE(r.problems[0].find("points at user " + b.id()), std::string::npos)
      << r.problems[0];
}

TEST_F(ConsistencyTest, ADanglingEntryBesideAMissingOneIsStillFound) {
  User a = Create("t1", "alice");
  UserStore::MemberChange change;
  change.group_id = "g1";
  change.add = {{a.id(), ""}};
  ASSERT_TRUE(store_->UpdateMembers("t1", change, Actor()).ok());
  // Each family keeps as many keys as its users account for, one of them
  // the wrong one: counting alone would call this consistent.
  Del(kUserIndex, Key({"t1", "e", "alice@example.com", a.id()}));
  Put(kUserIndex, Key({"t1", "e", "old@example.com", a.id()}), a.id());
  Del(kMemberships, Key({"t1", "g1", a.id()}));
  Put(kMemberships, Key({"t1", "g2", a.id()}), "alice");

  ConsistencyReport found = Check("t1");
  EXPECT_EQ(found.missing_index_entries, 1) << found.Summary();
  EXPECT_EQ(found.dangling_index_entries, 1);
  EXPECT_EQ(found.missing_memberships, 1);
  EXPECT_EQ(found.dangling_memberships, 1);
  EXPECT_EQ(found.index_entries_checked, 3);
  EXPECT_EQ(found.membership_entries_checked, 1);

  Check("t1", /*repair=*/true, /*exclusive=*/true);
  EXPECT_EQ(Check("t1").problem_count(), 0);
}

}  // namespace
}  // namespace scim::identity
