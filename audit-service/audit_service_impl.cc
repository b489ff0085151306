#include "audit-service/audit_service_impl.h"

#include <utility>

#include "common/status_map.h"

namespace scim::audit {
namespace {

template <typename T>
grpc::Status Reply(grpc::ServerContext* context, absl::StatusOr<T> result,
                   T* out) {
  if (!result.ok()) return ReplyStatus(context, result.status());
  *out = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status AuditServiceImpl::RecordEvents(
    grpc::ServerContext* context, const pb::RecordEventsRequest* request,
    pb::RecordEventsResponse* response) {
  return Reply(context, store_->Record(*request), response);
}

grpc::Status AuditServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const pb::ListEventsRequest* request,
                                          pb::ListEventsResponse* response) {
  return Reply(context, store_->List(*request), response);
}

}  // namespace scim::audit
