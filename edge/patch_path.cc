#include "edge/patch_path.h"

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_map.h"
#include "edge/filter_parser.h"
#include "edge/request_body.h"

namespace scim::edge {
namespace {

using scim::common::v1::Filter;
using scim::common::v1::FilterValue;
using web::json::value;

absl::Status InvalidPath(std::string detail) {
  return WithScimType(absl::InvalidArgumentError(std::move(detail)),
                      "invalidPath");
}

absl::Status InvalidFilter(std::string detail) {
  return WithScimType(absl::InvalidArgumentError(std::move(detail)),
                      "invalidFilter");
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '$';
}

bool IsName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// The ']' closing the '[' at `open`. Brackets inside quoted filter values
// (emails[value eq "a]b"]) do not count.
size_t FindClose(absl::string_view text, size_t open) {
  bool quoted = false;
  for (size_t i = open + 1; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ']') {
      return i;
    }
  }
  return absl::string_view::npos;
}

// The schema a URN-qualified path starts with and the rest after its ':'.
const SchemaDef* SplitUrn(const ResourceSchema& resource,
                          absl::string_view path, absl::string_view* rest,
                          bool* in_extension) {
  auto consume = [&](const SchemaDef& schema) {
    absl::string_view urn = schema.id;
    if (path.size() <= urn.size() || path[urn.size()] != ':' ||
        !absl::StartsWithIgnoreCase(path, urn)) {
      return false;
    }
    *rest = path.substr(urn.size() + 1);
    return true;
  };
  *in_extension = false;
  if (consume(resource.core)) return &resource.core;
  *in_extension = true;
  for (const ResourceSchema::Extension& ext : resource.extensions) {
    if (consume(ext.schema)) return &ext.schema;
  }
  return nullptr;
}

std::string SchemaList(const ResourceSchema& resource) {
  std::vector<std::string> urns = {resource.core.id};
  for (const ResourceSchema::Extension& ext : resource.extensions) {
    urns.push_back(ext.schema.id);
  }
  return absl::StrJoin(urns, ", ");
}

// Explains why `path` (no brackets) resolves to nothing, naming the part the
// resource does not have.
absl::Status UnknownAttribute(const ResourceSchema& resource,
                              const std::string& path) {
  absl::string_view rest = path;
  const SchemaDef* schema = &resource.core;
  if (absl::StartsWithIgnoreCase(path, "urn:")) {
    bool in_extension;
    schema = SplitUrn(resource, path, &rest, &in_extension);
    if (schema == nullptr) {
      return InvalidPath(absl::StrCat(
          "path '", path, "' does not start with a schema of ", resource.name,
          "; its schemas are ", SchemaList(resource)));
    }
  }
  absl::string_view name = rest;
  absl::string_view sub;
  if (size_t dot = rest.find('.'); dot != absl::string_view::npos) {
    name = rest.substr(0, dot);
    sub = rest.substr(dot + 1);
  }
  const AttributeDef* attribute = schema->Find(std::string(name));
  if (attribute == nullptr) {
    return InvalidPath(
        absl::StrCat("path '", path, "': '", name, "' is not an attribute of ",
                     schema == &resource.core ? resource.name : schema->id,
                     "; check its spelling against /Schemas"));
  }
  return InvalidPath(absl::StrCat("path '", path, "': ", attribute->name,
                                  " has no sub-attribute '", sub, "'"));
}

// Resolves the part of a path before any '['.
absl::StatusOr<PatchPath> Resolve(const ResourceSchema& resource,
                                  const std::string& path) {
  PatchPath out;
  if (std::optional<ResolvedPath> resolved = ResolvePath(resource, path)) {
    out.schema = resolved->schema;
    out.in_extension = resolved->in_extension;
    out.attribute = resolved->attribute;
    out.sub = resolved->sub;
    return out;
  }
  absl::string_view rest;
  bool in_extension;
  const SchemaDef* schema = SplitUrn(resource, path, &rest, &in_extension);
  if (schema != nullptr && in_extension) {
    out.open_attribute = OpenAttribute(*schema, std::string(rest));
    if (out.open_attribute != nullptr) {
      out.schema = schema;
      out.in_extension = true;
      out.attribute = out.open_attribute.get();
      return out;
    }
  }
  return UnknownAttribute(resource, path);
}

const AttributeDef* FilterSub(const std::string& name,
                              const AttributeDef& attribute) {
  if (attribute.type != AttrType::kComplex) {
    return absl::EqualsIgnoreCase(name, "value") ? &attribute : nullptr;
  }
  return attribute.Sub(name);
}

value FromFilterValue(const FilterValue& v) {
  switch (v.kind_case()) {
    case FilterValue::kStringValue:
      return value::string(v.string_value());
    case FilterValue::kBoolValue:
      return value::boolean(v.bool_value());
    case FilterValue::kNumberValue: {
      double n = v.number_value();
      if (std::trunc(n) == n && std::fabs(n) < 9007199254740992.0) {
        return value::number(static_cast<int64_t>(n));
      }
      return value::number(n);
    }
    default:
      return value::null();
  }
}

bool IsPresent(const value* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_string()) return !v->as_string().empty();
  if (v->is_array() || v->is_object()) return v->size() > 0;
  return true;
}

