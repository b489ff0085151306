#include "edge/list_params.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status_map.h"
#include "edge/filter_parser.h"
#include "edge/request_body.h"
#include "edge/scim_response.h"

namespace scim::edge {
namespace {

constexpr char kSearchRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

absl::Status InvalidValue(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

int PolicyInt(const RequestContext& ctx, const std::string& key, int fallback) {
  int v = 0;
  return absl::SimpleAtoi(ctx.Policy(key), &v) ? v : fallback;
}

// The raw parameters before validation, whichever way they arrived.
struct RawParams {
  std::string filter, sort_by, sort_order, attributes, excluded;
  std::optional<int64_t> start_index, count;
};

absl::StatusOr<std::optional<int64_t>> QueryInt(const RequestContext& ctx,
                                                const std::string& key,
                                                const std::string& name) {
  auto it = ctx.query.find(key);
  if (it == ctx.query.end() || it->second.empty()) return std::nullopt;
  int64_t v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return InvalidValue(name + " must be a whole number, not '" + it->second +
                        "'");
  }
  return v;
}

std::string QueryString(const RequestContext& ctx, const std::string& key) {
  auto it = ctx.query.find(key);
  return it == ctx.query.end() ? "" : it->second;
}

// identity-service and role-service know meta.location only relative to the
// base URL ("/Users/<id>"), so the base this request came in on is cut from
// the literals compared with it.
void RelativeLocations(const std::string& base_url,
                       scim::common::v1::Filter* f) {
  for (auto& child : *f->mutable_children())
    RelativeLocations(base_url, &child);
  std::string lower = absl::AsciiStrToLower(f->attribute());
  absl::string_view name = lower;
  absl::ConsumePrefix(&name, "urn:ietf:params:scim:schemas:core:2.0:user:");
  absl::ConsumePrefix(&name, "urn:ietf:params:scim:schemas:core:2.0:group:");
  if (name != "meta.location" || !f->value().has_string_value()) {
    return;
  }
  const std::string& v = f->value().string_value();
  if (!base_url.empty() && absl::StartsWithIgnoreCase(v, base_url)) {
    f->mutable_value()->set_string_value(v.substr(base_url.size()));
  }
}

absl::StatusOr<ListParams> Finish(const RawParams& raw,
                                  const RequestContext& ctx) {
  ListParams p;
  if (!raw.filter.empty()) {
    auto parsed = ParseFilter(raw.filter);
    if (!parsed.ok()) return parsed.status();
    RelativeLocations(ctx.base_url, &*parsed);
    p.filter = std::move(*parsed);
  }
  int max_page = PolicyInt(ctx, "max_page_size", 5000);
  int page_size = PolicyInt(ctx, "page_size", 100);
  // RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative count means 0,
  // and a count above the maximum is capped rather than refused.
  p.start_index = static_cast<int>(
      std::clamp<int64_t>(raw.start_index.value_or(1), 1, 1'000'000'000));
  p.count = static_cast<int>(
      std::clamp<int64_t>(raw.count.value_or(page_size), 0, max_page));
  p.sort_by = raw.sort_by;
  std::string order = absl::AsciiStrToLower(raw.sort_order);
  if (!order.empty() && order != "ascending" && order != "descending") {
    return InvalidValue("sortOrder must be 'ascending' or 'descending', not '" +
                        raw.sort_order + "'");
  }
  p.descending = order == "descending";
  auto projection = ParseProjection(raw.attributes, raw.excluded);
  if (!projection.ok()) return projection.status();
  p.projection = std::move(*projection);
  return p;
}

// A SearchRequest member that may be a string or an array of strings.
absl::StatusOr<std::string> StringOrList(const web::json::value& body,
                                         const std::string& name) {
  const web::json::value* v = FindMember(body, name);
  if (v == nullptr || v->is_null()) return std::string();
  if (v->is_string()) return v->as_string();
  if (v->is_array()) {
    std::vector<std::string> parts;
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) {
        return InvalidValue(name + " must be a list of attribute names");
      }
      parts.push_back(e.as_string());
    }
    return absl::StrJoin(parts, ",");
  }
  return InvalidValue(name + " must be a string or a list of strings");
}

absl::StatusOr<std::optional<int64_t>> BodyInt(const web::json::value& body,
                                               const std::string& name) {
  const web::json::value* v = FindMember(body, name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_number() && v->as_number().is_integral()) {
    return v->as_number().to_int64();
  }
  if (v->is_string()) {
    int64_t n = 0;
    if (absl::SimpleAtoi(v->as_string(), &n)) return n;
  }
  return InvalidValue(name + " must be a whole number");
}

}  // namespace

absl::StatusOr<ListParams> ListParamsFromQuery(const RequestContext& ctx) {
  RawParams raw;
  raw.filter = QueryString(ctx, "filter");
  raw.sort_by = QueryString(ctx, "sortby");
  raw.sort_order = QueryString(ctx, "sortorder");
  raw.attributes = QueryString(ctx, "attributes");
  raw.excluded = QueryString(ctx, "excludedattributes");
  auto start = QueryInt(ctx, "startindex", "startIndex");
  if (!start.ok()) return start.status();
  auto count = QueryInt(ctx, "count", "count");
  if (!count.ok()) return count.status();
  raw.start_index = *start;
  raw.count = *count;
  return Finish(raw, ctx);
}

absl::StatusOr<ListParams> ListParamsFromSearch(const std::string& body,
                                                const RequestContext& ctx) {
  auto json = ParseJsonObject(body);
  if (!json.ok()) return json.status();
  const web::json::value* schemas = FindMember(*json, "schemas");
  bool is_search = false;
  if (schemas != nullptr && schemas->is_array()) {
    for (const auto& s : schemas->as_array()) {
      is_search |= s.is_string() &&
                   absl::EqualsIgnoreCase(s.as_string(), kSearchRequestSchema);
    }
  }
  if (!is_search) {
    return WithScimType(
        absl::InvalidArgumentError(std::string("a search body must list '") +
                                   kSearchRequestSchema + "' in schemas"),
        "invalidSyntax");
  }
  RawParams raw;
  for (auto [name, field] :
       {std::pair{"filter", &raw.filter}, std::pair{"sortBy", &raw.sort_by},
        std::pair{"sortOrder", &raw.sort_order},
        std::pair{"attributes", &raw.attributes},
        std::pair{"excludedAttributes", &raw.excluded}}) {
    auto v = StringOrList(*json, name);
    if (!v.ok()) return v.status();
    *field = std::move(*v);
  }
  auto start = BodyInt(*json, "startIndex");
  if (!start.ok()) return start.status();
  auto count = BodyInt(*json, "count");
  if (!count.ok()) return count.status();
  raw.start_index = *start;
  raw.count = *count;
  return Finish(raw, ctx);
}

absl::StatusOr<Projection> ProjectionFromQuery(const RequestContext& ctx) {
  return ParseProjection(QueryString(ctx, "attributes"),
                         QueryString(ctx, "excludedattributes"));
}

web::http::http_response ListResponse(
    int64_t total_results, int start_index,
    const std::vector<std::string>& resources) {
  web::http::http_response response(web::http::status_codes::OK);
  response.set_body(
      absl::StrCat("{\"Resources\":[", absl::StrJoin(resources, ","),
                   "],\"itemsPerPage\":", resources.size(),
                   ",\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:"
                   "ListResponse\"],\"startIndex\":",
                   start_index, ",\"totalResults\":", total_results, "}"),
      kScimContentType);
  return response;
}

}  // namespace scim::edge
