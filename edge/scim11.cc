#include "edge/scim11.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "common/status_map.h"
#include "edge/request_body.h"
#include "edge/scim_response.h"
#include "edge/user_json.h"

namespace scim::edge {
namespace {

using web::json::value;

// 1.1 URN <-> 2.0 URN of the same schema.
const std::vector<std::pair<std::string, std::string>>& Urns() {
  static const auto* urns =
      new std::vector<std::pair<std::string, std::string>>{
          {kScim11CoreSchema, kUserSchema},
          {kScim11EnterpriseSchema, kEnterpriseUserSchema},
      };
  return *urns;
}

// Renames schema URNs in `schemas` and extension members of `resource`
// from one version to the other.
value MapUrns(const value& resource, bool to_scim2) {
  if (!resource.is_object()) return resource;
  value out = value::object(/*keep_order=*/true);
  for (const auto& [key, member] : resource.as_object()) {
    std::string name = key;
    for (const auto& [v1, v2] : Urns()) {
      if (absl::EqualsIgnoreCase(key, to_scim2 ? v1 : v2)) {
        name = to_scim2 ? v2 : v1;
      }
    }
    if (absl::EqualsIgnoreCase(key, "schemas") && member.is_array()) {
      std::vector<value> schemas;
      for (const value& s : member.as_array()) {
        std::string urn = s.is_string() ? s.as_string() : "";
        for (const auto& [v1, v2] : Urns()) {
          if (absl::EqualsIgnoreCase(urn, to_scim2 ? v1 : v2)) {
            urn = to_scim2 ? v2 : v1;
          }
        }
        // 1.1 has no message schemas: a list is "core" too.
        if (!to_scim2 && absl::StartsWith(urn, "urn:ietf:params:scim:api:")) {
          urn = kScim11CoreSchema;
        }
        schemas.push_back(value::string(urn));
      }
      out[name] = value::array(std::move(schemas));
      continue;
    }
    out[name] = member;
  }
  return out;
}

absl::StatusOr<std::string> PatchToScim2(const value& body) {
  std::vector<value> ops;
  auto op = [](const std::string& verb, const std::string& path,
               std::optional<value> v) {
    value o = value::object(/*keep_order=*/true);
    o["op"] = value::string(verb);
    if (!path.empty()) o["path"] = value::string(path);
    if (v) o["value"] = *std::move(v);
    return o;
  };
  if (const value* meta = FindMember(body, "meta")) {
    if (const value* remove = FindMember(*meta, "attributes");
        remove != nullptr && remove->is_array()) {
      for (const value& a : remove->as_array()) {
        if (!a.is_string()) continue;
        std::string path = a.as_string();
        for (const auto& [v1, v2] : Urns()) {
          if (absl::StartsWithIgnoreCase(path, v1 + ":")) {
            path = v2 + path.substr(v1.size());
          }
        }
        ops.push_back(op("remove", path, std::nullopt));
      }
    }
  }
  value mapped = MapUrns(body, /*to_scim2=*/true);
  for (const auto& [key, member] : mapped.as_object()) {
    if (absl::EqualsIgnoreCase(key, "schemas") ||
        absl::EqualsIgnoreCase(key, "meta") ||
        absl::EqualsIgnoreCase(key, "id")) {
      continue;
    }
    if (!member.is_array()) {
      ops.push_back(op("replace", key, member));
      continue;
    }
    std::vector<value> added;
    for (const value& element : member.as_array()) {
      const value* operation =
          element.is_object() ? FindMember(element, "operation") : nullptr;
      if (operation != nullptr && operation->is_string() &&
          absl::EqualsIgnoreCase(operation->as_string(), "delete")) {
        const value* v = FindMember(element, "value");
        if (v == nullptr || !v->is_string()) {
          return WithScimType(
              absl::InvalidArgumentError(
                  key + ": an element with \"operation\": \"delete\" names "
                        "the value to delete"),
              "invalidValue");
        }
        // A JSON string literal is a valid filter string.
        ops.push_back(op("remove",
                         key + "[value eq " +
                             value::string(v->as_string()).serialize() + "]",
                         std::nullopt));
        continue;
      }
      value copy = element;
      if (copy.is_object() && copy.has_field("operation")) {
        copy.erase("operation");
      }
      added.push_back(std::move(copy));
    }
    if (!added.empty()) ops.push_back(op("add", key, value::array(added)));
  }
  value patch = value::object(/*keep_order=*/true);
  patch["schemas"] = value::array(
      {value::string("urn:ietf:params:scim:api:messages:2.0:PatchOp")});
  patch["Operations"] = value::array(std::move(ops));
  return patch.serialize();
}

}  // namespace

absl::StatusOr<std::string> Scim11RequestToScim2(
    const web::http::method& method, const std::string& body) {
  if (body.empty()) return body;
  auto json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  if (method == web::http::methods::PATCH) return PatchToScim2(*json);
  return MapUrns(*json, /*to_scim2=*/true).serialize();
}

web::http::http_response Scim2ResponseToScim11(
    web::http::http_response response) {
  // A 204 (DELETE, PATCH under no-content) has no body to rewrite, and
  // extracting one from it would wait forever.
  if (response.status_code() == web::http::status_codes::NoContent) {
    return response;
  }
  std::string text = response.extract_string(true).get();
  if (text.empty()) return response;
  std::error_code ec;
  value body = value::parse(text, ec);
  if (ec || !body.is_object()) return response;
  value out;
  if (const value* detail = FindMember(body, "detail");
      detail != nullptr && response.status_code() >= 400) {
    // SCIM 1.1 §3.9: {"Errors": [{"description": ..., "code": ...}]}.
    value error = value::object(/*keep_order=*/true);
    error["description"] = *detail;
    error["code"] = value::string(std::to_string(response.status_code()));
    out = value::object();
    out["Errors"] = value::array({error});
  } else {
    out = MapUrns(body, /*to_scim2=*/false);
    if (const value* resources = FindMember(out, "Resources");
        resources != nullptr && resources->is_array()) {
      std::vector<value> mapped;
      for (const value& r : resources->as_array()) {
        mapped.push_back(MapUrns(r, /*to_scim2=*/false));
      }
      out["Resources"] = value::array(std::move(mapped));
    }
  }
  response.set_body(out.serialize(), "application/json");
  return response;
}

}  // namespace scim::edge
