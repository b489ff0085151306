#ifndef SCIM_EDGE_BACKENDS_H_
#define SCIM_EDGE_BACKENDS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "edge/user_cache.h"
#include "edge/user_write_batcher.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "scim/identity/v1/user_batch.grpc.pb.h"
#include "scim/role/v1/role.grpc.pb.h"

namespace scim::edge {

// Who a request comes from, passed to the services as gRPC metadata so their
// audit events name it.
struct CallerInfo {
  std::string request_id;
  std::string actor;
  std::string client_address;
  // Sent as x-operation when the RPC does not say it: "patch" for the
  // ReplaceUser that ends a SCIM PATCH.
  std::string operation = "";
  // When every backend call of the request must be done by: set once as
  // the request arrives (StartRequest), so a request making several calls
  // (a PATCH reads, resolves roles, then writes) answers within one
  // deadline, not one per call. Unset, each call has the full deadline.
  std::chrono::system_clock::time_point deadline{};
  std::chrono::milliseconds budget{0};
  // A fresh budget for what follows: each operation of a Bulk request is a
  // request of its own (RFC 7644 §3.7), so 1,000 of them are not all due
  // within one deadline.
  void RestartBudget() {
    if (budget.count() > 0)
      deadline = std::chrono::system_clock::now() + budget;
  }
};

// The edge's channels to the three services. Every call carries `deadline`,
// so a service that is down or stuck turns into UNAVAILABLE or
// DEADLINE_EXCEEDED (503) instead of a hanging request; channels reconnect
// by themselves when the service comes back.
class Backends {
 public:
  Backends(const std::string& identity, const std::string& roles,
           const std::string& audit, std::chrono::milliseconds deadline);

  // Runs `rpc` on a context with the deadline and caller metadata, and
  // returns the reply or the service's status (scimType included).
  template <typename Reply, typename Call>
  absl::StatusOr<Reply> Invoke(const CallerInfo& caller, Call&& rpc) const {
    grpc::ClientContext context;
    Prepare(&context, caller);
    Reply reply;
    grpc::Status status = rpc(&context, &reply);
    const scim::identity::v1::User* written =
        status.ok() ? WrittenUser(reply) : nullptr;
    ApplyUserChanges(context, status,
                     absl::MakeConstSpan(&written, written != nullptr));
    absl::Status s = Convert(context, status);
    if (!s.ok()) return s;
    return reply;
  }

  // CreateUser and ReplaceUser, gathered with the writes other requests
  // make meanwhile into one WriteUsers call (edge/user_write_batcher.h).
  absl::StatusOr<scim::identity::v1::User> CreateUser(
      const CallerInfo& caller,
      const scim::identity::v1::CreateUserRequest& request) const;
  absl::StatusOr<scim::identity::v1::User> ReplaceUser(
      const CallerInfo& caller,
      const scim::identity::v1::ReplaceUserRequest& request) const;

  scim::identity::v1::IdentityService::Stub& identity() const {
    return *identity_;
  }
  scim::identity::v1::TenantService::Stub& tenants() const { return *tenants_; }
  scim::role::v1::RoleService::Stub& roles() const { return *roles_; }
  scim::audit::v1::AuditService::Stub& audit() const { return *audit_; }

  // Users served without a call while identity-service vouches for them;
  // nullptr when SCIM_USER_CACHE_SIZE is 0.
  UserCache* user_cache() const { return user_cache_; }
  // `watcher_id` names the cache's change stream on every call, so
  // identity-service returns what a call changed with its reply (applied
  // to the cache before the reply is used) instead of on the stream.
  void set_user_cache(UserCache* cache, std::string watcher_id) {
    user_cache_ = cache;
    watcher_id_ = std::move(watcher_id);
  }

  // SCIM_EDGE_SECRET, sent with every call so identity-service can tell the
  // edge from internal callers that copy its x-scim-source header.
  void set_edge_secret(std::string secret) { edge_secret_ = std::move(secret); }
  // Starts `caller`'s request budget: one deadline from now.
  void StartRequest(CallerInfo* caller) const;

  // OK when all three services report SERVING within the deadline;
  // otherwise names the first that does not.
  absl::Status CheckReady() const;

 private:
  void Prepare(grpc::ClientContext* context, const CallerInfo& caller) const;
  // `written`: the user a write replied with; the cache keeps it when the
  // trailer says which change of the feed it is.
  void ApplyUserChanges(
      const grpc::ClientContext& context, const grpc::Status& status,
      absl::Span<const scim::identity::v1::User* const> written) const;
  // One WriteUsers call for `items` (UserWriteBatcher's Send).
  void SendWrites(const std::vector<UserWriteBatcher::Item*>& items) const;
  // The same, one CreateUser or ReplaceUser call each.
  void SendOneByOne(const std::vector<UserWriteBatcher::Item*>& items) const;
  static const scim::identity::v1::User* WrittenUser(
      const scim::identity::v1::User& user) {
    return &user;
  }
  template <typename Reply>
  static const scim::identity::v1::User* WrittenUser(const Reply&) {
    return nullptr;
  }
  static absl::Status Convert(const grpc::ClientContext& context,
                              const grpc::Status& status);
  // What a request gets when a backend did not answer in time: `code`
  // (UNAVAILABLE or DEADLINE_EXCEEDED, both 503), `why`, and to retry.
  static absl::Status NotAnswering(absl::StatusCode code,
                                   absl::string_view why);

  std::chrono::milliseconds deadline_;
  std::string edge_secret_;
  UserCache* user_cache_ = nullptr;
  std::string watcher_id_;
  std::shared_ptr<grpc::Channel> identity_channel_, roles_channel_,
      audit_channel_;
  std::unique_ptr<scim::identity::v1::IdentityService::Stub> identity_;
  std::unique_ptr<scim::identity::v1::TenantService::Stub> tenants_;
  std::unique_ptr<scim::role::v1::RoleService::Stub> roles_;
  std::unique_ptr<scim::audit::v1::AuditService::Stub> audit_;
  std::unique_ptr<scim::identity::v1::UserBatchService::Stub> batch_;
  // Set once identity-service answers WriteUsers with UNIMPLEMENTED (an
  // older one): writes go one call each from then on.
  mutable std::atomic<bool> batch_unimplemented_{false};
  std::unique_ptr<UserWriteBatcher> write_batcher_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_BACKENDS_H_
