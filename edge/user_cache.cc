#include "edge/user_cache.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace scim::edge {

namespace pb = scim::identity::v1;

const UserCache::Entry* UserCache::FindLocked(const std::string& tenant,
                                              const std::string& id) const {
  if (Clock::now() >= lease_end_) return nullptr;
  return EntryLocked(tenant, id);
}

const UserCache::Entry* UserCache::EntryLocked(const std::string& tenant,
                                               const std::string& id) const {
  auto t = users_.find(tenant);
  if (t == users_.end()) return nullptr;
  auto u = t->second.find(id);
  if (u == t->second.end()) return nullptr;
  return &u->second;
}

std::shared_ptr<const pb::User> UserCache::Find(const std::string& tenant,
                                                const std::string& id) const {
  std::shared_ptr<const std::string> bytes;
  {
    absl::MutexLock lock(&mu_);
    const Entry* e = FindLocked(tenant, id);
    if (e == nullptr) return nullptr;
    bytes = e->user;
  }
  auto user = std::make_shared<pb::User>();
  if (!user->ParseFromString(*bytes)) return nullptr;
  return user;
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
  if (u == t->second.end() || u->second.version != shared->version) {
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
  auto copy = std::make_shared<const std::string>(user.SerializeAsString());
  Dropped dropped;
  absl::MutexLock lock(&mu_);
  if (ticket != generation_ || Clock::now() >= lease_end_) return;
  PutLocked(tenant, user.id(),
            Entry{std::move(copy), user.meta().version(), nullptr, 0, 0},
            &dropped);
}

void UserCache::PutLocked(const std::string& tenant, const std::string& id,
                          Entry entry, Dropped* dropped) {
  entry.order = ++last_order_;
  Entry& slot = users_[tenant][id];
  if (slot.user == nullptr) {
    ++entries_;
  } else {
    dropped->entries.push_back(std::move(slot));
  }
  slot = std::move(entry);
  order_.push_back(OrderItem{tenant, id, slot.order});
  while (entries_ > capacity_ && !order_.empty()) {
    OrderItem oldest = std::move(order_.front());
    order_.pop_front();
    auto t = users_.find(oldest.tenant);
    if (t == users_.end()) continue;
    auto u = t->second.find(oldest.id);
    if (u == t->second.end() || u->second.order != oldest.order) continue;
    dropped->entries.push_back(std::move(u->second));
    t->second.erase(u);
    --entries_;
  }
  // Items of entries dropped or filled again since: rebuilt when they
  // outnumber the current ones.
  if (order_.size() > 2 * entries_ + 1024) {
    std::deque<OrderItem> current;
    for (OrderItem& item : order_) {
      const Entry* e = EntryLocked(item.tenant, item.id);
      if (e != nullptr && e->order == item.order) {
        current.push_back(std::move(item));
      }
    }
    order_.swap(current);
    dropped->order = std::move(current);
  }
}

void UserCache::FillWritten(uint64_t incarnation, uint64_t seq,
                            const std::string& tenant, const pb::User& user) {
  if (capacity_ == 0 || seq == 0 || incarnation == 0) return;
  auto copy = std::make_shared<const std::string>(user.SerializeAsString());
  Dropped dropped;
  absl::MutexLock lock(&mu_);
  if (Clock::now() >= lease_end_ || incarnation != incarnation_ ||
      !OrderedAfterChangesLocked(seq, tenant, user.id())) {
    return;
  }
  if (const Entry* e = EntryLocked(tenant, user.id()); e && e->seq > seq) {
    return;
  }
  PutLocked(tenant, user.id(),
            Entry{std::move(copy), user.meta().version(), nullptr, seq, 0},
            &dropped);
}

size_t UserCache::StripeOf(const std::string& tenant, const std::string& id) {
  return (std::hash<std::string>{}(tenant)*31 + std::hash<std::string>{}(id)) %
         kStripes;
}

bool UserCache::OrderedAfterChangesLocked(uint64_t seq,
                                          const std::string& tenant,
                                          const std::string& id) const {
  if (seq <= floor_ || stripe_seq_[StripeOf(tenant, id)] > seq) return false;
  auto t = tenant_seq_.find(tenant);
  return t == tenant_seq_.end() || t->second <= seq;
}

void UserCache::Apply(const pb::UserChanges& changes) {
  Dropped dropped;
  absl::MutexLock lock(&mu_);
  if (changes.reset()) {
    ClearLocked(&dropped);
    incarnation_ = changes.incarnation();
    floor_ = changes.seq();
    std::fill(stripe_seq_.begin(), stripe_seq_.end(), 0);
    tenant_seq_.clear();
  }
  if (changes.reset() || changes.changes_size() > 0) ++generation_;
  // Numbers from another feed (a restarted identity-service) order nothing
  // here; such a change, or one without a number, drops what it names.
  bool ordered = incarnation_ != 0 && changes.incarnation() == incarnation_;
  for (const pb::UserChange& c : changes.changes()) {
    uint64_t seq = ordered ? c.seq() : 0;
    // A copy as new as the change (a write's reply, then the stream's copy
    // of that write's change) stays.
    auto outdated = [seq](const Entry& e) { return seq == 0 || e.seq < seq; };
    auto t = users_.find(c.tenant_id());
    if (c.user_id().empty()) {
      if (seq != 0) {
        uint64_t& last = tenant_seq_[c.tenant_id()];
        last = std::max(last, seq);
      }
      if (t == users_.end()) continue;
      TenantUsers kept;
      for (auto& [id, entry] : t->second) {
        if (!outdated(entry)) kept.emplace(id, std::move(entry));
      }
      entries_ -= t->second.size() - kept.size();
      dropped.tenants.push_back(std::move(t->second));
      if (kept.empty()) {
        users_.erase(t);
      } else {
        t->second = std::move(kept);
      }
      continue;
    }
    if (seq != 0) {
      uint64_t& last = stripe_seq_[StripeOf(c.tenant_id(), c.user_id())];
      last = std::max(last, seq);
    }
    if (t == users_.end()) continue;
    auto u = t->second.find(c.user_id());
    if (u == t->second.end() || !outdated(u->second)) continue;
    dropped.entries.push_back(std::move(u->second));
    t->second.erase(u);
    --entries_;
  }
}

void UserCache::Renew(Clock::time_point ping_sent) {
  absl::MutexLock lock(&mu_);
  lease_end_ = std::max(lease_end_, ping_sent + lease_);
}

void UserCache::Revoke() {
  Dropped dropped;
  absl::MutexLock lock(&mu_);
  lease_end_ = Clock::time_point{};
  ++generation_;
  ClearLocked(&dropped);
}

size_t UserCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_;
}

void UserCache::ClearLocked(Dropped* dropped) {
  for (auto& [tenant, users] : users_) {
    dropped->tenants.push_back(std::move(users));
  }
  users_.clear();
  dropped->order = std::move(order_);
  order_.clear();
  entries_ = 0;
}

}  // namespace scim::edge
