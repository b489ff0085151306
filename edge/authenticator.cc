#include "edge/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/crypto.h"

namespace scim::edge {
namespace {
constexpr size_t kMaxCachedTokens = 10000;
}  // namespace

std::optional<std::string> TokenFromHeaders(
    const web::http::http_headers& headers) {
  auto auth = headers.find("Authorization");
  if (auth != headers.end()) {
    std::string value(absl::StripAsciiWhitespace(auth->second));
    if (absl::StartsWithIgnoreCase(value, "Bearer ")) {
      std::string token(absl::StripAsciiWhitespace(value.substr(7)));
      if (!token.empty()) return token;
    }
  }
  auto feed = headers.find("X-HR-Feed-Token");
  if (feed != headers.end()) {
    std::string token(absl::StripAsciiWhitespace(feed->second));
    if (!token.empty()) return token;
  }
  return std::nullopt;
}

absl::StatusOr<Authenticator::Identity> Authenticator::Authenticate(
    const web::http::http_headers& headers, const CallerInfo& caller) {
  std::optional<std::string> token = TokenFromHeaders(headers);
  if (!token.has_value()) {
    return absl::UnauthenticatedError(
        "no API token: send 'Authorization: Bearer <token>' or "
        "'X-HR-Feed-Token: <token>'");
  }
  std::string key = Sha256Hex(*token);
  auto now = std::chrono::steady_clock::now();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires > now) {
      return it->second.response;
    }
  }
  scim::identity::v1::AuthenticateRequest request;
  request.set_secret(*token);
  auto response = backends_->Invoke<scim::identity::v1::AuthenticateResponse>(
      caller, [&](grpc::ClientContext* ctx, auto* reply) {
        return backends_->tenants().Authenticate(ctx, request, reply);
      });
  if (!response.ok()) return response.status();
  auto identity =
      std::make_shared<const scim::identity::v1::AuthenticateResponse>(
          *std::move(response));
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_[key] = Entry{identity, now + ttl_};
  return identity;
}

}  // namespace scim::edge
