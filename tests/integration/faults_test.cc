// Faults against the real binaries: identity-service killed with SIGKILL
// under write load, backends down or stuck, role-service and audit-service
// down. Each test has its own stack, since each one breaks it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "common/rocks_db.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"
#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/identity.pb.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kErrorUrn[] = "urn:ietf:params:scim:api:messages:2.0:Error";
// The stack's SCIM_GRPC_DEADLINE_MS.
constexpr auto kDeadline = std::chrono::milliseconds(2000);

std::string UserBody(const std::string& user_name,
                     const std::string& extra = "") {
  return R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],)"
         R"("userName":")" +
         user_name + R"(","externalId":"ext-)" + user_name +
         R"(","emails":[{"value":")" + user_name +
         R"(@example.com","type":"work"}])" + extra + "}";
}

std::string PatchBody(const std::string& operations) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)"
         R"("Operations":)" +
         operations + "}";
}

// Polls `ready` until it holds or `limit` passes; the pause only spaces the
// polls, the deadline bounds the wait.
// A 503 as DESIGN.md wants it: Retry-After and a SCIM error body.
void ExpectUnavailable(const HttpResult& r, const std::string& what) {
  EXPECT_EQ(r.status, 503) << what << ": " << r.raw;
  EXPECT_FALSE(r.headers.count("retry-after") == 0 ||
               r.headers.at("retry-after").empty())
      << what;
  ASSERT_TRUE(r.body.is_object()) << what << ": " << r.raw;
  ASSERT_TRUE(r.body.has_field("schemas")) << r.raw;
  EXPECT_EQ(r.body.at("schemas").at(0).as_string(), kErrorUrn) << r.raw;
  EXPECT_EQ(r.body.at("status").as_string(), "503") << r.raw;
  EXPECT_FALSE(r.body.at("detail").as_string().empty()) << r.raw;
}

// The pid of this test's own child running `binary`: found through /proc by
// parent and executable, so only a process this test started is signalled.
pid_t ChildPid(const std::string& binary) {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != getpid()) continue;
    std::error_code ec;
    fs::path exe = fs::read_symlink(entry.path() / "exe", ec);
    if (!ec && exe.filename() == binary) return std::stoi(name);
  }
  return -1;
}

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<Stack>();
    stack_->StartAll();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }
  std::string Create(const std::string& user_name,
                     const std::string& extra = "") {
    HttpResult r =
        stack_->Http("POST", "/scim/v2/Users", UserBody(user_name, extra));
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.status == 201 ? r.body.at("id").as_string() : "";
  }
  std::unique_ptr<Stack> stack_;
};

// What one writer had acknowledged (2xx) when identity-service died.
struct Acknowledged {
  std::mutex mu;
  // id -> title of its last acknowledged write; "" when only created.
  std::map<std::string, std::string> users;
  std::map<std::string, std::string> user_names;  // id -> userName
  std::vector<std::string> deleted;
  // Users whose membership of the group was acknowledged.
  std::vector<std::string> members;
};

