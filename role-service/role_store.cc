#include "role-service/role_store.h"

#include <rocksdb/iterator.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/crypto.h"
#include "common/filter_eval.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::role {
namespace {

// Column families, in the order given to RocksDb::Open.
enum Family : size_t {
  kRoles = 0,     // tenant id, role id -> Role
  kRoleValues,    // tenant id, lower(value) -> role id
  kOutbox,        // sequence -> audit Event awaiting shipment
  kIdentitySync,  // tenant id, role id -> version identity-service must learn
};

constexpr size_t kMaxNameLength = 256;
// An error detail naming thousands of roles helps nobody.
constexpr size_t kMaxKnownValuesShown = 50;

absl::Status Invalid(const std::string& message) {
  return WithScimType(absl::InvalidArgumentError(message), "invalidValue");
}

absl::Status CheckTenant(const std::string& tenant_id) {
  if (tenant_id.empty()) return Invalid("tenant_id is required");
  // NUL separates key parts; letting it in would let one tenant's keys
  // collide with another's.
  if (tenant_id.find('\0') != std::string::npos) {
    return Invalid("tenant_id must not contain NUL");
  }
  return absl::OkStatus();
}

absl::Status CheckName(const std::string& name) {
  if (name.empty()) return Invalid("role name is required");
  if (name.size() > kMaxNameLength) {
    return Invalid(absl::StrCat("role name is ", name.size(),
                                " bytes long; the limit is ", kMaxNameLength));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return Invalid("role name must not contain control characters");
    }
  }
  return absl::OkStatus();
}

std::string IndexKey(const std::string& tenant_id, const std::string& value) {
  return Key({tenant_id, absl::AsciiStrToLower(RoleValue(value))});
}

// A role seen as a SCIM Group: the filter says displayName, the role says
// name.
scim::common::v1::Filter AsRoleFilter(scim::common::v1::Filter f) {
  static const std::string kGroupUrn =
      "urn:ietf:params:scim:schemas:core:2.0:Group:";
  std::string attribute = f.attribute();
  if (absl::StartsWithIgnoreCase(attribute, kGroupUrn)) {
    attribute = attribute.substr(kGroupUrn.size());
  }
  if (absl::EqualsIgnoreCase(attribute, "displayName")) attribute = "name";
  f.set_attribute(attribute);
  for (auto& child : *f.mutable_children()) child = AsRoleFilter(child);
  return f;
}

// The role value an equality on name or value asks for, also inside an
// `and`, so such lookups read one index entry.
std::optional<std::string> IndexedValue(const scim::common::v1::Filter& f) {
  using scim::common::v1::Filter;
  if (f.op() == Filter::AND) {
    for (const auto& c : f.children()) {
      if (auto v = IndexedValue(c)) return v;
    }
    return std::nullopt;
  }
  if (f.op() != Filter::EQ || f.has_value_filter() ||
      !f.value().has_string_value()) {
    return std::nullopt;
  }
  if (absl::EqualsIgnoreCase(f.attribute(), "name") ||
      absl::EqualsIgnoreCase(f.attribute(), "value")) {
    return f.value().string_value();
  }
  return std::nullopt;
}

// The Role field path of a Group sortBy attribute; nullopt for one that
// cannot be sorted by (members, or no Group attribute at all).
std::optional<std::string> SortPath(const std::string& attribute) {
  static const std::string kGroupUrn =
      "urn:ietf:params:scim:schemas:core:2.0:Group:";
  std::string a = attribute;
  if (absl::StartsWithIgnoreCase(a, kGroupUrn)) a = a.substr(kGroupUrn.size());
  a = absl::AsciiStrToLower(a);
  if (a == "displayname") return "name";
  for (const char* ok : {"id", "externalid", "meta.created",
                         "meta.lastmodified", "meta.version"}) {
    if (a == ok) return a;
  }
  return std::nullopt;
}

std::string Quoted(absl::string_view s) { return absl::StrCat("'", s, "'"); }

// The audit event of a catalog change. Role names and values are catalog
// data, not personal data, so their new values are kept.
scim::audit::v1::Event RoleEvent(const std::string& operation,
                                 const pb::Role* before,
                                 const pb::Role& after) {
  scim::audit::v1::Event e;
  e.set_tenant_id(after.tenant_id());
  e.set_operation(operation);
  e.set_resource_type("Role");
  e.set_resource_id(after.id());
  if (operation == "role.delete") {
    e.set_detail("role " + Quoted(after.name()) + " (value " +
                 Quoted(after.value()) + ")");
    return e;
  }
  auto changed = [&](const char* name, const std::string& old_value,
                     const std::string& new_value) {
    if (before != nullptr && old_value == new_value) return;
    e.add_changed_attributes(name);
    (*e.mutable_changed_values())[name] = new_value;
  };
  changed("name", before ? before->name() : "", after.name());
  changed("value", before ? before->value() : "", after.value());
  changed("externalId", before ? before->external_id() : "",
          after.external_id());
  return e;
}

