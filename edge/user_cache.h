#ifndef SCIM_EDGE_USER_CACHE_H_
#define SCIM_EDGE_USER_CACHE_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::edge {

class UserNameDirectory;

// Users as identity-service's GetUser rendered them, kept while the
// change stream from identity-service (UserChangeWatcher) vouches for them:
// identity-service holds every write's reply until this cache dropped what
// the write changed, so nothing read from here is older than a reply any
// client has got. Entries are trusted only under a lease renewed by the
// stream's answered pings; without it every lookup misses.
class UserCache {
 public:
  using Clock = std::chrono::steady_clock;
  UserCache(size_t capacity, Clock::duration lease)
      : capacity_(capacity), lease_(lease) {}

  // nullptr on a miss, or while no lease is held.
  std::shared_ptr<const scim::identity::v1::User> Find(
      const std::string& tenant, const std::string& id) const;
  // The id of the cached user whose userName is `user_name` compared as
  // `userName eq` compares (ASCII case-insensitively), or "" on a miss or
  // while no lease is held. userName is unique in a tenant, so a hit is the
  // whole answer of that filter.
  std::string FindIdByUserName(const std::string& tenant,
                               const std::string& user_name) const;
  // Taken before fetching a user; Fill keeps the fetched user only if no
  // change arrived in between (the fetch may have read the old version).
  uint64_t FillTicket() const;
  void Fill(uint64_t ticket, const std::string& tenant,
            const scim::identity::v1::User& user);
  // A user as a write's reply gave it, `seq` being the number the feed
  // `incarnation` gave the write's change to it (the reply's trailer): kept
  // only while no later change to that user (or its tenant) has arrived,
  // and then kept through the stream's copy of that same change.
  void FillWritten(uint64_t incarnation, uint64_t seq,
                   const std::string& tenant,
                   const scim::identity::v1::User& user);

  // A cached user's JSON as GET answers it without attributes or
  // excludedAttributes, so a hit skips rendering it again.
  struct Rendered {
    std::string location;
    int64_t version = 0;
    std::string body;
  };
  std::shared_ptr<const Rendered> FindRendered(
      const std::string& tenant, const std::string& id,
      const std::string& location) const;
  // Kept with the cached user while it is still at `rendered.version`.
  void StoreRendered(const std::string& tenant, const std::string& id,
                     Rendered rendered);

  // The watcher's side.
  void Apply(const scim::identity::v1::UserChanges& changes);
  // The lease runs from when the answered ping was sent.
  void Renew(Clock::time_point ping_sent);
  // The stream is gone: forget everything, trust nothing.
  void Revoke();

  size_t size() const;

  // Every userName of a tenant, from the same stream (not owned; may be
  // nullptr): the cache adds the names changes and replies carry.
  void set_user_names(UserNameDirectory* names) { user_names_ = names; }
  // Whether no user of `tenant` has `user_name` (compared as userName eq
  // does), while the stream vouches for what this edge knows; when it
  // cannot tell, starts learning the tenant's userNames for next time.
  bool KnownAbsentUserName(const std::string& tenant,
                           const std::string& user_name) const;

 private:
  struct Entry {
    // Serialized: a third of the memory of the message, parsed only by the
    // few callers that need the message (PATCH, If-Match).
    std::shared_ptr<const std::string> user;
    int64_t version = 0;
    std::shared_ptr<const Rendered> rendered;
    // The feed's number of the change this copy reflects; 0 when fetched,
    // so that any change drops it.
    uint64_t seq = 0;
    // Tells its current item in `order_` from stale ones.
    uint64_t order = 0;
    // Its userName, folded as names_ keys it.
    std::string name;
  };
  using TenantUsers = absl::flat_hash_map<std::string, Entry>;
  // Folded userName -> user id, of a tenant's cached users.
  using TenantNames = absl::flat_hash_map<std::string, std::string>;
  struct OrderItem {
    std::string tenant, id;
    uint64_t order;
  };
  // What was dropped under the lock, freed after it is released: dropping a
  // whole tenant frees every user object, which must not stall the
  // requests waiting for the lock.
  struct Dropped {
    std::vector<Entry> entries;
    std::vector<TenantUsers> tenants;
    std::vector<TenantNames> names;
    std::deque<OrderItem> order;
  };
  // Where a fill goes; beyond capacity, a random other user is evicted.
  void PutLocked(const std::string& tenant, const std::string& id, Entry entry,
                 Dropped* dropped) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Changes to users are ordered per stripe of user ids (a fixed table
  // instead of one number per user ever changed).
  static constexpr size_t kStripes = 4096;
  static size_t StripeOf(const std::string& tenant, const std::string& id);
  // Whether a copy numbered `seq` by the current feed is newer than every
  // change that arrived for `tenant`/`id`.
  bool OrderedAfterChangesLocked(uint64_t seq, const std::string& tenant,
                                 const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // nullptr while no lease is held.
  const Entry* FindLocked(const std::string& tenant,
                          const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whatever the lease.
  const Entry* EntryLocked(const std::string& tenant,
                           const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ClearLocked(Dropped* dropped) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes `id`'s entry out of users_ and its name out of names_.
  void EraseLocked(TenantUsers::iterator entry, const std::string& tenant,
                   TenantUsers* users, Dropped* dropped)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forgets that `name` is `id`'s, unless another user has it by now.
  void ForgetNameLocked(const std::string& tenant, const std::string& name,
                        const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  UserNameDirectory* user_names_ = nullptr;
  const size_t capacity_;
  const Clock::duration lease_;
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  Clock::time_point lease_end_ ABSL_GUARDED_BY(mu_){};
  size_t entries_ ABSL_GUARDED_BY(mu_) = 0;
  // tenant -> user id -> user: a tenant-wide change drops one inner map.
  absl::flat_hash_map<std::string, TenantUsers> users_ ABSL_GUARDED_BY(mu_);
  // tenant -> the userNames of its cached users: the `userName eq` lookup
  // every IdP sends before each write, answered without identity-service.
  absl::flat_hash_map<std::string, TenantNames> names_ ABSL_GUARDED_BY(mu_);
  // Fills, in no order; an item is current while its entry has its order.
  std::deque<OrderItem> order_ ABSL_GUARDED_BY(mu_);
  uint64_t NextRandomLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t random_ ABSL_GUARDED_BY(mu_) = 0x9E3779B97F4A7C15ULL;
  uint64_t last_order_ ABSL_GUARDED_BY(mu_) = 0;
  // The feed numbering the changes (from the stream's reset), and the
  // number at that reset: what came before it is not known change by change.
  uint64_t incarnation_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t floor_ ABSL_GUARDED_BY(mu_) = 0;
  // The last change number seen per stripe of users and per tenant (changes
  // to every user of it).
  std::vector<uint64_t> stripe_seq_ ABSL_GUARDED_BY(mu_) =
      std::vector<uint64_t>(kStripes, 0);
  absl::flat_hash_map<std::string, uint64_t> tenant_seq_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_USER_CACHE_H_
