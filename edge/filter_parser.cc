#include "edge/filter_parser.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status_map.h"
#include "common/time_util.h"

namespace scim::edge {
namespace {

using scim::common::v1::Filter;
using scim::common::v1::FilterValue;

// Longest token quoted back in an error; the rest of a hostile token only
// makes the message longer.
constexpr size_t kMaxQuotedToken = 40;

absl::Status InvalidFilter(absl::string_view detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidFilter");
}

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Users count characters, not bytes, so positions and the length limit do
// too. Only meaningful once the text is known to be UTF-8.
size_t CharCount(absl::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return !IsContinuationByte(c); }));
}

size_t CharPosition(const std::string& text, size_t offset) {
  return CharCount(absl::string_view(text).substr(0, offset)) + 1;
}

absl::Status ErrorAt(const std::string& text, size_t offset,
                     absl::string_view detail) {
  return InvalidFilter(absl::StrCat("invalid filter at position ",
                                    CharPosition(text, offset), ": ", detail));
}

// Byte offset of the first malformed UTF-8 sequence (overlong forms and
// surrogates included), or npos. Checked up front because proto3 strings
// must be UTF-8: a bad byte would otherwise fail the RPC, not the filter.
size_t FindInvalidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto lead = static_cast<unsigned char>(s[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // Sequence length, payload bits of the lead byte, and the smallest code
    // point that needs this length (anything below is an overlong form).
    size_t length;
    uint32_t code_point;
    uint32_t smallest;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
      smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
      smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
      smallest = 0x10000;
    } else {
      return i;
    }
    if (s.size() - i < length) return i;
    for (size_t k = 1; k < length; ++k) {
      if (!IsContinuationByte(s[i + k])) return i;
      code_point =
          (code_point << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return absl::string_view::npos;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The whole UTF-8 character at `offset`, so errors never quote half of one.
absl::string_view CharAt(absl::string_view text, size_t offset) {
  size_t end = offset + 1;
  while (end < text.size() && IsContinuationByte(text[end])) ++end;
  return text.substr(offset, end - offset);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c));
}
bool IsAlnum(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}

// Keywords and attribute paths are lexed as one word; ':' and '.' belong to
// it so that a URN-qualified path ("...:2.0:User:name.givenName") stays whole.
bool IsWordChar(char c) {
  return IsAlnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c == '$';
}

// Number tokens also swallow letters and '+' ("1e+5", "12abc") so a malformed
// number is reported as one, not as a number followed by garbage.
bool IsNumberChar(char c) { return IsWordChar(c) || c == '+'; }

bool IsHexDigit(char c) {
  return absl::ascii_isxdigit(static_cast<unsigned char>(c));
}

// RFC 7643 ATTRNAME: ALPHA *(ALPHA / DIGIT / "-" / "_").
bool IsAttrName(absl::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}

bool IsRef(absl::string_view s) { return absl::EqualsIgnoreCase(s, "$ref"); }

// RFC 7159 number grammar; strtod-style parsers also take "+1", ".5", "1.",
// "0x1p3", "inf" and "nan", none of which is a JSON number.
bool IsJsonNumber(absl::string_view s) {
  size_t i = 0;
  auto digits = [&]() {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

struct OperatorName {
  const char* name;
  Filter::Op op;
};

constexpr OperatorName kOperators[] = {
    {"eq", Filter::EQ}, {"ne", Filter::NE}, {"co", Filter::CO},
    {"sw", Filter::SW}, {"ew", Filter::EW}, {"gt", Filter::GT},
    {"ge", Filter::GE}, {"lt", Filter::LT}, {"le", Filter::LE},
    {"pr", Filter::PR},
};

constexpr char kOperatorList[] = "(eq, ne, co, sw, ew, gt, ge, lt, le, pr)";

bool LookupOperator(absl::string_view word, Filter::Op* op) {
  for (const OperatorName& candidate : kOperators) {
    if (absl::EqualsIgnoreCase(word, candidate.name)) {
      *op = candidate.op;
      return true;
    }
  }
  return false;
}

enum class TokenKind {
  kEnd,
  kWord,    // attribute path or keyword
  kString,  // "..." literal
  kNumber,  // starts with a digit or '-'
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kOther,  // any other character, kept so the parser can say what it expected
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;      // byte offset in the filter text
  absl::string_view raw;  // the token as written
  std::string value;      // decoded contents of a string literal
};

// Quotes a token for an error message.
std::string Describe(const Token& token) {
  if (token.kind == TokenKind::kEnd) return "the end of the filter";
  absl::string_view raw = token.raw;
  if (raw.size() <= kMaxQuotedToken) return absl::StrCat("'", raw, "'");
  size_t cut = kMaxQuotedToken;
  while (cut > 0 && IsContinuationByte(raw[cut])) --cut;
  return absl::StrCat("'", raw.substr(0, cut), "...'");
}

// Splits the text into tokens on demand, so errors surface in text order.
class Lexer {
 public:
  explicit Lexer(const std::string& text) : text_(text) {}

  absl::StatusOr<Token> Next();

 private:
  Token Take(TokenKind kind, size_t start, size_t end);
  absl::Status LexString(Token* token);
  absl::Status LexEscape(std::string* out);
  absl::Status LexUnicodeEscape(std::string* out);
  bool ReadUnicodeUnit(size_t at, uint32_t* unit) const;
  absl::Status Error(size_t offset, absl::string_view detail) const {
    return ErrorAt(text_, offset, detail);
  }

  const std::string& text_;
  size_t pos_ = 0;
};

Token Lexer::Take(TokenKind kind, size_t start, size_t end) {
  Token token;
  token.kind = kind;
  token.offset = start;
  token.raw = absl::string_view(text_).substr(start, end - start);
  pos_ = end;
  return token;
}

absl::StatusOr<Token> Lexer::Next() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  size_t start = pos_;
  if (start == text_.size()) return Take(TokenKind::kEnd, start, start);
  char c = text_[start];
  switch (c) {
    case '(':
      return Take(TokenKind::kLParen, start, start + 1);
    case ')':
      return Take(TokenKind::kRParen, start, start + 1);
    case '[':
      return Take(TokenKind::kLBracket, start, start + 1);
    case ']':
      return Take(TokenKind::kRBracket, start, start + 1);
    case '"': {
      Token token;
      absl::Status status = LexString(&token);
      if (!status.ok()) return status;
      return token;
    }
    default:
      break;
  }
  size_t end = start;
  if (IsDigit(c) || c == '-') {
    while (end < text_.size() && IsNumberChar(text_[end])) ++end;
    return Take(TokenKind::kNumber, start, end);
  }
  if (IsWordChar(c)) {
    while (end < text_.size() && IsWordChar(text_[end])) ++end;
    return Take(TokenKind::kWord, start, end);
  }
  return Take(TokenKind::kOther, start, start + CharAt(text_, start).size());
}

absl::Status Lexer::LexString(Token* token) {
  size_t start = pos_;
  std::string value;
  ++pos_;  // the opening quote
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') {
      *token = Take(TokenKind::kString, start, pos_ + 1);
      token->value = std::move(value);
      return absl::OkStatus();
    }
    if (c == '\\') {
      if (pos_ + 1 == text_.size()) break;
      absl::Status status = LexEscape(&value);
      if (!status.ok()) return status;
      continue;
    }
    value.push_back(c);
    ++pos_;
  }
  return Error(start,
               "unterminated string; the '\"' opening it is never closed");
}

