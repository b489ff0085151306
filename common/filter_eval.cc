#include "common/filter_eval.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using scim::common::v1::Filter;
using scim::common::v1::FilterValue;

constexpr char kCustomFieldsUrn[] =
    "urn:ietf:params:scim:schemas:extension:customfields:2.0:user:";

// One value found at an attribute path.
struct Leaf {
  enum Kind { kString, kBool, kNumber, kTime } kind = kString;
  std::string s;
  bool b = false;
  double n = 0;
  int64_t micros = 0;

  static Leaf Str(std::string v) {
    Leaf l;
    l.s = std::move(v);
    return l;
  }
  static Leaf Bool(bool v) {
    Leaf l;
    l.kind = kBool;
    l.b = v;
    return l;
  }
  static Leaf Num(double v) {
    Leaf l;
    l.kind = kNumber;
    l.n = v;
    return l;
  }
  static Leaf Time(int64_t v) {
    Leaf l;
    l.kind = kTime;
    l.micros = v;
    return l;
  }
};

absl::Status FilterError(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidFilter");
}

// Maps URN-qualified names onto the proto's layout: the core schema is the
// root, each extension is a field of User.
std::string NormalizePath(std::string path) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"urn:ietf:params:scim:schemas:core:2.0:user:", ""},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:",
       "enterprise."},
      {"urn:ietf:params:scim:schemas:extension:citycity:2.0:user:",
       "citycity."},
      {"urn:ietf:params:scim:schemas:extension:travelperk:2.0:user:",
       "travelperk."},
  };
  for (const auto& [urn, replacement] : kPrefixes) {
    if (absl::StartsWithIgnoreCase(path, urn)) {
      return replacement + path.substr(std::string(urn).size());
    }
  }
  return path;
}

const FieldDescriptor* FindField(const Descriptor* d, std::string name) {
  if (name == "$ref") name = "ref";
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->name() == "tenant_id") continue;
    if (absl::EqualsIgnoreCase(f->json_name(), name)) return f;
  }
  return nullptr;
}

void AddScalar(const Message& m, const FieldDescriptor* f, int index,
               std::vector<Leaf>* out) {
  const Reflection* r = m.GetReflection();
  Leaf leaf;
  bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      leaf.s =
          repeated ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      leaf.kind = Leaf::kBool;
      leaf.b = repeated ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      leaf.kind = Leaf::kNumber;
      leaf.n =
          repeated ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      leaf.kind = Leaf::kNumber;
      leaf.n = static_cast<double>(repeated ? r->GetRepeatedInt64(m, f, index)
                                            : r->GetInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_INT32:
      leaf.kind = Leaf::kNumber;
      leaf.n = repeated ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      break;
    default:
      return;
  }
  out->push_back(std::move(leaf));
}

// Where collection is going: the whole path as written (for errors), the
// elements of a value path's attribute (when evaluating one), and whether
// only presence is asked (`pr`), which any complex value can answer.
struct Target {
  const std::string& full;
  std::vector<const Message*>* elements = nullptr;
  bool presence = false;
};

absl::Status Collect(const Message& m, const std::vector<std::string>& path,
                     size_t at, const Target& target, std::vector<Leaf>* out);

// The SCIM resource type a message is served as.
std::string ResourceTypeOf(const Descriptor* d) {
  if (d->full_name() == "scim.role.v1.Role") return "Group";
  return d->name();
}

// meta.resourceType, meta.location and meta.version are not stored: they
// follow from the resource's type, id and meta.version. meta.location is
// relative to the base URL ("/Users/<id>"), which only the edge knows; it
// strips the base from filter literals before sending them.
absl::Status CollectDerivedMeta(const Message& m, const FieldDescriptor* f,
                                const std::vector<std::string>& path, size_t at,
                                const Target& target, std::vector<Leaf>* out,
                                bool* handled) {
  const std::string& name = path[at + 1];
  bool type = absl::EqualsIgnoreCase(name, "resourceType");
  bool location = absl::EqualsIgnoreCase(name, "location");
  bool version = absl::EqualsIgnoreCase(name, "version");
  *handled = type || location || version;
  if (!*handled) return absl::OkStatus();
  if (at + 2 < path.size()) {
    return FilterError("'" + target.full + "' has no sub-attribute '" +
                       path[at + 2] + "'");
  }
  const Reflection* r = m.GetReflection();
  if (!r->HasField(m, f)) return absl::OkStatus();
  const Descriptor* d = m.GetDescriptor();
  if (type) {
    out->push_back(Leaf::Str(ResourceTypeOf(d)));
  } else if (location) {
    const FieldDescriptor* id = FindField(d, "id");
    if (id == nullptr || id->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return absl::OkStatus();
    }
    out->push_back(
        Leaf::Str("/" + ResourceTypeOf(d) + "s/" + r->GetString(m, id)));
  } else {
    const auto& meta =
        static_cast<const scim::common::v1::Meta&>(r->GetMessage(m, f));
    // The ETag form the edge sends (W/"<version>"), so a client can filter
    // with the value it read.
    out->push_back(Leaf::Str("W/\"" + std::to_string(meta.version()) + "\""));
  }
  return absl::OkStatus();
}

