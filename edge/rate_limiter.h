#ifndef SCIM_EDGE_RATE_LIMITER_H_
#define SCIM_EDGE_RATE_LIMITER_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace scim::edge {

using RateClock = std::function<std::chrono::steady_clock::time_point()>;

// A token bucket: holds up to `burst` tokens, refilled at `rate` per second.
// Not synchronised; its owner locks.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst,
              std::chrono::steady_clock::time_point now);
  // Takes a token and returns nullopt, or returns how long until the next
  // token without taking one.
  std::optional<std::chrono::nanoseconds> Take(
      std::chrono::steady_clock::time_point now);
  // Whether the bucket is back to `burst`, so forgetting it changes nothing.
  bool Full(std::chrono::steady_clock::time_point now) const;

 private:
  double Level(std::chrono::steady_clock::time_point now) const;

  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point updated_;
};

// Requests per tenant, after authentication: one tenant's sync storm does
// not starve the others. Each edge replica counts on its own, so the
// cluster-wide limit is the per-replica one times the replicas.
class TenantRateLimiter {
 public:
  struct Options {
    // Sustained requests per second per tenant; 0 turns the limiter off.
    double rate = 0;
    // Requests a tenant may send at once after being idle; at least 1.
    double burst = 0;
  };
  explicit TenantRateLimiter(Options options,
                             RateClock clock = std::chrono::steady_clock::now);

  bool enabled() const { return options_.rate > 0; }
  // nullopt when admitted; else the whole seconds (at least 1) after which
  // a retry would be, for Retry-After.
  std::optional<int> Admit(const std::string& tenant_id);

 private:
  Options options_;
  RateClock clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, TokenBucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// Failed authentications per client address: after `max_failures` within
// `window`, the address is refused (429) for `window` before its token is
// even looked at; each further lock-out in a row doubles the wait, up to
// `max_block`. Guessing tokens is then hopeless, and a misconfigured client
// stops hammering identity-service. Behind a proxy every client shares its
// address, so the threshold is generous.
class FailedAuthLimiter {
 public:
  struct Options {
    // 0 turns the limiter off.
    int max_failures = 0;
    std::chrono::seconds window{60};
    std::chrono::seconds max_block{3600};
    // Addresses remembered at most; see Evict.
    size_t max_clients = 100000;
  };
  explicit FailedAuthLimiter(Options options,
                             RateClock clock = std::chrono::steady_clock::now);

  bool enabled() const { return options_.max_failures > 0; }
  // nullopt when `client` may try; else the seconds to wait.
  std::optional<int> Blocked(const std::string& client);
  void RecordFailure(const std::string& client);
  // A client that authenticates starts over.
  void RecordSuccess(const std::string& client);
  // Addresses remembered now, for tests.
  size_t tracked_clients();

 private:
  struct Entry {
    int failures = 0;
    std::chrono::steady_clock::time_point window_start;
    std::chrono::steady_clock::time_point blocked_until;
    // Lock-outs in a row; doubles the next one.
    int strikes = 0;
    std::chrono::steady_clock::time_point last_failure;
  };
  // Makes room when the table is full: first forgets what no longer
  // matters, then the least telling tenth (unblocked addresses before
  // blocked ones, those without strikes first, the longest quiet first). An
  // attacker rotating addresses so only pushes out its own entries, never a
  // blocked victim's while any unblocked entry is left; a tenth at a time
  // keeps the scan's cost per failure constant.
  void Evict(std::chrono::steady_clock::time_point now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Options options_;
  RateClock clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_RATE_LIMITER_H_
