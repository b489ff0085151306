// Graceful shutdown against the real binaries: SIGTERM on the edge while
// requests are in flight lets them finish, then the edge exits 0; SIGTERM
// on identity-service exits 0 with every acknowledged write kept. And the
// edge's other refusal: past SCIM_HANDLER_QUEUE waiting requests, 503 at
// once.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRequests = 20;

std::string UserBody(const std::string& user_name) {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],)"
         R"("userName":")" +
         user_name + R"("})";
}

// GET /healthz's body, or null when the edge did not answer 200.
web::json::value Healthz(Stack& stack) {
  try {
    HttpResult r = stack.Http("GET", "/healthz", "", {});
    if (r.status == 200) return r.body;
  } catch (const std::exception&) {
  }
  return web::json::value::null();
}

// The edge's own count of requests in flight.
int InFlight(Stack& stack) {
  web::json::value body = Healthz(stack);
  if (!body.has_field("inFlight")) return -1;
  return body.at("inFlight").as_integer();
}

// Requests holding a handler thread or waiting for one.
int Handling(Stack& stack) {
  web::json::value body = Healthz(stack);
  if (!body.has_field("handling")) return -1;
  return body.at("handling").as_integer();
}

// The edge's own word that it is draining, which, unlike a 503 from
// /readyz, no stopped backend can also cause.
bool Draining(Stack& stack) {
  web::json::value body = Healthz(stack);
  return body.has_field("draining") && body.at("draining").as_bool();
}

int ReadyStatus(Stack& stack) {
  try {
    return stack.Http("GET", "/readyz", "", {}).status;
  } catch (const std::exception&) {
    return 0;
  }
}

class ShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Enough handler threads for every blocked request, and a
    // gRPC deadline well past the time identity-service is held stopped,
    // so the requests wait for it rather than time out.
    stack_.SetEnv("SCIM_HANDLER_THREADS", std::to_string(kRequests + 8));
    stack_.SetEnv("SCIM_GRPC_DEADLINE_MS", "60000");
    stack_.SetEnv("SCIM_SHUTDOWN_GRACE_MS", "60000");
    stack_.StartAll();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_.logs();
  }
  Stack stack_;
};

TEST_F(ShutdownTest, SigtermLetsRequestsInFlightFinishAndKeepsTheirWrites) {
  ASSERT_EQ(stack_.Http("GET", "/scim/v2/Users?count=1").status, 200);

  // With identity-service stopped, every POST arrives at the edge and waits
  // there for it.
  stack_.Signal("identity-service", SIGSTOP);
  // A stopped service keeps its connections but never answers: readiness
  // says so within its own short deadline, not the requests' 60 s.
  HttpResult unready;
  try {
    unready = stack_.Http("GET", "/readyz", "", {});
  } catch (const std::exception& e) {
    unready.raw = e.what();  // no answer within the client's 30 s
  }
  EXPECT_EQ(unready.status, 503) << unready.raw;
  EXPECT_NE(unready.raw.find("identity-service"), std::string::npos)
      << unready.raw;
  std::vector<HttpResult> results(kRequests);
  std::vector<std::thread> clients;
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&, i] {
      try {
        results[i] = stack_.Http("POST", "/scim/v2/Users",
                                 UserBody("drain-" + std::to_string(i)));
      } catch (const std::exception& e) {
        results[i].raw = e.what();
      }
    });
  }
  bool arrived = Eventually([&] { return InFlight(stack_) == kRequests; },
                            std::chrono::seconds(30));
  bool draining = false;
  HttpResult refused;
  if (arrived) {
    stack_.Signal("scim-edge", SIGTERM);
    draining =
        Eventually([&] { return Draining(stack_); }, std::chrono::seconds(30));
    EXPECT_EQ(ReadyStatus(stack_), 503);
    // New work is refused while the old finishes.
    try {
      refused =
          stack_.Http("POST", "/scim/v2/Users", UserBody("drain-too-late"));
    } catch (const std::exception& e) {
      refused.raw = e.what();
    }
  }
  stack_.Signal("identity-service", SIGCONT);
  for (auto& t : clients) t.join();
  ASSERT_TRUE(arrived) << "in flight: " << InFlight(stack_);
  EXPECT_TRUE(draining) << "/healthz did not say draining after SIGTERM";
  EXPECT_EQ(refused.status, 503) << refused.raw;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  EXPECT_EQ(refused.headers["connection"], "close");

  std::vector<std::string> ids;
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(results[i].status, 201)
        << "request " << i << ": " << results[i].raw;
    if (results[i].body.has_field("id")) {
      ids.push_back(results[i].body.at("id").as_string());
    }
  }
  EXPECT_EQ(stack_.WaitExit("scim-edge", std::chrono::seconds(30)), 0);

  EXPECT_EQ(stack_.Stop("identity-service", SIGTERM), 0);
  stack_.Start("identity-service");
  // The edge then finds it up at once, instead of after a reconnect backoff.
  stack_.WaitServing("identity-service");
  stack_.Start("scim-edge");
  stack_.WaitReady();
  for (size_t i = 0; i < ids.size(); ++i) {
    HttpResult got = stack_.Http("GET", "/scim/v2/Users/" + ids[i]);
    EXPECT_EQ(got.status, 200) << got.raw;
  }
  HttpResult listed = stack_.Http(
      "GET", "/scim/v2/Users?filter=userName%20sw%20%22drain-%22&count=100");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(listed.body.at("totalResults").as_integer(), kRequests);
}

