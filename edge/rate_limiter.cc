#include "edge/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

namespace scim::edge {
namespace {

using std::chrono::steady_clock;

// Bounds the memory a spray of tenants can take; past it, buckets that no
// longer matter are dropped, then (fail open) all. Tenants are created by
// an operator, so only FailedAuthLimiter, keyed by client address, needs
// the finer eviction.
constexpr size_t kMaxEntries = 100000;

int CeilSeconds(std::chrono::nanoseconds d) {
  double s = std::chrono::duration<double>(d).count();
  return std::max(1, static_cast<int>(std::ceil(s)));
}

}  // namespace

TokenBucket::TokenBucket(double rate, double burst,
                         steady_clock::time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), updated_(now) {}

double TokenBucket::Level(steady_clock::time_point now) const {
  double elapsed =
      std::max(0.0, std::chrono::duration<double>(now - updated_).count());
  return std::min(burst_, tokens_ + elapsed * rate_);
}

std::optional<std::chrono::nanoseconds> TokenBucket::Take(
    steady_clock::time_point now) {
  tokens_ = Level(now);
  updated_ = std::max(updated_, now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>((1.0 - tokens_) / rate_));
}

bool TokenBucket::Full(steady_clock::time_point now) const {
  return Level(now) >= burst_;
}

TenantRateLimiter::TenantRateLimiter(Options options, RateClock clock)
    : options_(options), clock_(std::move(clock)) {
  options_.burst = std::max(options_.burst, 1.0);
}

std::optional<int> TenantRateLimiter::Admit(const std::string& tenant_id) {
  if (!enabled()) return std::nullopt;
  auto now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(tenant_id);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxEntries) {
      absl::erase_if(buckets_,
                     [&](const auto& b) { return b.second.Full(now); });
      if (buckets_.size() >= kMaxEntries) buckets_.clear();
    }
    it =
        buckets_
            .emplace(tenant_id, TokenBucket(options_.rate, options_.burst, now))
            .first;
  }
  auto wait = it->second.Take(now);
  if (!wait.has_value()) return std::nullopt;
  return CeilSeconds(*wait);
}

FailedAuthLimiter::FailedAuthLimiter(Options options, RateClock clock)
    : options_(options), clock_(std::move(clock)) {}

std::optional<int> FailedAuthLimiter::Blocked(const std::string& client) {
  if (!enabled()) return std::nullopt;
  auto now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client);
  if (it == clients_.end() || it->second.blocked_until <= now) {
    return std::nullopt;
  }
  return CeilSeconds(it->second.blocked_until - now);
}

void FailedAuthLimiter::RecordFailure(const std::string& client) {
  if (!enabled()) return;
  auto now = clock_();
  absl::MutexLock lock(&mu_);
  if (clients_.size() >= std::max<size_t>(options_.max_clients, 1) &&
      clients_.count(client) == 0) {
    Evict(now);
  }
  Entry& e = clients_[client];
  e.last_failure = now;
  if (e.blocked_until > now) return;
  // A quiet spell as long as the longest lock-out forgives earlier ones.
  if (e.strikes > 0 && now - e.blocked_until >= options_.max_block) {
    e.strikes = 0;
  }
  if (e.failures == 0 || now - e.window_start >= options_.window) {
    e.failures = 0;
    e.window_start = now;
  }
  if (++e.failures < options_.max_failures) return;
  ++e.strikes;
  auto block = options_.window;
  for (int i = 1; i < e.strikes && block < options_.max_block; ++i) block *= 2;
  e.blocked_until = now + std::min(block, options_.max_block);
  e.failures = 0;
}

void FailedAuthLimiter::Evict(steady_clock::time_point now) {
  absl::erase_if(clients_, [&](const auto& c) {
    const Entry& e = c.second;
    return e.blocked_until <= now && now - e.window_start >= options_.window &&
           (e.strikes == 0 || now - e.blocked_until >= options_.max_block);
  });
  size_t limit = std::max<size_t>(options_.max_clients, 1);
  if (clients_.size() < limit) return;
  // Lower ranks go first.
  using Rank = std::tuple<bool, bool, steady_clock::time_point>;
  auto rank = [&](const Entry& e) {
    return Rank(e.blocked_until > now, e.strikes > 0, e.last_failure);
  };
  std::vector<Rank> ranks;
  ranks.reserve(clients_.size());
  for (const auto& [client, e] : clients_) ranks.push_back(rank(e));
  size_t evict = std::max<size_t>(1, limit / 10);
  evict = std::min(evict, ranks.size());
  std::nth_element(ranks.begin(), ranks.begin() + (evict - 1), ranks.end());
  Rank cut = ranks[evict - 1];
  size_t erased = 0;
  absl::erase_if(clients_, [&](const auto& c) {
    if (erased < evict && !(cut < rank(c.second))) {
      ++erased;
      return true;
    }
    return false;
  });
}

size_t FailedAuthLimiter::tracked_clients() {
  absl::MutexLock lock(&mu_);
  return clients_.size();
}

void FailedAuthLimiter::RecordSuccess(const std::string& client) {
  if (!enabled()) return;
  absl::MutexLock lock(&mu_);
  clients_.erase(client);
}

}  // namespace scim::edge
