// Manager references in UserStore: resolution order, the stored approver
// link, its audit events (in the batch of the write that caused them), the
// manager->reports index and cycles.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>

#include "common/crypto.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

namespace fs = std::filesystem;
namespace pb = scim::identity::v1;

class ApproverLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("approvers-" + RandomHex(6));
    db_ = std::move(RocksDb::Open(dir_.string(), IdentityFamilies()).value());
    outbox_ = std::make_unique<Outbox>(db_.get());
    store_ = std::make_unique<UserStore>(db_.get(), outbox_.get());
    store_->set_tenant_flags([](const std::string&) {
      UserStore::TenantFlags flags;
      flags.approver_from_manager = true;
      return flags;
    });
  }
  void TearDown() override {
    store_.reset();
    outbox_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  // The approver events waiting in the outbox, oldest first.
  std::vector<scim::audit::v1::Event> ApproverEvents() {
    std::vector<scim::audit::v1::Event> out;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kOutbox)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      scim::audit::v1::Event e;
      if (!e.ParseFromString(it->value().ToString())) continue;
      if (e.operation().rfind("approver.", 0) == 0) out.push_back(e);
    }
    return out;
  }
  User Create(const std::string& user_name, const std::string& external_id,
              const std::string& manager) {
    User u;
    u.set_user_name(user_name);
    u.set_external_id(external_id);
    u.mutable_enterprise()->mutable_manager()->set_value(manager);
    auto created = store_->Create("t1", u, actor_);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(User());
  }
  pb::GetApproverResponse::State StateOf(const std::string& id) {
    auto user = store_->Get("t1", id);
    EXPECT_TRUE(user.ok());
    auto approver = store_->ApproverOf("t1", *user);
    EXPECT_TRUE(approver.ok());
    return approver->state;
  }

  fs::path dir_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<UserStore> store_;
  Actor actor_{"req-1", "test", "127.0.0.1"};
};

TEST_F(ApproverLinkTest, PendingManagerResolvesByExternalIdThenIsDeleted) {
  User report = Create("report", "", "EMP-9");
  EXPECT_EQ(StateOf(report.id()), pb::GetApproverResponse::PENDING);
  EXPECT_EQ(report.approver_link().state(), pb::GetApproverResponse::PENDING);
  EXPECT_EQ(report.meta().version(), 1);

  User manager = Create("boss", "EMP-9", "");
  auto stored = store_->Get("t1", report.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->approver_link().state(), pb::GetApproverResponse::ACTIVE);
  EXPECT_EQ(stored->approver_link().manager_id(), manager.id());
  EXPECT_EQ(stored->meta().version(), 1) << "the SCIM resource is unchanged";

  ASSERT_TRUE(store_->Delete("t1", manager.id(), std::nullopt, actor_).ok());
  EXPECT_EQ(StateOf(report.id()), pb::GetApproverResponse::DELETED)
      << "a deleted manager is not reported as not provisioned yet";

  auto events = ApproverEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].operation(), "approver.pending");
  EXPECT_EQ(events[1].operation(), "approver.resolved");
  EXPECT_EQ(events[2].operation(), "approver.cleared");
  EXPECT_EQ(events[2].changed_values().at("approver"), "DELETED");
  for (const auto& e : events) EXPECT_EQ(e.resource_id(), report.id());

  // A user the reference names again becomes the approver.
  Create("boss2", "EMP-9", "");
  EXPECT_EQ(StateOf(report.id()), pb::GetApproverResponse::ACTIVE);
}

TEST_F(ApproverLinkTest, IdWinsOverExternalIdWhichWinsOverUserName) {
  User by_name = Create("M-1", "", "");
  User report = Create("report", "", "m-1");
  EXPECT_EQ(store_->Get("t1", report.id())->approver_link().manager_id(),
            by_name.id())
      << "userName matches ignoring case";
  User by_external = Create("other", "m-1", "");
  EXPECT_EQ(store_->Get("t1", report.id())->approver_link().manager_id(),
            by_external.id());
  User direct = Create("direct", "", by_name.id());
  EXPECT_EQ(store_->Get("t1", direct.id())->approver_link().manager_id(),
            by_name.id());
}

TEST_F(ApproverLinkTest, ANewUserResolvesReportsNamingItByEachKey) {
  // One reference by externalId and one by userName, with a reference to
  // someone else between them in the manager index ("emp-7" < "nobody" <
  // "zoe"): all are read in one pass over the index.
  User by_external = Create("a", "", "EMP-7");
  User other = Create("c", "", "nobody");
  User by_name = Create("b", "", "zoe");
  User manager = Create("Zoe", "EMP-7", "");
  for (const User* report : {&by_external, &by_name}) {
    auto stored = store_->Get("t1", report->id());
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->approver_link().state(), pb::GetApproverResponse::ACTIVE)
        << report->user_name();
    EXPECT_EQ(stored->approver_link().manager_id(), manager.id())
        << report->user_name();
  }
  EXPECT_EQ(StateOf(other.id()), pb::GetApproverResponse::PENDING);
}

TEST_F(ApproverLinkTest, DeactivatingTheManagerClearsTheApprover) {
  User manager = Create("boss", "", "");
  User report = Create("report", "", manager.id());
  EXPECT_EQ(StateOf(report.id()), pb::GetApproverResponse::ACTIVE);
  User off = manager;
  off.set_active(false);
  ASSERT_TRUE(store_->Replace("t1", off, std::nullopt, actor_).ok());
  EXPECT_EQ(StateOf(report.id()), pb::GetApproverResponse::INACTIVE);
  auto events = ApproverEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].changed_values().at("approver"), "INACTIVE");
}

TEST_F(ApproverLinkTest, ManagerIndexFollowsTheReference) {
  User report = Create("report", "", "Boss@Example.com");
  std::set<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kUserIndex)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    keys.insert(it->key().ToString());
  }
  EXPECT_TRUE(keys.count(
      Key({"t1", user_index::kManager, "boss@example.com", report.id()})));
  User changed = report;
  changed.mutable_enterprise()->clear_manager();
  ASSERT_TRUE(store_->Replace("t1", changed, std::nullopt, actor_).ok());
  std::string owner;
  EXPECT_TRUE(absl::IsNotFound(db_->Get(
      kUserIndex,
      Key({"t1", user_index::kManager, "boss@example.com", report.id()}),
      &owner)));
}

TEST_F(ApproverLinkTest, CyclesAreRefusedAlsoThroughAPendingReference) {
  User a = Create("a", "EXT-A", "EXT-B");  // B is not provisioned yet
  // B arriving managed by A would close A -> B -> A.
  User b;
  b.set_user_name("b");
  b.set_external_id("EXT-B");
  b.mutable_enterprise()->mutable_manager()->set_value(a.id());
  auto refused = store_->Create("t1", b, actor_);
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_NE(refused.status().message().find("cycle"), std::string::npos);
  EXPECT_EQ(StateOf(a.id()), pb::GetApproverResponse::PENDING);
}

}  // namespace
}  // namespace scim::identity
