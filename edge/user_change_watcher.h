#ifndef SCIM_EDGE_USER_CHANGE_WATCHER_H_
#define SCIM_EDGE_USER_CHANGE_WATCHER_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "edge/user_cache.h"
#include "scim/identity/v1/identity.grpc.pb.h"

namespace scim::edge {

// Keeps `cache` in step with identity-service: holds one WatchUserChanges
// stream, applies and acknowledges every change, pings every `ping_every`
// to renew the cache's lease, and reconnects (with the cache emptied) when
// the stream ends.
class UserChangeWatcher {
 public:
  UserChangeWatcher(
      scim::identity::v1::IdentityService::Stub* identity, UserCache* cache,
      std::string watcher_id,
      std::chrono::milliseconds ping_every = std::chrono::milliseconds(300));
  ~UserChangeWatcher();  // Stops.
  UserChangeWatcher(const UserChangeWatcher&) = delete;
  UserChangeWatcher& operator=(const UserChangeWatcher&) = delete;

 private:
  void Run();
  // One stream, until it ends; returns whether it ever got the first reply.
  bool Watch();

  scim::identity::v1::IdentityService::Stub* identity_;
  UserCache* cache_;
  const std::string watcher_id_;
  const std::chrono::milliseconds ping_every_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_USER_CHANGE_WATCHER_H_
