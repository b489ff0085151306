// scimctl: the operator CLI over the services' gRPC admin APIs.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "scim/role/v1/role.grpc.pb.h"

namespace {

namespace idpb = scim::identity::v1;
namespace rolepb = scim::role::v1;
namespace auditpb = scim::audit::v1;

constexpr char kUsage[] = R"(usage: scimctl [--identity HOST:PORT] [--roles HOST:PORT] [--audit HOST:PORT] COMMAND
commands:
  tenant create NAME          create a tenant; prints its id and first token once
  tenant list
  token issue TENANT          prints a new token once
  token rotate TENANT         prints a new token once and revokes the others
  token revoke TENANT TOKEN_ID
  token list TENANT
  policy set TENANT KEY VALUE
  role add TENANT "Role Name" role value becomes Role_Name
  role list TENANT
  audit list TENANT [--user ID] [--since RFC3339] [--limit N]
TENANT is a tenant's name or id.
)";

struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) == 0) {
      auto eq = s.find('=');
      if (eq != std::string::npos) {
        a.flags[s.substr(2, eq - 2)] = s.substr(eq + 1);
      } else if (i + 1 < argc) {
        a.flags[s.substr(2)] = argv[++i];
      } else {
        a.flags[s.substr(2)] = "";
      }
    } else {
      a.words.push_back(s);
    }
  }
  return a;
}

std::string DefaultAddress(const char* env, int port) {
  const char* p = std::getenv(env);
  return "127.0.0.1:" + std::string(p != nullptr && *p ? p : std::to_string(port));
}

// Runs one RPC with a deadline; on failure prints a one-line reason.
template <typename Reply, typename Rpc>
bool Call(Rpc&& rpc, Reply* reply) {
  grpc::ClientContext context;
  context.set_deadline(scim::DeadlineAfter(std::chrono::seconds(10)));
  context.AddMetadata("x-actor", "scimctl");
  grpc::Status s = rpc(&context, reply);
  if (!s.ok()) {
    std::cerr << "scimctl: " << s.error_message();
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
      std::cerr << " (is the service running? see --identity/--roles/--audit)";
    }
    std::cerr << std::endl;
    return false;
  }
  return true;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

int Usage(const std::string& reason) {
  if (!reason.empty()) std::cerr << "scimctl: " << reason << "\n";
  std::cerr << kUsage;
  return 2;
}

int Tenant(const Args& a, idpb::TenantService::Stub& stub) {
  const auto& w = a.words;
  if (w.size() == 3 && w[1] == "create") {
    idpb::CreateTenantRequest req;
    req.set_name(w[2]);
    idpb::CreateTenantResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.CreateTenant(c, req, r); },
              &resp)) {
      return 1;
    }
    std::cout << "tenant: " << resp.tenant().id() << "\n"
              << "token: " << resp.secret() << std::endl;
    return 0;
  }
  if (w.size() == 2 && w[1] == "list") {
    idpb::ListTenantsRequest req;
    idpb::ListTenantsResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.ListTenants(c, req, r); },
              &resp)) {
      return 1;
    }
    for (const auto& t : resp.tenants()) {
      std::cout << t.id() << "\t" << t.name() << "\n";
    }
    return 0;
  }
  return Usage("tenant takes: create NAME | list");
}

int Token(const Args& a, idpb::TenantService::Stub& stub) {
  const auto& w = a.words;
  if (w.size() == 3 && (w[1] == "issue" || w[1] == "rotate")) {
    idpb::IssueTokenRequest req;
    req.set_tenant(w[2]);
    req.set_revoke_others(w[1] == "rotate");
    idpb::IssueTokenResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.IssueToken(c, req, r); },
              &resp)) {
      return 1;
    }
    std::cout << "token_id: " << resp.token().id() << "\n"
              << "token: " << resp.secret() << std::endl;
    return 0;
  }
  if (w.size() == 4 && w[1] == "revoke") {
    idpb::RevokeTokenRequest req;
    req.set_tenant(w[2]);
    req.set_token_id(w[3]);
    idpb::RevokeTokenResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.RevokeToken(c, req, r); },
              &resp)) {
      return 1;
    }
    std::cout << "revoked " << w[3] << std::endl;
    return 0;
  }
  if (w.size() == 3 && w[1] == "list") {
    idpb::ListTokensRequest req;
    req.set_tenant(w[2]);
    idpb::ListTokensResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.ListTokens(c, req, r); },
              &resp)) {
      return 1;
    }
    for (const auto& t : resp.tokens()) {
      std::cout << t.id() << "\t" << scim::FormatRfc3339(t.created()) << "\t"
                << (t.revoked() ? "revoked" : "active") << "\n";
    }
    return 0;
  }
  return Usage("token takes: issue|rotate TENANT | revoke TENANT TOKEN_ID | "
               "list TENANT");
}

int Policy(const Args& a, idpb::TenantService::Stub& stub) {
  const auto& w = a.words;
  if (w.size() != 5 || w[1] != "set") {
    return Usage("policy takes: set TENANT KEY VALUE");
  }
  idpb::SetPolicyRequest req;
  req.set_tenant(w[2]);
  req.set_key(w[3]);
  req.set_value(w[4]);
  idpb::Tenant resp;
  if (!Call([&](auto* c, auto* r) { return stub.SetPolicy(c, req, r); },
            &resp)) {
    return 1;
  }
  std::cout << w[3] << " = " << resp.policies().at(w[3]) << std::endl;
  return 0;
}

