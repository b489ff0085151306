#include "edge/scim_response.h"

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::edge {

web::json::value ErrorBody(const absl::Status& status) {
  web::json::value body = web::json::value::object();
  body["schemas"] = web::json::value::array({web::json::value::string(
      "urn:ietf:params:scim:api:messages:2.0:Error")});
  body["status"] =
      web::json::value::string(std::to_string(HttpStatusFor(status.code())));
  std::string type = ScimTypeOf(status);
  if (type.empty() && status.code() == absl::StatusCode::kAlreadyExists) {
    type = "uniqueness";
  }
  if (!type.empty()) body["scimType"] = web::json::value::string(type);
  std::string detail(status.message());
  if (HttpStatusFor(status.code()) == 500) {
    detail =
        "internal error: " + detail + "; retry, and report it if it persists";
  }
  body["detail"] = web::json::value::string(detail);
  return body;
}

web::http::http_response JsonResponse(web::http::status_code code,
                                      const web::json::value& body) {
  web::http::http_response response(code);
  response.set_body(body.serialize(), kScimContentType);
  return response;
}

web::http::http_response ErrorResponse(const absl::Status& status) {
  int code = HttpStatusFor(status.code());
  web::http::http_response response = JsonResponse(
      static_cast<web::http::status_code>(code), ErrorBody(status));
  if (code == 401) {
    response.headers().add("WWW-Authenticate", "Bearer realm=\"scim\"");
  }
  if (IsRetryable(status.code())) response.headers().add("Retry-After", "5");
  return response;
}

std::string ETagFor(int64_t version) {
  return "W/\"" + std::to_string(version) + "\"";
}

std::optional<int64_t> VersionFromETag(const std::string& etag) {
  absl::string_view v = etag;
  absl::ConsumePrefix(&v, "W/");
  if (!absl::ConsumePrefix(&v, "\"") || !absl::ConsumeSuffix(&v, "\"")) {
    return std::nullopt;
  }
  int64_t n = 0;
  if (!absl::SimpleAtoi(v, &n)) return std::nullopt;
  return n;
}

web::json::value MetaToJson(const scim::common::v1::Meta& meta,
                            const std::string& resource_type,
                            const std::string& location) {
  web::json::value out = web::json::value::object();
  out["resourceType"] = web::json::value::string(resource_type);
  if (meta.has_created()) {
    out["created"] = web::json::value::string(FormatRfc3339(meta.created()));
  }
  if (meta.has_last_modified()) {
    out["lastModified"] =
        web::json::value::string(FormatRfc3339(meta.last_modified()));
  }
  if (!location.empty()) out["location"] = web::json::value::string(location);
  out["version"] = web::json::value::string(ETagFor(meta.version()));
  return out;
}

}  // namespace scim::edge
