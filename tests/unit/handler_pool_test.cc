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
    pool.Run([&, i](HandlerPool::Place) {
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
    pool.Run([&](HandlerPool::Place) { release.WaitForNotification(); });
    for (int i = 0; i < 10; ++i) pool.Run([&](HandlerPool::Place) { ++ran; });
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 10);
}

TEST(HandlerPoolTest, RefusesWorkBeyondTheQueueLimitUntilThereIsRoom) {
  HandlerPool pool(1, 2);
  absl::Notification release, ran[3];
  ASSERT_TRUE(
      pool.Run([&](HandlerPool::Place) { release.WaitForNotification(); }));
  EXPECT_TRUE(pool.Run([&](HandlerPool::Place) { ran[0].Notify(); }));
  EXPECT_TRUE(pool.Run([&](HandlerPool::Place) { ran[1].Notify(); }));
  EXPECT_EQ(pool.taken(), 3u);
  bool refused_ran = false;
  EXPECT_FALSE(pool.Run([&](HandlerPool::Place) { refused_ran = true; }));
  release.Notify();
  ran[0].WaitForNotification();
  ran[1].WaitForNotification();
  EXPECT_TRUE(pool.Run([&](HandlerPool::Place) { ran[2].Notify(); }));
  ran[2].WaitForNotification();
  EXPECT_FALSE(refused_ran);
}

// Whether the threads have woken up yet does not change what is admitted:
// counting only idle threads as room refused a request that arrived before
// a thread came back from answering the previous one.
TEST(HandlerPoolTest, AdmitsThreadsPlusQueueWhateverTheThreadsAreDoing) {
  HandlerPool pool(2, 2);
  absl::Notification release;
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(pool.Run([&](HandlerPool::Place) {
      release.WaitForNotification();
    })) << i;
  }
  EXPECT_FALSE(pool.Run([](HandlerPool::Place) {}));
  release.Notify();
}

// A handler drops its place before it replies: the request that follows
// the answer is admitted while the thread is still finishing.
TEST(HandlerPoolTest, APlaceDroppedBeforeTheWorkReturnsIsFreeAtOnce) {
  HandlerPool pool(1, 0);
  absl::Notification dropped, release;
  ASSERT_TRUE(pool.Run([&](HandlerPool::Place place) {
    place.reset();
    dropped.Notify();
    release.WaitForNotification();
  }));
  dropped.WaitForNotification();
  EXPECT_EQ(pool.taken(), 0u);
  absl::Notification ran;
  EXPECT_TRUE(pool.Run([&](HandlerPool::Place) { ran.Notify(); }));
  EXPECT_FALSE(pool.Run([](HandlerPool::Place) {}));
  release.Notify();
  ran.WaitForNotification();
}

}  // namespace
}  // namespace scim::edge