TEST_F(FaultsTest, KillDashNineUnderWriteLoadLosesNoAcknowledgedWrite) {
  constexpr int kWriters = 4;
  HttpResult group = stack_->Http(
      "POST", "/scim/v2/Groups",
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],)"
      R"("displayName":"Crash Crew"})");
  ASSERT_EQ(group.status, 201) << group.raw;
  const std::string group_id = group.body.at("id").as_string();
  std::atomic<bool> stop{false};
  std::atomic<bool> killed{false};
  std::atomic<int> acknowledged{0};
  std::atomic<int> failed_after_kill{0};
  Acknowledged acks;
  auto writer = [&](int w) {
    for (int i = 0; !stop.load(); ++i) {
      std::string name = "crash-" + std::to_string(w) + "-" + std::to_string(i);
      bool during_outage = killed.load();
      HttpResult created;
      try {
        created = stack_->Http("POST", "/scim/v2/Users", UserBody(name));
      } catch (const std::exception&) {
        created.status = 0;  // connection broken mid-request: not acked
      }
      if (created.status != 201) {
        if (during_outage) ++failed_after_kill;
        continue;
      }
      std::string id = created.body.at("id").as_string();
      {
        std::lock_guard<std::mutex> lock(acks.mu);
        acks.users[id] = "";
        acks.user_names[id] = name;
      }
      ++acknowledged;
      // Memberships write the user and the memberships family together.
      if (i % 5 == 1) {
        HttpResult joined;
        try {
          joined = stack_->Http(
              "PATCH", "/scim/v2/Groups/" + group_id,
              PatchBody(R"([{"op":"add","path":"members","value":[{"value":")" +
                        id + R"("}]}])"));
        } catch (const std::exception&) {
        }
        if (joined.status == 200 || joined.status == 204) {
          std::lock_guard<std::mutex> lock(acks.mu);
          acks.members.push_back(id);
        }
      }
      // Every second user is changed, every third deleted: replaces and
      // deletes are acknowledged writes too.
      if (i % 2 == 0) {
        HttpResult patched;
        try {
          patched = stack_->Http(
              "PATCH", "/scim/v2/Users/" + id,
              PatchBody(R"([{"op":"replace","path":"title","value":"v2"}])"));
        } catch (const std::exception&) {
        }
        if (patched.status == 200) {
          std::lock_guard<std::mutex> lock(acks.mu);
          acks.users[id] = "v2";
        }
      } else if (i % 3 == 0) {
        HttpResult deleted;
        try {
          deleted = stack_->Http("DELETE", "/scim/v2/Users/" + id);
        } catch (const std::exception&) {
        }
        // Unacknowledged, the delete may or may not have happened: such a
        // user is not checked either way.
        std::lock_guard<std::mutex> lock(acks.mu);
        acks.users.erase(id);
        if (deleted.status == 204) acks.deleted.push_back(id);
      }
    }
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) writers.emplace_back(writer, w);
  bool loaded = Eventually([&] { return acknowledged.load() >= 120; },
                           std::chrono::seconds(120));
  // SIGKILL with requests in flight: no shutdown, no flush.
  stack_->Stop("identity-service", SIGKILL);
  killed = true;
  bool noticed =
      Eventually([&] { return failed_after_kill.load() >= kWriters; },
                 std::chrono::seconds(60));
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(loaded) << "only " << acknowledged.load() << " writes acked";
  EXPECT_TRUE(noticed);

  stack_->Start("identity-service");
  stack_->WaitReady();
  // Every acknowledged write is there, exactly as acknowledged.
  for (const auto& [id, title] : acks.users) {
    // Found through its userName index: asked before the GET by id, which
    // the edge's user cache (emptied by the restart) would keep and then
    // answer the lookup from.
    HttpResult by_name =
        stack_->Http("GET", "/scim/v2/Users?filter=userName%20eq%20%22" +
                                acks.user_names[id] + "%22&attributes=id");
    ASSERT_EQ(by_name.status, 200) << by_name.raw;
    EXPECT_EQ(by_name.body.at("totalResults").as_integer(), 1) << id;
    HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
    ASSERT_EQ(got.status, 200) << id << ": " << got.raw;
    EXPECT_EQ(got.body.at("userName").as_string(), acks.user_names[id]);
    if (!title.empty()) {
      EXPECT_EQ(got.body.at("title").as_string(), title) << id;
    }
  }
  for (const std::string& id : acks.deleted) {
    EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/" + id).status, 404) << id;
  }
  int members_present = 0;
  for (const std::string& id : acks.members) {
    if (acks.users.count(id) == 0) continue;  // deleted since
    ++members_present;
    HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_NE(got.raw.find(group_id), std::string::npos) << got.raw;
  }
  HttpResult crew = stack_->Http("GET", "/scim/v2/Groups/" + group_id);
  ASSERT_EQ(crew.status, 200) << crew.raw;
  for (const std::string& id : acks.members) {
    if (acks.users.count(id) == 0) continue;
    EXPECT_NE(crew.raw.find(id), std::string::npos) << id;
  }
  EXPECT_GT(members_present, 0);
  // The start-up check ran on the crashed database and found nothing; the
  // scimctl verb agrees, for the tenant and for every tenant.
  std::ifstream log(stack_->data_dir() + "/identity-service.log");
  std::stringstream text;
  text << log.rdbuf();
  std::string lines = text.str();
  size_t last = lines.rfind("start-up consistency:");
  ASSERT_NE(last, std::string::npos) << lines;
  std::string summary = lines.substr(last, lines.find('\n', last) - last);
  EXPECT_NE(summary.find(" 0 problems"), std::string::npos) << summary;
  for (const char* args : {"check demo", "check"}) {
    int code = -1;
    std::string out = stack_->Scimctl(args, &code);
    EXPECT_EQ(code, 0) << args << ": " << out;
    EXPECT_NE(out.find(" 0 problems"), std::string::npos) << out;
    EXPECT_EQ(out.find("problem:"), std::string::npos) << out;
  }
  std::cerr << "acknowledged creates: " << acknowledged.load()
            << ", still present: " << acks.users.size()
            << ", deleted: " << acks.deleted.size()
            << ", members: " << members_present << "\n"
            << summary << std::endl;
}

