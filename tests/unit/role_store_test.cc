#include "role-service/role_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/status_map.h"

namespace scim::role {
namespace {

namespace fs = std::filesystem;

class RoleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("roles-" + RandomHex(6));
    Open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Open() { store_ = std::move(RoleStore::Open(dir_.string()).value()); }
  pb::Role MustCreate(const std::string& tenant, const std::string& name) {
    auto role = store_->Create(tenant, name);
    EXPECT_TRUE(role.ok()) << role.status();
    return role.ok() ? *role : pb::Role();
  }

  fs::path dir_;
  std::unique_ptr<RoleStore> store_;
};

TEST(RoleValueTest, SpacesBecomeUnderscores) {
  EXPECT_EQ(RoleValue("Example Role"), "Example_Role");
  EXPECT_EQ(RoleValue("Travel  Arranger"), "Travel__Arranger");
  EXPECT_EQ(RoleValue("Booker"), "Booker");
}

TEST_F(RoleStoreTest, CreateFillsValueIdAndMeta) {
  pb::Role role = MustCreate("t1", "Example Role");
  EXPECT_EQ(role.tenant_id(), "t1");
  EXPECT_EQ(role.name(), "Example Role");
  EXPECT_EQ(role.value(), "Example_Role");
  EXPECT_EQ(role.id().size(), 32u);
  EXPECT_EQ(role.meta().version(), 1);
  EXPECT_GT(role.meta().created().seconds(), 0);
  EXPECT_EQ(role.meta().created().seconds(),
            role.meta().last_modified().seconds());
}

TEST_F(RoleStoreTest, CreateRejectsBadInput) {
  for (const auto& [tenant, name] :
       std::vector<std::pair<std::string, std::string>>{
           {"", "Booker"},
           {"t1", ""},
           {"t1", "   "},
           {"t1", std::string(257, 'x')},
           {"t1", std::string("Bo\0ker", 6)}}) {
    auto role = store_->Create(tenant, name);
    EXPECT_EQ(role.status().code(), absl::StatusCode::kInvalidArgument)
        << "tenant '" << tenant << "' name '" << name << "'";
    EXPECT_EQ(ScimTypeOf(role.status()), "invalidValue");
  }
  EXPECT_TRUE(store_->Create("t1", std::string(256, 'x')).ok());
}

TEST_F(RoleStoreTest, DuplicateValueRefusedCaseInsensitively) {
  pb::Role first = MustCreate("t1", "Example Role");
  for (const char* name :
       {"Example Role", "example role", "EXAMPLE_ROLE", "example_Role"}) {
    auto dup = store_->Create("t1", name);
    ASSERT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists) << name;
    EXPECT_EQ(ScimTypeOf(dup.status()), "uniqueness");
    EXPECT_NE(dup.status().message().find("'Example Role'"), std::string::npos)
        << dup.status();
    EXPECT_NE(dup.status().message().find(first.id()), std::string::npos);
  }
  // Another tenant's catalog is separate.
  EXPECT_TRUE(store_->Create("t2", "example role").ok());
  EXPECT_EQ(store_->List("t1")->size(), 1u);
}

TEST_F(RoleStoreTest, ConcurrentCreatesOfOneValueLetOneWin) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (store_->Create("t1", i % 2 ? "Same Role" : "same_role").ok()) {
        ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(store_->List("t1")->size(), 1u);
}

