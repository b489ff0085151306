#include "edge/user_write_batcher.h"

#include <utility>

namespace scim::edge {

UserWriteBatcher::UserWriteBatcher(Send send, size_t max_batch,
                                   int max_in_flight)
    : send_(std::move(send)),
      max_batch_(max_batch < 1 ? 1 : max_batch),
      max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight) {}

absl::StatusOr<scim::identity::v1::User> UserWriteBatcher::Create(
    const CallerInfo& caller,
    const scim::identity::v1::CreateUserRequest& request) {
  Item item{&caller};
  item.create = &request;
  return Submit(&item);
}

absl::StatusOr<scim::identity::v1::User> UserWriteBatcher::Replace(
    const CallerInfo& caller,
    const scim::identity::v1::ReplaceUserRequest& request) {
  Item item{&caller};
  item.replace = &request;
  return Submit(&item);
}

absl::StatusOr<scim::identity::v1::User> UserWriteBatcher::Submit(Item* item) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(item);
  auto may_proceed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return item->done || (in_flight_ < max_in_flight_ && !queue_.empty());
  };
  while (!item->done) {
    mu_.Await(absl::Condition(&may_proceed));
    if (item->done) break;
    // A free slot: this thread sends what waits, oldest first, whether or
    // not its own item fits in this batch.
    std::vector<Item*> batch;
    while (!queue_.empty() && batch.size() < max_batch_) {
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    ++in_flight_;
    mu_.Unlock();
    send_(batch);
    mu_.Lock();
    --in_flight_;
    for (Item* i : batch) i->done = true;
  }
  return std::move(item->result);
}

void UserWriteBatcher::AwaitWaiting(size_t n) {
  absl::MutexLock lock(&mu_);
  auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() >= n;
  };
  mu_.Await(absl::Condition(&enough));
}

}  // namespace scim::edge
