// The Stack's own teardown checks: a service that does not exit cleanly, or
// whose log holds a sanitizer report, fails the test that ran it, so what
// ASan, LSan and UBSan find inside the services is never lost with their
// data directory.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/crypto.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

TEST(StackChecksTest, AServiceThatExitsUncleanlyFailsTheTest) {
  EXPECT_NONFATAL_FAILURE(
      {
        Process crashing;
        crashing.Start("/bin/sh", {"-c", "exit 3"}, {}, "/dev/null");
        ExpectCleanExit("sh", crashing.Stop(SIGTERM));
      },
      "when stopped");
}

TEST(StackChecksTest, ASanitizerReportInAServiceLogFailsTheTest) {
  static std::string kept;
  EXPECT_NONFATAL_FAILURE(
      {
        Stack stack;
        kept = stack.data_dir();
        stack.Start("role-service");
        stack.WaitServing("role-service");
        std::ofstream(stack.data_dir() + "/role-service.log", std::ios::app)
            << "==4242==ERROR: AddressSanitizer: heap-use-after-free on "
               "address 0x602000000010\n    #0 0x1 in Example role.cc:1\n";
      },
      "AddressSanitizer: heap-use-after-free");
  // Kept for a look after a real report; this one was made up.
  std::error_code ec;
  EXPECT_TRUE(std::filesystem::exists(kept));
  std::filesystem::remove_all(kept, ec);
}

TEST(StackChecksTest, ACleanStackPassesItsOwnChecks) {
  std::string dir;
  {
    Stack stack;
    dir = stack.data_dir();
    stack.Start("role-service");
    stack.WaitServing("role-service");
  }
  EXPECT_FALSE(HasFailure());
  EXPECT_FALSE(std::filesystem::exists(dir)) << "a clean stack cleans up";
}

}  // namespace
}  // namespace scim::testing
