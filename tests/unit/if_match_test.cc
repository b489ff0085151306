// If-Match (RFC 7232 §3.1) as the Users and Groups handlers check it.
#ifndef _TURN_OFF_PLATFORM_STRING
#define _TURN_OFF_PLATFORM_STRING
#endif

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "edge/scim_response.h"

namespace scim::edge {
namespace {

bool Matches(const std::string& header, int64_t version) {
  return IfMatch(header).Check(version, "user").ok();
}

std::string Refusal(const std::string& header, int64_t version) {
  absl::Status s = IfMatch(header).Check(version, "user");
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << header << ": " << s;
  return std::string(s.message());
}

TEST(IfMatchTest, WeakAndStrongTagsCompareByVersion) {
  EXPECT_TRUE(Matches("W/\"3\"", 3));
  EXPECT_TRUE(Matches("\"3\"", 3));
  EXPECT_TRUE(Matches("  W/\"3\"  ", 3));
  EXPECT_FALSE(Matches("W/\"2\"", 3));
  EXPECT_NE(Refusal("\"5\"", 3).find("W/\"3\""), std::string::npos)
      << "the detail names the current ETag";
}

TEST(IfMatchTest, StarMatchesAnyVersion) {
  IfMatch star("*");
  EXPECT_TRUE(star.any());
  EXPECT_TRUE(star.Check(1, "user").ok());
  EXPECT_TRUE(star.Check(99, "user").ok());
  EXPECT_FALSE(IfMatch("W/\"1\"").any());
}

TEST(IfMatchTest, AListMatchesWhenAnyEntryDoes) {
  EXPECT_TRUE(Matches("W/\"1\", W/\"3\"", 3));
  EXPECT_TRUE(Matches("\"7\",W/\"3\"", 3));
  EXPECT_TRUE(Matches("\"opaque\", W/\"3\"", 3));
  EXPECT_FALSE(Matches("W/\"1\", W/\"2\"", 3));
}

TEST(IfMatchTest, WhatCannotMatchIsRefusedWithADetail) {
  for (const char* bad :
       {"3", "W/3", "\"3", "W/\"3\" junk", "", ",", "abc", "W/\"3\" W/\"4\""}) {
    std::string detail = Refusal(bad, 3);
    EXPECT_NE(detail.find("If-Match"), std::string::npos) << bad;
    EXPECT_NE(detail.find("W/\"3\""), std::string::npos) << bad;
  }
  EXPECT_NE(Refusal("\"not-a-version\"", 3).find("no version"),
            std::string::npos);
  EXPECT_LT(Refusal(std::string(5000, 'x'), 3).size(), 400u)
      << "a huge header is not echoed whole";
}

TEST(IfMatchTest, FromHeadersOnlyWhenSent) {
  EXPECT_FALSE(IfMatch::FromHeaders({}).has_value());
  std::map<std::string, std::string> headers = {{"if-match", "W/\"4\""}};
  auto m = IfMatch::FromHeaders(headers);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->Check(4, "group").ok());
}

}  // namespace
}  // namespace scim::edge
