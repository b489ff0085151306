#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "common/crypto.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

namespace fs = std::filesystem;

class GroupMembersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("members-" + RandomHex(6));
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
  std::string NewUser(const std::string& name) {
    User u;
    u.set_user_name(name);
    auto created = store_->Create("t1", u, Actor());
    EXPECT_TRUE(created.ok()) << created.status();
    return created->id();
  }
  std::vector<std::string> Members(const std::string& group) {
    std::vector<std::string> ids;
    auto page = store_->ListMembers("t1", group, 1, 100);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return ids;
    for (const auto& m : page->members) {
      ids.push_back(m.user_id);
    }
    return ids;
  }
  absl::StatusOr<std::pair<int, int>> Change(const std::string& group,
                                             std::vector<std::string> add,
                                             std::vector<std::string> remove,
                                             bool replace_all = false) {
    UserStore::MemberChange c;
    c.group_id = group;
    c.group_display = "Group " + group;
    for (auto& id : add) c.add.push_back({id, ""});
    c.remove = std::move(remove);
    c.replace_all = replace_all;
    return store_->UpdateMembers("t1", c, Actor());
  }

  fs::path dir_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(GroupMembersTest, MembershipIsMirroredOnTheUser) {
  std::string a = NewUser("a@example.com");
  std::string b = NewUser("b@example.com");
  auto changed = Change("g1", {a, b}, {});
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->first, 2);
  EXPECT_EQ(Members("g1").size(), 2u);
  auto user = store_->Get("t1", a);
  ASSERT_EQ(user->groups_size(), 1);
  EXPECT_EQ(user->groups(0).value(), "g1");
  EXPECT_EQ(user->groups(0).display(), "Group g1");
  EXPECT_EQ(user->meta().version(), 2);
  auto page = store_->ListMembers("t1", "g1", 1, 100);
  EXPECT_EQ(page->members[0].display.empty(), false);

  // Adding again changes nothing, not even the version.
  EXPECT_EQ(Change("g1", {a}, {})->first, 0);
  EXPECT_EQ(store_->Get("t1", a)->meta().version(), 2);

  EXPECT_EQ(Change("g1", {}, {a})->second, 1);
  EXPECT_EQ(Members("g1"), std::vector<std::string>{b});
  EXPECT_EQ(store_->Get("t1", a)->groups_size(), 0);
}

TEST_F(GroupMembersTest, UnknownUserFailsTheWholeChange) {
  std::string a = NewUser("a@example.com");
  auto changed = Change("g1", {a, "ghost-1", "ghost-2"}, {});
  ASSERT_TRUE(absl::IsInvalidArgument(changed.status()));
  EXPECT_NE(changed.status().message().find("ghost-1"), std::string::npos);
  EXPECT_NE(changed.status().message().find("ghost-2"), std::string::npos);
  EXPECT_TRUE(Members("g1").empty());
  EXPECT_EQ(store_->Get("t1", a)->groups_size(), 0);
}

TEST_F(GroupMembersTest, ReplaceAllAndRemoveGroup) {
  std::string a = NewUser("a@example.com");
  std::string b = NewUser("b@example.com");
  std::string c = NewUser("c@example.com");
  ASSERT_TRUE(Change("g1", {a, b}, {}).ok());
  auto replaced = Change("g1", {b, c}, {}, true);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->first, 1);
  EXPECT_EQ(replaced->second, 1);
  EXPECT_EQ(Members("g1").size(), 2u);
  EXPECT_EQ(store_->Get("t1", a)->groups_size(), 0);

  ASSERT_TRUE(store_->RemoveGroup("t1", "g1", Actor()).ok());
  EXPECT_TRUE(Members("g1").empty());
  EXPECT_EQ(store_->Get("t1", b)->groups_size(), 0);
}

TEST_F(GroupMembersTest, DeletingAUserEndsItsMemberships) {
  std::string a = NewUser("a@example.com");
  ASSERT_TRUE(Change("g1", {a}, {}).ok());
  ASSERT_TRUE(store_->Delete("t1", a, std::nullopt, Actor()).ok());
  EXPECT_TRUE(Members("g1").empty());
}

}  // namespace
}  // namespace scim::identity
