#include "edge/backends.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
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

// identity-service's limit (UserBatchServiceImpl::kMaxWrites).
constexpr size_t kMaxWriteBatch = 64;
// WriteUsers calls under way at once. identity-service runs writes one at
// a time anyway; a second call keeps one slow batch from holding every
// write of this edge, and under 16 clients posting still gathered about 3
// creates per call.
constexpr int kWriteCallsAtOnce = 2;
// The most /readyz waits for the three services' health checks together.
constexpr std::chrono::milliseconds kReadyCheckDeadline{1000};

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
      audit_(scim::audit::v1::AuditService::NewStub(audit_channel_)),
      batch_(scim::identity::v1::UserBatchService::NewStub(identity_channel_)),
      write_batcher_(std::make_unique<UserWriteBatcher>(
          [this](const std::vector<UserWriteBatcher::Item*>& items) {
            SendWrites(items);
          },
          kMaxWriteBatch, kWriteCallsAtOnce)) {}

absl::StatusOr<scim::identity::v1::User> Backends::CreateUser(
    const CallerInfo& caller,
    const scim::identity::v1::CreateUserRequest& request) const {
  return write_batcher_->Create(caller, request);
}

absl::StatusOr<scim::identity::v1::User> Backends::ReplaceUser(
    const CallerInfo& caller,
    const scim::identity::v1::ReplaceUserRequest& request) const {
  return write_batcher_->Replace(caller, request);
}

void Backends::SendOneByOne(
    const std::vector<UserWriteBatcher::Item*>& items) const {
  namespace pb = scim::identity::v1;
  for (UserWriteBatcher::Item* item : items) {
    item->result = Invoke<pb::User>(
        *item->caller, [&](grpc::ClientContext* c, pb::User* reply) {
          return item->create != nullptr
                     ? identity_->CreateUser(c, *item->create, reply)
                     : identity_->ReplaceUser(c, *item->replace, reply);
        });
  }
}

void Backends::SendWrites(
    const std::vector<UserWriteBatcher::Item*>& items) const {
  namespace pb = scim::identity::v1;
  using Clock = std::chrono::system_clock;
  // A write whose request ran out of time while waiting is not sent: it
  // would take the whole batch's deadline down with it.
  auto now = Clock::now();
  CallerInfo batch_caller;
  std::vector<UserWriteBatcher::Item*> sent;
  for (UserWriteBatcher::Item* item : items) {
    const Clock::time_point due = item->caller->deadline;
    if (due != Clock::time_point{} && due <= now) {
      item->result = NotAnswering(
          absl::StatusCode::kDeadlineExceeded,
          "the request's deadline passed before identity-service could take "
          "it");
      continue;
    }
    if (due != Clock::time_point{} &&
        (batch_caller.deadline == Clock::time_point{} ||
         due < batch_caller.deadline)) {
      batch_caller.deadline = due;
    }
    sent.push_back(item);
  }
  if (sent.empty()) return;
  if (batch_unimplemented_.load()) return SendOneByOne(sent);
  pb::WriteUsersRequest request;
  for (UserWriteBatcher::Item* item : sent) {
    const CallerInfo& c = *item->caller;
    pb::UserWrite* out = request.add_writes();
    if (item->create != nullptr) {
      *out->mutable_create() = *item->create;
    } else {
      *out->mutable_replace() = *item->replace;
    }
    out->set_request_id(c.request_id);
    out->set_actor(c.actor);
    out->set_client_address(c.client_address);
    out->set_operation(c.operation);
  }
  grpc::ClientContext context;
  Prepare(&context, batch_caller);
  pb::WriteUsersResponse response;
  grpc::Status status = batch_->WriteUsers(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    batch_unimplemented_ = true;
    return SendOneByOne(sent);
  }
  if (status.ok() && response.results_size() != request.writes_size()) {
    status = grpc::Status(
        grpc::StatusCode::INTERNAL,
        "identity-service answered " + std::to_string(response.results_size()) +
            " of " + std::to_string(request.writes_size()) + " user writes");
  }
  std::vector<const pb::User*> written;
  if (status.ok()) {
    for (const auto& r : response.results()) {
      if (r.code() == 0) written.push_back(&r.user());
    }
  }
  ApplyUserChanges(context, status, written);
  for (size_t i = 0; i < sent.size(); ++i) {
    if (!status.ok()) {
      sent[i]->result = Convert(context, status);
      continue;
    }
    pb::UserWriteResult* r = response.mutable_results(static_cast<int>(i));
    if (r->code() == 0) {
      sent[i]->result = std::move(*r->mutable_user());
      continue;
    }
    absl::Status s(static_cast<absl::StatusCode>(r->code()), r->message());
    if (!r->scim_type().empty()) s = WithScimType(s, r->scim_type());
    sent[i]->result = s;
  }
}

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

void Backends::ApplyUserChanges(
    const grpc::ClientContext& context, const grpc::Status& status,
    absl::Span<const scim::identity::v1::User* const> written) const {
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
    for (const scim::identity::v1::User* user : written) {
      // The reply is the user as the call's last change to it left it.
      uint64_t seq = 0;
      for (const auto& c : changes.changes()) {
        if (c.user_id() == user->id() && c.tenant_id() == user->tenant_id()) {
          seq = std::max(seq, c.seq());
        }
      }
      user_cache_->FillWritten(changes.incarnation(), seq, user->tenant_id(),
                               *user);
    }
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
    return NotAnswering(s.code(), s.message());
  }
  return s;
}

absl::Status Backends::NotAnswering(absl::StatusCode code,
                                    absl::string_view why) {
  return absl::Status(code, absl::StrCat("a backend service is not answering (",
                                         why, "); retry after a few seconds"));
}

absl::Status Backends::CheckReady() const {
  const std::pair<const char*, std::shared_ptr<grpc::Channel>> services[] = {
      {"identity-service", identity_channel_},
      {"role-service", roles_channel_},
      {"audit-service", audit_channel_}};
  // One short deadline for all three: a service that accepts connections but
  // does not answer (stopped, or stuck) makes the edge unready at once,
  // instead of holding the probe for a request deadline per service, past
  // the probe's own timeout (3 s in the chart) and past the moment a
  // drain's probe should already see 503.
  const std::chrono::milliseconds wait =
      std::min(deadline_, kReadyCheckDeadline);
  const auto deadline = DeadlineAfter(wait);
  for (const auto& [name, channel] : services) {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(deadline);
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status s = stub->Check(&context, request, &response);
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::UnavailableError(
          std::string(name) + " did not answer its gRPC health check within " +
          std::to_string(wait.count()) +
          " ms: check that it is running and not stopped or overloaded");
    }
    if (!s.ok() ||
        response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::UnavailableError(std::string(name) + " is not ready" +
                                    (s.ok() ? "" : ": " + s.error_message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace scim::edge
