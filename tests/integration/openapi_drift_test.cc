// docs/openapi.json against the edge that serves it, so the documentation
// cannot drift from the server:
// - every documented operation is a route the edge serves, and every
//   request example in the document works against a fresh tenant;
// - every route the edge serves is documented;
// - the User and Group schemas and their extensions list exactly the
//   attributes /Schemas renders from edge/resource_schema.h, with the same
//   types, multiplicity, mutability and required flags;
// - the servers and both authentication headers are the edge's own;
// - the docs page and its assets are public, correctly typed, and no path
//   outside the known files is served.
#include <cpprest/json.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/stack.h"

namespace scim::testing {
namespace {

using web::json::value;

constexpr char kUserUrn[] = "urn:ietf:params:scim:schemas:core:2.0:User";
constexpr char kGroupUrn[] = "urn:ietf:params:scim:schemas:core:2.0:Group";
constexpr char kOpenApiPath[] = "/api/v2/docs/openapi.json";
const char* const kMethods[] = {"get", "post", "put", "patch", "delete"};

// The document with its members in written order, so operations and
// examples run in the order the document lists them (cpprest otherwise
// sorts object members by name).
value ParseOrdered(const std::string& text) {
  web::json::keep_object_element_order(true);
  std::error_code ec;
  value out = value::parse(text, ec);
  web::json::keep_object_element_order(false);
  EXPECT_FALSE(ec) << "the served OpenAPI document is not JSON: "
                   << ec.message();
  return out;
}

// "/Users/{id}" and "/Users/{x}" are the same route.
std::string Template(const std::string& path) {
  std::string out;
  bool in_param = false;
  for (char c : path) {
    if (c == '{') {
      in_param = true;
      out += "{}";
    } else if (c == '}') {
      in_param = false;
    } else if (!in_param) {
      out += c;
    }
  }
  return out;
}

struct Fetched {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A GET that does not follow redirects (Stack::Http's client does), retried
// while nothing listens on `port` yet.
Fetched Fetch(int port, const std::string& path) {
  web::http::client::http_client_config config;
  config.set_timeout(std::chrono::seconds(30));
  config.set_max_redirects(0);
  web::http::client::http_client client(
      "http://127.0.0.1:" + std::to_string(port), config);
  for (int attempt = 0; attempt < 200; ++attempt) {
    try {
      web::http::http_response r =
          client.request(web::http::methods::GET, path).get();
      Fetched out;
      out.status = r.status_code();
      for (const auto& [k, v] : r.headers()) {
        out.headers[absl::AsciiStrToLower(k)] = v;
      }
      out.body = r.extract_string(true).get();
      return out;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return Fetched{0, {}, "nothing answered on port " + std::to_string(port)};
}

bool IsUrn(const std::string& name) {
  return absl::StartsWithIgnoreCase(name, "urn:");
}

class OpenApiDriftTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new Stack();
    stack_->StartAll();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    // Public: no token.
    HttpResult r = stack_->Http("GET", kOpenApiPath, "", {});
    ASSERT_EQ(r.status, 200) << r.raw;
    ASSERT_TRUE(absl::StartsWith(r.headers["content-type"], "application/json"))
        << r.headers["content-type"];
    doc_ = ParseOrdered(r.raw);
    ASSERT_TRUE(doc_.is_object());
    ASSERT_EQ(doc_.at("openapi").as_string().substr(0, 2), "3.");
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << stack_->logs();
  }

  // Follows "$ref": "#/components/<kind>/<name>" until a value has none.
  const value& Resolve(const value& v) const {
    const value* cur = &v;
    for (int hops = 0; cur->is_object() && cur->has_field("$ref"); ++hops) {
      std::string ref = cur->at("$ref").as_string();
      EXPECT_LT(hops, 10) << "a $ref cycle at " << ref;
      EXPECT_TRUE(absl::StartsWith(ref, "#/components/")) << ref;
      std::string rest = ref.substr(std::string("#/components/").size());
      size_t slash = rest.find('/');
      const value& kind = doc_.at("components").at(rest.substr(0, slash));
      std::string name = rest.substr(slash + 1);
      if (!kind.has_field(name)) {
        ADD_FAILURE() << "dangling " << ref;
        return v;
      }
      cur = &kind.at(name);
    }
    return *cur;
  }

  struct Operation {
    std::string path;    // as documented, e.g. /Users/{id}
    std::string method;  // upper case
    value item;          // the path item
    value op;            // the operation
  };

  std::vector<Operation> Operations() const {
    std::vector<Operation> out;
    for (const auto& [path, item] : doc_.at("paths").as_object()) {
      for (const char* m : kMethods) {
        if (item.has_field(m)) {
          out.push_back({path, absl::AsciiStrToUpper(m), item, item.at(m)});
        }
      }
    }
    return out;
  }

  // The example of every path parameter put into the path.
  std::string ExamplePath(const Operation& o) const {
    std::string path = o.path;
    for (const value* params : {&o.item, &o.op}) {
      if (!params->has_field("parameters")) continue;
      for (const value& p : params->at("parameters").as_array()) {
        const value& param = Resolve(p);
        if (param.at("in").as_string() != "path") continue;
        EXPECT_TRUE(param.has_field("example"))
            << o.method << " " << o.path << ": path parameter "
            << param.at("name").as_string() << " has no example";
        if (!param.has_field("example")) continue;
        path = absl::StrReplaceAll(
            path,
            {{"{" + param.at("name").as_string() + "}",
              web::uri::encode_data_string(param.at("example").as_string())}});
      }
    }
    return path;
  }

  // Every documented request example, by name, in the document's order.
  std::vector<std::pair<std::string, std::string>> RequestExamples(
      const Operation& o) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!o.op.has_field("requestBody")) return out;
    const value& body = Resolve(o.op.at("requestBody"));
    const value& content = body.at("content");
    EXPECT_TRUE(content.has_field("application/scim+json"))
        << o.method << " " << o.path;
    const value& media = content.at("application/scim+json");
    if (media.has_field("example")) {
      out.emplace_back("example", media.at("example").serialize());
    }
    if (media.has_field("examples")) {
      for (const auto& [name, ex] : media.at("examples").as_object()) {
        out.emplace_back(name, Resolve(ex).at("value").serialize());
      }
    }
    EXPECT_FALSE(out.empty()) << o.method << " " << o.path
                              << " documents a body but no example of it";
    return out;
  }