absl::Status Lexer::LexEscape(std::string* out) {
  char escaped = text_[pos_ + 1];
  char decoded;
  switch (escaped) {
    case '"':
    case '\\':
    case '/':
      decoded = escaped;
      break;
    case 'b':
      decoded = '\b';
      break;
    case 'f':
      decoded = '\f';
      break;
    case 'n':
      decoded = '\n';
      break;
    case 'r':
      decoded = '\r';
      break;
    case 't':
      decoded = '\t';
      break;
    case 'u':
      return LexUnicodeEscape(out);
    default:
      return Error(pos_,
                   absl::StrCat("invalid escape '\\", CharAt(text_, pos_ + 1),
                                "' in string; JSON strings allow \\\" "
                                "\\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"));
  }
  out->push_back(decoded);
  pos_ += 2;
  return absl::OkStatus();
}

// Reads the UTF-16 code unit of a "\uXXXX" at `at`.
bool Lexer::ReadUnicodeUnit(size_t at, uint32_t* unit) const {
  if (text_.size() - at < 6 || text_[at] != '\\' || text_[at + 1] != 'u') {
    return false;
  }
  *unit = 0;
  for (size_t i = at + 2; i < at + 6; ++i) {
    char c = text_[i];
    if (!IsHexDigit(c)) return false;
    int digit = IsDigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
    *unit = (*unit << 4) | static_cast<uint32_t>(digit);
  }
  return true;
}

