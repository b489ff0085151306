#include "edge/projection.h"

#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_map.h"
#include "edge/patch_path.h"

namespace scim::edge {
namespace {

using web::json::value;

bool IsPathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '$' || c == '.' || c == ':';
}

absl::Status ParseList(const std::string& parameter, const std::string& text,
                       std::vector<std::string>* out) {
  if (absl::StripAsciiWhitespace(text).empty()) return absl::OkStatus();
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    absl::string_view name = absl::StripAsciiWhitespace(item);
    if (name.empty()) {
      return WithScimType(
          absl::InvalidArgumentError(absl::StrCat(
              parameter, " '", text,
              "' has an empty element; separate attribute names with single "
              "commas, e.g. userName,emails")),
          "invalidValue");
    }
    // A value filter (emails[type eq "work"]) is checked when resolved.
    int depth = 0;
    for (char c : name) {
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      if (depth == 0 && c != ']' && !IsPathChar(c)) {
        return WithScimType(
            absl::InvalidArgumentError(absl::StrCat(
                parameter, ": '", name,
                "' is not an attribute path; names contain letters, digits, "
                "'_', '-' and '$', joined by '.' (sub-attribute) or after a "
                "schema URN and ':'")),
            "invalidValue");
      }
    }
    out->emplace_back(name);
  }
  return absl::OkStatus();
}

// What a list of names selects of one attribute: all of it, or some of its
// sub-attributes.
struct Selected {
  bool whole = false;
  std::set<const AttributeDef*> subs;
  // attributes=emails[type eq "work"] keeps only the elements matching one
  // of these; a name without a filter keeps them all.
  std::vector<scim::common::v1::Filter> filters;
  bool unfiltered = false;

  bool Keeps(const AttributeDef& def, const value& element) const {
    if (unfiltered || filters.empty()) return true;
    for (const auto& f : filters) {
      if (MatchesFilter(f, element, def)) return true;
    }
    return false;
  }
};

// The names of one parameter, resolved against the resource's tables.
struct Selection {
  std::map<const AttributeDef*, Selected> attributes;
  std::set<const SchemaDef*> extensions;
  // Members of extensions without an attribute table (custom fields),
  // lower-cased.
  std::map<const SchemaDef*, std::set<std::string>> open_members;

  const Selected* Find(const AttributeDef* def) const {
    auto it = attributes.find(def);
    return it == attributes.end() ? nullptr : &it->second;
  }
  bool Names(const SchemaDef* extension, const std::string& key) const {
    auto it = open_members.find(extension);
    return it != open_members.end() &&
           it->second.count(absl::AsciiStrToLower(key)) > 0;
  }
};

void AddOpenMember(const ResourceSchema& schema, const std::string& path,
                   Selection* out) {
  for (const ResourceSchema::Extension& ext : schema.extensions) {
    const std::string& urn = ext.schema.id;
    if (ext.schema.attributes.empty() && path.size() > urn.size() + 1 &&
        path[urn.size()] == ':' && absl::StartsWithIgnoreCase(path, urn)) {
      out->open_members[&ext.schema].insert(
          absl::AsciiStrToLower(path.substr(urn.size() + 1)));
    }
  }
}

// Unknown names select nothing (RFC 7644 §3.4.2.5 lets the server ignore
// them), so a client asking for an attribute this server lacks still works.
Selection Resolve(const ResourceSchema& schema,
                  const std::vector<std::string>& names) {
  Selection out;
  for (const std::string& name : names) {
    if (absl::StrContains(name, '[')) {
      absl::StatusOr<PatchPath> filtered = ParsePatchPath(name, schema);
      if (!filtered.ok() || filtered->attribute == nullptr ||
          filtered->open_attribute != nullptr) {
        continue;
      }
      Selected& selected = out.attributes[filtered->attribute];
      if (filtered->sub == nullptr) {
        selected.whole = true;
      } else {
        selected.subs.insert(filtered->sub);
      }
      if (filtered->filter.has_value()) {
        selected.filters.push_back(*filtered->filter);
      } else {
        selected.unfiltered = true;
      }
      continue;
    }
    std::optional<ResolvedPath> path = ResolvePath(schema, name);
    if (!path.has_value()) {
      AddOpenMember(schema, name, &out);
      continue;
    }
    if (path->attribute == nullptr) {
      if (path->in_extension) out.extensions.insert(path->schema);
      continue;
    }
    Selected& selected = out.attributes[path->attribute];
    selected.unfiltered = true;
    if (path->sub == nullptr) {
      selected.whole = true;
    } else {
      selected.subs.insert(path->sub);
    }
  }
  return out;
}