// Negative, zero or positive like strcmp; `fold` compares ignoring ASCII
// case, as SCIM does for attributes that are not caseExact.
int CompareStrings(const std::string& a, const std::string& b, bool fold) {
  if (!fold) return a.compare(b);
  return absl::AsciiStrToLower(a).compare(absl::AsciiStrToLower(b));
}

bool Ordered(Filter::Op op, int cmp) {
  switch (op) {
    case Filter::EQ:
      return cmp == 0;
    case Filter::NE:
      return cmp != 0;
    case Filter::GT:
      return cmp > 0;
    case Filter::GE:
      return cmp >= 0;
    case Filter::LT:
      return cmp < 0;
    case Filter::LE:
      return cmp <= 0;
    default:
      return false;
  }
}

bool CompareString(Filter::Op op, const std::string& actual,
                   const std::string& wanted, bool fold) {
  std::string a = fold ? absl::AsciiStrToLower(actual) : actual;
  std::string w = fold ? absl::AsciiStrToLower(wanted) : wanted;
  switch (op) {
    case Filter::CO:
      return absl::StrContains(a, w);
    case Filter::SW:
      return absl::StartsWith(a, w);
    case Filter::EW:
      return absl::EndsWith(a, w);
    default:
      return Ordered(op, CompareStrings(actual, wanted, fold));
  }
}

std::optional<bool> AsBool(const value& v) {
  if (v.is_boolean()) return v.as_bool();
  if (v.is_string()) {
    if (absl::EqualsIgnoreCase(v.as_string(), "true")) return true;
    if (absl::EqualsIgnoreCase(v.as_string(), "false")) return false;
  }
  return std::nullopt;
}

// One comparison against the element's sub-attribute `actual` (nullptr when
// absent). A missing or differently typed value is "not equal".
bool CompareLeaf(const Filter& f, const value* actual, bool case_exact) {
  Filter::Op op = f.op();
  if (op == Filter::PR) return IsPresent(actual);
  const FilterValue& wanted = f.value();
  if (wanted.kind_case() == FilterValue::kNullValue) {
    if (op == Filter::EQ) return !IsPresent(actual);
    if (op == Filter::NE) return IsPresent(actual);
    return false;
  }
  bool mismatch = op == Filter::NE;
  if (actual == nullptr || actual->is_null()) return mismatch;
  switch (wanted.kind_case()) {
    case FilterValue::kStringValue:
      if (!actual->is_string()) return mismatch;
      return CompareString(op, actual->as_string(), wanted.string_value(),
                           !case_exact);
    case FilterValue::kBoolValue: {
      std::optional<bool> b = AsBool(*actual);
      if (!b.has_value()) return mismatch;
      if (op == Filter::EQ) return *b == wanted.bool_value();
      if (op == Filter::NE) return *b != wanted.bool_value();
      return false;
    }
    case FilterValue::kNumberValue: {
      if (!actual->is_number()) return mismatch;
      double a = actual->as_double();
      double w = wanted.number_value();
      return Ordered(op, a < w ? -1 : (a > w ? 1 : 0));
    }
    default:
      return false;
  }
}

}  // namespace

std::shared_ptr<const AttributeDef> OpenAttribute(const SchemaDef& extension,
                                                  const std::string& name) {
  if (!extension.attributes.empty() || !IsName(name) ||
      absl::StrContains(name, '$')) {
    return nullptr;
  }
  auto def = std::make_shared<AttributeDef>();
  def->name = name;
  return def;
}

