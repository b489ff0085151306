#include "common/outbox.h"

#include <rocksdb/iterator.h>

#include <algorithm>
#include <iostream>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/crypto.h"
#include "common/grpc_credentials.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim {
namespace {

namespace apb = scim::audit::v1;

std::string Metadata(const grpc::ServerContext& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

AuditActor AuditActorFrom(const grpc::ServerContext& context) {
  AuditActor a;
  a.request_id = Metadata(context, "x-request-id");
  a.actor = Metadata(context, "x-actor");
  a.client_address = Metadata(context, "x-client-address");
  a.operation = Metadata(context, "x-operation");
  if (a.actor.empty()) a.actor = "grpc:" + context.peer();
  if (a.client_address.empty()) a.client_address = context.peer();
  return a;
}

Outbox::Outbox(RocksDb* db, size_t family, std::string source)
    : db_(db), family_(family), source_(std::move(source)) {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), this->family()));
  it->SeekToLast();
  uint64_t last = 0;
  if (it->Valid() && absl::SimpleHexAtoi(it->key().ToString(), &last)) {
    next_sequence_ = last + 1;
  }
}

void Outbox::Append(rocksdb::WriteBatch* batch, apb::Event event,
                    const AuditActor& actor) {
  if (event.event_id().empty()) event.set_event_id(NewFastUuid());
  if (!event.has_time()) *event.mutable_time() = NowTimestamp();
  if (event.outcome().empty()) event.set_outcome("success");
  event.set_request_id(actor.request_id);
  event.set_actor(actor.actor);
  event.set_client_address(actor.client_address);
  if (event.source().empty()) event.set_source(source_);
  batch->Put(family(), OrderedNumber(next_sequence_++),
             event.SerializeAsString());
}

void Outbox::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

int64_t Outbox::Pending() const {
  return PendingUpTo(std::numeric_limits<int64_t>::max());
}

int64_t Outbox::PendingUpTo(int64_t limit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), family()));
  int64_t n = 0;
  for (it->SeekToFirst(); it->Valid() && n < limit; it->Next()) ++n;
  return n;
}

metrics::Collector ExportOutboxMetrics(const Outbox* outbox) {
  return metrics::Registry::Default().AddCollector(
      [outbox](std::vector<metrics::Sample>* out) {
        out->push_back(
            {"scim_outbox_pending_events",
             "Audit events stored but not yet acknowledged by audit-service "
             "(counted up to 100000).",
             "gauge",
             {{"source", outbox->source_}},
             static_cast<double>(outbox->PendingUpTo(100000))});
      });
}

void Outbox::WaitForWork(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return pending_; });
  pending_ = false;
}

OutboxForwarder::OutboxForwarder(Outbox* outbox,
                                 const std::string& audit_address)
    : OutboxForwarder(outbox, audit_address, Options()) {}

OutboxForwarder::OutboxForwarder(Outbox* outbox,
                                 const std::string& audit_address,
                                 Options options)
    : outbox_(outbox),
      options_(options),
      stub_(apb::AuditService::NewStub(NewGrpcChannel(audit_address))),
      thread_([this] { Run(); }) {}

OutboxForwarder::~OutboxForwarder() { Stop(); }

void OutboxForwarder::Stop() {
  if (stop_.exchange(true)) return;
  outbox_->Notify();
  if (thread_.joinable()) thread_.join();
}

