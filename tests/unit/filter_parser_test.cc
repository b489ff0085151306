#include "edge/filter_parser.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/status_map.h"

namespace scim::edge {
namespace {

using scim::common::v1::Filter;
using scim::common::v1::FilterValue;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Filter Parse(const std::string& text) {
  absl::StatusOr<Filter> parsed = ParseFilter(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.ok() ? *parsed : Filter();
}

// The error detail for a filter that must be rejected as invalidFilter.
std::string ParseError(const std::string& text) {
  absl::StatusOr<Filter> parsed = ParseFilter(text);
  if (parsed.ok()) {
    ADD_FAILURE() << text << " parsed as " << parsed->ShortDebugString();
    return "";
  }
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ScimTypeOf(parsed.status()), "invalidFilter");
  return std::string(parsed.status().message());
}

// Compares the parse of `text` with a tree written as a text proto, which
// keeps the expected shape readable.
void ExpectTree(const std::string& text, const std::string& expected_proto) {
  Filter expected;
  ASSERT_TRUE(
      google::protobuf::TextFormat::ParseFromString(expected_proto, &expected))
      << expected_proto;
  Filter actual = Parse(text);
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(actual, expected))
      << text << "\nparsed:   " << actual.ShortDebugString()
      << "\nexpected: " << expected.ShortDebugString();
}

FilterValue ValueOf(const std::string& literal) {
  return Parse("x eq " + literal).value();
}

TEST(FilterParserTest, EveryComparisonOperator) {
  const struct {
    const char* name;
    Filter::Op op;
  } kCases[] = {{"eq", Filter::EQ}, {"ne", Filter::NE}, {"co", Filter::CO},
                {"sw", Filter::SW}, {"ew", Filter::EW}, {"gt", Filter::GT},
                {"ge", Filter::GE}, {"lt", Filter::LT}, {"le", Filter::LE}};
  for (const auto& c : kCases) {
    Filter f = Parse(std::string("userName ") + c.name + " \"bjensen\"");
    EXPECT_EQ(f.op(), c.op) << c.name;
    EXPECT_EQ(f.attribute(), "userName");
    EXPECT_EQ(f.value().string_value(), "bjensen");
  }
}

TEST(FilterParserTest, Present) {
  ExpectTree("title pr", R"pb(op: PR attribute: "title")pb");
}

TEST(FilterParserTest, KeywordsAreCaseInsensitive) {
  ExpectTree(R"(userName EQ "a" AnD NOT (title Pr) oR active Eq TRUE)",
             R"pb(op: OR
                  children {
                    op: AND
                    children {
                      op: EQ
                      attribute: "userName"
                      value { string_value: "a" }
                    }
                    children {
                      op: NOT
                      children { op: PR attribute: "title" }
                    }
                  }
                  children {
                    op: EQ
                    attribute: "active"
                    value { bool_value: true }
                  })pb");
  EXPECT_EQ(ValueOf("False").bool_value(), false);
  EXPECT_TRUE(ValueOf("NULL").null_value());
}

TEST(FilterParserTest, AndBindsTighterThanOr) {
  ExpectTree("a pr or b pr and c pr",
             R"pb(op: OR
                  children { op: PR attribute: "a" }
                  children {
                    op: AND
                    children { op: PR attribute: "b" }
                    children { op: PR attribute: "c" }
                  })pb");
  ExpectTree("a pr and b pr or c pr",
             R"pb(op: OR
                  children {
                    op: AND
                    children { op: PR attribute: "a" }
                    children { op: PR attribute: "b" }
                  }
                  children { op: PR attribute: "c" })pb");
}

TEST(FilterParserTest, ParenthesesOverridePrecedence) {
  ExpectTree("(a pr or b pr) and c pr",
             R"pb(op: AND
                  children {
                    op: OR
                    children { op: PR attribute: "a" }
                    children { op: PR attribute: "b" }
                  }
                  children { op: PR attribute: "c" })pb");
  ExpectTree("((userName pr))", R"pb(op: PR attribute: "userName")pb");
}

TEST(FilterParserTest, ChainsFlattenIntoOneNode) {
  Filter f = Parse("a pr and b pr and c pr and d pr");
  EXPECT_EQ(f.op(), Filter::AND);
  ASSERT_EQ(f.children_size(), 4);
  EXPECT_EQ(f.children(3).attribute(), "d");
  f = Parse("a pr or b pr or c pr");
  EXPECT_EQ(f.op(), Filter::OR);
  EXPECT_EQ(f.children_size(), 3);
}

TEST(FilterParserTest, Not) {
  ExpectTree(R"(not (userName eq "x"))",
             R"pb(op: NOT
                  children {
                    op: EQ
                    attribute: "userName"
                    value { string_value: "x" }
                  })pb");
  ExpectTree("a pr and not(b pr or c pr)",
             R"pb(op: AND
                  children { op: PR attribute: "a" }
                  children {
                    op: NOT
                    children {
                      op: OR
                      children { op: PR attribute: "b" }
                      children { op: PR attribute: "c" }
                    }
                  })pb");
}

TEST(FilterParserTest, ValuePathAsFilter) {
  ExpectTree(R"(emails[type eq "work" and primary eq true])",
             R"pb(op: OP_UNSPECIFIED
                  attribute: "emails"
                  value_filter {
                    op: AND
                    children {
                      op: EQ
                      attribute: "type"
                      value { string_value: "work" }
                    }
                    children {
                      op: EQ
                      attribute: "primary"
                      value { bool_value: true }
                    }
                  })pb");
  ExpectTree(R"(emails[not (type eq "home")] and userName sw "a")",
             R"pb(op: AND
                  children {
                    attribute: "emails"
                    value_filter {
                      op: NOT
                      children {
                        op: EQ
                        attribute: "type"
                        value { string_value: "home" }
                      }
                    }
                  }
                  children {
                    op: SW
                    attribute: "userName"
                    value { string_value: "a" }
                  })pb");
}

TEST(FilterParserTest, ValuePathWithSubAttribute) {
  ExpectTree(R"(emails[type eq "work"].value eq "x@example.com")",
             R"pb(op: EQ
                  attribute: "emails"
                  value_filter {
                    op: EQ
                    attribute: "type"
                    value { string_value: "work" }
                  }
                  sub_attribute: "value"
                  value { string_value: "x@example.com" })pb");
  ExpectTree(R"(emails[type eq "work"].value PR)",
             R"pb(op: PR
                  attribute: "emails"
                  value_filter {
                    op: EQ
                    attribute: "type"
                    value { string_value: "work" }
                  }
                  sub_attribute: "value")pb");
}

TEST(FilterParserTest, RefAsSubAttribute) {
  ExpectTree(R"(members[$ref eq "https://x/Users/1"])",
             R"pb(attribute: "members"
                  value_filter {
                    op: EQ
                    attribute: "$ref"
                    value { string_value: "https://x/Users/1" }
                  })pb");
  EXPECT_EQ(Parse("groups.$ref pr").attribute(), "groups.$ref");
  EXPECT_EQ(Parse(R"(members[value eq "1"].$ref pr)").sub_attribute(), "$ref");
}

TEST(FilterParserTest, DottedAndUrnQualifiedPathsAreKeptVerbatim) {
  const char* kPaths[] = {
      "name.givenName",
      "meta.lastModified",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
      "urn:ietf:params:scim:schemas:core:2.0:User:userName",
      "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
      "urn:ietf:params:scim:schemas:extension:CustomFields:2.0:User:FIELD_1",
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager."
      "value",
  };
  for (const char* path : kPaths) {
    Filter f = Parse(std::string(path) + " eq \"v\"");
    EXPECT_EQ(f.op(), Filter::EQ) << path;
    EXPECT_EQ(f.attribute(), path);
  }
  Filter f = Parse(
      "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"]");
  EXPECT_EQ(f.attribute(), "urn:ietf:params:scim:schemas:core:2.0:User:emails");
  EXPECT_EQ(f.value_filter().attribute(), "type");
}

TEST(FilterParserTest, DateTimeIsAString) {
  Filter f = Parse(R"(meta.lastModified gt "2011-05-13T04:42:34Z")");
  EXPECT_EQ(f.op(), Filter::GT);
  EXPECT_EQ(f.value().string_value(), "2011-05-13T04:42:34Z");
}

TEST(FilterParserTest, StringEscapes) {
  EXPECT_EQ(ValueOf(R"("q\"b\\s\/ \b\f\n\r\t")").string_value(),
            "q\"b\\s/ \b\f\n\r\t");
  EXPECT_EQ(ValueOf(R"("\u0041\u00e9\u20AC")").string_value(),
            "A\xC3\xA9\xE2\x82\xAC");
  // U+1F600 as a surrogate pair.
  EXPECT_EQ(ValueOf(R"("\ud83d\uDE00")").string_value(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(ValueOf("\"Zo\xC3\xAB\"").string_value(), "Zo\xC3\xAB");
  EXPECT_EQ(ValueOf(R"("")").string_value(), "");
  EXPECT_EQ(ValueOf(R"x("a and b or (c)")x").string_value(), "a and b or (c)");
}

TEST(FilterParserTest, Numbers) {
  EXPECT_EQ(ValueOf("42").number_value(), 42);
  EXPECT_EQ(ValueOf("0").number_value(), 0);
  EXPECT_EQ(ValueOf("-7").number_value(), -7);
  EXPECT_EQ(ValueOf("3.25").number_value(), 3.25);
  EXPECT_EQ(ValueOf("1e3").number_value(), 1000);
  EXPECT_EQ(ValueOf("2.5E-2").number_value(), 0.025);
  EXPECT_EQ(ValueOf("-0.5e+1").number_value(), -5);
  EXPECT_EQ(ValueOf("10").kind_case(), FilterValue::kNumberValue);
}

TEST(FilterParserTest, BooleansAndNull) {
  EXPECT_EQ(ValueOf("true").kind_case(), FilterValue::kBoolValue);
  EXPECT_TRUE(ValueOf("true").bool_value());
  EXPECT_FALSE(ValueOf("false").bool_value());
  EXPECT_EQ(ValueOf("null").kind_case(), FilterValue::kNullValue);
  EXPECT_EQ(Parse("title ne null").op(), Filter::NE);
}

TEST(FilterParserTest, WhitespaceIsFlexible) {
  const char* kSpellings[] = {
      R"(userName eq "x")",
      R"(  userName   eq    "x"  )",
      "userName\teq\t\"x\"",
      R"(userName eq"x")",
  };
  for (const char* text : kSpellings) {
    Filter f = Parse(text);
    EXPECT_EQ(f.op(), Filter::EQ) << text;
    EXPECT_EQ(f.value().string_value(), "x") << text;
  }
  EXPECT_EQ(Parse("(a pr)and(b pr)").children_size(), 2);
}

TEST(FilterParserTest, ClientFilters) {
  // As sent by Entra ID and Okta.
  EXPECT_EQ(Parse(R"(userName eq "Test_User_dfeef4c5")").op(), Filter::EQ);
  EXPECT_EQ(
      Parse(R"(userName eq "isaac.brock@example.com")").value().string_value(),
      "isaac.brock@example.com");
  EXPECT_EQ(
      Parse(R"(externalId eq "5f2b" and userName eq "a@b.c")").children_size(),
      2);
}

TEST(FilterParserErrorTest, UnknownOperator) {
  EXPECT_EQ(ParseError(R"(userName equals "x")"),
            "invalid filter at position 10: expected a comparison operator "
            "(eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName', "
            "found 'equals'");
  EXPECT_THAT(ParseError(R"(userName = "x")"),
              StartsWith("invalid filter at position 10: expected a "
                         "comparison operator"));
  EXPECT_THAT(ParseError("userName"),
              HasSubstr("position 9: expected a comparison operator"));
  EXPECT_THAT(ParseError(R"(emails[type eq "work"].value is "x")"),
              HasSubstr("after 'emails[...].value', found 'is'"));
}

TEST(FilterParserTest, BareWordsAndDateTimesAreStrings) {
  auto f = ParseFilter("userName sw O and name.familyName eq Employee");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->children(0).value().string_value(), "O");
  EXPECT_EQ(f->children(1).value().string_value(), "Employee");
  auto t = ParseFilter("meta.created gt 2015-10-10T14:38:21.8617979-07:00");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->value().string_value(), "2015-10-10T14:38:21.8617979-07:00");
}

TEST(FilterParserErrorTest, MissingOrBadValue) {
  EXPECT_THAT(ParseError("userName eq"),
              StartsWith("invalid filter at position 12: expected a value"));
  EXPECT_THAT(ParseError("userName eq and"),
              HasSubstr("position 13: expected a value (a \"quoted string\", "
                        "a number, true, false or null) after 'eq', found "
                        "'and'"));
  EXPECT_THAT(ParseError("userName eq 'bob'"), HasSubstr("position 13"));
}

TEST(FilterParserErrorTest, Strings) {
  EXPECT_THAT(ParseError(R"(userName eq "abc)"),
              StartsWith("invalid filter at position 13: unterminated string"));
  EXPECT_THAT(ParseError(R"(userName eq "abc\)"),
              StartsWith("invalid filter at position 13: unterminated string"));
  EXPECT_THAT(
      ParseError(R"(userName eq "a\x")"),
      StartsWith("invalid filter at position 15: invalid escape '\\x'"));
  EXPECT_THAT(ParseError(R"(x eq "\u12")"),
              StartsWith("invalid filter at position 7: invalid \\u escape"));
  EXPECT_THAT(ParseError(R"(x eq "\u12G4")"), HasSubstr("invalid \\u escape"));
  EXPECT_THAT(ParseError(R"(x eq "\ud83d")"),
              StartsWith("invalid filter at position 7: unpaired surrogate"));
  EXPECT_THAT(ParseError(R"(x eq "a\ud83dx")"),
              StartsWith("invalid filter at position 8: unpaired surrogate"));
  EXPECT_THAT(ParseError(R"(x eq "\ude00")"), HasSubstr("unpaired surrogate"));
}

TEST(FilterParserErrorTest, Numbers) {
  const char* kBad[] = {"01",    "1.",    ".5", "-",   "1e",
                        "12abc", "1.2.3", "+1", "0x10"};
  for (const char* number : kBad) {
    std::string text = std::string("x eq ") + number;
    std::string detail = ParseError(text);
    // "+1" and ".5" are not numbers at all, so they fail as a missing value.
    EXPECT_THAT(detail, StartsWith("invalid filter at position 6: ")) << text;
  }
  EXPECT_THAT(ParseError("x eq 12abc"), HasSubstr("invalid number '12abc'"));
  EXPECT_THAT(ParseError("x eq 1e999"),
              HasSubstr("position 6: number '1e999' is out of range"));
}

TEST(FilterParserErrorTest, MissingClosers) {
  EXPECT_EQ(ParseError("(userName pr"),
            "invalid filter at position 13: missing ')' to close the '(' at "
            "position 1");
  EXPECT_EQ(ParseError(R"(emails[type eq "work")"),
            "invalid filter at position 22: missing ']' to close the '[' at "
            "position 7");
  EXPECT_EQ(ParseError("not (a pr"),
            "invalid filter at position 10: missing ')' to close the '(' at "
            "position 5");
  EXPECT_THAT(ParseError("(userName pr title pr)"),
              HasSubstr("position 14: expected 'and', 'or' or ')', found "
                        "'title'"));
  EXPECT_THAT(ParseError(R"(emails[type eq "work")"
                         R"( and (value pr])"),
              HasSubstr("expected 'and', 'or' or ')', found ']'"));
}

TEST(FilterParserErrorTest, TrailingGarbage) {
  EXPECT_EQ(ParseError("userName pr title"),
            "invalid filter at position 13: expected 'and', 'or' or the end "
            "of the filter, found 'title'");
  EXPECT_EQ(ParseError("userName pr)"),
            "invalid filter at position 12: unmatched ')'");
  EXPECT_EQ(ParseError("userName pr]"),
            "invalid filter at position 12: unmatched ']'");
  EXPECT_THAT(ParseError(R"(userName eq "x" && title pr)"),
              HasSubstr("position 17: expected 'and', 'or' or the end of the "
                        "filter, found '&'"));
  EXPECT_THAT(ParseError(R"(userName eq "x" "y")"), HasSubstr("position 17"));
}

TEST(FilterParserErrorTest, Empty) {
  EXPECT_EQ(ParseError(""), "filter is empty");
  EXPECT_EQ(ParseError("   "), "filter is empty");
}

TEST(FilterParserErrorTest, MissingOperands) {
  EXPECT_EQ(ParseError("userName pr and"),
            "invalid filter at position 16: expected an attribute name, '(' "
            "or 'not', found the end of the filter");
  EXPECT_THAT(ParseError("and userName pr"),
              HasSubstr("position 1: expected an attribute name"));
  EXPECT_THAT(ParseError("a pr or or b pr"),
              HasSubstr("position 9: expected an attribute name"));
  EXPECT_THAT(ParseError("()"),
              HasSubstr("position 2: expected an attribute name, '(' or "
                        "'not', found ')'"));
  EXPECT_THAT(ParseError("emails[]"), HasSubstr("position 8"));
  EXPECT_THAT(ParseError("not userName pr"),
              HasSubstr("position 5: expected '(' after 'not', found "
                        "'userName'"));
}

TEST(FilterParserErrorTest, OrderingNeedsOrderedValues) {
  EXPECT_EQ(ParseError("active gt true"),
            "invalid filter at position 11: 'gt' cannot compare with a "
            "boolean; use eq or ne");
  EXPECT_THAT(ParseError("active GE false"),
              HasSubstr("'ge' cannot compare with a boolean"));
  EXPECT_THAT(ParseError("title lt null"),
              HasSubstr("position 10: 'lt' cannot compare with null"));
  EXPECT_THAT(ParseError("title le null"), HasSubstr("'le' cannot compare"));
  EXPECT_EQ(Parse("x gt 5").op(), Filter::GT);
  EXPECT_EQ(Parse(R"(x ge "b")").op(), Filter::GE);
}

TEST(FilterParserErrorTest, SubstringOperatorsNeedStrings) {
  EXPECT_EQ(ParseError("userName co 5"),
            "invalid filter at position 13: 'co' needs a string value, "
            "found '5'");
  EXPECT_THAT(ParseError("userName sw true"),
              HasSubstr("'sw' needs a string value"));
  EXPECT_THAT(ParseError("userName EW null"),
              HasSubstr("'ew' needs a string value"));
}

TEST(FilterParserErrorTest, BadAttributePaths) {
  EXPECT_THAT(ParseError(R"(1abc eq "x")"),
              HasSubstr("position 1: expected an attribute name"));
  EXPECT_THAT(ParseError("a.b.c pr"),
              HasSubstr("position 1: attribute path 'a.b.c' has more than "
                        "one sub-attribute"));
  EXPECT_THAT(ParseError("foo:bar pr"),
              HasSubstr("a schema-qualified path starts with 'urn:'"));
  EXPECT_THAT(ParseError("urn:ietf:params:scim:schemas:core:2.0:User: pr"),
              HasSubstr("names a schema but no attribute"));
  EXPECT_THAT(ParseError("$ref pr"),
              HasSubstr("position 1: invalid attribute path '$ref'"));
  EXPECT_THAT(ParseError("a pr and _x pr"),
              HasSubstr("position 10: invalid attribute path '_x'"));
}

TEST(FilterParserErrorTest, BadValuePaths) {
  EXPECT_THAT(ParseError(R"(emails[type[value eq "x"]])"),
              HasSubstr("position 12: value paths cannot be nested"));
  EXPECT_THAT(ParseError(R"(emails[type eq "work"] eq "x")"),
              HasSubstr("position 24: a value path is a filter by itself"));
  EXPECT_THAT(ParseError(R"(emails[type eq "work"]. eq "x")"),
              HasSubstr("position 23: expected a sub-attribute name"));
  EXPECT_THAT(ParseError(R"(emails[type eq "work"].9x pr)"),
              HasSubstr("position 24: invalid sub-attribute name '9x'"));
}

TEST(FilterParserErrorTest, PositionsCountCharactersNotBytes) {
  // "é" is two bytes; the 'x' after it is the 17th character.
  EXPECT_THAT(ParseError("userName eq \"\xC3\xA9\" x"),
              StartsWith("invalid filter at position 17:"));
}

TEST(FilterParserErrorTest, InvalidUtf8) {
  EXPECT_EQ(ParseError("userName eq \"\xFF\""),
            "invalid filter at position 14: filter is not valid UTF-8");
  // An overlong encoding of '"' must not sneak a quote past the lexer.
  EXPECT_THAT(ParseError("x eq \"a\xC0\xA2\""), HasSubstr("not valid UTF-8"));
  // CESU-style surrogate bytes are not UTF-8 either.
  EXPECT_THAT(ParseError("x eq \"\xED\xA0\xBD\""),
              HasSubstr("not valid UTF-8"));
}

// `levels` of "a pr or b pr and (...)": each adds an OR and an AND node but
// only one parenthesis.
std::string AndOrLadder(int levels) {
  std::string text = "c pr";
  for (int i = 0; i < levels; ++i) text = "a pr or b pr and (" + text + ")";
  return text;
}

TEST(FilterParserLimitsTest, NestingUpToTheLimitParses) {
  std::string parens(kMaxFilterDepth, '(');
  Parse(parens + "a pr" + std::string(kMaxFilterDepth, ')'));
  std::string nots;
  for (int i = 0; i < kMaxFilterDepth; ++i) nots += "not (";
  Parse(nots + "a pr" + std::string(kMaxFilterDepth, ')'));
  Parse(AndOrLadder(kMaxFilterDepth / 2));
}

TEST(FilterParserLimitsTest, DeeperNestingIsRejected) {
  std::string parens(kMaxFilterDepth + 1, '(');
  EXPECT_EQ(ParseError(parens + "a pr" + std::string(kMaxFilterDepth + 1, ')')),
            "invalid filter at position 33: filter is nested deeper than the "
            "limit of 32 levels");
  std::string nots;
  for (int i = 0; i <= kMaxFilterDepth; ++i) nots += "not(";
  EXPECT_THAT(ParseError(nots + "a pr" + std::string(kMaxFilterDepth + 1, ')')),
              HasSubstr("limit of 32 levels"));
  EXPECT_THAT(ParseError(AndOrLadder(kMaxFilterDepth / 2 + 1)),
              HasSubstr("limit of 32 levels"));
  // Unclosed parentheses fail on depth long before the missing ')'.
  EXPECT_THAT(ParseError(std::string(4000, '(')),
              HasSubstr("position 33: filter is nested deeper than the limit "
                        "of 32 levels"));
}

TEST(FilterParserLimitsTest, HostileNestingFailsFast) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(ParseError(std::string(100000, '(')).empty());
  EXPECT_FALSE(
      ParseError(std::string(100000, '(') + "a pr" + std::string(100000, ')'))
          .empty());
  std::string nots;
  for (int i = 0; i < 20000; ++i) nots += "not(";
  EXPECT_FALSE(ParseError(nots).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(FilterParserLimitsTest, Length) {
  // userName eq "..." is 14 characters besides the padding.
  std::string longest =
      "userName eq \"" + std::string(kMaxFilterLength - 14, 'a') + "\"";
  ASSERT_EQ(longest.size(), 4096u);
  Parse(longest);
  EXPECT_EQ(ParseError(longest + " "), "filter is longer than 4096 characters");
  // The limit counts characters: 4082 two-byte 'é's still fit.
  std::string accents;
  for (int i = 0; i < kMaxFilterLength - 14; ++i) accents += "\xC3\xA9";
  Parse("userName eq \"" + accents + "\"");
  EXPECT_EQ(ParseError(std::string(1 << 20, 'a')),
            "filter is longer than 4096 characters");
}

}  // namespace
}  // namespace scim::edge