// JSON spells characters outside the BMP as a UTF-16 surrogate pair; a lone
// surrogate has no UTF-8 form, so it is an error rather than garbage.
absl::Status Lexer::LexUnicodeEscape(std::string* out) {
  size_t start = pos_;
  uint32_t unit;
  if (!ReadUnicodeUnit(start, &unit)) {
    return Error(start,
                 "invalid \\u escape in string; it needs four hex "
                 "digits, as in \\u00e9");
  }
  pos_ += 6;
  absl::string_view written = absl::string_view(text_).substr(start, 6);
  if (unit >= 0xDC00 && unit <= 0xDFFF) {
    return Error(start, absl::StrCat("unpaired surrogate '", written,
                                     "' in string; a low surrogate must "
                                     "follow a high one (\\uD800-\\uDBFF)"));
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    uint32_t low;
    if (!ReadUnicodeUnit(pos_, &low) || low < 0xDC00 || low > 0xDFFF) {
      return Error(start,
                   absl::StrCat("unpaired surrogate '", written,
                                "' in string; a high surrogate must be "
                                "followed by a low one (\\uDC00-\\uDFFF)"));
    }
    pos_ += 6;
    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
  }
  AppendUtf8(unit, out);
  return absl::OkStatus();
}

// A subtree and its height: the levels of and/or/not/value-path nodes above
// its deepest comparison, which is how deep identity-service recurses when
// evaluating it. A lone comparison is 0.
struct Parsed {
  Filter filter;
  int height = 0;
};

// Recursive descent over RFC 7644's grammar:
//   or      := and *("or" and)
//   and     := factor *("and" factor)
//   factor  := "(" or ")" / "not" "(" or ")" / attrExp
//   attrExp := path [ "[" or "]" [ "." subAttr ] ] [ compareOp value / "pr" ]
// Recursion happens only through "(", "not" and "[", each of which counts
// against kMaxFilterDepth before descending, so its depth is bounded.
class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text), lexer_(text) {}

  absl::StatusOr<Filter> Parse();

 private:
  struct Scope {
    bool in_value_filter = false;
    int nesting = 0;  // enclosing "(", "not (" and "["
  };
  using Operand = absl::StatusOr<Parsed> (Parser::*)(Scope);

  absl::StatusOr<Parsed> ParseOr(Scope scope);
  absl::StatusOr<Parsed> ParseAnd(Scope scope);
  absl::StatusOr<Parsed> ParseChain(Scope scope, Filter::Op op,
                                    absl::string_view keyword, Operand operand);
  absl::StatusOr<Parsed> ParseFactor(Scope scope);
  absl::StatusOr<Parsed> ParseGroup(Scope scope);
  absl::StatusOr<Parsed> ParseNot(Scope scope);
  absl::StatusOr<Parsed> ParseAttributeExpression(Scope scope);
  absl::Status ParseValueFilter(Scope scope, Parsed* out);
  absl::Status ParseSubAttribute(Filter* filter);
  absl::Status ParseComparison(absl::string_view subject, Filter* filter);
  absl::Status ParseValue(absl::string_view op_name, Filter::Op op,
                          FilterValue* value);
  absl::Status CheckOperand(absl::string_view op_name, Filter::Op op,
                            const Token& token, const FilterValue& value) const;
  absl::Status CheckAttributePath(const Token& token,
                                  bool in_value_filter) const;
  absl::Status ExpectClose(TokenKind close, absl::string_view close_text,
                           size_t open_offset, absl::string_view open_text);
  absl::Status TrailingError() const;

  absl::Status Advance();
  absl::Status Enter(Scope* scope, size_t offset) const;
  absl::Status CheckHeight(int height, size_t offset) const;
  bool AtKeyword(absl::string_view keyword) const;
  bool AtOperator() const;
  absl::Status Error(size_t offset, absl::string_view detail) const {
    return ErrorAt(text_, offset, detail);
  }

  const std::string& text_;
  Lexer lexer_;
  Token current_;
};

