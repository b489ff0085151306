#include "common/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/strings/match.h"

namespace scim::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Metrics, CounterRendersHelpTypeAndLabels) {
  Registry r;
  auto& requests =
      r.AddCounter("requests_total", "Requests served.", {"route", "status"});
  requests.WithLabels({"/Users/{id}", "200"}).Increment();
  requests.WithLabels({"/Users/{id}", "200"}).Increment(2);
  requests.WithLabels({"/Users", "404"}).Increment();
  EXPECT_EQ(r.Render(),
            "# HELP requests_total Requests served.\n"
            "# TYPE requests_total counter\n"
            "requests_total{route=\"/Users\",status=\"404\"} 1\n"
            "requests_total{route=\"/Users/{id}\",status=\"200\"} 3\n");
}

TEST(Metrics, SameNameReturnsTheSameFamily) {
  Registry r;
  auto& a = r.AddCounter("c_total", "help", {"x"});
  auto& b = r.AddCounter("c_total", "other help", {"x"});
  EXPECT_EQ(&a, &b);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("latency_seconds", "Latency.", {"m"}, {0.1, 1});
  auto& child = h.WithLabels({"GET"});
  child.Observe(0.05);
  child.Observe(0.1);  // le is inclusive
  child.Observe(0.5);
  child.Observe(7);
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE latency_seconds histogram\n"));
  EXPECT_THAT(text,
              HasSubstr("latency_seconds_bucket{m=\"GET\",le=\"0.1\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("latency_seconds_bucket{m=\"GET\",le=\"1\"} 3\n"));
  EXPECT_THAT(text,
              HasSubstr("latency_seconds_bucket{m=\"GET\",le=\"+Inf\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_sum{m=\"GET\"} 7.65\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_count{m=\"GET\"} 4\n"));
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.AddGauge("g", "line one\nback\\slash", {"v"})
      .WithLabels({"a\"b\\c\nd"})
      .Set(1.5);
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# HELP g line one\\nback\\\\slash\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"a\\\"b\\\\c\\nd\"} 1.5\n"));
}

TEST(Metrics, CollectorSamplesShareOneHeaderAndStopWhenReleased) {
  Registry r;
  Collector a = r.AddCollector([](std::vector<Sample>* out) {
    out->push_back({"db_bytes", "Bytes.", "gauge", {{"db", "a"}}, 10});
  });
  {
    Collector b = r.AddCollector([](std::vector<Sample>* out) {
      out->push_back({"db_bytes", "Bytes.", "gauge", {{"db", "b"}}, 20});
    });
    std::string text = r.Render();
    EXPECT_EQ(text,
              "# HELP db_bytes Bytes.\n# TYPE db_bytes gauge\n"
              "db_bytes{db=\"a\"} 10\ndb_bytes{db=\"b\"} 20\n");
  }
  EXPECT_THAT(r.Render(), Not(HasSubstr("db=\"b\"")));
  Collector moved = std::move(a);
  moved.Reset();
  EXPECT_EQ(r.Render(), "");
}

TEST(Metrics, ConcurrentUpdatesAreAllCounted) {
  Registry r;
  auto& c = r.AddCounter("hits_total", "Hits.", {"route"});
  auto& h = r.AddHistogram("h_seconds", "H.", {"route"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        std::string route = "/r" + std::to_string((i + t) % 5);
        c.WithLabels({route}).Increment();
        h.WithLabels({route}).Observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  uint64_t total = 0;
  for (const auto& [values, child] : c.Children()) total += child->value();
  EXPECT_EQ(total, 40000u);
  EXPECT_THAT(r.Render(), HasSubstr("h_seconds_count{route=\"/r0\"} 8000\n"));
}

TEST(Metrics, FormatValue) {
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(0.0005), "0.0005");
  EXPECT_EQ(FormatValue(6.7911e-05), "6.7911e-05");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(1e300), "1e+300");
}

}  // namespace
}  // namespace scim::metrics
