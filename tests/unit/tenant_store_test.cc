// TenantStore::Find answers from a cache; every kind of tenant write must
// show in the next Find, by id and by name.
#include "identity-service/tenant_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "common/crypto.h"
#include "identity-service/identity_db.h"
#include "identity-service/outbox.h"

namespace scim::identity {
namespace {

namespace fs = std::filesystem;

class TenantStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("tenant-store-" + RandomHex(6));
    db_ = std::move(RocksDb::Open(dir_.string(), IdentityFamilies()).value());
    outbox_ = std::make_unique<Outbox>(db_.get());
    tenants_ = std::make_unique<TenantStore>(db_.get(), outbox_.get());
    auto created = tenants_->Create("Acme", Actor());
    ASSERT_TRUE(created.ok()) << created.status();
    id_ = created->tenant().id();
  }
  void TearDown() override {
    tenants_.reset();
    outbox_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  std::string Policy(const std::string& id_or_name, const std::string& key) {
    auto t = tenants_->Find(id_or_name);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? t->policies().at(key) : "";
  }

  fs::path dir_;
  std::unique_ptr<RocksDb> db_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<TenantStore> tenants_;
  std::string id_;
};

TEST_F(TenantStoreTest, FindSeesEveryChangeRightAfterIt) {
  // Fill the cache under the id and two spellings of the name.
  EXPECT_EQ(Policy(id_, "page_size"), "100");
  EXPECT_EQ(Policy("Acme", "page_size"), "100");
  EXPECT_EQ(Policy("acme", "page_size"), "100");

  ASSERT_TRUE(tenants_->SetPolicy("acme", "page_size", "25", Actor()).ok());
  EXPECT_EQ(Policy(id_, "page_size"), "25");
  EXPECT_EQ(Policy("Acme", "page_size"), "25");
  EXPECT_EQ(Policy("acme", "page_size"), "25");

  pb::CustomFieldDef field;
  field.set_id("costCenter");
  field.set_type(pb::CustomFieldDef::STRING);
  ASSERT_TRUE(tenants_->AddCustomField(id_, field, Actor()).ok());
  auto with_field = tenants_->Find("acme");
  ASSERT_TRUE(with_field.ok());
  ASSERT_EQ(with_field->custom_fields_size(), 1);
  EXPECT_EQ(with_field->custom_fields(0).id(), "costCenter");

  ASSERT_TRUE(tenants_->RemoveCustomField("Acme", "costCenter", Actor()).ok());
  EXPECT_EQ(tenants_->Find(id_)->custom_fields_size(), 0);
}

TEST_F(TenantStoreTest, AnUnknownTenantIsNotFoundAndThenFoundOnceCreated) {
  EXPECT_TRUE(absl::IsNotFound(tenants_->Find("globex").status()));
  ASSERT_TRUE(tenants_->Create("globex", Actor()).ok());
  auto found = tenants_->Find("globex");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), "globex");
}

}  // namespace
}  // namespace scim::identity
