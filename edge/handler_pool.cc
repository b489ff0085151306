#include "edge/handler_pool.h"

#include <utility>

namespace scim::edge {

HandlerPool::HandlerPool(int threads, size_t max_queued)
    : places_(static_cast<size_t>(threads > 0 ? threads : 0) + max_queued) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

HandlerPool::~HandlerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

bool HandlerPool::Run(std::function<void(Place)> work) {
  absl::MutexLock lock(&mu_);
  if (taken_ >= places_) return false;
  ++taken_;
  queue_.push_back(std::move(work));
  return true;
}

size_t HandlerPool::taken() const {
  absl::MutexLock lock(&mu_);
  return taken_;
}

void HandlerPool::Loop() {
  for (;;) {
    std::function<void(Place)> work;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](HandlerPool* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
            return p->stopping_ || !p->queue_.empty();
          },
          this));
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    // The deleter runs once, when the work has dropped its place or returns.
    work(Place(nullptr, [this](void*) {
      absl::MutexLock lock(&mu_);
      --taken_;
    }));
  }
}

}  // namespace scim::edge
