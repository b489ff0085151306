#include "identity-service/tenant_store.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"
#include "identity-service/policies.h"

namespace scim::identity {
namespace {

absl::Status InvalidValue(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

absl::Status ValidateName(const std::string& name) {
  if (name.empty() || name.size() > 128) {
    return InvalidValue("a tenant name must have 1 to 128 characters");
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.') {
      return InvalidValue("tenant name '" + name +
                          "' may use only letters, digits, '-', '_' and '.'");
    }
  }
  return absl::OkStatus();
}

scim::audit::v1::Event TenantEvent(const std::string& operation,
                                   const std::string& tenant,
                                   const std::string& resource_type,
                                   const std::string& resource_id) {
  scim::audit::v1::Event e;
  e.set_tenant_id(tenant);
  e.set_operation(operation);
  e.set_resource_type(resource_type);
  e.set_resource_id(resource_id);
  return e;
}

void FillEffectivePolicies(pb::Tenant* t) {
  auto effective = EffectivePolicies(t->policies());
  t->mutable_policies()->clear();
  for (const auto& [k, v] : effective) (*t->mutable_policies())[k] = v;
}

}  // namespace

absl::StatusOr<pb::Tenant> TenantStore::Load(const std::string& id) const {
  std::string value;
  absl::Status s = db_->Get(kTenants, id, &value);
  if (!s.ok()) return s;
  pb::Tenant t;
  if (!t.ParseFromString(value)) {
    return absl::InternalError("stored tenant " + id + " is unreadable");
  }
  return t;
}

// Enough for every tenant of a large deployment; past it the cache starts
// over rather than grow without bound on lookups of many names.
constexpr size_t kMaxCachedTenants = 4096;

void TenantStore::InvalidateCache() {
  absl::MutexLock lock(&cache_mu_);
  ++cache_generation_;
  cache_.clear();
}

absl::StatusOr<pb::Tenant> TenantStore::Find(
    const std::string& id_or_name) const {
  auto shared = FindShared(id_or_name);
  if (!shared.ok()) return shared.status();
  return **shared;
}

absl::StatusOr<std::shared_ptr<const pb::Tenant>> TenantStore::FindShared(
    const std::string& id_or_name) const {
  uint64_t generation;
  {
    absl::MutexLock lock(&cache_mu_);
    auto cached = cache_.find(id_or_name);
    if (cached != cache_.end()) return cached->second;
    generation = cache_generation_;
  }
  absl::StatusOr<pb::Tenant> t = Load(id_or_name);
  if (absl::IsNotFound(t.status())) {
    std::string id;
    absl::Status s =
        db_->Get(kTenantNames, absl::AsciiStrToLower(id_or_name), &id);
    if (absl::IsNotFound(s)) {
      return absl::NotFoundError("no tenant with id or name '" + id_or_name +
                                 "'; list them with: scimctl tenant list");
    }
    if (!s.ok()) return s;
    t = Load(id);
  }
  if (!t.ok()) return t.status();
  FillEffectivePolicies(&*t);
  auto shared = std::make_shared<const pb::Tenant>(*std::move(t));
  absl::MutexLock lock(&cache_mu_);
  if (generation == cache_generation_) {
    if (cache_.size() >= kMaxCachedTenants) cache_.clear();
    cache_.emplace(id_or_name, shared);
  }
  return shared;
}

absl::StatusOr<std::vector<pb::Tenant>> TenantStore::List() const {
  std::vector<pb::Tenant> out;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kTenants)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    pb::Tenant t;
    if (!t.ParseFromArray(it->value().data(), it->value().size())) continue;
    FillEffectivePolicies(&t);
    out.push_back(std::move(t));
  }
  if (!it->status().ok()) return FromRocks(it->status());
  return out;
}

absl::StatusOr<pb::CreateTenantResponse> TenantStore::Create(
    const std::string& name, const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  return CreateLocked(name, "", actor);
}