std::string UnknownValuesDetail(const std::vector<std::string>& unknown,
                                const std::vector<pb::Role>& known) {
  std::vector<std::string> quoted;
  for (const auto& v : unknown) quoted.push_back(Quoted(v));
  std::string out =
      absl::StrCat("roles: no platform role matches ",
                   unknown.size() == 1 ? "value " : "values ",
                   absl::StrJoin(quoted, ", "), "; known values: ");
  if (known.empty()) {
    absl::StrAppend(
        &out, "none (add roles with: scimctl role add TENANT \"Role Name\")");
    return out;
  }
  size_t shown = std::min(known.size(), kMaxKnownValuesShown);
  for (size_t i = 0; i < shown; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", known[i].value());
  }
  if (shown < known.size()) {
    absl::StrAppend(&out, " and ", known.size() - shown, " more");
  }
  return out;
}

}  // namespace

std::string RoleValue(absl::string_view name) {
  return absl::StrReplaceAll(name, {{" ", "_"}});
}

absl::StatusOr<std::unique_ptr<RoleStore>> RoleStore::Open(
    const std::string& path) {
  auto db =
      RocksDb::Open(path, {"roles", "role_values", "outbox", "identity_sync"});
  if (!db.ok()) return db.status();
  return std::unique_ptr<RoleStore>(new RoleStore(std::move(*db)));
}

RoleStore::RoleStore(std::unique_ptr<RocksDb> db)
    : db_(std::move(db)), outbox_(db_.get(), kOutbox, "role-service") {}

absl::StatusOr<pb::Role> RoleStore::Create(const std::string& tenant_id,
                                           const std::string& name,
                                           const std::string& external_id,
                                           const AuditActor& actor) {
  if (auto s = CheckTenant(tenant_id); !s.ok()) return s;
  // Surrounding blanks would become leading/trailing underscores in the
  // value, which no administrator means.
  std::string clean(absl::StripAsciiWhitespace(name));
  if (auto s = CheckName(clean); !s.ok()) return s;

  pb::Role role;
  role.set_id(RandomHex(16));
  role.set_tenant_id(tenant_id);
  role.set_name(clean);
  role.set_value(RoleValue(clean));
  role.set_external_id(external_id);
  auto now = NowTimestamp();
  *role.mutable_meta()->mutable_created() = now;
  *role.mutable_meta()->mutable_last_modified() = now;
  role.mutable_meta()->set_version(1);

  absl::MutexLock lock(&write_mu_);
  if (auto s = CheckValueFree(tenant_id, role); !s.ok()) return s;
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kRoles), Key({tenant_id, role.id()}),
            role.SerializeAsString());
  batch.Put(db_->family(kRoleValues), IndexKey(tenant_id, role.value()),
            role.id());
  outbox_.Append(&batch, RoleEvent("role.create", nullptr, role), actor);
  if (auto s = db_->Write(&batch); !s.ok()) return s;
  outbox_.Notify();
  return role;
}

absl::Status RoleStore::CheckValueFree(const std::string& tenant_id,
                                       const pb::Role& role) const {
  auto existing = FindByValue(tenant_id, role.value());
  if (absl::IsNotFound(existing.status())) return absl::OkStatus();
  if (!existing.ok()) return existing.status();
  if (existing->id() == role.id()) return absl::OkStatus();
  return WithScimType(
      absl::AlreadyExistsError(absl::StrCat(
          "role ", Quoted(role.name()), " (value ", Quoted(role.value()),
          ") conflicts with existing role ", Quoted(existing->name()),
          " (value ", Quoted(existing->value()), ", id ", existing->id(),
          "); role values are compared case-insensitively")),
      "uniqueness");
}

absl::StatusOr<pb::Role> RoleStore::Get(const std::string& tenant_id,
                                        const std::string& role_id) const {
  if (auto s = CheckTenant(tenant_id); !s.ok()) return s;
  auto role = Load(tenant_id, role_id);
  if (absl::IsNotFound(role.status())) {
    return absl::NotFoundError("no group or role with id '" + role_id +
                               "' in this tenant; it may have been deleted");
  }
  return role;
}

