#include "role-service/identity_sync.h"

#include <algorithm>
#include <iostream>
#include <utility>

#include "common/grpc_credentials.h"

namespace scim::role {

namespace ipb = scim::identity::v1;

IdentitySync::IdentitySync(RoleStore* store,
                           const std::string& identity_address,
                           std::chrono::milliseconds deadline,
                           std::string secret)
    : store_(store),
      deadline_(deadline),
      secret_(std::move(secret)),
      identity_(
          ipb::IdentityService::NewStub(NewGrpcChannel(identity_address))),
      worker_([this] { Run(); }) {}

IdentitySync::~IdentitySync() { Stop(); }

void IdentitySync::Prepare(grpc::ClientContext* context,
                           const std::string& actor) const {
  context->set_deadline(std::chrono::system_clock::now() + deadline_);
  context->AddMetadata("x-scim-source", "role-service");
  if (!secret_.empty()) context->AddMetadata("x-scim-edge-secret", secret_);
  if (!actor.empty()) context->AddMetadata("x-actor", actor);
}

void IdentitySync::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

absl::Status IdentitySync::Retire(const std::string& tenant_id,
                                  const std::string& role_id,
                                  const std::string& actor) {
  ipb::RemoveGroupRequest request;
  request.set_tenant_id(tenant_id);
  request.set_group_id(role_id);
  ipb::RemoveGroupResponse reply;
  grpc::ClientContext context;
  Prepare(&context, actor);
  grpc::Status s = identity_->RemoveGroup(&context, request, &reply);
  if (s.ok()) return absl::OkStatus();
  return absl::UnavailableError(
      "role " + role_id +
      " was not deleted: identity-service, which must first take it away "
      "from every user, did not answer (" +
      s.error_message().substr(0, 200) + "); retry the delete");
}

bool IdentitySync::DeliverPending() {
  absl::MutexLock lock(&deliver_mu_);
  bool all = true;
  for (const RoleStore::Sync& sync : store_->PendingSyncs()) {
    auto role = store_->Get(sync.tenant_id, sync.role_id);
    if (!role.ok()) {
      // Deleted since: its retirement replaced the rename.
      store_->ClearSync(sync);
      continue;
    }
    ipb::UpdateGroupMembersRequest request;
    request.set_tenant_id(sync.tenant_id);
    request.set_group_id(sync.role_id);
    request.set_group_display(role->name());
    ipb::UpdateGroupMembersResponse reply;
    grpc::ClientContext context;
    Prepare(&context, "role-service (rename)");
    grpc::Status s = identity_->UpdateGroupMembers(&context, request, &reply);
    // NOT_FOUND: identity-service retired it; nothing left to rename.
    if (s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND) {
      store_->ClearSync(sync);
    } else {
      all = false;
    }
  }
  return all;
}

void IdentitySync::Flush() {
  if (!DeliverPending()) {
    absl::MutexLock lock(&mu_);
    pending_ = true;
  }
}

void IdentitySync::Run() {
  constexpr auto kInitial = std::chrono::milliseconds(200);
  constexpr auto kMax = std::chrono::milliseconds(5000);
  auto backoff = kInitial;
  while (true) {
    bool work;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      work = pending_;
      pending_ = false;
    }
    // Entries left by a previous run are delivered at start-up (pending_
    // starts true).
    bool done = !work || DeliverPending();
    backoff = done ? kInitial : std::min(backoff * 2, kMax);
    absl::MutexLock lock(&mu_);
    if (!done) pending_ = true;
    auto wait = done ? std::chrono::milliseconds(1000) : backoff;
    auto stopped = [this] { return stop_; };
    mu_.AwaitWithTimeout(absl::Condition(&stopped),
                         absl::Milliseconds(wait.count()));
  }
}

}  // namespace scim::role
