// Restart and backup figures of a large event log (the operations issue):
//  1. a log of N events (default 10M: consumers starting on topics, then their
//     progress samples, as offset-commit folding writes them) is written with
//     the event log's own appends;
//  2. restart to ready: `tributary serve` on it (no sources), timed from the
//     process start to /readyz answering 200 — without snapshots (the
//     snapshots table emptied before each start) and with the snapshots the
//     service wrote; each killed with SIGKILL once ready, R runs each, medians;
//  3. what a snapshot of that state costs the writer thread: the service's
//     projections recovered in this process, then snapshots written on the
//     calling thread (WriteSnapshots) and in the background
//     (MaybeWriteSnapshots: the caller only captures), R runs each, medians;
//  4. the log grown to G GB (default 5) and backed up while events are
//     appended on another connection: the backup's time, and the appends.
// Usage: restart_bench [--events N] [--runs R] [--backup-gb G] [--dir D]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "graph/lineage_projection.h"
#include "store/event_log.h"
#include "store/projection_host.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/smtp_sink.h"

using namespace tributary;
using namespace std::chrono_literals;
using Stopwatch = std::chrono::steady_clock;

namespace {

double Seconds(Stopwatch::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Events [from, to) of the log: 100k consumers over 1,000 topics start, then
// report progress in turn. Stops early when `stop` becomes true.
void AppendEvents(EventLog& log, std::int64_t from, std::int64_t to,
                  const std::atomic<bool>* stop = nullptr) {
  constexpr int kConsumers = 100000;
  constexpr int kBatch = 20000;
  const auto t0 = SystemClock().Now() - std::chrono::hours(24 * 30);
  std::int64_t written = from;
  while (written < to && (stop == nullptr || !stop->load())) {
    Batch batch;
    for (int i = 0; i < kBatch && written < to; ++i, ++written) {
      const auto c = static_cast<int>(written % kConsumers);
      const auto group = NodeId::Group("prod", "svc-" + std::to_string(c));
      const auto topic = NodeId::Topic("prod", "domain.events-" + std::to_string(c % 1000));
      const auto at = t0 + std::chrono::milliseconds(written * 250);
      if (written < kConsumers) {
        batch.events.push_back(
            NewEvent{ConsumerStarted{group, topic, "observed", "consumer_offsets"}, at,
                     "prod/__consumer_offsets", std::nullopt, std::nullopt});
      } else {
        batch.events.push_back(NewEvent{ConsumerProgress{group, topic, written, 12, 40}, at,
                                        "prod/__consumer_offsets", std::nullopt, std::nullopt});
      }
    }
    if (auto r = log.Append(batch); !r.ok()) {
      std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
  }
}

void WriteLog(const std::filesystem::path& dir, std::int64_t events) {
  SystemClock clock;
  auto log = std::move(EventLog::Open(dir, clock)).value();
  const auto start = Stopwatch::now();
  AppendEvents(*log, 0, events);
  std::printf("log: %lld events written in %.1f s\n", static_cast<long long>(events),
              Seconds(Stopwatch::now() - start));
}

// Seconds from the process start to /readyz 200.
double StartToReady(const std::filesystem::path& config, std::uint16_t port,
                    const std::filesystem::path& out) {
  const auto start = Stopwatch::now();
  testing::ChildProcess serve({"serve", "--config", config.string()}, out);
  for (;;) {
    try {
      if (testing::HttpGet(port, "/readyz").status == 200) {
        break;
      }
    } catch (const std::exception&) {
    }
    if (Stopwatch::now() - start > 600s || serve.Output().find("error") != std::string::npos) {
      std::fprintf(stderr, "not ready:\n%s\n", serve.Output().c_str());
      std::exit(1);
    }
    std::this_thread::sleep_for(20ms);
  }
  const double secs = Seconds(Stopwatch::now() - start);
  serve.Signal(SIGKILL);
  serve.Wait();
  return secs;
}

double Millis(std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000; }

// Step 3: the writer thread's pause for a snapshot, synchronous and background.
void SnapshotCost(const std::filesystem::path& data, int runs) {
  SystemClock clock;
  auto log = std::move(EventLog::Open(data, clock)).value();
  CatalogProjection catalog;
  SchemaProjection schemas;
  EventCountsProjection counts;
  graph::LineageProjection lineage;
  ProjectionHost host(*log, {&catalog, &schemas, &counts, &lineage});
  const auto start = Stopwatch::now();
  if (auto s = host.Replay(); !s.ok()) {
    std::fprintf(stderr, "replay: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  std::printf("projections rebuilt in process: %.1f s\n", Seconds(Stopwatch::now() - start));
  // One event more before each snapshot, so that one is due.
  std::int64_t next = log->LastSeq().value().value();
  const auto one_more = [&] {
    Batch b;
    b.events.push_back(
        NewEvent{ConsumerProgress{NodeId::Group("prod", "svc-0"),
                                  NodeId::Topic("prod", "domain.events-0"), ++next, 12, 40},
                 SystemClock().Now(), "bench", std::nullopt, std::nullopt});
    auto appended = log->Append(b);
    if (!appended.ok()) {
      std::fprintf(stderr, "append: %s\n", appended.status().ToString().c_str());
      std::exit(1);
    }
    host.Apply(EventLog::AppendedRecords(b, *appended));
  };
  std::vector<double> sync_pause;
  std::vector<double> background_pause;
  std::vector<double> background_write;
  for (int r = 0; r < runs; ++r) {
    one_more();
    auto t0 = Stopwatch::now();
    if (auto s = host.WriteSnapshots(); !s.ok()) {
      std::fprintf(stderr, "snapshots: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    sync_pause.push_back(Seconds(Stopwatch::now() - t0) * 1000);
    one_more();
    t0 = Stopwatch::now();
    auto started = host.MaybeWriteSnapshots(1);
    background_pause.push_back(Seconds(Stopwatch::now() - t0) * 1000);
    if (auto s = started.ok() ? host.FinishSnapshots() : started; !s.ok()) {
      std::fprintf(stderr, "snapshots: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    background_write.push_back(Millis(host.last_snapshot()->write));
  }
  std::printf(
      "snapshot of %.1f MB (lineage: %u nodes, %u edges): the writer thread paused %.1f ms "
      "writing it itself, %.2f ms when written in the background (which took %.1f ms); "
      "medians of %d\n",
      static_cast<double>(host.last_snapshot()->bytes) / 1e6, lineage.stats().nodes,
      lineage.stats().edges, Median(sync_pause), Median(background_pause), Median(background_write),
      runs);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t events = 10'000'000;
  int runs = 3;
  double backup_gb = 5;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--events") {
      events = std::atoll(argv[i + 1]);
    } else if (a == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (a == "--backup-gb") {
      backup_gb = std::atof(argv[i + 1]);
    } else if (a == "--dir") {
      base = argv[i + 1];
    }
  }
  const auto dir = base / "tributary-bench-restart";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto data = dir / "data";
  WriteLog(data, events);
  const auto db = data / EventLog::kFileName;
  std::printf("log file: %.2f GB\n", static_cast<double>(std::filesystem::file_size(db)) / 1e9);

  const std::uint16_t port = testing::FreePort();
  const auto config = dir / "tributary.toml";
  std::ofstream(config) << "[service]\ndata_dir = \"" << data.string()
                        << "\"\nhttp_listen = \"127.0.0.1:" << port << "\"\n";

  std::vector<double> without;
  std::vector<double> with;
  for (int r = 0; r < runs; ++r) {
    {
      SQLite::Database d(db.string(), SQLite::OPEN_READWRITE);
      d.exec("DELETE FROM snapshots");
    }
    without.push_back(StartToReady(config, port, dir / "serve.out"));
    std::printf("restart to ready without snapshots: %.2f s\n", without.back());
  }
  {
    // The service writes snapshots after a recovery that applied many events;
    // make sure they are there whatever the timing of the kills above.
    testing::ChildProcess replay({"replay", "--config", config.string()}, dir / "replay.out");
    if (replay.Wait() != 0) {
      std::fprintf(stderr, "replay failed\n");
      return 1;
    }
  }
  for (int r = 0; r < runs; ++r) {
    with.push_back(StartToReady(config, port, dir / "serve.out"));
    std::printf("restart to ready with snapshots: %.2f s\n", with.back());
  }
  std::printf("restart to ready, %lld events: median %.2f s without snapshots, %.2f s with\n",
              static_cast<long long>(events), Median(without), Median(with));
  SnapshotCost(data, std::max(runs, 5));

  // The log grows to `backup_gb`, then is backed up while appends go on.
  SystemClock clock;
  auto log = std::move(EventLog::Open(data, clock)).value();
  std::int64_t total = events;
  while (static_cast<double>(std::filesystem::file_size(db)) / 1e9 < backup_gb) {
    AppendEvents(*log, total, total + 1'000'000);
    total += 1'000'000;
  }
  std::printf("log grown to %lld events, %.2f GB\n", static_cast<long long>(total),
              static_cast<double>(std::filesystem::file_size(db)) / 1e9);
  const auto copy = dir / "backup.db";
  std::atomic<bool> done{false};
  std::int64_t during = 0;
  std::thread writer([&] {
    const auto before = log->LastSeq().value().value();
    AppendEvents(*log, total, INT64_MAX, &done);
    during = log->LastSeq().value().value() - before;
  });
  const auto start = Stopwatch::now();
  testing::ChildProcess backup({"backup", "--config", config.string(), copy.string()},
                               dir / "backup.out");
  const int rc = backup.Wait();
  const double secs = Seconds(Stopwatch::now() - start);
  done = true;
  writer.join();
  if (rc != 0) {
    std::fprintf(stderr, "backup failed:\n%s\n", backup.Output().c_str());
    return 1;
  }
  std::printf("backup of a %.2f GB log while %lld events were appended (%.0f events/s): %.1f s\n",
              static_cast<double>(std::filesystem::file_size(copy)) / 1e9,
              static_cast<long long>(during), static_cast<double>(during) / secs, secs);
  std::filesystem::remove_all(dir);
  return 0;
}
