#include "edge/user_cache.h"

#include <gtest/gtest.h>

namespace scim::edge {
namespace {

namespace pb = scim::identity::v1;
using Clock = UserCache::Clock;

pb::User NewUser(const std::string& id, const std::string& title) {
  pb::User u;
  u.set_id(id);
  u.set_title(title);
  return u;
}

pb::UserChanges Change(const std::string& tenant, const std::string& id) {
  pb::UserChanges c;
  auto* change = c.add_changes();
  change->set_tenant_id(tenant);
  change->set_user_id(id);
  return c;
}

TEST(UserCacheTest, NothingIsServedWithoutALease) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Fill(cache.FillTicket(), "t", NewUser("a", "x"));
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  cache.Renew(Clock::now());
  cache.Fill(cache.FillTicket(), "t", NewUser("a", "x"));
  ASSERT_NE(cache.Find("t", "a"), nullptr);
  EXPECT_EQ(cache.Find("t", "a")->title(), "x");
  EXPECT_EQ(cache.Find("other", "a"), nullptr);
  cache.Revoke();
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
}

TEST(UserCacheTest, AnExpiredLeaseServesNothing) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now() - std::chrono::seconds(6));
  cache.Fill(cache.FillTicket(), "t", NewUser("a", "x"));
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
}

TEST(UserCacheTest, AFetchThatRacedAChangeIsNotKept) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  uint64_t ticket = cache.FillTicket();
  cache.Apply(Change("t", "someone-else"));
  cache.Fill(ticket, "t", NewUser("a", "old"));
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
}

TEST(UserCacheTest, ChangesDropOneUserOrAWholeTenant) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  for (const char* id : {"a", "b"}) {
    cache.Fill(cache.FillTicket(), "t", NewUser(id, "x"));
  }
  cache.Fill(cache.FillTicket(), "u", NewUser("a", "x"));
  cache.Apply(Change("t", "a"));
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  EXPECT_NE(cache.Find("t", "b"), nullptr);
  cache.Apply(Change("t", ""));
  EXPECT_EQ(cache.Find("t", "b"), nullptr);
  EXPECT_NE(cache.Find("u", "a"), nullptr);
  pb::UserChanges reset;
  reset.set_reset(true);
  cache.Apply(reset);
  EXPECT_EQ(cache.Find("u", "a"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(UserCacheTest, ARenderingIsKeptOnlyForTheVersionCached) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  pb::User user = NewUser("a", "x");
  user.mutable_meta()->set_version(3);
  cache.Fill(cache.FillTicket(), "t", user);
  cache.StoreRendered("t", "a", {"https://h/Users/a", 2, "old"});
  EXPECT_EQ(cache.FindRendered("t", "a", "https://h/Users/a"), nullptr);
  cache.StoreRendered("t", "a", {"https://h/Users/a", 3, "{}"});
  auto hit = cache.FindRendered("t", "a", "https://h/Users/a");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body, "{}");
  // Rendered for another base URL: not this one's.
  EXPECT_EQ(cache.FindRendered("t", "a", "https://other/Users/a"), nullptr);
  cache.Apply(Change("t", "a"));
  EXPECT_EQ(cache.FindRendered("t", "a", "https://h/Users/a"), nullptr);
}

TEST(UserCacheTest, StaysWithinItsCapacity) {
  UserCache cache(3, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  for (int i = 0; i < 10; ++i) {
    cache.Fill(cache.FillTicket(), "t", NewUser(std::to_string(i), "x"));
    EXPECT_LE(cache.size(), 3u);
  }
  EXPECT_NE(cache.Find("t", "9"), nullptr);
}

// What the stream's first message says: feed `incarnation`, at `seq`.
pb::UserChanges Reset(uint64_t incarnation, uint64_t seq) {
  pb::UserChanges c;
  c.set_reset(true);
  c.set_incarnation(incarnation);
  c.set_seq(seq);
  return c;
}

// One numbered change (a user, or the whole tenant when `id` is empty).
pb::UserChanges Numbered(const std::string& tenant, const std::string& id,
                         uint64_t seq, uint64_t incarnation = 7) {
  pb::UserChanges c = Change(tenant, id);
  c.mutable_changes(0)->set_seq(seq);
  c.set_incarnation(incarnation);
  c.set_seq(seq);
  return c;
}

// A write through this edge: its trailer, then the reply kept.
void Written(UserCache& cache, const std::string& id, const std::string& title,
             uint64_t seq) {
  cache.Apply(Numbered("t", id, seq));
  cache.FillWritten(7, seq, "t", NewUser(id, title));
}

TEST(UserCacheTest, AWritesReplyOutlivesTheStreamsCopyOfItsChangeOnly) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.Apply(Reset(7, 10));
  Written(cache, "a", "mine", 11);
  ASSERT_NE(cache.Find("t", "a"), nullptr);
  EXPECT_EQ(cache.Find("t", "a")->title(), "mine");
  cache.Apply(Numbered("t", "a", 11));  // the backstop of the same change
  ASSERT_NE(cache.Find("t", "a"), nullptr);
  cache.Apply(Numbered("t", "a", 12));  // a later write, by anyone
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
}

