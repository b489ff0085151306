// TLS against the real binaries: the edge on HTTPS with SCIM_TLS_CERT and
// SCIM_TLS_KEY, and every gRPC hop (edge -> services, identity-service's
// and role-service's audit forwarders -> audit-service, scimctl) on TLS with
// SCIM_GRPC_TLS_*. The certificates are made at test time with openssl.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

// A CA and a server certificate it signed, for 127.0.0.1 and localhost.
void MakeCertificates(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/server.ext")
      << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
         "extendedKeyUsage=serverAuth\n";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1";
  const std::string in = "cd '" + dir + "' && ";
  for (const std::string& cmd :
       {"openssl req -x509 -nodes -days 2 -subj /CN=scim-test-ca" + ec +
            " -keyout ca.key -out ca.crt",
        "openssl req -nodes -subj /CN=localhost" + ec +
            " -keyout server.key -out server.csr",
        std::string("openssl x509 -req -days 2 -in server.csr -CA ca.crt "
                    "-CAkey ca.key -CAcreateserial -extfile server.ext "
                    "-out server.crt")}) {
    std::string line = in + cmd + " >>openssl.log 2>&1";
    ASSERT_EQ(std::system(line.c_str()), 0) << line;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Status of GET /healthz on `url`, or 0 when no HTTP answer came.
int HealthStatus(const std::string& url,
                 const std::function<void(boost::asio::ssl::context&)>& tls) {
  web::http::client::http_client_config config;
  config.set_timeout(std::chrono::seconds(10));
  if (tls) config.set_ssl_context_callback(tls);
  try {
    web::http::client::http_client client(url, config);
    return client.request("GET", "/healthz").get().status_code();
  } catch (const std::exception&) {
    return 0;
  }
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    dir_ = stack_->data_dir() + "/tls";
    MakeCertificates(dir_);
    if (::testing::Test::HasFatalFailure()) return;
    stack_->SetEnv("SCIM_TLS_CERT", dir_ + "/server.crt");
    stack_->SetEnv("SCIM_TLS_KEY", dir_ + "/server.key");
    stack_->SetEnv("SCIM_GRPC_TLS_CERT", dir_ + "/server.crt");
    stack_->SetEnv("SCIM_GRPC_TLS_KEY", dir_ + "/server.key");
    stack_->SetEnv("SCIM_GRPC_TLS_CA", dir_ + "/ca.crt");
    stack_->UseHttps(dir_ + "/ca.crt");
    // Ready only once the edge answers over HTTPS and reaches all three
    // services over gRPC TLS.
    stack_->StartAll();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }
  static std::string Url(const std::string& scheme) {
    return scheme + "://127.0.0.1:" + std::to_string(stack_->http_port());
  }
  static Stack* stack_;
  static std::string dir_;
};

Stack* TlsTest::stack_ = nullptr;
std::string TlsTest::dir_;

TEST_F(TlsTest, EdgeServesHttpsWithItsCertificate) {
  HttpResult ready = stack_->Http("GET", "/readyz", "", {});
  EXPECT_EQ(ready.status, 200) << ready.raw;

  HttpResult created = stack_->Http(
      "POST", "/scim/v2/Users",
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],)"
      R"("userName":"tls.user@example.com"})");
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.at("id").as_string();
  EXPECT_EQ(created.headers["location"].rfind("https://", 0), 0u)
      << created.headers["location"];
  HttpResult got = stack_->Http("GET", "/scim/v2/Users/" + id);
  ASSERT_EQ(got.status, 200) << got.raw;
  EXPECT_EQ(got.body.at("userName").as_string(), "tls.user@example.com");

  // The audit event crossed identity-service -> audit-service over TLS, and
  // scimctl reads it over TLS given the CA.
  int code = -1;
  std::string out;
  bool audited = Eventually(
      [&] {
        out = stack_->Scimctl(
            "--tls-ca " + dir_ + "/ca.crt audit list demo --user " + id, &code);
        return code == 0 && out.find("create User " + id) != std::string::npos;
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(audited) << code << ": " << out;
}

TEST_F(TlsTest, PlainHttpAndUntrustedClientsGetNoAnswer) {
  EXPECT_EQ(HealthStatus(Url("http"), nullptr), 0)
      << "plain HTTP must not be served on the HTTPS port";
  // Default trust (the system CAs) does not include the test CA.
  EXPECT_EQ(HealthStatus(Url("https"), nullptr), 0);
  EXPECT_EQ(HealthStatus(Url("https"),
                         [ca = dir_ + "/ca.crt"](auto& context) {
                           context.load_verify_file(ca);
                         }),
            200);
}

TEST_F(TlsTest, GrpcPortsRefuseClientsWithoutTheCa) {
  int code = 0;
  std::string out = stack_->Scimctl("tenant list", &code);
  EXPECT_NE(code, 0) << out;
  out = stack_->Scimctl("--tls-ca " + dir_ + "/ca.crt tenant list", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("demo"), std::string::npos) << out;
}

// A TLS channel needs several round trips to reconnect; the edge must get
// through them once a restarted service is back.
TEST_F(TlsTest, EdgeReconnectsOverTlsAfterAServiceRestarts) {
  EXPECT_EQ(stack_->Stop("identity-service", SIGTERM), 0);
  EXPECT_TRUE(Eventually(
      [] { return stack_->Http("GET", "/readyz", "", {}).status == 503; },
      std::chrono::seconds(30)));
  stack_->Start("identity-service");
  auto start = std::chrono::steady_clock::now();
  stack_->WaitReady();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  HttpResult listed = stack_->Http("GET", "/scim/v2/Users?count=1");
  EXPECT_EQ(listed.status, 200) << listed.raw;
}

TEST_F(TlsTest, UnreadableCertificateIsAStartupError) {
  const std::string missing = dir_ + "/missing.crt";
  struct Case {
    std::string binary, setting;
  };
  for (const Case& c : {Case{"scim-edge", "SCIM_TLS_CERT"},
                        Case{"identity-service", "SCIM_GRPC_TLS_CERT"}}) {
    std::string log = dir_ + "/" + c.binary + "-bad.log";
    Process p;
    p.Start(std::string(SCIM_BIN_DIR) + "/" + c.binary, {},
            {{"SCIM_DATA_DIR", dir_ + "/bad-data"},
             {"SCIM_HTTP_PORT", std::to_string(FreePort())},
             {"SCIM_IDENTITY_PORT", std::to_string(FreePort())},
             {c.setting, missing},
             {c.setting.substr(0, c.setting.size() - 4) + "KEY",
              dir_ + "/server.key"}},
            log);
    int exit_code = p.WaitExit(std::chrono::seconds(30));
    EXPECT_NE(exit_code, 0) << c.binary;
    EXPECT_NE(exit_code, -1) << c.binary << " did not exit";
    std::string text = ReadFile(log);
    EXPECT_NE(text.find(c.setting + ": cannot read '" + missing + "'"),
              std::string::npos)
        << text;
  }
}

}  // namespace
}  // namespace scim::testing
