#include "identity-service/location_jobs.h"

#include <rocksdb/iterator.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "identity-service/identity_db.h"
#include "identity-service/locations.h"

namespace scim::identity {
namespace {

constexpr int kBatch = 200;
// A safety net only: changes wake the worker through Notify().
constexpr absl::Duration kIdleWait = absl::Seconds(5);

std::string JobKey(const std::string& tenant_id) {
  return Key({"locations", tenant_id});
}

}  // namespace

LocationJobs::LocationJobs(RocksDb* db, TenantStore* tenants, UserStore* users)
    : db_(db), tenants_(tenants), users_(users) {
  worker_ = std::thread([this] { Run(); });
}

LocationJobs::~LocationJobs() { Stop(); }

void LocationJobs::Notify() {
  absl::MutexLock lock(&mu_);
  pending_ = true;
}

void LocationJobs::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

LocationJobs::Progress LocationJobs::Load(const std::string& tenant_id) const {
  Progress p;
  std::string value;
  if (!db_->Get(kJobs, JobKey(tenant_id), &value).ok()) return p;
  std::vector<std::string> parts = absl::StrSplit(value, '\n');
  if (parts.size() != 4) return p;
  if (!absl::SimpleAtoi(parts[0], &p.version) ||
      !absl::SimpleAtoi(parts[2], &p.done) ||
      !absl::SimpleAtoi(parts[3], &p.total)) {
    return Progress();
  }
  p.cursor = parts[1];
  return p;
}

void LocationJobs::Save(const std::string& tenant_id, const Progress& p) {
  rocksdb::WriteBatch batch;
  // User keys are tenant id NUL user id; no newline can occur in them.
  batch.Put(
      db_->family(kJobs), JobKey(tenant_id),
      absl::StrCat(p.version, "\n", p.cursor, "\n", p.done, "\n", p.total));
  (void)db_->Write(&batch);
}

int64_t LocationJobs::CountUsers(const std::string& tenant_id) const {
  int64_t n = 0;
  std::string prefix = KeyPrefix({tenant_id});
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kUsers)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    ++n;
  }
  return n;
}

bool LocationJobs::Step(const pb::Tenant& tenant) {
  Progress p = Load(tenant.id());
  if (p.version == tenant.location_rules_version() && p.cursor == "\x01") {
    return false;  // done with this version
  }
  if (p.version != tenant.location_rules_version()) {
    p = Progress();
    p.version = tenant.location_rules_version();
    p.total = CountUsers(tenant.id());
  }
  std::string prefix = KeyPrefix({tenant.id()});
  std::vector<std::string> ids;
  std::string last;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kUsers)));
    it->Seek(p.cursor.empty() ? prefix : p.cursor);
    if (!p.cursor.empty() && it->Valid() && it->key() == p.cursor) it->Next();
    for (; it->Valid() && it->key().starts_with(prefix) &&
           static_cast<int>(ids.size()) < kBatch;
         it->Next()) {
      last = it->key().ToString();
      ids.push_back(last.substr(prefix.size()));
    }
  }
  Actor actor{"", "location-rules", ""};
  for (const std::string& id : ids) {
    // Deleted meanwhile, or refused: nothing to re-evaluate.
    (void)users_->Recompute(
        tenant.id(), id,
        [&tenant](User* user) { ComputeLocations(tenant, user); }, actor);
  }
  p.done += static_cast<int64_t>(ids.size());
  bool more = static_cast<int>(ids.size()) == kBatch;
  p.cursor = more ? last : "\x01";
  // Users created meanwhile were evaluated too: the count grew.
  if (!more) p.total = p.done = std::max(p.done, p.total);
  Save(tenant.id(), p);
  return more;
}

void LocationJobs::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() { return stop_ || pending_; };
      mu_.AwaitWithTimeout(absl::Condition(&ready), kIdleWait);
      if (stop_) return;
      pending_ = false;
    }
    auto tenants = tenants_->List();
    if (!tenants.ok()) continue;
    bool more = true;
    while (more) {
      more = false;
      for (const auto& t : *tenants) {
        if (t.location_rules_version() == 0) continue;
        auto fresh = tenants_->Find(t.id());
        if (!fresh.ok()) continue;
        more |= Step(*fresh);
      }
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
  }
}

absl::StatusOr<pb::LocationStatusResponse> LocationJobs::Status(
    const std::string& tenant) const {
  auto t = tenants_->Find(tenant);
  if (!t.ok()) return t.status();
  Progress p = Load(t->id());
  pb::LocationStatusResponse out;
  out.set_rules_version(t->location_rules_version());
  bool current = p.version == t->location_rules_version();
  out.set_users_done(current ? p.done : 0);
  out.set_users_total(current ? p.total : CountUsers(t->id()));
  out.set_complete(t->location_rules_version() == 0 ||
                   (current && p.cursor == "\x01"));
  return out;
}

}  // namespace scim::identity
