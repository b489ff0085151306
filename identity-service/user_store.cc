#include "identity-service/user_store.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/crypto.h"
#include "common/filter_eval.h"
#include "common/status_map.h"
#include "common/time_util.h"
#include "identity-service/identity_db.h"

namespace scim::identity {
namespace {

using scim::common::v1::Filter;
using scim::common::v1::FilterValue;

constexpr const char* kUserNameIndex = user_index::kUserName;
constexpr const char* kExternalIdIndex = user_index::kExternalId;
constexpr const char* kEmailIndex = user_index::kEmail;

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

absl::Status InvalidValue(const std::string& detail) {
  return WithScimType(absl::InvalidArgumentError(detail), "invalidValue");
}

std::string UserKey(const std::string& tenant, const std::string& id) {
  return Key({tenant, id});
}

bool IsActive(const User& u) { return !u.has_active() || u.active(); }

// A field's value as deterministic protobuf bytes, for an equality check
// that needs no reflection walk over sub-messages. Only message fields
// (singular or repeated, maps excepted: their order is not defined).
std::string MessageFieldBytes(const User& u,
                              const google::protobuf::FieldDescriptor* f) {
  const auto* r = User::GetReflection();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    auto put = [&coded](const google::protobuf::Message& m) {
      coded.WriteVarint64(m.ByteSizeLong());
      m.SerializeWithCachedSizes(&coded);
    };
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(u, f); ++i) {
        put(r->GetRepeatedMessage(u, f, i));
      }
    } else {
      put(r->GetMessage(u, f));
    }
  }
  return out;
}

// The attribute names (SCIM spelling) whose values differ. Every write
// computes this for its audit event, so fields unset on both sides (most of
// them) cost one presence check, not a rendering, and message fields set
// on both compare as bytes (MessageDifferencer per field was a tenth of
// identity-service's CPU per PATCH).
std::vector<std::string> ChangedAttributes(const User& before,
                                           const User& after) {
  std::vector<std::string> out;
  const auto* d = User::descriptor();
  const auto* r = User::GetReflection();
  auto present = [r](const User& u,
                     const google::protobuf::FieldDescriptor* f) {
    return f->is_repeated() ? r->FieldSize(u, f) > 0 : r->HasField(u, f);
  };
  // approver_link is derived and audited by its own events.
  static const auto* const kSkipped =
      new absl::flat_hash_set<const google::protobuf::FieldDescriptor*>{
          d->FindFieldByName("meta"), d->FindFieldByName("id"),
          d->FindFieldByName("tenant_id"), d->FindFieldByName("approver_link")};
  static const auto* const kActive = d->FindFieldByName("active");
  std::optional<google::protobuf::util::MessageDifferencer> differ;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (kSkipped->contains(f)) continue;
    bool changed;
    if (f == kActive) {
      // Absent active means true, so a PATCH that renders the user and
      // parses it back (absent becomes true) has not changed it.
      changed = IsActive(before) != IsActive(after);
    } else {
      bool in_before = present(before, f), in_after = present(after, f);
      if (!in_before && !in_after) continue;
      changed = in_before != in_after;
      if (!changed &&
          f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE &&
          !f->is_map()) {
        changed = MessageFieldBytes(before, f) != MessageFieldBytes(after, f);
      } else if (!changed) {
        if (!differ) differ.emplace();
        changed = !differ->CompareWithFields(before, after, {f}, {f});
      }
    }
    if (changed) out.push_back(f->json_name());
  }
  return out;
}

scim::audit::v1::Event UserEvent(const std::string& operation,
                                 const std::string& tenant, const User& u) {
  scim::audit::v1::Event e;
  e.set_tenant_id(tenant);
  e.set_operation(operation);
  e.set_resource_type("User");
  e.set_resource_id(u.id());
  e.set_user_name(u.user_name());
  return e;
}

