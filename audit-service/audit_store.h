#ifndef SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
#define SCIM_AUDIT_SERVICE_AUDIT_STORE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/rocks_db.h"
#include "scim/audit/v1/audit.pb.h"

namespace scim::audit {

namespace pb = scim::audit::v1;

// The append-only event log in its own RocksDB. Events are keyed by tenant
// and inverted time, so a tenant's newest events come first in key order and
// a listing is one forward scan.
class AuditStore {
 public:
  static absl::StatusOr<std::unique_ptr<AuditStore>> Open(
      const std::string& path);

  // Stores every event whose id is new, atomically. Events without a time are
  // stamped now. INVALID_ARGUMENT (nothing stored) when any event lacks an
  // event_id or tenant_id.
  absl::StatusOr<pb::RecordEventsResponse> Record(
      const pb::RecordEventsRequest& request);
  // Newest first, filtered, one page of at most `limit` (default 100, at
  // most 1000) events.
  absl::StatusOr<pb::ListEventsResponse> List(
      const pb::ListEventsRequest& request) const;

 private:
  explicit AuditStore(std::unique_ptr<RocksDb> db) : db_(std::move(db)) {}

  std::unique_ptr<RocksDb> db_;
  // Held from the duplicate check to the write, so a retried batch racing
  // its original cannot store an event twice.
  absl::Mutex write_mu_;
};

}  // namespace scim::audit

#endif  // SCIM_AUDIT_SERVICE_AUDIT_STORE_H_
