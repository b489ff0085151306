#include "edge/backends.h"

#include <algorithm>

#include "common/grpc_credentials.h"
#include "common/grpc_metrics.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "common/user_change_headers.h"

namespace scim::edge {
namespace {

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  // The interceptors count and time every call for /metrics.
  return NewGrpcChannel(address, grpc::ChannelArguments(),
                        ClientMetricsInterceptors());
}

}  // namespace

Backends::Backends(const std::string& identity, const std::string& roles,
                   const std::string& audit, std::chrono::milliseconds deadline)
    : deadline_(deadline),
      identity_channel_(Connect(identity)),
      roles_channel_(Connect(roles)),
      audit_channel_(Connect(audit)),
      identity_(
          scim::identity::v1::IdentityService::NewStub(identity_channel_)),
      tenants_(scim::identity::v1::TenantService::NewStub(identity_channel_)),
      roles_(scim::role::v1::RoleService::NewStub(roles_channel_)),
      audit_(scim::audit::v1::AuditService::NewStub(audit_channel_)) {}

void Backends::StartRequest(CallerInfo* caller) const {
  caller->budget = deadline_;
  caller->deadline = DeadlineAfter(deadline_);
}

void Backends::Prepare(grpc::ClientContext* context,
                       const CallerInfo& caller) const {
  auto deadline = DeadlineAfter(deadline_);
  if (caller.deadline != std::chrono::system_clock::time_point{}) {
    deadline = std::min(deadline, caller.deadline);
  }
  context->set_deadline(deadline);
  // Tells identity-service the write comes through SCIM, so the profiles it
  // creates are SCIM-managed.
  context->AddMetadata("x-scim-source", "edge");
  if (!edge_secret_.empty()) {
    context->AddMetadata("x-scim-edge-secret", edge_secret_);
  }
  if (!watcher_id_.empty()) {
    context->AddMetadata(kUserWatcherHeader, watcher_id_);
  }
  if (!caller.request_id.empty()) {
    context->AddMetadata("x-request-id", caller.request_id);
  }
  if (!caller.actor.empty()) context->AddMetadata("x-actor", caller.actor);
  if (!caller.client_address.empty()) {
    context->AddMetadata("x-client-address", caller.client_address);
  }
  if (!caller.operation.empty()) {
    context->AddMetadata("x-operation", caller.operation);
  }
}

void Backends::ApplyUserChanges(const grpc::ClientContext& context,
                                const grpc::Status& status,
                                const scim::identity::v1::User* written) const {
  if (user_cache_ == nullptr) return;
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kUserChangesTrailer);
  if (it == trailers.end()) {
    // The call may have written without the edge hearing what: until the
    // change stream brings it, nothing cached is trusted.
    switch (status.error_code()) {
      case grpc::StatusCode::DEADLINE_EXCEEDED:
      case grpc::StatusCode::CANCELLED:
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::UNKNOWN:
      case grpc::StatusCode::INTERNAL:
        user_cache_->Revoke();
        break;
      default:
        break;
    }
    return;
  }
  scim::identity::v1::UserChanges changes;
  if (changes.ParseFromArray(it->second.data(),
                             static_cast<int>(it->second.size()))) {
    user_cache_->Apply(changes);
    if (written == nullptr) return;
    // The reply is the user as the call's last change to it left it.
    uint64_t seq = 0;
    for (const auto& c : changes.changes()) {
      if (c.user_id() == written->id() &&
          c.tenant_id() == written->tenant_id()) {
        seq = std::max(seq, c.seq());
      }
    }
    user_cache_->FillWritten(changes.incarnation(), seq, written->tenant_id(),
                             *written);
  } else {
    // Unreadable: whatever it named may be stale.
    user_cache_->Revoke();
  }
}

absl::Status Backends::Convert(const grpc::ClientContext& context,
                               const grpc::Status& status) {
  absl::Status s = FromGrpc(context, status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::Status(s.code(), "a backend service is not answering (" +
                                      std::string(s.message()) +
                                      "); retry after a few seconds");
  }
  return s;
}

absl::Status Backends::CheckReady() const {
  const std::pair<const char*, std::shared_ptr<grpc::Channel>> services[] = {
      {"identity-service", identity_channel_},
      {"role-service", roles_channel_},
      {"audit-service", audit_channel_}};
  for (const auto& [name, channel] : services) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(DeadlineAfter(deadline_));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status s = stub->Check(&context, request, &response);
    if (!s.ok() ||
        response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::UnavailableError(std::string(name) + " is not ready" +
                                    (s.ok() ? "" : ": " + s.error_message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace scim::edge
