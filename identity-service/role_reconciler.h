#ifndef SCIM_IDENTITY_SERVICE_ROLE_RECONCILER_H_
#define SCIM_IDENTITY_SERVICE_ROLE_RECONCILER_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "identity-service/user_store.h"
#include "scim/role/v1/role.grpc.pb.h"

namespace scim::identity {

// Finishes group deletions in the background, from their tombstones: users
// holding the role directly are rewritten without it, and role-service is
// asked to delete the role until it has (it may have been down when the
// edge's DELETE removed the members). Retries with backoff, so both sides
// agree without the client resending anything.
class RoleReconciler {
 public:
  struct Options {
    std::chrono::milliseconds deadline{5000};
    std::chrono::milliseconds initial_backoff{200};
    std::chrono::milliseconds max_backoff{5000};
    // How long after a retirement the first pass waits: the edge deletes
    // the role itself right after retiring the group, and a pass at once
    // raced it (taking the client's audit event for the reconciler's).
    std::chrono::milliseconds grace{2000};
  };
  RoleReconciler(UserStore* users, const std::string& role_address,
                 Options options);
  ~RoleReconciler();
  RoleReconciler(const RoleReconciler&) = delete;
  RoleReconciler& operator=(const RoleReconciler&) = delete;

  // Wakes the worker: a group was retired.
  void Notify();
  void Stop();

 private:
  void Run();
  // One pass over every pending retirement; true when all are done.
  bool Pass();

  UserStore* users_;
  Options options_;
  std::unique_ptr<scim::role::v1::RoleService::Stub> roles_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_ ABSL_GUARDED_BY(mu_) = true;
  std::thread worker_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_ROLE_RECONCILER_H_