enum class Mode { kDefault, kInclude, kExclude };

// Sub-attributes of one complex value kept under `mode`; `named` are the
// sub-attributes the parameter names.
value ProjectObject(const AttributeDef& def, const value& object, Mode mode,
                    const std::set<const AttributeDef*>* named) {
  value out = value::object(/*keep_order=*/true);
  for (const auto& [key, v] : object.as_object()) {
    const AttributeDef* sub = def.Sub(key);
    if (sub == nullptr) {
      // Not in the table: shown unless only named sub-attributes are wanted.
      if (mode != Mode::kInclude || named == nullptr) out[key] = v;
      continue;
    }
    if (sub->returned == Returned::kNever) continue;
    bool is_named = named != nullptr && named->count(sub) > 0;
    bool keep;
    if (sub->returned == Returned::kAlways) {
      keep = true;
    } else if (mode == Mode::kInclude && named != nullptr) {
      keep = is_named;
    } else if (mode == Mode::kExclude && is_named) {
      keep = false;
    } else {
      keep = sub->returned != Returned::kRequest ||
             (mode == Mode::kInclude && named == nullptr);
    }
    if (keep) out[key] = v;
  }
  return out;
}

// Applies ProjectObject to a complex value or each element of a
// multi-valued one; elements left empty are dropped.
value ProjectValue(const AttributeDef& def, const value& v, Mode mode,
                   const std::set<const AttributeDef*>* named) {
  if (def.type != AttrType::kComplex) return v;
  if (v.is_object()) return ProjectObject(def, v, mode, named);
  if (!v.is_array()) return v;
  std::vector<value> elements;
  for (const value& e : v.as_array()) {
    if (!e.is_object()) {
      elements.push_back(e);
      continue;
    }
    value projected = ProjectObject(def, e, mode, named);
    if (projected.size() > 0) elements.push_back(std::move(projected));
  }
  return value::array(std::move(elements));
}

bool IsEmpty(const value& v) {
  return (v.is_object() || v.is_array()) && v.size() == 0;
}

class Projector {
 public:
  Projector(const ResourceSchema& schema, Mode mode, Selection selection)
      : schema_(schema), mode_(mode), selection_(std::move(selection)) {}

  // The attribute `def` holding `v`, or nullopt when it is left out.
  std::optional<value> Attribute(const AttributeDef& def,
                                 const value& v) const {
    if (def.returned == Returned::kNever) return std::nullopt;
    const Selected* selected = selection_.Find(&def);
    if (def.returned == Returned::kAlways) {
      return ProjectValue(def, v, Mode::kDefault, nullptr);
    }
    std::optional<value> out;
    switch (mode_) {
      case Mode::kInclude: {
        if (selected == nullptr) return std::nullopt;
        value chosen = v;
        if (v.is_array()) {
          std::vector<value> kept;
          for (const value& e : v.as_array()) {
            if (selected->Keeps(def, e)) kept.push_back(e);
          }
          if (kept.empty()) return std::nullopt;
          chosen = value::array(std::move(kept));
        }
        out = ProjectValue(def, chosen, mode_,
                           selected->whole ? nullptr : &selected->subs);
        break;
      }
      case Mode::kExclude:
        if (selected != nullptr && selected->whole) return std::nullopt;
        if (def.returned == Returned::kRequest) return std::nullopt;
        out = ProjectValue(def, v, mode_,
                           selected == nullptr ? nullptr : &selected->subs);
        break;
      case Mode::kDefault:
        if (def.returned == Returned::kRequest) return std::nullopt;
        out = ProjectValue(def, v, mode_, nullptr);
        break;
    }
    if (out.has_value() && IsEmpty(*out) && !IsEmpty(v)) return std::nullopt;
    return out;
  }

  // The extension object `v` of `extension`, or nullopt when nothing of it
  // is left.
  std::optional<value> Extension(const SchemaDef& extension,
                                 const value& v) const {
    bool named_whole = selection_.extensions.count(&extension) > 0;
    if (mode_ == Mode::kExclude && named_whole) return std::nullopt;
    if (!v.is_object()) {
      if (mode_ == Mode::kInclude && !named_whole) return std::nullopt;
      return v;
    }
    // Naming the whole extension selects all of it, as the default would.
    Mode mode = mode_ == Mode::kInclude && named_whole ? Mode::kDefault : mode_;
    Projector inner(schema_, mode, Selection());
    const Projector& chosen = mode == mode_ ? *this : inner;
    value out = value::object(/*keep_order=*/true);
    for (const auto& [key, member] : v.as_object()) {
      const AttributeDef* def = extension.Find(key);
      std::optional<value> kept;
      if (def != nullptr) {
        kept = chosen.Attribute(*def, member);
      } else if (chosen.KeepsUnknown(&extension, key)) {
        kept = member;
      }
      if (kept.has_value()) out[key] = *std::move(kept);
    }
    if (out.size() == 0) return std::nullopt;
    return out;
  }

