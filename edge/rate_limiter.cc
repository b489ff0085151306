#include "edge/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace scim::edge {
namespace {

using std::chrono::steady_clock;

// Bounds the memory a spray of tenants or client addresses can take; past
// it, entries that no longer matter are dropped, then (fail open) all.
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
  if (clients_.size() >= kMaxEntries && clients_.count(client) == 0) {
    absl::erase_if(clients_, [&](const auto& c) {
      return c.second.blocked_until <= now &&
             now - c.second.window_start >= options_.window;
    });
    if (clients_.size() >= kMaxEntries) clients_.clear();
  }
  Entry& e = clients_[client];
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

void FailedAuthLimiter::RecordSuccess(const std::string& client) {
  if (!enabled()) return;
  absl::MutexLock lock(&mu_);
  clients_.erase(client);
}

}  // namespace scim::edge
