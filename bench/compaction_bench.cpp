// The event log after a year of progress sampling, with and without
// `[store] compact_after = "90d"` (the operations issue).
//
// Each simulated day appends the day's `consumer_progress` samples of every
// group (one per group every 10 minutes, the default progress_interval),
// recorded on that day; with compaction, the day's `log_compacted` marker
// follows and its removal steps run (5,000 events each, as the service runs
// them between batches) until nothing is left to do. Prints the file size and
// the pages in use at the end of the year, the events kept, and the time the
// removal took.
//
//   compaction_bench [--groups N] [--days D] [--dir DIR] [--only full|compacted]
//
// --only runs one of the two years (10,000 groups without compaction need
// about 96 GB of disk).

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "store/event_log.h"

using namespace tributary;
using Stopwatch = std::chrono::steady_clock;

namespace {

constexpr auto kDay = std::chrono::hours(24);
constexpr int kSamplesPerDay = 144;  // every 10 minutes

struct Outcome {
  std::int64_t events = 0;
  double file_gb = 0;
  double used_gb = 0;
  double write_s = 0;
  double compact_s = 0;
};

double Seconds(Stopwatch::duration d) { return std::chrono::duration<double>(d).count(); }

Outcome Year(const std::filesystem::path& dir, int groups, int days, bool compact) {
  std::filesystem::remove_all(dir);
  const Timestamp start = FromMillis(1767225600000);  // 2026-01-01
  FakeClock clock(start);
  auto log = std::move(EventLog::Open(dir, clock)).value();
  Outcome out;
  constexpr std::size_t kBatch = 20000;
  for (int d = 0; d < days; ++d) {
    const Timestamp day = start + kDay * d;
    const auto write_start = Stopwatch::now();
    Batch batch;
    const auto flush = [&] {
      if (auto r = log->Append(batch); !r.ok()) {
        std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
        std::exit(1);
      }
      batch = Batch{};
    };
    for (int s = 0; s < kSamplesPerDay; ++s) {
      const Timestamp at = day + std::chrono::minutes(10) * s;
      clock.Set(at);
      for (int g = 0; g < groups; ++g) {
        const auto group = NodeId::Group("prod-eu-west-1", "svc-" + std::to_string(g));
        const auto topic =
            NodeId::Topic("prod-eu-west-1", "domain.events-" + std::to_string(g % 500));
        if (d == 0 && s == 0) {
          batch.events.push_back(
              NewEvent{ConsumerStarted{group, topic, "observed", "consumer_offsets"}, at,
                       "prod/__consumer_offsets", std::nullopt, std::nullopt});
        }
        batch.events.push_back(NewEvent{
            ConsumerProgress{group, topic, (static_cast<std::int64_t>(d) * 144 + s) * 1000, 12, 40},
            at, "prod/__consumer_offsets", std::nullopt, std::nullopt});
        if (batch.events.size() >= kBatch) {
          flush();
        }
      }
    }
    flush();
    out.write_s += Seconds(Stopwatch::now() - write_start);
    if (compact) {
      const auto compact_start = Stopwatch::now();
      const std::int64_t at = ToMillis(day + kDay - kDay * 90);
      if (at > 0) {
        Batch marker;
        const Timestamp cutoff = FromMillis(at - at % ToMillis(FromMillis(0) + kDay));
        marker.events.push_back(NewEvent{LogCompacted{cutoff, {}}, day + kDay, "store",
                                         std::nullopt,
                                         "log_compacted/" + std::to_string(ToMillis(cutoff))});
        if (auto r = log->Append(marker); !r.ok()) {
          std::fprintf(stderr, "marker: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
        for (;;) {
          auto step = log->CompactStep(5000);
          if (!step.ok()) {
            std::fprintf(stderr, "compaction: %s\n", step.status().ToString().c_str());
            std::exit(1);
          }
          if (!step->more) {
            break;
          }
        }
      }
      out.compact_s += Seconds(Stopwatch::now() - compact_start);
    }
    if ((d + 1) % 30 == 0 || d + 1 == 90) {
      // Up to day 90 nothing is old enough to remove: the two logs are alike.
      std::fprintf(
          stderr, "  day %d: file %.2f GB\n", d + 1,
          static_cast<double>(std::filesystem::file_size(dir / EventLog::kFileName)) / 1e9);
    }
  }
  out.events = *log->CountEvents();
  auto& db = log->database();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const auto pages = db.execAndGet("PRAGMA page_count").getInt64();
  const auto free_pages = db.execAndGet("PRAGMA freelist_count").getInt64();
  const auto page_size = db.execAndGet("PRAGMA page_size").getInt64();
  out.file_gb = static_cast<double>(std::filesystem::file_size(dir / EventLog::kFileName)) / 1e9;
  out.used_gb = static_cast<double>((pages - free_pages) * page_size) / 1e9;
  log.reset();
  std::filesystem::remove_all(dir);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int groups = 1000;
  int days = 365;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "tributary-compaction-bench";
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--groups") == 0) {
      groups = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--days") == 0) {
      days = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--dir") == 0) {
      dir = argv[i + 1];
    } else if (std::strcmp(argv[i], "--only") == 0) {
      only = argv[i + 1];
    }
  }
  if (only != "" && only != "full" && only != "compacted") {
    std::fprintf(stderr, "--only: full or compacted, not %s\n", only.c_str());
    return 2;
  }
  std::printf("%d groups, %d days of progress samples every 10 min (%lld samples)\n", groups, days,
              static_cast<long long>(groups) * kSamplesPerDay * days);
  const auto full = only != "compacted" ? Year(dir / "full", groups, days, false) : Outcome{};
  const auto compacted = only != "full" ? Year(dir / "compacted", groups, days, true) : Outcome{};
  std::printf("%-26s %12s %10s %10s %10s %12s\n", "", "events", "file GB", "used GB", "write s",
              "compaction s");
  if (only != "compacted") {
    std::printf("%-26s %12lld %10.2f %10.2f %10.1f %12s\n", "without compaction",
                static_cast<long long>(full.events), full.file_gb, full.used_gb, full.write_s, "-");
  }
  if (only != "full") {
    std::printf("%-26s %12lld %10.2f %10.2f %10.1f %12.1f\n", "compact_after = 90d",
                static_cast<long long>(compacted.events), compacted.file_gb, compacted.used_gb,
                compacted.write_s, compacted.compact_s);
  }
  if (only == "") {
    std::printf("per group and year: %.1f MB without, %.1f MB with compaction (file)\n",
                full.file_gb * 1000 / groups, compacted.file_gb * 1000 / groups);
  }
  return 0;
}
