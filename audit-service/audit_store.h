#ifndef SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
#define SCIM_AUDIT_SERVICE_AUDIT_STORE_H_

#include <rocksdb/db.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "scim/audit/v1/audit.pb.h"

namespace scim::audit {

namespace pb = scim::audit::v1;

struct AuditStoreOptions {
  // Events older than this many days are removed by RocksDB compaction (and
  // hidden from reads until then); 0 keeps them forever.
  int retention_days = 0;
  // Microseconds since the epoch. Tests substitute their own clock; unset
  // means the system clock.
  std::function<int64_t()> now_micros;
};

// The time of the event whose events-family key is `key` (tenant, inverted
// time, event id), or nullopt when `key` is not such a key. The retention
// filter reads event times this way, without parsing any event.
std::optional<int64_t> EventKeyMicros(std::string_view key);

// The append-only event log in its own RocksDB, in three column families:
//   events:    tenant, inverted time, event id -> Event. A tenant's newest
//              events come first in key order, so a listing is one scan.
//   event_ids: event id -> events key. Makes recording idempotent.
//   feed:      sequence -> events key, in the order events were stored: what
//              a watch follows. It only grows at its end (sequences are
//              assigned and written under one lock), so a cursor into it
//              misses nothing, unlike a position in event time, where a
//              shipment delayed by an outage lands behind a reader.
// Each family's entry shows the event time (in the key, or in the value,
// which is an events key), so retention is a compaction filter, not a scan.
class AuditStore {
 public:
  static absl::StatusOr<std::unique_ptr<AuditStore>> Open(
      const std::string& path, AuditStoreOptions options = {});
  ~AuditStore();
  AuditStore(const AuditStore&) = delete;
  AuditStore& operator=(const AuditStore&) = delete;

  // Stores every event whose id is new, atomically. Events without a time
  // are stamped now; events already past the retention period are counted
  // as expired and not stored. INVALID_ARGUMENT (nothing stored) when any
  // event lacks an event_id or tenant_id.
  absl::StatusOr<pb::RecordEventsResponse> Record(
      const pb::RecordEventsRequest& request);
  // Newest first, filtered, one page of at most `limit` (default 100, at
  // most 1000) events.
  absl::StatusOr<pb::ListEventsResponse> List(
      const pb::ListEventsRequest& request) const;

  // The feed position a watch starts after: the request's cursor, else the
  // current end (or 0, the very start, with from_oldest). OUT_OF_RANGE for a
  // cursor beyond the end, INVALID_ARGUMENT for one that is not a cursor.
  absl::StatusOr<uint64_t> FeedStart(
      const pb::WatchEventsRequest& request) const;
  struct FeedBatch {
    // Matching events, each with the cursor just after it.
    std::vector<pb::WatchEventsResponse> events;
    // The last feed position looked at (matching or not).
    uint64_t position = 0;
    // Whether the feed holds more beyond `position` already.
    bool more = false;
  };
  // The events matching `request` stored after position `after`, looking at
  // no more than `max_scan` feed entries.
  absl::StatusOr<FeedBatch> ReadFeed(const pb::WatchEventsRequest& request,
                                     uint64_t after, int max_scan) const;
  // Blocks until an event is stored beyond position `after`, Interrupt is
  // called, or `timeout` passes. True when there is something to read.
  bool WaitForFeed(uint64_t after, std::chrono::milliseconds timeout) const;
  // Wakes every waiter and makes later waits return at once: for shutdown.
  void Interrupt();
  bool interrupted() const;
  static std::string FeedCursor(uint64_t position);

  // Compacts every family now. Retention otherwise happens in RocksDB's own
  // background compactions (at least daily when retention is set).
  absl::Status CompactAll();
  // Raw entry counts per family, read past the retention filter (tests).
  struct RawCounts {
    int64_t events = 0, event_ids = 0, feed = 0;
  };
  RawCounts CountRaw() const;
  // The database and every family, for metrics.
  rocksdb::DB* db() const { return db_; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& families() const {
    return handles_;
  }

 private:
  explicit AuditStore(AuditStoreOptions options)
      : options_(std::move(options)) {}
  int64_t NowMicros() const;
  // Events older than this (microseconds) are past retention.
  int64_t CutoffMicros() const;
  uint64_t LastPosition() const;
  absl::Status Get(rocksdb::ColumnFamilyHandle* family, const std::string& key,
                   std::string* value) const;

  AuditStoreOptions options_;
  rocksdb::DB* db_ = nullptr;
  // default, events, event_ids, feed; in the order opened.
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* feed_ = nullptr;

  // Held from the duplicate check to the write, so a retried batch racing
  // its original cannot store an event twice, and so feed sequences are
  // written in the order they are assigned.
  absl::Mutex write_mu_;
  uint64_t next_sequence_ = 1;  // guarded by write_mu_

  mutable std::mutex feed_mu_;
  mutable std::condition_variable feed_cv_;
  uint64_t last_position_ = 0;  // guarded by feed_mu_
  bool interrupted_ = false;    // guarded by feed_mu_
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