TEST_F(FaultsTest, IdentityDownIs503WithinTheDeadlineThenRecovers) {
  std::string id = Create("outage");
  stack_->Stop("identity-service", SIGKILL);
  // The externalId lookup first: the edge may answer a GET by id or a
  // userName lookup from its user cache (its POST reply is kept) until it
  // notices the outage, which a failed call to identity-service tells it at
  // once.
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/scim/v2/Users?filter=externalId%20eq%20%22ext-outage%22"},
      {"GET", "/scim/v2/Users/" + id},
      {"POST", "/scim/v2/Users"},
      {"PATCH", "/scim/v2/Users/" + id},
      {"DELETE", "/scim/v2/Users/" + id},
  };
  for (const auto& [method, path] : requests) {
    std::string body = method == "POST" ? UserBody("outage-2")
                       : method == "PATCH"
                           ? PatchBody(R"([{"op":"replace","path":"title",)"
                                       R"("value":"x"}])")
                           : "";
    auto start = Clock::now();
    HttpResult r = stack_->Http(method, path, body);
    auto took = Clock::now() - start;
    ExpectUnavailable(r, method + " " + path);
    // A dead peer is refused at once; at worst the token lookup and the
    // call itself each wait out one deadline.
    EXPECT_LT(took, 2 * kDeadline + std::chrono::milliseconds(500))
        << method << " " << path;
  }
  // Back without restarting the edge: its channels reconnect.
  stack_->Start("identity-service");
  stack_->WaitServing("identity-service");
  HttpResult back;
  EXPECT_TRUE(Eventually(
      [&] {
        back = stack_->Http("GET", "/scim/v2/Users/" + id);
        return back.status == 200;
      },
      std::chrono::seconds(30)))
      << back.raw;
  EXPECT_EQ(stack_->Http("POST", "/scim/v2/Users", UserBody("after")).status,
            201);
}

