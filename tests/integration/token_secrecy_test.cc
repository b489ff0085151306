// API tokens never leak: after a run that uses them in every way a client
// can (both headers, good, revoked and wrong tokens, errors of every kind),
// no service log, no audit event, no error body and no file the services
// wrote contains any of them.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string TokenFrom(const std::string& scimctl_output) {
  std::istringstream lines(scimctl_output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("token: ", 0) == 0) return line.substr(7);
  }
  return "";
}

TEST(TokenSecrecyTest, NoTokenInLogsAuditEventsErrorsOrFiles) {
  Stack stack;
  stack.StartAll();
  int code = 0;
  std::string other = TokenFrom(stack.Scimctl("tenant create other", &code));
  ASSERT_EQ(code, 0);
  std::string issued_out = stack.Scimctl("token issue demo", &code);
  ASSERT_EQ(code, 0) << issued_out;
  std::string revoked = TokenFrom(issued_out);
  std::string revoked_id = ScimctlField(issued_out, "token_id");
  const std::string wrong = "wrong-token-f00dfeedcafe0123456789";
  const std::vector<std::string> secrets = {Stack::kToken, other, revoked,
                                            wrong};
  for (const auto& s : secrets) ASSERT_GE(s.size(), 16u) << s;

  auto bearer = [](const std::string& t) {
    return std::map<std::string, std::string>{{"Authorization", "Bearer " + t}};
  };
  std::vector<HttpResult> responses;
  auto call = [&](const std::string& method, const std::string& path,
                  const std::string& body,
                  const std::map<std::string, std::string>& headers) {
    responses.push_back(stack.Http(method, path, body, headers));
    return responses.back();
  };

  // Successful writes and reads, with both ways of sending a token.
  HttpResult created =
      call("POST", "/scim/v2/Users",
           R"({"userName":"secret.keeper@example.com","roles":[]})",
           bearer(Stack::kToken));
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  call("PATCH", "/scim/v2/Users/" + id,
       R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)"
       R"("Operations":[{"op":"replace","path":"title","value":"t"}]})",
       bearer(Stack::kToken));
  call("GET", "/api/v2/scim/Users?filter=userName%20eq%20%22x%22", "",
       {{"X-HR-Feed-Token", other}});
  call("POST", "/scim/v2/Bulk",
       R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],)"
       R"("Operations":[{"method":"POST","path":"/Users","bulkId":"b",)"
       R"("data":{"userName":"bulk.user@example.com"}}]})",
       bearer(Stack::kToken));
  // Errors of each kind, each audited as a refused request.
  call("GET", "/scim/v2/Users/no-such-user", "", bearer(Stack::kToken));
  call("POST", "/scim/v2/Users", R"({"userName":"secret.keeper@example.com"})",
       bearer(Stack::kToken));
  call("POST", "/scim/v2/Users", "{not json", bearer(Stack::kToken));
  call("GET", "/scim/v2/Users?filter=bad%20filter%20(", "",
       bearer(Stack::kToken));
  call("PUT", "/scim/v2/Users/" + id, R"({"userName":"x"})",
       {{"Authorization", std::string("Bearer ") + Stack::kToken},
        {"If-Match", "W/\"999\""}});
  // Refused tokens: wrong, wrong scheme, in the other header, revoked.
  call("GET", "/scim/v2/Users", "", bearer(wrong));
  call("GET", "/scim/v2/Users", "", {{"X-HR-Feed-Token", wrong}});
  call("GET", "/scim/v2/Users", "",
       {{"Authorization", std::string("Token ") + Stack::kToken}});
  call("GET", "/scim/v2/Users", "",
       {{"Authorization", std::string("Basic ") + Stack::kToken}});
  ASSERT_EQ(call("GET", "/scim/v2/Users?count=1", "", bearer(revoked)).status,
            200);
  stack.Scimctl("token revoke demo " + revoked_id, &code);
  ASSERT_EQ(code, 0);
  // The edge forgets cached tokens within 5 s; poll until it refuses.
  auto end = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < end &&
         call("GET", "/scim/v2/Users?count=1", "", bearer(revoked)).status !=
             401) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(responses.back().status, 401);

  // Every audit event (the demo tenant's, the other's, and the refusals of
  // unknown tokens), once the outbox and the edge's queue delivered them.
  std::string audit;
  end = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < end) {
    audit = stack.Scimctl("audit list demo --limit 100000") +
            stack.Scimctl("audit list other --limit 100000") +
            stack.Scimctl("audit list @unauthenticated --limit 100000");
    if (audit.find("secret.keeper@example.com") != std::string::npos &&
        audit.find("bulk.user@example.com") != std::string::npos &&
        audit.find("http=401") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_NE(audit.find("bulk.user@example.com"), std::string::npos) << audit;
  ASSERT_NE(audit.find("http=401"), std::string::npos) << audit;

  // Logs (stdout and stderr of each service) and every file under the data
  // directory: RocksDB's write-ahead logs, tables and info logs included.
  std::string files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(stack.data_dir())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    files += "\n=== " + entry.path().string() + "\n" + content.str();
  }
  ASSERT_NE(files.find("identity-service.log"), std::string::npos);
  ASSERT_NE(files.find("scim-edge.log"), std::string::npos);
  for (const std::string& secret : secrets) {
    EXPECT_EQ(audit.find(secret), std::string::npos)
        << "token in the audit trail: " << secret;
    size_t at = files.find(secret);
    EXPECT_EQ(at, std::string::npos)
        << "token in a file: " << secret << " near "
        << files.substr(files.rfind("\n=== ", at), 200);
    for (const HttpResult& r : responses) {
      EXPECT_EQ(r.raw.find(secret), std::string::npos)
          << "token in a response: " << r.raw;
      for (const auto& [name, value] : r.headers) {
        EXPECT_EQ(value.find(secret), std::string::npos) << name;
      }
    }
  }
}

}  // namespace
}  // namespace scim::testing
