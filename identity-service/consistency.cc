#include "identity-service/consistency.h"

#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_map.h"
#include "identity-service/grpc_services.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

// Keys join their parts with NUL; a report shows them with '/' instead, cut
// short so one hostile userName cannot flood the log.
std::string Printable(std::string_view key) {
  constexpr size_t kMaxShown = 200;
  std::string out(key.substr(0, kMaxShown));
  std::replace(out.begin(), out.end(), '\0', '/');
  if (key.size() > kMaxShown) out += "...";
  return out;
}

std::vector<std::string> Parts(std::string_view key) {
  return absl::StrSplit(absl::string_view(key.data(), key.size()), '\0');
}

// Repairs go out in batches of this many operations, so a badly damaged
// database does not build one huge batch in memory.
constexpr int kRepairBatch = 1000;

class Checker {
 public:
  Checker(RocksDb* db, const ConsistencyOptions& options)
      : db_(db), options_(options), snapshot_(db->db()) {
    read_.snapshot = snapshot_.snapshot();
  }

  absl::StatusOr<ConsistencyReport> Run() {
    std::string prefix =
        options_.tenant_id.empty() ? "" : KeyPrefix({options_.tenant_id});
    if (auto s = CheckUsers(prefix); !s.ok()) return s;
    // CheckUsers found `matched` distinct keys, each pointing back at the
    // user that owns it. When the family holds exactly that many keys, it
    // holds nothing else, so nothing in it dangles: one sequential count
    // instead of reading a user record per entry (minutes at 1M users).
    auto indexed = CountKeys(kUserIndex, prefix);
    if (!indexed.ok()) return indexed.status();
    if (*indexed == matched_index_entries_) {
      report_.index_entries_checked = *indexed;
    } else if (auto s = CheckIndex(prefix); !s.ok()) {
      return s;
    }
    auto members = CountKeys(kMemberships, prefix);
    if (!members.ok()) return members.status();
    if (*members == matched_memberships_) {
      report_.membership_entries_checked = *members;
    } else if (auto s = CheckMemberships(prefix); !s.ok()) {
      return s;
    }
    if (auto s = Flush(); !s.ok()) return s;
    return report_;
  }

 private:
  void Problem(const std::string& line) {
    if (report_.problems.size() < kMaxProblemsShown) {
      report_.problems.push_back(line);
    }
  }

  // The user at the snapshot; nullopt when absent. An unreadable record is
  // an error: the check cannot say what that user's keys should be.
  absl::StatusOr<std::optional<User>> LoadUser(const std::string& tenant,
                                               const std::string& id) {
    std::string value;
    rocksdb::Status s =
        db_->db()->Get(read_, db_->family(kUsers), Key({tenant, id}), &value);
    if (s.IsNotFound()) return std::optional<User>();
    if (!s.ok()) return FromRocks(s);
    User user;
    if (!user.ParseFromString(value)) {
      return absl::DataLossError("stored user " + Printable(Key({tenant, id})) +
                                 " is unreadable");
    }
    return std::optional<User>(std::move(user));
  }

  // Whether the user exists now, not at the snapshot: a repair that deletes
  // entries of a gone user checks once more just before it writes.
  absl::StatusOr<bool> UserExistsNow(const std::string& tenant,
                                     const std::string& id) {
    std::string value;
    rocksdb::Status s = db_->db()->Get(
        rocksdb::ReadOptions(), db_->family(kUsers), Key({tenant, id}), &value);
    if (s.IsNotFound()) return false;
    if (!s.ok()) return FromRocks(s);
    return true;
  }

  absl::StatusOr<std::optional<std::string>> GetAt(size_t family,
                                                   const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->db()->Get(read_, db_->family(family), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s);
    return std::optional<std::string>(std::move(value));
  }

