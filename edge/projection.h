#ifndef SCIM_EDGE_PROJECTION_H_
#define SCIM_EDGE_PROJECTION_H_

#include <cpprest/json.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "edge/resource_schema.h"

namespace scim::edge {

// `attributes` / `excludedAttributes` of a request (RFC 7644 §3.4.2.5 and
// §3.9): attribute paths as the client sent them, possibly URN-qualified
// or with a sub-attribute. Both empty means the default set.
struct Projection {
  std::vector<std::string> attributes;
  std::vector<std::string> excluded;
};

// Splits the comma-separated parameters; an empty element or a malformed
// path is 400 invalidValue naming it.
absl::StatusOr<Projection> ParseProjection(const std::string& attributes,
                                           const std::string& excluded);

// `resource` as the projection asks: with `attributes`, only those (and the
// `returned: always` ones: id, schemas and the like); with `excluded`, all
// but those (never the `always` ones); `returned: never` attributes are
// always dropped and `returned: request` ones kept only when named.
// Attribute names match case-insensitively; names of unknown attributes are
// ignored.
web::json::value Project(web::json::value resource,
                         const Projection& projection,
                         const ResourceSchema& schema);

}  // namespace scim::edge

#endif  // SCIM_EDGE_PROJECTION_H_
