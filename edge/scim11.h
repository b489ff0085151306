#ifndef SCIM_EDGE_SCIM11_H_
#define SCIM_EDGE_SCIM11_H_

#include <cpprest/http_msg.h>

#include <string>

#include "absl/status/statusor.h"

namespace scim::edge {

// SCIM 1.1 (Proxyclick's /scim/v1) served by translating at the edge: a 1.1
// request becomes the SCIM 2.0 request the handlers already serve, and the
// 2.0 answer is rewritten into 1.1 shapes. Only /Users exists in 1.1 here.

inline constexpr char kScim11CoreSchema[] = "urn:scim:schemas:core:1.0";
inline constexpr char kScim11EnterpriseSchema[] =
    "urn:scim:schemas:extension:enterprise:1.0";
// Proxyclick's largest page over 1.1, whatever the tenant's max_page_size.
inline constexpr int kScim11MaxPageSize = 5000;

// The SCIM 2.0 body for a 1.1 `method` body. POST and PUT map the schema
// URNs; a 1.1 PATCH (a partial resource whose meta.attributes names what to
// remove, and whose multi-valued elements may say "operation": "delete")
// becomes a urn:ietf:params:scim:api:messages:2.0:PatchOp.
absl::StatusOr<std::string> Scim11RequestToScim2(
    const web::http::method& method, const std::string& body);

// Rewrites a SCIM 2.0 response (a resource, a ListResponse or an Error)
// into SCIM 1.1.
web::http::http_response Scim2ResponseToScim11(
    web::http::http_response response);

}  // namespace scim::edge

#endif  // SCIM_EDGE_SCIM11_H_
