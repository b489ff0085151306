#include "identity-service/change_feed.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/string_view.h"
#include "common/user_change_headers.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {
namespace {

namespace pb = scim::identity::v1;
using grpc::experimental::InterceptionHookPoints;

// Heartbeats answer pings; a watcher pings more often than this.
constexpr absl::Duration kIdleWake = absl::Milliseconds(250);
constexpr absl::Duration kOwnChangesEvery = absl::Milliseconds(5);

// For the reply that follows: what this thread published, the last
// sequence number, and the caller's watcher.
thread_local uint64_t pending_seq = 0;
thread_local pb::UserChanges published;
thread_local std::string caller_watcher;
// Random, so a restarted identity-service is told apart from the one whose
// numbers a watcher holds; never 0, which watchers read as "unknown".
uint64_t NewIncarnation() {
  std::random_device device;
  uint64_t n = 0;
  while (n == 0) n = (uint64_t{device()} << 32) | device();
  return n;
}

// Beyond this many, a reply's trailer names whole tenants.
constexpr int kMaxTrailerChanges = 256;

// The changes of one batch, from its keys (every key starts with the tenant
// id and a NUL; a user key is tenant NUL id).
class BatchChanges : public rocksdb::WriteBatch::Handler {
 public:
  BatchChanges(uint32_t users, uint32_t groups, uint32_t tenants,
               uint32_t user_index)
      : users_(users),
        groups_(groups),
        tenants_(tenants),
        user_index_(user_index) {}

  rocksdb::Status PutCF(uint32_t family, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    if (family == user_index_) NoteUserName(key, value);
    Note(family, key, false);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t family,
                           const rocksdb::Slice& key) override {
    Note(family, key, false);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t family,
                                 const rocksdb::Slice& key) override {
    Note(family, key, false);
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t family, const rocksdb::Slice& begin,
                                const rocksdb::Slice&) override {
    Note(family, begin, true);
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t family, const rocksdb::Slice& key,
                          const rocksdb::Slice&) override {
    Note(family, key, false);
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice& blob) override {
    if (blob == rocksdb::Slice(kGroupWritesKeepRenderings)) {
      groups_keep_renderings_ = true;
    }
  }

  // The batch's changes: its users, and whole tenants where it wrote a
  // tenant, a range, or a group (unless it said that group writes keep
  // renderings).
  std::vector<pb::UserChange> Changes() {
    for (auto& [tenant, id, name] : user_names_) {
      auto same = std::find_if(
          changes_.begin(), changes_.end(), [&](const pb::UserChange& c) {
            return c.user_id() == id && c.tenant_id() == tenant;
          });
      if (same == changes_.end()) {
        same = changes_.insert(changes_.end(), pb::UserChange());
        same->set_tenant_id(tenant);
        same->set_user_id(id);
      }
      same->set_user_name(std::move(name));
    }
    if (!groups_keep_renderings_) {
      for (auto& tenant : group_tenants_) {
        pb::UserChange change;
        change.set_tenant_id(std::move(tenant));
        changes_.push_back(std::move(change));
      }
    }
    return std::move(changes_);
  }

 private:
  void Note(uint32_t family, const rocksdb::Slice& key, bool range) {
    if (family != users_ && family != groups_ && family != tenants_) return;
    absl::string_view k(key.data(), key.size());
    size_t nul = k.find('\0');
    if (family == groups_ && !range) {
      group_tenants_.insert(std::string(k.substr(0, nul)));
      return;
    }
    pb::UserChange change;
    change.set_tenant_id(std::string(k.substr(0, nul)));
    // A group's name or retirement shows in every member's rendering, and a
    // range or tenant write may touch any user: the whole tenant.
    if (family == users_ && !range && nul != absl::string_view::npos) {
      change.set_user_id(std::string(k.substr(nul + 1)));
    }
    changes_.push_back(std::move(change));
  }
  // A userName index key (its prefix, then the folded name -> user id).
  void NoteUserName(const rocksdb::Slice& key, const rocksdb::Slice& value) {
    std::string_view k(key.data(), key.size());
    std::string_view tenant = k.substr(0, k.find('\0'));
    std::string prefix = KeyPrefix({tenant, user_index::kUserName});
    if (k.substr(0, prefix.size()) != prefix) return;
    user_names_.push_back({std::string(tenant), value.ToString(),
                           std::string(k.substr(prefix.size()))});
  }
  struct UserName {
    std::string tenant, id, name;
  };
  uint32_t users_, groups_, tenants_, user_index_;
  std::vector<UserName> user_names_;
  std::vector<pb::UserChange> changes_;
  std::set<std::string> group_tenants_;
  bool groups_keep_renderings_ = false;
};

class ReplyWait : public grpc::experimental::Interceptor {
 public:
  explicit ReplyWait(ChangeFeed* feed) : feed_(feed) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kUserWatcherHeader);
      ChangeFeed::SetCaller(
          it == md->end() ? ""
                          : std::string(it->second.data(), it->second.size()));
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      feed_->BeforeReply(methods->GetSendTrailingMetadata());
    }
    methods->Proceed();
  }

 private:
  ChangeFeed* feed_;
};

class ReplyWaitFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ReplyWaitFactory(ChangeFeed* feed) : feed_(feed) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new ReplyWait(feed_);
  }

 private:
  ChangeFeed* feed_;
};

}  // namespace

ChangeFeed::ChangeFeed(uint32_t users_family, uint32_t groups_family,
                       uint32_t tenants_family, uint32_t user_index_family,
                       Options options)
    : users_family_(users_family),
      groups_family_(groups_family),
      tenants_family_(tenants_family),
      user_index_family_(user_index_family),
      options_(options),
      incarnation_(NewIncarnation()) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ChangeFeed::ReplyInterceptor() {
  return std::make_unique<ReplyWaitFactory>(this);
}

void ChangeFeed::SetCaller(std::string watcher) {
  caller_watcher = std::move(watcher);
  pending_seq = 0;
  published.Clear();
}

void ChangeFeed::Publish(const rocksdb::WriteBatch& batch) {
  BatchChanges parsed(users_family_, groups_family_, tenants_family_,
                      user_index_family_);
  if (!batch.Iterate(&parsed).ok()) return;
  std::vector<pb::UserChange> changes = parsed.Changes();
  if (changes.empty()) return;
  absl::MutexLock lock(&mu_);
  // Without watchers nothing is numbered: a trailer's changes then carry
  // seq 0, which no cache orders against anything.
  bool numbered = !watchers_.empty();
  for (auto& c : changes) {
    if (numbered) c.set_seq(seq_ + 1);
    if (!caller_watcher.empty()) *published.add_changes() = c;
    if (numbered) Append(std::move(c), caller_watcher);
  }
  if (numbered) pending_seq = seq_;
}

void ChangeFeed::Append(pb::UserChange change, const std::string& origin) {
  log_.push_back(Entry{++seq_, std::move(change), origin});
  if (log_.size() > options_.max_backlog) log_.pop_front();
}

void ChangeFeed::BeforeReply(
    std::multimap<std::string, std::string>* trailers) {
  if (published.changes_size() > 0) {
    if (published.changes_size() > kMaxTrailerChanges) {
      std::map<std::string, uint64_t> tenants;  // tenant -> its last seq
      for (const auto& c : published.changes()) {
        uint64_t& last = tenants[c.tenant_id()];
        last = std::max(last, c.seq());
      }
      published.Clear();
      for (const auto& [tenant, seq] : tenants) {
        auto* change = published.add_changes();
        change->set_tenant_id(tenant);
        change->set_seq(seq);
      }
    }
    published.set_incarnation(incarnation_);
    trailers->emplace(kUserChangesTrailer, published.SerializeAsString());
    published.Clear();
  }
  uint64_t target = pending_seq;
  pending_seq = 0;
  if (target != 0) AwaitOthers(target, caller_watcher);
}

void ChangeFeed::Trim() {
  uint64_t oldest_needed = seq_;
  for (const Watcher& w : watchers_) {
    oldest_needed = std::min(oldest_needed, w.sent_seq);
  }
  while (!log_.empty() && log_.front().seq <= oldest_needed) log_.pop_front();
}