  std::string Placeholder(const std::string& parameter) const {
    return doc_.at("components")
        .at("parameters")
        .at(parameter)
        .at("example")
        .as_string();
  }

  std::string FirstServer() const {
    return doc_.at("servers").at(0).at("url").as_string();
  }

  // Whether `v` fits `schema`: types, and no member the schema does not
  // name (unless it allows additional ones). `where` names the spot.
  void ExpectConforms(const value& v, const value& schema_ref,
                      const std::string& where) const {
    const value& schema = Resolve(schema_ref);
    if (schema.has_field("allOf")) {
      // Merge the parts' properties: ListResponse + typed Resources.
      value merged = value::object();
      merged["type"] = value::string("object");
      merged["properties"] = value::object();
      for (const value& part : schema.at("allOf").as_array()) {
        const value& p = Resolve(part);
        if (!p.has_field("properties")) continue;
        for (const auto& [name, prop] : p.at("properties").as_object()) {
          merged["properties"][name] = prop;
        }
      }
      ExpectConforms(v, merged, where);
      return;
    }
    if (schema.has_field("oneOf") || !schema.has_field("type")) return;
    const std::string type = schema.at("type").as_string();
    if (type == "string") {
      EXPECT_TRUE(v.is_string())
          << where << " should be a string: " << v.serialize();
    } else if (type == "boolean") {
      EXPECT_TRUE(v.is_boolean()) << where << ": " << v.serialize();
    } else if (type == "integer") {
      EXPECT_TRUE(v.is_integer()) << where << ": " << v.serialize();
    } else if (type == "number") {
      EXPECT_TRUE(v.is_number()) << where << ": " << v.serialize();
    } else if (type == "array") {
      ASSERT_TRUE(v.is_array()) << where << ": " << v.serialize();
      for (size_t i = 0; i < v.size(); ++i) {
        ExpectConforms(v.at(i), schema.at("items"),
                       where + "[" + std::to_string(i) + "]");
      }
    } else if (type == "object") {
      ASSERT_TRUE(v.is_object()) << where << ": " << v.serialize();
      if (!schema.has_field("properties")) return;
      const value& props = schema.at("properties");
      for (const auto& [name, member] : v.as_object()) {
        if (props.has_field(name)) {
          ExpectConforms(member, props.at(name), where + "." + name);
        } else {
          EXPECT_TRUE(schema.has_field("additionalProperties"))
              << where << " has member '" << name
              << "', which the document's schema does not list";
        }
      }
    }
  }

