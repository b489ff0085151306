#include "identity-service/locations.h"

#include <gtest/gtest.h>

namespace scim::identity {
namespace {

namespace pb = scim::identity::v1;

pb::LocationRule Rule(pb::LocationRule::Attribute a,
                      pb::LocationRule::Operator op, const std::string& v) {
  pb::LocationRule r;
  r.set_attribute(a);
  r.set_operator_(op);
  r.set_value(v);
  return r;
}

pb::User User(const std::string& city, const std::string& language) {
  pb::User u;
  auto* home = u.add_addresses();
  home->set_type("home");
  home->set_locality("Nowhere");
  auto* work = u.add_addresses();
  work->set_type("work");
  work->set_locality(city);
  u.set_preferred_language(language);
  return u;
}

TEST(LocationsTest, EachOperatorIgnoringCase) {
  pb::Tenant t;
  auto* eq = t.add_locations();
  eq->set_name("London");
  *eq->add_rules() =
      Rule(pb::LocationRule::LOCALITY, pb::LocationRule::EQUALS, "london");
  auto* co = t.add_locations();
  co->set_name("Paris area");
  *co->add_rules() =
      Rule(pb::LocationRule::LOCALITY, pb::LocationRule::CONTAINS, "PARIS");
  auto* nc = t.add_locations();
  nc->set_name("Not French");
  *nc->add_rules() = Rule(pb::LocationRule::PREFERRED_LANGUAGE,
                          pb::LocationRule::NOT_CONTAINS, "fr");

  pb::User london = User("London", "en");
  ComputeLocations(t, &london);
  EXPECT_EQ(std::vector<std::string>(london.locations().begin(),
                                     london.locations().end()),
            (std::vector<std::string>{"London", "Not French"}));
  pb::User paris = User("Greater Paris", "FR");
  ComputeLocations(t, &paris);
  EXPECT_EQ(std::vector<std::string>(paris.locations().begin(),
                                     paris.locations().end()),
            (std::vector<std::string>{"Paris area"}));
}

TEST(LocationsTest, AllOrAnyAndNoRules) {
  pb::Tenant t;
  auto* all = t.add_locations();
  all->set_name("Both");
  all->set_match_all(true);
  *all->add_rules() =
      Rule(pb::LocationRule::LOCALITY, pb::LocationRule::EQUALS, "Gent");
  *all->add_rules() = Rule(pb::LocationRule::PREFERRED_LANGUAGE,
                           pb::LocationRule::EQUALS, "nl");
  auto* any = t.add_locations();
  any->set_name("Either");
  *any->add_rules() =
      Rule(pb::LocationRule::LOCALITY, pb::LocationRule::EQUALS, "Gent");
  *any->add_rules() = Rule(pb::LocationRule::PREFERRED_LANGUAGE,
                           pb::LocationRule::EQUALS, "nl");
  t.add_locations()->set_name("Everyone");

  pb::User both = User("Gent", "nl");
  ComputeLocations(t, &both);
  EXPECT_EQ(both.locations_size(), 3);
  pb::User one = User("Gent", "fr");
  ComputeLocations(t, &one);
  EXPECT_EQ(one.locations_size(), 2);
  EXPECT_EQ(one.locations(0), "Either");
  pb::User none = User("Oslo", "no");
  ComputeLocations(t, &none);
  ASSERT_EQ(none.locations_size(), 1);
  EXPECT_EQ(none.locations(0), "Everyone");
}

TEST(LocationsTest, HomeIsTheFirstLocationWhoseHomeRulesMatch) {
  pb::Tenant t;
  auto* hq = t.add_locations();
  hq->set_name("HQ");
  auto* branch = t.add_locations();
  branch->set_name("Branch");
  *branch->add_home_rules() =
      Rule(pb::LocationRule::LOCALITY, pb::LocationRule::EQUALS, "Leeds");
  pb::User leeds = User("Leeds", "en");
  ComputeLocations(t, &leeds);
  EXPECT_EQ(leeds.home_location(), "Branch");
  pb::User york = User("York", "en");
  ComputeLocations(t, &york);
  EXPECT_EQ(york.home_location(), "");
  EXPECT_EQ(york.locations_size(), 2);
}

TEST(LocationsTest, ValidationNamesWhatIsMissing) {
  pb::Location l;
  EXPECT_FALSE(ValidateLocation(l).ok());
  l.set_name("X");
  EXPECT_TRUE(ValidateLocation(l).ok());
  l.add_rules()->set_value("London");
  EXPECT_FALSE(ValidateLocation(l).ok());
}

}  // namespace
}  // namespace scim::identity
