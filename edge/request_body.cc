#include "edge/request_body.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_map.h"

namespace scim::edge {
namespace {

constexpr char kBulkRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

absl::Status InvalidSyntax(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidSyntax");
}

// An escaped lone surrogate ("\ud800") passes the raw-text check and may come
// out of the parser as bytes that are not UTF-8, which protobuf would refuse
// to carry; every parsed string and member name is checked again. Depth is
// already bounded by CheckJsonText, so the recursion is too.
bool AllStringsUtf8(const web::json::value& v) {
  if (v.is_string()) {
    return InvalidUtf8Offset(v.as_string()) == std::string_view::npos;
  }
  if (v.is_array()) {
    for (const auto& e : v.as_array()) {
      if (!AllStringsUtf8(e)) return false;
    }
  } else if (v.is_object()) {
    for (const auto& [key, member] : v.as_object()) {
      if (InvalidUtf8Offset(key) != std::string_view::npos ||
          !AllStringsUtf8(member)) {
        return false;
      }
    }
  }
  return true;
}

bool ListsBulkSchema(const web::json::value& object) {
  const web::json::value* schemas = FindMember(object, "schemas");
  if (schemas == nullptr || !schemas->is_array()) return false;
  for (const auto& s : schemas->as_array()) {
    if (s.is_string() &&
        absl::EqualsIgnoreCase(s.as_string(), kBulkRequestSchema)) {
      return true;
    }
  }
  return false;
}

}  // namespace

size_t InvalidUtf8Offset(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
    } else {
      return i;  // a continuation byte, an overlong lead, or above U+10FFFF
    }
    if (n - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    unsigned char second = p[i + 1];
    if ((c == 0xE0 && second < 0xA0) ||  // overlong three-byte form
        (c == 0xED && second > 0x9F) ||  // UTF-16 surrogate
        (c == 0xF0 && second < 0x90) ||  // overlong four-byte form
        (c == 0xF4 && second > 0x8F)) {  // above U+10FFFF
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

absl::Status CheckJsonText(std::string_view body) {
  if (size_t bad = InvalidUtf8Offset(body); bad != std::string_view::npos) {
    return InvalidSyntax(
        absl::StrCat("the request body is not valid UTF-8 (byte ", bad,
                     "); send JSON encoded as UTF-8, as RFC 8259 requires"));
  }
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) {
        return InvalidSyntax(absl::StrCat(
            "the request body nests objects and arrays more than ",
            kMaxJsonDepth,
            " levels deep; no SCIM resource or message needs that many"));
      }
    } else if (c == '}' || c == ']') {
      --depth;  // unbalanced text is the parser's to report
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<web::json::value> ParseJsonObject(const std::string& body) {
  if (absl::Status s = CheckJsonText(body); !s.ok()) return s;
  std::error_code ec;
  web::json::value v = web::json::value::parse(body, ec);
  if (ec) {
    return InvalidSyntax("the request body is not valid JSON (" + ec.message() +
                         "); send a SCIM resource as a JSON object");
  }
  if (!v.is_object()) {
    return InvalidSyntax("the request body must be a JSON object");
  }
  if (!AllStringsUtf8(v)) {
    return InvalidSyntax(
        "the request body escapes a character that is not valid Unicode "
        "(a lone UTF-16 surrogate such as \\ud800); send well-formed text");
  }
  // A body with Operations that is not a Bulk request is a PATCH (the PATCH
  // engine does not insist on its schema, so neither does this limit). Bulk
  // requests have their own limit, kBulkMaxOperations, answered with 413.
  const web::json::value* ops = FindMember(v, "Operations");
  if (ops != nullptr && ops->is_array() && ops->size() > kMaxPatchOperations &&
      !ListsBulkSchema(v)) {
    return WithScimType(
        absl::InvalidArgumentError(absl::StrCat(
            "the PATCH has ", ops->size(), " operations; the limit is ",
            kMaxPatchOperations,
            " per request: send the change as several PATCH requests")),
        "tooMany");
  }
  return v;
}

const web::json::value* FindMember(const web::json::value& object,
                                   const std::string& name) {
  if (!object.is_object()) return nullptr;
  for (const auto& [key, value] : object.as_object()) {
    if (absl::EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

}  // namespace scim::edge
