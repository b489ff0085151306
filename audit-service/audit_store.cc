#include "audit-service/audit_store.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/rocks_db.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::audit {
namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 1000;
constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;
constexpr size_t kTimeDigits = 16;
// The meta family's record of the next feed sequence. Kept apart from the
// feed itself, whose newest entries retention may remove, so that a
// sequence is never handed out twice.
constexpr char kNextSequenceKey[] = "next_sequence";

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

std::string InvertedTime(int64_t micros) {
  return OrderedNumber(std::numeric_limits<uint64_t>::max() -
                       static_cast<uint64_t>(micros));
}

std::string EventKey(const pb::Event& e) {
  return Key(
      {e.tenant_id(), InvertedTime(ToUnixMicros(e.time())), e.event_id()});
}

bool MatchesList(const pb::Event& e, const pb::ListEventsRequest& r) {
  return (r.user_id().empty() || e.resource_id() == r.user_id()) &&
         (r.operation().empty() || e.operation() == r.operation()) &&
         (r.outcome().empty() || e.outcome() == r.outcome()) &&
         (r.resource_type().empty() ||
          absl::EqualsIgnoreCase(e.resource_type(), r.resource_type())) &&
         (r.resource_id().empty() || e.resource_id() == r.resource_id());
}

bool MatchesWatch(const pb::Event& e, const pb::WatchEventsRequest& r) {
  return (r.operation().empty() || e.operation() == r.operation()) &&
         (r.outcome().empty() || e.outcome() == r.outcome()) &&
         (r.resource_type().empty() ||
          absl::EqualsIgnoreCase(e.resource_type(), r.resource_type()));
}

// The key to continue after, from a cursor this tenant's listing returned.
absl::StatusOr<std::string> DecodeListCursor(const std::string& cursor,
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

std::optional<uint64_t> ParseSequence(std::string_view text) {
  uint64_t n = 0;
  if (text.size() != kTimeDigits ||
      !absl::SimpleHexAtoi(absl::string_view(text.data(), text.size()), &n)) {
    return std::nullopt;
  }
  return n;
}

// Drops entries whose event is older than the cutoff the factory computed
// when the compaction started. Reads the time from the key (events family)
// or from the value, an events key (event_ids and feed).
class RetentionFilter : public rocksdb::CompactionFilter {
 public:
  RetentionFilter(bool time_in_key, int64_t cutoff_micros)
      : time_in_key_(time_in_key), cutoff_micros_(cutoff_micros) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key,
              const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    const rocksdb::Slice& holder = time_in_key_ ? key : value;
    std::optional<int64_t> micros =
        EventKeyMicros(std::string_view(holder.data(), holder.size()));
    // Anything unrecognised is kept: retention must never eat data it does
    // not understand.
    return micros.has_value() && *micros < cutoff_micros_;
  }
  const char* Name() const override { return "scim.audit.RetentionFilter"; }

 private:
  bool time_in_key_;
  int64_t cutoff_micros_;
};

class RetentionFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  RetentionFilterFactory(bool time_in_key, std::function<int64_t()> cutoff)
      : time_in_key_(time_in_key), cutoff_(std::move(cutoff)) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<RetentionFilter>(time_in_key_, cutoff_());
  }
  const char* Name() const override {
    return "scim.audit.RetentionFilterFactory";
  }

 private:
  bool time_in_key_;
  std::function<int64_t()> cutoff_;
};

}  // namespace

