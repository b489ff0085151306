#include "edge/route_template.h"

#include <gtest/gtest.h>

namespace scim::edge {
namespace {

TEST(RouteTemplate, IdsBecomePlaceholders) {
  RouteTemplates routes({"/scim/v2", "/api/v2/scim", "/v2", "/scim/v1"});
  EXPECT_EQ(routes.Of("/scim/v2/Users"), "/scim/v2/Users");
  EXPECT_EQ(routes.Of("/scim/v2/users/2819c223-7f76-453a-919d-413861904646"),
            "/scim/v2/Users/{id}");
  EXPECT_EQ(routes.Of("/api/v2/scim/Groups/admins"),
            "/api/v2/scim/Groups/{id}");
  EXPECT_EQ(routes.Of("/v2/Users/.search"), "/v2/Users/.search");
  EXPECT_EQ(routes.Of("/scim/v2/Bulk"), "/scim/v2/Bulk");
  EXPECT_EQ(
      routes.Of("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"),
      "/scim/v2/Schemas/{id}");
  EXPECT_EQ(routes.Of("/scim/v1/Users/abc"), "/scim/v1/Users/{id}");
  EXPECT_EQ(routes.Of("/scim/v2"), "/scim/v2");
}

TEST(RouteTemplate, OwnEndpointsKeepTheirPath) {
  RouteTemplates routes({"/scim/v2"});
  EXPECT_EQ(routes.Of("/healthz"), "/healthz");
  EXPECT_EQ(routes.Of("/readyz"), "/readyz");
  EXPECT_EQ(routes.Of("/metrics"), "/metrics");
  EXPECT_EQ(routes.Of("/api/v2/docs/openapi.json"), "/api/v2/docs");
}

TEST(RouteTemplate, AnythingElseIsOtherNeverTheRawPath) {
  RouteTemplates routes({"/scim/v2"});
  EXPECT_EQ(routes.Of("/wp-admin/setup.php"), "other");
  EXPECT_EQ(routes.Of("/"), "other");
  EXPECT_EQ(routes.Of("/scim/v2/Tenants/acme"), "/scim/v2/other");
  EXPECT_EQ(routes.Of("/scim/v2/Users/a/b"), "/scim/v2/other");
}

TEST(RouteTemplate, LongestBaseWins) {
  RouteTemplates routes({"/v2", "/v2/tenant-a"});
  EXPECT_EQ(routes.Of("/v2/tenant-a/Users/1"), "/v2/tenant-a/Users/{id}");
  EXPECT_EQ(routes.Of("/v2/Users/1"), "/v2/Users/{id}");
}

}  // namespace
}  // namespace scim::edge
