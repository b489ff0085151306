#ifndef SCIM_EDGE_USER_NAME_DIRECTORY_H_
#define SCIM_EDGE_USER_NAME_DIRECTORY_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace scim::edge {

// Every userName a tenant may have (folded as identity-service's index keys
// them), so that the lookup every IdP sends before creating a user, for a
// userName nobody has yet, is answered without asking identity-service.
//
// A tenant's names are loaded once, a page at a time, in the background;
// meanwhile, and from the moment loading starts, the change stream adds
// every userName a write gives a user (UserChange.user_name), and this
// edge's own write replies add theirs. A name is only ever added, never
// removed (a deleted or renamed user's old name stays): the set may hold
// names no user has, whose lookups then ask identity-service as before, but
// never misses one a user has. Any name committed after its page was read
// was published after loading started, so it reaches the set by the stream.
// A reset of the stream (a restart of identity-service, or changes this
// edge fell too far behind to get one by one) forgets every set.
class UserNameDirectory {
 public:
  struct Page {
    std::vector<std::string> names;
    bool done = false;
  };
  // Reads the page of `tenant`'s folded names after `after`.
  using Loader = std::function<absl::StatusOr<Page>(const std::string& tenant,
                                                    const std::string& after)>;
  // At most `max_names` names in all sets (a tenant that would go beyond
  // gets none); 0 turns the directory off.
  UserNameDirectory(size_t max_names, Loader loader);
  ~UserNameDirectory();

  // Whether no user of `tenant` has the folded userName `name`: only once
  // the tenant's names are all in.
  bool KnownAbsent(const std::string& tenant, const std::string& name) const;
  // Starts loading `tenant`'s names unless they are in or on their way.
  void Want(const std::string& tenant);
  // A userName some user of `tenant` now has (empty: none).
  void Add(const std::string& tenant, const std::string& name);
  // Forgets every set: changes may have been missed.
  void Reset();

  // Tenants whose names are all in (for tests).
  size_t complete_tenants() const;

 private:
  struct Names {
    absl::flat_hash_set<std::string> names;
    bool complete = false;
  };
  void Run();
  // Loads one tenant; false when it was not completed.
  bool Load(const std::string& tenant);
  void AddLocked(const std::string& tenant, Names* names,
                 const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_names_;
  const Loader loader_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Names> tenants_ ABSL_GUARDED_BY(mu_);
  size_t total_ ABSL_GUARDED_BY(mu_) = 0;
  // Counts resets: a load that saw one finishes into nothing.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Tenants that went beyond max_names_, not loaded again until a reset.
  absl::flat_hash_set<std::string> too_large_ ABSL_GUARDED_BY(mu_);
  // Tenants whose load failed, and when one may be tried again.
  absl::flat_hash_map<std::string, absl::Time> failed_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> wanted_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_USER_NAME_DIRECTORY_H_
