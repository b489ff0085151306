// scimctl: the operator CLI over the services' gRPC admin APIs.
#include <grpcpp/grpcpp.h>

#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "common/grpc_credentials.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "scim/audit/v1/audit.grpc.pb.h"
#include "scim/identity/v1/identity.grpc.pb.h"
#include "scim/role/v1/role.grpc.pb.h"

namespace {

namespace idpb = scim::identity::v1;
namespace rolepb = scim::role::v1;
namespace auditpb = scim::audit::v1;

constexpr char kUsage[] =
    R"(usage: scimctl [--identity HOST:PORT] [--roles HOST:PORT] [--audit HOST:PORT]
               [--tls-ca FILE [--tls-server-name NAME]] COMMAND
  --tls-ca: the services use TLS signed by this CA (or SCIM_GRPC_TLS_CA);
  --tls-server-name: the name in their certificates, when not the host
  dialled (or SCIM_GRPC_TLS_SERVER_NAME)
commands:
  tenant create NAME          create a tenant; prints its id and first token once
  tenant list
  token issue TENANT          prints a new token once
  token rotate TENANT         prints a new token once and revokes the others
  token revoke TENANT TOKEN_ID
  token list TENANT
  policy set TENANT KEY VALUE
  field add TENANT FIELD_ID --type string|number|boolean|date [--required]
  field list TENANT
  field remove TENANT FIELD_ID
  mapping set TENANT ATTRIBUTE TARGET   enterprise attribute -> cost-field id
  mapping list TENANT
  location add TENANT NAME [--match all|any] [--rules RULES]
                           [--home-match all|any] [--home-rules RULES]
      RULES: "locality equals London; language not-contains fr" (case-insensitive;
      attributes locality|language, operators equals|contains|not-contains)
  location list TENANT
  location remove TENANT NAME
  location status TENANT      progress of re-evaluating users after a change
  role add TENANT "Role Name" role value becomes Role_Name
  role list TENANT
  audit list TENANT [--user ID] [--since RFC3339] [--limit N]
                              also --until RFC3339, --operation OP,
                              --outcome success|failure; TENANT
                              @unauthenticated: refused unknown tokens
  check [TENANT] [--repair]   index and membership consistency (all tenants
                              when none is named); --repair deletes entries
                              of users that no longer exist
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
      if (s == "--required" || s == "--repair") {
        a.flags[s.substr(2)] = "true";  // a switch: takes no value
      } else if (eq != std::string::npos) {
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
  return "127.0.0.1:" +
         std::string(p != nullptr && *p ? p : std::to_string(port));
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
      std::cerr << " (is the service running? see --identity/--roles/--audit, "
                   "and --tls-ca if it uses TLS)";
    }
    std::cerr << std::endl;
    return false;
  }
  return true;
}

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  return scim::NewGrpcChannel(address);
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
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
  return Usage(
      "token takes: issue|rotate TENANT | revoke TENANT TOKEN_ID | "
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

void PrintFields(const idpb::Tenant& t) {
  for (const auto& f : t.custom_fields()) {
    std::string type = idpb::CustomFieldDef::Type_Name(f.type());
    for (auto& c : type) c = static_cast<char>(std::tolower(c));
    std::cout << f.id() << "\t" << type << (f.required() ? "\trequired" : "")
              << "\n";
  }
}

int Field(const Args& a, idpb::TenantService::Stub& stub) {
  const auto& w = a.words;
  idpb::Tenant resp;
  if (w.size() == 4 && w[1] == "add") {
    idpb::AddCustomFieldRequest req;
    req.set_tenant(w[2]);
    req.mutable_field()->set_id(w[3]);
    auto type = a.flags.find("type");
    std::string name = type == a.flags.end() ? "" : type->second;
    for (auto& c : name) c = static_cast<char>(std::toupper(c));
    idpb::CustomFieldDef::Type parsed;
    if (!idpb::CustomFieldDef::Type_Parse(name, &parsed) ||
        parsed == idpb::CustomFieldDef::TYPE_UNSPECIFIED) {
      return Usage("field add needs --type string|number|boolean|date");
    }
    req.mutable_field()->set_type(parsed);
    req.mutable_field()->set_required(a.flags.count("required") > 0);
    if (!Call([&](auto* c, auto* r) { return stub.AddCustomField(c, req, r); },
              &resp)) {
      return 1;
    }
    PrintFields(resp);
    return 0;
  }
  if (w.size() == 4 && w[1] == "remove") {
    idpb::RemoveCustomFieldRequest req;
    req.set_tenant(w[2]);
    req.set_field_id(w[3]);
    if (!Call(
            [&](auto* c, auto* r) { return stub.RemoveCustomField(c, req, r); },
            &resp)) {
      return 1;
    }
    PrintFields(resp);
    return 0;
  }
  if (w.size() == 3 && w[1] == "list") {
    idpb::GetTenantRequest req;
    req.set_tenant(w[2]);
    if (!Call([&](auto* c, auto* r) { return stub.GetTenant(c, req, r); },
              &resp)) {
      return 1;
    }
    PrintFields(resp);
    return 0;
  }
  return Usage(
      "field takes: add TENANT FIELD_ID --type T [--required] | "
      "list TENANT | remove TENANT FIELD_ID");
}

int Mapping(const Args& a, idpb::TenantService::Stub& stub) {
  const auto& w = a.words;
  idpb::Tenant resp;
  if (w.size() == 5 && w[1] == "set") {
    idpb::SetAttributeMappingRequest req;
    req.set_tenant(w[2]);
    req.set_attribute(w[3]);
    req.set_target(w[4]);
    if (!Call([&](auto* c,
                  auto* r) { return stub.SetAttributeMapping(c, req, r); },
              &resp)) {
      return 1;
    }
  } else if (w.size() == 3 && w[1] == "list") {
    idpb::GetTenantRequest req;
    req.set_tenant(w[2]);
    if (!Call([&](auto* c, auto* r) { return stub.GetTenant(c, req, r); },
              &resp)) {
      return 1;
    }
  } else {
    return Usage("mapping takes: set TENANT ATTRIBUTE TARGET | list TENANT");
  }
  for (const auto& [attribute, target] : resp.attribute_mappings()) {
    std::cout << attribute << "\t" << target << "\n";
  }
  return 0;
}

// "locality equals London; language contains fr" -> rules; false with a
// one-line reason on a malformed row.
bool ParseRules(const std::string& text,
                google::protobuf::RepeatedPtrField<idpb::LocationRule>* out) {
  std::stringstream rows(text);
  std::string row;
  while (std::getline(rows, row, ';')) {
    std::stringstream words(row);
    std::string attribute, op, value, word;
    words >> attribute >> op;
    while (words >> word) value += (value.empty() ? "" : " ") + word;
    if (attribute.empty() && op.empty()) continue;
    idpb::LocationRule rule;
    if (attribute == "locality" || attribute == "addresses.locality") {
      rule.set_attribute(idpb::LocationRule::LOCALITY);
    } else if (attribute == "language" || attribute == "preferredLanguage") {
      rule.set_attribute(idpb::LocationRule::PREFERRED_LANGUAGE);
    } else {
      std::cerr << "scimctl: rule attribute '" << attribute
                << "' is not locality or language\n";
      return false;
    }
    if (op == "equals") {
      rule.set_operator_(idpb::LocationRule::EQUALS);
    } else if (op == "contains") {
      rule.set_operator_(idpb::LocationRule::CONTAINS);
    } else if (op == "not-contains") {
      rule.set_operator_(idpb::LocationRule::NOT_CONTAINS);
    } else {
      std::cerr << "scimctl: rule operator '" << op
                << "' is not equals, contains or not-contains\n";
      return false;
    }
    if (value.empty()) {
      std::cerr << "scimctl: rule '" << row << "' has no value\n";
      return false;
    }
    rule.set_value(value);
    *out->Add() = std::move(rule);
  }
  return true;
}

std::string RulesText(
    const google::protobuf::RepeatedPtrField<idpb::LocationRule>& rules,
    bool all) {
  if (rules.empty()) return "(none)";
  std::string out = all ? "all of: " : "any of: ";
  for (int i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    out += (i == 0 ? "" : "; ") +
           std::string(r.attribute() == idpb::LocationRule::LOCALITY
                           ? "locality"
                           : "language") +
           " " +
           (r.operator_() == idpb::LocationRule::EQUALS     ? "equals"
            : r.operator_() == idpb::LocationRule::CONTAINS ? "contains"
                                                            : "not-contains") +
           " " + r.value();
  }
  return out;
}

int Location(const Args& a, idpb::TenantService::Stub& stub) {
  const auto& w = a.words;
  auto flag = [&](const char* name) {
    auto it = a.flags.find(name);
    return it == a.flags.end() ? std::string() : it->second;
  };
  idpb::Tenant resp;
  if (w.size() == 4 && w[1] == "add") {
    idpb::PutLocationRequest req;
    req.set_tenant(w[2]);
    auto* loc = req.mutable_location();
    loc->set_name(w[3]);
    loc->set_match_all(flag("match") != "any");
    loc->set_home_match_all(flag("home-match") != "any");
    if (!ParseRules(flag("rules"), loc->mutable_rules()) ||
        !ParseRules(flag("home-rules"), loc->mutable_home_rules())) {
      return 2;
    }
    if (!Call([&](auto* c, auto* r) { return stub.PutLocation(c, req, r); },
              &resp)) {
      return 1;
    }
  } else if (w.size() == 4 && w[1] == "remove") {
    idpb::RemoveLocationRequest req;
    req.set_tenant(w[2]);
    req.set_name(w[3]);
    if (!Call([&](auto* c, auto* r) { return stub.RemoveLocation(c, req, r); },
              &resp)) {
      return 1;
    }
  } else if (w.size() == 3 && w[1] == "list") {
    idpb::GetTenantRequest req;
    req.set_tenant(w[2]);
    if (!Call([&](auto* c, auto* r) { return stub.GetTenant(c, req, r); },
              &resp)) {
      return 1;
    }
  } else if (w.size() == 3 && w[1] == "status") {
    idpb::LocationStatusRequest req;
    req.set_tenant(w[2]);
    idpb::LocationStatusResponse status;
    if (!Call([&](auto* c, auto* r) { return stub.LocationStatus(c, req, r); },
              &status)) {
      return 1;
    }
    std::cout << "rules version " << status.rules_version() << ": "
              << status.users_done() << " of " << status.users_total()
              << " users evaluated" << (status.complete() ? ", complete" : "")
              << std::endl;
    return 0;
  } else {
    return Usage(
        "location takes: add TENANT NAME [--match all|any] "
        "[--rules RULES] [--home-match all|any] [--home-rules RULES] "
        "| list TENANT | remove TENANT NAME | status TENANT");
  }
  for (const auto& l : resp.locations()) {
    std::cout << l.name() << "\t" << RulesText(l.rules(), l.match_all())
              << "\thome: " << RulesText(l.home_rules(), l.home_match_all())
              << "\n";
  }
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

// One line per event: time, operation, resource, outcome, then what is set.
void PrintEvent(const auditpb::Event& e) {
  std::cout << scim::FormatRfc3339(e.time()) << " " << e.operation() << " "
            << e.resource_type() << " " << e.resource_id() << " "
            << e.outcome();
  if (!e.user_name().empty()) std::cout << " userName=" << e.user_name();
  if (e.changed_attributes_size() > 0) {
    std::cout << " changed=" << absl::StrJoin(e.changed_attributes(), ",");
  }
  if (!e.changed_values().empty()) {
    // Sorted, so the same event always prints the same line.
    std::map<std::string, std::string> values(e.changed_values().begin(),
                                              e.changed_values().end());
    std::cout << " values={"
              << absl::StrJoin(values, ",", absl::PairFormatter("=")) << "}";
  }
  if (!e.actor().empty()) std::cout << " actor=" << e.actor();
  if (!e.client_address().empty())
    std::cout << " client=" << e.client_address();
  if (!e.request_id().empty()) std::cout << " request=" << e.request_id();
  if (e.http_status() != 0) std::cout << " http=" << e.http_status();
  if (!e.scim_type().empty()) std::cout << " scimType=" << e.scim_type();
  if (!e.detail().empty()) std::cout << " detail=\"" << e.detail() << "\"";
  std::cout << "\n";
}

int Audit(const Args& a, idpb::TenantService::Stub& tenants,
          auditpb::AuditService::Stub& stub) {
  const auto& w = a.words;
  if (w.size() != 3 || w[1] != "list") {
    return Usage(
        "audit takes: list TENANT [--user ID] [--since RFC3339] "
        "[--until RFC3339] [--operation OP] [--outcome success|failure] "
        "[--limit N]");
  }
  auditpb::ListEventsRequest req;
  // Requests refused before any tenant was known are kept under a name no
  // tenant can have, so it needs no lookup.
  if (w[2] == "@unauthenticated") {
    req.set_tenant_id(w[2]);
  } else if (!ResolveTenant(tenants, w[2], req.mutable_tenant_id())) {
    return 1;
  }
  auto flag = [&](const char* name) -> const std::string* {
    auto it = a.flags.find(name);
    return it == a.flags.end() ? nullptr : &it->second;
  };
  if (auto* v = flag("user")) req.set_user_id(*v);
  if (auto* v = flag("operation")) req.set_operation(*v);
  if (auto* v = flag("outcome")) req.set_outcome(*v);
  for (const char* name : {"since", "until"}) {
    const std::string* v = flag(name);
    if (v == nullptr) continue;
    auto t = scim::ParseRfc3339(*v);
    if (!t.ok()) {
      return Usage("--" + std::string(name) + ": " +
                   std::string(t.status().message()));
    }
    *(std::string(name) == "since" ? req.mutable_since()
                                   : req.mutable_until()) = *t;
  }
  int limit = 100;
  if (auto* v = flag("limit")) {
    if (!absl::SimpleAtoi(*v, &limit) || limit < 1) {
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
      PrintEvent(e);
      ++printed;
    }
    if (resp.next_cursor().empty() || resp.events_size() == 0) break;
    req.set_cursor(resp.next_cursor());
  }
  return 0;
}

// Exits 1 when problems remain, so scripts and probes can act on it.
int Check(const Args& a, idpb::IdentityService::Stub& stub) {
  const auto& w = a.words;
  if (w.size() > 2) return Usage("check takes: [TENANT] [--repair]");
  idpb::CheckConsistencyRequest req;
  if (w.size() == 2) req.set_tenant(w[1]);
  req.set_repair(a.flags.count("repair") > 0);
  idpb::CheckConsistencyResponse resp;
  if (!Call(
          [&](auto* c, auto* r) {
            // A scan of a large directory takes longer than one request.
            c->set_deadline(scim::DeadlineAfter(std::chrono::minutes(10)));
            return stub.CheckConsistency(c, req, r);
          },
          &resp)) {
    return 1;
  }
  for (const auto& p : resp.problems()) std::cout << "problem: " << p << "\n";
  std::cout << resp.summary() << std::endl;
  int64_t problems = resp.dangling_index_entries() +
                     resp.missing_index_entries() +
                     resp.dangling_memberships() + resp.missing_memberships();
  if (problems > resp.repaired()) {
    std::cerr << "scimctl: " << problems - resp.repaired()
              << " consistency problems remain" << std::endl;
    return 1;
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
  scim::GrpcTlsFiles tls;
  tls.ca = flag("tls-ca", Env("SCIM_GRPC_TLS_CA"));
  tls.server_name = flag("tls-server-name", Env("SCIM_GRPC_TLS_SERVER_NAME"));
  if (absl::Status s = scim::ConfigureGrpcTls(tls); !s.ok()) {
    std::cerr << "scimctl: " << s.message() << std::endl;
    return 2;
  }

  auto tenants = idpb::TenantService::NewStub(Channel(identity));
  const std::string& noun = args.words[0];
  if (noun == "tenant") return Tenant(args, *tenants);
  if (noun == "token") return Token(args, *tenants);
  if (noun == "policy") return Policy(args, *tenants);
  if (noun == "field") return Field(args, *tenants);
  if (noun == "mapping") return Mapping(args, *tenants);
  if (noun == "location") return Location(args, *tenants);
  if (noun == "role") {
    auto stub = rolepb::RoleService::NewStub(Channel(roles));
    return Role(args, *tenants, *stub);
  }
  if (noun == "check") {
    auto stub = idpb::IdentityService::NewStub(Channel(identity));
    return Check(args, *stub);
  }
  if (noun == "audit") {
    auto stub = auditpb::AuditService::NewStub(Channel(audit));
    return Audit(args, *tenants, *stub);
  }
  return Usage("unknown command '" + noun + "'");
}