// Whether a complex value holds anything (RFC 7644 §3.4.2.2 `pr`: "a
// non-empty node").
bool NonEmpty(const Message& sub) { return sub.ByteSizeLong() > 0; }

// Values of `field` in `m`, descending into the rest of the path.
absl::Status CollectField(const Message& m, const FieldDescriptor* f,
                          const std::vector<std::string>& path, size_t at,
                          const Target& target, std::vector<Leaf>* out) {
  const Reflection* r = m.GetReflection();
  bool last = at + 1 == path.size();
  const std::string& full = target.full;
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    if (!last)
      return FilterError("'" + full + "' has no sub-attribute '" +
                         path[at + 1] + "'");
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) AddScalar(m, f, i, out);
    } else if (f->has_presence() && !r->HasField(m, f)) {
      // `active` is the only optional scalar: unset means true.
      if (f->name() == "active") out->push_back(Leaf::Bool(true));
    } else {
      AddScalar(m, f, -1, out);
    }
    return absl::OkStatus();
  }
  const Descriptor* type = f->message_type();
  bool timestamp = type == google::protobuf::Timestamp::descriptor();
  if (!last && type == scim::common::v1::Meta::descriptor()) {
    bool handled = false;
    absl::Status s = CollectDerivedMeta(m, f, path, at, target, out, &handled);
    if (handled || !s.ok()) return s;
  }
  // A complex attribute compared as a whole means its "value"; one without
  // a "value" can only be asked whether it is present. Decided by type, so
  // the error does not depend on which users happen to have the attribute.
  const FieldDescriptor* value =
      last && !timestamp ? FindField(type, "value") : nullptr;
  bool whole = last && !timestamp && target.elements == nullptr;
  if (whole && value == nullptr) {
    if (!target.presence) {
      return FilterError("'" + full +
                         "' is complex; name one of its sub-attributes, as in "
                         "name.familyName, or test it with 'pr'");
    }
    bool present = false;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f) && !present; ++i) {
        present = NonEmpty(r->GetRepeatedMessage(m, f, i));
      }
    } else {
      present = r->HasField(m, f) && NonEmpty(r->GetMessage(m, f));
    }
    if (present) out->push_back(Leaf::Bool(true));
    return absl::OkStatus();
  }
  auto visit = [&](const Message& sub) -> absl::Status {
    if (timestamp) {
      const auto& ts = static_cast<const google::protobuf::Timestamp&>(sub);
      out->push_back(Leaf::Time(ToUnixMicros(ts)));
      return absl::OkStatus();
    }
    if (last) {
      if (target.elements != nullptr) {
        target.elements->push_back(&sub);
        return absl::OkStatus();
      }
      AddScalar(sub, value, -1, out);
      return absl::OkStatus();
    }
    return Collect(sub, path, at + 1, target, out);
  };
  if (f->is_repeated()) {
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      absl::Status s = visit(r->GetRepeatedMessage(m, f, i));
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  if (!r->HasField(m, f) && !last) {
    // Still validate the path against the type, so typos are reported.
    return Collect(r->GetMessage(m, f), path, at + 1, target, out);
  }
  if (!r->HasField(m, f)) return absl::OkStatus();
  return visit(r->GetMessage(m, f));
}

absl::Status Collect(const Message& m, const std::vector<std::string>& path,
                     size_t at, const Target& target, std::vector<Leaf>* out) {
  const FieldDescriptor* f = FindField(m.GetDescriptor(), path[at]);
  if (f == nullptr) {
    return FilterError("unknown attribute '" + target.full +
                       "' in filter; use a SCIM attribute name such as "
                       "userName, externalId or emails.value");
  }
  return CollectField(m, f, path, at, target, out);
}

