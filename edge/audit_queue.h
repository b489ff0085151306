#ifndef SCIM_EDGE_AUDIT_QUEUE_H_
#define SCIM_EDGE_AUDIT_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "edge/backends.h"
#include "scim/audit/v1/audit.grpc.pb.h"

namespace scim::edge {

// The audit trail's tenant for requests refused before any tenant was known
// (no token, or an unknown or revoked one). '@' is in no tenant id or name.
inline constexpr char kUnauthenticatedTenant[] = "@unauthenticated";

// What the router learned about a request, for the audit event recorded
// when the edge refuses it.
struct RequestAudit {
  // The request named a SCIM base path; other paths (health, docs, typos
  // outside the API) are not provisioning requests and are not recorded.
  bool scim = false;
  // Empty until authentication succeeded.
  std::string tenant_id;
  std::string method;
  // The path segment after the base path ("Users", "Groups", "Bulk", ...)
  // and the one after it, when present.
  std::string resource;
  std::string resource_id;
};

// The event recording a refused request: operation and resource from the
// request, status, scimType and detail from the SCIM error body the client
// got. Every string in `secrets` (the token the client presented) is cut
// out of anything copied from the response, so no event ever holds one.
scim::audit::v1::Event RefusedRequestEvent(
    const RequestAudit& request, const CallerInfo& caller, int http_status,
    const std::string& error_body, const std::vector<std::string>& secrets);

// A fixed-capacity queue of audit events with one background thread that
// ships them to audit-service in batches. Enqueue never waits for the
// network or for room: when the queue is full (audit-service slow or away
// longer than the queue absorbs) the event is dropped and counted, so the
// audit trail can never slow down or fail a request. The outbox is the
// exactly-once path for changes; this one is for refusals, which change
// nothing and have nowhere transactional to live.
class AuditQueue {
 public:
  struct Options {
    size_t capacity = 10000;
    int batch_size = 100;
    // The deadline of each RecordEvents call.
    std::chrono::milliseconds deadline{2000};
    std::chrono::milliseconds initial_backoff{100};
    std::chrono::milliseconds max_backoff{2000};
  };
  struct Stats {
    uint64_t enqueued = 0;
    uint64_t shipped = 0;
    // Refused by a full queue, or still unshipped at Stop.
    uint64_t dropped = 0;
    size_t queued = 0;
  };

  // `stub` must outlive the queue.
  AuditQueue(scim::audit::v1::AuditService::StubInterface* stub,
             Options options);
  ~AuditQueue();
  AuditQueue(const AuditQueue&) = delete;
  AuditQueue& operator=(const AuditQueue&) = delete;

  // Takes the event if there is room; false (and counted) otherwise.
  bool Enqueue(scim::audit::v1::Event event);
  // Keeps shipping for at most `grace`, then stops the thread; whatever is
  // left is counted as dropped.
  void Stop(std::chrono::milliseconds grace);
  Stats stats() const;

 private:
  void Run();
  absl::Status Send(const std::vector<scim::audit::v1::Event>& batch);

  scim::audit::v1::AuditService::StubInterface* stub_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<scim::audit::v1::Event> queue_;       // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  std::chrono::steady_clock::time_point stop_by_;  // guarded by mu_
  Stats stats_;                                    // guarded by mu_
  // Set when drops begin and cleared once logged, so a flood of drops is
  // one log line per batch shipped, not one per request.
  bool drop_reported_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_AUDIT_QUEUE_H_