absl::StatusOr<pb::CreateTenantResponse> TenantStore::CreateLocked(
    const std::string& name, const std::string& secret, const Actor& actor) {
  absl::Status valid = ValidateName(name);
  if (!valid.ok()) return valid;
  std::string existing;
  std::string lower = absl::AsciiStrToLower(name);
  if (db_->Get(kTenantNames, lower, &existing).ok()) {
    return WithScimType(
        absl::AlreadyExistsError("tenant '" + name + "' already exists (id " +
                                 existing + ")"),
        "uniqueness");
  }
  pb::CreateTenantResponse out;
  pb::Tenant* t = out.mutable_tenant();
  t->set_id(RandomHex(8));
  t->set_name(name);
  *t->mutable_created() = NowTimestamp();
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kTenants), t->id(), t->SerializeAsString());
  batch.Put(db_->family(kTenantNames), lower, t->id());
  outbox_->Append(
      &batch, TenantEvent("tenant.create", t->id(), "Tenant", t->id()), actor);
  absl::StatusOr<pb::IssueTokenResponse> token =
      IssueLocked(*t, false, secret, actor, &batch);
  if (!token.ok()) return token.status();
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  InvalidateCache();
  outbox_->Notify();
  FillEffectivePolicies(t);
  *out.mutable_token() = token->token();
  out.set_secret(token->secret());
  return out;
}

absl::StatusOr<pb::IssueTokenResponse> TenantStore::IssueLocked(
    const pb::Tenant& tenant, bool revoke_others, const std::string& secret,
    const Actor& actor, rocksdb::WriteBatch* batch) {
  // A rotation is one change: one event that names the tokens it revoked.
  std::vector<std::string> revoked;
  if (revoke_others) {
    std::string prefix = KeyPrefix({tenant.id()});
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
        rocksdb::ReadOptions(), db_->family(kTenantTokens)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      std::string value;
      std::string hash = it->value().ToString();
      if (!db_->Get(kTokens, hash, &value).ok()) continue;
      pb::StoredToken stored;
      if (!stored.ParseFromString(value) || stored.info().revoked()) continue;
      stored.mutable_info()->set_revoked(true);
      batch->Put(db_->family(kTokens), hash, stored.SerializeAsString());
      revoked.push_back(stored.info().id());
    }
  }
  pb::IssueTokenResponse out;
  out.set_secret(secret.empty() ? NewTokenSecret() : secret);
  pb::StoredToken stored;
  stored.set_secret_sha256(Sha256Hex(out.secret()));
  std::string unused;
  if (db_->Get(kTokens, stored.secret_sha256(), &unused).ok()) {
    return WithScimType(
        absl::AlreadyExistsError("that token is already in use; choose "
                                 "another (or leave it unset to generate one)"),
        "uniqueness");
  }
  pb::TokenInfo* info = stored.mutable_info();
  info->set_id(RandomHex(8));
  info->set_tenant_id(tenant.id());
  *info->mutable_created() = NowTimestamp();
  batch->Put(db_->family(kTokens), stored.secret_sha256(),
             stored.SerializeAsString());
  batch->Put(db_->family(kTenantTokens), Key({tenant.id(), info->id()}),
             stored.secret_sha256());
  auto event = TenantEvent(revoke_others ? "token.rotate" : "token.issue",
                           tenant.id(), "Token", info->id());
  if (revoke_others) {
    event.add_changed_attributes("revoked");
    (*event.mutable_changed_values())["revoked"] = absl::StrJoin(revoked, ",");
    event.set_detail("revoked tokens: " +
                     (revoked.empty() ? "none" : absl::StrJoin(revoked, ", ")));
  }
  outbox_->Append(batch, std::move(event), actor);
  *out.mutable_token() = *info;
  return out;
}

absl::StatusOr<pb::IssueTokenResponse> TenantStore::IssueToken(
    const std::string& tenant, bool revoke_others, const std::string& secret,
    const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<pb::Tenant> t = Find(tenant);
  if (!t.ok()) return t.status();
  rocksdb::WriteBatch batch;
  auto out = IssueLocked(*t, revoke_others, secret, actor, &batch);
  if (!out.ok()) return out;
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  outbox_->Notify();
  return out;
}

absl::Status TenantStore::RevokeToken(const std::string& tenant,
                                      const std::string& token_id,
                                      const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<pb::Tenant> t = Find(tenant);
  if (!t.ok()) return t.status();
  std::string hash, value;
  absl::Status s = db_->Get(kTenantTokens, Key({t->id(), token_id}), &hash);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError("tenant " + t->name() + " has no token '" +
                               token_id + "'");
  }
  if (!s.ok()) return s;
  s = db_->Get(kTokens, hash, &value);
  if (!s.ok()) return s;
  pb::StoredToken stored;
  stored.ParseFromString(value);
  stored.mutable_info()->set_revoked(true);
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kTokens), hash, stored.SerializeAsString());
  outbox_->Append(
      &batch, TenantEvent("token.revoke", t->id(), "Token", token_id), actor);
  s = db_->Write(&batch);
  if (s.ok()) outbox_->Notify();
  return s;
}

