#include "edge/patch_engine.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_map.h"
#include "edge/patch_path.h"
#include "edge/request_body.h"

namespace scim::edge {
namespace {

using web::json::value;

enum class OpKind { kAdd, kReplace, kRemove };

// Longest piece of a client's value quoted back in an error.
constexpr size_t kMaxQuoted = 60;

absl::Status Invalid(const char* scim_type, std::string detail) {
  return WithScimType(absl::InvalidArgumentError(std::move(detail)), scim_type);
}

std::string Quote(const value& v) {
  std::string s = v.serialize();
  if (s.size() > kMaxQuoted) s = s.substr(0, kMaxQuoted) + "...";
  return s;
}

// ------------------------------------------------------------ JSON members

// Member names are case-insensitive (RFC 7643 §2.1): these find, set and
// erase a member whatever its spelling, and write the canonical one.
value* Member(value* object, const std::string& name) {
  if (object == nullptr || !object->is_object()) return nullptr;
  for (auto& [key, v] : object->as_object()) {
    if (absl::EqualsIgnoreCase(key, name)) return &v;
  }
  return nullptr;
}

void EraseMember(value* object, const std::string& name) {
  if (!object->is_object()) return;
  std::vector<std::string> keys;
  for (const auto& [key, v] : object->as_object()) {
    if (absl::EqualsIgnoreCase(key, name)) keys.push_back(key);
  }
  for (const std::string& key : keys) object->erase(key);
}

void SetMember(value* object, const std::string& name, value v) {
  std::vector<std::string> others;
  for (const auto& [key, existing] : object->as_object()) {
    if (key != name && absl::EqualsIgnoreCase(key, name)) others.push_back(key);
  }
  for (const std::string& key : others) object->erase(key);
  (*object)[name] = std::move(v);
}

void Merge(value* target, const value& source) {
  for (const auto& [key, v] : source.as_object()) SetMember(target, key, v);
}

bool IsEmpty(const value& v) {
  return v.is_null() || ((v.is_object() || v.is_array()) && v.size() == 0);
}

// Removes the member when it is left empty, so rendering stays clean.
void Tidy(value* object, const std::string& name) {
  const value* v = Member(object, name);
  if (v != nullptr && IsEmpty(*v)) EraseMember(object, name);
}

// ----------------------------------------------------------- value coercion

std::optional<bool> AsBool(const value& v) {
  if (v.is_boolean()) return v.as_bool();
  if (v.is_string()) {
    if (absl::EqualsIgnoreCase(v.as_string(), "true")) return true;
    if (absl::EqualsIgnoreCase(v.as_string(), "false")) return false;
  }
  return std::nullopt;
}

absl::StatusOr<value> CoerceScalar(const AttributeDef& def, const value& v,
                                   const std::string& where, bool open) {
  if (open) {
    if (v.is_string() || v.is_number() || v.is_boolean()) return v;
    return Invalid("invalidValue", absl::StrCat(where,
                                                " must be a string, number or "
                                                "boolean; got ",
                                                Quote(v)));
  }
  const char* expected = "a string";
  switch (def.type) {
    case AttrType::kBoolean:
      // Entra sends booleans as the strings "True" and "False".
      if (std::optional<bool> b = AsBool(v)) return value::boolean(*b);
      expected = "a boolean (true or false)";
      break;
    case AttrType::kInteger:
      if (v.is_number() && v.as_number().is_integral()) return v;
      expected = "an integer";
      break;
    case AttrType::kDecimal:
      if (v.is_number()) return v;
      expected = "a number";
      break;
    case AttrType::kComplex:
      expected = "an object";
      break;
    default:
      if (v.is_string()) return v;
      break;
  }
  return Invalid("invalidValue", absl::StrCat(where, " must be ", expected,
                                              "; got ", Quote(v)));
}

// A complex value with canonical sub-attribute names. A bare string stands
// for {"value": string}: Entra sends the enterprise manager that way.
absl::StatusOr<value> CoerceComplex(const AttributeDef& def, const value& v,
                                    const std::string& where) {
  if (v.is_string() && def.Sub("value") != nullptr) {
    value out = value::object(/*keep_order=*/true);
    out["value"] = v;
    return out;
  }
  if (!v.is_object()) {
    std::vector<std::string> subs;
    for (const AttributeDef& sub : def.sub_attributes) subs.push_back(sub.name);
    return Invalid("invalidValue", absl::StrCat(where,
                                                " must be an object of its "
                                                "sub-attributes (",
                                                absl::StrJoin(subs, ", "),
                                                "); got ", Quote(v)));
  }
  value out = value::object(/*keep_order=*/true);
  for (const auto& [key, sub_value] : v.as_object()) {
    if (sub_value.is_null()) continue;
    const AttributeDef* sub = def.Sub(key);
    // Clients built on Microsoft's reference code label a member with
    // displayName, the name of manager's label; for members it is display.
    if (sub == nullptr && absl::EqualsIgnoreCase(key, "displayName")) {
      sub = def.Sub("display");
    }
    if (sub == nullptr) {
      return Invalid("invalidPath",
                     absl::StrCat(where, " has no sub-attribute '", key,
                                  "'; leave it out"));
    }
    absl::StatusOr<value> coerced =
        CoerceScalar(*sub, sub_value, absl::StrCat(where, ".", sub->name),
                     /*open=*/false);
    if (!coerced.ok()) return coerced.status();
    SetMember(&out, sub->name, *std::move(coerced));
  }
  return out;
}

absl::StatusOr<value> CoerceElement(const AttributeDef& def, const value& v,
                                    const std::string& where) {
  if (def.type == AttrType::kComplex) return CoerceComplex(def, v, where);
  // A multi-valued string may arrive wrapped as {"value": ...}.
  const value* inner = v.is_object() ? FindMember(v, "value") : nullptr;
  return CoerceScalar(def, inner != nullptr ? *inner : v, where,
                      /*open=*/false);
}

// The elements of a multi-valued value: an array, or one element alone.
// Unassigned (null, empty) elements are dropped.
absl::StatusOr<std::vector<value>> CoerceElements(const AttributeDef& def,
                                                  const value& v,
                                                  const std::string& where) {
  std::vector<const value*> items;
  if (v.is_array()) {
    for (const value& item : v.as_array()) items.push_back(&item);
  } else {
    items.push_back(&v);
  }
  std::vector<value> out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (IsEmpty(*items[i])) continue;
    std::string at =
        v.is_array() ? absl::StrCat(where, "[", i, "]") : std::string(where);
    absl::StatusOr<value> element = CoerceElement(def, *items[i], at);
    if (!element.ok()) return element.status();
    if (!IsEmpty(*element)) out.push_back(*std::move(element));
  }
  return out;
}

// ------------------------------------------------------- element identity

bool SameScalar(const value& a, const value& b, bool case_exact) {
  if (a.is_string() && b.is_string()) {
    return case_exact ? a.as_string() == b.as_string()
                      : absl::EqualsIgnoreCase(a.as_string(), b.as_string());
  }
  std::optional<bool> ba = AsBool(a), bb = AsBool(b);
  if (a.is_boolean() || b.is_boolean()) return ba.has_value() && ba == bb;
  return a == b;
}

// Whether `element` is the one `probe` describes: elements are the same when
// their `value`s are; without one, when every sub-attribute of `probe` is
// equal in `element`.
bool Describes(const AttributeDef& def, const value& probe,
               const value& element) {
  if (def.type != AttrType::kComplex) {
    return SameScalar(probe, element, def.case_exact);
  }
  if (!probe.is_object() || !element.is_object() || probe.size() == 0) {
    return false;
  }
  const AttributeDef* value_sub = def.Sub("value");
  const value* probe_value = FindMember(probe, "value");
  const value* element_value = FindMember(element, "value");
  if (value_sub != nullptr && probe_value != nullptr &&
      element_value != nullptr) {
    return SameScalar(*probe_value, *element_value, value_sub->case_exact);
  }
  for (const auto& [key, v] : probe.as_object()) {
    const value* other = FindMember(element, key);
    const AttributeDef* sub = def.Sub(key);
    if (other == nullptr ||
        !SameScalar(v, *other, sub != nullptr && sub->case_exact)) {
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------ engine

// Applies operations to one resource JSON. Errors do not name the
// operation; ApplyPatch prefixes them.
class Engine {
 public:
  Engine(const ResourceSchema& schema, value* root)
      : schema_(schema), root_(root) {}

  absl::Status Apply(OpKind kind, const std::string& path, const value* v);

  // Makes `schemas` list exactly the extensions the resource carries.
  void SyncSchemas();

 private:
  absl::Status ApplyNoPath(OpKind kind, const value* v);
  absl::Status ApplyPath(OpKind kind, const PatchPath& p, const value* v);
  absl::Status ApplyExtension(OpKind kind, const PatchPath& p, const value* v);
  absl::Status ApplySingle(OpKind kind, const PatchPath& p, value* container,
                           const std::string& name, const value* v);
  absl::Status ApplyMulti(OpKind kind, const PatchPath& p, value* container,
                          const std::string& name, const value* v);
  absl::Status ApplyFiltered(OpKind kind, const PatchPath& p,
                             std::vector<value>* elements,
                             std::vector<bool>* written, const value* v);
  absl::Status ApplyWhole(OpKind kind, const PatchPath& p,
                          std::vector<value>* elements,
                          std::vector<bool>* written, const value* v);
  static absl::Status KeepOnePrimary(const PatchPath& p,
                                     std::vector<value>* elements,
                                     const std::vector<bool>& written);

  const ResourceSchema& schema_;
  value* root_;
};

absl::Status CheckMutability(OpKind kind, const PatchPath& p) {
  for (const AttributeDef* def : {p.attribute, p.sub}) {
    if (def == nullptr) continue;
    if (def->mutability == Mutability::kReadOnly) {
      return Invalid("mutability",
                     absl::StrCat("'", p.text,
                                  "' is readOnly: the server sets it, so "
                                  "leave it out of the PATCH"));
    }
    if (def->mutability == Mutability::kImmutable && kind != OpKind::kAdd) {
      return Invalid("mutability",
                     absl::StrCat("'", p.text,
                                  "' is immutable: it is set when added and "
                                  "cannot be replaced or removed on its own"));
    }
  }
  return absl::OkStatus();
}

// Whether assigning `v` to `def` means unassigning it: null, or "" for a
// complex attribute given by its value (Entra clears the manager with "").
bool Unassigns(const AttributeDef& def, const value* v) {
  if (v == nullptr || v->is_null()) return true;
  return def.type == AttrType::kComplex && v->is_string() &&
         v->as_string().empty();
}

absl::Status Engine::Apply(OpKind kind, const std::string& path,
                           const value* v) {
  if (absl::StripAsciiWhitespace(path).empty()) return ApplyNoPath(kind, v);
  absl::StatusOr<PatchPath> p = ParsePatchPath(path, schema_);
  if (!p.ok()) return p.status();
  if (kind != OpKind::kRemove && v == nullptr) {
    return Invalid(
        "invalidValue",
        absl::StrCat("'", path, "': ", kind == OpKind::kAdd ? "add" : "replace",
                     " needs a 'value' to set"));
  }
  return ApplyPath(kind, *p, v);
}

// RFC 7644 §3.5.2.1/.3: without a path the value is an object of attributes,
// each of which is applied as if it were the path.
absl::Status Engine::ApplyNoPath(OpKind kind, const value* v) {
  if (kind == OpKind::kRemove) {
    return Invalid("noTarget",
                   "remove needs a 'path' naming the attribute or elements "
                   "to remove");
  }
  if (v == nullptr || !v->is_object()) {
    return Invalid(
        "invalidValue",
        absl::StrCat("without a 'path', 'value' must be an object of the "
                     "attributes to set, e.g. {\"active\": false}; got ",
                     v == nullptr ? "nothing" : Quote(*v)));
  }
  for (const auto& [key, member] : v->as_object()) {
    // Okta sends the whole resource back, server-set parts included.
    if (absl::EqualsIgnoreCase(key, "schemas") ||
        absl::EqualsIgnoreCase(key, "id") ||
        absl::EqualsIgnoreCase(key, "meta")) {
      continue;
    }
    absl::StatusOr<PatchPath> p = ParsePatchPath(key, schema_);
    if (!p.ok()) return p.status();
    absl::Status status = ApplyPath(kind, *p, &member);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Engine::ApplyPath(OpKind kind, const PatchPath& p,
                               const value* v) {
  if (p.attribute == nullptr) return ApplyExtension(kind, p, v);
  absl::Status status = CheckMutability(kind, p);
  if (!status.ok()) return status;
  value* container = root_;
  if (p.in_extension) {
    container = Member(root_, p.schema->id);
    if (container == nullptr || !container->is_object()) {
      if (kind == OpKind::kRemove) return absl::OkStatus();
      SetMember(root_, p.schema->id, value::object(/*keep_order=*/true));
      container = Member(root_, p.schema->id);
    }
  }
  std::string name = p.attribute->name;
  if (p.open_attribute != nullptr) {
    // Custom field ids are matched case-sensitively downstream, so an
    // existing field keeps its spelling.
    for (const auto& [key, existing] : container->as_object()) {
      if (absl::EqualsIgnoreCase(key, name)) name = key;
    }
  }
  status = p.attribute->multi_valued ? ApplyMulti(kind, p, container, name, v)
                                     : ApplySingle(kind, p, container, name, v);
  if (!status.ok()) return status;
  Tidy(container, name);
  if (p.in_extension) Tidy(root_, p.schema->id);
  return absl::OkStatus();
}

// A path naming a whole extension: its value is an object of the
// extension's attributes.
absl::Status Engine::ApplyExtension(OpKind kind, const PatchPath& p,
                                    const value* v) {
  if (p.schema == nullptr || !p.in_extension) {
    return Invalid("invalidPath",
                   absl::StrCat("path '", p.text,
                                "' names a schema, not an attribute; name "
                                "an attribute, as in ",
                                p.text, ":userName"));
  }
  if (kind == OpKind::kRemove || v == nullptr || v->is_null()) {
    EraseMember(root_, p.schema->id);
    return absl::OkStatus();
  }
  if (!v->is_object()) {
    return Invalid(
        "invalidValue",
        absl::StrCat(p.schema->id, " must be an object of its attributes; got ",
                     Quote(*v)));
  }
  for (const auto& [key, member] : v->as_object()) {
    absl::StatusOr<PatchPath> sub =
        ParsePatchPath(absl::StrCat(p.schema->id, ":", key), schema_);
    if (!sub.ok()) return sub.status();
    absl::Status status = ApplyPath(kind, *sub, &member);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status Engine::ApplySingle(OpKind kind, const PatchPath& p,
                                 value* container, const std::string& name,
                                 const value* v) {
  const AttributeDef& def = *p.attribute;
  if (p.sub == nullptr) {
    if (kind == OpKind::kRemove || Unassigns(def, v)) {
      EraseMember(container, name);
      return absl::OkStatus();
    }
    if (def.type != AttrType::kComplex) {
      absl::StatusOr<value> coerced =
          CoerceScalar(def, *v, p.text, p.open_attribute != nullptr);
      if (!coerced.ok()) return coerced.status();
      SetMember(container, name, *std::move(coerced));
      return absl::OkStatus();
    }
    absl::StatusOr<value> coerced = CoerceComplex(def, *v, p.text);
    if (!coerced.ok()) return coerced.status();
    // RFC 7644 §3.5.2.1/.3: sub-attributes not given are left unchanged.
    value* existing = Member(container, name);
    if (existing != nullptr && existing->is_object()) {
      Merge(existing, *coerced);
    } else {
      SetMember(container, name, *std::move(coerced));
    }
    return absl::OkStatus();
  }
  value* object = Member(container, name);
  if (kind == OpKind::kRemove || Unassigns(*p.sub, v) ||
      (p.sub->name == "value" && v->is_string() && v->as_string().empty())) {
    if (object != nullptr) EraseMember(object, p.sub->name);
    return absl::OkStatus();
  }
  absl::StatusOr<value> coerced =
      CoerceScalar(*p.sub, *v, p.text, /*open=*/false);
  if (!coerced.ok()) return coerced.status();
  if (object == nullptr || !object->is_object()) {
    SetMember(container, name, value::object(/*keep_order=*/true));
    object = Member(container, name);
  }
  SetMember(object, p.sub->name, *std::move(coerced));
  return absl::OkStatus();
}

absl::Status Engine::ApplyMulti(OpKind kind, const PatchPath& p,
                                value* container, const std::string& name,
                                const value* v) {
  std::vector<value> elements;
  if (const value* existing = Member(container, name)) {
    if (existing->is_array()) {
      for (const value& e : existing->as_array()) elements.push_back(e);
    }
  }
  std::vector<bool> written(elements.size(), false);
  absl::Status status = p.filter.has_value()
                            ? ApplyFiltered(kind, p, &elements, &written, v)
                            : ApplyWhole(kind, p, &elements, &written, v);
  if (!status.ok()) return status;
  status = KeepOnePrimary(p, &elements, written);
  if (!status.ok()) return status;
  std::vector<value> kept;
  for (value& e : elements) {
    if (!IsEmpty(e)) kept.push_back(std::move(e));
  }
  if (kept.empty()) {
    EraseMember(container, name);
  } else {
    SetMember(container, name, value::array(std::move(kept)));
  }
  return absl::OkStatus();
}

absl::Status Engine::ApplyFiltered(OpKind kind, const PatchPath& p,
                                   std::vector<value>* elements,
                                   std::vector<bool>* written, const value* v) {
  const AttributeDef& def = *p.attribute;
  std::vector<size_t> matches;
  for (size_t i = 0; i < elements->size(); ++i) {
    const value& element = (*elements)[i];
    // A stray scalar in a list of objects is no element a filter can mean.
    if (def.type == AttrType::kComplex && !element.is_object()) continue;
    if (MatchesFilter(*p.filter, element, def)) matches.push_back(i);
  }
  // Removing what is not there is not an error: the outcome is the same.
  if (kind == OpKind::kRemove || v == nullptr || v->is_null()) {
    for (size_t i : matches) {
      if (p.sub == nullptr) {
        (*elements)[i] = value::null();
      } else {
        EraseMember(&(*elements)[i], p.sub->name);
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<value> coerced =
      p.sub != nullptr ? CoerceScalar(*p.sub, *v, p.text, /*open=*/false)
                       : CoerceElement(def, *v, p.text);
  if (!coerced.ok()) return coerced.status();
  if (!matches.empty()) {
    for (size_t i : matches) {
      value& element = (*elements)[i];
      if (p.sub != nullptr) {
        SetMember(&element, p.sub->name, *coerced);
      } else if (kind == OpKind::kAdd && def.type == AttrType::kComplex) {
        Merge(&element, *coerced);
      } else {
        element = *coerced;
      }
      (*written)[i] = true;
    }
    return absl::OkStatus();
  }
  // Entra adds (and replaces) emails[type eq "work"].value before any work
  // email exists: the element is made from the filter's eq terms.
  std::optional<value> made = ElementFromFilter(*p.filter, def);
  if (!made.has_value()) {
    return Invalid(
        "noTarget",
        absl::StrCat("no element of ", def.name, " matches path '", p.text,
                     "', and the filter is not 'eq' comparisons joined by "
                     "'and', so no element can be made from it; add the "
                     "element with 'path': '",
                     def.name, "' and its full value instead"));
  }
  absl::StatusOr<value> element = CoerceElement(def, *made, p.text);
  if (!element.ok()) return element.status();
  if (p.sub != nullptr) {
    SetMember(&*element, p.sub->name, *std::move(coerced));
  } else if (def.type == AttrType::kComplex) {
    Merge(&*element, *coerced);
  } else {
    element = std::move(coerced);
  }
  elements->push_back(*std::move(element));
  written->push_back(true);
  return absl::OkStatus();
}

absl::Status Engine::ApplyWhole(OpKind kind, const PatchPath& p,
                                std::vector<value>* elements,
                                std::vector<bool>* written, const value* v) {
  const AttributeDef& def = *p.attribute;
  if (p.sub != nullptr) {
    // "emails.type" without a filter addresses every element.
    if (kind == OpKind::kRemove || v == nullptr || v->is_null()) {
      for (value& e : *elements) EraseMember(&e, p.sub->name);
      return absl::OkStatus();
    }
    absl::StatusOr<value> coerced =
        CoerceScalar(*p.sub, *v, p.text, /*open=*/false);
    if (!coerced.ok()) return coerced.status();
    if (elements->empty()) {
      elements->push_back(value::object(/*keep_order=*/true));
      written->push_back(true);
    }
    for (size_t i = 0; i < elements->size(); ++i) {
      if (!(*elements)[i].is_object()) continue;
      SetMember(&(*elements)[i], p.sub->name, *coerced);
      (*written)[i] = true;
    }
    return absl::OkStatus();
  }
  if (kind == OpKind::kRemove && v != nullptr && !v->is_null()) {
    // Entra and Okta remove group members as
    // {"path": "members", "value": [{"value": "<id>"}]}.
    absl::StatusOr<std::vector<value>> probes = CoerceElements(def, *v, p.text);
    if (!probes.ok()) return probes.status();
    for (value& e : *elements) {
      for (const value& probe : *probes) {
        if (Describes(def, probe, e)) {
          e = value::null();
          break;
        }
      }
    }
    return absl::OkStatus();
  }
  if (kind == OpKind::kRemove || v == nullptr || v->is_null()) {
    elements->clear();
    written->clear();
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<value>> added = CoerceElements(def, *v, p.text);
  if (!added.ok()) return added.status();
  if (kind == OpKind::kReplace) {
    *elements = *std::move(added);
    written->assign(elements->size(), true);
    return absl::OkStatus();
  }
  for (value& element : *added) {
    bool merged = false;
    for (size_t i = 0; i < elements->size() && !merged; ++i) {
      if (!Describes(def, element, (*elements)[i])) continue;
      if (def.type == AttrType::kComplex) Merge(&(*elements)[i], element);
      (*written)[i] = true;
      merged = true;
    }
    if (!merged) {
      elements->push_back(std::move(element));
      written->push_back(true);
    }
  }
  return absl::OkStatus();
}

// RFC 7643 §2.4: at most one element is primary, so an element this
// operation made primary takes the mark from the others.
absl::Status Engine::KeepOnePrimary(const PatchPath& p,
                                    std::vector<value>* elements,
                                    const std::vector<bool>& written) {
  const AttributeDef* primary = p.attribute->Sub("primary");
  if (primary == nullptr) return absl::OkStatus();
  auto is_primary = [&](const value& e) {
    const value* mark = FindMember(e, primary->name);
    return mark != nullptr && AsBool(*mark) == true;
  };
  std::optional<size_t> chosen;
  for (size_t i = 0; i < elements->size(); ++i) {
    if (!written[i] || !is_primary((*elements)[i])) continue;
    if (chosen.has_value()) {
      return Invalid("invalidValue",
                     absl::StrCat("'", p.text, "' would mark more than one ",
                                  p.attribute->name,
                                  " element as primary; at most one may be "
                                  "primary"));
    }
    chosen = i;
  }
  if (!chosen.has_value()) return absl::OkStatus();
  for (size_t i = 0; i < elements->size(); ++i) {
    if (i != *chosen && is_primary((*elements)[i])) {
      EraseMember(&(*elements)[i], primary->name);
    }
  }
  return absl::OkStatus();
}

void Engine::SyncSchemas() {
  std::vector<std::string> present;
  std::vector<std::string> absent;
  for (const ResourceSchema::Extension& ext : schema_.extensions) {
    Tidy(root_, ext.schema.id);
    const value* object = Member(root_, ext.schema.id);
    (object != nullptr ? present : absent).push_back(ext.schema.id);
  }
  value* schemas = Member(root_, "schemas");
  if (schemas != nullptr && !schemas->is_array()) return;
  std::vector<value> listed;
  bool changed = false;
  if (schemas == nullptr) {
    if (present.empty()) return;
    listed.push_back(value::string(schema_.core.id));
    changed = true;
  } else {
    for (const value& urn : schemas->as_array()) {
      bool dropped = false;
      for (const std::string& gone : absent) {
        if (urn.is_string() && absl::EqualsIgnoreCase(urn.as_string(), gone)) {
          dropped = true;
        }
      }
      if (dropped) {
        changed = true;
      } else {
        listed.push_back(urn);
      }
    }
  }
  for (const std::string& urn : present) {
    bool found = false;
    for (const value& s : listed) {
      if (s.is_string() && absl::EqualsIgnoreCase(s.as_string(), urn)) {
        found = true;
      }
    }
    if (!found) {
      listed.push_back(value::string(urn));
      changed = true;
    }
  }
  if (changed) SetMember(root_, "schemas", value::array(std::move(listed)));
}

std::optional<OpKind> ParseOpKind(const std::string& name) {
  if (absl::EqualsIgnoreCase(name, "add")) return OpKind::kAdd;
  if (absl::EqualsIgnoreCase(name, "replace")) return OpKind::kReplace;
  if (absl::EqualsIgnoreCase(name, "remove")) return OpKind::kRemove;
  return std::nullopt;
}

absl::Status InOperation(size_t index, const absl::Status& status) {
  return WithScimType(
      absl::Status(status.code(),
                   absl::StrCat("Operations[", index, "]: ", status.message())),
      ScimTypeOf(status));
}

}  // namespace

absl::Status ApplyPatch(const value& patch, const ResourceSchema& schema,
                        value* resource) {
  const value* operations =
      patch.is_object() ? FindMember(patch, "Operations") : nullptr;
  if (operations == nullptr || !operations->is_array() ||
      operations->size() == 0) {
    return Invalid(
        "invalidSyntax",
        "the PATCH body needs a non-empty \"Operations\" array, e.g. "
        "{\"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"], "
        "\"Operations\": [{\"op\": \"replace\", \"path\": \"active\", "
        "\"value\": false}]}");
  }
  if (!resource->is_object()) {
    return absl::InternalError("PATCH needs the resource as a JSON object");
  }
  // Operations apply to a copy, so a failing one leaves `resource` as it was.
  value working = *resource;
  Engine engine(schema, &working);
  for (size_t i = 0; i < operations->size(); ++i) {
    const value& op = operations->at(i);
    const value* name = op.is_object() ? FindMember(op, "op") : nullptr;
    if (name == nullptr || !name->is_string()) {
      return Invalid("invalidSyntax",
                     absl::StrCat("Operations[", i,
                                  "] needs an \"op\": \"add\", \"replace\" "
                                  "or \"remove\""));
    }
    std::optional<OpKind> kind = ParseOpKind(name->as_string());
    if (!kind.has_value()) {
      return Invalid(
          "invalidSyntax",
          absl::StrCat("Operations[", i, "]: op '", name->as_string(),
                       "' is not supported; use add, replace or "
                       "remove"));
    }
    const value* path = FindMember(op, "path");
    if (path != nullptr && !path->is_null() && !path->is_string()) {
      return Invalid("invalidPath", absl::StrCat("Operations[", i,
                                                 "]: path must be a string "
                                                 "such as \"emails[type eq "
                                                 "\\\"work\\\"].value\"; "
                                                 "got ",
                                                 Quote(*path)));
    }
    std::string path_text =
        path != nullptr && path->is_string() ? path->as_string() : "";
    absl::Status status =
        engine.Apply(*kind, path_text, FindMember(op, "value"));
    if (!status.ok()) return InOperation(i, status);
  }
  engine.SyncSchemas();
  *resource = std::move(working);
  return absl::OkStatus();
}

}  // namespace scim::edge
