#include <gtest/gtest.h>

#include <algorithm>
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
  absl::StatusOr<UserStore::MemberResult> Change(
      const std::string& group, std::vector<std::string> add,
      std::vector<std::string> remove, bool replace_all = false) {
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
  EXPECT_EQ(changed->added, 2);
  EXPECT_EQ(Members("g1").size(), 2u);
  auto user = store_->Get("t1", a);
  ASSERT_EQ(user->groups_size(), 1);
  EXPECT_EQ(user->groups(0).value(), "g1");
  EXPECT_EQ(user->groups(0).display(), "Group g1");
  EXPECT_EQ(user->meta().version(), 2);
  auto page = store_->ListMembers("t1", "g1", 1, 100);
  EXPECT_EQ(page->members[0].display.empty(), false);

  // Adding again changes nothing, not even the version.
  EXPECT_EQ(Change("g1", {a}, {})->added, 0);
  EXPECT_EQ(store_->Get("t1", a)->meta().version(), 2);

  EXPECT_EQ(Change("g1", {}, {a})->removed, 1);
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
  EXPECT_EQ(replaced->added, 1);
  EXPECT_EQ(replaced->removed, 1);
  EXPECT_EQ(Members("g1").size(), 2u);
  EXPECT_EQ(store_->Get("t1", a)->groups_size(), 0);

  ASSERT_TRUE(store_->RemoveGroup("t1", "g1", Actor()).ok());
  EXPECT_TRUE(
      absl::IsNotFound(store_->ListMembers("t1", "g1", 1, 10).status()));
  EXPECT_EQ(store_->Get("t1", b)->groups_size(), 0);
}

TEST_F(GroupMembersTest, DeletingAUserEndsItsMemberships) {
  std::string a = NewUser("a@example.com");
  ASSERT_TRUE(Change("g1", {a}, {}).ok());
  ASSERT_TRUE(store_->Delete("t1", a, std::nullopt, Actor()).ok());
  EXPECT_TRUE(Members("g1").empty());
}

TEST_F(GroupMembersTest, EveryChangeBumpsTheGroupVersionAtomically) {
  std::string a = NewUser("a@example.com");
  std::string b = NewUser("b@example.com");
  EXPECT_EQ(store_->ListMembers("t1", "g1", 1, 10)->version, 1);
  auto added = Change("g1", {a}, {});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->version, 2);
  // Nothing changed: same version.
  EXPECT_EQ(Change("g1", {a}, {})->version, 2);

  UserStore::MemberChange stale;
  stale.group_id = "g1";
  stale.add.push_back({b, ""});
  stale.expected_version = 1;
  EXPECT_TRUE(absl::IsFailedPrecondition(
      store_->UpdateMembers("t1", stale, Actor()).status()));
  EXPECT_EQ(Members("g1"), std::vector<std::string>{a});
  stale.expected_version = 2;
  EXPECT_EQ(store_->UpdateMembers("t1", stale, Actor())->version, 3);

  // A rename is a change of the group too, and shows on its members.
  UserStore::MemberChange rename;
  rename.group_id = "g1";
  rename.group_display = "Renamed";
  EXPECT_EQ(store_->UpdateMembers("t1", rename, Actor())->version, 4);
  User shown = *store_->Get("t1", a);
  store_->Render("t1", &shown);
  EXPECT_EQ(shown.groups(0).display(), "Renamed");

  // Deleting a member is one more change.
  ASSERT_TRUE(store_->Delete("t1", b, std::nullopt, Actor()).ok());
  auto page = store_->ListMembers("t1", "g1", 1, 10);
  EXPECT_EQ(page->version, 5);
  EXPECT_EQ(page->total_results, 1);
}

TEST_F(GroupMembersTest, PagesFollowACursorAndCountFromState) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(NewUser(std::to_string(i) + "@x"));
  ASSERT_TRUE(Change("g1", ids, {}).ok());
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->ListMembers("t1", "g1", 1, 3, after);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total_results, 7);
    for (const auto& m : page->members) seen.push_back(m.user_id);
    if (page->members.size() < 3) break;
    after = page->members.back().user_id;
  }
  EXPECT_EQ(seen, ids);
  auto third = store_->ListMembers("t1", "g1", 7, 3);
  ASSERT_EQ(third->members.size(), 1u);
  EXPECT_EQ(third->members[0].user_id, ids[6]);
}

TEST_F(GroupMembersTest, RetiredGroupIsGoneForEveryReader) {
  std::string a = NewUser("a@example.com");
  ASSERT_TRUE(Change("g1", {a}, {}).ok());
  User direct;
  direct.set_user_name("direct@example.com");
  auto* role = direct.add_roles();
  role->set_value("Group_g1");
  role->set_role_id("g1");
  auto holder = store_->Create("t1", direct, Actor());
  ASSERT_TRUE(holder.ok());

  EXPECT_TRUE(
      absl::IsFailedPrecondition(store_->RemoveGroup("t1", "g1", Actor(), 1)));
  ASSERT_TRUE(store_->RemoveGroup("t1", "g1", Actor(), 2).ok());
  // Again, at any version: a retried delete.
  ASSERT_TRUE(store_->RemoveGroup("t1", "g1", Actor(), 1).ok());
  EXPECT_EQ(store_->Get("t1", a)->groups_size(), 0);
  EXPECT_TRUE(
      absl::IsNotFound(store_->ListMembers("t1", "g1", 1, 10).status()));
  EXPECT_TRUE(absl::IsNotFound(Change("g1", {a}, {}).status()));

  // The direct holder is shown without it at once, and rewritten later.
  User shown = *store_->Get("t1", holder->id());
  ASSERT_EQ(shown.roles_size(), 1);
  store_->Render("t1", &shown);
  EXPECT_EQ(shown.roles_size(), 0);
  auto pending = store_->PendingRetirements();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_TRUE((*pending)[0].state.catalog_delete_pending());
  EXPECT_EQ(store_->StripRetiredRole("t1", "g1", Actor()).value(), 1);
  EXPECT_EQ(store_->Get("t1", holder->id())->roles_size(), 0);
  ASSERT_TRUE(store_->FinishRetirement("t1", "g1", true, true).ok());
  EXPECT_TRUE(store_->PendingRetirements()->empty());
}

TEST_F(GroupMembersTest, RenamedRoleShowsItsNewValueOnDirectHolders) {
  User u;
  u.set_user_name("holder@example.com");
  auto* role = u.add_roles();
  role->set_value("travel_arranger");
  role->set_display("Travel Arranger");
  role->set_role_id("r1");
  auto created = store_->Create("t1", u, Actor());
  ASSERT_TRUE(created.ok());
  // The same name again keeps the value as the IdP sent it.
  UserStore::MemberChange same;
  same.group_id = "r1";
  same.group_display = "Travel Arranger";
  ASSERT_TRUE(store_->UpdateMembers("t1", same, Actor()).ok());
  User shown = *created;
  store_->Render("t1", &shown);
  EXPECT_EQ(shown.roles(0).value(), "travel_arranger");
  same.group_display = "Trip Planner";
  ASSERT_TRUE(store_->UpdateMembers("t1", same, Actor()).ok());
  shown = *created;
  store_->Render("t1", &shown);
  EXPECT_EQ(shown.roles(0).value(), "Trip_Planner");
  EXPECT_EQ(shown.roles(0).display(), "Trip Planner");
}

}  // namespace
}  // namespace scim::identity
