#include "identity-service/user_batch_service.h"

#include <string>

#include "common/status_map.h"

namespace scim::identity {

grpc::Status UserBatchServiceImpl::WriteUsers(
    grpc::ServerContext* context, const pb::WriteUsersRequest* request,
    pb::WriteUsersResponse* response) {
  if (request->writes_size() > kMaxWrites) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "WriteUsers takes at most " +
                            std::to_string(kMaxWrites) + " writes; got " +
                            std::to_string(request->writes_size()));
  }
  const bool from_edge = identity_->CallerIsEdge(*context);
  const Actor call_actor = ActorFrom(*context);
  for (const pb::UserWrite& write : request->writes()) {
    Actor actor = call_actor;
    if (!write.request_id().empty()) actor.request_id = write.request_id();
    if (!write.actor().empty()) actor.actor = write.actor();
    if (!write.client_address().empty()) {
      actor.client_address = write.client_address();
    }
    if (!write.operation().empty()) actor.operation = write.operation();
    absl::StatusOr<User> user;
    switch (write.write_case()) {
      case pb::UserWrite::kCreate:
        user = identity_->CreateAs(write.create(), from_edge, actor);
        break;
      case pb::UserWrite::kReplace:
        user = identity_->ReplaceAs(write.replace(), from_edge, actor);
        break;
      default:
        user = absl::InvalidArgumentError(
            "a write of WriteUsers names neither create nor replace");
    }
    pb::UserWriteResult* result = response->add_results();
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
