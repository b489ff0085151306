#include "edge/docs_handler.h"

#include <cpprest/json.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"

namespace scim::edge {

// Defined in sources generated from docs/ by docs/embed.cmake.
namespace embedded {
std::string_view OpenApiJsonAsset();
std::string_view DocsIndexHtmlAsset();
}  // namespace embedded

namespace {

using web::http::http_response;
using web::http::status_codes;

constexpr char kPrefix[] = "/api/v2/docs";

// The Swagger UI files the page loads, and the only names ever read from
// `ui_dir`: a request path never becomes a file path, so '..' or an encoded
// slash can reach nothing else.
struct AssetType {
  const char* name;
  const char* content_type;
};
constexpr AssetType kAssets[] = {
    {"swagger-ui-bundle.js", "application/javascript; charset=utf-8"},
    {"swagger-ui-standalone-preset.js",
     "application/javascript; charset=utf-8"},
    {"swagger-ui.css", "text/css; charset=utf-8"},
    {"favicon-16x16.png", "image/png"},
    {"favicon-32x32.png", "image/png"},
    // Fetched only by a browser's developer tools.
    {"swagger-ui-bundle.js.map", "application/json"},
    {"swagger-ui-standalone-preset.js.map", "application/json"},
    {"swagger-ui.css.map", "application/json"},
};

// The page's own scripts and styles come from this server only; requests
// made from it ("Try it out") may only go back to it. Swagger UI needs the
// inline bootstrap script, inline styles and data: images.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'self'";

http_response Json(web::http::status_code code, const std::string& status,
                   const std::string& detail) {
  web::json::value body = web::json::value::object(/*keep_order=*/true);
  body["status"] = web::json::value::string(status);
  body["detail"] = web::json::value::string(detail);
  http_response r(code);
  r.set_body(body.serialize(), "application/json");
  return r;
}

http_response Body(std::string body, const std::string& content_type,
                   const char* cache_control) {
  http_response r(status_codes::OK);
  r.set_body(std::move(body), content_type);
  r.headers().add("Cache-Control", cache_control);
  // Browsers must not guess another type for a file than the one named.
  r.headers().add("X-Content-Type-Options", "nosniff");
  return r;
}

// ------------------------------------------------ a minimal JSON scanner
// Enough JSON to find the extent of one top-level member without parsing
// the document into a tree, whose objects cpprest would re-sort by key.

constexpr size_t kNpos = std::string_view::npos;

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() &&
         (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
    ++i;
  }
  return i;
}

// `s[i]` is '"'; returns the index just past the closing quote.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return kNpos;
}

// Returns the index just past the JSON value starting at `s[i]`.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return kNpos;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        if (i == kNpos) return kNpos;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
      ++i;
    }
    return kNpos;
  }
  // A number, true, false or null.
  size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
         s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
    ++i;
  }
  return i == start ? kNpos : i;
}

// The [begin, end) extent of the top-level member `name`'s value, if any.
std::optional<std::pair<size_t, size_t>> FindMember(std::string_view doc,
                                                    std::string_view name) {
  size_t i = SkipSpace(doc, 0);
  if (i >= doc.size() || doc[i] != '{') return std::nullopt;
  ++i;
  while (true) {
    i = SkipSpace(doc, i);
    if (i >= doc.size() || doc[i] != '"') return std::nullopt;
    size_t key_end = SkipString(doc, i);
    if (key_end == kNpos) return std::nullopt;
    std::string_view key = doc.substr(i + 1, key_end - i - 2);
    i = SkipSpace(doc, key_end);
    if (i >= doc.size() || doc[i] != ':') return std::nullopt;
    i = SkipSpace(doc, i + 1);
    size_t value_end = SkipValue(doc, i);
    if (value_end == kNpos) return std::nullopt;
    if (key == name) return std::make_pair(i, value_end);
    i = SkipSpace(doc, value_end);
    if (i >= doc.size() || doc[i] != ',') return std::nullopt;
    ++i;
  }
}

}  // namespace

std::string_view EmbeddedOpenApiJson() { return embedded::OpenApiJsonAsset(); }