// Proxyclick admins look for users no location took in the trail.
void NoteWithoutLocation(const UserStore::TenantFlags& flags, const User& u,
                         scim::audit::v1::Event* event) {
  if (flags.has_locations && u.locations().empty()) {
    event->set_detail("no location matches this user");
  }
}

// Strips the core schema URN so "urn:...:core:2.0:User:userName" is userName.
std::string CoreAttribute(const std::string& attribute) {
  static const std::string kCore =
      "urn:ietf:params:scim:schemas:core:2.0:user:";
  std::string lower = Lower(attribute);
  if (absl::StartsWith(lower, kCore)) return lower.substr(kCore.size());
  return lower;
}

// Cuts the requested page out of the sorted matches (a no-op when the list
// was not sorted: `sorted` is empty and `page` already holds its users).
UserStore::Page SortedPage(UserStore::Page page,
                           std::vector<std::pair<SortKey, User>> sorted,
                           int count, bool descending) {
  if (sorted.empty()) return page;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [descending](const auto& a, const auto& b) {
                     return a.first.Before(b.first, descending);
                   });
  size_t from = static_cast<size_t>(page.start_index - 1);
  for (size_t i = from;
       i < sorted.size() && static_cast<int>(page.users.size()) < count; ++i) {
    page.users.push_back(std::move(sorted[i].second));
  }
  return page;
}

}  // namespace

absl::Status ValidateUser(const User& user) {
  std::string trimmed(absl::StripAsciiWhitespace(user.user_name()));
  if (trimmed.empty()) {
    return InvalidValue(
        "userName is required: send the user's unique sign-in name, "
        "typically their email address");
  }
  if (user.user_name().size() > 512) {
    return InvalidValue("userName is longer than 512 characters");
  }
  if (user.user_name().find('\0') != std::string::npos ||
      user.external_id().find('\0') != std::string::npos) {
    return InvalidValue("userName and externalId must not contain NUL");
  }
  for (const auto& e : user.emails()) {
    if (e.value().find('\0') != std::string::npos) {
      return InvalidValue("emails.value must not contain NUL");
    }
  }
  const std::string& manager = user.enterprise().manager().value();
  if (manager.size() > 512 || manager.find('\0') != std::string::npos) {
    return InvalidValue(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager "
        "must be a user id, externalId or userName: at most 512 characters, "
        "no NUL");
  }
  return absl::OkStatus();
}

std::vector<std::string> UserStore::IndexKeys(const std::string& tenant,
                                              const User& user) {
  std::set<std::string> keys;
  keys.insert(Key({tenant, kUserNameIndex, Lower(user.user_name())}));
  if (!user.external_id().empty()) {
    keys.insert(Key({tenant, kExternalIdIndex, user.external_id(), user.id()}));
  }
  for (const auto& e : user.emails()) {
    if (e.value().empty()) continue;
    keys.insert(Key({tenant, kEmailIndex, Lower(e.value()), user.id()}));
  }
  const std::string& manager = user.enterprise().manager().value();
  if (!manager.empty()) {
    keys.insert(Key({tenant, user_index::kManager, Lower(manager), user.id()}));
  }
  return {keys.begin(), keys.end()};
}

absl::Status UserStore::CheckUserNameFree(const std::string& tenant,
                                          const User& user) {
  std::string owner;
  absl::Status s =
      db_->Get(kUserIndex,
               Key({tenant, kUserNameIndex, Lower(user.user_name())}), &owner);
  if (absl::IsNotFound(s)) return absl::OkStatus();
  if (!s.ok()) return s;
  if (owner == user.id()) return absl::OkStatus();
  return WithScimType(
      absl::AlreadyExistsError(
          "userName '" + user.user_name() + "' is already used by user " +
          owner +
          " (userName is unique per tenant, ignoring case); update that user "
          "or choose another userName"),
      "uniqueness");
}

