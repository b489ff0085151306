#include "common/filter_eval.h"

#include <gtest/gtest.h>

#include "scim/identity/v1/identity.pb.h"

namespace scim::identity {
namespace {

using scim::common::v1::Filter;
using scim::identity::v1::User;

Filter Leaf(Filter::Op op, const std::string& attr) {
  Filter f;
  f.set_op(op);
  f.set_attribute(attr);
  return f;
}
Filter Str(Filter::Op op, const std::string& attr, const std::string& v) {
  Filter f = Leaf(op, attr);
  f.mutable_value()->set_string_value(v);
  return f;
}

User Sample() {
  User u;
  u.set_id("id-1");
  u.set_user_name("Anna@Example.com");
  u.set_external_id("Ext-1");
  u.mutable_name()->set_given_name("Anna");
  auto* work = u.add_emails();
  work->set_value("anna@work.com");
  work->set_type("work");
  auto* home = u.add_emails();
  home->set_value("anna@home.com");
  home->set_type("home");
  u.mutable_enterprise()->set_cost_center("CC-1");
  u.mutable_meta()->mutable_last_modified()->set_seconds(
      1767225600);  // 2026-01-01
  auto* cf = u.add_custom_fields();
  cf->set_field_id("FIELD_1");
  cf->set_string_value("blue");
  return u;
}

bool Eval(const Filter& f) {
  auto r = Matches(Sample(), f);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && *r;
}

TEST(FilterEvalTest, StringOperatorsIgnoreCaseExceptCaseExact) {
  EXPECT_TRUE(Eval(Str(Filter::EQ, "username", "anna@example.COM")));
  EXPECT_TRUE(Eval(Str(Filter::SW, "userName", "ANNA")));
  EXPECT_TRUE(Eval(Str(Filter::EW, "userName", ".com")));
  EXPECT_TRUE(Eval(Str(Filter::CO, "name.givenName", "nn")));
  EXPECT_FALSE(Eval(Str(Filter::EQ, "externalId", "ext-1")));
  EXPECT_TRUE(Eval(Str(Filter::EQ, "externalId", "Ext-1")));
  EXPECT_TRUE(Eval(Str(Filter::NE, "userName", "bob")));
}

TEST(FilterEvalTest, MultiValuedAndValuePaths) {
  EXPECT_TRUE(Eval(Str(Filter::EQ, "emails.value", "anna@home.com")));
  Filter work = Str(Filter::EQ, "emails", "anna@work.com");
  *work.mutable_value_filter() = Str(Filter::EQ, "type", "work");
  work.set_sub_attribute("value");
  EXPECT_TRUE(Eval(work));
  work.mutable_value()->set_string_value("anna@home.com");
  EXPECT_FALSE(Eval(work));
  Filter any;
  any.set_attribute("emails");
  *any.mutable_value_filter() = Str(Filter::EQ, "type", "home");
  EXPECT_TRUE(Eval(any));
}

TEST(FilterEvalTest, ExtensionsCustomFieldsPresenceAndDates) {
  EXPECT_TRUE(Eval(Str(
      Filter::EQ,
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
      "cc-1")));
  EXPECT_TRUE(Eval(Str(
      Filter::EQ,
      "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:FIELD_1",
      "BLUE")));
  EXPECT_TRUE(Eval(Leaf(Filter::PR, "name.givenName")));
  EXPECT_FALSE(Eval(Leaf(Filter::PR, "title")));
  EXPECT_TRUE(
      Eval(Str(Filter::GE, "meta.lastModified", "2025-12-31T00:00:00Z")));
  EXPECT_FALSE(
      Eval(Str(Filter::GT, "meta.lastModified", "2026-01-01T00:00:00.000Z")));
  Filter active = Leaf(Filter::EQ, "active");
  active.mutable_value()->set_bool_value(true);
  EXPECT_TRUE(Eval(active)) << "absent active means active";
}

TEST(FilterEvalTest, LogicalOperators) {
  Filter f;
  f.set_op(Filter::OR);
  *f.add_children() = Str(Filter::EQ, "userName", "x");
  Filter inner;
  inner.set_op(Filter::NOT);
  *inner.add_children() = Str(Filter::EQ, "userName", "y");
  *f.add_children() = inner;
  EXPECT_TRUE(Eval(f));
  f.set_op(Filter::AND);
  EXPECT_FALSE(Eval(f));
}

TEST(FilterEvalTest, UnknownAttributeIsInvalidFilter) {
  auto r = Matches(Sample(), Str(Filter::EQ, "shoeSize", "9"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("shoeSize"), std::string::npos);
  EXPECT_FALSE(Matches(Sample(), Str(Filter::EQ, "tenantId", "x")).ok());
}

}  // namespace
}  // namespace scim::identity