absl::StatusOr<PatchPath> ParsePatchPath(const std::string& raw,
                                         const ResourceSchema& resource) {
  std::string text(absl::StripAsciiWhitespace(raw));
  if (text.empty()) {
    return InvalidPath(
        "path is empty; name the attribute to change, or leave 'path' out "
        "and send the attributes as an object in 'value'");
  }
  size_t open = text.find('[');
  if (open == std::string::npos) {
    if (absl::StrContains(text, ']')) {
      return InvalidPath(
          absl::StrCat("path '", raw, "' has a ']' without an opening '['"));
    }
    absl::StatusOr<PatchPath> out = Resolve(resource, text);
    if (out.ok()) out->text = raw;
    return out;
  }
  size_t close = FindClose(text, open);
  if (close == std::string::npos) {
    return InvalidPath(absl::StrCat("path '", raw,
                                    "' has no closing ']'; write it as "
                                    "attribute[filter] or "
                                    "attribute[filter].subAttribute"));
  }
  std::string attribute = text.substr(0, open);
  std::string filter_text = text.substr(open + 1, close - open - 1);
  absl::string_view rest = absl::string_view(text).substr(close + 1);
  std::string sub;
  if (!rest.empty()) {
    if (rest[0] != '.' || !IsName(rest.substr(1))) {
      return InvalidPath(
          absl::StrCat("path '", raw, "' has '", rest,
                       "' after ']'; only a sub-attribute may follow, as in "
                       "emails[type eq \"work\"].value"));
    }
    sub = std::string(rest.substr(1));
  }
  if (attribute.empty()) {
    return InvalidPath(
        absl::StrCat("path '", raw,
                     "' has no attribute before '['; write it as "
                     "attribute[filter], e.g. emails[type eq \"work\"]"));
  }
  absl::StatusOr<PatchPath> out = Resolve(resource, attribute);
  if (!out.ok()) return out.status();
  out->text = raw;
  if (out->attribute == nullptr || out->sub != nullptr ||
      !out->attribute->multi_valued) {
    return InvalidPath(
        absl::StrCat("path '", raw,
                     "': a filter in '[...]' selects elements of a "
                     "multi-valued attribute, and '",
                     attribute, "' is not one"));
  }
  if (!sub.empty()) {
    out->sub = out->attribute->type == AttrType::kComplex
                   ? out->attribute->Sub(sub)
                   : nullptr;
    if (out->sub == nullptr) {
      return InvalidPath(absl::StrCat("path '", raw,
                                      "': ", out->attribute->name,
                                      " has no sub-attribute '", sub, "'"));
    }
  }
  if (absl::StripAsciiWhitespace(filter_text).empty()) {
    return InvalidFilter(
        absl::StrCat("path '", raw,
                     "' has an empty filter; put a condition between the "
                     "brackets, e.g. ",
                     out->attribute->name, "[value eq \"...\"]"));
  }
  absl::StatusOr<Filter> filter = ParseFilter(filter_text);
  if (!filter.ok()) {
    return InvalidFilter(absl::StrCat("path '", raw, "': in the filter '",
                                      filter_text, "', ",
                                      filter.status().message()));
  }
  absl::Status checked = CheckValueFilter(*filter, *out->attribute);
  if (!checked.ok()) {
    return InvalidFilter(absl::StrCat("path '", raw, "': ", checked.message()));
  }
  out->filter = *std::move(filter);
  return out;
}

absl::Status CheckValueFilter(const Filter& filter,
                              const AttributeDef& attribute) {
  switch (filter.op()) {
    case Filter::AND:
    case Filter::OR:
    case Filter::NOT:
      for (const Filter& child : filter.children()) {
        absl::Status status = CheckValueFilter(child, attribute);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    default:
      break;
  }
  if (filter.has_value_filter()) {
    return InvalidFilter(absl::StrCat(
        "filters cannot be nested; inside '[...]' compare sub-attributes of ",
        attribute.name, " directly"));
  }
  if (FilterSub(filter.attribute(), attribute) == nullptr) {
    std::vector<std::string> known;
    if (attribute.type == AttrType::kComplex) {
      for (const AttributeDef& sub : attribute.sub_attributes) {
        known.push_back(sub.name);
      }
    } else {
      known.push_back("value");
    }
    return InvalidFilter(
        absl::StrCat("the filter compares '", filter.attribute(),
                     "', which is not a sub-attribute of ", attribute.name,
                     "; use one of ", absl::StrJoin(known, ", ")));
  }
  return absl::OkStatus();
}

bool MatchesFilter(const Filter& filter, const value& element,
                   const AttributeDef& attribute) {
  switch (filter.op()) {
    case Filter::AND:
      for (const Filter& child : filter.children()) {
        if (!MatchesFilter(child, element, attribute)) return false;
      }
      return true;
    case Filter::OR:
      for (const Filter& child : filter.children()) {
        if (MatchesFilter(child, element, attribute)) return true;
      }
      return false;
    case Filter::NOT:
      return filter.children_size() == 1 &&
             !MatchesFilter(filter.children(0), element, attribute);
    case Filter::OP_UNSPECIFIED:
      return false;
    default:
      break;
  }
  const AttributeDef* sub = FilterSub(filter.attribute(), attribute);
  if (sub == nullptr) return false;
  const value* actual =
      sub == &attribute ? &element : FindMember(element, sub->name);
  return CompareLeaf(filter, actual, sub->case_exact);
}

std::optional<value> ElementFromFilter(const Filter& filter,
                                       const AttributeDef& attribute) {
  if (filter.op() == Filter::EQ) {
    const AttributeDef* sub = FilterSub(filter.attribute(), attribute);
    value v = FromFilterValue(filter.value());
    if (sub == nullptr || v.is_null()) return std::nullopt;
    if (sub == &attribute) return v;
    value element = value::object(/*keep_order=*/true);
    element[sub->name] = std::move(v);
    return element;
  }
  if (filter.op() != Filter::AND || attribute.type != AttrType::kComplex) {
    return std::nullopt;
  }
  value element = value::object(/*keep_order=*/true);
  for (const Filter& child : filter.children()) {
    std::optional<value> part = ElementFromFilter(child, attribute);
    if (!part.has_value() || !part->is_object()) return std::nullopt;
    for (const auto& [key, v] : part->as_object()) {
      // `type eq "work" and type eq "home"` describes no element.
      if (element.has_field(key) && element.at(key) != v) return std::nullopt;
      element[key] = v;
    }
  }
  return element;
}

}  // namespace scim::edge
