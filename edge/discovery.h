#ifndef SCIM_EDGE_DISCOVERY_H_
#define SCIM_EDGE_DISCOVERY_H_

#include <cpprest/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edge/resource_schema.h"

namespace scim::edge {

// What discovery must tell truthfully about this server and tenant.
struct DiscoveryOptions {
  // Absolute base URL, e.g. http://127.0.0.1:8080/scim/v2 (meta.location).
  std::string base_url;
  int max_page_size = 5000;
  int bulk_max_operations = 1000;
  int64_t bulk_max_payload = 1 << 20;
  bool groups_enabled = true;
  // The tenant's custom fields: the attributes of the CustomFields
  // extension, so an IdP's schema discovery (Entra) finds them.
  std::vector<AttributeDef> custom_fields;
};

// RFC 7643 §5, §6 and §7, rendered from edge/resource_schema.h.
web::json::value ServiceProviderConfig(const DiscoveryOptions& options);
// A ListResponse of every resource type.
web::json::value ResourceTypes(const DiscoveryOptions& options);
// One resource type by name ("User", "Group"), ignoring case.
std::optional<web::json::value> ResourceType(const DiscoveryOptions& options,
                                             const std::string& name);
// A ListResponse of every schema.
web::json::value Schemas(const DiscoveryOptions& options);
// One schema by URN, ignoring case.
std::optional<web::json::value> Schema(const DiscoveryOptions& options,
                                       const std::string& urn);

}  // namespace scim::edge

#endif  // SCIM_EDGE_DISCOVERY_H_