void OutboxForwarder::Run() {
  auto backoff = options_.initial_backoff;
  bool reported = false;
  while (!stop_) {
    absl::StatusOr<int> shipped = ShipOnce();
    if (!shipped.ok()) {
      // One line per outage, not one per retry.
      if (!reported) {
        std::cerr << "audit outbox: cannot ship to audit-service ("
                  << shipped.status().message()
                  << "); keeping the events and retrying" << std::endl;
        reported = true;
      }
      outbox_->WaitForWork(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (reported) {
      std::cerr << "audit outbox: audit-service is back; shipping resumed"
                << std::endl;
      reported = false;
    }
    backoff = options_.initial_backoff;
    // A full batch means more may be waiting: ship again at once.
    if (*shipped < options_.batch_size) {
      outbox_->WaitForWork(std::chrono::seconds(1));
      // Let the writes of a burst gather into one batch: a ship per write
      // cost more CPU, here and in audit-service, than the write itself.
      if (!stop_) std::this_thread::sleep_for(options_.linger);
    }
  }
}

absl::Status OutboxForwarder::Send(const apb::RecordEventsRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(options_.deadline));
  apb::RecordEventsResponse response;
  grpc::Status status = stub_->RecordEvents(&context, request, &response);
  return FromGrpc(context, status);
}

absl::StatusOr<int> OutboxForwarder::ShipOnce() {
  RocksDb* db = outbox_->db();
  std::vector<std::string> keys;
  std::vector<std::string> unreadable;
  apb::RecordEventsRequest request;
  // Reading on from the last key shipped never steps over the delete
  // markers of shipped entries again (from the first key, a ship during a
  // sync stepped over thousands: most of identity-service's CPU per
  // create). An entry whose write committed after a later one's sits before
  // that key, so every full_scan_interval a ship reads from the first key.
  auto now = std::chrono::steady_clock::now();
  bool from_first = shipped_up_to_.empty() ||
                    now - last_full_scan_ >= options_.full_scan_interval;
  if (from_first) last_full_scan_ = now;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db->db()->NewIterator(rocksdb::ReadOptions(), outbox_->family()));
    if (from_first) {
      it->SeekToFirst();
    } else {
      it->Seek(shipped_up_to_);
      if (it->Valid() && it->key() == rocksdb::Slice(shipped_up_to_)) {
        it->Next();
      }
    }
    for (; it->Valid() && static_cast<int>(keys.size()) < options_.batch_size;
         it->Next()) {
      apb::Event event;
      if (!event.ParseFromArray(it->value().data(),
                                static_cast<int>(it->value().size()))) {
        unreadable.push_back(it->key().ToString());
        continue;
      }
      keys.push_back(it->key().ToString());
      *request.add_events() = std::move(event);
    }
    if (auto s = FromRocks(it->status()); !s.ok()) return s;
  }
  auto remove = [&](const std::vector<std::string>& done) -> absl::Status {
    if (done.empty()) return absl::OkStatus();
    rocksdb::WriteBatch batch;
    for (const auto& k : done) batch.Delete(outbox_->family(), k);
    return db->Write(&batch);
  };
  if (!unreadable.empty()) {
    // Only damage produces these; keeping them would block nothing (they
    // are skipped) but would be re-read forever.
    std::cerr << "audit outbox: dropping " << unreadable.size()
              << " unreadable entries" << std::endl;
    if (auto s = remove(unreadable); !s.ok()) return s;
  }
  if (keys.empty()) return static_cast<int>(unreadable.size());

  absl::Status sent = Send(request);
  if (absl::IsInvalidArgument(sent)) {
    // audit-service refuses a whole batch for one bad event. Sent one by
    // one, the good ones get through and the bad one is set aside (logged)
    // instead of blocking every later event forever.
    for (int i = 0; i < request.events_size(); ++i) {
      apb::RecordEventsRequest one;
      *one.add_events() = request.events(i);
      absl::Status s = Send(one);
      if (absl::IsInvalidArgument(s)) {
        std::cerr << "audit outbox: audit-service refuses event "
                  << request.events(i).event_id() << " (" << s.message()
                  << "); dropping it: " << request.events(i).ShortDebugString()
                  << std::endl;
      } else if (!s.ok()) {
        return s;
      }
      if (auto r = remove({keys[i]}); !r.ok()) return r;
      NoteShipped(keys[i]);
    }
    return static_cast<int>(keys.size());
  }
  if (!sent.ok()) return sent;
  if (auto s = remove(keys); !s.ok()) return s;
  NoteShipped(keys.back());
  CompactShipped(keys.size());
  return static_cast<int>(keys.size() + unreadable.size());
}

void OutboxForwarder::NoteShipped(const std::string& key) {
  if (rocksdb::Slice(key).compare(rocksdb::Slice(shipped_up_to_)) > 0) {
    shipped_up_to_ = key;
  }
}

void OutboxForwarder::CompactShipped(size_t removed) {
  // RocksDB keeps a deleted entry as a marker that reads step over until a
  // compaction, and the periodic full scans of ShipOnce read from the first
  // key: left alone, they would step over every marker of a long sync.
  // Compacting the (small) outbox family every few thousand entries bounds
  // that.
  constexpr size_t kCompactEvery = 4096;
  removed_since_compaction_ += removed;
  if (removed_since_compaction_ < kCompactEvery) return;
  removed_since_compaction_ = 0;
  rocksdb::CompactRangeOptions options;
  options.exclusive_manual_compaction = false;
  rocksdb::Status s = outbox_->db()->db()->CompactRange(
      options, outbox_->family(), nullptr, nullptr);
  if (!s.ok()) {
    // Only slower reads follow; the next round tries again.
    std::cerr << "audit outbox: compacting shipped entries: " << s.ToString()
              << std::endl;
  }
}

}  // namespace scim
