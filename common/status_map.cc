#include "common/status_map.h"

#include "absl/strings/cord.h"

namespace scim {
namespace {
constexpr char kScimTypePayload[] = "type.scim/scimType";
constexpr char kScimTypeMetadata[] = "scim-type";
}  // namespace

absl::Status WithScimType(absl::Status status, std::string_view scim_type) {
  if (!status.ok() && !scim_type.empty()) {
    status.SetPayload(kScimTypePayload, absl::Cord(std::string(scim_type)));
  }
  return status;
}

std::string ScimTypeOf(const absl::Status& status) {
  auto payload = status.GetPayload(kScimTypePayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

namespace {

// gRPC carries the message in a header, and a reply whose headers pass 8 KiB
// is refused by the client as RESOURCE_EXHAUSTED: a message echoing long
// user input (unknown member ids, say) would turn a 400 into a 429.
constexpr size_t kMaxMessageBytes = 2048;

std::string BoundedMessage(absl::string_view message) {
  if (message.size() <= kMaxMessageBytes) return std::string(message);
  size_t cut = kMaxMessageBytes;
  // Back up to the start of a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(message.substr(0, cut)) + " [...]";
}

}  // namespace

grpc::Status ReplyStatus(grpc::ServerContext* context,
                         const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string type = ScimTypeOf(status);
  if (!type.empty() && context != nullptr) {
    context->AddTrailingMetadata(kScimTypeMetadata, type);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      BoundedMessage(status.message()));
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::Status FromGrpc(const grpc::ClientContext& context,
                      const grpc::Status& status) {
  absl::Status out = FromGrpc(status);
  if (out.ok()) return out;
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(kScimTypeMetadata);
  if (it != trailers.end()) {
    out = WithScimType(out, std::string(it->second.data(), it->second.size()));
  }
  return out;
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

bool IsRetryable(absl::StatusCode code) {
  return code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace scim
