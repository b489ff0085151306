#include "edge/route_template.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace scim::edge {
namespace {

std::vector<std::string> Split(absl::string_view path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

// The resource's canonical spelling, or empty for no known resource.
absl::string_view Resource(absl::string_view segment) {
  for (absl::string_view name :
       {"Users", "Groups", "Bulk", "ServiceProviderConfig",
        "serviceConfiguration", "ResourceTypes", "Schemas", ".search"}) {
    if (absl::EqualsIgnoreCase(segment, name)) return name;
  }
  return "";
}

}  // namespace

RouteTemplates::RouteTemplates(const std::vector<std::string>& base_paths) {
  for (const std::string& base : base_paths) {
    bases_.emplace_back(Split(base), base);
  }
}

std::string RouteTemplates::Of(absl::string_view path) const {
  std::vector<std::string> segs = Split(path);
  if (segs.size() == 1) {
    for (const char* own : {"healthz", "readyz", "metrics"}) {
      if (segs[0] == own) return std::string("/") + own;
    }
  }
  if (segs.size() >= 3 && absl::EqualsIgnoreCase(segs[0], "api") &&
      absl::EqualsIgnoreCase(segs[1], "v2") &&
      absl::EqualsIgnoreCase(segs[2], "docs")) {
    return "/api/v2/docs";
  }
  const std::pair<std::vector<std::string>, std::string>* base = nullptr;
  for (const auto& candidate : bases_) {
    const auto& b = candidate.first;
    if (b.size() > segs.size()) continue;
    if (base != nullptr && b.size() <= base->first.size()) continue;
    bool match = true;
    for (size_t i = 0; i < b.size() && match; ++i) {
      match = absl::EqualsIgnoreCase(b[i], segs[i]);
    }
    if (match) base = &candidate;
  }
  if (base == nullptr) return "other";
  size_t at = base->first.size();
  const std::string& prefix = base->second == "/" ? "" : base->second;
  if (segs.size() == at) return prefix.empty() ? "/" : prefix;
  absl::string_view resource = Resource(segs[at]);
  if (resource.empty() || segs.size() > at + 2) return prefix + "/other";
  std::string route = prefix + "/" + std::string(resource);
  if (segs.size() == at + 2) {
    route +=
        absl::EqualsIgnoreCase(segs[at + 1], ".search") ? "/.search" : "/{id}";
  }
  return route;
}

}  // namespace scim::edge