absl::Status CollectCustomField(const Message& m, const std::string& id,
                                std::vector<Leaf>* out) {
  const auto* user = dynamic_cast<const scim::identity::v1::User*>(&m);
  if (user == nullptr) return FilterError("custom fields apply only to users");
  for (const auto& cf : user->custom_fields()) {
    if (!absl::EqualsIgnoreCase(cf.field_id(), id)) continue;
    switch (cf.value_case()) {
      case scim::identity::v1::CustomFieldValue::kNumberValue:
        out->push_back(Leaf::Num(cf.number_value()));
        break;
      case scim::identity::v1::CustomFieldValue::kBoolValue:
        out->push_back(Leaf::Bool(cf.bool_value()));
        break;
      case scim::identity::v1::CustomFieldValue::kStringValue:
        out->push_back(Leaf::Str(cf.string_value()));
        break;
      case scim::identity::v1::CustomFieldValue::kDateValue:
        out->push_back(Leaf::Str(cf.date_value()));
        break;
      default:
        break;
    }
  }
  return absl::OkStatus();
}

absl::Status CollectPath(const Message& m, const std::string& attribute,
                         std::vector<const Message*>* elements, bool presence,
                         std::vector<Leaf>* out) {
  if (absl::StartsWithIgnoreCase(attribute, kCustomFieldsUrn)) {
    return CollectCustomField(
        m, attribute.substr(std::string(kCustomFieldsUrn).size()), out);
  }
  std::string path = NormalizePath(attribute);
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (const auto& p : parts) {
    if (p.empty())
      return FilterError("malformed attribute path '" + attribute +
                         "' in filter");
  }
  return Collect(m, parts, 0, Target{attribute, elements, presence}, out);
}

// RFC 7643's caseExact attributes among those filters reach (its §3.1
// common attributes), however the path is spelled.
bool CaseExact(const std::string& attribute) {
  std::string path = NormalizePath(attribute);
  for (const char* name : {"id", "externalId", "meta.resourceType",
                           "meta.location", "meta.version"}) {
    if (absl::EqualsIgnoreCase(path, name)) return true;
  }
  return false;
}

// Three-way comparison of a found value with the literal; nullopt when the
// two cannot be compared (different types).
std::optional<int> Compare(const Leaf& leaf, const FilterValue& v,
                           bool case_exact) {
  switch (leaf.kind) {
    case Leaf::kString: {
      if (v.kind_case() != FilterValue::kStringValue) return std::nullopt;
      if (case_exact) return leaf.s.compare(v.string_value());
      std::string a = absl::AsciiStrToLower(leaf.s);
      std::string b = absl::AsciiStrToLower(v.string_value());
      return a.compare(b);
    }
    case Leaf::kBool:
      if (v.kind_case() != FilterValue::kBoolValue) return std::nullopt;
      return static_cast<int>(leaf.b) - static_cast<int>(v.bool_value());
    case Leaf::kNumber:
      if (v.kind_case() != FilterValue::kNumberValue) return std::nullopt;
      return leaf.n < v.number_value() ? -1 : leaf.n > v.number_value() ? 1 : 0;
    case Leaf::kTime: {
      if (v.kind_case() != FilterValue::kStringValue) return std::nullopt;
      auto t = ParseRfc3339(v.string_value());
      if (!t.ok()) return std::nullopt;
      int64_t m = ToUnixMicros(*t);
      return leaf.micros < m ? -1 : leaf.micros > m ? 1 : 0;
    }
  }
  return std::nullopt;
}

bool LeafMatches(const Leaf& leaf, Filter::Op op, const FilterValue& v,
                 bool case_exact) {
  if (op == Filter::CO || op == Filter::SW || op == Filter::EW) {
    if (leaf.kind != Leaf::kString ||
        v.kind_case() != FilterValue::kStringValue) {
      return false;
    }
    std::string a = case_exact ? leaf.s : absl::AsciiStrToLower(leaf.s);
    std::string b =
        case_exact ? v.string_value() : absl::AsciiStrToLower(v.string_value());
    if (op == Filter::CO) return absl::StrContains(a, b);
    if (op == Filter::SW) return absl::StartsWith(a, b);
    return absl::EndsWith(a, b);
  }
  std::optional<int> c = Compare(leaf, v, case_exact);
  if (!c.has_value()) return false;
  switch (op) {
    case Filter::EQ:
      return *c == 0;
    case Filter::GT:
      return *c > 0;
    case Filter::GE:
      return *c >= 0;
    case Filter::LT:
      return *c < 0;
    case Filter::LE:
      return *c <= 0;
    default:
      return false;
  }
}

