#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Config, PrintShowsSettingsButNotSecrets) {
  const char* argv[] = {"identity-service", "--bootstrap_token=s3cr3t-token",
                        "--bootstrap_tenant=acme", "--port=50999"};
  Config config(4, const_cast<char**>(argv));
  config.MarkSecret("bootstrap_token");
  EXPECT_EQ(config.Get("bootstrap_token", nullptr, ""), "s3cr3t-token");
  config.Get("bootstrap_tenant", nullptr, "demo");
  config.GetInt("port", nullptr, 50051);
  config.Get("data_dir", nullptr, "./data");
  config.Get("unset_secret", nullptr, "");
  config.MarkSecret("unset_secret");
  ::testing::internal::CaptureStderr();
  config.Print("identity-service");
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(printed, HasSubstr("identity-service configuration:"));
  EXPECT_THAT(printed, HasSubstr("bootstrap_tenant = acme"));
  EXPECT_THAT(printed, HasSubstr("port = 50999"));
  EXPECT_THAT(printed, HasSubstr("data_dir = ./data"));
  EXPECT_THAT(printed, HasSubstr("bootstrap_token = (set)"));
  EXPECT_THAT(printed, HasSubstr("unset_secret = (unset)"));
  EXPECT_THAT(printed, Not(HasSubstr("s3cr3t")));
}

}  // namespace
}  // namespace scim
