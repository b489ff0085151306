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

}  // namespace
}  // namespace scim::edge
