#ifndef SCIM_COMMON_TIME_UTIL_H_
#define SCIM_COMMON_TIME_UTIL_H_

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace scim {

google::protobuf::Timestamp NowTimestamp();
// RFC 3339 in UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z.
std::string FormatRfc3339(const google::protobuf::Timestamp& ts);
absl::StatusOr<google::protobuf::Timestamp> ParseRfc3339(const std::string& s);
int64_t ToUnixMicros(const google::protobuf::Timestamp& ts);

// The deadline every outgoing gRPC call carries.
inline std::chrono::system_clock::time_point DeadlineAfter(
    std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

}  // namespace scim

#endif  // SCIM_COMMON_TIME_UTIL_H_
