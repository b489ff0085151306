#ifndef SCIM_EDGE_USER_CACHE_H_
#define SCIM_EDGE_USER_CACHE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::edge {

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
  // Taken before fetching a user; Fill keeps the fetched user only if no
  // change arrived in between (the fetch may have read the old version).
  uint64_t FillTicket() const;
  void Fill(uint64_t ticket, const std::string& tenant,
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

 private:
  struct Entry {
    std::shared_ptr<const scim::identity::v1::User> user;
    std::shared_ptr<const Rendered> rendered;
  };
  const Entry* FindLocked(const std::string& tenant,
                          const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  const Clock::duration lease_;
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  Clock::time_point lease_end_ ABSL_GUARDED_BY(mu_){};
  size_t entries_ ABSL_GUARDED_BY(mu_) = 0;
  // tenant -> user id -> user: a tenant-wide change drops one inner map.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, Entry>>
      users_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_USER_CACHE_H_