absl::StatusOr<pb::Role> RoleStore::Update(
    const std::string& tenant_id, const std::string& role_id,
    const std::string& name, const std::string& external_id,
    std::optional<int64_t> expected_version, const AuditActor& actor) {
  std::string clean(absl::StripAsciiWhitespace(name));
  if (auto s = CheckName(clean); !s.ok()) return s;
  absl::MutexLock lock(&write_mu_);
  auto old = Get(tenant_id, role_id);
  if (!old.ok()) return old.status();
  if (expected_version && *expected_version != old->meta().version()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "role ", role_id, " changed since version ", *expected_version,
        " (now ", old->meta().version(), "); read it again and retry"));
  }
  pb::Role role = *old;
  role.set_name(clean);
  role.set_value(RoleValue(clean));
  role.set_external_id(external_id);
  *role.mutable_meta()->mutable_last_modified() = NowTimestamp();
  role.mutable_meta()->set_version(old->meta().version() + 1);
  if (auto s = CheckValueFree(tenant_id, role); !s.ok()) return s;
  rocksdb::WriteBatch batch;
  std::string old_key = IndexKey(tenant_id, old->value());
  std::string new_key = IndexKey(tenant_id, role.value());
  if (old_key != new_key) batch.Delete(db_->family(kRoleValues), old_key);
  batch.Put(db_->family(kRoleValues), new_key, role.id());
  batch.Put(db_->family(kRoles), Key({tenant_id, role.id()}),
            role.SerializeAsString());
  outbox_.Append(&batch, RoleEvent("role.update", &*old, role), actor);
  // identity-service renders users' role and group names from what it was
  // told; the entry stays until it has been told (RoleServiceImpl).
  batch.Put(db_->family(kIdentitySync), Key({tenant_id, role.id()}),
            std::to_string(role.meta().version()));
  if (auto s = db_->Write(&batch); !s.ok()) return s;
  outbox_.Notify();
  return role;
}

absl::Status RoleStore::Delete(const std::string& tenant_id,
                               const std::string& role_id,
                               const AuditActor& actor) {
  absl::MutexLock lock(&write_mu_);
  auto old = Get(tenant_id, role_id);
  if (!old.ok()) return old.status();
  rocksdb::WriteBatch batch;
  batch.Delete(db_->family(kRoles), Key({tenant_id, role_id}));
  batch.Delete(db_->family(kRoleValues), IndexKey(tenant_id, old->value()));
  batch.Delete(db_->family(kIdentitySync), Key({tenant_id, role_id}));
  outbox_.Append(&batch, RoleEvent("role.delete", &*old, *old), actor);
  if (auto s = db_->Write(&batch); !s.ok()) return s;
  outbox_.Notify();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<pb::Role>> RoleStore::List(
    const std::string& tenant_id) const {
  if (auto s = CheckTenant(tenant_id); !s.ok()) return s;
  std::string prefix = KeyPrefix({tenant_id});
  std::vector<pb::Role> roles;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kRoles)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    pb::Role role;
    if (!role.ParseFromArray(it->value().data(),
                             static_cast<int>(it->value().size()))) {
      return absl::InternalError("a stored role of tenant " + tenant_id +
                                 " is unreadable");
    }
    roles.push_back(std::move(role));
  }
  if (auto s = FromRocks(it->status()); !s.ok()) return s;
  // Case-insensitive first so "admin" sits beside "Admin"; the exact name
  // breaks ties to keep the order stable.
  std::sort(roles.begin(), roles.end(),
            [](const pb::Role& a, const pb::Role& b) {
              auto la = absl::AsciiStrToLower(a.name());
              auto lb = absl::AsciiStrToLower(b.name());
              return la != lb ? la < lb : a.name() < b.name();
            });
  return roles;
}

