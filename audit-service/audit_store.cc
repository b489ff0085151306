#include "audit-service/audit_store.h"

#include <rocksdb/iterator.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::audit {
namespace {

// Column families, in the order given to RocksDb::Open.
enum Family : size_t {
  kEvents = 0,  // tenant id, inverted time, event id -> Event
  kEventIds,    // event id -> the event's key in kEvents
};

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;

absl::Status Invalid(const std::string& message) {
  return WithScimType(absl::InvalidArgumentError(message), "invalidValue");
}

// NUL separates key parts; letting it into one would let keys collide.
absl::Status CheckKeyPart(const std::string& value, const std::string& what) {
  if (value.empty()) return Invalid(what + " is required");
  if (value.find('\0') != std::string::npos) {
    return Invalid(what + " must not contain NUL");
  }
  return absl::OkStatus();
}

absl::Status CheckEvent(const pb::Event& e, int index) {
  std::string where = absl::StrCat("events[", index, "]");
  if (auto s = CheckKeyPart(e.event_id(), where + ".event_id"); !s.ok()) {
    return s;
  }
  if (auto s = CheckKeyPart(e.tenant_id(), where + ".tenant_id"); !s.ok()) {
    return s;
  }
  // The inverted-time key has no room for instants before the epoch.
  if (e.time().seconds() < 0 || e.time().nanos() < 0 ||
      e.time().nanos() >= 1000000000) {
    return Invalid(where + ".time is not a valid time after 1970");
  }
  return absl::OkStatus();
}

std::string EventKey(const pb::Event& e) {
  uint64_t micros = static_cast<uint64_t>(ToUnixMicros(e.time()));
  return Key({e.tenant_id(),
              OrderedNumber(std::numeric_limits<uint64_t>::max() - micros),
              e.event_id()});
}

bool Matches(const pb::Event& e, const pb::ListEventsRequest& r) {
  return (r.user_id().empty() || e.resource_id() == r.user_id()) &&
         (r.operation().empty() || e.operation() == r.operation()) &&
         (r.outcome().empty() || e.outcome() == r.outcome());
}

// The key to continue after, from a cursor this tenant's listing returned.
absl::StatusOr<std::string> DecodeCursor(const std::string& cursor,
                                         const std::string& prefix) {
  bool hex = cursor.size() % 2 == 0;
  for (char c : cursor) hex = hex && absl::ascii_isxdigit(c);
  std::string key = hex ? absl::HexStringToBytes(cursor) : std::string();
  // The prefix check also keeps a crafted cursor from reading another
  // tenant's events.
  if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix)) {
    return Invalid("cursor is not one returned by a listing of this tenant");
  }
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(
    const std::string& path) {
  auto db = RocksDb::Open(path, {"events", "event_ids"});
  if (!db.ok()) return db.status();
  return std::unique_ptr<AuditStore>(new AuditStore(std::move(*db)));
}

absl::StatusOr<pb::RecordEventsResponse> AuditStore::Record(
    const pb::RecordEventsRequest& request) {
  // All or nothing: a caller that retries a rejected batch should not find
  // half of it stored.
  for (int i = 0; i < request.events_size(); ++i) {
    if (auto s = CheckEvent(request.events(i), i); !s.ok()) return s;
  }
  pb::RecordEventsResponse response;
  rocksdb::WriteBatch batch;
  std::set<std::string> in_batch;
  absl::MutexLock lock(&write_mu_);
  for (const pb::Event& original : request.events()) {
    const std::string& id = original.event_id();
    std::string id_key = Key({id});
    std::string existing;
    absl::Status found = db_->Get(kEventIds, id_key, &existing);
    if (found.ok() || in_batch.count(id) > 0) {
      response.set_duplicates(response.duplicates() + 1);
      continue;
    }
    if (!absl::IsNotFound(found)) return found;
    pb::Event event = original;
    // An all-zero time is a sender that never set it, not an event of 1970.
    if (event.time().seconds() == 0 && event.time().nanos() == 0) {
      *event.mutable_time() = NowTimestamp();
    }
    std::string key = EventKey(event);
    if (auto s = FromRocks(
            batch.Put(db_->family(kEvents), key, event.SerializeAsString()));
        !s.ok()) {
      return s;
    }
    if (auto s = FromRocks(batch.Put(db_->family(kEventIds), id_key, key));
        !s.ok()) {
      return s;
    }
    in_batch.insert(id);
    response.set_recorded(response.recorded() + 1);
  }
  if (batch.Count() > 0) {
    if (auto s = db_->Write(&batch); !s.ok()) return s;
  }
  return response;
}

absl::StatusOr<pb::ListEventsResponse> AuditStore::List(
    const pb::ListEventsRequest& request) const {
  if (auto s = CheckKeyPart(request.tenant_id(), "tenant_id"); !s.ok()) {
    return s;
  }
  if (request.limit() < 0) return Invalid("limit must not be negative");
  int limit = request.limit() == 0 ? kDefaultLimit
                                   : std::min(request.limit(), kMaxLimit);
  std::string prefix = KeyPrefix({request.tenant_id()});
  std::string start = prefix;
  if (!request.cursor().empty()) {
    auto key = DecodeCursor(request.cursor(), prefix);
    if (!key.ok()) return key.status();
    start = std::move(*key);
  }
  int64_t since = request.has_since() ? ToUnixMicros(request.since())
                                      : std::numeric_limits<int64_t>::min();

  pb::ListEventsResponse response;
  std::string last_key;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kEvents)));
  it->Seek(start);
  if (!request.cursor().empty() && it->Valid() && it->key() == start) {
    it->Next();
  }
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    pb::Event event;
    if (!event.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::InternalError("a stored event of tenant " +
                                 request.tenant_id() + " is unreadable");
    }
    // Newest first: everything after this is older still.
    if (ToUnixMicros(event.time()) < since) break;
    if (!Matches(event, request)) continue;
    // One match beyond the page tells whether a next page exists, so
    // next_cursor is empty exactly when there is nothing more.
    if (response.events_size() == limit) {
      response.set_next_cursor(absl::BytesToHexString(last_key));
      break;
    }
    *response.add_events() = std::move(event);
    last_key = it->key().ToString();
  }
  if (auto s = FromRocks(it->status()); !s.ok()) return s;
  return response;
}

}  // namespace scim::audit
