#ifndef SCIM_COMMON_ROCKS_METRICS_H_
#define SCIM_COMMON_ROCKS_METRICS_H_

#include <rocksdb/db.h>

#include <string>
#include <vector>

#include "common/metrics.h"

namespace scim {

// Size, key-count and compaction figures of a RocksDB, per column family,
// read from its properties at each scrape (each is an in-memory lookup):
//   scim_rocksdb_sst_bytes, scim_rocksdb_live_data_bytes,
//   scim_rocksdb_estimated_keys, scim_rocksdb_memtable_bytes,
//   scim_rocksdb_compaction_pending{db,cf}, and per database
//   scim_rocksdb_running_compactions, scim_rocksdb_running_flushes,
//   scim_rocksdb_background_errors_total{db}.
// `families` must stay open while the returned Collector lives.
[[nodiscard]] metrics::Collector ExportRocksDbMetrics(
    const std::string& db_name, rocksdb::DB* db,
    std::vector<rocksdb::ColumnFamilyHandle*> families,
    metrics::Registry* registry = &metrics::Registry::Default());

}  // namespace scim

#endif  // SCIM_COMMON_ROCKS_METRICS_H_
