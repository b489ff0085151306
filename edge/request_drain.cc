#include "edge/request_drain.h"

namespace scim::edge {

std::shared_ptr<void> RequestDrain::Enter() {
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  return std::shared_ptr<void>(this, [](RequestDrain* d) { d->Exit(); });
}

void RequestDrain::Exit() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

bool RequestDrain::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

int RequestDrain::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

int RequestDrain::Drain(absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ == 0;
  };
  mu_.AwaitWithTimeout(absl::Condition(&idle), grace);
  return in_flight_;
}

}  // namespace scim::edge
