#include "edge/request_body.h"

#include <optional>

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

// The code unit of the "\uXXXX" escape at `at`, if it is one.
std::optional<int> EscapedUnit(std::string_view text, size_t at) {
  if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') {
    return std::nullopt;
  }
  int unit = 0;
  for (size_t k = at + 2; k < at + 6; ++k) {
    char c = text[k];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return std::nullopt;
    unit = unit * 16 + digit;
  }
  return unit;
}

// At a "\u" escape (`*at` on the backslash): a high surrogate must be
// followed by an escaped low one, and a low one must not stand alone. The
// JSON parser throws from deep inside on a broken pair (a fuzzer found
// "\ud83d\u8300"), so broken pairs never reach it. Advances `*at` past
// what it checked.
absl::Status CheckSurrogates(std::string_view text, size_t* at) {
  std::optional<int> unit = EscapedUnit(text, *at);
  if (!unit.has_value()) {
    *at += 1;  // malformed: the parser reports it
    return absl::OkStatus();
  }
  if (*unit >= 0xDC00 && *unit <= 0xDFFF) {
    return InvalidSyntax(
        "the request body escapes a lone UTF-16 low surrogate (\\u" +
        std::string(text.substr(*at + 2, 4)) +
        "); escape characters beyond U+FFFF as a surrogate pair");
  }
  if (*unit >= 0xD800 && *unit <= 0xDBFF) {
    std::optional<int> low = EscapedUnit(text, *at + 6);
    if (!low.has_value() || *low < 0xDC00 || *low > 0xDFFF) {
      return InvalidSyntax(
          "the request body escapes a UTF-16 high surrogate (\\u" +
          std::string(text.substr(*at + 2, 4)) +
          ") that no low surrogate follows");
    }
    *at += 11;  // on the last digit of the pair
    return absl::OkStatus();
  }
  *at += 5;  // on the last digit
  return absl::OkStatus();
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
  const size_t n = body.size();
  for (size_t i = 0; i < n; ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\' && i + 1 < n) {
        if (body[i + 1] == 'u') {
          if (absl::Status s = CheckSurrogates(body, &i); !s.ok()) return s;
        } else {
          ++i;  // the escaped character
        }
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
  web::json::value v;
  try {
    v = web::json::value::parse(body, ec);
  } catch (const std::exception& e) {
    // Despite the error_code overload, the parser throws on some input (bad
    // Unicode escapes); whatever else it throws on is still a 400.
    return InvalidSyntax(std::string("the request body is not valid JSON (") +
                         e.what() + "); send a SCIM resource as a JSON object");
  }
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
