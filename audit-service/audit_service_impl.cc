#include "audit-service/audit_service_impl.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/status_map.h"

namespace scim::audit {
namespace {

// Feed entries read per store call: bounds the time between checks for a
// cancelled client while a subscriber catches up on a long backlog.
constexpr int kFeedBatch = 500;
constexpr int kDefaultHeartbeatSeconds = 15;
constexpr int kMaxHeartbeatSeconds = 300;
// How often a waiting watch looks for a cancelled client.
constexpr std::chrono::milliseconds kCancelCheck(500);

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

grpc::Status AuditServiceImpl::WatchEvents(
    grpc::ServerContext* context, const pb::WatchEventsRequest* request,
    grpc::ServerWriter<pb::WatchEventsResponse>* writer) {
  absl::StatusOr<uint64_t> start = store_->FeedStart(*request);
  if (!start.ok()) return ReplyStatus(context, start.status());
  uint64_t position = *start;
  const auto heartbeat_every = std::chrono::seconds(
      request->heartbeat_seconds() <= 0
          ? kDefaultHeartbeatSeconds
          : std::min(request->heartbeat_seconds(), kMaxHeartbeatSeconds));
  // A heartbeat carries the position, so a subscriber filtering a busy feed
  // still advances its cursor, and the first one says where the stream
  // starts before any event arrives.
  auto heartbeat = [&] {
    pb::WatchEventsResponse message;
    message.set_cursor(AuditStore::FeedCursor(position));
    return writer->Write(message);
  };
  // A failed Write means the client is gone: nobody reads the status.
  if (!heartbeat()) return grpc::Status::CANCELLED;
  auto next_heartbeat = std::chrono::steady_clock::now() + heartbeat_every;
  while (true) {
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    if (store_->interrupted()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "audit-service is shutting down; watch again from "
                          "the last cursor received");
    }
    absl::StatusOr<AuditStore::FeedBatch> batch =
        store_->ReadFeed(*request, position, kFeedBatch);
    if (!batch.ok()) return ReplyStatus(context, batch.status());
    for (const pb::WatchEventsResponse& message : batch->events) {
      if (!writer->Write(message)) return grpc::Status::CANCELLED;
    }
    position = batch->position;
    auto now = std::chrono::steady_clock::now();
    if (!batch->events.empty()) next_heartbeat = now + heartbeat_every;
    if (batch->more) continue;
    if (now >= next_heartbeat) {
      if (!heartbeat()) return grpc::Status::CANCELLED;
      next_heartbeat = now + heartbeat_every;
    }
    auto until_heartbeat =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat -
                                                              now);
    store_->WaitForFeed(position,
                        std::max(std::chrono::milliseconds(1),
                                 std::min(kCancelCheck, until_heartbeat)));
  }
}

}  // namespace scim::audit