absl::StatusOr<User> UserStore::Create(const std::string& tenant, User user,
                                       const Actor& actor) {
  absl::Status valid = ValidateUser(user);
  if (!valid.ok()) return valid;
  user.set_id(NewUuid());
  user.set_tenant_id(tenant);
  user.clear_groups();
  auto now = NowTimestamp();
  *user.mutable_meta()->mutable_created() = now;
  *user.mutable_meta()->mutable_last_modified() = now;
  user.mutable_meta()->set_version(1);

  absl::MutexLock lock(&write_mu_);
  absl::Status free = CheckUserNameFree(tenant, user);
  if (!free.ok()) return free;
  if (auto s = CheckManagerCycle(tenant, user); !s.ok()) return s;
  TenantFlags flags = FlagsOf(tenant);
  auto approver_event = LinkApprover(tenant, nullptr, &user, &user, "", flags);
  rocksdb::WriteBatch batch;
  batch.Put(db_->family(kUsers), UserKey(tenant, user.id()),
            user.SerializeAsString());
  for (const auto& k : IndexKeys(tenant, user)) {
    batch.Put(db_->family(kUserIndex), k, user.id());
  }
  auto event = UserEvent("create", tenant, user);
  for (const auto& a : ChangedAttributes(User(), user)) {
    event.add_changed_attributes(a);
  }
  AddAuditableValues(user, &event);
  NoteWithoutLocation(flags, user, &event);
  outbox_->Append(&batch, std::move(event), actor);
  if (approver_event) {
    outbox_->Append(&batch, *std::move(approver_event), actor);
  }
  RelinkReports(tenant, nullptr, &user, flags, &batch, actor);
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  outbox_->Notify();
  return user;
}

absl::StatusOr<User> UserStore::Get(const std::string& tenant,
                                    const std::string& id) const {
  std::string value;
  absl::Status s = db_->Get(kUsers, UserKey(tenant, id), &value);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError("no user with id '" + id +
                               "' in this tenant; it may have been deleted");
  }
  if (!s.ok()) return s;
  User user;
  if (!user.ParseFromString(value)) {
    return absl::InternalError("stored user " + id + " is unreadable");
  }
  return user;
}

std::vector<std::string> UserStore::IdsWithPrefix(
    const std::string& prefix) const {
  return IdsWithPrefixes(absl::MakeConstSpan(&prefix, 1));
}

std::vector<std::string> UserStore::IdsWithPrefixes(
    absl::Span<const std::string> prefixes) const {
  std::vector<std::string> ids;
  if (prefixes.empty()) return ids;
  // Prefixes end in the separator '\0': the first key after every key with
  // a prefix ends in '\1' instead. With the largest such bound, the
  // iterator stops at the largest prefix's last key rather than reading on
  // into the next key's block (or the next file of every level) only to find
  // it has another prefix. It bounds every prefix, so one iterator serves
  // them all: creating one over every memtable and file costs more than the
  // seeks.
  rocksdb::ReadOptions read;
  std::string end;
  rocksdb::Slice upper;
  bool bounded = true;
  for (const std::string& prefix : prefixes) {
    if (prefix.empty() || prefix.back() != '\0') {
      bounded = false;
      break;
    }
    std::string after = prefix;
    after.back() = '\1';
    end = std::max(end, after);
  }
  if (bounded) {
    upper = end;
    read.iterate_upper_bound = &upper;
  }
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(read, db_->family(kUserIndex)));
  for (const std::string& prefix : prefixes) {
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ids.push_back(it->value().ToString());
    }
  }
  return ids;
}

absl::StatusOr<std::vector<std::string>> UserStore::UserNamesAfter(
    const std::string& tenant, const std::string& after, size_t limit,
    bool* done) const {
  const std::string prefix = KeyPrefix({tenant, kUserNameIndex});
  std::vector<std::string> names;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kUserIndex)));
  it->Seek(prefix + after);
  if (!after.empty() && it->Valid() && it->key() == prefix + after) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (names.size() == limit) {
      *done = false;
      return names;
    }
    names.emplace_back(it->key().data() + prefix.size(),
                       it->key().size() - prefix.size());
  }
  if (!it->status().ok()) {
    return absl::UnavailableError("cannot read the userName index: " +
                                  it->status().ToString());
  }
  *done = true;
  return names;
}

