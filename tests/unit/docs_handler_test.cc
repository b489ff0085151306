#include "edge/docs_handler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace scim::edge {
namespace {

using web::http::methods;

std::vector<std::string> Docs(std::vector<std::string> rest) {
  std::vector<std::string> out = {"api", "v2", "docs"};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

TEST(WithServersTest, ReplacesOnlyTheTopLevelServersKeepingDescriptions) {
  const std::string doc = R"({
  "openapi": "3.0.3",
  "info": {"servers": "not me", "title": "a \"}]\" b"},
  "servers": [ {"url": "/scim/v2", "description": "SCIM base path"},
               {"url": "/v2"} ],
  "paths": {"/Users": {}}
})";
  std::string out = WithServers(doc, {"/api/v2/scim", "/scim/v2"});
  EXPECT_EQ(out, R"({
  "openapi": "3.0.3",
  "info": {"servers": "not me", "title": "a \"}]\" b"},
  "servers": [{"url":"/api/v2/scim","description":"SCIM base path"},)"
                 R"({"url":"/scim/v2","description":"SCIM base path"}],
  "paths": {"/Users": {}}
})");
}

TEST(WithServersTest, LeavesADocumentWithoutServersAlone) {
  EXPECT_EQ(WithServers(R"({"openapi":"3.0.3"})", {"/scim/v2"}),
            R"({"openapi":"3.0.3"})");
  EXPECT_EQ(WithServers(R"({"servers":[]})", {}), R"({"servers":[]})");
  EXPECT_EQ(WithServers("not json", {"/scim/v2"}), "not json");
  EXPECT_EQ(
      WithServers(R"({"a": [1, 2, true, null], "servers": [)", {"/scim/v2"}),
      R"({"a": [1, 2, true, null], "servers": [)");
}

TEST(WithServersTest, TheEmbeddedDocumentGetsTheServers) {
  std::string served = WithServers(EmbeddedOpenApiJson(), {"/x/scim"});
  web::json::value doc = web::json::value::parse(served);
  ASSERT_EQ(doc.at("servers").size(), 1u);
  EXPECT_EQ(doc.at("servers").at(0).at("url").as_string(), "/x/scim");
  EXPECT_TRUE(doc.at("paths").has_field("/Users"));
}

TEST(DocsHandlerTest, MatchesOnlyTheDocsPrefix) {
  EXPECT_TRUE(DocsHandler::Matches(Docs({})));
  EXPECT_TRUE(DocsHandler::Matches({"API", "V2", "Docs", "openapi.json"}));
  EXPECT_FALSE(DocsHandler::Matches({"api", "v2", "scim"}));
  EXPECT_FALSE(DocsHandler::Matches({"api", "v2"}));
}

TEST(DocsHandlerTest, RedirectsToTheSlashedPathAndServesTheDocument) {
  DocsHandler docs({"/nonexistent", {"/scim/v2"}});
  auto redirect = docs.Handle(methods::GET, Docs({}), "/api/v2/docs");
  EXPECT_EQ(redirect.status_code(), 302);
  EXPECT_EQ(redirect.headers()["Location"], "docs/");

  auto json = docs.Handle(methods::GET, Docs({"openapi.json"}),
                          "/api/v2/docs/openapi.json");
  EXPECT_EQ(json.status_code(), 200);
  EXPECT_EQ(json.headers().content_type(), "application/json");
  EXPECT_EQ(json.extract_string(true).get(), docs.openapi_json());
}

TEST(DocsHandlerTest, WithoutUiFilesThePageSaysHowToInstallThem) {
  DocsHandler docs({"/nonexistent", {"/scim/v2"}});
  auto page = docs.Handle(methods::GET, Docs({}), "/api/v2/docs/");
  EXPECT_EQ(page.status_code(), 503);
  std::string body = page.extract_string(true).get();
  EXPECT_NE(body.find("npm ci"), std::string::npos) << body;
  EXPECT_NE(body.find("SCIM_DOCS_DIR"), std::string::npos) << body;
  EXPECT_EQ(
      docs.Handle(methods::GET, Docs({"swagger-ui.css"}), "").status_code(),
      503);
}

TEST(DocsHandlerTest, ServesNothingButTheKnownFiles) {
  DocsHandler docs({"/etc", {"/scim/v2"}});
  for (const std::string name :
       {"passwd", "..", "../passwd", "%2e%2e", "openapi.yaml"}) {
    EXPECT_EQ(docs.Handle(methods::GET, Docs({name}), "").status_code(), 404)
        << name;
  }
  EXPECT_EQ(
      docs.Handle(methods::GET, Docs({"swagger-ui.css", "..", "passwd"}), "")
          .status_code(),
      404);
  auto post = docs.Handle(methods::POST, Docs({"openapi.json"}), "");
  EXPECT_EQ(post.status_code(), 405);
  EXPECT_EQ(post.headers()["Allow"], "GET");
}

}  // namespace
}  // namespace scim::edge
