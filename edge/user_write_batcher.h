#ifndef SCIM_EDGE_USER_WRITE_BATCHER_H_
#define SCIM_EDGE_USER_WRITE_BATCHER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::edge {

struct CallerInfo;

// Gathers the user writes (creates and replaces) that arrive while earlier
// ones are on their way to identity-service, and sends them as one call
// when a call slot frees up. Under one request at a time nothing waits: a
// write finds a slot free and goes alone at once. Under a burst (an IdP's
// first cycle, 16 clients posting) the gRPC round trip, which costs the
// edge and identity-service more CPU than the write itself, is paid once
// per batch.
class UserWriteBatcher {
 public:
  // Exactly one of `create` and `replace` is set.
  struct Item {
    const CallerInfo* caller;
    const scim::identity::v1::CreateUserRequest* create = nullptr;
    const scim::identity::v1::ReplaceUserRequest* replace = nullptr;
    absl::StatusOr<scim::identity::v1::User> result =
        absl::UnknownError("not sent");
    bool done = false;
  };
  // Sends `items` as one call and sets each one's result. Runs on the
  // thread of one of the waiting writes, without the batcher's lock.
  using Send = std::function<void(const std::vector<Item*>& items)>;

  UserWriteBatcher(Send send, size_t max_batch, int max_in_flight);

  // Each blocks until its batch has been answered.
  absl::StatusOr<scim::identity::v1::User> Create(
      const CallerInfo& caller,
      const scim::identity::v1::CreateUserRequest& request);
  absl::StatusOr<scim::identity::v1::User> Replace(
      const CallerInfo& caller,
      const scim::identity::v1::ReplaceUserRequest& request);

  // Blocks until at least `n` writes wait for a call slot (for tests).
  void AwaitWaiting(size_t n);

 private:
  absl::StatusOr<scim::identity::v1::User> Submit(Item* item);

  const Send send_;
  const size_t max_batch_;
  const int max_in_flight_;
  absl::Mutex mu_;
  std::deque<Item*> queue_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_USER_WRITE_BATCHER_H_
