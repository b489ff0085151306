#include "edge/rate_limiter.h"

#include <gtest/gtest.h>

namespace scim::edge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A clock the test moves by hand: no sleeps, no flakiness.
class FakeClock {
 public:
  std::chrono::steady_clock::time_point now() const { return now_; }
  void Advance(std::chrono::nanoseconds d) { now_ += d; }
  RateClock fn() {
    return [this] { return now_; };
  }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

TEST(TokenBucketTest, AllowsABurstThenRefillsAtTheRate) {
  FakeClock clock;
  TokenBucket bucket(/*rate=*/2, /*burst=*/3, clock.now());
  EXPECT_FALSE(bucket.Take(clock.now()).has_value());
  EXPECT_FALSE(bucket.Take(clock.now()).has_value());
  EXPECT_FALSE(bucket.Take(clock.now()).has_value());
  auto wait = bucket.Take(clock.now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(*wait).count(), 500);
  clock.Advance(milliseconds(499));
  EXPECT_TRUE(bucket.Take(clock.now()).has_value());
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(bucket.Take(clock.now()).has_value());
  EXPECT_FALSE(bucket.Full(clock.now()));
  // Idle time never stores more than the burst.
  clock.Advance(seconds(60));
  EXPECT_TRUE(bucket.Full(clock.now()));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(bucket.Take(clock.now()));
  EXPECT_TRUE(bucket.Take(clock.now()).has_value());
}

TEST(TenantRateLimiterTest, OffByDefault) {
  TenantRateLimiter limiter({});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 10000; ++i) ASSERT_FALSE(limiter.Admit("t"));
}

TEST(TenantRateLimiterTest, LimitsEachTenantOnItsOwn) {
  FakeClock clock;
  TenantRateLimiter limiter({/*rate=*/1, /*burst=*/2}, clock.fn());
  EXPECT_FALSE(limiter.Admit("a"));
  EXPECT_FALSE(limiter.Admit("a"));
  std::optional<int> retry = limiter.Admit("a");
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(*retry, 1);
  // Another tenant is not slowed by the first one's burst.
  EXPECT_FALSE(limiter.Admit("b"));
  clock.Advance(seconds(1));
  EXPECT_FALSE(limiter.Admit("a"));
  EXPECT_TRUE(limiter.Admit("a"));
}

TEST(TenantRateLimiterTest, RetryAfterRoundsUpToWholeSeconds) {
  FakeClock clock;
  TenantRateLimiter limiter({/*rate=*/0.25, /*burst=*/1}, clock.fn());
  EXPECT_FALSE(limiter.Admit("a"));
  EXPECT_EQ(limiter.Admit("a").value_or(0), 4);
  clock.Advance(milliseconds(2500));
  EXPECT_EQ(limiter.Admit("a").value_or(0), 2);
}

TEST(FailedAuthLimiterTest, BlocksAfterRepeatedFailuresWithinTheWindow) {
  FakeClock clock;
  FailedAuthLimiter limiter({3, seconds(60), seconds(600)}, clock.fn());
  for (int i = 0; i < 2; ++i) {
    limiter.RecordFailure("10.0.0.1");
    EXPECT_FALSE(limiter.Blocked("10.0.0.1"));
  }
  limiter.RecordFailure("10.0.0.1");
  EXPECT_EQ(limiter.Blocked("10.0.0.1").value_or(0), 60);
  // Other addresses are not affected.
  EXPECT_FALSE(limiter.Blocked("10.0.0.2"));
  clock.Advance(seconds(59));
  EXPECT_EQ(limiter.Blocked("10.0.0.1").value_or(0), 1);
  clock.Advance(seconds(1));
  EXPECT_FALSE(limiter.Blocked("10.0.0.1"));
}

