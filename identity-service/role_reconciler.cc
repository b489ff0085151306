#include "identity-service/role_reconciler.h"

#include <algorithm>
#include <iostream>

#include "common/grpc_credentials.h"

namespace scim::identity {

RoleReconciler::RoleReconciler(UserStore* users,
                               const std::string& role_address, Options options)
    : users_(users),
      options_(options),
      roles_(
          scim::role::v1::RoleService::NewStub(NewGrpcChannel(role_address))),
      worker_([this] { Run(); }) {}

RoleReconciler::~RoleReconciler() { Stop(); }

void RoleReconciler::Notify() {
  absl::MutexLock lock(&mu_);
  pending_ = true;
}

void RoleReconciler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

bool RoleReconciler::Pass() {
  auto pending = users_->PendingRetirements();
  if (!pending.ok()) {
    std::cerr << "identity-service: role reconciler: "
              << pending.status().message() << std::endl;
    return false;
  }
  Actor actor;
  actor.actor = "identity-service (group delete reconciler)";
  bool all_done = true;
  for (const auto& r : *pending) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return false;
    }
    bool stripped = false, deleted = false;
    if (r.state.strip_pending()) {
      auto changed = users_->StripRetiredRole(r.tenant, r.group_id, actor);
      stripped = changed.ok();
      if (!changed.ok()) {
        std::cerr << "identity-service: role reconciler: "
                  << changed.status().message() << std::endl;
      }
    }
    if (r.state.catalog_delete_pending()) {
      scim::role::v1::DeleteRoleRequest request;
      request.set_tenant_id(r.tenant);
      request.set_role_id(r.group_id);
      scim::role::v1::DeleteRoleResponse reply;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           options_.deadline);
      context.AddMetadata("x-actor", actor.actor);
      grpc::Status s = roles_->DeleteRole(&context, request, &reply);
      // NOT_FOUND: already gone from the catalog, which is the goal.
      deleted = s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND;
    }
    if (stripped || deleted) {
      (void)users_->FinishRetirement(r.tenant, r.group_id, deleted, stripped);
    }
    if ((r.state.strip_pending() && !stripped) ||
        (r.state.catalog_delete_pending() && !deleted)) {
      all_done = false;
    }
  }
  return all_done;
}

void RoleReconciler::Run() {
  auto backoff = options_.initial_backoff;
  while (true) {
    bool work;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      work = pending_;
      pending_ = false;
    }
    bool done = !work || Pass();
    if (!done) {
      absl::MutexLock lock(&mu_);
      pending_ = true;  // try again after the backoff
    }
    std::chrono::milliseconds wait =
        done ? std::chrono::milliseconds(60000) : backoff;
    backoff = done ? options_.initial_backoff
                   : std::min(backoff * 2, options_.max_backoff);
    absl::MutexLock lock(&mu_);
    // Idle: until a retirement is notified. Failing: the backoff, unless
    // stopped.
    auto woken = [this, done] { return stop_ || (done && pending_); };
    mu_.AwaitWithTimeout(absl::Condition(&woken),
                         absl::Milliseconds(wait.count()));
    if (done && pending_ && !stop_) {
      mu_.AwaitWithTimeout(absl::Condition(&stop_),
                           absl::Milliseconds(options_.grace.count()));
    }
  }
}

}  // namespace scim::identity