  static Stack* stack_;
  value doc_;
};

Stack* OpenApiDriftTest::stack_ = nullptr;

TEST_F(OpenApiDriftTest, EveryDocumentedOperationWorksWithItsExamples) {
  // The custom-fields example needs the fields it names defined first, as
  // the document says.
  for (const char* field : {"COST-CODE", "SEAT-PREFERENCE"}) {
    int code = -1;
    std::string out = stack_->Scimctl(
        std::string("field add demo ") + field + " --type string", &code);
    ASSERT_EQ(code, 0) << out;
  }
  // Creates first, so later operations have a user and a group to act on;
  // deletes last. Otherwise the document's order.
  auto phase = [](const Operation& o) {
    if (o.method == "POST" && !absl::StrContains(o.path, ".search")) return 0;
    if (o.method == "DELETE") return 4;
    if (o.method == "PATCH") return 3;
    if (o.method == "PUT") return 2;
    return 1;
  };
  std::vector<Operation> ops = Operations();
  ASSERT_FALSE(ops.empty());
  std::stable_sort(ops.begin(), ops.end(),
                   [&](const Operation& a, const Operation& b) {
                     return phase(a) < phase(b);
                   });
  // The document's example ids stand for the first user and group its
  // examples create.
  std::map<std::string, std::string> ids = {{Placeholder("UserId"), ""},
                                            {Placeholder("GroupId"), ""}};
  const std::string base = FirstServer();
  size_t requests = 0;
  for (const Operation& o : ops) {
    std::vector<std::pair<std::string, std::string>> bodies =
        RequestExamples(o);
    if (bodies.empty()) bodies.emplace_back("no body", "");
    for (const auto& [name, example] : bodies) {
      std::string path = base + ExamplePath(o);
      std::string body = example;
      for (const auto& [placeholder, id] : ids) {
        const bool uses = absl::StrContains(path, placeholder) ||
                          absl::StrContains(body, placeholder);
        ASSERT_FALSE(uses && id.empty())
            << o.method << " " << o.path << " (" << name
            << ") uses an id no earlier example created";
        path = absl::StrReplaceAll(path, {{placeholder, id}});
        body = absl::StrReplaceAll(body, {{placeholder, id}});
      }
      HttpResult r = stack_->Http(o.method, path, body);
      ++requests;
      const std::string what = o.method + " " + o.path + " (" + name + ")";
      EXPECT_GE(r.status, 200) << what << ": " << r.raw;
      EXPECT_LT(r.status, 300) << what << " with the documented example "
                               << "fails: " << r.raw;
      const value& responses = o.op.at("responses");
      ASSERT_TRUE(responses.has_field(std::to_string(r.status)))
          << what << " answered " << r.status
          << ", which the document does not list";
      const value& documented = Resolve(responses.at(std::to_string(r.status)));
      if (documented.has_field("content") && !r.raw.empty()) {
        ExpectConforms(
            r.body,
            documented.at("content").at("application/scim+json").at("schema"),
            what + " answer");
      }
      if (o.method == "POST" && r.status == 201) {
        std::string param = o.path == "/Users"    ? "UserId"
                            : o.path == "/Groups" ? "GroupId"
                                                  : "";
        if (!param.empty() && ids[Placeholder(param)].empty()) {
          ids[Placeholder(param)] = r.body.at("id").as_string();
        }
      }
    }
  }
  EXPECT_GT(requests, ops.size());  // some operations have two examples
}

TEST_F(OpenApiDriftTest, EveryServedRouteIsDocumented) {
  std::set<std::pair<std::string, std::string>> documented;
  for (const Operation& o : Operations()) {
    documented.insert({Template(o.path), o.method});
  }
  HttpResult user =
      stack_->Http("POST", "/scim/v2/Users",
                   std::string(R"({"schemas":[")") + kUserUrn +
                       R"("],"userName":"route.probe@example.com"})");
  ASSERT_EQ(user.status, 201) << user.raw;
  HttpResult group = stack_->Http("POST", "/scim/v2/Groups",
                                  std::string(R"({"schemas":[")") + kGroupUrn +
                                      R"("],"displayName":"Route Probe"})");
  ASSERT_EQ(group.status, 201) << group.raw;
  // Real ids, so "served" never hides behind a 404 for a missing resource.
  const std::map<std::string, std::string> ids = {
      {"/Users", user.body.at("id").as_string()},
      {"/Groups", group.body.at("id").as_string()},
      {"/ResourceTypes", "User"},
      {"/Schemas", kUserUrn}};
  // The edge's resources and some it might grow; each with every suffix
  // and method. Deletes run last, so they remove nothing a probe needs.
  std::set<std::string> resources = {"/Users",
                                     "/Groups",
                                     "/Bulk",
                                     "/ServiceProviderConfig",
                                     "/serviceConfiguration",
                                     "/ResourceTypes",
                                     "/Schemas",
                                     "/Me",
                                     "/.search"};
  for (const auto& [path, method] : documented) {
    resources.insert(path.substr(0, path.find('/', 1)));
  }
  std::vector<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  for (const std::string& method : methods) {
    for (const std::string& resource : resources) {
      for (const std::string suffix : {"", "/{}", "/.search"}) {
        std::string route = resource + suffix;
        std::string path = route;
        if (suffix == "/{}") {
          auto it = ids.find(resource);
          path = resource + "/" +
                 web::uri::encode_data_string(it != ids.end() ? it->second
                                                              : "probe");
        }
        bool write = method == "POST" || method == "PUT" || method == "PATCH";
        HttpResult r =
            stack_->Http(method, "/scim/v2" + path, write ? "{}" : "");
        // 404: no such route (the router's "no SCIM endpoint", or a
        // discovery path that names nothing); 405/501: not this method.
        bool served = r.status != 404 && r.status != 405 && r.status != 501;
        EXPECT_EQ(served, documented.count({route, method}) == 1)
            << method << " " << route << " answered " << r.status << " "
            << r.raw
            << (served ? ": served but not documented"
                       : ": documented but not served");
      }
    }
  }
}

