#include "edge/user_write_batcher.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "edge/backends.h"

namespace scim::edge {
namespace {

namespace pb = scim::identity::v1;

pb::CreateUserRequest Named(const std::string& name) {
  pb::CreateUserRequest r;
  r.mutable_user()->set_user_name(name);
  return r;
}

// A Send that answers each item with its own userName (or an error for
// names starting with "bad"), records batch sizes, and holds the first
// call until released.
class FakeIdentity {
 public:
  UserWriteBatcher::Send AsSend() {
    return [this](const std::vector<UserWriteBatcher::Item*>& items) {
      bool hold;
      {
        absl::MutexLock lock(&mu_);
        batches_.push_back(items.size());
        hold = batches_.size() == 1 && hold_first_;
        ++concurrent_;
        max_concurrent_ = std::max(max_concurrent_, concurrent_);
      }
      if (hold) {
        first_started_.Notify();
        release_.WaitForNotification();
      }
      for (auto* item : items) {
        const std::string& name = item->create != nullptr
                                      ? item->create->user().user_name()
                                      : item->replace->user().user_name();
        if (name.rfind("bad", 0) == 0) {
          item->result = absl::AlreadyExistsError(name + " is taken");
        } else {
          pb::User u;
          u.set_user_name(name);
          u.set_id("id-" + name);
          item->result = u;
        }
      }
      absl::MutexLock lock(&mu_);
      --concurrent_;
    };
  }
  std::vector<size_t> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  int max_concurrent() {
    absl::MutexLock lock(&mu_);
    return max_concurrent_;
  }

  bool hold_first_ = false;
  absl::Notification first_started_, release_;

 private:
  absl::Mutex mu_;
  std::vector<size_t> batches_;
  int concurrent_ = 0, max_concurrent_ = 0;
};

// Holds a first create ("first") in its call, makes one create per name
// meanwhile, each waiting for the call slot, then lets the held call end.
// Returns the creates' results in the order of `names`.
std::vector<absl::StatusOr<pb::User>> CreateDuringAHeldCall(
    UserWriteBatcher& batcher, FakeIdentity& identity,
    const std::vector<std::string>& names,
    absl::StatusOr<pb::User>* first = nullptr) {
  identity.hold_first_ = true;
  CallerInfo caller;
  absl::StatusOr<pb::User> held;
  std::thread t0([&] { held = batcher.Create(caller, Named("first")); });
  identity.first_started_.WaitForNotification();
  std::vector<absl::StatusOr<pb::User>> results(names.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i) {
    threads.emplace_back(
        [&, i] { results[i] = batcher.Create(caller, Named(names[i])); });
  }
  batcher.AwaitWaiting(names.size());
  identity.release_.Notify();
  t0.join();
  for (auto& t : threads) t.join();
  if (first != nullptr) *first = std::move(held);
  return results;
}

TEST(UserWriteBatcherTest, ACreateAloneGoesAtOnceByItself) {
  FakeIdentity identity;
  UserWriteBatcher batcher(identity.AsSend(), 64, 1);
  CallerInfo caller;
  auto a = batcher.Create(caller, Named("alice"));
  auto b = batcher.Create(caller, Named("bob"));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->id(), "id-alice");
  EXPECT_EQ(b->id(), "id-bob");
  EXPECT_EQ(identity.batches(), (std::vector<size_t>{1, 1}));
}

TEST(UserWriteBatcherTest, CreatesArrivingDuringACallGoTogetherAfterIt) {
  FakeIdentity identity;
  UserWriteBatcher batcher(identity.AsSend(), 64, 1);
  absl::StatusOr<pb::User> first;
  std::vector<absl::StatusOr<pb::User>> results = CreateDuringAHeldCall(
      batcher, identity, {"user0", "user1", "bad2", "user3", "user4"}, &first);
  EXPECT_EQ(identity.batches(), (std::vector<size_t>{1, 5}));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->id(), "id-first");
  for (int i = 0; i < 5; ++i) {
    if (i == 2) {
      // One failing create fails alone, with its own error.
      EXPECT_EQ(results[i].status().code(), absl::StatusCode::kAlreadyExists);
      EXPECT_EQ(results[i].status().message(), "bad2 is taken");
      continue;
    }
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    EXPECT_EQ(results[i]->id(), "id-user" + std::to_string(i));
  }
}

TEST(UserWriteBatcherTest, ReplacesAndCreatesGoInOneBatch) {
  FakeIdentity identity;
  identity.hold_first_ = true;
  UserWriteBatcher batcher(identity.AsSend(), 64, 1);
  CallerInfo caller;
  std::thread t0([&] { (void)batcher.Create(caller, Named("first")); });
  identity.first_started_.WaitForNotification();
  absl::StatusOr<pb::User> created, replaced;
  std::thread t1([&] { created = batcher.Create(caller, Named("new")); });
  std::thread t2([&] {
    pb::ReplaceUserRequest r;
    r.mutable_user()->set_user_name("changed");
    replaced = batcher.Replace(caller, r);
  });
  batcher.AwaitWaiting(2);
  identity.release_.Notify();
  t0.join();
  t1.join();
  t2.join();
  EXPECT_EQ(identity.batches(), (std::vector<size_t>{1, 2}));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(created->id(), "id-new");
  EXPECT_EQ(replaced->id(), "id-changed");
}

TEST(UserWriteBatcherTest, BatchesAreNoLargerThanTheLimit) {
  FakeIdentity identity;
  UserWriteBatcher batcher(identity.AsSend(), 2, 1);
  std::vector<absl::StatusOr<pb::User>> results =
      CreateDuringAHeldCall(batcher, identity, {"u0", "u1", "u2", "u3", "u4"});
  EXPECT_EQ(identity.batches(), (std::vector<size_t>{1, 2, 2, 1}));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(results[i].ok());
    EXPECT_EQ(results[i]->user_name(), "u" + std::to_string(i));
  }
}

TEST(UserWriteBatcherTest, AsManyCallsRunAtOnceAsItIsAllowed) {
  FakeIdentity identity;
  identity.hold_first_ = true;
  UserWriteBatcher batcher(identity.AsSend(), 64, 2);
  CallerInfo caller;
  std::thread t0([&] { (void)batcher.Create(caller, Named("first")); });
  identity.first_started_.WaitForNotification();
  // A second slot is free: this create does not wait for the held call.
  auto second = batcher.Create(caller, Named("second"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id(), "id-second");
  identity.release_.Notify();
  t0.join();
  EXPECT_EQ(identity.max_concurrent(), 2);
}

}  // namespace
}  // namespace scim::edge