TEST(UserCacheTest, AReplyOvertakenByALaterChangeIsNotKept) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.Apply(Reset(7, 10));
  // Another edge's write (12) reached the stream before this edge's reply
  // to an earlier write (11) came back.
  cache.Apply(Numbered("t", "a", 12));
  Written(cache, "a", "older", 11);
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  // A later change to the whole tenant overtakes it just as well.
  cache.Apply(Numbered("t", "", 20));
  Written(cache, "b", "older", 15);
  EXPECT_EQ(cache.Find("t", "b"), nullptr);
  Written(cache, "b", "newer", 21);
  EXPECT_NE(cache.Find("t", "b"), nullptr);
}

TEST(UserCacheTest, RepliesOrderedByNoKnownFeedAreNotKept) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.FillWritten(7, 11, "t", NewUser("a", "x"));  // before any reset
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  cache.Apply(Reset(7, 10));
  cache.FillWritten(8, 11, "t", NewUser("a", "x"));  // another incarnation
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  cache.FillWritten(7, 10, "t", NewUser("a", "x"));  // not after the reset
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  cache.FillWritten(7, 0, "t", NewUser("a", "x"));  // unnumbered
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  UserCache no_lease(10, std::chrono::seconds(5));
  no_lease.Apply(Reset(7, 10));
  no_lease.FillWritten(7, 11, "t", NewUser("a", "x"));
  no_lease.Renew(Clock::now());
  EXPECT_EQ(no_lease.Find("t", "a"), nullptr);
}

TEST(UserCacheTest, ChangesWithoutAnOrderDropWrittenCopies) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.Apply(Reset(7, 10));
  Written(cache, "a", "x", 11);
  Written(cache, "b", "x", 12);
  cache.Apply(Change("t", "a"));  // no number
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  cache.Apply(Numbered("t", "b", 12, 9));  // another feed's number
  EXPECT_EQ(cache.Find("t", "b"), nullptr);
}

TEST(UserCacheTest, ATenantWideChangeKeepsOnlyNewerCopies) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.Apply(Reset(7, 10));
  Written(cache, "a", "x", 11);
  Written(cache, "b", "x", 13);
  cache.Fill(cache.FillTicket(), "t", NewUser("c", "fetched"));
  cache.Apply(Numbered("t", "", 12));
  EXPECT_EQ(cache.Find("t", "a"), nullptr);
  EXPECT_NE(cache.Find("t", "b"), nullptr);
  EXPECT_EQ(cache.Find("t", "c"), nullptr);
  EXPECT_EQ(cache.size(), 1u);
  // A new stream (a reset) starts over: nothing kept, numbers anew.
  cache.Apply(Reset(9, 3));
  EXPECT_EQ(cache.size(), 0u);
  cache.Apply(Numbered("t", "a", 4, 9));
  cache.FillWritten(9, 4, "t", NewUser("a", "y"));
  EXPECT_NE(cache.Find("t", "a"), nullptr);
}

TEST(UserCacheTest, EvictsAnotherUserBeyondCapacity) {
  UserCache cache(3, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  for (const char* id : {"a", "b", "c"}) {
    cache.Fill(cache.FillTicket(), "t", NewUser(id, "x"));
  }
  cache.Fill(cache.FillTicket(), "t", NewUser("d", "x"));
  EXPECT_EQ(cache.size(), 3u);
  // The user just filled stays; one of the others went.
  EXPECT_NE(cache.Find("t", "d"), nullptr);
  int kept = 0;
  std::string gone;
  for (const char* id : {"a", "b", "c"}) {
    if (cache.Find("t", id) != nullptr) {
      ++kept;
    } else {
      gone = id;
    }
  }
  EXPECT_EQ(kept, 2);
  // Dropped users free their place: nothing else is evicted for them.
  std::string dropped = gone == "a" ? "b" : "a";
  cache.Apply(Change("t", dropped));
  cache.Fill(cache.FillTicket(), "t", NewUser("e", "x"));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_NE(cache.Find("t", "d"), nullptr);
  EXPECT_NE(cache.Find("t", "e"), nullptr);
  // Many refills of one user never grow past capacity.
  for (int i = 0; i < 5000; ++i) {
    cache.Fill(cache.FillTicket(), "t", NewUser("a", std::to_string(i)));
  }
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Find("t", "a")->title(), "4999");
}

