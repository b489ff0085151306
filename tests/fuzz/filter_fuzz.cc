// libFuzzer target: the SCIM filter parser (RFC 7644 §3.4.2.2), which reads
// the `filter` query parameter of every list request.
#include <cstddef>
#include <cstdint>
#include <string>

#include "edge/filter_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto filter = scim::edge::ParseFilter(text);
  // A parsed filter must be printable; this walks the whole tree.
  if (filter.ok()) (void)filter->DebugString();
  return 0;
}