// Role and audit commands take a tenant name or id; their services key by id.
bool ResolveTenant(idpb::TenantService::Stub& stub, const std::string& tenant,
                   std::string* id) {
  idpb::GetTenantRequest req;
  req.set_tenant(tenant);
  idpb::Tenant resp;
  if (!Call([&](auto* c, auto* r) { return stub.GetTenant(c, req, r); },
            &resp)) {
    return false;
  }
  *id = resp.id();
  return true;
}

int Role(const Args& a, idpb::TenantService::Stub& tenants,
         rolepb::RoleService::Stub& stub) {
  const auto& w = a.words;
  std::string tenant_id;
  if (w.size() == 4 && w[1] == "add") {
    if (!ResolveTenant(tenants, w[2], &tenant_id)) return 1;
    rolepb::CreateRoleRequest req;
    req.set_tenant_id(tenant_id);
    req.set_name(w[3]);
    rolepb::Role resp;
    if (!Call([&](auto* c, auto* r) { return stub.CreateRole(c, req, r); },
              &resp)) {
      return 1;
    }
    std::cout << "role: " << resp.id() << "\tvalue: " << resp.value()
              << std::endl;
    return 0;
  }
  if (w.size() == 3 && w[1] == "list") {
    if (!ResolveTenant(tenants, w[2], &tenant_id)) return 1;
    rolepb::ListRolesRequest req;
    req.set_tenant_id(tenant_id);
    rolepb::ListRolesResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.ListRoles(c, req, r); },
              &resp)) {
      return 1;
    }
    for (const auto& r : resp.roles()) {
      std::cout << r.id() << "\t" << r.value() << "\t" << r.name() << "\n";
    }
    return 0;
  }
  return Usage("role takes: add TENANT \"Role Name\" | list TENANT");
}

int Audit(const Args& a, idpb::TenantService::Stub& tenants,
          auditpb::AuditService::Stub& stub) {
  const auto& w = a.words;
  if (w.size() != 3 || w[1] != "list") {
    return Usage("audit takes: list TENANT [--user ID] [--since RFC3339] "
                 "[--limit N]");
  }
  auditpb::ListEventsRequest req;
  if (!ResolveTenant(tenants, w[2], req.mutable_tenant_id())) return 1;
  if (auto it = a.flags.find("user"); it != a.flags.end()) {
    req.set_user_id(it->second);
  }
  if (auto it = a.flags.find("since"); it != a.flags.end()) {
    auto since = scim::ParseRfc3339(it->second);
    if (!since.ok()) return Usage(std::string(since.status().message()));
    *req.mutable_since() = *since;
  }
  int limit = 100;
  if (auto it = a.flags.find("limit"); it != a.flags.end()) {
    if (!absl::SimpleAtoi(it->second, &limit) || limit < 1) {
      return Usage("--limit takes a positive whole number");
    }
  }
  int printed = 0;
  while (printed < limit) {
    req.set_limit(std::min(limit - printed, 1000));
    auditpb::ListEventsResponse resp;
    if (!Call([&](auto* c, auto* r) { return stub.ListEvents(c, req, r); },
              &resp)) {
      return 1;
    }
    for (const auto& e : resp.events()) {
      std::cout << scim::FormatRfc3339(e.time()) << " " << e.operation() << " "
                << e.resource_type() << " " << e.resource_id() << " "
                << e.outcome();
      if (!e.user_name().empty()) std::cout << " userName=" << e.user_name();
      if (e.changed_attributes_size() > 0) {
        std::cout << " changed=" << absl::StrJoin(e.changed_attributes(), ",");
      }
      if (!e.actor().empty()) std::cout << " actor=" << e.actor();
      if (!e.request_id().empty()) std::cout << " request=" << e.request_id();
      if (e.http_status() != 0) std::cout << " http=" << e.http_status();
      if (!e.detail().empty()) std::cout << " detail=\"" << e.detail() << "\"";
      std::cout << "\n";
      ++printed;
    }
    if (resp.next_cursor().empty() || resp.events_size() == 0) break;
    req.set_cursor(resp.next_cursor());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = Parse(argc, argv);
  if (args.words.empty() || args.flags.count("help")) return Usage("");
  auto flag = [&](const char* name, const std::string& fallback) {
    auto it = args.flags.find(name);
    return it == args.flags.end() ? fallback : it->second;
  };
  std::string identity =
      flag("identity", DefaultAddress("SCIM_IDENTITY_PORT", 50051));
  std::string roles = flag("roles", DefaultAddress("SCIM_ROLE_PORT", 50052));
  std::string audit = flag("audit", DefaultAddress("SCIM_AUDIT_PORT", 50053));

  auto tenants = idpb::TenantService::NewStub(Channel(identity));
  const std::string& noun = args.words[0];
  if (noun == "tenant") return Tenant(args, *tenants);
  if (noun == "token") return Token(args, *tenants);
  if (noun == "policy") return Policy(args, *tenants);
  if (noun == "role") {
    auto stub = rolepb::RoleService::NewStub(Channel(roles));
    return Role(args, *tenants, *stub);
  }
  if (noun == "audit") {
    auto stub = auditpb::AuditService::NewStub(Channel(audit));
    return Audit(args, *tenants, *stub);
  }
  return Usage("unknown command '" + noun + "'");
}
