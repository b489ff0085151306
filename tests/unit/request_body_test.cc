#include "edge/request_body.h"

#include <gtest/gtest.h>

#include "common/status_map.h"

namespace scim::edge {
namespace {

std::string Nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(RequestBodyTest, AcceptsAnOrdinaryResource) {
  auto v = ParseJsonObject(
      R"({"userName":"Åsa Öberg","name":{"givenName":"日本"},)"
      R"("emails":[{"value":"a@example.com"}],"x":"\u00e9\ud83d\ude00"})");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->at("userName").as_string(), "Åsa Öberg");
}

TEST(RequestBodyTest, RefusesDeepNestingBeforeParsing) {
  std::string ok = R"({"a":)" + Nested(kMaxJsonDepth - 1) + "}";
  EXPECT_TRUE(ParseJsonObject(ok).ok());
  // Deep enough to overflow a recursive parser's stack if it got there.
  std::string deep = R"({"a":)" + Nested(200000) + "}";
  auto s = ParseJsonObject(deep);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(ScimTypeOf(s.status()), "invalidSyntax");
  EXPECT_NE(s.status().message().find("32 levels"), std::string::npos)
      << s.status();
  // Brackets inside strings are text, not nesting.
  std::string quoted = R"({"a":")" + std::string(100, '[') + R"(\"[["})";
  EXPECT_TRUE(ParseJsonObject(quoted).ok());
}

TEST(RequestBodyTest, RefusesInvalidUtf8) {
  for (const std::string& bad :
       {std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":\"\xc3\"}"),
        std::string("{\"a\":\"\xc0\xaf\"}"),          // overlong '/'
        std::string("{\"a\":\"\xed\xa0\x80\"}"),      // surrogate
        std::string("{\"a\":\"\xf4\x90\x80\x80\"}"),  // above U+10FFFF
        std::string("{\"\x80\":1}")}) {
    auto s = ParseJsonObject(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(ScimTypeOf(s.status()), "invalidSyntax");
    EXPECT_NE(s.status().message().find("UTF-8"), std::string::npos)
        << s.status();
  }
}

TEST(RequestBodyTest, RefusesEscapedLoneSurrogates) {
  for (const std::string& bad :
       {std::string(R"({"a":"\ud800"})"), std::string(R"({"a":"x\udc00y"})"),
        std::string(R"({"\ud800":1})")}) {
    auto s = ParseJsonObject(bad);
    EXPECT_FALSE(s.ok()) << bad;
  }
}

// Regression: found by user_json_fuzz (tests/fuzz/regressions/user_json/
// broken-surrogate-pair-crash). The JSON parser threw out of its
// error_code overload on a high surrogate followed by another escape.
TEST(RequestBodyTest, BrokenSurrogatePairsAreInvalidSyntaxNotAThrow) {
  for (const std::string& bad :
       {std::string(R"({"userName":"\u00e9\ud83d\u8300","x":"a\"b"})"),
        std::string(R"({"a":"\ud83d\ud83d"})"),
        std::string(R"({"a":"\ud83d\n"})"), std::string(R"({"a":"\ud83d"})"),
        std::string(R"({"a":"\ude00\ud83d"})"),
        std::string(R"({"\udbff\u0041":1})")}) {
    absl::StatusOr<web::json::value> s;
    EXPECT_NO_THROW(s = ParseJsonObject(bad)) << bad;
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(ScimTypeOf(s.status()), "invalidSyntax") << bad;
    EXPECT_NE(s.status().message().find("surrogate"), std::string::npos)
        << s.status();
  }
  // Well-formed pairs, in either letter case, and escaped backslashes that
  // only look like escapes.
  auto ok = ParseJsonObject(R"({"a":"\uD83D\uDE00 \ud83d\ude00 \\ud800"})");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->at("a").as_string(),
            "\xF0\x9F\x98\x80 \xF0\x9F\x98\x80 \\ud800");
}

TEST(RequestBodyTest, Utf8Offsets) {
  EXPECT_EQ(InvalidUtf8Offset("abc"), std::string_view::npos);
  EXPECT_EQ(InvalidUtf8Offset("ab\xe2\x82\xac"), std::string_view::npos);
  EXPECT_EQ(InvalidUtf8Offset("ab\xe2\x82"), 2u);
  EXPECT_EQ(InvalidUtf8Offset("\xf0\x9f\x98\x80z\x80"), 5u);
}

std::string PatchWith(size_t n, bool bulk) {
  std::string body = bulk ? R"({"schemas":["urn:ietf:params:scim:api:)"
                            R"(messages:2.0:BulkRequest"],"Operations":[)"
                          : R"({"schemas":["urn:ietf:params:scim:api:)"
                            R"(messages:2.0:PatchOp"],"Operations":[)";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) body += ",";
    body += R"({"op":"add","path":"title","value":"x"})";
  }
  return body + "]}";
}

TEST(RequestBodyTest, LimitsPatchOperations) {
  EXPECT_TRUE(ParseJsonObject(PatchWith(kMaxPatchOperations, false)).ok());
  auto s = ParseJsonObject(PatchWith(kMaxPatchOperations + 1, false));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(ScimTypeOf(s.status()), "tooMany");
  EXPECT_NE(s.status().message().find("1001 operations"), std::string::npos)
      << s.status();
  // Bulk requests have their own limit, applied by the Bulk handler.
  EXPECT_TRUE(ParseJsonObject(PatchWith(kMaxPatchOperations + 1, true)).ok());
}

}  // namespace
}  // namespace scim::edge
