#ifndef SCIM_IDENTITY_SERVICE_USER_BATCH_SERVICE_H_
#define SCIM_IDENTITY_SERVICE_USER_BATCH_SERVICE_H_

#include "identity-service/grpc_services.h"
#include "scim/identity/v1/user_batch.grpc.pb.h"

namespace scim::identity {

// WriteUsers: each write is what one CreateUser or ReplaceUser call would
// be, audited for its own request; the change feed's interceptor holds the
// one reply until every watcher has applied all of them, as it does for a
// single write.
class UserBatchServiceImpl final : public pb::UserBatchService::Service {
 public:
  static constexpr int kMaxWrites = 64;

  explicit UserBatchServiceImpl(IdentityServiceImpl* identity)
      : identity_(identity) {}

  grpc::Status WriteUsers(grpc::ServerContext* context,
                          const pb::WriteUsersRequest* request,
                          pb::WriteUsersResponse* response) override;

 private:
  IdentityServiceImpl* identity_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_USER_BATCH_SERVICE_H_
