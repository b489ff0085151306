#include "edge/user_cache.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/ascii.h"
#include "edge/user_name_directory.h"

namespace scim::edge {

namespace pb = scim::identity::v1;

namespace {

// As `userName eq` compares, in identity-service's filters and index.
std::string FoldUserName(const std::string& user_name) {
  return absl::AsciiStrToLower(user_name);
}

}  // namespace

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

std::string UserCache::FindIdByUserName(const std::string& tenant,
                                        const std::string& user_name) const {
  std::string name = FoldUserName(user_name);
  absl::MutexLock lock(&mu_);
  if (Clock::now() >= lease_end_) return "";
  auto t = names_.find(tenant);
  if (t == names_.end()) return "";
  auto n = t->second.find(name);
  if (n == t->second.end()) return "";
  const Entry* e = EntryLocked(tenant, n->second);
  if (e == nullptr || e->name != name) return "";
  return n->second;
}

bool UserCache::KnownAbsentUserName(const std::string& tenant,
                                    const std::string& user_name) const {
  if (user_names_ == nullptr) return false;
  {
    absl::MutexLock lock(&mu_);
    if (Clock::now() >= lease_end_) return false;
  }
  if (user_names_->KnownAbsent(tenant, FoldUserName(user_name))) return true;
  user_names_->Want(tenant);
  return false;
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
            Entry{std::move(copy), user.meta().version(), nullptr, 0, 0,
                  FoldUserName(user.user_name())},
            &dropped);
}

void UserCache::PutLocked(const std::string& tenant, const std::string& id,
                          Entry entry, Dropped* dropped) {
  entry.order = ++last_order_;
  Entry& slot = users_[tenant][id];
  if (slot.user == nullptr) {
    ++entries_;
  } else {
    if (slot.name != entry.name) ForgetNameLocked(tenant, slot.name, id);
    dropped->entries.push_back(std::move(slot));
  }
  slot = std::move(entry);
  if (!slot.name.empty()) names_[tenant][slot.name] = id;
  // The victim is any other cached user, at random. An IdP's cycle walks
  // its users in the same order every time: beyond capacity, evicting the
  // oldest fill evicts just the user the cycle reads next, so a tenant a
  // little larger than the cache never got a hit; at random, most of it
  // does (tests/unit/user_cache_test.cc). Where fills are not a cycle,
  // oldest-first and random evict alike.
  while (entries_ > capacity_ && !order_.empty()) {
    size_t i = NextRandomLocked() % order_.size();
    std::swap(order_[i], order_.back());
    OrderItem victim = std::move(order_.back());
    order_.pop_back();
    auto t = users_.find(victim.tenant);
    if (t == users_.end()) continue;
    auto u = t->second.find(victim.id);
    if (u == t->second.end() || u->second.order != victim.order) continue;
    EraseLocked(u, victim.tenant, &t->second, dropped);
  }
  order_.push_back(OrderItem{tenant, id, slot.order});
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
  // Whatever becomes of the copy: the name is this user's now.
  if (user_names_ != nullptr) {
    user_names_->Add(tenant, FoldUserName(user.user_name()));
  }
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
            Entry{std::move(copy), user.meta().version(), nullptr, seq, 0,
                  FoldUserName(user.user_name())},
            &dropped);
}

uint64_t UserCache::NextRandomLocked() {
  // xorshift64*: the victim needs no better randomness than this.
  random_ ^= random_ >> 12;
  random_ ^= random_ << 25;
  random_ ^= random_ >> 27;
  return random_ * 0x2545F4914F6CDD1DULL;
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
  // Before the change is acknowledged: identity-service holds the writer's
  // reply until then, so a lookup after that reply finds the name.
  if (user_names_ != nullptr) {
    if (changes.reset()) user_names_->Reset();
    for (const pb::UserChange& c : changes.changes()) {
      user_names_->Add(c.tenant_id(), c.user_name());
    }
  }
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
      TenantNames kept_names;
      TenantNames& names = names_[c.tenant_id()];
      for (auto& [id, entry] : t->second) {
        if (outdated(entry)) continue;
        if (auto n = names.find(entry.name);
            n != names.end() && n->second == id) {
          kept_names.emplace(entry.name, id);
        }
        kept.emplace(id, std::move(entry));
      }
      entries_ -= t->second.size() - kept.size();
      dropped.tenants.push_back(std::move(t->second));
      dropped.names.push_back(std::move(names));
      if (kept.empty()) {
        users_.erase(t);
        names_.erase(c.tenant_id());
      } else {
        t->second = std::move(kept);
        names = std::move(kept_names);
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
    EraseLocked(u, c.tenant_id(), &t->second, &dropped);
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
  for (auto& [tenant, names] : names_) {
    dropped->names.push_back(std::move(names));
  }
  names_.clear();
  dropped->order = std::move(order_);
  order_.clear();
  entries_ = 0;
}

void UserCache::EraseLocked(TenantUsers::iterator entry,
                            const std::string& tenant, TenantUsers* users,
                            Dropped* dropped) {
  ForgetNameLocked(tenant, entry->second.name, entry->first);
  dropped->entries.push_back(std::move(entry->second));
  users->erase(entry);
  --entries_;
}

void UserCache::ForgetNameLocked(const std::string& tenant,
                                 const std::string& name,
                                 const std::string& id) {
  auto t = names_.find(tenant);
  if (t == names_.end()) return;
  auto n = t->second.find(name);
  if (n == t->second.end() || n->second != id) return;
  t->second.erase(n);
  if (t->second.empty()) names_.erase(t);
}

}  // namespace scim::edge
