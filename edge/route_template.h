#ifndef SCIM_EDGE_ROUTE_TEMPLATE_H_
#define SCIM_EDGE_ROUTE_TEMPLATE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace scim::edge {

// The route a request path takes, for metrics labels and access logs: the
// base path as configured, the resource as spelled in RFC 7644 and ids as
// {id}, e.g. /scim/v2/Users/{id}. Never an id, a tenant or anything else a
// client chooses, so the set of routes stays small: paths outside the
// endpoints are "other", and unknown resources under a base <base>/other.
class RouteTemplates {
 public:
  explicit RouteTemplates(const std::vector<std::string>& base_paths);
  // `path`: the request's path, still percent-encoded.
  std::string Of(absl::string_view path) const;

 private:
  // Each base path's segments and the base path itself.
  std::vector<std::pair<std::vector<std::string>, std::string>> bases_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ROUTE_TEMPLATE_H_
