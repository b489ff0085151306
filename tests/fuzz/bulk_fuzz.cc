// libFuzzer target: Bulk request bodies (RFC 7644 §3.7), parsed into their
// operations without running any of them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "edge/bulk_handler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto request = scim::edge::ParseBulkRequest(body);
  if (!request.ok()) return 0;
  for (const auto& op : request->operations) {
    if (op.ok() && op->has_data) (void)op->data.serialize();
  }
  return 0;
}
