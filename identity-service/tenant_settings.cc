// Tenant settings other than policies: the custom fields a tenant defines
// (Click Travel) and its mapping of enterprise attributes onto its own
// cost-field ids (CityCity).
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "common/status_map.h"
#include "identity-service/identity_db.h"
#include "identity-service/locations.h"
#include "identity-service/policies.h"
#include "identity-service/tenant_store.h"

namespace scim::identity {
namespace {

absl::Status InvalidValue(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

constexpr size_t kMaxFieldIdLength = 64;
constexpr int kMaxCustomFields = 200;

const std::vector<std::string>& MappableAttributes() {
  static const auto* names = new std::vector<std::string>{
      "employeeNumber", "costCenter", "organization", "division", "department"};
  return *names;
}

absl::Status ValidateFieldId(const std::string& id) {
  if (id.empty() || id.size() > kMaxFieldIdLength) {
    return InvalidValue("a custom field id must have 1 to 64 characters");
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return InvalidValue("custom field id '" + id +
                          "' may use only letters, digits, '-' and '_', so "
                          "it can follow the extension URN in a PATCH path");
    }
  }
  return absl::OkStatus();
}

scim::audit::v1::Event SettingEvent(const std::string& operation,
                                    const std::string& detail) {
  scim::audit::v1::Event e;
  e.set_operation(operation);
  e.set_resource_type("Tenant");
  e.set_detail(detail);
  return e;
}

}  // namespace

absl::StatusOr<pb::Tenant> TenantStore::Update(
    const std::string& tenant,
    const std::function<absl::Status(pb::Tenant*)>& change,
    scim::audit::v1::Event event, const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<pb::Tenant> found = Find(tenant);
  if (!found.ok()) return found.status();
  absl::StatusOr<pb::Tenant> t = Load(found->id());
  if (!t.ok()) return t.status();
  if (absl::Status s = change(&*t); !s.ok()) return s;
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kTenants), t->id(), t->SerializeAsString());
  event.set_tenant_id(t->id());
  event.set_resource_id(t->id());
  outbox_->Append(&batch, std::move(event), actor);
  if (absl::Status s = db_->Write(&batch); !s.ok()) return s;
  InvalidateCache();
  outbox_->Notify();
  return Find(t->id());
}

absl::StatusOr<pb::Tenant> TenantStore::AddCustomField(
    const std::string& tenant, const pb::CustomFieldDef& field,
    const Actor& actor) {
  if (auto s = ValidateFieldId(field.id()); !s.ok()) return s;
  if (field.type() == pb::CustomFieldDef::TYPE_UNSPECIFIED) {
    return InvalidValue(
        "give the custom field a type: string, number, "
        "boolean or date");
  }
  auto event = SettingEvent(
      "field.add",
      field.id() + ":" +
          absl::AsciiStrToLower(pb::CustomFieldDef::Type_Name(field.type())) +
          (field.required() ? " required" : ""));
  event.add_changed_attributes("customFields");
  return Update(
      tenant,
      [&](pb::Tenant* t) -> absl::Status {
        for (const auto& f : t->custom_fields()) {
          if (absl::EqualsIgnoreCase(f.id(), field.id())) {
            return WithScimType(
                absl::AlreadyExistsError(
                    "the tenant already has custom field '" + f.id() + "'"),
                "uniqueness");
          }
        }
        if (t->custom_fields_size() >= kMaxCustomFields) {
          return InvalidValue("a tenant may define at most 200 custom fields");
        }
        *t->add_custom_fields() = field;
        return absl::OkStatus();
      },
      std::move(event), actor);
}

absl::StatusOr<pb::Tenant> TenantStore::RemoveCustomField(
    const std::string& tenant, const std::string& field_id,
    const Actor& actor) {
  auto event = SettingEvent("field.remove", field_id);
  event.add_changed_attributes("customFields");
  return Update(
      tenant,
      [&](pb::Tenant* t) -> absl::Status {
        auto* fields = t->mutable_custom_fields();
        auto it = std::find_if(fields->begin(), fields->end(), [&](auto& f) {
          return absl::EqualsIgnoreCase(f.id(), field_id);
        });
        if (it == fields->end()) {
          return absl::NotFoundError("the tenant has no custom field '" +
                                     field_id + "'");
        }
        fields->erase(it);
        return absl::OkStatus();
      },
      std::move(event), actor);
}

absl::StatusOr<pb::Tenant> TenantStore::SetAttributeMapping(
    const std::string& tenant, const std::string& attribute,
    const std::string& target, const Actor& actor) {
  const auto& names = MappableAttributes();
  auto name = std::find_if(names.begin(), names.end(), [&](const auto& n) {
    return absl::EqualsIgnoreCase(n, attribute);
  });
  if (name == names.end()) {
    return InvalidValue("'" + attribute +
                        "' cannot be mapped; map one of the enterprise "
                        "attributes: " +
                        absl::StrJoin(names, ", "));
  }
  if (target.size() > 128) {
    return InvalidValue("a mapping target has at most 128 characters");
  }
  auto event = SettingEvent("mapping.set", *name + "=" + target);
  event.add_changed_attributes("attributeMappings");
  return Update(
      tenant,
      [&](pb::Tenant* t) -> absl::Status {
        if (target.empty()) {
          t->mutable_attribute_mappings()->erase(*name);
        } else {
          (*t->mutable_attribute_mappings())[*name] = target;
        }
        return absl::OkStatus();
      },
      std::move(event), actor);
}

absl::StatusOr<pb::Tenant> TenantStore::PutLocation(
    const std::string& tenant, const pb::Location& location,
    const Actor& actor) {
  if (auto s = ValidateLocation(location); !s.ok()) return s;
  pb::Location clean = location;
  clean.set_name(std::string(absl::StripAsciiWhitespace(location.name())));
  auto event = SettingEvent("location.put", clean.name());
  event.add_changed_attributes("locations");
  return Update(
      tenant,
      [&](pb::Tenant* t) -> absl::Status {
        auto* locations = t->mutable_locations();
        auto it = std::find_if(
            locations->begin(), locations->end(), [&](const auto& l) {
              return absl::EqualsIgnoreCase(l.name(), clean.name());
            });
        if (it == locations->end()) {
          *t->add_locations() = clean;
        } else {
          *it = clean;
        }
        t->set_location_rules_version(t->location_rules_version() + 1);
        return absl::OkStatus();
      },
      std::move(event), actor);
}

absl::StatusOr<pb::Tenant> TenantStore::RemoveLocation(
    const std::string& tenant, const std::string& name, const Actor& actor) {
  auto event = SettingEvent("location.remove", name);
  event.add_changed_attributes("locations");
  return Update(
      tenant,
      [&](pb::Tenant* t) -> absl::Status {
        auto* locations = t->mutable_locations();
        auto it = std::find_if(locations->begin(), locations->end(),
                               [&](const auto& l) {
                                 return absl::EqualsIgnoreCase(l.name(), name);
                               });
        if (it == locations->end()) {
          return absl::NotFoundError("the tenant has no location '" + name +
                                     "'; list them with: scimctl location "
                                     "list TENANT");
        }
        locations->erase(it);
        t->set_location_rules_version(t->location_rules_version() + 1);
        return absl::OkStatus();
      },
      std::move(event), actor);
}

}  // namespace scim::identity