TEST_F(OpenApiDriftTest, SchemasMatchTheAttributeTables) {
  // /Schemas renders edge/resource_schema.h (UserResource(),
  // GroupResource()) attribute by attribute.
  HttpResult served = stack_->Http("GET", "/scim/v2/Schemas");
  ASSERT_EQ(served.status, 200) << served.raw;
  const value& components = doc_.at("components").at("schemas");
  const value& user = components.at("User");
  std::set<std::string> urns;

  // Compares one level of attributes with one schema's properties.
  std::function<void(const value&, const value&, const std::string&)> compare =
      [&](const value& attributes, const value& schema_ref,
          const std::string& where) {
        const value& schema = Resolve(schema_ref);
        ASSERT_TRUE(schema.has_field("properties")) << where;
        const value& props = schema.at("properties");
        std::set<std::string> required;
        if (schema.has_field("required")) {
          for (const value& r : schema.at("required").as_array()) {
            required.insert(r.as_string());
          }
        }
        std::set<std::string> names;
        for (const value& a : attributes.as_array()) {
          const std::string name = a.at("name").as_string();
          const std::string at = where + "." + name;
          names.insert(name);
          ASSERT_TRUE(props.has_field(name))
              << at << " is served by /Schemas but not documented";
          const value& prop = Resolve(props.at(name));
          const value* item = &prop;
          if (a.at("multiValued").as_bool()) {
            ASSERT_EQ(prop.at("type").as_string(), "array") << at;
            item = &Resolve(prop.at("items"));
          } else {
            EXPECT_NE(prop.at("type").as_string(), "array") << at;
          }
          const std::string type = a.at("type").as_string();
          const std::map<std::string, std::string> kOpenApiType = {
              {"string", "string"},   {"boolean", "boolean"},
              {"decimal", "number"},  {"integer", "integer"},
              {"dateTime", "string"}, {"reference", "string"},
              {"binary", "string"},   {"complex", "object"}};
          EXPECT_EQ(item->at("type").as_string(), kOpenApiType.at(type))
              << at << " is a SCIM " << type;
          if (type == "dateTime") {
            EXPECT_EQ(item->at("format").as_string(), "date-time") << at;
          }
          const std::string mutability = a.at("mutability").as_string();
          EXPECT_EQ(prop.has_field("readOnly") && prop.at("readOnly").as_bool(),
                    mutability == "readOnly")
              << at << " is " << mutability;
          EXPECT_EQ(
              prop.has_field("writeOnly") && prop.at("writeOnly").as_bool(),
              mutability == "writeOnly")
              << at << " is " << mutability;
          EXPECT_EQ(required.count(name) == 1, a.at("required").as_bool())
              << at << ": required differs";
          if (type == "complex") {
            compare(a.at("subAttributes"), *item, at);
          }
        }
        // Nothing documented that the server does not have (extensions
        // are members named by URN; `schemas` is in every resource).
        for (const auto& [name, prop] : props.as_object()) {
          if (name == "schemas" || IsUrn(name)) continue;
          EXPECT_EQ(names.count(name), 1u)
              << where << "." << name
              << " is documented but /Schemas has no such attribute";
        }
      };

  for (const value& s : served.body.at("Resources").as_array()) {
    const std::string urn = s.at("id").as_string();
    urns.insert(urn);
    const value* schema = nullptr;
    if (urn == kUserUrn) {
      schema = &user;
    } else if (urn == kGroupUrn) {
      schema = &components.at("Group");
    } else {
      // An extension: a member of User named by its URN.
      ASSERT_TRUE(user.at("properties").has_field(urn))
          << "extension " << urn << " is not documented on User";
      schema = &Resolve(user.at("properties").at(urn));
    }
    if (schema->has_field("additionalProperties")) {
      // Tenant-defined (CustomFields): the attributes are the tenant's.
      continue;
    }
    compare(s.at("attributes"), *schema, urn);
  }
  // Every extension the document puts on User is one the server has.
  for (const auto& [name, prop] : user.at("properties").as_object()) {
    if (IsUrn(name)) {
      EXPECT_EQ(urns.count(name), 1u) << name << " is not served by /Schemas";
    }
  }
  // The path parameters' choices are the server's.
  std::set<std::string> documented_urns;
  for (const value& u : doc_.at("components")
                            .at("parameters")
                            .at("SchemaUrn")
                            .at("schema")
                            .at("enum")
                            .as_array()) {
    documented_urns.insert(u.as_string());
  }
  EXPECT_EQ(documented_urns, urns);
  HttpResult types = stack_->Http("GET", "/scim/v2/ResourceTypes");
  ASSERT_EQ(types.status, 200) << types.raw;
  std::set<std::string> served_types, documented_types;
  for (const value& t : types.body.at("Resources").as_array()) {
    served_types.insert(t.at("name").as_string());
  }
  for (const value& t : doc_.at("components")
                            .at("parameters")
                            .at("ResourceTypeName")
                            .at("schema")
                            .at("enum")
                            .as_array()) {
    documented_types.insert(t.as_string());
  }
  EXPECT_EQ(documented_types, served_types);
}

