#ifndef SCIM_EDGE_SCIM_RESPONSE_H_
#define SCIM_EDGE_SCIM_RESPONSE_H_

#include <cpprest/http_msg.h>
#include <cpprest/json.h>

#include <optional>
#include <string>

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

}  // namespace scim::edge

#endif  // SCIM_EDGE_SCIM_RESPONSE_H_
