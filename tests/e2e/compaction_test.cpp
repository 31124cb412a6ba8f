// `[store] compact_after` (the operations issue): a service whose log holds
// 200 days of progress samples and delivery attempts thins those recorded
// before the cutoff to the last of each day, keeps every fact and decision,
// and `tributary replay --verify` over the compacted log equals the live state.
// The removal is a function of the log alone: copies compacted in different
// steps, across a restart, end identical (what keeps replicas the same).

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "app/config.h"
#include "app/service.h"
#include "core/event_codec.h"
#include "store/event_log.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using tributary::testing::ChildProcess;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

constexpr int kDays = 200;
constexpr int kGroups = 20;
constexpr int kSamplesPerDay = 24;
constexpr auto kDay = std::chrono::hours(24);
const Timestamp kStart = FromMillis(1767225600000);  // 2026-01-01T00:00:00Z

NodeId Group(int g) { return NodeId::Group("prod", "svc-" + std::to_string(g)); }
NodeId Topic(int g) { return NodeId::Topic("prod", "orders-" + std::to_string(g % 5)); }

NewEvent At(DomainEvent e, Timestamp t, std::optional<std::string> dedup = std::nullopt) {
  return NewEvent{std::move(e), t, "test", std::nullopt, std::move(dedup)};
}

// 200 days, each recorded on its day: hourly progress samples of 20 groups,
// a notification that fails three times before it is delivered, and facts
// (groups starting and stopping, teams).
void WriteHistory(const std::filesystem::path& dir) {
  FakeClock clock(kStart);
  auto log = std::move(EventLog::Open(dir, clock)).value();
  for (int d = 0; d < kDays; ++d) {
    const Timestamp day = kStart + kDay * d;
    clock.Set(day + 23h);
    Batch batch;
    if (d == 0) {
      for (int g = 0; g < kGroups; ++g) {
        batch.events.push_back(
            At(ConsumerStarted{Group(g), Topic(g), "observed", "consumer_offsets"}, day));
      }
    }
    if (d % 10 == 5) {
      batch.events.push_back(
          At(TeamUpserted{"team-" + std::to_string(d), "Team " + std::to_string(d), {}}, day));
    }
    for (int h = 0; h < kSamplesPerDay; ++h) {
      for (int g = 0; g < kGroups; ++g) {
        batch.events.push_back(
            At(ConsumerProgress{Group(g), Topic(g), (d * 24 + h) * 100, 3, 12}, day + 1h * h));
      }
    }
    const std::string key = "intent-" + std::to_string(d);
    batch.events.push_back(
        At(NotificationQueued{key, "reminder", "team-a", "hook"}, day + 2h, key + "/queued"));
    for (int a = 1; a <= 3; ++a) {
      batch.events.push_back(At(NotificationFailed{key, "hook", a, "503", day + 2h + 1min * a},
                                day + 2h + 1min * a, key + "/failed/" + std::to_string(a)));
    }
    batch.events.push_back(
        At(NotificationDelivered{key, "hook", 4}, day + 2h + 5min, key + "/delivered"));
    REQUIRE(log->Append(batch).ok());
  }
}

struct Row {
  std::int64_t seq;
  std::string type;
  std::int64_t event_time;
  std::string payload;
  bool operator==(const Row&) const = default;
};

std::vector<Row> Rows(const std::filesystem::path& dir) {
  SQLite::Database db((dir / EventLog::kFileName).string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db,
                      "SELECT seq, type, event_time, payload FROM events_readable ORDER BY seq");
  std::vector<Row> rows;
  while (q.executeStep()) {
    const auto payload = q.getColumn(3);
    rows.push_back(Row{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                       q.getColumn(2).getInt64(),
                       std::string(static_cast<const char*>(payload.getBlob()),
                                   static_cast<std::size_t>(payload.getBytes()))});
  }
  return rows;
}

bool Compactable(const Row& r) {
  return r.type == "consumer_progress" || r.type == "notification_failed";
}

std::vector<Row> Facts(const std::vector<Row>& rows) {
  std::vector<Row> out;
  for (const auto& r : rows) {
    if (!Compactable(r)) {
      out.push_back(r);
    }
  }
  return out;
}

std::size_t CountOf(const std::vector<Row>& rows, const std::string& type) {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [&](const Row& r) { return r.type == type; }));
}

}  // namespace