  value Project(const value& resource) const {
    value out = value::object(/*keep_order=*/true);
    for (const auto& [key, v] : resource.as_object()) {
      std::optional<value> kept;
      if (absl::EqualsIgnoreCase(key, "schemas")) {
        kept = v;  // always returned: it says how to read the rest
      } else if (const SchemaDef* ext = schema_.FindExtension(key)) {
        kept = Extension(*ext, v);
      } else if (const AttributeDef* def = schema_.core.Find(key)) {
        kept = Attribute(*def, v);
      } else if (mode_ != Mode::kInclude) {
        kept = v;
      }
      if (kept.has_value()) out[key] = *std::move(kept);
    }
    return out;
  }

 private:
  bool KeepsUnknown(const SchemaDef* extension, const std::string& key) const {
    bool named = selection_.Names(extension, key);
    if (mode_ == Mode::kInclude) return named;
    if (mode_ == Mode::kExclude) return !named;
    return true;
  }

  const ResourceSchema& schema_;
  Mode mode_;
  Selection selection_;
};

bool HiddenByDefault(const AttributeDef& def) {
  return def.returned == Returned::kNever || def.returned == Returned::kRequest;
}

// True when the default projection would leave `v` of `def` as it is.
bool DefaultKeeps(const AttributeDef& def, const value& v) {
  if (HiddenByDefault(def)) return false;
  if (def.type != AttrType::kComplex) return true;
  auto object_kept = [&def](const value& object) {
    for (const auto& [key, member] : object.as_object()) {
      const AttributeDef* sub = def.Sub(key);
      if (sub != nullptr && HiddenByDefault(*sub)) return false;
    }
    return true;
  };
  if (v.is_object()) return object_kept(v);
  if (!v.is_array()) return true;
  for (const value& e : v.as_array()) {
    // The default projection drops empty elements.
    if (e.is_object() && (e.size() == 0 || !object_kept(e))) return false;
  }
  return true;
}

// True when the default projection would return `resource` unchanged, as it
// does for every resource this server renders: then every read skips
// rebuilding the whole resource, a tenth of the edge's work for a GET.
bool DefaultKeepsAll(const value& resource, const ResourceSchema& schema) {
  for (const auto& [key, v] : resource.as_object()) {
    if (absl::EqualsIgnoreCase(key, "schemas")) continue;
    if (const SchemaDef* ext = schema.FindExtension(key)) {
      if (!v.is_object()) continue;
      if (v.size() == 0) return false;
      for (const auto& [name, member] : v.as_object()) {
        const AttributeDef* def = ext->Find(name);
        if (def != nullptr && !DefaultKeeps(*def, member)) return false;
      }
    } else if (const AttributeDef* def = schema.core.Find(key)) {
      if (!DefaultKeeps(*def, v)) return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<Projection> ParseProjection(const std::string& attributes,
                                           const std::string& excluded) {
  Projection out;
  absl::Status status = ParseList("attributes", attributes, &out.attributes);
  if (status.ok()) {
    status = ParseList("excludedAttributes", excluded, &out.excluded);
  }
  if (!status.ok()) return status;
  return out;
}

value Project(value resource, const Projection& projection,
              const ResourceSchema& schema) {
  if (!resource.is_object()) return resource;
  if (projection.attributes.empty() && projection.excluded.empty() &&
      DefaultKeepsAll(resource, schema)) {
    return resource;
  }
  // With both parameters, `attributes` decides (RFC 7644 §3.9 lets a server
  // choose) and `excludedAttributes` then trims what it selected.
  value out = std::move(resource);
  if (!projection.attributes.empty()) {
    out = Projector(schema, Mode::kInclude,
                    Resolve(schema, projection.attributes))
              .Project(out);
  }
  Mode trim = projection.excluded.empty() ? Mode::kDefault : Mode::kExclude;
  if (trim == Mode::kDefault && !projection.attributes.empty()) return out;
  return Projector(schema, trim, Resolve(schema, projection.excluded))
      .Project(out);
}

}  // namespace scim::edge
