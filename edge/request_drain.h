#ifndef SCIM_EDGE_REQUEST_DRAIN_H_
#define SCIM_EDGE_REQUEST_DRAIN_H_

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace scim::edge {

// Counts the requests in flight so that shutdown can wait for them: on
// SIGTERM the edge stops taking new work and lets these finish.
class RequestDrain {
 public:
  // Counts one request in flight until the returned token and all its
  // copies are destroyed (when its response has been written).
  std::shared_ptr<void> Enter();

  // Set once Drain has begun: readiness fails and new requests are refused.
  bool draining() const;
  int in_flight() const;

  // Marks the drain begun and waits until no request is in flight or
  // `grace` has passed. Returns how many were still in flight.
  int Drain(absl::Duration grace);

 private:
  void Exit();

  mutable absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_REQUEST_DRAIN_H_