bool Present(const Leaf& leaf) {
  return leaf.kind != Leaf::kString || !leaf.s.empty();
}

absl::StatusOr<bool> Evaluate(const Message& m, const Filter& f, int depth);

bool IsOrdering(Filter::Op op) {
  return op == Filter::GT || op == Filter::GE || op == Filter::LT ||
         op == Filter::LE;
}

// Literals an operator cannot take, whatever the attribute holds.
absl::Status CheckLiteral(const Filter& f) {
  FilterValue::KindCase kind = f.value().kind_case();
  if (kind == FilterValue::kNullValue && f.op() != Filter::EQ &&
      f.op() != Filter::NE) {
    return FilterError("'" + f.attribute() +
                       "': null compares only with eq and ne; test presence "
                       "with 'pr'");
  }
  // RFC 7644 §3.4.2.2: booleans have no order.
  if (kind == FilterValue::kBoolValue && IsOrdering(f.op())) {
    return FilterError("'" + f.attribute() +
                       "': gt, ge, lt and le do not apply to true/false; "
                       "use eq or ne");
  }
  return absl::OkStatus();
}

// The empty element of the complex attribute at `attribute`, against which
// a value filter's own paths are checked; nullptr when the path does not
// name a complex attribute.
const Message* ElementPrototype(const Message& m,
                                const std::string& attribute) {
  std::vector<std::string> parts =
      absl::StrSplit(NormalizePath(attribute), '.');
  const Descriptor* d = m.GetDescriptor();
  for (const std::string& part : parts) {
    if (d == nullptr) return nullptr;
    const FieldDescriptor* f = FindField(d, part);
    if (f == nullptr || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return nullptr;
    }
    d = f->message_type();
  }
  if (d == nullptr || d == google::protobuf::Timestamp::descriptor()) {
    return nullptr;
  }
  return google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
}

