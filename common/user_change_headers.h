#ifndef SCIM_COMMON_USER_CHANGE_HEADERS_H_
#define SCIM_COMMON_USER_CHANGE_HEADERS_H_

namespace scim {

// Metadata between the edge's user cache and identity-service's change feed
// (proto: IdentityService.WatchUserChanges). A call carrying the watcher
// header gets what it changed back in the trailer (a serialized
// UserChanges) instead of on that watcher's stream.
inline constexpr char kUserWatcherHeader[] = "x-scim-user-watcher";
inline constexpr char kUserChangesTrailer[] = "x-scim-user-changes-bin";

}  // namespace scim

#endif  // SCIM_COMMON_USER_CHANGE_HEADERS_H_