TEST(FailedAuthLimiterTest, FailuresSpreadOverWindowsDoNotBlock) {
  FakeClock clock;
  FailedAuthLimiter limiter({3, seconds(60), seconds(600)}, clock.fn());
  for (int i = 0; i < 10; ++i) {
    limiter.RecordFailure("c");
    clock.Advance(seconds(31));
    EXPECT_FALSE(limiter.Blocked("c")) << i;
  }
}

TEST(FailedAuthLimiterTest, RepeatedLockOutsDoubleUpToTheMaximum) {
  FakeClock clock;
  FailedAuthLimiter limiter({2, seconds(60), seconds(200)}, clock.fn());
  const int expected[] = {60, 120, 200, 200};
  for (int expect : expected) {
    limiter.RecordFailure("c");
    limiter.RecordFailure("c");
    ASSERT_EQ(limiter.Blocked("c").value_or(0), expect);
    // Failures while blocked (refused before authentication) do not count.
    limiter.RecordFailure("c");
    clock.Advance(seconds(expect));
    ASSERT_FALSE(limiter.Blocked("c"));
  }
  // A success starts the address over.
  limiter.RecordSuccess("c");
  limiter.RecordFailure("c");
  limiter.RecordFailure("c");
  EXPECT_EQ(limiter.Blocked("c").value_or(0), 60);
}

TEST(FailedAuthLimiterTest, OffWhenMaxFailuresIsZero) {
  FailedAuthLimiter limiter({});
  for (int i = 0; i < 1000; ++i) limiter.RecordFailure("c");
  EXPECT_FALSE(limiter.Blocked("c"));
}

// An attacker rotating through more addresses than the table holds must not
// push out the lock-out of the address it is attacking, and the table stays
// bounded whatever it sends.
TEST(FailedAuthLimiterTest, AddressSprayNeitherResetsALockOutNorGrowsTheTable) {
  FakeClock clock;
  FailedAuthLimiter::Options options;
  options.max_failures = 3;
  options.window = seconds(60);
  options.max_clients = 100;
  FailedAuthLimiter limiter(options, clock.fn());
  for (int i = 0; i < 3; ++i) limiter.RecordFailure("10.0.0.1");
  ASSERT_TRUE(limiter.Blocked("10.0.0.1").has_value());

  for (int i = 0; i < 10000; ++i) {
    clock.Advance(milliseconds(1));
    limiter.RecordFailure("203.0.113." + std::to_string(i));
    ASSERT_LE(limiter.tracked_clients(), 100u);
  }
  auto wait = limiter.Blocked("10.0.0.1");
  ASSERT_TRUE(wait.has_value()) << "the spray reset the victim's lock-out";
  EXPECT_GE(*wait, 40);
  // The newest sprayed addresses are still counted: eviction took the
  // oldest, so a slow spray cannot dodge the limit by rotating.
  limiter.RecordFailure("203.0.113.9999");
  limiter.RecordFailure("203.0.113.9999");
  EXPECT_TRUE(limiter.Blocked("203.0.113.9999").has_value());
  // Lock-outs end as before.
  clock.Advance(seconds(61));
  EXPECT_FALSE(limiter.Blocked("10.0.0.1").has_value());
}

// Blocked addresses go only when nothing else is left, the oldest first;
// the table still never grows past its bound.
TEST(FailedAuthLimiterTest, EvictsBlockedAddressesOnlyWhenAllAreBlocked) {
  FakeClock clock;
  FailedAuthLimiter::Options options;
  options.max_failures = 1;
  options.window = seconds(60);
  options.max_clients = 10;
  FailedAuthLimiter limiter(options, clock.fn());
  for (int i = 0; i < 25; ++i) {
    clock.Advance(milliseconds(1));
    limiter.RecordFailure("198.51.100." + std::to_string(i));
    EXPECT_LE(limiter.tracked_clients(), 10u);
  }
  EXPECT_FALSE(limiter.Blocked("198.51.100.0").has_value());
  EXPECT_TRUE(limiter.Blocked("198.51.100.24").has_value());
}

}  // namespace
}  // namespace scim::edge