TEST_F(RoleStoreTest, ListSortedByNameAndScopedToTenant) {
  MustCreate("t1", "Travel Arranger");
  MustCreate("t1", "admin");
  MustCreate("t1", "Booker");
  MustCreate("t2", "Other");
  auto roles = store_->List("t1");
  ASSERT_TRUE(roles.ok()) << roles.status();
  std::vector<std::string> names;
  for (const auto& r : *roles) names.push_back(r.name());
  EXPECT_EQ(names,
            (std::vector<std::string>{"admin", "Booker", "Travel Arranger"}));
  EXPECT_TRUE(store_->List("t3")->empty());
  EXPECT_EQ(store_->List("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RoleStoreTest, ResolveNormalizesAndIgnoresCase) {
  pb::Role booker = MustCreate("t1", "Booker");
  pb::Role arranger = MustCreate("t1", "Travel Arranger");
  auto roles = store_->Resolve(
      "t1", {"travel_arranger", "BOOKER", "Travel Arranger", "booker"});
  ASSERT_TRUE(roles.ok()) << roles.status();
  ASSERT_EQ(roles->size(), 4u);
  EXPECT_EQ((*roles)[0].id(), arranger.id());
  EXPECT_EQ((*roles)[1].id(), booker.id());
  EXPECT_EQ((*roles)[2].id(), arranger.id());
  EXPECT_EQ((*roles)[3].id(), booker.id());
  EXPECT_TRUE(store_->Resolve("t1", {})->empty());
}

TEST_F(RoleStoreTest, ResolveNamesUnknownValueAndKnownOnes) {
  MustCreate("t1", "Travel Arranger");
  MustCreate("t1", "Booker");
  auto roles = store_->Resolve("t1", {"Booker", "Bokker"});
  ASSERT_EQ(roles.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ScimTypeOf(roles.status()), "invalidValue");
  EXPECT_EQ(roles.status().message(),
            "roles: no platform role matches value 'Bokker'; known values: "
            "Booker, Travel_Arranger");
}

TEST_F(RoleStoreTest, ResolveNamesEveryUnknownValue) {
  MustCreate("t1", "Booker");
  auto roles = store_->Resolve("t1", {"A", "Booker", "B", "A"});
  ASSERT_EQ(roles.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(roles.status().message(),
            "roles: no platform role matches values 'A', 'B'; known values: "
            "Booker");
}

TEST_F(RoleStoreTest, ResolveAgainstEmptyCatalogSaysHowToAddRoles) {
  MustCreate("t2", "Booker");  // another tenant's roles are not known here
  auto roles = store_->Resolve("t1", {"Booker"});
  ASSERT_EQ(roles.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(roles.status().message(),
            "roles: no platform role matches value 'Booker'; known values: "
            "none (add roles with: scimctl role add TENANT \"Role Name\")");
}

TEST_F(RoleStoreTest, RolesSurviveReopen) {
  pb::Role role = MustCreate("t1", "Example Role");
  store_.reset();
  Open();
  auto roles = store_->List("t1");
  ASSERT_TRUE(roles.ok()) << roles.status();
  ASSERT_EQ(roles->size(), 1u);
  EXPECT_EQ((*roles)[0].SerializeAsString(), role.SerializeAsString());
  auto resolved = store_->Resolve("t1", {"example_role"});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ((*resolved)[0].id(), role.id());
  EXPECT_EQ(store_->Create("t1", "EXAMPLE ROLE").status().code(),
            absl::StatusCode::kAlreadyExists);
}

scim::common::v1::Filter NameEq(const std::string& attr, const std::string& v) {
  scim::common::v1::Filter f;
  f.set_op(scim::common::v1::Filter::EQ);
  f.set_attribute(attr);
  f.mutable_value()->set_string_value(v);
  return f;
}

TEST_F(RoleStoreTest, FindFiltersAsGroupsAndPages) {
  MustCreate("t1", "Travel Arrangers");
  MustCreate("t1", "Bookers");
  MustCreate("t1", "Approvers");
  MustCreate("t2", "Bookers");
  auto f = NameEq("displayName", "travel arrangers");
  auto page = store_->Find("t1", &f, 1, std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->total_results, 1);
  EXPECT_EQ(page->roles[0].name(), "Travel Arrangers");
  auto urn = NameEq("urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
                    "Bookers");
  EXPECT_EQ(store_->Find("t1", &urn, 1, std::nullopt)->total_results, 1);

  auto all = store_->Find("t1", nullptr, 2, 1);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total_results, 3);
  ASSERT_EQ(all->roles.size(), 1u);
  EXPECT_EQ(all->roles[0].name(), "Bookers");

  auto unknown = NameEq("shoeSize", "9");
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->Find("t1", &unknown, 1, std::nullopt).status()));
}

TEST_F(RoleStoreTest, UpdateRenamesAndKeepsValuesUnique) {
  pb::Role role = MustCreate("t1", "Old Name");
  MustCreate("t1", "Taken");
  auto renamed = store_->Update("t1", role.id(), "New Name", "ext-1", 1);
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->value(), "New_Name");
  EXPECT_EQ(renamed->external_id(), "ext-1");
  EXPECT_EQ(renamed->meta().version(), 2);
  EXPECT_EQ(store_->Resolve("t1", {"new_name"})->at(0).id(), role.id());
  EXPECT_FALSE(store_->Resolve("t1", {"Old_Name"}).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(
      store_->Update("t1", role.id(), "Other", "", 1).status()));
  EXPECT_TRUE(absl::IsAlreadyExists(
      store_->Update("t1", role.id(), "taken", "", std::nullopt).status()));
  EXPECT_TRUE(absl::IsNotFound(
      store_->Update("t1", "nope", "X", "", std::nullopt).status()));
}