std::optional<int64_t> EventKeyMicros(std::string_view key) {
  size_t sep = key.find('\0');
  if (sep == std::string_view::npos || key.size() < sep + 2 + kTimeDigits ||
      key[sep + 1 + kTimeDigits] != '\0') {
    return std::nullopt;
  }
  std::optional<uint64_t> inverted =
      ParseSequence(key.substr(sep + 1, kTimeDigits));
  if (!inverted) return std::nullopt;
  uint64_t micros = std::numeric_limits<uint64_t>::max() - *inverted;
  if (micros > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<int64_t>(micros);
}

absl::StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(
    const std::string& path, AuditStoreOptions options) {
  if (options.retention_days < 0) {
    return absl::InvalidArgumentError(
        "the audit retention must be 0 (keep forever) or a number of days");
  }
  std::unique_ptr<AuditStore> store(new AuditStore(std::move(options)));
  AuditStore* self = store.get();

  // Opened here rather than through common's RocksDb::Open: the event
  // families need their own compaction filter, set before opening.
  rocksdb::Options base;
  base.create_if_missing = true;
  base.create_missing_column_families = true;
  base.max_background_jobs = 2;
  base.keep_log_file_num = 3;
  auto family_options = [&](std::optional<bool> time_in_key) {
    rocksdb::ColumnFamilyOptions cf(base);
    if (time_in_key.has_value() && self->options_.retention_days > 0) {
      cf.compaction_filter_factory = std::make_shared<RetentionFilterFactory>(
          *time_in_key, [self] { return self->CutoffMicros(); });
      // Compaction otherwise only follows writes: without this, a quiet
      // trail would keep its expired events in files nobody rewrites.
      cf.periodic_compaction_seconds = 24 * 3600;
    }
    return cf;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, family_options(std::nullopt)},
      {"events", family_options(true)},
      {"event_ids", family_options(false)},
      {"feed", family_options(false)},
  };
  rocksdb::Status s = rocksdb::DB::Open(
      rocksdb::DBOptions(base), path, descriptors, &self->handles_, &self->db_);
  if (!s.ok()) {
    return absl::UnavailableError("cannot open the audit RocksDB at " + path +
                                  ": " + s.ToString());
  }
  self->meta_ = self->handles_[0];
  self->events_ = self->handles_[1];
  self->event_ids_ = self->handles_[2];
  self->feed_ = self->handles_[3];

  std::string next;
  absl::Status found = self->Get(self->meta_, kNextSequenceKey, &next);
  if (found.ok()) {
    std::optional<uint64_t> n = ParseSequence(next);
    if (!n || *n == 0) {
      return absl::InternalError("the audit feed's next sequence '" + next +
                                 "' is unreadable");
    }
    self->next_sequence_ = *n;
  } else if (!absl::IsNotFound(found)) {
    return found;
  }
  self->last_position_ = self->next_sequence_ - 1;
  return store;
}

AuditStore::~AuditStore() {
  Interrupt();
  if (db_ == nullptr) return;
  rocksdb::FlushOptions flush;
  for (auto* h : handles_) db_->Flush(flush, h).PermitUncheckedError();
  for (auto* h : handles_) {
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
  delete db_;
}

int64_t AuditStore::NowMicros() const {
  if (options_.now_micros) return options_.now_micros();
  return ToUnixMicros(NowTimestamp());
}

int64_t AuditStore::CutoffMicros() const {
  if (options_.retention_days <= 0) {
    return std::numeric_limits<int64_t>::min();
  }
  return NowMicros() - options_.retention_days * kMicrosPerDay;
}

absl::Status AuditStore::Get(rocksdb::ColumnFamilyHandle* family,
                             const std::string& key, std::string* value) const {
  return FromRocks(db_->Get(rocksdb::ReadOptions(), family, key, value));
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
  const int64_t cutoff = CutoffMicros();
  uint64_t next = next_sequence_;
  for (const pb::Event& original : request.events()) {
    const std::string& id = original.event_id();
    std::string existing;
    absl::Status found = Get(event_ids_, id, &existing);
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
    // Stored, it would only wait for the next compaction to remove it; and
    // its id must not linger either, or a late retry would look new.
    if (ToUnixMicros(event.time()) < cutoff) {
      response.set_expired(response.expired() + 1);
      continue;
    }
    std::string key = EventKey(event);
    rocksdb::Status s = batch.Put(events_, key, event.SerializeAsString());
    if (s.ok()) s = batch.Put(event_ids_, id, key);
    if (s.ok()) s = batch.Put(feed_, OrderedNumber(next++), key);
    if (!s.ok()) return FromRocks(s);
    in_batch.insert(id);
    response.set_recorded(response.recorded() + 1);
  }
  if (batch.Count() == 0) return response;
  if (auto s =
          FromRocks(batch.Put(meta_, kNextSequenceKey, OrderedNumber(next)));
      !s.ok()) {
    return s;
  }
  if (auto s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch));
      !s.ok()) {
    return s;
  }
  next_sequence_ = next;
  {
    std::lock_guard<std::mutex> feed_lock(feed_mu_);
    last_position_ = next - 1;
  }
  feed_cv_.notify_all();
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
  bool skip_start = false;
  if (!request.cursor().empty()) {
    auto key = DecodeListCursor(request.cursor(), prefix);
    if (!key.ok()) return key.status();
    start = std::move(*key);
    skip_start = true;
  }
  int64_t since =
      std::max(CutoffMicros(), request.has_since()
                                   ? ToUnixMicros(request.since())
                                   : std::numeric_limits<int64_t>::min());
  std::optional<int64_t> until;
  if (request.has_until()) {
    until = ToUnixMicros(request.until());
    if (*until <= 0) return pb::ListEventsResponse();
    // Newest first: the first event before `until` sits at this key or
    // after it, so everything newer is skipped without being read.
    std::string first = prefix + InvertedTime(*until - 1);
    if (first > start) {
      start = std::move(first);
      skip_start = false;
    }
  }

  pb::ListEventsResponse response;
  std::string last_key;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events_));
  it->Seek(start);
  if (skip_start && it->Valid() && it->key() == start) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    pb::Event event;
    if (!event.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::InternalError("a stored event of tenant " +
                                 request.tenant_id() + " is unreadable");
    }
    int64_t micros = ToUnixMicros(event.time());
    // Newest first: everything after this is older still (or already past
    // retention, waiting for compaction to remove it).
    if (micros < since) break;
    if (until && micros >= *until) continue;
    if (!MatchesList(event, request)) continue;
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

