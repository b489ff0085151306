#ifndef SCIM_EDGE_HANDLER_POOL_H_
#define SCIM_EDGE_HANDLER_POOL_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace scim::edge {

// Threads that run request handlers, which block on gRPC calls, so that
// cpprestsdk's own pool only moves bytes. At most `threads` + `max_queued`
// requests hold a place at once, running or waiting: in a burst beyond
// that, or while a backend is slow, a request is refused at once instead of
// waiting longer than its client does.
class HandlerPool {
 public:
  // A request's place, counted from Run until the work drops it or returns,
  // whichever comes first. A handler drops it before replying: a client that
  // has its answer has left, whether or not the thread has yet come back.
  using Place = std::shared_ptr<void>;

  HandlerPool(int threads, size_t max_queued);
  ~HandlerPool();  // runs what is queued, then joins
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // False, and `work` dropped, when every place is taken.
  bool Run(std::function<void(Place)> work);

  // Places taken: requests running or waiting for a thread.
  size_t taken() const;

 private:
  void Loop();

  const size_t places_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void(Place)>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Counted from Run, not from a thread taking the work: a thread that has
  // not yet woken up, or not yet come back from a request already answered,
  // must not change what the next request gets.
  size_t taken_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_HANDLER_POOL_H_
