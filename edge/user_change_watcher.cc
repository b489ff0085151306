#include "edge/user_change_watcher.h"

#include <deque>
#include <utility>

#include "common/user_change_headers.h"

namespace scim::edge {

namespace pb = scim::identity::v1;

namespace {
// A stream is renewed this often: every call has a deadline.
constexpr auto kStreamLifetime = std::chrono::minutes(30);
constexpr auto kRetryDelay = absl::Milliseconds(500);
}  // namespace

UserChangeWatcher::UserChangeWatcher(pb::IdentityService::Stub* identity,
                                     UserCache* cache, std::string watcher_id,
                                     std::chrono::milliseconds ping_every)
    : identity_(identity),
      cache_(cache),
      watcher_id_(std::move(watcher_id)),
      ping_every_(ping_every) {
  thread_ = std::thread([this] { Run(); });
}

UserChangeWatcher::~UserChangeWatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (current_ != nullptr) current_->TryCancel();
  }
  thread_.join();
}

void UserChangeWatcher::Run() {
  for (;;) {
    bool connected = Watch();
    cache_->Revoke();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // Right away after a stream that worked (a restart of identity-service
    // is retried by gRPC's own backoff while connecting).
    if (!connected) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), kRetryDelay);
      if (stopping_) return;
    }
  }
}

bool UserChangeWatcher::Watch() {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kStreamLifetime);
  context.set_wait_for_ready(false);
  context.AddMetadata(kUserWatcherHeader, watcher_id_);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    current_ = &context;
  }
  auto stream = identity_->WatchUserChanges(&context);

  absl::Mutex write_mu;
  bool done = false;
  uint64_t next_ping = 0;
  // Pings in flight, oldest first: id and when it was sent.
  std::deque<std::pair<uint64_t, UserCache::Clock::time_point>> pings;
  auto send = [&](uint64_t acked_seq, bool ping) {
    absl::MutexLock lock(&write_mu);
    if (done) return;
    pb::UserChangesAck ack;
    ack.set_acked_seq(acked_seq);
    if (ping) {
      ack.set_ping(++next_ping);
      // Stamped before the write: the lease must not outlast identity's.
      pings.emplace_back(next_ping, UserCache::Clock::now());
      if (pings.size() > 64) pings.pop_front();
    }
    if (!stream->Write(ack)) done = true;
  };
  std::thread pinger([&] {
    absl::MutexLock lock(&write_mu);
    while (!done) {
      write_mu.Unlock();
      send(0, true);
      write_mu.Lock();
      write_mu.AwaitWithTimeout(absl::Condition(&done),
                                absl::FromChrono(ping_every_));
    }
  });
  bool connected = false;
  pb::UserChanges changes;
  while (stream->Read(&changes)) {
    connected = true;
    cache_->Apply(changes);
    if (changes.reset() || changes.changes_size() > 0) {
      send(changes.seq(), false);
    }
    if (changes.pong() > 0) {
      absl::MutexLock lock(&write_mu);
      while (!pings.empty() && pings.front().first < changes.pong()) {
        pings.pop_front();
      }
      if (!pings.empty() && pings.front().first == changes.pong()) {
        cache_->Renew(pings.front().second);
      }
    }
  }
  {
    absl::MutexLock lock(&write_mu);
    done = true;
  }
  pinger.join();
  {
    absl::MutexLock lock(&mu_);
    current_ = nullptr;
  }
  cache_->Revoke();
  context.TryCancel();
  (void)stream->Finish();
  return connected;
}

}  // namespace scim::edge
