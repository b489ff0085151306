#include "edge/discovery.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "edge/resource_schema.h"
#include "edge/user_json.h"

namespace scim::edge {
namespace {

using web::json::value;

constexpr char kServiceProviderConfigSchema[] =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
constexpr char kResourceTypeSchema[] =
    "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
constexpr char kSchemaSchema[] = "urn:ietf:params:scim:schemas:core:2.0:Schema";
constexpr char kListResponse[] =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";

// Keeps insertion order so documents read like RFC 7643's examples.
value NewObject() { return value::object(/*keep_order=*/true); }

value Strings(const std::vector<std::string>& items) {
  std::vector<value> out;
  out.reserve(items.size());
  for (const std::string& s : items) out.push_back(value::string(s));
  return value::array(std::move(out));
}

value Supported(bool supported) {
  value out = NewObject();
  out["supported"] = value::boolean(supported);
  return out;
}

value Meta(const std::string& resource_type, const std::string& location) {
  value out = NewObject();
  out["resourceType"] = value::string(resource_type);
  out["location"] = value::string(location);
  return out;
}

value ListResponse(std::vector<value> resources) {
  value out = NewObject();
  out["schemas"] = Strings({kListResponse});
  const int n = static_cast<int>(resources.size());
  out["totalResults"] = value::number(n);
  out["itemsPerPage"] = value::number(n);
  out["startIndex"] = value::number(1);
  out["Resources"] = value::array(std::move(resources));
  return out;
}

// ------------------------------------------------- attribute characteristics

const char* TypeName(AttrType type) {
  switch (type) {
    case AttrType::kString:
      return "string";
    case AttrType::kBoolean:
      return "boolean";
    case AttrType::kDecimal:
      return "decimal";
    case AttrType::kInteger:
      return "integer";
    case AttrType::kDateTime:
      return "dateTime";
    case AttrType::kReference:
      return "reference";
    case AttrType::kComplex:
      return "complex";
    case AttrType::kBinary:
      return "binary";
  }
  return "string";
}

const char* MutabilityName(Mutability m) {
  switch (m) {
    case Mutability::kReadWrite:
      return "readWrite";
    case Mutability::kReadOnly:
      return "readOnly";
    case Mutability::kImmutable:
      return "immutable";
    case Mutability::kWriteOnly:
      return "writeOnly";
  }
  return "readWrite";
}

const char* ReturnedName(Returned r) {
  switch (r) {
    case Returned::kDefault:
      return "default";
    case Returned::kAlways:
      return "always";
    case Returned::kNever:
      return "never";
    case Returned::kRequest:
      return "request";
  }
  return "default";
}

const char* UniquenessName(Uniqueness u) {
  switch (u) {
    case Uniqueness::kNone:
      return "none";
    case Uniqueness::kServer:
      return "server";
    case Uniqueness::kGlobal:
      return "global";
  }
  return "none";
}

// RFC 7643 §7: every characteristic is spelled out, even at its default,
// because schema-discovering clients (Okta, Entra) do not all apply the
// RFC's defaults to missing ones.
value AttributeJson(const AttributeDef& a) {
  value out = NewObject();
  out["name"] = value::string(a.name);
  out["type"] = value::string(TypeName(a.type));
  out["multiValued"] = value::boolean(a.multi_valued);
  out["description"] = value::string(a.description);
  out["required"] = value::boolean(a.required);
  out["caseExact"] = value::boolean(a.case_exact);
  if (!a.canonical_values.empty()) {
    out["canonicalValues"] = Strings(a.canonical_values);
  }
  out["mutability"] = value::string(MutabilityName(a.mutability));
  out["returned"] = value::string(ReturnedName(a.returned));
  out["uniqueness"] = value::string(UniquenessName(a.uniqueness));
  if (a.type == AttrType::kReference) {
    out["referenceTypes"] = Strings(a.reference_types);
  }
  if (a.type == AttrType::kComplex) {
    std::vector<value> subs;
    subs.reserve(a.sub_attributes.size());
    for (const AttributeDef& sub : a.sub_attributes) {
      subs.push_back(AttributeJson(sub));
    }
    out["subAttributes"] = value::array(std::move(subs));
  }
  return out;
}

value SchemaJson(const DiscoveryOptions& options, const SchemaDef& schema) {
  value out = NewObject();
  out["schemas"] = Strings({kSchemaSchema});
  out["id"] = value::string(schema.id);
  out["name"] = value::string(schema.name);
  out["description"] = value::string(schema.description);
  const std::vector<AttributeDef>& defs =
      absl::EqualsIgnoreCase(schema.id, kCustomFieldsSchema)
          ? options.custom_fields
          : schema.attributes;
  std::vector<value> attributes;
  attributes.reserve(defs.size());
  for (const AttributeDef& a : defs) {
    attributes.push_back(AttributeJson(a));
  }
  out["attributes"] = value::array(std::move(attributes));
  out["meta"] = Meta("Schema", options.base_url + "/Schemas/" + schema.id);
  return out;
}

value ResourceTypeJson(const DiscoveryOptions& options,
                       const ResourceSchema& resource) {
  value out = NewObject();
  out["schemas"] = Strings({kResourceTypeSchema});
  out["id"] = value::string(resource.name);
  out["name"] = value::string(resource.name);
  out["endpoint"] = value::string(resource.endpoint);
  out["description"] = value::string(resource.description);
  out["schema"] = value::string(resource.core.id);
  if (!resource.extensions.empty()) {
    std::vector<value> extensions;
    extensions.reserve(resource.extensions.size());
    for (const ResourceSchema::Extension& ext : resource.extensions) {
      value e = NewObject();
      e["schema"] = value::string(ext.schema.id);
      e["required"] = value::boolean(ext.required);
      extensions.push_back(std::move(e));
    }
    out["schemaExtensions"] = value::array(std::move(extensions));
  }
  out["meta"] = Meta("ResourceType",
                     options.base_url + "/ResourceTypes/" + resource.name);
  return out;
}

// The resource types this tenant serves, User first: clients such as
// Microsoft's validator read Resources[0] as the User type.
std::vector<const ResourceSchema*> Served(const DiscoveryOptions& options) {
  std::vector<const ResourceSchema*> out = {&UserResource()};
  if (options.groups_enabled) out.push_back(&GroupResource());
  return out;
}

// Every schema of the served resource types, each core schema followed by
// its extensions.
std::vector<const SchemaDef*> ServedSchemas(const DiscoveryOptions& options) {
  std::vector<const SchemaDef*> out;
  for (const ResourceSchema* resource : Served(options)) {
    out.push_back(&resource->core);
    for (const ResourceSchema::Extension& ext : resource->extensions) {
      out.push_back(&ext.schema);
    }
  }
  return out;
}

}  // namespace

value ServiceProviderConfig(const DiscoveryOptions& options) {
  value out = NewObject();
  out["schemas"] = Strings({kServiceProviderConfigSchema});
  out["patch"] = Supported(true);

  value bulk = Supported(true);
  bulk["maxOperations"] = value::number(options.bulk_max_operations);
  bulk["maxPayloadSize"] = value::number(options.bulk_max_payload);
  out["bulk"] = std::move(bulk);

  value filter = Supported(true);
  filter["maxResults"] = value::number(options.max_page_size);
  out["filter"] = std::move(filter);

  out["changePassword"] = Supported(false);
  out["sort"] = Supported(true);
  out["etag"] = Supported(true);

  value bearer = NewObject();
  bearer["type"] = value::string("oauthbearertoken");
  bearer["name"] = value::string("OAuth Bearer Token");
  bearer["description"] = value::string(
      "Authentication with the tenant's API token sent as "
      "'Authorization: Bearer <token>'.");
  bearer["specUri"] = value::string("https://www.rfc-editor.org/info/rfc6750");
  bearer["primary"] = value::boolean(true);
  out["authenticationSchemes"] = value::array({std::move(bearer)});

  out["meta"] = Meta("ServiceProviderConfig",
                     options.base_url + "/ServiceProviderConfig");
  return out;
}

value ResourceTypes(const DiscoveryOptions& options) {
  std::vector<value> resources;
  for (const ResourceSchema* resource : Served(options)) {
    resources.push_back(ResourceTypeJson(options, *resource));
  }
  return ListResponse(std::move(resources));
}

std::optional<value> ResourceType(const DiscoveryOptions& options,
                                  const std::string& name) {
  for (const ResourceSchema* resource : Served(options)) {
    if (absl::EqualsIgnoreCase(resource->name, name)) {
      return ResourceTypeJson(options, *resource);
    }
  }
  return std::nullopt;
}

value Schemas(const DiscoveryOptions& options) {
  std::vector<value> resources;
  for (const SchemaDef* schema : ServedSchemas(options)) {
    resources.push_back(SchemaJson(options, *schema));
  }
  return ListResponse(std::move(resources));
}

std::optional<value> Schema(const DiscoveryOptions& options,
                            const std::string& urn) {
  for (const SchemaDef* schema : ServedSchemas(options)) {
    if (absl::EqualsIgnoreCase(schema->id, urn)) {
      return SchemaJson(options, *schema);
    }
  }
  return std::nullopt;
}

}  // namespace scim::edge
