#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace scim::metrics {
namespace {

void AtomicAdd(std::atomic<double>* a, double d) {
  double old = a->load(std::memory_order_relaxed);
  while (!a->compare_exchange_weak(old, old + d, std::memory_order_relaxed)) {
  }
}

template <typename T>
std::unique_ptr<T> MakeChild(const std::vector<double>*) {
  return std::make_unique<T>();
}
template <>
std::unique_ptr<Histogram> MakeChild<Histogram>(
    const std::vector<double>* bounds) {
  return std::make_unique<Histogram>(bounds);
}

std::string EscapeHelp(absl::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string LabelText(const std::vector<std::string>& names,
                      const std::vector<std::string>& values,
                      const std::string& extra = "") {
  std::vector<std::string> parts;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    parts.push_back(names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"");
  }
  if (!extra.empty()) parts.push_back(extra);
  if (parts.empty()) return "";
  return "{" + absl::StrJoin(parts, ",") + "}";
}

// What Render writes under one metric name.
struct Block {
  std::string help;
  std::string type;
  std::vector<std::string> lines;
};

}  // namespace

void Gauge::Add(double d) { AtomicAdd(&value_, d); }

Histogram::Histogram(const std::vector<double>* bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  // Bucket `le` holds values <= le: the first bound not below v.
  size_t i =
      std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(&sum_, v);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> out(bounds_->size() + 1);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = counts_[i].load(std::memory_order_relaxed);
  }
  return out;
}

const std::vector<double>& LatencyBuckets() {
  static const auto* buckets =
      new std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *buckets;
}

template <typename T>
T& Family<T>::WithLabels(std::initializer_list<absl::string_view> values) {
  std::string key = absl::StrJoin(values, absl::string_view("\0", 1));
  Shard& shard = shards_[absl::HashOf(key) % kShards];
  absl::MutexLock lock(&shard.mu);
  auto& child = shard.children[key];
  if (child == nullptr) child = MakeChild<T>(&bounds_);
  return *child;
}

template <typename T>
std::vector<std::pair<std::vector<std::string>, const T*>> Family<T>::Children()
    const {
  std::vector<std::pair<std::vector<std::string>, const T*>> out;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [key, child] : shard.children) {
      std::vector<std::string> values =
          absl::StrSplit(key, absl::ByString(absl::string_view("\0", 1)));
      out.emplace_back(std::move(values), child.get());
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Collector& Collector::operator=(Collector&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = other.registry_;
    id_ = other.id_;
    other.registry_ = nullptr;
  }
  return *this;
}

void Collector::Reset() {
  if (registry_ != nullptr) registry_->RemoveCollector(id_);
  registry_ = nullptr;
}

Registry& Registry::Default() {
  static auto* registry = new Registry();
  return *registry;
}

Registry::Entry& Registry::Find(const std::string& name,
                                const std::string& help,
                                const std::string& type) {
  Entry& e = entries_[name];
  if (e.type.empty()) {
    e.help = help;
    e.type = type;
  }
  return e;
}

Family<Counter>& Registry::AddCounter(const std::string& name,
                                      const std::string& help,
                                      std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  Entry& e = Find(name, help, "counter");
  if (e.counters == nullptr) {
    e.counters = std::make_unique<Family<Counter>>(std::move(label_names));
  }
  return *e.counters;
}

Family<Gauge>& Registry::AddGauge(const std::string& name,
                                  const std::string& help,
                                  std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  Entry& e = Find(name, help, "gauge");
  if (e.gauges == nullptr) {
    e.gauges = std::make_unique<Family<Gauge>>(std::move(label_names));
  }
  return *e.gauges;
}

Family<Histogram>& Registry::AddHistogram(const std::string& name,
                                          const std::string& help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  absl::MutexLock lock(&mu_);
  Entry& e = Find(name, help, "histogram");
  if (e.histograms == nullptr) {
    std::sort(bounds.begin(), bounds.end());
    e.histograms = std::make_unique<Family<Histogram>>(std::move(label_names),
                                                       std::move(bounds));
  }
  return *e.histograms;
}

Collector Registry::AddCollector(CollectFunction collect) {
  absl::MutexLock lock(&collectors_mu_);
  uint64_t id = next_collector_++;
  collectors_[id] = std::move(collect);
  return Collector(this, id);
}

void Registry::RemoveCollector(uint64_t id) {
  absl::MutexLock lock(&collectors_mu_);
  collectors_.erase(id);
}

std::string Registry::Render() const {
  std::map<std::string, Block> blocks;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, e] : entries_) {
      Block& b = blocks[name];
      b.help = e.help;
      b.type = e.type;
      if (e.counters != nullptr) {
        for (const auto& [values, c] : e.counters->Children()) {
          b.lines.push_back(name +
                            LabelText(e.counters->label_names(), values) + " " +
                            std::to_string(c->value()));
        }
      }
      if (e.gauges != nullptr) {
        for (const auto& [values, g] : e.gauges->Children()) {
          b.lines.push_back(name + LabelText(e.gauges->label_names(), values) +
                            " " + FormatValue(g->value()));
        }
      }
      if (e.histograms != nullptr) {
        const auto& names = e.histograms->label_names();
        for (const auto& [values, h] : e.histograms->Children()) {
          std::vector<uint64_t> counts = h->BucketCounts();
          uint64_t cumulative = 0;
          for (size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            std::string le =
                i < h->bounds().size() ? FormatValue(h->bounds()[i]) : "+Inf";
            b.lines.push_back(name + "_bucket" +
                              LabelText(names, values, "le=\"" + le + "\"") +
                              " " + std::to_string(cumulative));
          }
          std::string labels = LabelText(names, values);
          b.lines.push_back(name + "_sum" + labels + " " +
                            FormatValue(h->sum()));
          b.lines.push_back(name + "_count" + labels + " " +
                            std::to_string(cumulative));
        }
      }
    }
  }
  {
    // Held while collecting, so a Collector being destroyed waits for this.
    absl::MutexLock lock(&collectors_mu_);
    std::vector<Sample> samples;
    for (const auto& [id, collect] : collectors_) collect(&samples);
    for (const Sample& s : samples) {
      Block& b = blocks[s.name];
      if (b.type.empty()) {
        b.help = s.help;
        b.type = s.type;
      }
      std::vector<std::string> names, values;
      for (const auto& [n, v] : s.labels) {
        names.push_back(n);
        values.push_back(v);
      }
      b.lines.push_back(s.name + LabelText(names, values) + " " +
                        FormatValue(s.value));
    }
  }
  std::string out;
  for (const auto& [name, b] : blocks) {
    if (b.lines.empty()) continue;
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(b.help), "\n",
                    "# TYPE ", name, " ", b.type, "\n");
    for (const std::string& line : b.lines) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string EscapeLabelValue(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  // Plain decimals where they stay short (bucket bounds such as 0.0005
  // read as Prometheus' own clients print them), exponents beyond.
  double magnitude = std::fabs(v);
  auto result =
      magnitude >= 1e-4 && magnitude < 1e15
          ? std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed)
          : std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

}  // namespace scim::metrics
