// Every kind of change writes exactly one audit event into the outbox, in
// the change's own batch, named as the trail documents it, and without
// secrets or personal data among its values.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "identity-service/identity_db.h"
#include "identity-service/outbox.h"
#include "identity-service/tenant_store.h"
#include "identity-service/user_store.h"
#include "role-service/role_store.h"

namespace scim::identity {
namespace {

namespace fs = std::filesystem;
namespace apb = scim::audit::v1;

class AuditEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("audit-events-" + RandomHex(6));
    fs::create_directories(dir_);
    db_ = std::move(
        RocksDb::Open((dir_ / "identity").string(), IdentityFamilies())
            .value());
    outbox_ = std::make_unique<Outbox>(db_.get());
    users_ = std::make_unique<UserStore>(db_.get(), outbox_.get());
    tenants_ = std::make_unique<TenantStore>(db_.get(), outbox_.get());
    auto created = tenants_->Create("acme", actor_);
    ASSERT_TRUE(created.ok()) << created.status();
    tenant_ = created->tenant().id();
    first_secret_ = created->secret();
    first_token_ = created->token().id();
    EXPECT_EQ(Ops(NewEvents()),
              (std::vector<std::string>{"tenant.create", "token.issue"}));
  }
  void TearDown() override {
    users_.reset();
    tenants_.reset();
    outbox_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  // The outbox entries written since the last call.
  std::vector<apb::Event> NewEvents() {
    std::vector<apb::Event> out;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kOutbox)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string key = it->key().ToString();
      if (!seen_.insert(key).second) continue;
      apb::Event e;
      EXPECT_TRUE(e.ParseFromString(it->value().ToString()));
      all_.push_back(e);
      out.push_back(std::move(e));
    }
    return out;
  }
  static std::vector<std::string> Ops(const std::vector<apb::Event>& events) {
    std::vector<std::string> ops;
    for (const auto& e : events) ops.push_back(e.operation());
    return ops;
  }
  // The single event a change must have written.
  apb::Event One(const std::string& operation) {
    auto events = NewEvents();
    EXPECT_EQ(Ops(events), std::vector<std::string>{operation});
    return events.empty() ? apb::Event() : events[0];
  }
  User Created(const std::string& name) {
    User u;
    u.set_user_name(name);
    auto created = users_->Create(tenant_, u, actor_);
    EXPECT_TRUE(created.ok()) << created.status();
    NewEvents();
    return created.ok() ? *created : User();
  }

  fs::path dir_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<TenantStore> tenants_;
  Actor actor_{"req-1", "token:t0", "10.0.0.9"};
  std::string tenant_, first_secret_, first_token_;
  std::set<std::string> seen_;
  std::vector<apb::Event> all_;
};

TEST_F(AuditEventsTest, UserLifecycleOneEventEach) {
  User u;
  u.set_user_name("anna@example.com");
  u.set_external_id("EMP-1");
  u.mutable_name()->set_given_name("Anna");
  auto* email = u.add_emails();
  email->set_value("anna.private@example.com");
  auto* phone = u.add_phone_numbers();
  phone->set_value("+46700000001");
  auto created = users_->Create(tenant_, u, actor_);
  ASSERT_TRUE(created.ok()) << created.status();
  apb::Event create = One("create");
  EXPECT_EQ(create.tenant_id(), tenant_);
  EXPECT_EQ(create.resource_type(), "User");
  EXPECT_EQ(create.resource_id(), created->id());
  EXPECT_EQ(create.user_name(), "anna@example.com");
  EXPECT_EQ(create.request_id(), "req-1");
  EXPECT_EQ(create.actor(), "token:t0");
  EXPECT_EQ(create.client_address(), "10.0.0.9");
  EXPECT_EQ(create.source(), "identity-service");
  std::set<std::string> changed(create.changed_attributes().begin(),
                                create.changed_attributes().end());
  for (const char* a :
       {"userName", "externalId", "name", "emails", "phoneNumbers"}) {
    EXPECT_EQ(changed.count(a), 1u) << a;
  }
  EXPECT_EQ(create.changed_values().at("userName"), "anna@example.com");
  EXPECT_EQ(create.changed_values().at("externalId"), "EMP-1");
  for (const char* personal : {"name", "emails", "phoneNumbers"}) {
    EXPECT_EQ(create.changed_values().count(personal), 0u) << personal;
  }

  User v = *created;
  v.set_title("Engineer");
  ASSERT_TRUE(users_->Replace(tenant_, v, std::nullopt, actor_).ok());
  apb::Event replace = One("replace");
  EXPECT_EQ(std::vector<std::string>(replace.changed_attributes().begin(),
                                     replace.changed_attributes().end()),
            std::vector<std::string>{"title"});
  EXPECT_EQ(replace.changed_values().at("title"), "Engineer");

  Actor patching = actor_;
  patching.operation = "patch";
  v.set_title("Lead");
  ASSERT_TRUE(users_->Replace(tenant_, v, std::nullopt, patching).ok());
  One("patch");

  v.set_active(false);
  ASSERT_TRUE(users_->Replace(tenant_, v, std::nullopt, patching).ok());
  apb::Event off = One("deactivate");
  EXPECT_EQ(off.changed_values().at("active"), "false");
  v.set_active(true);
  ASSERT_TRUE(users_->Replace(tenant_, v, std::nullopt, actor_).ok());
  EXPECT_EQ(One("reactivate").changed_values().at("active"), "true");

  ASSERT_TRUE(users_->Delete(tenant_, v.id(), std::nullopt, actor_).ok());
  apb::Event del = One("delete");
  EXPECT_EQ(del.user_name(), "anna@example.com");

  for (const auto& e : all_) {
    std::string bytes = e.SerializeAsString();
    EXPECT_EQ(bytes.find("anna.private@example.com"), std::string::npos);
    EXPECT_EQ(bytes.find("+46700000001"), std::string::npos);
    EXPECT_EQ(bytes.find("Anna"), std::string::npos) << "givenName";
  }
}