TEST_F(RoleStoreTest, DeleteFreesTheValue) {
  pb::Role role = MustCreate("t1", "Short Lived");
  ASSERT_TRUE(store_->Delete("t1", role.id()).ok());
  EXPECT_TRUE(absl::IsNotFound(store_->Get("t1", role.id()).status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Delete("t1", role.id())));
  MustCreate("t1", "short lived");
}

TEST_F(RoleStoreTest, FindSortsByGroupAttributes) {
  pb::Role b = MustCreate("t1", "bravo");
  pb::Role a = MustCreate("t1", "Alpha");
  pb::Role c = MustCreate("t1", "Charlie");
  auto names = [](const RoleStore::Page& page) {
    std::vector<std::string> out;
    for (const auto& r : page.roles) out.push_back(r.name());
    return out;
  };
  auto desc = store_->Find("t1", nullptr, 1, std::nullopt, "displayName", true);
  ASSERT_TRUE(desc.ok()) << desc.status();
  EXPECT_EQ(names(*desc),
            (std::vector<std::string>{"Charlie", "bravo", "Alpha"}));
  // Created in the order b, a, c.
  auto created = store_->Find("t1", nullptr, 1, std::nullopt, "meta.created");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(names(*created),
            (std::vector<std::string>{"bravo", "Alpha", "Charlie"}));
  auto by_id = store_->Find("t1", nullptr, 2, 1, "ID");
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  std::vector<std::string> ids = {a.id(), b.id(), c.id()};
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(by_id->roles.size(), 1u);
  EXPECT_EQ(by_id->roles[0].id(), ids[1]);
  ASSERT_TRUE(store_->Update("t1", a.id(), "Alpha", "", std::nullopt).ok());
  auto modified = store_->Find("t1", nullptr, 1, 1, "meta.lastModified", true);
  EXPECT_EQ(modified->roles[0].id(), a.id());

  auto members = store_->Find("t1", nullptr, 1, std::nullopt, "members");
  ASSERT_TRUE(absl::IsInvalidArgument(members.status()));
  EXPECT_NE(members.status().message().find("displayName"), std::string::npos);
}

TEST_F(RoleStoreTest, RenamesWaitForIdentityServiceUntilCleared) {
  pb::Role role = MustCreate("t1", "Before");
  EXPECT_TRUE(store_->PendingSyncs().empty());
  ASSERT_TRUE(store_->Update("t1", role.id(), "After", "", std::nullopt).ok());
  auto pending = store_->PendingSyncs();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].role_id, role.id());
  // A rename after the entry was read keeps it.
  ASSERT_TRUE(store_->Update("t1", role.id(), "Later", "", std::nullopt).ok());
  store_->ClearSync(pending[0]);
  ASSERT_EQ(store_->PendingSyncs().size(), 1u);
  store_->ClearSync(store_->PendingSyncs()[0]);
  EXPECT_TRUE(store_->PendingSyncs().empty());
}

}  // namespace
}  // namespace scim::role
