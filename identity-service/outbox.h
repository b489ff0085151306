#ifndef SCIM_IDENTITY_SERVICE_OUTBOX_H_
#define SCIM_IDENTITY_SERVICE_OUTBOX_H_

#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/rocks_db.h"
#include "scim/audit/v1/audit.grpc.pb.h"

namespace scim::identity {

// Who asked for a change; recorded with its audit event.
struct Actor {
  std::string request_id;
  std::string actor;
  std::string client_address;
};

// Audit events written in the same WriteBatch as the change they record, so
// a change is never stored without its event, then shipped to audit-service
// by OutboxForwarder.
class Outbox {
 public:
  explicit Outbox(RocksDb* db);

  // Adds `event` (given an id and time here) to `batch`.
  void Append(rocksdb::WriteBatch* batch, scim::audit::v1::Event event,
              const Actor& actor);
  // Wakes the forwarder after a write that appended events.
  void Notify();

  RocksDb* db() const { return db_; }
  // Blocks until Notify or the timeout; used by the forwarder.
  void WaitForWork(std::chrono::milliseconds timeout);

 private:
  RocksDb* db_;
  std::atomic<uint64_t> next_sequence_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
};

// Ships outbox entries to audit-service in order, deleting each batch once
// audit-service acknowledged it; retries with backoff while it is away.
// audit-service keeps each event id once, so a retried shipment is harmless.
class OutboxForwarder {
 public:
  OutboxForwarder(Outbox* outbox, const std::string& audit_address);
  ~OutboxForwarder();
  void Stop();

 private:
  void Run();
  // Ships one batch; returns how many entries were shipped or an error.
  absl::StatusOr<int> ShipOnce();

  Outbox* outbox_;
  std::unique_ptr<scim::audit::v1::AuditService::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_OUTBOX_H_