absl::StatusOr<User> UserStore::FindByUserName(
    const std::string& tenant, const std::string& user_name) const {
  std::string id;
  absl::Status s = db_->Get(
      kUserIndex, Key({tenant, kUserNameIndex, Lower(user_name)}), &id);
  if (absl::IsNotFound(s)) {
    return absl::NotFoundError("no user with userName '" + user_name + "'");
  }
  if (!s.ok()) return s;
  return Get(tenant, id);
}

absl::StatusOr<User> UserStore::FindByExternalId(
    const std::string& tenant, const std::string& external_id) const {
  auto ids = IdsWithPrefix(KeyPrefix({tenant, kExternalIdIndex, external_id}));
  if (ids.empty()) {
    return absl::NotFoundError("no user with externalId '" + external_id + "'");
  }
  return Get(tenant, ids.front());
}

absl::StatusOr<User> UserStore::FindByEmail(const std::string& tenant,
                                            const std::string& email) const {
  auto ids = IdsWithPrefix(KeyPrefix({tenant, kEmailIndex, Lower(email)}));
  if (ids.empty()) {
    return absl::NotFoundError("no user with email '" + email + "'");
  }
  return Get(tenant, ids.front());
}

absl::StatusOr<User> UserStore::Replace(const std::string& tenant, User user,
                                        std::optional<int64_t> expected_version,
                                        const Actor& actor) {
  absl::Status valid = ValidateUser(user);
  if (!valid.ok()) return valid;
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<User> old = Get(tenant, user.id());
  if (!old.ok()) return old.status();
  if (expected_version.has_value() &&
      *expected_version != old->meta().version()) {
    return absl::FailedPreconditionError(
        "user " + user.id() + " changed since version " +
        std::to_string(*expected_version) + " (now version " +
        std::to_string(old->meta().version()) +
        "); read it again and retry with the new ETag");
  }
  user.set_tenant_id(tenant);
  *user.mutable_groups() = old->groups();
  user.set_scim_managed(old->scim_managed());
  *user.mutable_meta() = old->meta();
  *user.mutable_meta()->mutable_last_modified() = NowTimestamp();
  user.mutable_meta()->set_version(old->meta().version() + 1);
  if (Lower(user.user_name()) != Lower(old->user_name())) {
    absl::Status free = CheckUserNameFree(tenant, user);
    if (!free.ok()) return free;
  }
  if (auto s = CheckManagerCycle(tenant, user); !s.ok()) return s;
  TenantFlags flags = FlagsOf(tenant);
  auto approver_event = LinkApprover(tenant, &*old, &user, &user, "", flags);
  std::vector<std::string> changed = ChangedAttributes(*old, user);
  if (changed.empty() && !approver_event &&
      old->approver_link().SerializeAsString() ==
          user.approver_link().SerializeAsString()) {
    // RFC 7644 section 3.5.2: a PATCH whose values are already there
    // changes nothing, not even the modify timestamp; a PUT of the user as
    // it is alike. Nothing is written, so the version (ETag) and
    // lastModified stay and no event is recorded: nothing happened.
    return *std::move(old);
  }
  rocksdb::WriteBatch batch;
  auto old_keys = IndexKeys(tenant, *old);
  auto new_keys = IndexKeys(tenant, user);
  for (const auto& k : old_keys) {
    if (!std::binary_search(new_keys.begin(), new_keys.end(), k)) {
      batch.Delete(db_->family(kUserIndex), k);
    }
  }
  // Keys the user keeps already point at it.
  for (const auto& k : new_keys) {
    if (std::binary_search(old_keys.begin(), old_keys.end(), k)) continue;
    batch.Put(db_->family(kUserIndex), k, user.id());
  }
  batch.Put(db_->family(kUsers), UserKey(tenant, user.id()),
            user.SerializeAsString());
  // The edge applies a SCIM PATCH as a replace and says so (x-operation).
  std::string operation = actor.operation == "patch" ? "patch" : "replace";
  if (IsActive(*old) != IsActive(user)) {
    operation = IsActive(user) ? "reactivate" : "deactivate";
  }
  auto event = UserEvent(operation, tenant, user);
  for (const auto& a : changed) event.add_changed_attributes(a);
  AddAuditableValues(user, &event);
  NoteWithoutLocation(flags, user, &event);
  outbox_->Append(&batch, std::move(event), actor);
  if (approver_event) {
    outbox_->Append(&batch, *std::move(approver_event), actor);
  }
  // Only what a manager reference can name, or the manager's state, moves
  // its reports' approver.
  if (old->external_id() != user.external_id() ||
      Lower(old->user_name()) != Lower(user.user_name()) ||
      IsActive(*old) != IsActive(user)) {
    RelinkReports(tenant, &*old, &user, flags, &batch, actor);
  }
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  outbox_->Notify();
  return user;
}