absl::StatusOr<std::vector<pb::TokenInfo>> TenantStore::ListTokens(
    const std::string& tenant) const {
  absl::StatusOr<pb::Tenant> t = Find(tenant);
  if (!t.ok()) return t.status();
  std::vector<pb::TokenInfo> out;
  std::string prefix = KeyPrefix({t->id()});
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
      rocksdb::ReadOptions(), db_->family(kTenantTokens)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    std::string value;
    if (!db_->Get(kTokens, it->value().ToString(), &value).ok()) continue;
    pb::StoredToken stored;
    if (stored.ParseFromString(value)) out.push_back(stored.info());
  }
  return out;
}

absl::StatusOr<pb::Tenant> TenantStore::SetPolicy(const std::string& tenant,
                                                  const std::string& key,
                                                  const std::string& value,
                                                  const Actor& actor) {
  absl::Status valid = ValidatePolicy(key, value);
  if (!valid.ok()) return valid;
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<pb::Tenant> found = Find(tenant);
  if (!found.ok()) return found.status();
  absl::StatusOr<pb::Tenant> t = Load(found->id());
  if (!t.ok()) return t.status();
  (*t->mutable_policies())[key] = value;
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kTenants), t->id(), t->SerializeAsString());
  auto event = TenantEvent("policy.set", t->id(), "Tenant", t->id());
  event.add_changed_attributes(key);
  event.set_detail(key + "=" + value);
  outbox_->Append(&batch, std::move(event), actor);
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  InvalidateCache();
  outbox_->Notify();
  FillEffectivePolicies(&*t);
  return t;
}

absl::StatusOr<pb::AuthenticateResponse> TenantStore::Authenticate(
    const std::string& secret) const {
  // The lookup is keyed by the hash, so timing reveals at most bits of a
  // hash, never of a secret; the final comparison is constant-time anyway.
  std::string hash = Sha256Hex(secret);
  std::string value;
  absl::Status s = db_->Get(kTokens, hash, &value);
  auto denied = absl::UnauthenticatedError(
      "the API token is unknown or revoked; send a valid token as "
      "'Authorization: Bearer <token>' or 'X-HR-Feed-Token: <token>'");
  if (absl::IsNotFound(s)) return denied;
  if (!s.ok()) return s;
  pb::StoredToken stored;
  if (!stored.ParseFromString(value) ||
      !ConstantTimeEquals(stored.secret_sha256(), hash) ||
      stored.info().revoked()) {
    return denied;
  }
  absl::StatusOr<pb::Tenant> t = Find(stored.info().tenant_id());
  if (!t.ok()) return t.status();
  pb::AuthenticateResponse out;
  *out.mutable_tenant() = *t;
  out.set_token_id(stored.info().id());
  return out;
}

absl::StatusOr<std::vector<std::string>> TenantStore::EnsureBootstrap(
    const std::string& name, const std::string& secret) {
  Actor actor{"", "bootstrap", ""};
  absl::MutexLock lock(&write_mu_);
  std::vector<std::string> lines;
  absl::StatusOr<pb::Tenant> t = Find(name);
  if (absl::IsNotFound(t.status())) {
    auto created = CreateLocked(name, secret, actor);
    if (!created.ok()) return created.status();
    lines.push_back("tenant: " + created->tenant().id());
    if (secret.empty()) lines.push_back("token: " + created->secret());
    return lines;
  }
  if (!t.ok()) return t.status();
  if (secret.empty()) return lines;
  std::string value;
  if (db_->Get(kTokens, Sha256Hex(secret), &value).ok()) {
    pb::StoredToken stored;
    stored.ParseFromString(value);
    if (stored.info().tenant_id() != t->id() || stored.info().revoked()) {
      return absl::FailedPreconditionError(
          "SCIM_BOOTSTRAP_TOKEN belongs to another tenant or was revoked; "
          "choose a new token");
    }
    return lines;
  }
  rocksdb::WriteBatch batch;
  auto issued = IssueLocked(*t, false, secret, actor, &batch);
  if (!issued.ok()) return issued.status();
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  outbox_->Notify();
  return lines;
}

}  // namespace scim::identity
