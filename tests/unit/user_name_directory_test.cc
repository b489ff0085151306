#include "edge/user_name_directory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace scim::edge {
namespace {

using Page = UserNameDirectory::Page;

// identity-service's side: each tenant's names, read two at a time; with
// `block_first`, the first call waits for `release`.
struct FakeIdentity {
  absl::Mutex mu;
  std::map<std::string, std::vector<std::string>> names;
  std::atomic<bool> block_first{false};
  absl::Notification entered, release;
  int calls = 0;
  bool fail = false;

  UserNameDirectory::Loader Loader() {
    return [this](const std::string& tenant,
                  const std::string& after) -> absl::StatusOr<Page> {
      if (block_first.exchange(false)) {
        entered.Notify();
        release.WaitForNotification();
      }
      absl::MutexLock lock(&mu);
      ++calls;
      if (fail) return absl::UnavailableError("down");
      Page page;
      for (const auto& n : names[tenant]) {
        if (n > after && page.names.size() < 2) page.names.push_back(n);
      }
      page.done =
          page.names.empty() || page.names.back() == names[tenant].back();
      return page;
    };
  }
};

// Waits (up to 10 s) until `tenants` tenants have all their names in.
bool Complete(const UserNameDirectory& d, size_t tenants) {
  absl::Time end = absl::Now() + absl::Seconds(10);
  while (absl::Now() < end) {
    if (d.complete_tenants() >= tenants) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return false;
}

TEST(UserNameDirectoryTest, KnowsAbsentNamesOnlyOnceATenantIsLoaded) {
  FakeIdentity identity;
  identity.names["t"] = {"alice", "bob", "carol"};
  UserNameDirectory d(100, identity.Loader());
  EXPECT_FALSE(d.KnownAbsent("t", "zed"));
  d.Want("t");
  ASSERT_TRUE(Complete(d, 1));
  EXPECT_TRUE(d.KnownAbsent("t", "zed"));
  for (const char* n : {"alice", "bob", "carol"}) {
    EXPECT_FALSE(d.KnownAbsent("t", n)) << n;
  }
  // Another tenant knows nothing yet.
  EXPECT_FALSE(d.KnownAbsent("u", "zed"));
  // A name given later is never absent again.
  d.Add("t", "zed");
  EXPECT_FALSE(d.KnownAbsent("t", "zed"));
  // Wanting it again reads nothing more.
  int calls = identity.calls;
  d.Want("t");
  EXPECT_EQ(identity.calls, calls);
}

// Loading tenant "t" (names: alice), held before its first page is read.
struct HeldLoad {
  HeldLoad() {
    identity.names["t"] = {"alice"};
    identity.block_first = true;
    d.Want("t");
    identity.entered.WaitForNotification();
  }
  FakeIdentity identity;
  UserNameDirectory d{100, identity.Loader()};
};

TEST(UserNameDirectoryTest, NamesAddedWhileLoadingAreKept) {
  HeldLoad held;
  FakeIdentity& identity = held.identity;
  UserNameDirectory& d = held.d;
  // Committed after its page was read: only the stream brings it.
  d.Add("t", "late");
  identity.release.Notify();
  ASSERT_TRUE(Complete(d, 1));
  EXPECT_FALSE(d.KnownAbsent("t", "late"));
  EXPECT_FALSE(d.KnownAbsent("t", "alice"));
  EXPECT_TRUE(d.KnownAbsent("t", "nobody"));
}

TEST(UserNameDirectoryTest, AResetDuringALoadLeavesItIncomplete) {
  HeldLoad held;
  FakeIdentity& identity = held.identity;
  UserNameDirectory& d = held.d;
  d.Reset();
  identity.release.Notify();
  // The next load is complete; the one that saw the reset never was.
  d.Want("t");
  ASSERT_TRUE(Complete(d, 1));
  EXPECT_TRUE(d.KnownAbsent("t", "nobody"));
  d.Reset();
  EXPECT_EQ(d.complete_tenants(), 0u);
  EXPECT_FALSE(d.KnownAbsent("t", "nobody"));
}

TEST(UserNameDirectoryTest, ATenantBeyondTheLimitIsNeverComplete) {
  FakeIdentity identity;
  identity.names["big"] = {"a", "b", "c", "d"};
  identity.names["small"] = {"a"};
  UserNameDirectory d(3, identity.Loader());
  d.Want("big");
  d.Want("small");
  ASSERT_TRUE(Complete(d, 1));
  EXPECT_TRUE(d.KnownAbsent("small", "z"));
  EXPECT_FALSE(d.KnownAbsent("big", "z"));
  EXPECT_EQ(d.complete_tenants(), 1u);
  // Names added to the small one past the limit take its set away too.
  d.Add("small", "b");
  d.Add("small", "c");
  d.Add("small", "d");
  EXPECT_FALSE(d.KnownAbsent("small", "z"));
}

TEST(UserNameDirectoryTest, AFailedLoadKnowsNothing) {
  FakeIdentity identity;
  identity.names["t"] = {"alice"};
  identity.fail = true;
  UserNameDirectory d(100, identity.Loader());
  d.Want("t");
  // The failure is seen once the loader has been called; the set is gone.
  absl::Time end = absl::Now() + absl::Seconds(10);
  for (;;) {
    {
      absl::MutexLock lock(&identity.mu);
      if (identity.calls > 0) break;
    }
    ASSERT_LT(absl::Now(), end);
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_FALSE(d.KnownAbsent("t", "nobody"));
  EXPECT_EQ(d.complete_tenants(), 0u);
}

TEST(UserNameDirectoryTest, SizeZeroIsOff) {
  FakeIdentity identity;
  UserNameDirectory d(0, identity.Loader());
  d.Want("t");
  d.Add("t", "a");
  EXPECT_FALSE(d.KnownAbsent("t", "zed"));
  EXPECT_EQ(identity.calls, 0);
}

}  // namespace
}  // namespace scim::edge