TEST_F(AuditEventsTest, RefusedChangesWriteNoEvent) {
  Created("bo@example.com");
  User dup;
  dup.set_user_name("BO@example.com");
  EXPECT_FALSE(users_->Create(tenant_, dup, actor_).ok());
  User missing;
  missing.set_id("nobody");
  missing.set_user_name("x@example.com");
  EXPECT_FALSE(users_->Replace(tenant_, missing, std::nullopt, actor_).ok());
  EXPECT_FALSE(users_->Delete(tenant_, "nobody", std::nullopt, actor_).ok());
  EXPECT_TRUE(NewEvents().empty());
}

TEST_F(AuditEventsTest, MembershipChangesOneEventPerUser) {
  User a = Created("a@example.com");
  User b = Created("b@example.com");
  UserStore::MemberChange add;
  add.group_id = "g1";
  add.group_display = "Admins";
  add.add = {{a.id(), ""}, {b.id(), ""}};
  ASSERT_TRUE(users_->UpdateMembers(tenant_, add, actor_).ok());
  auto events = NewEvents();
  EXPECT_EQ(Ops(events),
            (std::vector<std::string>{"membership.add", "membership.add"}));
  EXPECT_EQ(events[0].detail(), "group g1 (Admins)");
  EXPECT_EQ(events[0].changed_values().at("groups"), "g1");

  // Adding again changes nothing, so records nothing.
  ASSERT_TRUE(users_->UpdateMembers(tenant_, add, actor_).ok());
  EXPECT_TRUE(NewEvents().empty());

  UserStore::MemberChange remove;
  remove.group_id = "g1";
  remove.remove = {a.id()};
  ASSERT_TRUE(users_->UpdateMembers(tenant_, remove, actor_).ok());
  EXPECT_EQ(One("membership.remove").resource_id(), a.id());
}

TEST_F(AuditEventsTest, TokenAndPolicyChangesOneEventEach) {
  auto issued = tenants_->IssueToken(tenant_, false, "", actor_);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(One("token.issue").resource_id(), issued->token().id());

  // A rotation revoking two tokens is still one change, one event.
  auto rotated = tenants_->IssueToken(tenant_, true, "", actor_);
  ASSERT_TRUE(rotated.ok());
  apb::Event rotate = One("token.rotate");
  EXPECT_EQ(rotate.resource_id(), rotated->token().id());
  std::string revoked = rotate.changed_values().at("revoked");
  EXPECT_NE(revoked.find(first_token_), std::string::npos) << revoked;
  EXPECT_NE(revoked.find(issued->token().id()), std::string::npos) << revoked;

  ASSERT_TRUE(
      tenants_->RevokeToken(tenant_, rotated->token().id(), actor_).ok());
  EXPECT_EQ(One("token.revoke").resource_id(), rotated->token().id());

  ASSERT_TRUE(tenants_->SetPolicy(tenant_, "delete_mode", "soft", actor_).ok());
  apb::Event policy = One("policy.set");
  EXPECT_EQ(policy.detail(), "delete_mode=soft");

  // No event holds a token secret (only ids).
  for (const auto& secret :
       {first_secret_, issued->secret(), rotated->secret()}) {
    for (const auto& e : all_) {
      EXPECT_EQ(e.SerializeAsString().find(secret), std::string::npos)
          << e.ShortDebugString();
    }
  }
}

TEST(RoleAuditEventsTest, CatalogChangesOneEventEachInTheirOwnBatch) {
  fs::path dir =
      fs::path(::testing::TempDir()) / ("audit-roles-" + RandomHex(6));
  {
    auto store = std::move(scim::role::RoleStore::Open(dir.string()).value());
    Actor actor{"req-9", "token:t9", "10.0.0.1"};
    auto pending = [&] { return store->outbox()->Pending(); };
    auto role = store->Create("t1", "Travel Arranger", "", actor);
    ASSERT_TRUE(role.ok());
    EXPECT_EQ(pending(), 1);
    EXPECT_FALSE(store->Create("t1", "travel arranger", "", actor).ok());
    EXPECT_EQ(pending(), 1) << "a refused change records nothing";
    ASSERT_TRUE(
        store->Update("t1", role->id(), "Booker", "", std::nullopt, actor)
            .ok());
    EXPECT_EQ(pending(), 2);
    ASSERT_TRUE(store->Delete("t1", role->id(), actor).ok());
    EXPECT_EQ(pending(), 3);

    std::vector<apb::Event> events;
    std::unique_ptr<rocksdb::Iterator> it(
        store->outbox()->db()->db()->NewIterator(rocksdb::ReadOptions(),
                                                 store->outbox()->family()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      events.emplace_back();
      ASSERT_TRUE(events.back().ParseFromString(it->value().ToString()));
    }
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].operation(), "role.create");
    EXPECT_EQ(events[0].changed_values().at("value"), "Travel_Arranger");
    EXPECT_EQ(events[1].operation(), "role.update");
    EXPECT_EQ(events[1].changed_values().at("name"), "Booker");
    EXPECT_EQ(events[2].operation(), "role.delete");
    for (const auto& e : events) {
      EXPECT_EQ(e.tenant_id(), "t1");
      EXPECT_EQ(e.resource_type(), "Role");
      EXPECT_EQ(e.resource_id(), role->id());
      EXPECT_EQ(e.request_id(), "req-9");
      EXPECT_EQ(e.source(), "role-service");
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace scim::identity
