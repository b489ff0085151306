#ifndef SCIM_ROLE_SERVICE_IDENTITY_SYNC_H_
#define SCIM_ROLE_SERVICE_IDENTITY_SYNC_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "role-service/role_store.h"
#include "scim/identity/v1/identity.grpc.pb.h"

namespace scim::role {

// Keeps identity-service, which holds every role assignment and membership,
// in step with the catalog, so no user is ever shown a role the catalog no
// longer has, nor an old name:
// - a delete retires the role in identity-service FIRST (one batch there:
//   tombstone plus membership removal; reads hide the role from then on)
//   and only then leaves the catalog. If identity-service is down the
//   delete fails and nothing changed, rather than leaving assignments
//   pointing at a role that is gone.
// - a rename is committed here together with a sync entry, and told to
//   identity-service at once; an entry it could not take is retried with
//   backoff until it has (a rename cannot be undone by an outage).
class IdentitySync {
 public:
  // `secret` (SCIM_EDGE_SECRET) proves to identity-service that a role
  // delete comes from the catalog, so it may take a role away from
  // SCIM-managed users.
  IdentitySync(RoleStore* store, const std::string& identity_address,
               std::chrono::milliseconds deadline, std::string secret = "");
  ~IdentitySync();
  IdentitySync(const IdentitySync&) = delete;
  IdentitySync& operator=(const IdentitySync&) = delete;

  // RemoveGroup at identity-service; UNAVAILABLE naming it when it fails.
  absl::Status Retire(const std::string& tenant_id, const std::string& role_id,
                      const std::string& actor);
  // Delivers every pending rename now; the rest is retried in the
  // background.
  void Flush();
  void Stop();

 private:
  // True when every pending rename was delivered.
  bool DeliverPending();
  void Run();
  void Prepare(grpc::ClientContext* context, const std::string& actor) const;

  RoleStore* store_;
  std::chrono::milliseconds deadline_;
  std::string secret_;
  std::unique_ptr<scim::identity::v1::IdentityService::Stub> identity_;
  absl::Mutex deliver_mu_;  // one delivery pass at a time
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_ ABSL_GUARDED_BY(mu_) = true;
  std::thread worker_;
};

}  // namespace scim::role

#endif  // SCIM_ROLE_SERVICE_IDENTITY_SYNC_H_