absl::Status UserStore::Delete(const std::string& tenant, const std::string& id,
                               std::optional<int64_t> expected_version,
                               const Actor& actor) {
  absl::MutexLock lock(&write_mu_);
  absl::StatusOr<User> old = Get(tenant, id);
  if (!old.ok()) return old.status();
  if (expected_version.has_value() &&
      *expected_version != old->meta().version()) {
    return absl::FailedPreconditionError(
        "user " + id + " changed since version " +
        std::to_string(*expected_version) + "; read it again and retry");
  }
  rocksdb::WriteBatch batch;
  batch.Delete(db_->family(kUsers), UserKey(tenant, id));
  for (const auto& k : IndexKeys(tenant, *old)) {
    batch.Delete(db_->family(kUserIndex), k);
  }
  for (const auto& g : old->groups()) {
    batch.Delete(db_->family(kMemberships), Key({tenant, g.value(), id}));
    NoteMemberGone(tenant, g.value(), &batch);
  }
  outbox_->Append(&batch, UserEvent("delete", tenant, *old), actor);
  RelinkReports(tenant, &*old, nullptr, FlagsOf(tenant), &batch, actor);
  absl::Status s = db_->Write(&batch);
  if (!s.ok()) return s;
  outbox_->Notify();
  return absl::OkStatus();
}