// Checks every attribute path and literal of `f` against the type of
// `prototype`, with no short-circuit, so an error never depends on data.
absl::Status Validate(const Message& prototype, const Filter& f, int depth) {
  if (depth > 64) return FilterError("filter is nested too deeply");
  switch (f.op()) {
    case Filter::AND:
    case Filter::OR:
      for (const Filter& c : f.children()) {
        if (absl::Status s = Validate(prototype, c, depth + 1); !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    case Filter::NOT:
      if (f.children_size() != 1) return FilterError("'not' takes one filter");
      return Validate(prototype, f.children(0), depth + 1);
    case Filter::OP_UNSPECIFIED:
      if (!f.has_value_filter()) return FilterError("empty filter");
      break;
    default:
      break;
  }
  if (f.op() != Filter::PR && f.op() != Filter::OP_UNSPECIFIED) {
    if (absl::Status s = CheckLiteral(f); !s.ok()) return s;
  }
  bool presence = f.op() == Filter::PR;
  std::vector<Leaf> ignored;
  if (!f.has_value_filter()) {
    return CollectPath(prototype, f.attribute(), nullptr, presence, &ignored);
  }
  std::vector<const Message*> elements;
  absl::Status s =
      CollectPath(prototype, f.attribute(), &elements, presence, &ignored);
  if (!s.ok()) return s;
  const Message* element = ElementPrototype(prototype, f.attribute());
  if (element == nullptr) {
    return FilterError("'" + f.attribute() +
                       "[...]': a value filter applies only to a complex "
                       "attribute such as emails");
  }
  s = Validate(*element, f.value_filter(), depth + 1);
  if (!s.ok() || f.sub_attribute().empty()) return s;
  return CollectPath(*element, f.sub_attribute(), nullptr, presence, &ignored);
}

// Values at `f.attribute`; under a value filter only those of the elements
// that satisfy it.
absl::Status Values(const Message& m, const Filter& f, int depth,
                    std::vector<Leaf>* out) {
  bool presence = f.op() == Filter::PR;
  if (!f.has_value_filter()) {
    return CollectPath(m, f.attribute(), nullptr, presence, out);
  }
  std::vector<const Message*> elements;
  absl::Status s = CollectPath(m, f.attribute(), &elements, presence, out);
  if (!s.ok()) return s;
  for (const Message* e : elements) {
    absl::StatusOr<bool> ok = Evaluate(*e, f.value_filter(), depth + 1);
    if (!ok.ok()) return ok.status();
    if (!*ok) continue;
    if (f.sub_attribute().empty()) {
      out->push_back(Leaf::Bool(true));
    } else {
      s = CollectPath(*e, f.sub_attribute(), nullptr, presence, out);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> Evaluate(const Message& m, const Filter& f, int depth) {
  if (depth > 64) return FilterError("filter is nested too deeply");
  switch (f.op()) {
    case Filter::AND:
    case Filter::OR: {
      bool is_and = f.op() == Filter::AND;
      for (const Filter& c : f.children()) {
        absl::StatusOr<bool> r = Evaluate(m, c, depth + 1);
        if (!r.ok()) return r;
        if (*r != is_and) return !is_and;
      }
      return is_and;
    }
    case Filter::NOT: {
      if (f.children_size() != 1) return FilterError("'not' takes one filter");
      absl::StatusOr<bool> r = Evaluate(m, f.children(0), depth + 1);
      if (!r.ok()) return r;
      return !*r;
    }
    case Filter::OP_UNSPECIFIED:
      if (!f.has_value_filter()) return FilterError("empty filter");
      [[fallthrough]];
    case Filter::PR: {
      std::vector<Leaf> values;
      absl::Status s = Values(m, f, depth, &values);
      if (!s.ok()) return s;
      for (const Leaf& l : values) {
        if (Present(l)) return true;
      }
      return false;
    }
    default:
      break;
  }
  std::vector<Leaf> values;
  absl::Status s = Values(m, f, depth, &values);
  if (!s.ok()) return s;
  bool exact = CaseExact(f.attribute());
  if (absl::Status s = CheckLiteral(f); !s.ok()) return s;
  if (f.value().kind_case() == FilterValue::kNullValue) {
    bool present = false;
    for (const Leaf& l : values) present |= Present(l);
    return f.op() == Filter::EQ ? !present : present;
  }
  if (f.op() == Filter::NE) {
    for (const Leaf& l : values) {
      if (LeafMatches(l, Filter::EQ, f.value(), exact)) return false;
    }
    return true;
  }
  for (const Leaf& l : values) {
    if (LeafMatches(l, f.op(), f.value(), exact)) return true;
  }
  return false;
}

}  // namespace

bool SortKey::Before(const SortKey& other, bool descending) const {
  if (present != other.present) return present;
  if (!present) return false;
  if (kind != other.kind)
    return descending ? kind > other.kind : kind < other.kind;
  int c = 0;
  if (kind == Leaf::kString) {
    c = text.compare(other.text);
  } else {
    c = number < other.number ? -1 : number > other.number ? 1 : 0;
  }
  return descending ? c > 0 : c < 0;
}

absl::StatusOr<SortKey> SortKeyOf(const Message& resource,
                                  const std::string& attribute) {
  std::vector<Leaf> values;
  absl::Status s = CollectPath(resource, attribute, nullptr, false, &values);
  if (!s.ok()) {
    return WithScimType(
        absl::InvalidArgumentError(
            "sortBy '" + attribute +
            "' is not an attribute of this resource; sort by one such as "
            "userName, displayName, name.familyName or meta.lastModified"),
        "invalidValue");
  }
  SortKey key;
  for (const Leaf& l : values) {
    if (!Present(l)) continue;
    key.present = true;
    key.kind = l.kind;
    switch (l.kind) {
      case Leaf::kString:
        key.text = absl::AsciiStrToLower(l.s);
        break;
      case Leaf::kBool:
        key.number = l.b ? 1 : 0;
        break;
      case Leaf::kNumber:
        key.number = l.n;
        break;
      case Leaf::kTime:
        key.number = static_cast<double>(l.micros);
        break;
    }
    break;
  }
  return key;
}

absl::Status ValidateFilter(const Message& prototype, const Filter& filter) {
  return Validate(prototype, filter, 0);
}

absl::StatusOr<bool> Matches(const Message& resource, const Filter& filter) {
  if (resource.ByteSizeLong() == 0) {
    // How the stores check a filter before reading any record.
    if (absl::Status s = ValidateFilter(resource, filter); !s.ok()) return s;
  }
  return Evaluate(resource, filter, 0);
}

}  // namespace scim