void ChangeFeed::AwaitOthers(uint64_t target, const std::string& origin) {
  absl::MutexLock lock(&mu_);
  // The caller's own watcher gets the changes in the trailer.
  auto owes = [&](const Watcher& w) {
    return !w.cut_off && w.acked_seq < target &&
           (origin.empty() || w.id != origin);
  };
  auto all_acked = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const Watcher& w : watchers_) {
      if (owes(w)) return false;
    }
    return true;
  };
  if (mu_.AwaitWithTimeout(absl::Condition(&all_acked), options_.ack_timeout)) {
    return;
  }
  // Cut off whoever is behind, then wait until its cache can no longer be
  // used: the lease it got with its last answered ping runs out.
  absl::Time lease_end = absl::InfinitePast();
  for (Watcher& w : watchers_) {
    if (!owes(w)) continue;
    w.cut_off = true;
    w.context->TryCancel();
    lease_end = std::max(lease_end, w.last_pong + options_.lease);
  }
  std::cerr << "identity-service: a user-change watcher did not acknowledge "
               "within "
            << absl::FormatDuration(options_.ack_timeout)
            << "; cut off, the reply waits for its lease to end" << std::endl;
  while (absl::Now() < lease_end) {
    mu_.AwaitWithDeadline(absl::Condition(
                              +[](bool* b) { return *b; }, &stopped_),
                          lease_end);
    if (stopped_) break;
  }
}

grpc::Status ChangeFeed::Serve(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::UserChanges, pb::UserChangesAck>* stream) {
  std::list<Watcher>::iterator me;
  pb::UserChanges hello;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return grpc::Status(grpc::UNAVAILABLE, "shutting down");
    Watcher w;
    w.context = context;
    auto header = context->client_metadata().find(kUserWatcherHeader);
    if (header != context->client_metadata().end()) {
      w.id.assign(header->second.data(), header->second.size());
    }
    w.sent_seq = w.acked_seq = seq_;
    w.last_pong = absl::Now();
    me = watchers_.insert(watchers_.end(), w);
    hello.set_seq(seq_);
    hello.set_reset(true);
    hello.set_incarnation(incarnation_);
  }
  bool reader_done = false;
  // Acks and pings arrive while changes go out.
  std::thread reader([&] {
    pb::UserChangesAck ack;
    while (stream->Read(&ack)) {
      absl::MutexLock lock(&mu_);
      me->acked_seq = std::max(me->acked_seq, ack.acked_seq());
      me->ping = std::max(me->ping, ack.ping());
    }
    absl::MutexLock lock(&mu_);
    reader_done = true;
  });
  bool ok = stream->Write(hello);
  while (ok) {
    pb::UserChanges out;
    {
      absl::MutexLock lock(&mu_);
      // Changes someone waits for go at once; the watcher's own (already in
      // its trailers, so nobody waits) at most every kOwnChangesEvery, as
      // one message: they only back the trailers up, should one be lost.
      auto others_pending = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        if (me->id.empty()) return seq_ > me->sent_seq;
        for (auto it = log_.rbegin(); it != log_.rend(); ++it) {
          if (it->seq <= me->sent_seq) break;
          if (it->origin != me->id) return true;
        }
        return false;
      };
      auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopped_ || reader_done || me->cut_off ||
               me->ping > me->ponged ||
               (seq_ > me->sent_seq &&
                (others_pending() ||
                 absl::Now() >= me->last_sent + kOwnChangesEvery));
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready),
                           seq_ > me->sent_seq ? kOwnChangesEvery : kIdleWake);
      if (stopped_ || reader_done || me->cut_off || context->IsCancelled()) {
        break;
      }
      if (!ready()) continue;
      if (seq_ > me->sent_seq) {
        uint64_t first = log_.empty() ? seq_ + 1 : log_.front().seq;
        if (me->sent_seq + 1 < first) {
          out.set_reset(true);  // what it missed is gone from the log
        } else {
          for (auto it = log_.begin() + (me->sent_seq + 1 - first);
               it != log_.end(); ++it) {
            *out.add_changes() = it->change;
          }
        }
        me->sent_seq = seq_;
        me->last_sent = absl::Now();
        Trim();
      }
      out.set_seq(me->sent_seq);
      out.set_incarnation(incarnation_);
      if (me->ping > me->ponged) {
        me->ponged = me->ping;
        me->last_pong = absl::Now();
      }
      out.set_pong(me->ponged);
    }
    ok = stream->Write(out);
  }
  context->TryCancel();
  reader.join();
  absl::MutexLock lock(&mu_);
  watchers_.erase(me);
  Trim();
  return grpc::Status::OK;
}

void ChangeFeed::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

}  // namespace scim::identity
