#ifndef SCIM_COMMON_OUTBOX_H_
#define SCIM_COMMON_OUTBOX_H_

#include <grpcpp/grpcpp.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/metrics.h"
#include "common/rocks_db.h"
#include "scim/audit/v1/audit.grpc.pb.h"

namespace scim {

// Who asked for a change; recorded with its audit event.
struct AuditActor {
  std::string request_id;
  std::string actor;
  std::string client_address;
  // What the caller is doing when the RPC alone does not say it: the edge
  // applies a SCIM PATCH as a read-modify-write ending in ReplaceUser, and
  // sends "patch" so the event says what the client asked for.
  std::string operation = "";
};

// From the gRPC metadata the edge (or an internal caller) sends:
// x-request-id, x-actor, x-client-address, x-operation. A caller that names
// no actor is recorded by its peer address.
AuditActor AuditActorFrom(const grpc::ServerContext& context);

// Audit events written in the same WriteBatch as the change they record, so
// a change is never stored without its event nor an event without its
// change; OutboxForwarder ships them to audit-service afterwards. Any
// service with a RocksDB gets exactly-once auditing by giving the outbox a
// column family of its database.
class Outbox {
 public:
  // `family`: the outbox's column family, as an index into the list given
  // to RocksDb::Open. `source`: the service name stamped on its events.
  Outbox(RocksDb* db, size_t family, std::string source);
  virtual ~Outbox() = default;

  // Adds `event` to `batch`, completed with an event id, the time, the
  // actor and the source.
  void Append(rocksdb::WriteBatch* batch, scim::audit::v1::Event event,
              const AuditActor& actor);
  // Wakes the forwarder after a write that appended events.
  void Notify();

  RocksDb* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* family() const { return db_->family(family_); }
  // Entries not yet acknowledged by audit-service (a scan: for tests and
  // diagnostics).
  int64_t Pending() const;
  // Pending(), but stops counting at `limit`.
  int64_t PendingUpTo(int64_t limit) const;
  // Blocks until Notify or the timeout; used by the forwarder.
  void WaitForWork(std::chrono::milliseconds timeout);

 private:
  friend metrics::Collector ExportOutboxMetrics(const Outbox* outbox);
  RocksDb* db_;
  size_t family_;
  std::string source_;
  // Keys are this counter, so the forwarder ships in the order of Append.
  std::atomic<uint64_t> next_sequence_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
};

// scim_outbox_pending_events{source}: events not yet acknowledged by
// audit-service (counted up to 100000 at each scrape), so a growing backlog
// (audit-service away) shows before the disk fills.
[[nodiscard]] metrics::Collector ExportOutboxMetrics(const Outbox* outbox);

// Ships outbox entries to audit-service in order, deleting them only once
// audit-service acknowledged them, and retries with backoff while it is
// away. audit-service stores each event id once, so shipping an entry again
// after a lost acknowledgement is harmless: every event is recorded exactly
// once, and an outage only delays it.
class OutboxForwarder {
 public:
  struct Options {
    // The deadline of each RecordEvents call.
    std::chrono::milliseconds deadline{5000};
    std::chrono::milliseconds initial_backoff{100};
    std::chrono::milliseconds max_backoff{2000};
    int batch_size = 200;
    // How often a ship reads the outbox from its first key instead of from
    // the last key shipped (see ShipOnce): the most an entry whose write
    // committed after a later one's waits.
    std::chrono::milliseconds full_scan_interval{1000};
    // How long a ship waits after being woken, for more events to join.
    std::chrono::milliseconds linger{20};
  };

  OutboxForwarder(Outbox* outbox, const std::string& audit_address);
  OutboxForwarder(Outbox* outbox, const std::string& audit_address,
                  Options options);
  ~OutboxForwarder();
  OutboxForwarder(const OutboxForwarder&) = delete;
  OutboxForwarder& operator=(const OutboxForwarder&) = delete;

  // Stops shipping; entries not yet shipped stay in the outbox for the next
  // start.
  void Stop();

 private:
  void Run();
  // Ships one batch; returns how many entries left the outbox.
  absl::StatusOr<int> ShipOnce();
  absl::Status Send(const scim::audit::v1::RecordEventsRequest& request);
  // Remembers `key` (just removed) as shipped, when it is the largest yet.
  void NoteShipped(const std::string& key);
  // Drops the delete markers of shipped entries once there are many.
  void CompactShipped(size_t removed);

  Outbox* outbox_;
  Options options_;
  std::unique_ptr<scim::audit::v1::AuditService::Stub> stub_;
  std::atomic<bool> stop_{false};
  // Only the forwarder thread touches these.
  size_t removed_since_compaction_ = 0;
  std::string shipped_up_to_;  // the largest key shipped so far
  std::chrono::steady_clock::time_point last_full_scan_;
  std::thread thread_;
};

}  // namespace scim

#endif  // SCIM_COMMON_OUTBOX_H_
