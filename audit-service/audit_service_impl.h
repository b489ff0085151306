#ifndef SCIM_AUDIT_SERVICE_AUDIT_SERVICE_IMPL_H_
#define SCIM_AUDIT_SERVICE_AUDIT_SERVICE_IMPL_H_

#include "audit-service/audit_store.h"
#include "scim/audit/v1/audit.grpc.pb.h"

namespace scim::audit {

// The gRPC face of AuditStore; the store does all checking.
class AuditServiceImpl final : public pb::AuditService::Service {
 public:
  explicit AuditServiceImpl(AuditStore* store) : store_(store) {}

  grpc::Status RecordEvents(grpc::ServerContext* context,
                            const pb::RecordEventsRequest* request,
                            pb::RecordEventsResponse* response) override;
  grpc::Status ListEvents(grpc::ServerContext* context,
                          const pb::ListEventsRequest* request,
                          pb::ListEventsResponse* response) override;
  // Holds one server thread per subscriber for as long as it watches; ends
  // when the client cancels or the store is interrupted for shutdown.
  grpc::Status WatchEvents(
      grpc::ServerContext* context, const pb::WatchEventsRequest* request,
      grpc::ServerWriter<pb::WatchEventsResponse>* writer) override;

 private:
  AuditStore* store_;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_SERVICE_IMPL_H_
