#ifndef SCIM_IDENTITY_SERVICE_CONSISTENCY_H_
#define SCIM_IDENTITY_SERVICE_CONSISTENCY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/rocks_db.h"

namespace scim::identity {

// What a consistency check found. Every write is one WriteBatch, so after a
// crash (kill -9, power loss) all of these should be zero; a non-zero count
// means a bug or a damaged database, and the check names the keys.
struct ConsistencyReport {
  int64_t users_checked = 0;
  int64_t index_entries_checked = 0;
  int64_t membership_entries_checked = 0;
  // user_index entries whose user is gone, or whose user no longer owns the
  // key (a stale userName, externalId or email).
  int64_t dangling_index_entries = 0;
  // Index keys a user should own (UserStore::IndexKeys) that are absent or
  // point at another user.
  int64_t missing_index_entries = 0;
  // memberships entries whose user is gone or whose User.groups does not
  // list the group.
  int64_t dangling_memberships = 0;
  // User.groups elements without their memberships entry.
  int64_t missing_memberships = 0;
  int64_t repaired = 0;
  // The first kMaxProblemsShown problems, one line each.
  std::vector<std::string> problems;

  int64_t problem_count() const {
    return dangling_index_entries + missing_index_entries +
           dangling_memberships + missing_memberships;
  }
  // One line for the start-up log and scimctl.
  std::string Summary() const;
};

struct ConsistencyOptions {
  // A tenant id; empty checks every tenant.
  std::string tenant_id;
  // Fix what is found. Entries whose user no longer exists are always safe
  // to delete (user ids are never reused, and a dangling userName entry
  // blocks that userName until it goes). Everything else is only repaired
  // when `exclusive`.
  bool repair = false;
  // Nobody else writes meanwhile (start-up, before the server listens), so
  // stale entries may be deleted and missing ones rebuilt from the user
  // record, which is the source of truth.
  bool exclusive = false;
};

inline constexpr size_t kMaxProblemsShown = 100;

// Scans users, user_index and memberships of identity-service's database at
// one snapshot, so concurrent writers never show up as false problems.
absl::StatusOr<ConsistencyReport> CheckConsistency(
    RocksDb* db, const ConsistencyOptions& options);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_CONSISTENCY_H_
