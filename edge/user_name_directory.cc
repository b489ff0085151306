#include "edge/user_name_directory.h"

#include <utility>

#include "absl/time/clock.h"

namespace scim::edge {

namespace {
// A tenant whose load failed is not tried again sooner.
constexpr absl::Duration kRetryAfter = absl::Seconds(5);
}  // namespace

UserNameDirectory::UserNameDirectory(size_t max_names, Loader loader)
    : max_names_(max_names), loader_(std::move(loader)) {
  if (max_names_ > 0) thread_ = std::thread([this] { Run(); });
}

UserNameDirectory::~UserNameDirectory() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool UserNameDirectory::KnownAbsent(const std::string& tenant,
                                    const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto t = tenants_.find(tenant);
  return t != tenants_.end() && t->second.complete &&
         !t->second.names.contains(name);
}

void UserNameDirectory::Want(const std::string& tenant) {
  if (max_names_ == 0) return;
  absl::MutexLock lock(&mu_);
  if (tenants_.contains(tenant) || too_large_.contains(tenant)) return;
  if (auto f = failed_.find(tenant); f != failed_.end()) {
    if (absl::Now() < f->second) return;
    failed_.erase(f);
  }
  // From here on the stream's names go into the set, before the first page
  // is read.
  tenants_[tenant];
  wanted_.push_back(tenant);
}

void UserNameDirectory::Add(const std::string& tenant,
                            const std::string& name) {
  if (max_names_ == 0 || name.empty()) return;
  absl::MutexLock lock(&mu_);
  auto t = tenants_.find(tenant);
  if (t == tenants_.end()) return;
  AddLocked(tenant, &t->second, name);
}

void UserNameDirectory::AddLocked(const std::string& tenant, Names* names,
                                  const std::string& name) {
  if (!names->names.insert(name).second) return;
  if (++total_ <= max_names_) return;
  total_ -= names->names.size();
  tenants_.erase(tenant);
  too_large_.insert(tenant);
}

void UserNameDirectory::Reset() {
  absl::MutexLock lock(&mu_);
  ++epoch_;
  tenants_.clear();
  total_ = 0;
  too_large_.clear();
  wanted_.clear();
}

size_t UserNameDirectory::complete_tenants() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [tenant, names] : tenants_) n += names.complete ? 1 : 0;
  return n;
}

void UserNameDirectory::Run() {
  for (;;) {
    std::string tenant;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](UserNameDirectory* d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(d->mu_) {
            return d->stopping_ || !d->wanted_.empty();
          },
          this));
      if (stopping_) return;
      tenant = std::move(wanted_.front());
      wanted_.pop_front();
    }
    if (!Load(tenant)) {
      absl::MutexLock lock(&mu_);
      if (auto t = tenants_.find(tenant);
          t != tenants_.end() && !t->second.complete) {
        total_ -= t->second.names.size();
        tenants_.erase(t);
        failed_[tenant] = absl::Now() + kRetryAfter;
      }
    }
  }
}

bool UserNameDirectory::Load(const std::string& tenant) {
  uint64_t epoch;
  {
    absl::MutexLock lock(&mu_);
    if (!tenants_.contains(tenant)) return true;  // reset or too large
    epoch = epoch_;
  }
  std::string after;
  for (;;) {
    absl::StatusOr<Page> page = loader_(tenant, after);
    absl::MutexLock lock(&mu_);
    if (stopping_ || epoch_ != epoch) return true;  // nothing left to finish
    auto t = tenants_.find(tenant);
    if (t == tenants_.end()) return true;
    if (!page.ok()) return false;
    for (const std::string& name : page->names) {
      AddLocked(tenant, &t->second, name);
      if (too_large_.contains(tenant)) return true;
    }
    if (page->done) {
      t->second.complete = true;
      return true;
    }
    // A page that ends the set without saying so would repeat forever.
    if (page->names.empty()) return false;
    after = page->names.back();
  }
}

}  // namespace scim::edge
