#ifndef SCIM_EDGE_SCIM_RESPONSE_H_
#define SCIM_EDGE_SCIM_RESPONSE_H_

#include <cpprest/http_msg.h>
#include <cpprest/json.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scim/common/v1/common.pb.h"

namespace scim::edge {

inline constexpr char kScimContentType[] =
    "application/scim+json; charset=utf-8";

// A SCIM error body (urn:ietf:params:scim:api:messages:2.0:Error) for
// `status`, with status mapped per DESIGN.md's error table.
web::json::value ErrorBody(const absl::Status& status);

// The HTTP response for a failed request: mapped code, error body, and the
// headers the code calls for (WWW-Authenticate on 401, Retry-After on 429/503).
web::http::http_response ErrorResponse(const absl::Status& status);

web::http::http_response JsonResponse(web::http::status_code code,
                                      const web::json::value& body);

// The SCIM `meta` attribute of a resource.
web::json::value MetaToJson(const scim::common::v1::Meta& meta,
                            const std::string& resource_type,
                            const std::string& location);

// W/"<version>" and back; nullopt for '*' or anything unparseable.
std::string ETagFor(int64_t version);
std::optional<int64_t> VersionFromETag(const std::string& etag);

// A request's If-Match header (RFC 7232 §3.1): `*`, or a list of
// entity-tags of which any may match. Tags compare weakly, by version with
// or without W/, since every ETag this server sends is weak (RFC 7644
// §3.14). A tag that is malformed or names no version this server issued
// can never match, so the write is refused (412) instead of going ahead
// unchecked.
class IfMatch {
 public:
  explicit IfMatch(const std::string& header);

  // The request's precondition; nullopt when it has no If-Match. `headers`
  // have lower-cased names, as RequestContext::headers.
  static std::optional<IfMatch> FromHeaders(
      const std::map<std::string, std::string>& headers);

  // `*`: any existing resource matches.
  bool any() const { return any_; }

  // OK when a `resource` ("user", "group") at `version` satisfies the
  // header; FAILED_PRECONDITION (412) saying why and what to send otherwise.
  absl::Status Check(int64_t version, const std::string& resource) const;

 private:
  std::string header_;
  bool any_ = false;
  bool malformed_ = false;
  std::vector<int64_t> versions_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_SCIM_RESPONSE_H_