std::string WithServers(std::string_view document,
                        const std::vector<std::string>& base_paths) {
  std::optional<std::pair<size_t, size_t>> servers =
      FindMember(document, "servers");
  if (!servers || base_paths.empty()) return std::string(document);

  std::map<std::string, std::string> descriptions;
  std::error_code ec;
  web::json::value old = web::json::value::parse(
      std::string(
          document.substr(servers->first, servers->second - servers->first)),
      ec);
  if (!ec && old.is_array()) {
    for (const web::json::value& s : old.as_array()) {
      if (s.is_object() && s.has_string_field("url") &&
          s.has_string_field("description")) {
        descriptions[s.at("url").as_string()] = s.at("description").as_string();
      }
    }
  }
  std::vector<web::json::value> out;
  for (const std::string& base : base_paths) {
    web::json::value server = web::json::value::object(/*keep_order=*/true);
    server["url"] = web::json::value::string(base);
    auto it = descriptions.find(base);
    server["description"] = web::json::value::string(
        it != descriptions.end() ? it->second : "SCIM base path");
    out.push_back(std::move(server));
  }
  std::string result(document.substr(0, servers->first));
  result += web::json::value::array(std::move(out)).serialize();
  result += document.substr(servers->second);
  return result;
}

DocsHandler::DocsHandler(DocsOptions options)
    : options_(std::move(options)),
      openapi_json_(WithServers(EmbeddedOpenApiJson(), options_.base_paths)) {}

bool DocsHandler::Matches(const std::vector<std::string>& segments) {
  return segments.size() >= 3 && absl::EqualsIgnoreCase(segments[0], "api") &&
         absl::EqualsIgnoreCase(segments[1], "v2") &&
         absl::EqualsIgnoreCase(segments[2], "docs");
}

bool DocsHandler::UiInstalled() const {
  std::error_code ec;
  return !options_.ui_dir.empty() &&
         std::filesystem::is_regular_file(
             std::filesystem::path(options_.ui_dir) / "swagger-ui-bundle.js",
             ec);
}

http_response DocsHandler::Handle(const web::http::method& method,
                                  const std::vector<std::string>& segments,
                                  const std::string& raw_path) const {
  if (segments.size() > 4) {
    return Json(status_codes::NotFound, "not found",
                std::string("nothing at '") + raw_path + "'; the API " +
                    "documentation is at " + kPrefix + "/");
  }
  if (method != web::http::methods::GET) {
    http_response r = Json(status_codes::MethodNotAllowed, "method not allowed",
                           "the API documentation is read with GET");
    r.headers().add("Allow", "GET");
    return r;
  }
  const std::string name = segments.size() == 4 ? segments[3] : "";
  if (name.empty() && !absl::EndsWith(raw_path, "/")) {
    // The page loads ./openapi.json and ./swagger-ui.css; from
    // /api/v2/docs those would resolve one level too high. A relative
    // Location keeps working behind a proxy that adds a path prefix.
    http_response r(status_codes::Found);
    r.headers().add("Location", "docs/");
    return r;
  }
  if (name == "openapi.json") {
    return Body(openapi_json_, "application/json", "no-cache");
  }
  const bool page = name.empty() || name == "index.html" || name == "api-docs";
  if (!page) return Asset(name);
  if (!UiInstalled()) {
    return Json(
        status_codes::ServiceUnavailable, "unavailable",
        "the API documentation page needs Swagger UI's files, which are not "
        "installed in '" +
            options_.ui_dir +
            "'. Build the project with npm installed (CMake runs `npm ci` in "
            "docs/ui into the build directory), or run `npm ci "
            "--ignore-scripts --prefix docs/ui` and start scim-edge with "
            "SCIM_DOCS_DIR=docs/ui/node_modules/swagger-ui-dist. The OpenAPI "
            "document is served at " +
            kPrefix + "/openapi.json meanwhile.");
  }
  http_response r = Body(std::string(embedded::DocsIndexHtmlAsset()),
                         "text/html; charset=utf-8", "no-cache");
  r.headers().add("Content-Security-Policy", kContentSecurityPolicy);
  return r;
}

http_response DocsHandler::Asset(const std::string& name) const {
  const AssetType* asset = nullptr;
  for (const AssetType& a : kAssets) {
    if (name == a.name) asset = &a;
  }
  if (asset == nullptr) {
    return Json(status_codes::NotFound, "not found",
                "no file '" + name + "' in the API documentation; the page " +
                    "is " + kPrefix + "/ and the OpenAPI document " + kPrefix +
                    "/openapi.json");
  }
  std::ifstream in(std::filesystem::path(options_.ui_dir) / asset->name,
                   std::ios::binary);
  if (!in) {
    return Json(status_codes::ServiceUnavailable, "unavailable",
                std::string(asset->name) + " is not installed in '" +
                    options_.ui_dir + "'; see " + kPrefix +
                    "/ for how to install Swagger UI");
  }
  std::string data((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Swagger UI's files change only with docs/ui/package-lock.json.
  return Body(std::move(data), asset->content_type, "public, max-age=3600");
}

}  // namespace scim::edge