TEST_F(FaultsTest, StuckIdentityIs503AfterTheDeadlineThenRecovers) {
  std::string id = Create("stuck");
  // Warm the token cache so only the call itself waits.
  ASSERT_EQ(stack_->Http("GET", "/scim/v2/Users/" + id).status, 200);
  pid_t pid = ChildPid("identity-service");
  ASSERT_GT(pid, 0);
  // Stopped, not dead: connections stay open and calls hang until the
  // edge's deadline gives up on them.
  ASSERT_TRUE(StopProcess(pid));
  auto start = Clock::now();
  // An externalId lookup always asks identity-service (GET by id and
  // userName lookups may be answered by the edge's user cache while its
  // lease lasts).
  HttpResult r = stack_->Http(
      "GET", "/scim/v2/Users?filter=externalId%20eq%20%22ext-stuck%22");
  auto took = Clock::now() - start;
  kill(pid, SIGCONT);
  ExpectUnavailable(r, "GET while stopped");
  EXPECT_GE(took, kDeadline - std::chrono::milliseconds(100));
  EXPECT_LT(took, 2 * kDeadline + std::chrono::milliseconds(500));
  HttpResult back;
  EXPECT_TRUE(Eventually(
      [&] {
        back = stack_->Http("GET", "/scim/v2/Users/" + id);
        return back.status == 200;
      },
      std::chrono::seconds(30)))
      << back.raw;
}

TEST_F(FaultsTest, RoleServiceDownFailsOnlyWritesThatNeedRoles) {
  int code = -1;
  std::string out = stack_->Scimctl("role add demo \"Travel Arranger\"", &code);
  ASSERT_EQ(code, 0) << out;
  std::string plain = Create("plain-before");
  stack_->Stop("role-service", SIGKILL);

  // No roles: role-service is not asked, the write goes on.
  HttpResult created =
      stack_->Http("POST", "/scim/v2/Users", UserBody("no-roles"));
  EXPECT_EQ(created.status, 201) << created.raw;
  HttpResult patched = stack_->Http(
      "PATCH", "/scim/v2/Users/" + plain,
      PatchBody(R"([{"op":"replace","path":"title","value":"t"}])"));
  EXPECT_EQ(patched.status, 200) << patched.raw;

  // Roles cannot be resolved: 503, never a user with unresolved roles.
  HttpResult with_roles = stack_->Http(
      "POST", "/scim/v2/Users",
      UserBody("with-roles", R"(,"roles":[{"value":"Travel_Arranger"}])"));
  ExpectUnavailable(with_roles, "POST with roles");
  HttpResult add_role =
      stack_->Http("PATCH", "/scim/v2/Users/" + plain,
                   PatchBody(R"([{"op":"add","path":"roles",)"
                             R"("value":[{"value":"Travel_Arranger"}]}])"));
  ExpectUnavailable(add_role, "PATCH adding a role");
  HttpResult group = stack_->Http(
      "POST", "/scim/v2/Groups",
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],)"
      R"("displayName":"Pilots"})");
  ExpectUnavailable(group, "POST /Groups (groups are roles)");
  HttpResult none = stack_->Http(
      "GET", "/scim/v2/Users?filter=userName%20eq%20%22with-roles%22");
  ASSERT_EQ(none.status, 200) << none.raw;
  EXPECT_EQ(none.body.at("totalResults").as_integer(), 0);
  HttpResult unchanged = stack_->Http("GET", "/scim/v2/Users/" + plain);
  EXPECT_FALSE(unchanged.body.has_field("roles")) << unchanged.raw;

  stack_->Start("role-service");
  stack_->WaitServing("role-service");
  HttpResult later;
  EXPECT_TRUE(Eventually(
      [&] {
        later =
            stack_->Http("POST", "/scim/v2/Users",
                         UserBody("with-roles",
                                  R"(,"roles":[{"value":"Travel_Arranger"}])"));
        return later.status == 201;
      },
      std::chrono::seconds(30)))
      << later.raw;
}

