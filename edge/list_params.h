#ifndef SCIM_EDGE_LIST_PARAMS_H_
#define SCIM_EDGE_LIST_PARAMS_H_

#include <cpprest/http_msg.h>
#include <cpprest/json.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "edge/projection.h"
#include "edge/request_context.h"
#include "scim/common/v1/common.pb.h"

namespace scim::edge {

// What a list request asks for (RFC 7644 §3.4.2), from GET query parameters
// or a POST .search body, with the tenant's paging policy applied.
struct ListParams {
  std::optional<scim::common::v1::Filter> filter;
  int start_index = 1;
  int count = 0;
  std::string sort_by;
  bool descending = false;
  Projection projection;
};

absl::StatusOr<ListParams> ListParamsFromQuery(const RequestContext& ctx);
// `body` is a urn:ietf:params:scim:api:messages:2.0:SearchRequest.
absl::StatusOr<ListParams> ListParamsFromSearch(const std::string& body,
                                                const RequestContext& ctx);
// `attributes` / `excludedAttributes` of a single-resource request.
absl::StatusOr<Projection> ProjectionFromQuery(const RequestContext& ctx);

// 200 with a urn:ietf:params:scim:api:messages:2.0:ListResponse of
// `resources`, each already serialized (a cached rendering goes in as is).
web::http::http_response ListResponse(
    int64_t total_results, int start_index,
    const std::vector<std::string>& resources);

}  // namespace scim::edge

#endif  // SCIM_EDGE_LIST_PARAMS_H_
