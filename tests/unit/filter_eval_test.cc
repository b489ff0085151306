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

Filter Num(Filter::Op op, const std::string& attr, double v) {
  Filter f = Leaf(op, attr);
  f.mutable_value()->set_number_value(v);
  return f;
}
Filter Bool(Filter::Op op, const std::string& attr, bool v) {
  Filter f = Leaf(op, attr);
  f.mutable_value()->set_bool_value(v);
  return f;
}
Filter Null(Filter::Op op, const std::string& attr) {
  Filter f = Leaf(op, attr);
  f.mutable_value()->set_null_value(true);
  return f;
}
Filter Not(const Filter& inner) {
  Filter f;
  f.set_op(Filter::NOT);
  *f.add_children() = inner;
  return f;
}
Filter And(const Filter& a, const Filter& b) {
  Filter f;
  f.set_op(Filter::AND);
  *f.add_children() = a;
  *f.add_children() = b;
  return f;
}

bool Is(const User& u, const Filter& f) {
  auto r = Matches(u, f);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && *r;
}

std::string ErrorOf(const User& u, const Filter& f) {
  auto r = Matches(u, f);
  EXPECT_FALSE(r.ok()) << "expected invalidFilter";
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(FilterEvalTest, PresenceOfComplexAttributesWithoutValue) {
  User u = Sample();
  u.add_addresses()->set_locality("Leeds");
  EXPECT_TRUE(Is(u, Leaf(Filter::PR, "name")));
  EXPECT_TRUE(Is(u, Leaf(Filter::PR, "addresses")));
  EXPECT_TRUE(Is(u, Leaf(Filter::PR, "emails")));
  EXPECT_TRUE(Is(u, Leaf(Filter::PR, "meta")));
  EXPECT_TRUE(Is(u, Leaf(Filter::PR, "NAME")));
  User bare;
  bare.set_user_name("bare");
  EXPECT_FALSE(Is(bare, Leaf(Filter::PR, "name")));
  EXPECT_FALSE(Is(bare, Leaf(Filter::PR, "addresses")));
  bare.add_addresses();  // an element with nothing in it is no address
  bare.mutable_name();
  EXPECT_FALSE(Is(bare, Leaf(Filter::PR, "addresses")));
  EXPECT_FALSE(Is(bare, Leaf(Filter::PR, "name")));
  EXPECT_TRUE(Is(bare, Not(Leaf(Filter::PR, "name"))));
  // Compared as a whole, a complex attribute without "value" is an error,
  // whether or not any user has it.
  EXPECT_NE(ErrorOf(u, Str(Filter::EQ, "name", "Anna")).find("name.familyName"),
            std::string::npos);
  EXPECT_FALSE(ValidateFilter(User(), Str(Filter::EQ, "addresses", "x")).ok());
  EXPECT_TRUE(ValidateFilter(User(), Leaf(Filter::PR, "addresses")).ok());
}

TEST(FilterEvalTest, NumbersCompareInOrder) {
  User u = Sample();
  auto* n = u.add_custom_fields();
  n->set_field_id("seniority");
  n->set_number_value(3);
  const std::string kAttr =
      "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:seniority";
  EXPECT_TRUE(Is(u, Num(Filter::GT, kAttr, 2)));
  EXPECT_FALSE(Is(u, Num(Filter::GT, kAttr, 3)));
  EXPECT_TRUE(Is(u, Num(Filter::GE, kAttr, 3)));
  EXPECT_TRUE(Is(u, Num(Filter::LT, kAttr, 3.5)));
  EXPECT_FALSE(Is(u, Num(Filter::LT, kAttr, 3)));
  EXPECT_TRUE(Is(u, Num(Filter::LE, kAttr, 3)));
  EXPECT_TRUE(Is(u, Num(Filter::EQ, kAttr, 3)));
  EXPECT_TRUE(Is(u, Num(Filter::NE, kAttr, 4)));
  EXPECT_FALSE(Is(u, Str(Filter::EQ, kAttr, "3")))
      << "a string never equals a number";
  // Strings order too, ignoring case.
  EXPECT_TRUE(Eval(Str(Filter::GT, "userName", "ANNA@A")));
  EXPECT_TRUE(Eval(Str(Filter::LT, "userName", "b")));
}

TEST(FilterEvalTest, NullMeansAbsentAndPrIsPresence) {
  // RFC 7643 §2.5: unassigned and null are the same state, so `eq null` is
  // "not present" and `ne null` "present"; `pr` is the presence operator.
  EXPECT_TRUE(Eval(Null(Filter::EQ, "title")));
  EXPECT_FALSE(Eval(Null(Filter::NE, "title")));
  EXPECT_FALSE(Eval(Null(Filter::EQ, "userName")));
  EXPECT_TRUE(Eval(Null(Filter::NE, "userName")));
  EXPECT_EQ(Eval(Null(Filter::NE, "emails.value")),
            Eval(Leaf(Filter::PR, "emails.value")));
  EXPECT_NE(ErrorOf(Sample(), Null(Filter::GT, "title")).find("pr"),
            std::string::npos);
}

TEST(FilterEvalTest, ValuePathWithAndOfTypeAndPrimary) {
  User u = Sample();
  u.mutable_emails(0)->set_primary(true);
  Filter both;
  both.set_attribute("emails");
  *both.mutable_value_filter() =
      And(Str(Filter::EQ, "type", "work"), Bool(Filter::EQ, "primary", true));
  EXPECT_TRUE(Is(u, both));
  // Both conditions must hold on the same element: home is not primary.
  *both.mutable_value_filter() =
      And(Str(Filter::EQ, "type", "home"), Bool(Filter::EQ, "primary", true));
  EXPECT_FALSE(Is(u, both));
  Filter value = both;
  *value.mutable_value_filter() =
      And(Str(Filter::EQ, "TYPE", "Work"), Bool(Filter::EQ, "Primary", true));
  value.set_op(Filter::EQ);
  value.set_sub_attribute("value");
  value.mutable_value()->set_string_value("ANNA@work.com");
  EXPECT_TRUE(Is(u, value));
  Filter unknown = both;
  *unknown.mutable_value_filter() = Str(Filter::EQ, "colour", "x");
  EXPECT_FALSE(ValidateFilter(User(), unknown).ok())
      << "checked even when no user has an email";
}

TEST(FilterEvalTest, DateTimesCompareAsInstants) {
  EXPECT_TRUE(
      Eval(Str(Filter::EQ, "meta.lastModified", "2026-01-01T00:00:00Z")));
  EXPECT_TRUE(
      Eval(Str(Filter::EQ, "meta.lastModified", "2026-01-01T01:00:00+01:00")));
  EXPECT_FALSE(
      Eval(Str(Filter::EQ, "meta.lastModified", "2026-01-01T00:00:01Z")));
  EXPECT_TRUE(
      Eval(Str(Filter::GT, "meta.lastModified", "2025-12-31T23:59:59Z")));
  EXPECT_FALSE(
      Eval(Str(Filter::GT, "meta.lastModified", "2026-01-01T00:00:00Z")));
  EXPECT_TRUE(
      Eval(Str(Filter::LE, "meta.LASTMODIFIED", "2026-01-01T00:00:00Z")));
  EXPECT_FALSE(Eval(Str(Filter::EQ, "meta.lastModified", "yesterday")));
}

TEST(FilterEvalTest, BooleansCompareWithEqAndNeOnly) {
  User u = Sample();
  u.set_active(false);
  EXPECT_TRUE(Is(u, Bool(Filter::EQ, "active", false)));
  EXPECT_FALSE(Is(u, Bool(Filter::EQ, "active", true)));
  EXPECT_TRUE(Is(u, Bool(Filter::NE, "active", true)));
  EXPECT_TRUE(Is(u, Bool(Filter::EQ, "emails.primary", false)));
  EXPECT_FALSE(Is(u, Str(Filter::EQ, "active", "false")))
      << "the string is not the boolean";
  EXPECT_NE(ErrorOf(u, Bool(Filter::GT, "active", false)).find("eq or ne"),
            std::string::npos);
}

TEST(FilterEvalTest, NotNegatesAnyFilter) {
  EXPECT_FALSE(Eval(Not(Str(Filter::EQ, "userName", "anna@example.com"))));
  EXPECT_TRUE(Eval(Not(Leaf(Filter::PR, "title"))));
  EXPECT_TRUE(Eval(Not(And(Str(Filter::EQ, "userName", "anna@example.com"),
                           Leaf(Filter::PR, "title")))));
  EXPECT_TRUE(Eval(Not(Not(Leaf(Filter::PR, "userName")))));
  EXPECT_FALSE(Matches(Sample(), Not(Str(Filter::EQ, "shoeSize", "9"))).ok());
}

TEST(FilterEvalTest, AttributeNamesIgnoreCase) {
  EXPECT_TRUE(Eval(Str(Filter::EQ, "USERNAME", "anna@example.com")));
  EXPECT_TRUE(Eval(Str(Filter::EQ, "Name.GivenName", "anna")));
  EXPECT_TRUE(Eval(Str(Filter::EQ, "EMAILS.VALUE", "anna@work.com")));
  EXPECT_TRUE(Eval(Str(Filter::EQ,
                       "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName",
                       "anna@example.com")));
  EXPECT_TRUE(Eval(Str(
      Filter::EQ,
      "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User:COSTCENTER",
      "CC-1")));
}

TEST(FilterEvalTest, CaseExactHoweverThePathIsSpelled) {
  const std::string kCore = "urn:ietf:params:scim:schemas:core:2.0:User:";
  EXPECT_TRUE(Eval(Str(Filter::EQ, kCore + "externalId", "Ext-1")));
  EXPECT_FALSE(Eval(Str(Filter::EQ, kCore + "externalId", "EXT-1")));
  EXPECT_FALSE(Eval(Str(Filter::EQ, "EXTERNALID", "ext-1")));
  EXPECT_FALSE(Eval(Str(Filter::EQ, kCore + "id", "ID-1")));
  EXPECT_TRUE(Eval(Str(Filter::EQ, "id", "id-1")));
  EXPECT_TRUE(Eval(Str(Filter::SW, "externalId", "Ext")));
  EXPECT_FALSE(Eval(Str(Filter::SW, "externalId", "ext")));
}

TEST(FilterEvalTest, DerivedMetaAttributes) {
  User u = Sample();
  u.mutable_meta()->set_version(3);
  EXPECT_TRUE(Is(u, Str(Filter::EQ, "meta.resourceType", "User")));
  EXPECT_FALSE(Is(u, Str(Filter::EQ, "meta.resourceType", "user")))
      << "caseExact";
  EXPECT_TRUE(Is(u, Str(Filter::EQ, "meta.version", "W/\"3\"")));
  EXPECT_FALSE(Is(u, Str(Filter::EQ, "meta.version", "W/\"2\"")));
  EXPECT_TRUE(Is(u, Str(Filter::EQ, "meta.location", "/Users/id-1")));
  EXPECT_TRUE(Is(u, Str(Filter::EW, "meta.location", "/id-1")));
  EXPECT_TRUE(Is(u, Leaf(Filter::PR, "meta.location")));
  EXPECT_TRUE(
      ValidateFilter(User(), Str(Filter::EQ, "meta.version", "x")).ok());
  EXPECT_FALSE(
      ValidateFilter(User(), Str(Filter::EQ, "meta.version.x", "x")).ok());
}

TEST(FilterEvalTest, ValidationDoesNotShortCircuit) {
  Filter f = And(Str(Filter::EQ, "userName", "nobody"),
                 Str(Filter::EQ, "shoeSize", "9"));
  absl::Status s = ValidateFilter(User(), f);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("shoeSize"), std::string::npos);
  EXPECT_FALSE(Matches(User(), f).ok()) << "an empty message is validated";
  Filter scalar;
  scalar.set_attribute("userName");
  *scalar.mutable_value_filter() = Str(Filter::EQ, "value", "x");
  EXPECT_FALSE(ValidateFilter(User(), scalar).ok())
      << "a value filter needs a complex attribute";
}

TEST(FilterEvalTest, UnknownAttributeIsInvalidFilter) {
  auto r = Matches(Sample(), Str(Filter::EQ, "shoeSize", "9"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("shoeSize"), std::string::npos);
  EXPECT_FALSE(Matches(Sample(), Str(Filter::EQ, "tenantId", "x")).ok());
}

}  // namespace
}  // namespace scim::identity
