#include "identity-service/user_batch_service.h"

#include <string>

#include "common/status_map.h"

namespace scim::identity {

grpc::Status UserBatchServiceImpl::CreateUsers(
    grpc::ServerContext* context, const pb::CreateUsersRequest* request,
    pb::CreateUsersResponse* response) {
  if (request->items_size() > kMaxItems) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "CreateUsers takes at most " +
                            std::to_string(kMaxItems) + " items; got " +
                            std::to_string(request->items_size()));
  }
  const bool from_edge = identity_->CallerIsEdge(*context);
  // The caller's own metadata stands in for what an item leaves out, as
  // it would for a CreateUser call.
  const Actor call_actor = ActorFrom(*context);
  for (const pb::CreateUsersItem& item : request->items()) {
    Actor actor = call_actor;
    if (!item.request_id().empty()) actor.request_id = item.request_id();
    if (!item.actor().empty()) actor.actor = item.actor();
    if (!item.client_address().empty()) {
      actor.client_address = item.client_address();
    }
    pb::CreateUsersResult* result = response->add_results();
    absl::StatusOr<User> user =
        identity_->CreateAs(item.request(), from_edge, actor);
    if (user.ok()) {
      *result->mutable_user() = *std::move(user);
      continue;
    }
    result->set_code(static_cast<int>(user.status().code()));
    result->set_message(std::string(user.status().message()));
    result->set_scim_type(ScimTypeOf(user.status()));
  }
  return grpc::Status::OK;
}

}  // namespace scim::identity
