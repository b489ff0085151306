#include "edge/handler_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/synchronization/notification.h"

namespace scim::edge {
namespace {

TEST(HandlerPoolTest, RunsWorkOnAsManyThreadsAtOnce) {
  HandlerPool pool(3, 16);
  // Three handlers that each wait for the last to start: done only if all
  // three run at the same time, as blocked gRPC calls do.
  std::atomic<int> started{0};
  absl::Notification all_started, finished[3];
  for (int i = 0; i < 3; ++i) {
    pool.Run([&, i] {
      if (++started == 3) all_started.Notify();
      all_started.WaitForNotification();
      finished[i].Notify();
    });
  }
  for (auto& f : finished) f.WaitForNotification();
}

TEST(HandlerPoolTest, WorkQueuedBeforeDestructionStillRuns) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    HandlerPool pool(1, 16);
    pool.Run([&] { release.WaitForNotification(); });
    for (int i = 0; i < 10; ++i) pool.Run([&] { ++ran; });
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 10);
}

TEST(HandlerPoolTest, RefusesWorkBeyondTheQueueLimitUntilThereIsRoom) {
  HandlerPool pool(1, 2);
  absl::Notification started, release, ran[3];
  ASSERT_TRUE(pool.Run([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the thread is busy, nothing queued
  EXPECT_TRUE(pool.Run([&] { ran[0].Notify(); }));
  EXPECT_TRUE(pool.Run([&] { ran[1].Notify(); }));
  bool refused_ran = false;
  EXPECT_FALSE(pool.Run([&] { refused_ran = true; }));
  release.Notify();
  ran[0].WaitForNotification();
  ran[1].WaitForNotification();
  EXPECT_TRUE(pool.Run([&] { ran[2].Notify(); }));
  ran[2].WaitForNotification();
  EXPECT_FALSE(refused_ran);
}

}  // namespace
}  // namespace scim::edge
