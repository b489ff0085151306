#include "common/rocks_db.h"

#include <rocksdb/options.h>

#include <cstdio>

namespace scim {

absl::StatusOr<std::unique_ptr<RocksDb>> RocksDb::Open(
    const std::string& path, const std::vector<std::string>& families) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 3;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           rocksdb::ColumnFamilyOptions(options));
  for (const auto& f : families) {
    descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions(options));
  }
  std::unique_ptr<RocksDb> out(new RocksDb());
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(options), path,
                                        descriptors, &out->handles_, &out->db_);
  if (!s.ok()) {
    return absl::UnavailableError("cannot open RocksDB at " + path + ": " +
                                  s.ToString());
  }
  return out;
}

RocksDb::~RocksDb() {
  if (db_ == nullptr) return;
  rocksdb::FlushOptions flush;
  for (auto* h : handles_) db_->Flush(flush, h).PermitUncheckedError();
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
  delete db_;
}

absl::Status RocksDb::Write(rocksdb::WriteBatch* batch) {
  return FromRocks(db_->Write(rocksdb::WriteOptions(), batch));
}

absl::Status RocksDb::Get(size_t family, std::string_view key,
                          std::string* value) {
  return FromRocks(db_->Get(rocksdb::ReadOptions(), this->family(family),
                            rocksdb::Slice(key.data(), key.size()), value));
}

absl::Status FromRocks(const rocksdb::Status& status) {
  if (status.ok()) return absl::OkStatus();
  if (status.IsNotFound()) return absl::NotFoundError("not found");
  if (status.IsNoSpace()) {
    return absl::UnavailableError("storage is full: " + status.ToString());
  }
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return absl::UnavailableError("storage is busy: " + status.ToString());
  }
  return absl::InternalError("storage error: " + status.ToString());
}

std::string Key(std::initializer_list<std::string_view> parts) {
  std::string out;
  bool first = true;
  for (auto p : parts) {
    if (!first) out.push_back('\0');
    out.append(p.data(), p.size());
    first = false;
  }
  return out;
}

std::string KeyPrefix(std::initializer_list<std::string_view> parts) {
  std::string out = Key(parts);
  out.push_back('\0');
  return out;
}

std::string OrderedNumber(uint64_t n) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace scim