// An IdP's cycle over a tenant larger than the cache: for each user in the
// same order every time, a lookup (kept when it misses), then a write (its
// reply kept). Evicting the oldest fill, every lookup missed.
TEST(UserCacheTest, ACycleOverMoreUsersThanItHoldsMostlyHits) {
  constexpr int kCapacity = 1000, kUsers = 1127;
  UserCache cache(kCapacity, std::chrono::seconds(60));
  cache.Apply(Reset(7, 0));
  cache.Renew(Clock::now());
  uint64_t seq = 0;
  auto write = [&](int i) { Written(cache, std::to_string(i), "x", ++seq); };
  for (int i = 0; i < kUsers; ++i) write(i);  // the initial cycle's creates
  int hits = 0;
  for (int i = 0; i < kUsers; ++i) {
    std::string id = std::to_string(i);
    if (cache.Find("t", id) != nullptr) {
      ++hits;
    } else {
      cache.Fill(cache.FillTicket(), "t", NewUser(id, "x"));
    }
    write(i);
  }
  EXPECT_LE(cache.size(), static_cast<size_t>(kCapacity));
  // About 80% at random; the bound leaves room for any seed.
  EXPECT_GT(hits, kUsers / 2);
}

pb::User Named(const std::string& id, const std::string& user_name) {
  pb::User u = NewUser(id, "x");
  u.set_user_name(user_name);
  return u;
}

TEST(UserCacheTest, FindsCachedUsersByUserNameIgnoringCase) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.Fill(cache.FillTicket(), "t", Named("a", "Ann@Example.com"));
  EXPECT_EQ(cache.FindIdByUserName("t", "ann@example.COM"), "a");
  EXPECT_EQ(cache.FindIdByUserName("other", "ann@example.com"), "");
  EXPECT_EQ(cache.FindIdByUserName("t", "ann"), "");
  UserCache no_lease(10, std::chrono::seconds(5));
  no_lease.Fill(no_lease.FillTicket(), "t", Named("a", "ann"));
  EXPECT_EQ(no_lease.FindIdByUserName("t", "ann"), "");
  cache.Revoke();
  EXPECT_EQ(cache.FindIdByUserName("t", "ann@example.com"), "");
}

TEST(UserCacheTest, AUserNameFollowsRenamesAndDrops) {
  UserCache cache(10, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  cache.Apply(Reset(7, 10));
  cache.Fill(cache.FillTicket(), "t", Named("a", "ann"));
  // Renamed by this edge's write: the old name is nobody's here any more.
  cache.Apply(Numbered("t", "a", 11));
  cache.FillWritten(7, 11, "t", Named("a", "anna"));
  EXPECT_EQ(cache.FindIdByUserName("t", "ann"), "");
  EXPECT_EQ(cache.FindIdByUserName("t", "anna"), "a");
  // Another user takes the old name, then a's drop leaves it theirs.
  cache.Fill(cache.FillTicket(), "t", Named("b", "ann"));
  cache.Fill(cache.FillTicket(), "t", Named("c", "anna"));
  EXPECT_EQ(cache.FindIdByUserName("t", "anna"), "c");
  cache.Apply(Change("t", "a"));
  EXPECT_EQ(cache.FindIdByUserName("t", "anna"), "c");
  EXPECT_EQ(cache.FindIdByUserName("t", "ann"), "b");
  cache.Apply(Change("t", "b"));
  EXPECT_EQ(cache.FindIdByUserName("t", "ann"), "");
  // A tenant-wide change forgets the names of the users it drops only.
  cache.FillWritten(7, 13, "t", Named("d", "dan"));
  cache.Apply(Numbered("t", "", 12));
  EXPECT_EQ(cache.FindIdByUserName("t", "anna"), "");
  EXPECT_EQ(cache.FindIdByUserName("t", "dan"), "d");
  cache.Apply(Reset(7, 20));
  EXPECT_EQ(cache.FindIdByUserName("t", "dan"), "");
}

TEST(UserCacheTest, AnEvictedUserIsNotFoundByName) {
  UserCache cache(2, std::chrono::seconds(5));
  cache.Renew(Clock::now());
  for (const char* id : {"a", "b", "c"}) {
    cache.Fill(cache.FillTicket(), "t", Named(id, std::string("n-") + id));
  }
  int found = 0;
  for (const char* id : {"a", "b", "c"}) {
    std::string by_name = cache.FindIdByUserName("t", std::string("n-") + id);
    // Found by name exactly while it is cached.
    EXPECT_EQ(by_name.empty(), cache.Find("t", id) == nullptr) << id;
    if (!by_name.empty()) {
      EXPECT_EQ(by_name, id);
      ++found;
    }
  }
  EXPECT_EQ(found, 2);
  EXPECT_EQ(cache.FindIdByUserName("t", "n-c"), "c");
}

}  // namespace
}  // namespace scim::edge
