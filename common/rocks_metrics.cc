#include "common/rocks_metrics.h"

namespace scim {
namespace {

struct FamilyProperty {
  const char* property;
  const char* metric;
  const char* help;
};

constexpr FamilyProperty kFamilyProperties[] = {
    {"rocksdb.total-sst-files-size", "scim_rocksdb_sst_bytes",
     "Bytes of all SST files of the column family."},
    {"rocksdb.estimate-live-data-size", "scim_rocksdb_live_data_bytes",
     "Estimated bytes of live data (what compaction would leave)."},
    {"rocksdb.estimate-num-keys", "scim_rocksdb_estimated_keys",
     "Estimated number of keys (deletes not yet compacted distort it)."},
    {"rocksdb.cur-size-all-mem-tables", "scim_rocksdb_memtable_bytes",
     "Bytes of the column family's memtables."},
    {"rocksdb.compaction-pending", "scim_rocksdb_compaction_pending",
     "1 while at least one compaction of the column family is pending."},
};

}  // namespace

metrics::Collector ExportRocksDbMetrics(
    const std::string& db_name, rocksdb::DB* db,
    std::vector<rocksdb::ColumnFamilyHandle*> families,
    metrics::Registry* registry) {
  return registry->AddCollector([db_name, db,
                                 families](std::vector<metrics::Sample>* out) {
    for (rocksdb::ColumnFamilyHandle* cf : families) {
      for (const FamilyProperty& p : kFamilyProperties) {
        uint64_t v = 0;
        if (!db->GetIntProperty(cf, p.property, &v)) continue;
        out->push_back({p.metric,
                        p.help,
                        "gauge",
                        {{"db", db_name}, {"cf", cf->GetName()}},
                        static_cast<double>(v)});
      }
    }
    uint64_t v = 0;
    if (db->GetIntProperty("rocksdb.num-running-compactions", &v)) {
      out->push_back({"scim_rocksdb_running_compactions",
                      "Compactions running now.",
                      "gauge",
                      {{"db", db_name}},
                      static_cast<double>(v)});
    }
    if (db->GetIntProperty("rocksdb.num-running-flushes", &v)) {
      out->push_back({"scim_rocksdb_running_flushes",
                      "Memtable flushes running now.",
                      "gauge",
                      {{"db", db_name}},
                      static_cast<double>(v)});
    }
    if (db->GetIntProperty("rocksdb.background-errors", &v)) {
      out->push_back({"scim_rocksdb_background_errors_total",
                      "Background (flush or compaction) errors since start; "
                      "one stops writes.",
                      "counter",
                      {{"db", db_name}},
                      static_cast<double>(v)});
    }
  });
}

}  // namespace scim
