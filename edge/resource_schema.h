#ifndef SCIM_EDGE_RESOURCE_SCHEMA_H_
#define SCIM_EDGE_RESOURCE_SCHEMA_H_

#include <optional>
#include <string>
#include <vector>

namespace scim::edge {

// RFC 7643 §7 attribute characteristics. One table of these describes each
// resource; discovery renders it, projection reads `returned`, and PATCH
// reads types, multiValued and mutability from it, so the three never
// disagree about an attribute.
enum class AttrType {
  kString,
  kBoolean,
  kDecimal,
  kInteger,
  kDateTime,
  kReference,
  kComplex,
  kBinary
};
enum class Mutability { kReadWrite, kReadOnly, kImmutable, kWriteOnly };
enum class Returned { kDefault, kAlways, kNever, kRequest };
enum class Uniqueness { kNone, kServer, kGlobal };

struct AttributeDef {
  std::string name;
  AttrType type = AttrType::kString;
  bool multi_valued = false;
  bool required = false;
  bool case_exact = false;
  Mutability mutability = Mutability::kReadWrite;
  Returned returned = Returned::kDefault;
  Uniqueness uniqueness = Uniqueness::kNone;
  std::vector<std::string> canonical_values;
  std::vector<std::string> reference_types;
  std::string description;
  std::vector<AttributeDef> sub_attributes;

  // The sub-attribute named `name`, ignoring case, or nullptr.
  const AttributeDef* Sub(const std::string& name) const;
};

struct SchemaDef {
  std::string id;  // the schema URN
  std::string name;
  std::string description;
  std::vector<AttributeDef> attributes;

  const AttributeDef* Find(const std::string& name) const;
};

// A resource type: its core schema and its extensions. Extension attributes
// live in the resource JSON under a member named by the extension's URN.
struct ResourceSchema {
  std::string name;      // "User"
  std::string endpoint;  // "/Users"
  std::string description;
  SchemaDef core;
  struct Extension {
    SchemaDef schema;
    bool required = false;
  };
  std::vector<Extension> extensions;

  // The extension whose URN equals `urn` ignoring case, or nullptr.
  const SchemaDef* FindExtension(const std::string& urn) const;
};

// The built-in resource types. Core attributes that every resource has (id,
// externalId, meta) are part of `core`.
const ResourceSchema& UserResource();
const ResourceSchema& GroupResource();

// An attribute path resolved against a resource: `schema` is the core
// schema or the extension holding the attribute, `attribute` the top-level
// attribute in it, and `sub` the sub-attribute or nullptr. A path naming a
// whole extension ("urn:...:enterprise:2.0:User") has `attribute` nullptr.
struct ResolvedPath {
  const SchemaDef* schema = nullptr;
  bool in_extension = false;
  const AttributeDef* attribute = nullptr;
  const AttributeDef* sub = nullptr;
};

// Resolves "userName", "name.givenName", "emails.value",
// "urn:ietf:params:scim:schemas:core:2.0:User:userName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
// or an extension URN itself, all case-insensitively; nullopt when the path
// names nothing in `resource`.
std::optional<ResolvedPath> ResolvePath(const ResourceSchema& resource,
                                        const std::string& path);

}  // namespace scim::edge

#endif  // SCIM_EDGE_RESOURCE_SCHEMA_H_
