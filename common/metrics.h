#ifndef SCIM_COMMON_METRICS_H_
#define SCIM_COMMON_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

// Prometheus metrics in the text exposition format 0.0.4. Updating a metric
// is a few relaxed atomic adds; finding the child of a label set takes the
// lock of one of several shards, so request threads rarely wait on each
// other. Label values must have a small set of values (route templates,
// methods, status codes), never ids.
namespace scim::metrics {

class Counter {
 public:
  void Increment(uint64_t n = 1) {
    value_.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the upper bounds of the buckets, ascending; +Inf is implied.
  explicit Histogram(const std::vector<double>* bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return *bounds_; }
  // Per bucket (not cumulative), the last one being +Inf.
  std::vector<uint64_t> BucketCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double>* bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Request latencies in seconds, from half a millisecond to ten seconds.
const std::vector<double>& LatencyBuckets();

// A metric with a fixed list of label names, and one child per set of label
// values. Children live as long as the family, so a caller may keep the
// reference WithLabels returns.
template <typename T>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::vector<double> bounds = {})
      : label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

  // One value per label name, in their order.
  T& WithLabels(std::initializer_list<absl::string_view> values);

  const std::vector<std::string>& label_names() const { return label_names_; }
  // (label values, child) of every child, in label order.
  std::vector<std::pair<std::vector<std::string>, const T*>> Children() const;

 private:
  struct Shard {
    mutable absl::Mutex mu;
    // Key: the label values joined by NUL.
    absl::flat_hash_map<std::string, std::unique_ptr<T>> children
        ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 8;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  std::array<Shard, kShards> shards_;
};

// A value computed when metrics are scraped (RocksDB properties, queue
// sizes) rather than kept up to date on every change.
struct Sample {
  std::string name;
  std::string help;
  // "gauge" or "counter".
  std::string type;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};
using CollectFunction = std::function<void(std::vector<Sample>*)>;

class Registry;

// Keeps a collect function registered; destroying it unregisters it, and
// waits for a scrape that is running it to finish, so the function may use
// objects that die right after the handle.
class Collector {
 public:
  Collector() = default;
  Collector(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  Collector(Collector&& other) noexcept { *this = std::move(other); }
  Collector& operator=(Collector&& other) noexcept;
  ~Collector() { Reset(); }
  void Reset();

 private:
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  // The process's registry, which /metrics serves.
  static Registry& Default();

  // The same name again returns the family registered first.
  Family<Counter>& AddCounter(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names);
  Family<Gauge>& AddGauge(const std::string& name, const std::string& help,
                          std::vector<std::string> label_names);
  Family<Histogram>& AddHistogram(
      const std::string& name, const std::string& help,
      std::vector<std::string> label_names,
      std::vector<double> bounds = LatencyBuckets());
  [[nodiscard]] Collector AddCollector(CollectFunction collect);

  // Every metric, as the text exposition format 0.0.4.
  std::string Render() const;

 private:
  friend class Collector;
  void RemoveCollector(uint64_t id);

  struct Entry {
    std::string help;
    std::string type;
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
  };
  Entry& Find(const std::string& name, const std::string& help,
              const std::string& type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex collectors_mu_;
  std::map<uint64_t, CollectFunction> collectors_
      ABSL_GUARDED_BY(collectors_mu_);
  uint64_t next_collector_ ABSL_GUARDED_BY(collectors_mu_) = 1;
};

// Label values and help text escaped as the text format wants them.
std::string EscapeLabelValue(absl::string_view v);
// A sample value: integers without a fraction, +Inf, -Inf, NaN.
std::string FormatValue(double v);

}  // namespace scim::metrics

#endif  // SCIM_COMMON_METRICS_H_