absl::Status Parser::Advance() {
  absl::StatusOr<Token> next = lexer_.Next();
  if (!next.ok()) return next.status();
  current_ = *std::move(next);
  return absl::OkStatus();
}

bool Parser::AtKeyword(absl::string_view keyword) const {
  return current_.kind == TokenKind::kWord &&
         absl::EqualsIgnoreCase(current_.raw, keyword);
}

bool Parser::AtOperator() const {
  Filter::Op unused;
  return current_.kind == TokenKind::kWord &&
         LookupOperator(current_.raw, &unused);
}

absl::Status Parser::Enter(Scope* scope, size_t offset) const {
  if (++scope->nesting > kMaxFilterDepth) {
    return Error(offset, absl::StrCat("filter is nested deeper than the limit "
                                      "of ",
                                      kMaxFilterDepth, " levels"));
  }
  return absl::OkStatus();
}

absl::Status Parser::CheckHeight(int height, size_t offset) const {
  if (height > kMaxFilterDepth) {
    return Error(offset, absl::StrCat("filter is nested deeper than the limit "
                                      "of ",
                                      kMaxFilterDepth, " levels"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Filter> Parser::Parse() {
  absl::Status status = Advance();
  if (!status.ok()) return status;
  if (current_.kind == TokenKind::kEnd) return InvalidFilter("filter is empty");
  absl::StatusOr<Parsed> parsed = ParseOr(Scope());
  if (!parsed.ok()) return parsed.status();
  if (current_.kind != TokenKind::kEnd) return TrailingError();
  return std::move(parsed->filter);
}

absl::Status Parser::TrailingError() const {
  if (current_.kind == TokenKind::kRParen) {
    return Error(current_.offset, "unmatched ')'");
  }
  if (current_.kind == TokenKind::kRBracket) {
    return Error(current_.offset, "unmatched ']'");
  }
  return Error(current_.offset,
               absl::StrCat("expected 'and', 'or' or the end of the filter, "
                            "found ",
                            Describe(current_)));
}

absl::StatusOr<Parsed> Parser::ParseOr(Scope scope) {
  return ParseChain(scope, Filter::OR, "or", &Parser::ParseAnd);
}

absl::StatusOr<Parsed> Parser::ParseAnd(Scope scope) {
  return ParseChain(scope, Filter::AND, "and", &Parser::ParseFactor);
}

// Collects "x op y op z" into one node with three children: evaluation stays
// shallow and a long chain cannot trip the depth limit.
absl::StatusOr<Parsed> Parser::ParseChain(Scope scope, Filter::Op op,
                                          absl::string_view keyword,
                                          Operand operand) {
  absl::StatusOr<Parsed> first = (this->*operand)(scope);
  if (!first.ok() || !AtKeyword(keyword)) return first;
  Parsed chain;
  chain.filter.set_op(op);
  chain.height = first->height + 1;
  absl::Status status = CheckHeight(chain.height, current_.offset);
  if (!status.ok()) return status;
  *chain.filter.add_children() = std::move(first->filter);
  while (AtKeyword(keyword)) {
    size_t keyword_offset = current_.offset;
    status = Advance();
    if (!status.ok()) return status;
    absl::StatusOr<Parsed> next = (this->*operand)(scope);
    if (!next.ok()) return next.status();
    chain.height = std::max(chain.height, next->height + 1);
    status = CheckHeight(chain.height, keyword_offset);
    if (!status.ok()) return status;
    *chain.filter.add_children() = std::move(next->filter);
  }
  return chain;
}

absl::StatusOr<Parsed> Parser::ParseFactor(Scope scope) {
  if (current_.kind == TokenKind::kLParen) return ParseGroup(scope);
  if (AtKeyword("not")) return ParseNot(scope);
  // "and"/"or" here means a missing operand, not an attribute named "or".
  if (current_.kind == TokenKind::kWord && !AtKeyword("and") &&
      !AtKeyword("or")) {
    return ParseAttributeExpression(scope);
  }
  return Error(current_.offset,
               absl::StrCat("expected an attribute name, '(' or 'not', found ",
                            Describe(current_)));
}

absl::StatusOr<Parsed> Parser::ParseGroup(Scope scope) {
  size_t open = current_.offset;
  absl::Status status = Enter(&scope, open);
  if (status.ok()) status = Advance();
  if (!status.ok()) return status;
  absl::StatusOr<Parsed> inner = ParseOr(scope);
  if (!inner.ok()) return inner;
  status = ExpectClose(TokenKind::kRParen, ")", open, "(");
  if (!status.ok()) return status;
  return inner;
}

absl::StatusOr<Parsed> Parser::ParseNot(Scope scope) {
  size_t not_offset = current_.offset;
  absl::Status status = Advance();
  if (!status.ok()) return status;
  if (current_.kind != TokenKind::kLParen) {
    return Error(
        current_.offset,
        absl::StrCat("expected '(' after 'not', found ", Describe(current_),
                     "; negate a filter as not (filter)"));
  }
  absl::StatusOr<Parsed> inner = ParseGroup(scope);
  if (!inner.ok()) return inner;
  Parsed negation;
  negation.filter.set_op(Filter::NOT);
  negation.height = inner->height + 1;
  status = CheckHeight(negation.height, not_offset);
  if (!status.ok()) return status;
  *negation.filter.add_children() = std::move(inner->filter);
  return negation;
}

absl::Status Parser::ExpectClose(TokenKind close, absl::string_view close_text,
                                 size_t open_offset,
                                 absl::string_view open_text) {
  if (current_.kind == close) return Advance();
  if (current_.kind == TokenKind::kEnd) {
    return Error(
        current_.offset,
        absl::StrCat("missing '", close_text, "' to close the '", open_text,
                     "' at position ", CharPosition(text_, open_offset)));
  }
  return Error(current_.offset,
               absl::StrCat("expected 'and', 'or' or '", close_text,
                            "', found ", Describe(current_)));
}

absl::StatusOr<Parsed> Parser::ParseAttributeExpression(Scope scope) {
  Token path = current_;
  absl::Status status = CheckAttributePath(path, scope.in_value_filter);
  if (status.ok()) status = Advance();
  if (!status.ok()) return status;
  Parsed out;
  out.filter.set_attribute(std::string(path.raw));
  if (current_.kind != TokenKind::kLBracket) {
    status = ParseComparison(path.raw, &out.filter);
    if (!status.ok()) return status;
    return out;
  }
  if (scope.in_value_filter) {
    return Error(current_.offset,
                 "value paths cannot be nested; inside '[...]' compare the "
                 "element's own sub-attributes");
  }
  status = ParseValueFilter(scope, &out);
  if (!status.ok()) return status;
  bool has_sub_attribute =
      current_.kind == TokenKind::kWord && absl::StartsWith(current_.raw, ".");
  if (!has_sub_attribute) {
    if (AtOperator()) {
      return Error(current_.offset,
                   absl::StrCat("a value path is a filter by itself; to "
                                "compare one sub-attribute of the matching "
                                "elements write ",
                                path.raw, "[...].value ",
                                absl::AsciiStrToLower(current_.raw), " ..."));
    }
    return out;  // op stays OP_UNSPECIFIED: "some element matches".
  }
  status = ParseSubAttribute(&out.filter);
  if (!status.ok()) return status;
  status = ParseComparison(
      absl::StrCat(path.raw, "[...].", out.filter.sub_attribute()),
      &out.filter);
  if (!status.ok()) return status;
  return out;
}

absl::Status Parser::ParseValueFilter(Scope scope, Parsed* out) {
  size_t open = current_.offset;
  scope.in_value_filter = true;
  absl::Status status = Enter(&scope, open);
  if (status.ok()) status = Advance();
  if (!status.ok()) return status;
  absl::StatusOr<Parsed> inner = ParseOr(scope);
  if (!inner.ok()) return inner.status();
  status = ExpectClose(TokenKind::kRBracket, "]", open, "[");
  if (!status.ok()) return status;
  out->height = inner->height + 1;
  status = CheckHeight(out->height, open);
  if (!status.ok()) return status;
  *out->filter.mutable_value_filter() = std::move(inner->filter);
  return absl::OkStatus();
}

// The ".value" of emails[type eq "work"].value, lexed as one word.
absl::Status Parser::ParseSubAttribute(Filter* filter) {
  absl::string_view name = current_.raw.substr(1);
  if (name.empty()) {
    return Error(current_.offset,
                 "expected a sub-attribute name after '.', as in "
                 "emails[type eq \"work\"].value");
  }
  if (!IsAttrName(name) && !IsRef(name)) {
    return Error(current_.offset + 1,
                 absl::StrCat("invalid sub-attribute name '", name,
                              "'; names start with a letter and contain "
                              "letters, digits, '-' and '_'"));
  }
  filter->set_sub_attribute(std::string(name));
  return Advance();
}

// `path` is [URN ":"] ATTRNAME ["." subAttr]. The URN itself contains colons
// and dots ("...:2.0:User"), so the attribute is whatever follows its last
// colon.
absl::Status Parser::CheckAttributePath(const Token& token,
                                        bool in_value_filter) const {
  absl::string_view path = token.raw;
  absl::string_view attribute = path;
  size_t last_colon = path.rfind(':');
  if (absl::StartsWithIgnoreCase(path, "urn:")) {
    absl::string_view urn = path.substr(0, last_colon);
    if (absl::StrContains(urn, '$')) {
      return Error(
          token.offset,
          absl::StrCat("invalid schema URN in attribute path '", path, "'"));
    }
    attribute = path.substr(last_colon + 1);
    if (attribute.empty()) {
      return Error(token.offset,
                   absl::StrCat("attribute path '", path,
                                "' names a schema but no attribute after its "
                                "last ':'"));
    }
  } else if (last_colon != absl::string_view::npos) {
    return Error(token.offset,
                 absl::StrCat("invalid attribute path '", path,
                              "'; a schema-qualified path starts with 'urn:'"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(attribute, '.');
  if (parts.size() > 2) {
    return Error(token.offset,
                 absl::StrCat("attribute path '", path,
                              "' has more than one sub-attribute"));
  }
  // Inside a value filter names are relative to the element, so "$ref" is
  // an element's own sub-attribute there.
  bool first_ok = IsAttrName(parts[0]) || (in_value_filter && IsRef(parts[0]));
  bool second_ok = parts.size() == 1 || IsAttrName(parts[1]) || IsRef(parts[1]);
  if (!first_ok || !second_ok) {
    return Error(token.offset,
                 absl::StrCat("invalid attribute path '", path,
                              "'; names start with a letter and contain "
                              "letters, digits, '-' and '_'"));
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseComparison(absl::string_view subject,
                                     Filter* filter) {
  Filter::Op op;
  if (current_.kind != TokenKind::kWord || !LookupOperator(current_.raw, &op)) {
    return Error(
        current_.offset,
        absl::StrCat("expected a comparison operator ", kOperatorList,
                     " after '", subject, "', found ", Describe(current_)));
  }
  std::string op_name = absl::AsciiStrToLower(current_.raw);
  filter->set_op(op);
  absl::Status status = Advance();
  if (!status.ok() || op == Filter::PR) return status;
  return ParseValue(op_name, op, filter->mutable_value());
}

absl::Status Parser::ParseValue(absl::string_view op_name, Filter::Op op,
                                FilterValue* value) {
  const Token& token = current_;
  if (token.kind == TokenKind::kString) {
    value->set_string_value(token.value);
  } else if (token.kind == TokenKind::kNumber && !IsJsonNumber(token.raw) &&
             ParseRfc3339(std::string(token.raw)).ok()) {
    // An unquoted dateTime, as Microsoft's reference collection sends
    // (meta.created gt 2015-10-10T14:38:21.8617979-07:00).
    value->set_string_value(std::string(token.raw));
  } else if (token.kind == TokenKind::kNumber) {
    double number;
    if (!IsJsonNumber(token.raw) || !absl::SimpleAtod(token.raw, &number)) {
      return Error(token.offset,
                   absl::StrCat("invalid number ", Describe(token)));
    }
    if (!std::isfinite(number)) {
      return Error(token.offset, absl::StrCat("number ", Describe(token),
                                              " is out of range"));
    }
    value->set_number_value(number);
  } else if (AtKeyword("true") || AtKeyword("false")) {
    value->set_bool_value(AtKeyword("true"));
  } else if (AtKeyword("null")) {
    value->set_null_value(true);
  } else if (token.kind == TokenKind::kWord &&
             absl::ascii_isalpha(token.raw[0]) && !AtKeyword("and") &&
             !AtKeyword("or") && !AtKeyword("not")) {
    // RFC 7644 wants strings quoted, but clients built on Microsoft's
    // reference code send bare words (userName sw O); one word is
    // unambiguous, so it is taken as the string it spells.
    value->set_string_value(std::string(token.raw));
  } else {
    return Error(
        token.offset,
        absl::StrCat("expected a value (a \"quoted string\", a number, "
                     "true, false or null) after '",
                     op_name, "', found ", Describe(token)));
  }
  absl::Status status = CheckOperand(op_name, op, token, *value);
  if (!status.ok()) return status;
  return Advance();
}

// RFC 7644 §3.4.2.2: ordering comparisons are undefined for booleans and
// null, and co/sw/ew are string operations.
absl::Status Parser::CheckOperand(absl::string_view op_name, Filter::Op op,
                                  const Token& token,
                                  const FilterValue& value) const {
  bool ordering = op == Filter::GT || op == Filter::GE || op == Filter::LT ||
                  op == Filter::LE;
  bool substring = op == Filter::CO || op == Filter::SW || op == Filter::EW;
  if (ordering && value.kind_case() == FilterValue::kBoolValue) {
    return Error(token.offset, absl::StrCat("'", op_name,
                                            "' cannot compare with a boolean; "
                                            "use eq or ne"));
  }
  if (ordering && value.kind_case() == FilterValue::kNullValue) {
    return Error(token.offset, absl::StrCat("'", op_name,
                                            "' cannot compare with null; use "
                                            "eq null, ne null or pr"));
  }
  if (substring && value.kind_case() != FilterValue::kStringValue) {
    return Error(token.offset,
                 absl::StrCat("'", op_name, "' needs a string value, found ",
                              Describe(token)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Filter> ParseFilter(const std::string& text) {
  // Counting characters is linear, but skip it when bytes alone decide.
  if (text.size() > kMaxFilterLength &&
      CharCount(text) > static_cast<size_t>(kMaxFilterLength)) {
    return InvalidFilter(absl::StrCat("filter is longer than ",
                                      kMaxFilterLength, " characters"));
  }
  size_t bad = FindInvalidUtf8(text);
  if (bad != absl::string_view::npos) {
    return ErrorAt(text, bad, "filter is not valid UTF-8");
  }
  return Parser(text).Parse();
}

}  // namespace scim::edge