class OverloadTest : public ::testing::Test {
 protected:
  static constexpr int kThreads = 2, kQueue = 2;
  void SetUp() override {
    stack_.SetEnv("SCIM_HANDLER_THREADS", std::to_string(kThreads));
    stack_.SetEnv("SCIM_HANDLER_QUEUE", std::to_string(kQueue));
    stack_.SetEnv("SCIM_GRPC_DEADLINE_MS", "60000");
    stack_.StartAll();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_.logs();
  }
  Stack stack_;
};

// With identity-service stopped, each request to `path` holds a handler
// thread (or one of its own), or waits for one; the one past
// SCIM_HANDLER_THREADS + SCIM_HANDLER_QUEUE is refused at once, and the
// others complete once identity-service is back.
void ExpectOneRefusedPastTheQueue(Stack& stack, const std::string& path,
                                  int held, double shed_before) {
  ASSERT_EQ(stack.Http("GET", path).status, 200);
  stack.Signal("identity-service", SIGSTOP);
  std::vector<HttpResult> results(held);
  std::vector<std::thread> clients;
  for (int i = 0; i < held; ++i) {
    clients.emplace_back([&, i] {
      try {
        results[i] = stack.Http("GET", path);
      } catch (const std::exception& e) {
        results[i].raw = e.what();
      }
    });
  }
  // Counted where the edge admits them: a request can be in flight a
  // moment before it takes its place.
  int handling = -1;
  bool arrived = Eventually(
      [&] {
        handling = Handling(stack);
        return handling == held;
      },
      std::chrono::seconds(30));
  HttpResult refused;
  if (arrived) {
    try {
      refused = stack.Http("GET", path);
    } catch (const std::exception& e) {
      refused.raw = e.what();
    }
  }
  stack.Signal("identity-service", SIGCONT);
  for (auto& t : clients) t.join();
  if (!arrived) {
    ADD_FAILURE() << path << ": " << handling << " of " << held
                  << " requests took a place";
    for (int i = 0; i < held; ++i) {
      std::cerr << "request " << i << ": " << results[i].status << " "
                << results[i].raw << std::endl;
    }
    return;
  }
  EXPECT_EQ(refused.status, 503) << path << ": " << refused.raw;
  EXPECT_FALSE(refused.headers["retry-after"].empty()) << path;
  EXPECT_NE(refused.raw.find("SCIM_HANDLER_QUEUE"), std::string::npos)
      << refused.raw;
  for (int i = 0; i < held; ++i) {
    EXPECT_EQ(results[i].status, 200)
        << path << " request " << i << ": " << results[i].raw;
  }
  HttpResult metrics = stack.Http("GET", "/metrics", "", {});
  std::string shed = "scim_edge_requests_shed_total " +
                     std::to_string(static_cast<int>(shed_before) + 1);
  EXPECT_NE(metrics.raw.find(shed + "\n"), std::string::npos) << shed;
  // Room again once those are done.
  EXPECT_EQ(stack.Http("GET", path).status, 200) << path;
}

TEST_F(OverloadTest, PastTheQueueARequestGets503AtOnceAndTheOthersComplete) {
  ExpectOneRefusedPastTheQueue(stack_, "/scim/v2/Users?count=1",
                               kThreads + kQueue, 0);
  // SCIM 1.1 runs each request on a thread of its own, as many at once.
  ExpectOneRefusedPastTheQueue(stack_, "/scim/v1/Users?count=1",
                               kThreads + kQueue, 1);
}

// cpprestsdk closes its listener in a task on its own pool that waits for
// every open connection to close, which takes another pool thread: with
// SCIM_HTTP_THREADS=1 an idle keep-alive connection kept SIGTERM from ever
// ending the edge. A setting below 2 is raised to 2.
TEST(HttpThreadsTest, OneHttpThreadIsRaisedSoSigtermEndsTheEdge) {
  Stack stack;
  stack.SetEnv("SCIM_HTTP_THREADS", "1");
  stack.StartAll();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(stack.http_port()));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  char reply[512];
  ASSERT_GT(recv(fd, reply, sizeof(reply), 0), 0);
  EXPECT_EQ(std::string(reply, 12), "HTTP/1.1 200");
  // The connection stays open, idle, while the edge is told to stop.
  EXPECT_EQ(stack.Stop("scim-edge", SIGTERM), 0);
  EXPECT_NE(stack.logs().find("SCIM_HTTP_THREADS=1 is raised to 2"),
            std::string::npos);
  close(fd);
}

}  // namespace
}  // namespace scim::testing
