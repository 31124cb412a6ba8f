// Event log figures (issue: foundation):
//  - batched append of ~200-byte events, synchronous=FULL, batches of 1,000;
//  - replay from the log into projections.
// Prints medians over several runs. Usage: event_log_bench [--events N] [--runs R] [--dir D]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/catalog_projection.h"
#include "core/event_codec.h"
#include "store/event_log.h"
#include "store/projection_host.h"

using namespace tributary;
using Stopwatch = std::chrono::steady_clock;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ~200-byte payloads: a progress event with realistic names.
NewEvent MakeEvent(std::int64_t offset) {
  NewEvent e;
  const auto group = "payments-settlement-consumer-" + std::to_string(offset % 5000);
  const auto topic = "payments.settlements.v2-" + std::to_string(offset % 100);
  e.event = ConsumerProgress{NodeId::Group("prod-eu-west-1", group),
                             NodeId::Topic("prod-eu-west-1", topic), 1000000 + offset, 12, 340};
  e.event_time = FromMillis(1764080206123 + offset);
  e.source = "prod-eu-west-1/__consumer_offsets";
  e.source_key = SourceKey{static_cast<std::int32_t>(offset % 50), offset, 0};
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t events = 200000;
  std::int64_t replay_events = 1000000;
  int runs = 5;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events") {
      events = std::atoll(argv[i + 1]);
    } else if (a == "--replay-events") {
      replay_events = std::atoll(argv[i + 1]);
    } else if (a == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (a == "--dir") {
      base = argv[i + 1];
    }
  }
  constexpr int kBatch = 1000;
  SystemClock clock;

  {
    std::string payload;
    codec::EncodePayload(MakeEvent(123456).event, payload);
    std::printf("event payload: %zu bytes (MessagePack), plus type/time/source columns\n",
                payload.size());
  }

  // Append.
  std::vector<double> rates;
  for (int run = 0; run < runs; ++run) {
    const auto dir = base / ("tributary-bench-append-" + std::to_string(run));
    std::filesystem::remove_all(dir);
    auto log = std::move(EventLog::Open(dir, clock)).value();
    std::vector<Batch> batches;
    for (std::int64_t i = 0; i < events; i += kBatch) {
      Batch b;
      for (std::int64_t j = i; j < std::min(events, i + kBatch); ++j) {
        b.events.push_back(MakeEvent(j));
      }
      b.offsets.push_back({"prod-eu-west-1/__consumer_offsets", 0, i + kBatch});
      batches.push_back(std::move(b));
    }
    const auto start = Stopwatch::now();
    for (const auto& b : batches) {
      if (!log->Append(b).ok()) {
        std::fprintf(stderr, "append failed\n");
        return 1;
      }
    }
    const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
    rates.push_back(static_cast<double>(events) / secs);
    std::filesystem::remove_all(dir);
  }
  std::printf(
      "append (synchronous=FULL, WAL, batches of %d): median %.0f events/s over %d runs of %lld "
      "events\n",
      kBatch, Median(rates), runs, static_cast<long long>(events));

  // Replay.
  const auto dir = base / "tributary-bench-replay";
  std::filesystem::remove_all(dir);
  {
    auto log = std::move(EventLog::Open(dir, clock)).value();
    for (std::int64_t i = 0; i < replay_events; i += kBatch) {
      Batch b;
      for (std::int64_t j = i; j < std::min(replay_events, i + kBatch); ++j) {
        b.events.push_back(MakeEvent(j));
      }
      if (!log->Append(b).ok()) {
        return 1;
      }
    }
  }
  std::vector<double> replay_rates;
  for (int run = 0; run < std::max(1, runs / 2 + 1); ++run) {
    auto log = std::move(EventLog::Open(dir, clock)).value();
    EventCountsProjection counts;
    CatalogProjection catalog;
    ProjectionHost host(*log, {&counts, &catalog});
    const auto start = Stopwatch::now();
    if (!host.Replay().ok()) {
      std::fprintf(stderr, "replay failed\n");
      return 1;
    }
    const double secs = std::chrono::duration<double>(Stopwatch::now() - start).count();
    replay_rates.push_back(static_cast<double>(host.applied_seq().value()) / secs);
  }
  std::printf(
      "replay (read + decode + apply to 2 projections): median %.0f events/s over %lld events\n",
      Median(replay_rates), static_cast<long long>(replay_events));
  std::filesystem::remove_all(dir);
  return 0;
}
