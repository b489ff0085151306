#ifndef SCIM_EDGE_AUTHENTICATOR_H_
#define SCIM_EDGE_AUTHENTICATOR_H_

#include <cpprest/http_msg.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "edge/backends.h"

namespace scim::edge {

// The API token of a request: `Authorization: Bearer <token>` or, as
// CityCity's HR feed sends it, `X-HR-Feed-Token: <token>`.
std::optional<std::string> TokenFromHeaders(
    const web::http::http_headers& headers);

// Maps tokens to tenants through identity-service, remembering answers for
// `ttl` so that a sync burst does not ask for every request, and so that a
// revoked token stops working on every replica within `ttl`. Only hashes of
// tokens are kept.
class Authenticator {
 public:
  Authenticator(const Backends* backends, std::chrono::milliseconds ttl)
      : backends_(backends), ttl_(ttl) {}

  // Shared with the cache: a tenant with many policies and custom fields is
  // not copied on every request.
  using Identity =
      std::shared_ptr<const scim::identity::v1::AuthenticateResponse>;

  absl::StatusOr<Identity> Authenticate(const web::http::http_headers& headers,
                                        const CallerInfo& caller);

 private:
  struct Entry {
    Identity response;
    std::chrono::steady_clock::time_point expires;
  };
  const Backends* backends_;
  std::chrono::milliseconds ttl_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_AUTHENTICATOR_H_