absl::StatusOr<RoleStore::Page> RoleStore::Find(
    const std::string& tenant_id, const scim::common::v1::Filter* filter,
    int start_index, std::optional<int> count, const std::string& sort_by,
    bool descending) const {
  std::optional<std::string> sort_path;
  if (!sort_by.empty()) {
    sort_path = SortPath(sort_by);
    if (!sort_path) {
      return Invalid("sortBy '" + sort_by +
                     "' is not a sortable Group attribute; sort by "
                     "displayName, id, externalId, meta.created or "
                     "meta.lastModified");
    }
  }
  std::optional<scim::common::v1::Filter> as_role;
  if (filter != nullptr) {
    as_role = AsRoleFilter(*filter);
    // Reports a bad attribute even when the tenant has no roles.
    if (auto valid = Matches(pb::Role(), *as_role); !valid.ok()) {
      return valid.status();
    }
  }
  std::vector<pb::Role> candidates;
  std::optional<std::string> by_value =
      as_role ? IndexedValue(*as_role) : std::nullopt;
  if (by_value) {
    auto role = FindByValue(tenant_id, *by_value);
    if (role.ok()) {
      candidates.push_back(std::move(*role));
    } else if (!absl::IsNotFound(role.status())) {
      return role.status();
    }
  } else {
    auto all = List(tenant_id);
    if (!all.ok()) return all.status();
    candidates = std::move(*all);
  }
  if (sort_path) {
    // Stable, so equal keys keep the name order List gave them.
    std::vector<std::pair<SortKey, pb::Role*>> keyed;
    for (auto& role : candidates) {
      auto key = SortKeyOf(role, *sort_path);
      if (!key.ok()) return key.status();
      keyed.emplace_back(std::move(*key), &role);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [descending](const auto& a, const auto& b) {
                       return a.first.Before(b.first, descending);
                     });
    std::vector<pb::Role> sorted;
    sorted.reserve(keyed.size());
    for (auto& [key, role] : keyed) sorted.push_back(std::move(*role));
    candidates = std::move(sorted);
  }
  Page page;
  int64_t skip = std::max(start_index, 1) - 1;
  for (auto& role : candidates) {
    if (as_role) {
      auto m = Matches(role, *as_role);
      if (!m.ok()) return m.status();
      if (!*m) continue;
    }
    ++page.total_results;
    if (skip > 0) {
      --skip;
    } else if (!count || static_cast<int>(page.roles.size()) < *count) {
      page.roles.push_back(std::move(role));
    }
  }
  return page;
}

std::vector<RoleStore::Sync> RoleStore::PendingSyncs() const {
  std::vector<Sync> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(
      rocksdb::ReadOptions(), db_->family(kIdentitySync)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string key = it->key().ToString();
    size_t nul = key.find('\0');
    if (nul == std::string::npos) continue;
    out.push_back(
        {key.substr(0, nul), key.substr(nul + 1), it->value().ToString()});
  }
  return out;
}

void RoleStore::ClearSync(const Sync& sync) {
  absl::MutexLock lock(&write_mu_);
  std::string key = Key({sync.tenant_id, sync.role_id});
  std::string current;
  // A rename since this one was read keeps its own entry.
  if (!db_->Get(kIdentitySync, key, &current).ok() || current != sync.version) {
    return;
  }
  rocksdb::WriteBatch batch;
  batch.Delete(db_->family(kIdentitySync), key);
  (void)db_->Write(&batch);
}

absl::StatusOr<std::vector<pb::Role>> RoleStore::Resolve(
    const std::string& tenant_id,
    const std::vector<std::string>& values) const {
  if (auto s = CheckTenant(tenant_id); !s.ok()) return s;
  std::vector<pb::Role> roles;
  std::vector<std::string> unknown;
  for (const auto& value : values) {
    auto role = FindByValue(tenant_id, value);
    if (role.ok()) {
      roles.push_back(std::move(*role));
    } else if (absl::IsNotFound(role.status())) {
      if (std::find(unknown.begin(), unknown.end(), value) == unknown.end()) {
        unknown.push_back(value);
      }
    } else {
      return role.status();
    }
  }
  if (unknown.empty()) return roles;
  auto known = List(tenant_id);
  if (!known.ok()) return known.status();
  return Invalid(UnknownValuesDetail(unknown, *known));
}

absl::StatusOr<pb::Role> RoleStore::FindByValue(
    const std::string& tenant_id, const std::string& value) const {
  std::string role_id;
  if (auto s = db_->Get(kRoleValues, IndexKey(tenant_id, value), &role_id);
      !s.ok()) {
    return s;
  }
  auto role = Load(tenant_id, role_id);
  // Index and record are written in one batch, so a dangling index entry
  // means damage, not a race.
  if (absl::IsNotFound(role.status())) {
    return absl::InternalError("role index of tenant " + tenant_id +
                               " names missing role " + role_id);
  }
  return role;
}

absl::StatusOr<pb::Role> RoleStore::Load(const std::string& tenant_id,
                                         const std::string& role_id) const {
  std::string bytes;
  if (auto s = db_->Get(kRoles, Key({tenant_id, role_id}), &bytes); !s.ok()) {
    return s;
  }
  pb::Role role;
  if (!role.ParseFromString(bytes)) {
    return absl::InternalError("stored role " + role_id + " is unreadable");
  }
  return role;
}

}  // namespace scim::role
