#include "edge/user_cache.h"

#include <utility>

namespace scim::edge {

namespace pb = scim::identity::v1;

const UserCache::Entry* UserCache::FindLocked(const std::string& tenant,
                                              const std::string& id) const {
  if (Clock::now() >= lease_end_) return nullptr;
  auto t = users_.find(tenant);
  if (t == users_.end()) return nullptr;
  auto u = t->second.find(id);
  if (u == t->second.end()) return nullptr;
  return &u->second;
}

std::shared_ptr<const pb::User> UserCache::Find(const std::string& tenant,
                                                const std::string& id) const {
  absl::MutexLock lock(&mu_);
  const Entry* e = FindLocked(tenant, id);
  return e == nullptr ? nullptr : e->user;
}

std::shared_ptr<const UserCache::Rendered> UserCache::FindRendered(
    const std::string& tenant, const std::string& id,
    const std::string& location) const {
  absl::MutexLock lock(&mu_);
  const Entry* e = FindLocked(tenant, id);
  if (e == nullptr || e->rendered == nullptr ||
      e->rendered->location != location) {
    return nullptr;
  }
  return e->rendered;
}

void UserCache::StoreRendered(const std::string& tenant, const std::string& id,
                              Rendered rendered) {
  auto shared = std::make_shared<const Rendered>(std::move(rendered));
  absl::MutexLock lock(&mu_);
  auto t = users_.find(tenant);
  if (t == users_.end()) return;
  auto u = t->second.find(id);
  if (u == t->second.end() ||
      u->second.user->meta().version() != shared->version) {
    return;
  }
  u->second.rendered = std::move(shared);
}

uint64_t UserCache::FillTicket() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

void UserCache::Fill(uint64_t ticket, const std::string& tenant,
                     const pb::User& user) {
  if (capacity_ == 0) return;
  auto copy = std::make_shared<const pb::User>(user);
  absl::MutexLock lock(&mu_);
  if (ticket != generation_ || Clock::now() >= lease_end_) return;
  if (entries_ >= capacity_) ClearLocked();
  Entry& slot = users_[tenant][user.id()];
  if (slot.user == nullptr) ++entries_;
  slot = Entry{std::move(copy), nullptr};
}

void UserCache::Apply(const pb::UserChanges& changes) {
  absl::MutexLock lock(&mu_);
  if (changes.reset()) ClearLocked();
  if (changes.reset() || changes.changes_size() > 0) ++generation_;
  for (const pb::UserChange& c : changes.changes()) {
    auto t = users_.find(c.tenant_id());
    if (t == users_.end()) continue;
    if (c.user_id().empty()) {
      entries_ -= t->second.size();
      users_.erase(t);
    } else {
      entries_ -= t->second.erase(c.user_id());
    }
  }
}

void UserCache::Renew(Clock::time_point ping_sent) {
  absl::MutexLock lock(&mu_);
  lease_end_ = std::max(lease_end_, ping_sent + lease_);
}

void UserCache::Revoke() {
  absl::MutexLock lock(&mu_);
  lease_end_ = Clock::time_point{};
  ++generation_;
  ClearLocked();
}

size_t UserCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_;
}

void UserCache::ClearLocked() {
  users_.clear();
  entries_ = 0;
}

}  // namespace scim::edge
