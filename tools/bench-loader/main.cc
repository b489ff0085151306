// bench-loader: creates users 0..N-1 in the tenant of a token, straight
// through identity-service's CreateUser (as the edge would, marked as coming
// from SCIM), from several threads. The users are those of
// tests/bench/common.lua: user<index>@bench.example.com, externalId
// EMP-<index>, with a work email, phone and address and the enterprise
// extension. Writes "<index> <id>" lines, sorted, to --out.
//
//   bench-loader --identity 127.0.0.1:50051 --token T --users N
//                [--threads 8] [--out ids.txt]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/grpc_credentials.h"
#include "scim/identity/v1/identity.grpc.pb.h"

namespace {

namespace pb = scim::identity::v1;

const char* const kFirst[] = {"Anna", "Bo",     "Carla", "Dev",
                              "Emil", "Fatima", "Goran", "Hana"};
const char* const kLast[] = {"Andersson", "Berg",    "Costa", "Dahl",
                             "Ekström",   "Fischer", "Gupta", "Holm"};
const char* const kDepts[] = {"Sales",   "Engineering", "Finance",
                              "Support", "Marketing",   "Legal"};

std::string Format(const char* fmt, long n) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, n);
  return buf;
}

pb::User TypicalUser(long n) {
  std::string first = kFirst[n % 8], last = kLast[(n / 8) % 8];
  std::string user_name = Format("user%07ld@bench.example.com", n);
  pb::User u;
  u.set_user_name(user_name);
  u.set_external_id(Format("EMP-%07ld", n));
  u.set_active(true);
  u.set_display_name(first + " " + last);
  u.set_title("Engineer");
  u.set_preferred_language("en-US");
  u.mutable_name()->set_formatted(first + " " + last);
  u.mutable_name()->set_family_name(last);
  u.mutable_name()->set_given_name(first);
  auto* email = u.add_emails();
  email->set_value(user_name);
  email->set_type("work");
  email->set_primary(true);
  auto* phone = u.add_phone_numbers();
  phone->set_value(Format("+1 555 %07ld", n % 10000000));
  phone->set_type("work");
  auto* a = u.add_addresses();
  a->set_type("work");
  a->set_formatted("1 Main St, Springfield");
  a->set_street_address("1 Main St");
  a->set_locality("Springfield");
  a->set_region("IL");
  a->set_postal_code("62701");
  a->set_country("US");
  auto* e = u.mutable_enterprise();
  e->set_employee_number(std::to_string(n));
  e->set_department(kDepts[n % 6]);
  e->set_cost_center(Format("CC-%ld", n % 100));
  return u;
}

std::string Flag(int argc, char** argv, const std::string& name,
                 const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = Flag(argc, argv, "identity", "127.0.0.1:50051");
  std::string token = Flag(argc, argv, "token", "");
  long users = std::atol(Flag(argc, argv, "users", "0").c_str());
  int threads =
      std::max(1, std::atoi(Flag(argc, argv, "threads", "8").c_str()));
  std::string out = Flag(argc, argv, "out", "");
  if (token.empty() || users <= 0) {
    std::cerr << "usage: bench-loader --identity HOST:PORT --token TOKEN "
                 "--users N [--threads T] [--out FILE]"
              << std::endl;
    return 2;
  }
  // TLS as the services use it: SCIM_GRPC_TLS_CA, SCIM_GRPC_TLS_SERVER_NAME.
  scim::GrpcTlsFiles tls;
  if (const char* ca = std::getenv("SCIM_GRPC_TLS_CA")) tls.ca = ca;
  if (const char* name = std::getenv("SCIM_GRPC_TLS_SERVER_NAME")) {
    tls.server_name = name;
  }
  if (absl::Status s = scim::ConfigureGrpcTls(tls); !s.ok()) {
    std::cerr << "bench-loader: " << s.message() << std::endl;
    return 2;
  }
  auto channel = scim::NewGrpcChannel(address);
  auto tenants = pb::TenantService::NewStub(channel);
  std::string tenant_id;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    pb::AuthenticateRequest request;
    request.set_secret(token);
    pb::AuthenticateResponse response;
    grpc::Status s = tenants->Authenticate(&ctx, request, &response);
    if (!s.ok()) {
      std::cerr << "bench-loader: authenticate: " << s.error_message()
                << std::endl;
      return 1;
    }
    tenant_id = response.tenant().id();
  }

  // As the edge would send it, so the users load as SCIM-managed.
  const char* edge_secret = std::getenv("SCIM_EDGE_SECRET");
  auto start = std::chrono::steady_clock::now();
  std::atomic<long> done{0}, failed{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::vector<std::pair<long, std::string>>> ids(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // One channel per thread: one HTTP/2 connection each, as many edges
      // would have.
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", t);
      auto stub =
          pb::IdentityService::NewStub(scim::NewGrpcChannel(address, args));
      pb::CreateUserRequest request;
      request.set_tenant_id(tenant_id);
      for (long n = t; n < users; n += threads) {
        *request.mutable_user() = TypicalUser(n);
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        ctx.AddMetadata("x-scim-source", "edge");
        if (edge_secret != nullptr) {
          ctx.AddMetadata("x-scim-edge-secret", edge_secret);
        }
        ctx.AddMetadata("x-actor", "bench-loader");
        pb::User created;
        grpc::Status s = stub->CreateUser(&ctx, request, &created);
        if (!s.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (failed++ == 0) first_error = s.error_message();
          continue;
        }
        ids[t].emplace_back(n, created.id());
        long d = ++done;
        if (d % (users / 10 > 0 ? users / 10 : 1) == 0) {
          double secs = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - start)
                            .count();
          std::fprintf(stderr, "bench-loader: %ld users in %.1f s\n", d, secs);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::fprintf(stderr, "bench-loader: created %ld users in %.1f s (%.0f/s)\n",
               done.load(), secs, done.load() / secs);
  if (!out.empty()) {
    std::vector<std::pair<long, std::string>> all;
    for (auto& v : ids) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    std::ofstream f(out);
    for (const auto& [n, id] : all) f << n << ' ' << id << '\n';
  }
  if (failed > 0) {
    std::cerr << "bench-loader: " << failed
              << " creates failed; first: " << first_error << std::endl;
    return 1;
  }
  return 0;
}
