// Replays Microsoft's SCIM reference collection (what Entra's provisioning
// service sends) with newman against the real stack, on a fresh tenant whose
// patch_response policy is no-content, and holds the result to the tally
// documented in ../shared/conformance/README.md.
#include <cpprest/json.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

// The collection's own assertions that this product deliberately fails: the
// garbage group PATCH adds a bare string that is no user id, which is
// answered 400 with a detail instead of 204.
const std::set<std::string> kExpectedFailures = {
    "Group patch add member / Status code is 204",
    "Group patch add member2 / Status code is 204",
};

std::string TokenFrom(const std::string& scimctl_output) {
  std::istringstream lines(scimctl_output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("token: ", 0) == 0) return line.substr(7);
  }
  return "";
}

TEST(ConformanceTest, MicrosoftScimReferenceCollection) {
  ASSERT_TRUE(std::filesystem::exists(SCIM_NEWMAN))
      << SCIM_NEWMAN << " is missing; scripts/test.sh installs newman with "
      << "npm in tests/conformance";
  ASSERT_TRUE(std::filesystem::exists(SCIM_CONFORMANCE_COLLECTION))
      << "../shared/conformance must sit beside the repository";
  Stack stack;
  stack.StartAll();
  stack.WaitReady();

  int code = 0;
  std::string token =
      TokenFrom(stack.Scimctl("tenant create conformance", &code));
  ASSERT_EQ(code, 0);
  ASSERT_FALSE(token.empty());
  stack.Scimctl("policy set conformance patch_response no-content", &code);
  ASSERT_EQ(code, 0);

  std::string report = stack.data_dir() + "/newman.json";
  std::string command =
      std::string(SCIM_NEWMAN) + " run '" + SCIM_CONFORMANCE_COLLECTION +
      "' --env-var Protocol=http --env-var Server=127.0.0.1" +
      " --env-var Port=:" + std::to_string(stack.http_port()) +
      " --env-var Api=scim/v2 --env-var token=" + token +
      " --folder 'Endpoint tests' --folder 'User tests'"
      " --folder 'Group tests' --folder 'ComplexAttribute tests'"
      " --folder 'User tests with garbage' --folder 'Group tests with garbage'"
      " --folder 'Teardown garbage' --reporters cli,json"
      " --reporter-json-export '" +
      report + "' --disable-unicode --color off > '" + stack.data_dir() +
      "/newman.log' 2>&1";
  std::system(command.c_str());

  std::ifstream in(report);
  ASSERT_TRUE(in.good())
      << "newman wrote no report; see its output:\n"
      << std::ifstream(stack.data_dir() + "/newman.log").rdbuf();
  std::stringstream text;
  text << in.rdbuf();
  web::json::value json = web::json::value::parse(text.str());
  const auto& run = json.at("run");
  std::set<std::string> failed;
  for (const auto& f : run.at("failures").as_array()) {
    std::string item = f.at("source").at("name").as_string();
    std::string test = f.at("error").has_field("test")
                           ? f.at("error").at("test").as_string()
                           : f.at("error").at("message").as_string();
    failed.insert(item + " / " + test);
  }
  int total = run.at("stats").at("assertions").at("total").as_integer();
  int failures = run.at("stats").at("assertions").at("failed").as_integer();
  std::cout << "newman: " << total - failures << " of " << total
            << " assertions passed; " << failures << " failed" << std::endl;
  std::string log;
  {
    std::ifstream l(stack.data_dir() + "/newman.log");
    std::stringstream s;
    s << l.rdbuf();
    log = s.str();
  }
  for (const std::string& f : failed) {
    EXPECT_EQ(kExpectedFailures.count(f), 1u) << "unexpected failure: " << f;
  }
  for (const std::string& f : kExpectedFailures) {
    if (failed.count(f) == 0) std::cout << "now passing: " << f << std::endl;
  }
  EXPECT_GT(total, 50);
  if (::testing::Test::HasFailure()) std::cout << log << stack.logs();
}

}  // namespace
}  // namespace scim::testing