std::optional<std::vector<std::string>> UserStore::IndexCandidates(
    const std::string& tenant, const Filter& f) const {
  if (f.op() == Filter::AND) {
    std::optional<std::vector<std::string>> best;
    for (const auto& c : f.children()) {
      auto ids = IndexCandidates(tenant, c);
      if (ids.has_value() &&
          (!best.has_value() || ids->size() < best->size())) {
        best = std::move(ids);
      }
    }
    return best;
  }
  if (f.op() == Filter::OR) {
    std::vector<std::string> all;
    for (const auto& c : f.children()) {
      auto ids = IndexCandidates(tenant, c);
      if (!ids.has_value()) return std::nullopt;
      all.insert(all.end(), ids->begin(), ids->end());
    }
    return all;
  }
  if (f.op() == Filter::OP_UNSPECIFIED && f.has_value_filter() &&
      CoreAttribute(f.attribute()) == "emails") {
    // emails[value eq "x" and type eq "work"]: as emails.value eq "x".
    Filter inner = f.value_filter();
    std::function<void(Filter*)> qualify = [&](Filter* g) {
      if (!g->attribute().empty()) g->set_attribute("emails." + g->attribute());
      for (Filter& c : *g->mutable_children()) qualify(&c);
    };
    qualify(&inner);
    return IndexCandidates(tenant, inner);
  }
  if (f.op() != Filter::EQ ||
      f.value().kind_case() != FilterValue::kStringValue) {
    return std::nullopt;
  }
  const std::string& v = f.value().string_value();
  std::string attr = CoreAttribute(f.attribute());
  if (f.has_value_filter()) {
    // emails[type eq "work"].value eq "x": the email index narrows to the
    // users with that address; the value filter is then checked on each.
    if (attr == "emails" && Lower(f.sub_attribute()) == "value") {
      return IdsWithPrefix(KeyPrefix({tenant, kEmailIndex, Lower(v)}));
    }
    return std::nullopt;
  }
  if (attr == "id") return std::vector<std::string>{v};
  if (attr == "username") {
    std::string id;
    if (db_->Get(kUserIndex, Key({tenant, kUserNameIndex, Lower(v)}), &id)
            .ok()) {
      return std::vector<std::string>{id};
    }
    return std::vector<std::string>{};
  }
  if (attr == "externalid") {
    return IdsWithPrefix(KeyPrefix({tenant, kExternalIdIndex, v}));
  }
  if (attr == "emails.value" || attr == "emails") {
    return IdsWithPrefix(KeyPrefix({tenant, kEmailIndex, Lower(v)}));
  }
  return std::nullopt;
}

absl::StatusOr<UserStore::Page> UserStore::List(const std::string& tenant,
                                                const Filter* filter,
                                                int start_index, int count,
                                                const std::string& sort_by,
                                                bool descending) const {
  if (filter != nullptr) {
    // Reports a bad attribute even when no user is there to evaluate.
    if (absl::Status valid = ValidateFilter(User(), *filter); !valid.ok()) {
      return valid;
    }
  }
  if (!sort_by.empty()) {
    auto valid = SortKeyOf(User(), sort_by);
    if (!valid.ok()) return valid.status();
  }
  Page page;
  page.start_index = std::max(start_index, 1);
  int64_t skip = page.start_index - 1;
  // Sorting needs every match before the page can be cut.
  std::vector<std::pair<SortKey, User>> sorted;
  // Takes the user: a match is moved into the page, not copied (a copy is
  // an allocation per string and repeated field of every user listed).
  auto consider = [&](User& u) -> absl::Status {
    ++page.records_examined;
    if (filter != nullptr) {
      absl::StatusOr<bool> m = Matches(u, *filter);
      if (!m.ok()) return m.status();
      if (!*m) return absl::OkStatus();
    }
    ++page.total_results;
    if (!sort_by.empty()) {
      auto key = SortKeyOf(u, sort_by);
      if (!key.ok()) return key.status();
      sorted.emplace_back(std::move(*key), std::move(u));
      return absl::OkStatus();
    }
    if (skip > 0) {
      --skip;
    } else if (static_cast<int>(page.users.size()) < count) {
      page.users.push_back(std::move(u));
    }
    return absl::OkStatus();
  };

  std::optional<std::vector<std::string>> ids;
  if (filter != nullptr) ids = IndexCandidates(tenant, *filter);
  if (ids.has_value()) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
    for (const auto& id : *ids) {
      absl::StatusOr<User> u = Get(tenant, id);
      if (absl::IsNotFound(u.status())) continue;
      if (!u.ok()) return u.status();
      absl::Status s = consider(*u);
      if (!s.ok()) return s;
    }
    return SortedPage(std::move(page), std::move(sorted), count, descending);
  }
  std::string prefix = KeyPrefix({tenant});
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->family(kUsers)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    User u;
    if (!u.ParseFromArray(it->value().data(), it->value().size())) continue;
    absl::Status s = consider(u);
    if (!s.ok()) return s;
  }
  if (!it->status().ok()) return FromRocks(it->status());
  return SortedPage(std::move(page), std::move(sorted), count, descending);
}

}  // namespace scim::identity