TEST_F(OpenApiDriftTest, ServersAndAuthenticationAreTheEdges) {
  // The served servers are the edge's base paths (the stack's default).
  std::vector<std::string> servers;
  for (const value& s : doc_.at("servers").as_array()) {
    std::string url = s.at("url").as_string();
    servers.push_back(url);
    EXPECT_EQ(url.rfind('/', 0), 0u)
        << url << ": servers are relative, so 'Try it out' calls the same "
        << "server";
    HttpResult r = stack_->Http("GET", url + "/ServiceProviderConfig");
    EXPECT_EQ(r.status, 200) << url << ": " << r.raw;
  }
  EXPECT_EQ(servers,
            (std::vector<std::string>{"/scim/v2", "/api/v2/scim", "/v2"}));

  const value& schemes = doc_.at("components").at("securitySchemes");
  std::map<std::string, std::string> header_of;  // scheme -> header
  for (const auto& [name, scheme] : schemes.as_object()) {
    if (scheme.at("type").as_string() == "http") {
      EXPECT_EQ(absl::AsciiStrToLower(scheme.at("scheme").as_string()),
                "bearer");
      header_of[name] = "Authorization";
    } else {
      ASSERT_EQ(scheme.at("type").as_string(), "apiKey");
      EXPECT_EQ(scheme.at("in").as_string(), "header");
      header_of[name] = scheme.at("name").as_string();
    }
  }
  EXPECT_EQ(header_of.size(), 2u);
  // Each scheme alone is enough (OR of security requirements), and each
  // really authenticates.
  std::set<std::string> alternatives;
  for (const value& req : doc_.at("security").as_array()) {
    ASSERT_EQ(req.size(), 1u) << req.serialize();
    alternatives.insert(req.as_object().begin()->first);
  }
  for (const auto& [scheme, header] : header_of) {
    EXPECT_EQ(alternatives.count(scheme), 1u) << scheme;
    std::string credential = std::string(Stack::kToken);
    if (header == "Authorization") credential = "Bearer " + credential;
    HttpResult ok =
        stack_->Http("GET", "/api/v2/scim/Users", "", {{header, credential}});
    EXPECT_EQ(ok.status, 200) << header << ": " << ok.raw;
  }
  HttpResult none = stack_->Http("GET", "/api/v2/scim/Users", "", {});
  EXPECT_EQ(none.status, 401);
  // Every operation documents the 401 it gets without a token.
  for (const Operation& o : Operations()) {
    EXPECT_TRUE(o.op.at("responses").has_field("401"))
        << o.method << " " << o.path;
  }
}

