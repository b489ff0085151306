#ifndef SCIM_IDENTITY_SERVICE_OUTBOX_H_
#define SCIM_IDENTITY_SERVICE_OUTBOX_H_

#include "common/outbox.h"
#include "common/rocks_db.h"
#include "scim/audit/v1/audit.pb.h"
#include "scim/identity/v1/identity.pb.h"

namespace scim::identity {

// Who asked for a change; recorded with its audit event.
using Actor = scim::AuditActor;
using OutboxForwarder = scim::OutboxForwarder;

// identity-service's outbox: the kOutbox family of its database, so every
// user, membership, tenant, token and policy change carries its audit event
// in its own WriteBatch.
class Outbox : public scim::Outbox {
 public:
  explicit Outbox(RocksDb* db);
};

// Copies into `event` the new values of those of its changed_attributes
// that may be kept in the audit trail (active, userName, externalId, roles,
// locations, ...). Personal data (names, emails, phone numbers, addresses,
// birth dates, manager, emergency contacts, custom fields) stays out: the trail
// says that it changed, not what it became.
void AddAuditableValues(const scim::identity::v1::User& user,
                        scim::audit::v1::Event* event);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_OUTBOX_H_
