#ifndef SCIM_COMMON_JSON_LOG_H_
#define SCIM_COMMON_JSON_LOG_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace scim {

// One structured log line: a JSON object on one line, starting with the
// time (RFC 3339, UTC, milliseconds) and the program, e.g.
//   {"time":"2026-01-02T03:04:05.678Z","service":"scim-edge","msg":"request",...}
// Callers add fields and Write() it to stderr in one write(2), so lines of
// concurrent threads never interleave. Never add tokens or request bodies.
class JsonLogLine {
 public:
  JsonLogLine(absl::string_view service, absl::string_view msg);

  JsonLogLine& Str(absl::string_view key, absl::string_view value);
  JsonLogLine& Int(absl::string_view key, int64_t value);
  // Fixed three decimals, e.g. latencies in milliseconds.
  JsonLogLine& Millis(absl::string_view key, double value);

  // The finished line, with its newline.
  std::string Finish() const { return text_ + "}\n"; }
  void Write() const;

 private:
  void Key(absl::string_view key);
  std::string text_;
};

// `s` as a JSON string literal, quotes included; control characters are
// escaped, and bytes that are not UTF-8 become U+FFFD.
std::string JsonQuote(absl::string_view s);

}  // namespace scim

#endif  // SCIM_COMMON_JSON_LOG_H_
