#ifndef SCIM_IDENTITY_SERVICE_CHANGE_FEED_H_
#define SCIM_IDENTITY_SERVICE_CHANGE_FEED_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/sync_stream.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "scim/identity/v1/identity.grpc.pb.h"

namespace scim::identity {

// Tells watchers (the edge's user caches) which rendered users changed, and
// holds each RPC's reply until every watcher has applied the changes the
// RPC wrote: a caller that got its reply and then reads through any edge
// never gets the cached copy from before its write.
//
// A watcher that does not acknowledge within `ack_timeout` is cut off, and
// the reply waits until that watcher's lease has run out too (its cache is
// used only while its last answered ping is younger than `lease`), so a
// watcher that is slow or unreachable never serves what a reply outdated.
class ChangeFeed {
 public:
  struct Options {
    absl::Duration ack_timeout = absl::Milliseconds(500);
    absl::Duration lease = absl::Seconds(2);
    // Changes kept for a watcher that is behind; beyond, it gets a reset.
    size_t max_backlog = 100000;
  };
  // The ids of the column families whose keys GetUser's rendering reads,
  // and of the user index (whose userName keys changes carry).
  ChangeFeed(uint32_t users_family, uint32_t groups_family,
             uint32_t tenants_family, uint32_t user_index_family,
             Options options);
  ChangeFeed(uint32_t users_family, uint32_t groups_family,
             uint32_t tenants_family, uint32_t user_index_family)
      : ChangeFeed(users_family, groups_family, tenants_family,
                   user_index_family, Options()) {}

  // A committed batch (RocksDb's write observer): its changes are queued
  // for the watchers, and the calling thread's reply will wait for them.
  void Publish(const rocksdb::WriteBatch& batch);
  // Before a reply is sent (the interceptor): what this thread published
  // goes into the reply's trailer when the caller named its watcher, and
  // the reply waits until every other watcher applied it (at most
  // ack_timeout + lease).
  void BeforeReply(std::multimap<std::string, std::string>* trailers);
  // The caller's watcher (its header), for what this thread publishes next.
  static void SetCaller(std::string watcher);

  // The WatchUserChanges call, until the watcher goes or Stop.
  grpc::Status Serve(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::UserChanges, v1::UserChangesAck>* stream);
  // Ends every Serve (before the server shuts down, so it need not wait).
  void Stop();

  // Runs SetCaller and BeforeReply around every RPC.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  ReplyInterceptor();

 private:
  struct Watcher {
    grpc::ServerContext* context = nullptr;
    std::string id;  // its header; changes it made reach it in trailers
    uint64_t sent_seq = 0;
    uint64_t acked_seq = 0;
    uint64_t ping = 0;     // last ping received
    uint64_t ponged = 0;   // last ping answered
    absl::Time last_pong;  // when it was answered
    absl::Time last_sent;  // changes, last
    bool cut_off = false;
  };
  struct Entry {
    uint64_t seq;
    v1::UserChange change;
    std::string origin;
  };

  void Append(v1::UserChange change, const std::string& origin)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AwaitOthers(uint64_t target, const std::string& origin);
  void Trim() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const uint32_t users_family_, groups_family_, tenants_family_,
      user_index_family_;
  const Options options_;
  const uint64_t incarnation_;
  absl::Mutex mu_;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  // Changes with seq in (seq_ - log_.size(), seq_], oldest first.
  std::deque<Entry> log_ ABSL_GUARDED_BY(mu_);
  std::list<Watcher> watchers_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_CHANGE_FEED_H_
