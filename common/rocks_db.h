#ifndef SCIM_COMMON_ROCKS_DB_H_
#define SCIM_COMMON_ROCKS_DB_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace scim {

// One service's RocksDB with its column families, opened (and created) at
// `path`. Closing flushes the memtables.
class RocksDb {
 public:
  static absl::StatusOr<std::unique_ptr<RocksDb>> Open(
      const std::string& path, const std::vector<std::string>& families);
  ~RocksDb();
  RocksDb(const RocksDb&) = delete;
  RocksDb& operator=(const RocksDb&) = delete;

  rocksdb::DB* db() const { return db_; }
  // The handle of the family at `index` in the list given to Open.
  rocksdb::ColumnFamilyHandle* family(size_t index) const {
    return handles_[index + 1];
  }
  // Every family, the default one first (for metrics).
  const std::vector<rocksdb::ColumnFamilyHandle*>& all_families() const {
    return handles_;
  }

  // Applies the batch atomically, through the write-ahead log.
  absl::Status Write(rocksdb::WriteBatch* batch);
  // Called with every batch Write applied, on the writing thread, before
  // Write returns (so, under whatever lock the writer holds: keep it short).
  // Batches are observed in the order they were applied. Set before the
  // first Write.
  void SetWriteObserver(std::function<void(const rocksdb::WriteBatch&)> f) {
    observer_ = std::move(f);
  }
  // NotFound when absent.
  absl::Status Get(size_t family, std::string_view key, std::string* value);

 private:
  RocksDb() = default;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::function<void(const rocksdb::WriteBatch&)> observer_;
  // Held across a write and its observation when there is an observer.
  absl::Mutex observed_write_mu_;
};

absl::Status FromRocks(const rocksdb::Status& status);

// Joins key parts with NUL, which no stored name may contain, so that a
// prefix of parts never matches a longer part ("a" vs "a/b").
std::string Key(std::initializer_list<std::string_view> parts);
// Key(parts) followed by the separator: the prefix of every longer key.
std::string KeyPrefix(std::initializer_list<std::string_view> parts);

// Fixed-width, order-preserving encoding of a counter for use in keys.
std::string OrderedNumber(uint64_t n);

}  // namespace scim

#endif  // SCIM_COMMON_ROCKS_DB_H_
