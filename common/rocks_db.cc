#include "common/rocks_db.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>

#include <cstdio>
#include <iostream>

namespace scim {

namespace {

// Memory is bounded whatever the number of records: the block cache (data,
// index and filter blocks of every family) and the memtables of all
// families together each have a fixed budget.
constexpr size_t kBlockCacheBytes = 128 << 20;
constexpr size_t kMemtableBytes = 64 << 20;

// One cache for every database of the process.
const std::shared_ptr<rocksdb::Cache>& BlockCache() {
  static const auto* cache = new std::shared_ptr<rocksdb::Cache>(
      rocksdb::NewLRUCache(kBlockCacheBytes));
  return *cache;
}

rocksdb::CompressionType Supported(rocksdb::CompressionType wanted) {
  for (auto c : rocksdb::GetSupportedCompressions()) {
    if (c == wanted) return wanted;
  }
  return rocksdb::kSnappyCompression;
}

rocksdb::ColumnFamilyOptions FamilyOptions(const rocksdb::Options& db) {
  rocksdb::ColumnFamilyOptions cf(db);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = BlockCache();
  // Index and filter blocks count against the cache instead of growing
  // with the data; level-0's stay pinned, as every read consults them.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Point reads (users by id, userName index) skip files without the key;
  // a lookup of a userName that does not exist yet (every create of a sync)
  // touches no data block at all.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.write_buffer_size = 16 << 20;
  cf.level_compaction_dynamic_level_bytes = true;
  // LZ4 everywhere: a block read back costs little to decompress (ZSTD at
  // the bottom level saved disk we do not need, at more CPU per read).
  cf.compression = Supported(rocksdb::kLZ4Compression);
  // Queues (the outboxes) delete what they appended: a file that is mostly
  // tombstones is compacted early, so reads from the front skip fewer.
  cf.table_properties_collector_factories.push_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(1024, 512));
  return cf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDb>> RocksDb::Open(
    const std::string& path, const std::vector<std::string>& families) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 3;
  options.db_write_buffer_size = kMemtableBytes;
  // Families written rarely (tenants, tokens) would otherwise keep old WAL
  // files alive until their own memtable filled.
  options.max_total_wal_size = 4 * kMemtableBytes;
  // Concurrent writers: the WAL append of one overlaps the memtable insert
  // of the previous one.
  options.enable_pipelined_write = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName,
                           FamilyOptions(options));
  for (const auto& f : families) {
    rocksdb::ColumnFamilyOptions cf = FamilyOptions(options);
    if (f == "outbox") {
      // A queue: appended at the back, deleted from the front, and read
      // from the very first key on every shipment (common/outbox.cc), which
      // steps over every tombstone not yet compacted away. A small memtable
      // flushes them soon and each flushed file is compacted at once into
      // the (bottommost, for so little data) level, which drops them:
      // otherwise a burst of writes left up to 16 MB of tombstones to walk
      // on every shipment.
      cf.write_buffer_size = 256 << 10;
      cf.level0_file_num_compaction_trigger = 1;
    }
    descriptors.emplace_back(f, cf);
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
  // Memtables to SST files, so the next start need not replay the log.
  // Nothing is lost if this fails (every write is in the log already), but
  // the operator should hear of it.
  rocksdb::FlushOptions flush;
  rocksdb::Status flushed = db_->Flush(flush, handles_);
  for (auto* h : handles_)
    db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  rocksdb::Status closed = db_->Close();
  if (!flushed.ok() || !closed.ok()) {
    std::cerr << "RocksDB at " << db_->GetName() << ": "
              << (flushed.ok() ? "close" : "flush")
              << " failed: " << (flushed.ok() ? closed : flushed).ToString()
              << std::endl;
  }
  delete db_;
}

absl::Status RocksDb::Write(rocksdb::WriteBatch* batch) {
  // Through the write-ahead log, written to the file before Write returns:
  // an acknowledged write survives the process being killed (kill -9). The
  // log is not fsync'd per write, so a power loss may lose the last moments.
  rocksdb::WriteOptions write;
  write.disableWAL = false;
  write.sync = false;
  if (!observer_) return FromRocks(db_->Write(write, batch));
  // The observer (identity-service's change feed) numbers what it sees;
  // watchers compare those numbers, so they must follow the commit order,
  // which concurrent writers would otherwise race for.
  absl::MutexLock lock(&observed_write_mu_);
  absl::Status s = FromRocks(db_->Write(write, batch));
  if (s.ok()) observer_(*batch);
  return s;
}

absl::Status RocksDb::Get(size_t family, std::string_view key,
                          std::string* value) {
  return FromRocks(db_->Get(rocksdb::ReadOptions(), this->family(family),
                            rocksdb::Slice(key.data(), key.size()), value));
}

absl::Status FromRocks(const rocksdb::Status& status) {
  if (status.ok()) return absl::OkStatus();
  if (status.IsNotFound()) return absl::NotFoundError("not found");
  // The client is told what kind of failure, the operator (in the log) the
  // whole of it: RocksDB's text names files and paths of the server.
  std::cerr << "rocksdb: " << status.ToString() << std::endl;
  if (status.IsNoSpace()) {
    return absl::UnavailableError("storage is full");
  }
  if (status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return absl::UnavailableError("storage is busy");
  }
  if (status.IsIOError()) {
    return absl::InternalError(
        "storage I/O error (the service log has the cause)");
  }
  if (status.IsCorruption()) {
    return absl::InternalError(
        "storage corruption (the service log has the cause)");
  }
  return absl::InternalError("storage error (the service log has the cause)");
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
