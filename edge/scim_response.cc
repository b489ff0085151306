#include "edge/scim_response.h"

#include "absl/strings/ascii.h"
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

IfMatch::IfMatch(const std::string& header) : header_(header) {
  absl::string_view rest = absl::StripAsciiWhitespace(header);
  if (rest == "*") {
    any_ = true;
    return;
  }
  // 1#entity-tag: tags separated by commas and optional whitespace.
  bool any_tag = false;
  while (!rest.empty()) {
    if (rest.front() == ',' || rest.front() == ' ' || rest.front() == '\t') {
      rest.remove_prefix(1);
      continue;
    }
    absl::string_view tag = rest;
    absl::ConsumePrefix(&tag, "W/");
    size_t close = tag.size() > 1 && tag.front() == '"'
                       ? tag.find('"', 1)
                       : absl::string_view::npos;
    if (close == absl::string_view::npos) {
      malformed_ = true;
      return;
    }
    int64_t version = 0;
    if (absl::SimpleAtoi(tag.substr(1, close - 1), &version)) {
      versions_.push_back(version);
    }
    any_tag = true;
    rest = tag.substr(close + 1);
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (!rest.empty() && rest.front() != ',') {
      malformed_ = true;
      return;
    }
  }
  malformed_ = !any_tag;
}

std::optional<IfMatch> IfMatch::FromHeaders(
    const std::map<std::string, std::string>& headers) {
  auto it = headers.find("if-match");
  if (it == headers.end()) return std::nullopt;
  return IfMatch(it->second);
}

absl::Status IfMatch::Check(int64_t version,
                            const std::string& resource) const {
  if (any_) return absl::OkStatus();
  // A header not understood whole is never half-trusted.
  for (int64_t v : versions_) {
    if (v == version && !malformed_) return absl::OkStatus();
  }
  std::string now = "the " + resource + " is at " + ETagFor(version);
  // Echoed so the administrator sees what was sent; bounded, as any header.
  std::string sent =
      header_.size() > 100 ? header_.substr(0, 100) + "..." : header_;
  if (malformed_) {
    return absl::FailedPreconditionError(
        "If-Match '" + sent + "' is not a list of entity-tags (" + now +
        "); send the ETag of the last response, such as " + ETagFor(version) +
        ", or * for any version");
  }
  if (versions_.empty()) {
    return absl::FailedPreconditionError(
        "If-Match '" + sent + "' names no version this server issued (" + now +
        "); send the ETag of the last response");
  }
  return absl::FailedPreconditionError(
      "If-Match '" + sent + "' does not match: " + now +
      ", changed since; read it again and retry with its ETag");
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
