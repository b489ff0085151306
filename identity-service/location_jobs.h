#ifndef SCIM_IDENTITY_SERVICE_LOCATION_JOBS_H_
#define SCIM_IDENTITY_SERVICE_LOCATION_JOBS_H_

#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/rocks_db.h"
#include "identity-service/tenant_store.h"
#include "identity-service/user_store.h"

namespace scim::identity {

// Re-evaluates a tenant's users after its location rules change, in the
// background and in small batches, so provisioning is never blocked. The
// progress (rules version, last user key, counts) is stored in the jobs
// family after each batch, so a restart resumes where it stopped.
class LocationJobs {
 public:
  LocationJobs(RocksDb* db, TenantStore* tenants, UserStore* users);
  ~LocationJobs();
  LocationJobs(const LocationJobs&) = delete;
  LocationJobs& operator=(const LocationJobs&) = delete;

  // Wakes the worker: a tenant's rules changed.
  void Notify();
  void Stop();

  absl::StatusOr<pb::LocationStatusResponse> Status(
      const std::string& tenant) const;

 private:
  struct Progress {
    int64_t version = 0;
    std::string cursor;  // last user key done
    int64_t done = 0;
    int64_t total = 0;
  };
  void Run();
  // One batch for one tenant; returns true when more remains.
  bool Step(const pb::Tenant& tenant);
  Progress Load(const std::string& tenant_id) const;
  void Save(const std::string& tenant_id, const Progress& p);
  int64_t CountUsers(const std::string& tenant_id) const;

  RocksDb* db_;
  TenantStore* tenants_;
  UserStore* users_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_ ABSL_GUARDED_BY(mu_) = true;
  std::thread worker_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_LOCATION_JOBS_H_