TEST_F(FaultsTest, AuditServiceDownDoesNotStopWrites) {
  std::string id = Create("audited-before");
  stack_->Stop("audit-service", SIGKILL);
  EXPECT_EQ(
      stack_->Http("POST", "/scim/v2/Users", UserBody("audit-down")).status,
      201);
  HttpResult put = stack_->Http("PUT", "/scim/v2/Users/" + id,
                                UserBody("audited-before", R"(,"title":"p")"));
  EXPECT_EQ(put.status, 200) << put.raw;
  HttpResult patch = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id,
      PatchBody(R"([{"op":"replace","path":"title","value":"q"}])"));
  EXPECT_EQ(patch.status, 200) << patch.raw;
  // A refused request is audited through the edge's queue; it must not
  // block or fail either.
  HttpResult missing = stack_->Http("GET", "/scim/v2/Users/no-such-id");
  EXPECT_EQ(missing.status, 404) << missing.raw;
  HttpResult del = stack_->Http("DELETE", "/scim/v2/Users/" + id);
  EXPECT_EQ(del.status, 204) << del.raw;
}

// A full disk, made with RLIMIT_FSIZE on identity-service: once its
// write-ahead log can no longer grow, writes fail with a SCIM 5xx and a log
// line, reads go on, and after a restart with room every acknowledged user
// is there with its indexes consistent.
TEST_F(FaultsTest, FullDiskIsAnErrorNeverASilentLoss) {
  stack_->Stop("identity-service", SIGTERM);
  // Per file: the write-ahead log is rotated whenever a column family
  // flushes, so the limit is below what one log reaches between rotations
  // (and above the OPTIONS file written at start-up).
  stack_->SetFileSizeLimit("identity-service", 320 << 10);
  stack_->Start("identity-service");
  stack_->WaitReady();

  const std::string padding = R"(,"title":")" + std::string(1500, 't') + "\"";
  std::vector<std::pair<std::string, std::string>> acknowledged;  // id, name
  HttpResult refused;
  for (int i = 0; i < 5000; ++i) {
    std::string name = "disk-" + std::to_string(i);
    HttpResult r =
        stack_->Http("POST", "/scim/v2/Users", UserBody(name, padding));
    if (r.status != 201) {
      refused = r;
      break;
    }
    acknowledged.emplace_back(r.body.at("id").as_string(), name);
  }
  ASSERT_NE(refused.status, 0) << "the file size limit was never reached ";
  ASSERT_FALSE(acknowledged.empty());
  EXPECT_TRUE(refused.status == 500 || refused.status == 503) << refused.raw;
  ASSERT_TRUE(refused.body.is_object()) << refused.raw;
  EXPECT_EQ(refused.body.at("schemas").at(0).as_string(), kErrorUrn);
  EXPECT_FALSE(refused.body.at("detail").as_string().empty());
  // Later writes are refused too, never acknowledged and then lost.
  HttpResult again =
      stack_->Http("POST", "/scim/v2/Users", UserBody("disk-after", padding));
  EXPECT_TRUE(again.status == 500 || again.status == 503) << again.raw;
  // Reads still answer.
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/" + acknowledged.front().first)
                .status,
            200);
  EXPECT_EQ(refused.body.at("detail").as_string().find(stack_->data_dir()),
            std::string::npos)
      << "the detail names server paths: " << refused.raw;
  EXPECT_NE(stack_->logs().find("rocksdb: IO error"), std::string::npos)
      << "no log line names the failed write";

  // Room again: everything acknowledged is there, found by its index.
  stack_->Stop("identity-service", SIGKILL);
  stack_->SetFileSizeLimit("identity-service", 0);
  stack_->Start("identity-service");
  stack_->WaitReady();
  for (const auto& [id, name] : acknowledged) {
    ASSERT_EQ(stack_->Http("GET", "/scim/v2/Users/" + id).status, 200) << name;
  }
  const auto& [last_id, last_name] = acknowledged.back();
  HttpResult found = stack_->Http(
      "GET", "/scim/v2/Users?filter=userName%20eq%20%22" + last_name + "%22");
  ASSERT_EQ(found.status, 200) << found.raw;
  EXPECT_EQ(found.body.at("totalResults").as_integer(), 1) << found.raw;
  int exit_code = -1;
  std::string report = stack_->Scimctl("check", &exit_code);
  EXPECT_EQ(exit_code, 0) << report;
  EXPECT_EQ(
      stack_->Http("POST", "/scim/v2/Users", UserBody("disk-room")).status,
      201);
}

