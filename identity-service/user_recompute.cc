// Re-derived attributes of stored users (their locations after a rule
// change), written only when they changed.
#include <algorithm>

#include "common/status_map.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"
#include "identity-service/user_store.h"

namespace scim::identity {

absl::StatusOr<bool> UserStore::Recompute(
    const std::string& tenant, const std::string& id,
    const std::function<void(User*)>& compute, const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<User> old = Get(tenant, id);
  if (!old.ok()) return old.status();
  User user = *old;
  compute(&user);
  if (user.SerializeAsString() == old->SerializeAsString()) return false;
  *user.mutable_meta()->mutable_last_modified() = NowTimestamp();
  user.mutable_meta()->set_version(old->meta().version() + 1);
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kUsers), Key({tenant, id}), user.SerializeAsString());
  scim::audit::v1::Event event;
  event.set_tenant_id(tenant);
  event.set_operation("locations");
  event.set_resource_type("User");
  event.set_resource_id(id);
  event.set_user_name(user.user_name());
  bool home_changed = old->home_location() != user.home_location();
  if (!home_changed || old->locations_size() != user.locations_size() ||
      !std::equal(old->locations().begin(), old->locations().end(),
                  user.locations().begin())) {
    event.add_changed_attributes("locations");
  }
  if (home_changed) event.add_changed_attributes("homeLocation");
  AddAuditableValues(user, &event);
  event.set_detail(user.locations().empty()
                       ? std::string("no location matches this user")
                       : "home location: " + (user.home_location().empty()
                                                  ? std::string("none")
                                                  : user.home_location()));
  outbox_->Append(&batch, std::move(event), actor);
  if (absl::Status s = db_->Write(&batch); !s.ok()) return s;
  outbox_->Notify();
  return true;
}

}  // namespace scim::identity
