#include "edge/request_drain.h"

#include <gtest/gtest.h>

#include <thread>

namespace scim::edge {
namespace {

TEST(RequestDrainTest, CountsRequestsUntilEveryCopyOfTheTokenIsGone) {
  RequestDrain drain;
  std::shared_ptr<void> a = drain.Enter();
  std::shared_ptr<void> b = drain.Enter();
  std::shared_ptr<void> a_copy = a;
  EXPECT_EQ(drain.in_flight(), 2);
  a.reset();
  EXPECT_EQ(drain.in_flight(), 2);
  a_copy.reset();
  b.reset();
  EXPECT_EQ(drain.in_flight(), 0);
  EXPECT_FALSE(drain.draining());
}

TEST(RequestDrainTest, DrainReturnsOnceTheLastRequestFinishes) {
  RequestDrain drain;
  std::shared_ptr<void> request = drain.Enter();
  std::thread finisher([&] {
    // Finishes the request only once the drain has begun.
    while (!drain.draining()) std::this_thread::yield();
    request.reset();
  });
  EXPECT_EQ(drain.Drain(absl::Minutes(1)), 0);
  finisher.join();
  EXPECT_TRUE(drain.draining());
}

TEST(RequestDrainTest, DrainGivesUpAfterTheGracePeriod) {
  RequestDrain drain;
  std::shared_ptr<void> stuck = drain.Enter();
  EXPECT_EQ(drain.Drain(absl::Milliseconds(20)), 1);
  EXPECT_TRUE(drain.draining());
}

}  // namespace
}  // namespace scim::edge