// One deadline per request, not per backend call: a PATCH reads, then
// writes, and with identity-service stuck it answers 503 within about one
// SCIM_GRPC_DEADLINE_MS (here a short one), not one per call it makes.
TEST_F(FaultsTest, StuckIdentityFailsAPatchWithinOneRequestDeadline) {
  constexpr auto kShort = std::chrono::milliseconds(600);
  stack_->Stop("scim-edge", SIGTERM);
  stack_->SetEnv("SCIM_GRPC_DEADLINE_MS", std::to_string(kShort.count()));
  stack_->Start("scim-edge");
  stack_->WaitReady();
  std::string id = Create("patch-stuck");
  ASSERT_EQ(stack_->Http("GET", "/scim/v2/Users/" + id).status, 200);
  pid_t pid = ChildPid("identity-service");
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(StopProcess(pid));
  auto start = Clock::now();
  HttpResult r = stack_->Http(
      "PATCH", "/scim/v2/Users/" + id,
      PatchBody(R"([{"op":"replace","path":"title","value":"late"}])"));
  auto took = Clock::now() - start;
  kill(pid, SIGCONT);
  ExpectUnavailable(r, "PATCH while identity-service is stopped");
  RecordProperty(
      "patch_ms",
      std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  EXPECT_LT(took, kShort * 3 / 2 + std::chrono::seconds(1))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms";
  HttpResult back;
  EXPECT_TRUE(Eventually(
      [&] {
        back = stack_->Http(
            "PATCH", "/scim/v2/Users/" + id,
            PatchBody(
                R"([{"op":"replace","path":"title","value":"on time"}])"));
        return back.status == 200;
      },
      std::chrono::seconds(30)))
      << back.raw;
}

// A full disk under audit-service (RLIMIT_FSIZE): user writes go on, since
// their events wait in identity-service's outbox; once audit-service is
// back with room, every event arrives, each exactly once.
TEST_F(FaultsTest, AuditServiceOnAFullDiskLosesAndDoublesNoEvent) {
  namespace apb = scim::audit::v1;
  stack_->Stop("audit-service", SIGTERM);
  stack_->SetFileSizeLimit("audit-service", 64 << 10);
  stack_->Start("audit-service");
  stack_->WaitServing("audit-service");

  const std::string padding = R"(,"title":")" + std::string(1000, 'a') + "\"";
  std::vector<std::string> request_ids;
  auto write = [&](const std::string& name) {
    std::string rid = "fsize-" + name;
    HttpResult r =
        stack_->Http("POST", "/scim/v2/Users", UserBody(name, padding),
                     {{"Authorization", std::string("Bearer ") + Stack::kToken},
                      {"X-Request-Id", rid}});
    EXPECT_EQ(r.status, 201)
        << "a user write must not need audit-service: " << r.raw;
    if (r.status == 201) request_ids.push_back(rid);
  };
  auto stalled = [&] {
    return stack_->logs().find("cannot ship to audit-service") !=
           std::string::npos;
  };
  for (int i = 0; i < 2000 && !stalled(); ++i) {
    write("audit-disk-" + std::to_string(i));
    if (HasFailure()) return;
  }
  ASSERT_TRUE(stalled()) << "audit-service never ran out of room";
  RecordProperty("writes_before_stall", std::to_string(request_ids.size()));
  for (int i = 0; i < 20; ++i) write("audit-full-" + std::to_string(i));

  stack_->Stop("audit-service", SIGKILL);
  stack_->SetFileSizeLimit("audit-service", 0);
  stack_->Start("audit-service");
  stack_->WaitServing("audit-service");

  auto stub = apb::AuditService::NewStub(
      grpc::CreateChannel(stack_->grpc_address("audit-service"),
                          grpc::InsecureChannelCredentials()));
  std::string tenant_id;
  std::istringstream lines(stack_->Scimctl("tenant list"));
  for (std::string line; std::getline(lines, line);) {
    if (absl::EndsWith(line, "\tdemo"))
      tenant_id = line.substr(0, line.find('\t'));
  }
  ASSERT_FALSE(tenant_id.empty());
  std::map<std::string, int> seen;
  auto all_arrived = [&] {
    seen.clear();
    apb::ListEventsRequest req;
    req.set_tenant_id(tenant_id);
    req.set_limit(500);
    for (int page = 0; page < 100; ++page) {
      grpc::ClientContext context;
      context.set_deadline(DeadlineAfter(std::chrono::seconds(10)));
      apb::ListEventsResponse resp;
      if (!stub->ListEvents(&context, req, &resp).ok()) return false;
      for (const auto& e : resp.events()) {
        if (e.request_id().rfind("fsize-", 0) == 0) ++seen[e.request_id()];
      }
      if (resp.next_cursor().empty()) break;
      req.set_cursor(resp.next_cursor());
    }
    return seen.size() >= request_ids.size();
  };
  EXPECT_TRUE(Eventually(all_arrived, std::chrono::seconds(60)))
      << seen.size() << " of " << request_ids.size() << " events arrived";
  for (const std::string& rid : request_ids) {
    EXPECT_EQ(seen[rid], 1) << rid;
  }
}