TEST_CASE(
    "compaction thins old progress samples and attempts, keeps every fact and decision, "
    "and replay --verify equals the live state") {
  TempDir dir;
  WriteHistory(dir / "data");
  const auto before = Rows(dir / "data");
  REQUIRE(CountOf(before, "consumer_progress") == kDays * kGroups * kSamplesPerDay);

  // The service runs 200 days after the first: the cutoff is midnight 90 days ago.
  FakeClock clock(kStart + kDay * kDays + 1h);
  Config c;
  c.service.data_dir = (dir / "data").string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.store.compact_after = kDay * 90;
  auto service = std::make_unique<Service>(c, clock);
  REQUIRE(service->Start().ok());
  constexpr int kCompacted = kDays - 90;  // days recorded before the cutoff
  const std::size_t expected_samples = static_cast<std::size_t>(
      kCompacted * kGroups + (kDays - kCompacted) * kGroups * kSamplesPerDay);
  REQUIRE(WaitUntil(
      [&] { return CountOf(Rows(dir / "data"), "consumer_progress") == expected_samples; }, 120s));
  service->Stop();
  service.reset();

  const auto after = Rows(dir / "data");
  CHECK(CountOf(after, "consumer_progress") == expected_samples);
  // One attempt of each day before the cutoff (its last), all three after.
  CHECK(CountOf(after, "notification_failed") ==
        static_cast<std::size_t>(kCompacted + (kDays - kCompacted) * 3));
  // Every fact and decision of the history is there, unchanged, in order;
  // what the service added after it is the marker (and its own decisions).
  const auto facts_before = Facts(before);
  const auto facts_after = Facts(after);
  REQUIRE(facts_after.size() >= facts_before.size() + 1);
  CHECK((std::equal(facts_before.begin(), facts_before.end(), facts_after.begin())));
  CHECK(CountOf(after, "log_compacted") == 1);
  // What stays of a compacted day is its last sample (the newest of each key
  // survives, so the lineage's last_seen is unchanged).
  std::map<std::string, std::int64_t> last_before;
  std::map<std::string, std::int64_t> last_after;
  for (const auto& r : before) {
    if (r.type == "consumer_progress") {
      last_before[r.payload.substr(0, 40)] = r.seq;
    }
  }
  for (const auto& r : after) {
    if (r.type == "consumer_progress") {
      last_after[r.payload.substr(0, 40)] = r.seq;
    }
  }
  CHECK((last_after == last_before));
  const auto day_zero_kept = std::count_if(after.begin(), after.end(), [](const Row& r) {
    return r.type == "consumer_progress" && r.event_time < ToMillis(kStart + kDay);
  });
  CHECK(day_zero_kept == kGroups);
  for (const auto& r : after) {
    if (r.type == "consumer_progress" && r.event_time < ToMillis(kStart + kDay)) {
      CHECK(r.event_time == ToMillis(kStart + 23h));  // the day's last
    }
  }

  // The live state (snapshots written at stop) equals a replay of the compacted log.
  const auto config = dir / "c.toml";
  {
    std::ofstream out(config);
    out << "[service]\ndata_dir = \"" << (dir / "data").string() << "\"\n";
  }
  ChildProcess verify({"replay", "--verify", "--config", config.string()}, dir / "verify.out");
  const int verified = verify.Wait();
  INFO(verify.Output());
  CHECK(verified == 0);
  CHECK_THAT(verify.Output(), Catch::Contains("event_counts replay"));
  CHECK_THAT(verify.Output(), !Catch::Contains("MISMATCH"));

  // Only compaction removes, and only the two high-volume types.
  SQLite::Database db((dir / "data" / EventLog::kFileName).string(), SQLite::OPEN_READWRITE);
  CHECK_THROWS(db.exec("DELETE FROM events WHERE seq = " + std::to_string(facts_after[3].seq)));
  CHECK_THROWS(
      db.exec("DELETE FROM events WHERE type = (SELECT code FROM event_types WHERE name "
              "= 'consumer_progress')"));
  db.exec("INSERT INTO compaction_lock(running) VALUES(1)");
  CHECK_THROWS(db.exec("DELETE FROM events WHERE seq = " + std::to_string(facts_after[3].seq)));
}

TEST_CASE("compaction is a function of the log: different steps and a restart end identical") {
  TempDir dir;
  WriteHistory(dir / "a");
  std::filesystem::create_directories(dir / "b");
  std::filesystem::copy_file(dir / "a" / EventLog::kFileName, dir / "b" / EventLog::kFileName);
  const auto marker = [](EventLog& log) {
    Batch batch;
    batch.events.push_back(At(LogCompacted{kStart + kDay * 110, {}}, kStart + kDay * 200,
                              std::string("log_compacted/110")));
    auto appended = log.Append(batch);
    REQUIRE(appended.ok());
    REQUIRE(appended->completed.size() == 1);
    const auto& filled = std::get<LogCompacted>(appended->completed[0].second);
    REQUIRE(filled.totals.size() == 2);
    CHECK(filled.totals[0].type == "consumer_progress");
    CHECK(filled.totals[0].total == kDays * kGroups * kSamplesPerDay);
    CHECK(filled.totals[1].total == kDays * 3);
  };
  FakeClock clock(kStart + kDay * kDays);
  {
    auto a = std::move(EventLog::Open(dir / "a", clock)).value();
    marker(*a);
    for (;;) {
      auto step = a->CompactStep(100000);
      REQUIRE(step.ok());
      if (!step->more) {
        break;
      }
    }
  }
  {
    // Small steps, and the process "restarts" halfway.
    auto b = std::move(EventLog::Open(dir / "b", clock)).value();
    marker(*b);
    for (int i = 0; i < 40; ++i) {
      REQUIRE(b->CompactStep(777).ok());
    }
  }
  {
    auto b = std::move(EventLog::Open(dir / "b", clock)).value();
    for (;;) {
      auto step = b->CompactStep(777);
      REQUIRE(step.ok());
      if (!step->more) {
        break;
      }
    }
    auto state = b->CompactionState();
    REQUIRE(state.ok());
    CHECK(state->at("consumer_progress").removed == 110 * kGroups * (kSamplesPerDay - 1));
    CHECK(state->at("notification_failed").removed == 110 * 2);
  }
  const auto rows_a = Rows(dir / "a");
  const auto rows_b = Rows(dir / "b");
  CHECK(rows_a.size() == rows_b.size());
  CHECK((rows_a == rows_b));
}
