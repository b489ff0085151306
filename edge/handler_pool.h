#ifndef SCIM_EDGE_HANDLER_POOL_H_
#define SCIM_EDGE_HANDLER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace scim::edge {

// Threads that run request handlers, which block on gRPC calls, so that
// cpprestsdk's own pool only moves bytes. At most `max_queued` wait for a
// thread: in a burst beyond that, or while a backend is slow, a request is
// refused at once instead of waiting longer than its client does.
class HandlerPool {
 public:
  HandlerPool(int threads, size_t max_queued);
  ~HandlerPool();  // runs what is queued, then joins
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // False, and `work` dropped, when `max_queued` are already waiting.
  bool Run(std::function<void()> work);

 private:
  void Loop();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Threads waiting for work: as many queued items are about to be taken,
  // not waiting.
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_HANDLER_POOL_H_
