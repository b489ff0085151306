#include "identity-service/outbox.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "common/crypto.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"

namespace scim::identity {
namespace {
constexpr int kBatchSize = 200;
}  // namespace

Outbox::Outbox(RocksDb* db) : db_(db) {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kOutbox)));
  it->SeekToLast();
  if (it->Valid()) {
    next_sequence_ = std::stoull(it->key().ToString(), nullptr, 16) + 1;
  }
}

void Outbox::Append(rocksdb::WriteBatch* batch, scim::audit::v1::Event event,
                    const Actor& actor) {
  if (event.event_id().empty()) event.set_event_id(NewUuid());
  if (!event.has_time()) *event.mutable_time() = NowTimestamp();
  if (event.outcome().empty()) event.set_outcome("success");
  event.set_request_id(actor.request_id);
  event.set_actor(actor.actor);
  event.set_client_address(actor.client_address);
  batch->Put(db_->family(kOutbox), OrderedNumber(next_sequence_++),
             event.SerializeAsString());
}

void Outbox::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void Outbox::WaitForWork(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return pending_; });
  pending_ = false;
}

OutboxForwarder::OutboxForwarder(Outbox* outbox,
                                 const std::string& audit_address)
    : outbox_(outbox),
      stub_(scim::audit::v1::AuditService::NewStub(grpc::CreateChannel(
          audit_address, grpc::InsecureChannelCredentials()))),
      thread_([this] { Run(); }) {}

OutboxForwarder::~OutboxForwarder() { Stop(); }

void OutboxForwarder::Stop() {
  if (stop_.exchange(true)) return;
  outbox_->Notify();
  if (thread_.joinable()) thread_.join();
}

void OutboxForwarder::Run() {
  auto backoff = std::chrono::milliseconds(100);
  bool reported = false;
  while (!stop_) {
    absl::StatusOr<int> shipped = ShipOnce();
    if (!shipped.ok()) {
      if (!reported) {
        std::cerr << "audit outbox: cannot ship to audit-service ("
                  << shipped.status().message() << "); retrying" << std::endl;
        reported = true;
      }
      outbox_->WaitForWork(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    reported = false;
    if (*shipped < kBatchSize) outbox_->WaitForWork(std::chrono::seconds(1));
  }
}

absl::StatusOr<int> OutboxForwarder::ShipOnce() {
  RocksDb* db = outbox_->db();
  std::unique_ptr<rocksdb::Iterator> it(
      db->db()->NewIterator(rocksdb::ReadOptions(), db->family(kOutbox)));
  scim::audit::v1::RecordEventsRequest request;
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid() && keys.size() < kBatchSize; it->Next()) {
    if (!request.add_events()->ParseFromArray(it->value().data(),
                                              it->value().size())) {
      request.mutable_events()->RemoveLast();
    }
    keys.push_back(it->key().ToString());
  }
  if (keys.empty()) return 0;
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(std::chrono::seconds(5)));
  scim::audit::v1::RecordEventsResponse response;
  grpc::Status status = stub_->RecordEvents(&context, request, &response);
  if (!status.ok()) return FromGrpc(context, status);
  rocksdb::WriteBatch batch;
  for (const auto& k : keys) batch.Delete(db->family(kOutbox), k);
  absl::Status s = db->Write(&batch);
  if (!s.ok()) return s;
  return static_cast<int>(keys.size());
}

}  // namespace scim::identity
