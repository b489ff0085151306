#include "identity-service/user_rules.h"

#include <gtest/gtest.h>

#include "common/status_map.h"

namespace scim::identity {
namespace {

namespace pb = scim::identity::v1;

pb::Tenant WithPolicies(
    std::initializer_list<std::pair<const char*, const char*>> policies) {
  pb::Tenant t;
  for (const auto& [k, v] : policies) (*t.mutable_policies())[k] = v;
  return t;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(UserRulesTest, GenderIsNormalisedDefaultedOrRefused) {
  pb::Tenant t = WithPolicies({{"default_gender", "Mrs"}});
  pb::User u;
  u.mutable_citycity()->set_gender("mS");
  ASSERT_TRUE(ApplyTenantRules(t, &u).ok());
  EXPECT_EQ(u.citycity().gender(), "Ms");
  pb::User none;
  ASSERT_TRUE(ApplyTenantRules(t, &none).ok());
  EXPECT_EQ(none.citycity().gender(), "Mrs");
  pb::User bad;
  bad.mutable_citycity()->set_gender("Sir");
  absl::Status s = ApplyTenantRules(t, &bad);
  EXPECT_EQ(ScimTypeOf(s), "invalidValue");
  EXPECT_NE(Message(s).find("'Sir'"), std::string::npos);
}

TEST(UserRulesTest, UserNameMustBeTheWorkEmail) {
  pb::Tenant t = WithPolicies({{"username_is_email", "true"}});
  pb::User u;
  u.set_user_name("A@example.com");
  auto* home = u.add_emails();
  home->set_value("home@example.com");
  home->set_type("home");
  home->set_primary(true);
  auto* work = u.add_emails();
  work->set_value("a@example.com");
  work->set_type("work");
  EXPECT_TRUE(ApplyTenantRules(t, &u).ok());
  work->set_value("b@example.com");
  EXPECT_FALSE(ApplyTenantRules(t, &u).ok());
  pb::User no_email;
  no_email.set_user_name("x");
  EXPECT_FALSE(ApplyTenantRules(t, &no_email).ok());
}

TEST(UserRulesTest, PhonesMustBeE164AndMobilesMobile) {
  pb::Tenant t = WithPolicies({{"phone_validation", "e164-mobile"}});
  pb::User u;
  auto* mobile = u.add_phone_numbers();
  mobile->set_value("+44 7400 123456");
  mobile->set_type("mobile");
  EXPECT_TRUE(ApplyTenantRules(t, &u).ok());
  EXPECT_EQ(u.phone_numbers(0).value(), "+44 7400 123456");
  mobile->set_value("+441212345678");
  EXPECT_NE(Message(ApplyTenantRules(t, &u)).find("not a mobile"),
            std::string::npos);
  mobile->set_type("work");
  EXPECT_TRUE(ApplyTenantRules(t, &u).ok());
  mobile->set_value("01212345678");
  EXPECT_NE(Message(ApplyTenantRules(t, &u)).find("E.164"), std::string::npos);
  pb::Tenant e164 = WithPolicies({{"phone_validation", "e164"}});
  mobile->set_value("+441212345678");
  mobile->set_type("mobile");
  EXPECT_TRUE(ApplyTenantRules(e164, &u).ok());
}

TEST(UserRulesTest, LanguageOutsideTheListBecomesTheDefault) {
  pb::Tenant t =
      WithPolicies({{"languages", "de, en,fr"}, {"default_language", "de"}});
  pb::User u;
  u.set_preferred_language("EN");
  ASSERT_TRUE(ApplyTenantRules(t, &u).ok());
  EXPECT_EQ(u.preferred_language(), "EN");
  u.set_preferred_language("London");
  ASSERT_TRUE(ApplyTenantRules(t, &u).ok());
  EXPECT_EQ(u.preferred_language(), "de");
  pb::User any;
  any.set_preferred_language("xx");
  ASSERT_TRUE(ApplyTenantRules(pb::Tenant(), &any).ok());
  EXPECT_EQ(any.preferred_language(), "xx");
}

TEST(UserRulesTest, CustomFieldsAreTheTenantsOwnAndTyped) {
  pb::Tenant t;
  auto* cost = t.add_custom_fields();
  cost->set_id("COST-1");
  cost->set_type(pb::CustomFieldDef::STRING);
  cost->set_required(true);
  auto* start = t.add_custom_fields();
  start->set_id("Start");
  start->set_type(pb::CustomFieldDef::DATE);

  pb::User u;
  auto* v = u.add_custom_fields();
  v->set_field_id("cost-1");
  v->set_string_value("CC");
  auto* d = u.add_custom_fields();
  d->set_field_id("start");
  d->set_string_value("2024-02-29");
  ASSERT_TRUE(ApplyTenantRules(t, &u).ok());
  EXPECT_EQ(u.custom_fields(0).field_id(), "COST-1");
  EXPECT_EQ(u.custom_fields(1).date_value(), "2024-02-29");
  d->set_date_value("2026-02-29");
  EXPECT_FALSE(ApplyTenantRules(t, &u).ok());

  d->set_string_value("tomorrow");
  EXPECT_NE(Message(ApplyTenantRules(t, &u)).find("Start is a date field"),
            std::string::npos);
  d->set_date_value("2026-01-01");
  v->set_number_value(3);
  EXPECT_NE(Message(ApplyTenantRules(t, &u)).find("COST-1 is a string field"),
            std::string::npos);
  pb::User missing;
  EXPECT_NE(Message(ApplyTenantRules(t, &missing)).find("COST-1 is required"),
            std::string::npos);
  v->set_string_value("CC");
  pb::User unknown = u;
  unknown.add_custom_fields()->set_field_id("Shoe");
  EXPECT_NE(Message(ApplyTenantRules(t, &unknown))
                .find("its fields are COST-1, Start"),
            std::string::npos);
}

}  // namespace
}  // namespace scim::identity