  absl::StatusOr<int64_t> CountKeys(size_t family, const std::string& prefix) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(read_, db_->family(family)));
    int64_t n = 0;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ++n;
    }
    if (!it->status().ok()) return FromRocks(it->status());
    return n;
  }

  absl::Status CheckUsers(const std::string& prefix) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(read_, db_->family(kUsers)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      std::vector<std::string> parts = Parts(it->key().ToStringView());
      if (parts.size() != 2) {
        return absl::DataLossError("malformed user key " +
                                   Printable(it->key().ToStringView()));
      }
      const std::string& tenant = parts[0];
      User user;
      if (!user.ParseFromArray(it->value().data(),
                               static_cast<int>(it->value().size()))) {
        return absl::DataLossError("stored user " +
                                   Printable(it->key().ToStringView()) +
                                   " is unreadable");
      }
      ++report_.users_checked;
      for (const std::string& key : UserStore::IndexKeys(tenant, user)) {
        auto owner = GetAt(kUserIndex, key);
        if (!owner.ok()) return owner.status();
        if (owner->has_value() && **owner == user.id()) {
          ++matched_index_entries_;
          continue;
        }
        ++report_.missing_index_entries;
        if (owner->has_value()) {
          // Two users claim one unique key; which one is right is an
          // administrator's call, so this is reported, never repaired.
          Problem("missing index entry " + Printable(key) + " of user " +
                  user.id() + ": it points at user " + **owner);
        } else {
          Problem("missing index entry " + Printable(key) + " of user " +
                  user.id());
          if (options_.repair && options_.exclusive) {
            Repair().Put(db_->family(kUserIndex), key, user.id());
          }
        }
      }
      std::set<std::string> groups;
      for (const auto& g : user.groups()) groups.insert(g.value());
      for (const std::string& group : groups) {
        std::string key = Key({tenant, group, user.id()});
        auto entry = GetAt(kMemberships, key);
        if (!entry.ok()) return entry.status();
        if (entry->has_value()) {
          ++matched_memberships_;
          continue;
        }
        ++report_.missing_memberships;
        Problem("missing membership " + Printable(key) + ": user " + user.id() +
                " lists group " + group);
        if (options_.repair && options_.exclusive) {
          std::string label = user.display_name();
          if (label.empty()) label = user.user_name();
          Repair().Put(db_->family(kMemberships), key, label);
        }
      }
      if (auto s = MaybeFlush(); !s.ok()) return s;
    }
    return FromRocks(it->status());
  }

  absl::Status CheckIndex(const std::string& prefix) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(read_, db_->family(kUserIndex)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ++report_.index_entries_checked;
      std::string key = it->key().ToString();
      std::string id = it->value().ToString();
      std::string tenant = Parts(key).front();
      auto user = LoadUser(tenant, id);
      if (!user.ok()) return user.status();
      if (!user->has_value()) {
        ++report_.dangling_index_entries;
        Problem("dangling index entry " + Printable(key) + ": user " + id +
                " does not exist");
        if (options_.repair) {
          auto exists = UserExistsNow(tenant, id);
          if (!exists.ok()) return exists.status();
          if (!*exists) Repair().Delete(db_->family(kUserIndex), key);
        }
      } else {
        std::vector<std::string> owned = UserStore::IndexKeys(tenant, **user);
        if (std::binary_search(owned.begin(), owned.end(), key)) continue;
        ++report_.dangling_index_entries;
        Problem("dangling index entry " + Printable(key) + ": user " + id +
                " no longer has that value");
        if (options_.repair && options_.exclusive) {
          Repair().Delete(db_->family(kUserIndex), key);
        }
      }
      if (auto s = MaybeFlush(); !s.ok()) return s;
    }
    return FromRocks(it->status());
  }

  absl::Status CheckMemberships(const std::string& prefix) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(read_, db_->family(kMemberships)));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ++report_.membership_entries_checked;
      std::string key = it->key().ToString();
      std::vector<std::string> parts = Parts(key);
      if (parts.size() != 3) {
        ++report_.dangling_memberships;
        Problem("malformed membership key " + Printable(key));
        continue;
      }
      const std::string& tenant = parts[0];
      const std::string& group = parts[1];
      const std::string& id = parts[2];
      auto user = LoadUser(tenant, id);
      if (!user.ok()) return user.status();
      if (!user->has_value()) {
        ++report_.dangling_memberships;
        Problem("dangling membership " + Printable(key) + ": user " + id +
                " does not exist");
        if (options_.repair) {
          auto exists = UserExistsNow(tenant, id);
          if (!exists.ok()) return exists.status();
          if (!*exists) Repair().Delete(db_->family(kMemberships), key);
        }
      } else {
        const auto& groups = (*user)->groups();
        bool listed =
            std::any_of(groups.begin(), groups.end(),
                        [&](const auto& g) { return g.value() == group; });
        if (listed) continue;
        ++report_.dangling_memberships;
        Problem("dangling membership " + Printable(key) + ": user " + id +
                " does not list group " + group);
        if (options_.repair && options_.exclusive) {
          Repair().Delete(db_->family(kMemberships), key);
        }
      }
      if (auto s = MaybeFlush(); !s.ok()) return s;
    }
    return FromRocks(it->status());
  }

  rocksdb::WriteBatch& Repair() {
    ++report_.repaired;
    return batch_;
  }

  absl::Status MaybeFlush() {
    if (batch_.Count() < kRepairBatch) return absl::OkStatus();
    return Flush();
  }

  absl::Status Flush() {
    if (batch_.Count() == 0) return absl::OkStatus();
    absl::Status s = db_->Write(&batch_);
    batch_.Clear();
    return s;
  }

  RocksDb* db_;
  ConsistencyOptions options_;
  rocksdb::ManagedSnapshot snapshot_;
  rocksdb::ReadOptions read_;
  rocksdb::WriteBatch batch_;
  ConsistencyReport report_;
  int64_t matched_index_entries_ = 0;
  int64_t matched_memberships_ = 0;
};

}  // namespace

