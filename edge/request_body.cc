#include "edge/request_body.h"

#include "absl/strings/match.h"
#include "common/status_map.h"

namespace scim::edge {

absl::StatusOr<web::json::value> ParseJsonObject(const std::string& body) {
  std::error_code ec;
  web::json::value v = web::json::value::parse(body, ec);
  if (ec) {
    return WithScimType(
        absl::InvalidArgumentError("the request body is not valid JSON (" +
                                   ec.message() +
                                   "); send a SCIM resource as a JSON object"),
        "invalidSyntax");
  }
  if (!v.is_object()) {
    return WithScimType(absl::InvalidArgumentError(
                            "the request body must be a JSON object"),
                        "invalidSyntax");
  }
  return v;
}

const web::json::value* FindMember(const web::json::value& object,
                                   const std::string& name) {
  if (!object.is_object()) return nullptr;
  for (const auto& [key, value] : object.as_object()) {
    if (absl::EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

}  // namespace scim::edge