// `scimctl check` against a live identity-service finds a damaged index and
// `--repair` fixes it. The damage is made from outside, as a lost write
// would leave it: the user record deleted behind identity-service's back
// (stopped), its index entries left pointing at nothing.
TEST_F(FaultsTest, ScimctlCheckFindsAndRepairsADanglingIndex) {
  std::string id = Create("dangling");
  std::string kept = Create("kept");
  stack_->Stop("identity-service", SIGTERM);
  {
    auto db = RocksDb::Open(stack_->data_dir() + "/identity",
                            identity::IdentityFamilies());
    ASSERT_TRUE(db.ok()) << db.status();
    rocksdb::ColumnFamilyHandle* users = (*db)->family(identity::kUsers);
    std::unique_ptr<rocksdb::Iterator> it(
        (*db)->db()->NewIterator(rocksdb::ReadOptions(), users));
    std::string key;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      scim::identity::v1::User user;
      if (user.ParseFromString(it->value().ToString()) && user.id() == id) {
        key = it->key().ToString();
      }
    }
    ASSERT_TRUE(it->status().ok());
    it.reset();
    ASSERT_FALSE(key.empty()) << "user " << id << " not found on disk";
    ASSERT_TRUE((*db)->db()->Delete(rocksdb::WriteOptions(), users, key).ok());
  }
  // Report only at start-up, so the damage is still there for scimctl.
  stack_->SetEnv("SCIM_STARTUP_CHECK", "report");
  stack_->Start("identity-service");
  stack_->WaitReady();

  int code = 0;
  std::string report = stack_->Scimctl("check", &code);
  RecordProperty("check_report", report);
  EXPECT_NE(code, 0) << report;
  EXPECT_NE(report.find(id), std::string::npos)
      << "the report names the user the entries point at: " << report;
  // The stale userName entry blocks the name until it is repaired.
  EXPECT_EQ(stack_->Http("POST", "/scim/v2/Users", UserBody("dangling")).status,
            409);

  std::string repaired = stack_->Scimctl("check --repair", &code);
  RecordProperty("repair_report", repaired);
  EXPECT_EQ(code, 0) << repaired;
  std::string clean = stack_->Scimctl("check", &code);
  EXPECT_EQ(code, 0) << clean;
  EXPECT_EQ(stack_->Http("POST", "/scim/v2/Users", UserBody("dangling")).status,
            201);
  EXPECT_EQ(stack_->Http("GET", "/scim/v2/Users/" + kept).status, 200);
}

}  // namespace
}  // namespace scim::testing
