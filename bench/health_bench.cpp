// Consumer health (DESIGN.md §10, issue 14):
//   1. evaluation of 50k groups x 12 partitions after a batch of end offsets:
//      the model alone (Burrow's rules, lag, lag seconds) and the whole
//      decider tick (status changes compared with the decided state, the view
//      published for the API); median of 7 batches;
//   2. ListOffsets requests per interval for 100k partitions: librdkafka's
//      mock cluster (3 brokers) holds them; the end offsets of all are fetched
//      the way EndOffsetsSource does (rd_kafka_offsets_for_times with the
//      latest timestamp) and the ListOffsets requests librdkafka sent are
//      counted from its statistics (brokers[].req.ListOffsets).
//
//   health_bench [--groups N] [--partitions N] [--list-offsets-partitions N]

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "health/health_model.h"
#include "health/health_tracker.h"
#include "sim/mock_kafka.h"

using namespace tributary;
using Stopwatch = std::chrono::steady_clock;

namespace {

double Ms(Stopwatch::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Evaluation(int groups, int partitions) {
  constexpr int kGroupsPerTopic = 10;
  const int topics = groups / kGroupsPerTopic;
  health::HealthModel model({"bench", 10, std::chrono::seconds(1), 32});
  std::int64_t t = 1'764'000'000'000;
  const auto fill_start = Stopwatch::now();
  // A full window of 10 commits per (group, partition), 10 s apart.
  for (int c = 0; c < 10; ++c) {
    for (int g = 0; g < groups; ++g) {
      const std::string group = "group-" + std::to_string(g);
      const std::string topic = "topic-" + std::to_string(g % topics);
      for (int p = 0; p < partitions; ++p) {
        // Some keep up, some fall behind, some stall.
        const std::int64_t offset = g % 3 == 2 ? 1000 : 1000 + c * (g % 3 == 0 ? 100 : 50);
        model.OnCommit(group, topic, p, offset, t + c * 10'000);
      }
    }
  }
  const double fill_ms = Ms(Stopwatch::now() - fill_start);
  std::printf(
      "model: %d groups x %d partitions (%d topics), %lld commits folded in %.0f ms "
      "(%.1fM commits/s)\n",
      groups, partitions, topics, static_cast<long long>(groups) * partitions * 10, fill_ms,
      static_cast<double>(groups) * partitions * 10 / fill_ms / 1000.0);
  CatalogProjection catalog;
  health::HealthTracker tracker({std::chrono::seconds(30), std::chrono::minutes(10), 0.8}, {&model},
                                catalog, nullptr);
  std::vector<double> model_ms;
  std::vector<double> tick_ms;
  std::vector<health::EndOffset> ends;
  for (int round = 0; round < 8; ++round) {
    ends.clear();
    for (int tp = 0; tp < topics; ++tp) {
      for (int p = 0; p < partitions; ++p) {
        ends.push_back({"topic-" + std::to_string(tp), p, 2000 + round * 100});
      }
    }
    const std::int64_t now = t + 100'000 + round * 30'000;
    model.ObserveEndOffsets(ends, now);
    auto start = Stopwatch::now();
    const auto ev = model.Evaluate(now);
    model_ms.push_back(Ms(Stopwatch::now() - start));
    // The whole decider tick: evaluation, decisions, view.
    model.ObserveEndOffsets(ends, now + 1);
    Batch out;
    start = Stopwatch::now();
    tracker.Tick(FromMillis(now + 1), out);
    tick_ms.push_back(Ms(Stopwatch::now() - start));
    // Apply the decisions, as the log writer does, so later ticks compare against them.
    for (auto& e : out.events) {
      tracker.Apply(EventRecord{EventSeq(1), e.event_time, e.event_time, e.source, e.event});
    }
    if (round == 0) {
      std::printf("first tick: %zu consumer_status_changed decisions for %zu groups\n",
                  out.events.size(), ev.groups.size());
    }
  }
  model_ms.erase(model_ms.begin());  // the first evaluation fills in lags: not a steady state
  tick_ms.erase(tick_ms.begin());    // the first tick records every group's first status
  std::printf(
      "evaluation after a batch of %zu end offsets, %d x %d partitions: model median "
      "%.1f ms, decider tick (evaluation + decisions + published view) median %.1f ms "
      "(7 batches; target < 200 ms)\n",
      ends.size(), groups, partitions, Median(model_ms), Median(tick_ms));
}

struct Stats {
  std::mutex mu;
  long long list_offsets = 0;
};

int StatsCallback(rd_kafka_t*, char* json, size_t len, void* opaque) {
  auto* stats = static_cast<Stats*>(opaque);
  const auto j = nlohmann::json::parse(std::string(json, len), nullptr, false);
  long long total = 0;
  if (j.is_object() && j.contains("brokers")) {
    for (const auto& [name, b] : j["brokers"].items()) {
      if (b.contains("req") && b["req"].contains("ListOffsets")) {
        total += b["req"]["ListOffsets"].get<long long>();
      }
    }
  }
  std::lock_guard lock(stats->mu);
  stats->list_offsets = total;
  return 0;
}

void ListOffsets(int partitions_total, int batch) {
  constexpr int kPartitionsPerTopic = 1000;
  constexpr int kBrokers = 3;
  const int topics = partitions_total / kPartitionsPerTopic;
  std::vector<sim::MockTopic> mock_topics;
  for (int t = 0; t < topics; ++t) {
    mock_topics.push_back({"events-" + std::to_string(t), kPartitionsPerTopic});
  }
  auto kafka = sim::MockKafka::Start(kBrokers, mock_topics);
  if (!kafka.ok()) {
    std::printf("mock cluster: %s\n", kafka.status().message().c_str());
    return;
  }
  Stats stats;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", (*kafka)->bootstrap_servers().c_str(), errstr,
                    sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", "health-bench", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "statistics.interval.ms", "100", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_conf_set_stats_cb(conf, StatsCallback);
  rd_kafka_conf_set_opaque(conf, &stats);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  auto* list = rd_kafka_topic_partition_list_new(partitions_total);
  for (int t = 0; t < topics; ++t) {
    for (int p = 0; p < kPartitionsPerTopic; ++p) {
      rd_kafka_topic_partition_list_add(list, ("events-" + std::to_string(t)).c_str(), p)->offset =
          RD_KAFKA_OFFSET_END;
    }
  }
  auto read_stats = [&] {
    for (int i = 0; i < 5; ++i) {
      rd_kafka_poll(rk, 100);
    }
    std::lock_guard lock(stats.mu);
    return stats.list_offsets;
  };
  const auto before = read_stats();
  std::vector<double> ms;
  long long requests = 0;
  int fetched = 0;
  constexpr int kIntervals = 3;
  for (int i = 0; i < kIntervals; ++i) {
    for (int k = 0; k < list->cnt; ++k) {
      list->elems[k].offset = RD_KAFKA_OFFSET_END;
    }
    const auto start = Stopwatch::now();
    fetched = 0;
    // In rounds of `batch` partitions, as EndOffsetsSource does.
    for (int from = 0; from < list->cnt; from += batch) {
      auto* part = rd_kafka_topic_partition_list_new(batch);
      for (int k = from; k < std::min(list->cnt, from + batch); ++k) {
        rd_kafka_topic_partition_list_add(part, list->elems[k].topic, list->elems[k].partition)
            ->offset = RD_KAFKA_OFFSET_END;
      }
      const auto err = rd_kafka_offsets_for_times(rk, part, 60'000);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::printf("offsets_for_times: %s\n", rd_kafka_err2str(err));
      }
      for (int k = 0; k < part->cnt; ++k) {
        fetched += part->elems[k].err == RD_KAFKA_RESP_ERR_NO_ERROR ? 1 : 0;
      }
      rd_kafka_topic_partition_list_destroy(part);
    }
    ms.push_back(Ms(Stopwatch::now() - start));
  }
  requests = read_stats() - before;
  std::printf(
      "ListOffsets for %d partitions (%d topics, %d brokers), rounds of %d: %lld requests "
      "in %d intervals = %.1f per interval (librdkafka statistics); %d end offsets per "
      "interval; median %.0f ms per interval\n",
      partitions_total, topics, kBrokers, batch, requests, kIntervals,
      static_cast<double>(requests) / kIntervals, fetched, Median(ms));
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
}

}  // namespace

int main(int argc, char** argv) {
  int groups = 50'000;
  int partitions = 12;
  int list_offsets_partitions = 100'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::stoi(argv[i + 1]);
    if (a == "--groups") {
      groups = v;
    } else if (a == "--partitions") {
      partitions = v;
    } else if (a == "--list-offsets-partitions") {
      list_offsets_partitions = v;
    }
  }
  Evaluation(groups, partitions);
  ListOffsets(list_offsets_partitions, 10'000);  // as EndOffsetsSource does
  if (list_offsets_partitions <= 100'000) {
    ListOffsets(list_offsets_partitions, list_offsets_partitions);  // one round: fewest requests
  }
  return 0;
}
