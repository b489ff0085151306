#include "identity-service/outbox.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "identity-service/identity_db.h"

namespace scim::identity {
namespace {

using scim::identity::v1::User;

template <typename Repeated, typename F>
std::string JoinValues(const Repeated& items, F value) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(value(item));
  return absl::StrJoin(out, ",");
}

// An allowlist, not a denylist: an attribute added to User later stays out
// of the trail's values until someone decides it is not sensitive.
const std::map<std::string, std::function<std::string(const User&)>>&
AuditableValues() {
  static const auto* values =
      new std::map<std::string, std::function<std::string(const User&)>>{
          {"userName", [](const User& u) { return u.user_name(); }},
          {"externalId", [](const User& u) { return u.external_id(); }},
          {"active",
           [](const User& u) {
             return !u.has_active() || u.active() ? "true" : "false";
           }},
          {"title", [](const User& u) { return u.title(); }},
          {"userType", [](const User& u) { return u.user_type(); }},
          {"preferredLanguage",
           [](const User& u) { return u.preferred_language(); }},
          {"locale", [](const User& u) { return u.locale(); }},
          {"timezone", [](const User& u) { return u.timezone(); }},
          {"roles",
           [](const User& u) {
             return JoinValues(u.roles(),
                               [](const auto& r) { return r.value(); });
           }},
          {"groups",
           [](const User& u) {
             return JoinValues(u.groups(),
                               [](const auto& g) { return g.value(); });
           }},
          // Location names are the tenant's own labels, not personal data.
          {"locations",
           [](const User& u) {
             return JoinValues(u.locations(), [](const auto& l) { return l; });
           }},
          {"homeLocation", [](const User& u) { return u.home_location(); }},
      };
  return *values;
}

}  // namespace

Outbox::Outbox(RocksDb* db) : scim::Outbox(db, kOutbox, "identity-service") {}

void AddAuditableValues(const User& user, scim::audit::v1::Event* event) {
  const auto& auditable = AuditableValues();
  for (const std::string& name : event->changed_attributes()) {
    auto it = auditable.find(name);
    if (it != auditable.end()) {
      (*event->mutable_changed_values())[name] = it->second(user);
    }
  }
}

}  // namespace scim::identity