std::string ConsistencyReport::Summary() const {
  return absl::StrCat(
      "consistency: ", users_checked, " users, ", index_entries_checked,
      " index entries, ", membership_entries_checked, " memberships checked; ",
      problem_count(), " problems (", dangling_index_entries,
      " dangling index, ", missing_index_entries, " missing index, ",
      dangling_memberships, " dangling memberships, ", missing_memberships,
      " missing memberships); ", repaired, " repaired");
}

absl::StatusOr<ConsistencyReport> CheckConsistency(
    RocksDb* db, const ConsistencyOptions& options) {
  Checker checker(db, options);
  return checker.Run();
}

grpc::Status IdentityServiceImpl::CheckConsistency(
    grpc::ServerContext* context, const pb::CheckConsistencyRequest* request,
    pb::CheckConsistencyResponse* response) {
  if (db_ == nullptr) {
    return ReplyStatus(context, absl::UnimplementedError(
                                    "consistency checks are not enabled"));
  }
  ConsistencyOptions options;
  if (!request->tenant().empty()) {
    auto tenant = tenants_->Find(request->tenant());
    if (!tenant.ok()) return ReplyStatus(context, tenant.status());
    options.tenant_id = tenant->id();
  }
  // Writers keep going meanwhile: only the always-safe repairs run here.
  options.repair = request->repair();
  auto report = scim::identity::CheckConsistency(db_, options);
  if (!report.ok()) {
    std::cerr << "identity-service: consistency check failed: "
              << report.status().message() << std::endl;
    return ReplyStatus(context, report.status());
  }
  std::cerr << "identity-service: "
            << (options.tenant_id.empty() ? "all tenants"
                                          : "tenant " + options.tenant_id)
            << ": " << report->Summary() << std::endl;
  response->set_users_checked(report->users_checked);
  response->set_index_entries_checked(report->index_entries_checked);
  response->set_membership_entries_checked(report->membership_entries_checked);
  response->set_dangling_index_entries(report->dangling_index_entries);
  response->set_missing_index_entries(report->missing_index_entries);
  response->set_dangling_memberships(report->dangling_memberships);
  response->set_missing_memberships(report->missing_memberships);
  response->set_repaired(report->repaired);
  for (const auto& p : report->problems) response->add_problems(p);
  response->set_summary(report->Summary());
  return grpc::Status::OK;
}

}  // namespace scim::identity
