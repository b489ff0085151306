#ifndef SCIM_EDGE_DOCS_HANDLER_H_
#define SCIM_EDGE_DOCS_HANDLER_H_

#include <cpprest/http_msg.h>

#include <string>
#include <string_view>
#include <vector>

namespace scim::edge {

struct DocsOptions {
  // Directory holding swagger-ui-dist's files (swagger-ui-bundle.js, ...),
  // installed from npm at build time; see SCIM_DOCS_DIR.
  std::string ui_dir;
  // The SCIM base paths: the served document lists them as its servers, so
  // "Try it out" calls this server on a path it really serves.
  std::vector<std::string> base_paths;
};

// The interactive API documentation under /api/v2/docs (CityCity's seed):
//   /api/v2/docs              -> redirect to /api/v2/docs/
//   /api/v2/docs/             -> the Swagger UI page (also index.html and
//                                api-docs, the seed's link)
//   /api/v2/docs/openapi.json -> the OpenAPI 3.0 document
//   /api/v2/docs/<asset>      -> a known Swagger UI file from `ui_dir`
// No token is needed: the page is public, and the requests a user makes from
// it carry the token they paste. Only a fixed list of file names is read
// from disk, so no request path ever becomes a file path.
class DocsHandler {
 public:
  explicit DocsHandler(DocsOptions options);

  // True when the decoded path segments lie under /api/v2/docs.
  static bool Matches(const std::vector<std::string>& segments);

  // `raw_path` tells /api/v2/docs from /api/v2/docs/, which the segments
  // cannot, and relative URLs in the page depend on it.
  web::http::http_response Handle(const web::http::method& method,
                                  const std::vector<std::string>& segments,
                                  const std::string& raw_path) const;

  // The document as served: docs/openapi.json with `servers` set to the
  // configured base paths.
  const std::string& openapi_json() const { return openapi_json_; }

 private:
  web::http::http_response Asset(const std::string& name) const;
  bool UiInstalled() const;

  DocsOptions options_;
  std::string openapi_json_;
};

// docs/openapi.json as compiled into the binary.
std::string_view EmbeddedOpenApiJson();

// `document` (a JSON object) with its top-level "servers" member replaced by
// one server per base path, keeping the description of a server whose URL
// it already listed. Everything else is kept byte for byte, so the document
// reads in the order it was written. Returns `document` unchanged when it
// has no "servers" member or `base_paths` is empty.
std::string WithServers(std::string_view document,
                        const std::vector<std::string>& base_paths);

}  // namespace scim::edge

#endif  // SCIM_EDGE_DOCS_HANDLER_H_
