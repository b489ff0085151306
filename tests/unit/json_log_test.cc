#include "common/json_log.h"

#include <cpprest/json.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scim {
namespace {

TEST(JsonLog, OneParsableLineWithTimeServiceAndFields) {
  std::string line = JsonLogLine("scim-edge", "request")
                         .Str("route", "/scim/v2/Users/{id}")
                         .Int("status", 404)
                         .Millis("latency_ms", 1.23456)
                         .Finish();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  std::error_code ec;
  web::json::value v = web::json::value::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  EXPECT_EQ(v.at("service").as_string(), "scim-edge");
  EXPECT_EQ(v.at("msg").as_string(), "request");
  EXPECT_EQ(v.at("route").as_string(), "/scim/v2/Users/{id}");
  EXPECT_EQ(v.at("status").as_integer(), 404);
  EXPECT_DOUBLE_EQ(v.at("latency_ms").as_double(), 1.235);
  // gmock's POSIX regex: std::regex trips a false -Wmaybe-uninitialized in
  // GCC 12 under the sanitizers.
  EXPECT_THAT(
      v.at("time").as_string(),
      ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
                              "[0-9]{2}\\.[0-9]{3}Z"));
}

TEST(JsonLog, StringsAreEscapedAndStayOnOneLine) {
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  // Not UTF-8: replaced, so the line stays valid JSON.
  EXPECT_EQ(JsonQuote("a\xff"), "\"a\\ufffd\"");
}

}  // namespace
}  // namespace scim