TEST_F(OpenApiDriftTest, DocumentIsSelfContained) {
  // Every reference points into the document: tools (and Swagger UI)
  // resolve "$ref" strings anywhere, even inside examples, and the page
  // must make no request to another host. A SCIM attribute named "$ref"
  // is a schema (an object), which no tool reads as a reference.
  int refs = 0;
  std::function<void(const value&, const std::string&)> walk =
      [&](const value& v, const std::string& where) {
        if (v.is_array()) {
          for (size_t i = 0; i < v.size(); ++i) {
            walk(v.at(i), where + "[" + std::to_string(i) + "]");
          }
        } else if (v.is_object()) {
          for (const auto& [name, member] : v.as_object()) {
            if (name == "$ref" && member.is_string()) {
              ++refs;
              EXPECT_TRUE(absl::StartsWith(member.as_string(), "#/components/"))
                  << where << ": " << member.as_string();
              Resolve(v);
            }
            walk(member, where + "/" + name);
          }
        }
      };
  walk(doc_, "#");
  EXPECT_GT(refs, 50);
  // operationIds are unique and every operation has a tag: the page's deep
  // links (#/Users/listUsers) and the browser test depend on both.
  std::set<std::string> ids;
  for (const Operation& o : Operations()) {
    ASSERT_TRUE(o.op.has_field("operationId")) << o.method << " " << o.path;
    EXPECT_TRUE(ids.insert(o.op.at("operationId").as_string()).second)
        << o.op.at("operationId").as_string();
    EXPECT_EQ(o.op.at("tags").size(), 1u) << o.method << " " << o.path;
  }
}

