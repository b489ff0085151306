#ifndef SCIM_EDGE_REQUEST_CONTEXT_H_
#define SCIM_EDGE_REQUEST_CONTEXT_H_

#include <map>
#include <memory>
#include <string>

#include "edge/backends.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::edge {

// What the router learned about a request before a resource handler runs.
struct RequestContext {
  CallerInfo caller;
  // The authenticated tenant, policies effective. Shared with the
  // authenticator's cache: copying a tenant's policies and custom fields on
  // every request cost the edge about 3% of its CPU in a sync.
  std::shared_ptr<const scim::identity::v1::Tenant> shared_tenant;
  const scim::identity::v1::Tenant& tenant() const {
    return shared_tenant != nullptr
               ? *shared_tenant
               : scim::identity::v1::Tenant::default_instance();
  }
  // Absolute URL of the base path the request came in on, without a trailing
  // slash, e.g. http://127.0.0.1:8080/scim/v2.
  std::string base_url;
  // Query parameters, names lower-cased, values decoded.
  std::map<std::string, std::string> query;
  // Request headers the handlers need, names lower-cased.
  std::map<std::string, std::string> headers;

  std::string Policy(const std::string& key) const {
    const auto& policies = tenant().policies();
    auto it = policies.find(key);
    return it == policies.end() ? "" : it->second;
  }
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_REQUEST_CONTEXT_H_