std::string AuditStore::FeedCursor(uint64_t position) {
  return OrderedNumber(position);
}

uint64_t AuditStore::LastPosition() const {
  std::lock_guard<std::mutex> lock(feed_mu_);
  return last_position_;
}

absl::StatusOr<uint64_t> AuditStore::FeedStart(
    const pb::WatchEventsRequest& request) const {
  if (request.tenant_id().find('\0') != std::string::npos) {
    return Invalid("tenant_id must not contain NUL");
  }
  uint64_t end = LastPosition();
  if (request.cursor().empty()) return request.from_oldest() ? 0 : end;
  std::optional<uint64_t> position = ParseSequence(request.cursor());
  if (!position) {
    return Invalid("cursor '" + request.cursor() +
                   "' is not one a watch returned");
  }
  if (*position > end) {
    // Waiting would look like silence while the subscriber's position is
    // wrong (a cursor of another installation, or from before a restore).
    return absl::OutOfRangeError(absl::StrCat(
        "cursor ", request.cursor(), " is beyond the end of the audit feed (",
        FeedCursor(end), "); start a new watch without a cursor"));
  }
  return *position;
}

absl::StatusOr<AuditStore::FeedBatch> AuditStore::ReadFeed(
    const pb::WatchEventsRequest& request, uint64_t after, int max_scan) const {
  FeedBatch out;
  out.position = after;
  if (after == std::numeric_limits<uint64_t>::max()) return out;
  const std::string prefix =
      request.tenant_id().empty() ? "" : KeyPrefix({request.tenant_id()});
  const int64_t cutoff = CutoffMicros();
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), feed_));
  int scanned = 0;
  for (it->Seek(OrderedNumber(after + 1)); it->Valid() && scanned < max_scan;
       it->Next(), ++scanned) {
    std::optional<uint64_t> position =
        ParseSequence(std::string_view(it->key().data(), it->key().size()));
    if (!position) continue;
    out.position = *position;
    if (!it->value().starts_with(prefix)) continue;
    std::string bytes;
    absl::Status found = Get(events_, it->value().ToString(), &bytes);
    // Retention removes an event and its feed entry in separate
    // compactions; between the two the entry points nowhere.
    if (absl::IsNotFound(found)) continue;
    if (!found.ok()) return found;
    pb::WatchEventsResponse message;
    if (!message.mutable_event()->ParseFromString(bytes)) {
      return absl::InternalError("a stored event at feed position " +
                                 FeedCursor(*position) + " is unreadable");
    }
    if (ToUnixMicros(message.event().time()) < cutoff) continue;
    if (!MatchesWatch(message.event(), request)) continue;
    message.set_cursor(FeedCursor(*position));
    out.events.push_back(std::move(message));
  }
  if (auto s = FromRocks(it->status()); !s.ok()) return s;
  out.more = it->Valid();
  return out;
}

bool AuditStore::WaitForFeed(uint64_t after,
                             std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(feed_mu_);
  feed_cv_.wait_for(lock, timeout,
                    [&] { return last_position_ > after || interrupted_; });
  return last_position_ > after;
}

void AuditStore::Interrupt() {
  {
    std::lock_guard<std::mutex> lock(feed_mu_);
    interrupted_ = true;
  }
  feed_cv_.notify_all();
}

bool AuditStore::interrupted() const {
  std::lock_guard<std::mutex> lock(feed_mu_);
  return interrupted_;
}

absl::Status AuditStore::CompactAll() {
  rocksdb::CompactRangeOptions options;
  // Rewrites even a lone bottommost file, so the filter sees every entry.
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  for (auto* h : {events_, event_ids_, feed_}) {
    if (auto s = FromRocks(db_->CompactRange(options, h, nullptr, nullptr));
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

AuditStore::RawCounts AuditStore::CountRaw() const {
  auto count = [&](rocksdb::ColumnFamilyHandle* h) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), h));
    int64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  };
  return {count(events_), count(event_ids_), count(feed_)};
}

}  // namespace scim::audit