TEST_F(OpenApiDriftTest, DocsPageIsPublicTypedAndConfined) {
  // The page's URLs are relative to /api/v2/docs/.
  Fetched redirect = Fetch(stack_->http_port(), "/api/v2/docs");
  EXPECT_EQ(redirect.status, 302) << redirect.body;
  EXPECT_EQ(redirect.headers["location"], "docs/");

  HttpResult page = stack_->Http("GET", "/api/v2/docs/", "", {});
  if (page.status == 503) {
    // Built without npm: the answer must say how to install the page.
    EXPECT_TRUE(absl::StrContains(page.raw, "npm ci")) << page.raw;
    GTEST_SKIP() << "Swagger UI is not installed in this build: " << page.raw;
  }
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(page.raw, "./openapi.json"));
  EXPECT_TRUE(absl::StrContains(page.raw, "persistAuthorization: true"));
  EXPECT_EQ(stack_->Http("GET", "/api/v2/docs/api-docs", "", {}).status, 200);
  EXPECT_EQ(stack_->Http("GET", "/API/V2/DOCS/index.html", "", {}).status, 200);

  const std::map<std::string, std::string> assets = {
      {"swagger-ui-bundle.js", "application/javascript"},
      {"swagger-ui.css", "text/css"},
      {"favicon-32x32.png", "image/png"}};
  for (const auto& [name, type] : assets) {
    HttpResult r = stack_->Http("GET", "/api/v2/docs/" + name, "", {});
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_TRUE(absl::StartsWith(r.headers["content-type"], type))
        << name << ": " << r.headers["content-type"];
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << name;
    EXPECT_GT(r.raw.size(), 100u) << name;
  }
  // Only the known files: nothing else from the directory, nothing above.
  for (const char* path :
       {"/api/v2/docs/package.json", "/api/v2/docs/%2e%2e",
        "/api/v2/docs/..%2f..%2f..%2fetc%2fpasswd",
        "/api/v2/docs/%2e%2e%2fpackage.json",
        "/api/v2/docs/swagger-ui.css/..%2f..%2fpackage.json"}) {
    HttpResult r = stack_->Http("GET", path, "", {});
    EXPECT_EQ(r.status, 404) << path << ": " << r.raw;
    EXPECT_FALSE(absl::StrContains(r.raw, "root:")) << path;
  }
  HttpResult post = stack_->Http("POST", kOpenApiPath, "{}", {});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["allow"], "GET");
}

// An edge with other base paths and no Swagger UI files, on the same
// backends: the document follows the configuration, and the page says how
// to install what it misses.
TEST_F(OpenApiDriftTest, DocumentFollowsConfigurationWithoutUiFiles) {
  int port = FreePort();
  std::string log = stack_->data_dir() + "/scim-edge-docs.log";
  Process edge;
  edge.Start(
      std::string(SCIM_BIN_DIR) + "/scim-edge", {},
      {{"SCIM_HTTP_PORT", std::to_string(port)},
       {"SCIM_IDENTITY_ADDRESS", stack_->grpc_address("identity-service")},
       {"SCIM_ROLE_ADDRESS", stack_->grpc_address("role-service")},
       {"SCIM_AUDIT_ADDRESS", stack_->grpc_address("audit-service")},
       {"SCIM_BASE_PATHS", "/api/v2/scim,/tenant-a/scim/v2"},
       {"SCIM_DOCS_DIR", stack_->data_dir() + "/no-such-dir"}},
      log);
  Fetched document = Fetch(port, kOpenApiPath);
  ASSERT_EQ(document.status, 200) << document.body;
  value doc = ParseOrdered(document.body);
  std::vector<std::string> servers;
  for (const value& s : doc.at("servers").as_array()) {
    servers.push_back(s.at("url").as_string());
  }
  EXPECT_EQ(servers,
            (std::vector<std::string>{"/api/v2/scim", "/tenant-a/scim/v2"}));
  // Everything but the servers is the document as written.
  value rest = doc, default_rest = doc_;
  rest.erase("servers");
  default_rest.erase("servers");
  EXPECT_EQ(rest.serialize(), default_rest.serialize());

  Fetched page = Fetch(port, "/api/v2/docs/");
  EXPECT_EQ(page.status, 503);
  EXPECT_TRUE(
      absl::StartsWith(page.headers["content-type"], "application/json"));
  EXPECT_TRUE(absl::StrContains(page.body, "npm ci")) << page.body;
  EXPECT_TRUE(absl::StrContains(page.body, "SCIM_DOCS_DIR")) << page.body;
  Fetched asset = Fetch(port, "/api/v2/docs/swagger-ui.css");
  EXPECT_EQ(asset.status, 503) << asset.body;
  edge.Stop(15);
}

}  // namespace
}  // namespace scim::testing
