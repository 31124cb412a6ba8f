// `tributary backup` while the service ingests, then a restore into a new data
// dir: the restored service resumes every source from the backup's offsets,
// and nothing is lost or duplicated (DESIGN.md §5, the operations issue).

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "sim/mock_kafka.h"
#include "support/event_pages.h"
#include "support/offset_commits.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::AllEvents;
using tributary::testing::ChildProcess;
using tributary::testing::ProduceGroupCommits;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

Config NodeConfig(const std::filesystem::path& data_dir, const std::string& bootstrap) {
  Config c;
  c.service.data_dir = data_dir.string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  // Consumer health decides on the wall clock (lag seconds, statuses at each
  // evaluation): the two runs would record different decisions, not the same
  // facts twice. Health is tested end to end in tests/e2e/health_test.cpp.
  c.health.enabled = false;
  return c;
}

// Commit times of now: nobody is idle long enough for a consumer_stopped
// decision, which the wall clock would time differently in the two runs.
std::int64_t Now() { return ToMillis(SystemClock().Now()); }

std::size_t Started(const json& events) {
  return static_cast<std::size_t>(std::count_if(
      events.begin(), events.end(), [](const json& e) { return e["type"] == "consumer_started"; }));
}

// An event as the log holds it, without when this process recorded it.
json Fact(json e) {
  e.erase("recorded_at");
  return e;
}

}  // namespace

TEST_CASE(
    "a backup taken while ingesting restores into a new data dir with nothing lost or twice") {
  TempDir dir;
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultTopics())).value();
  constexpr int kBefore = 3000;
  constexpr int kDuring = 3000;
  ProduceGroupCommits(kafka->bootstrap_servers(), 0, kBefore, Now());
  SystemClock clock;
  auto original =
      std::make_unique<Service>(NodeConfig(dir / "a", kafka->bootstrap_servers()), clock);
  REQUIRE(original->Start().ok());
  const auto port = original->http_port();
  REQUIRE(WaitUntil([&] { return Started(AllEvents(port)) == kBefore; }, 60s));

  const auto config = dir / "a.toml";
  {
    std::ofstream out(config);
    out << "[service]\ndata_dir = \"" << (dir / "a").string() << "\"\n";
  }
  // The backup runs while more commits are ingested.
  std::thread load(
      [&] { ProduceGroupCommits(kafka->bootstrap_servers(), kBefore, kDuring, Now()); });
  const auto copy = dir / "tributary.backup";
  ChildProcess backup({"backup", "--config", config.string(), copy.string()}, dir / "backup.out");
  const int backup_exit = backup.Wait();
  load.join();
  INFO(backup.Output());
  REQUIRE(backup_exit == 0);
  CHECK_THAT(backup.Output(), Catch::Contains("backed up the event log through seq"));
  REQUIRE(WaitUntil([&] { return Started(AllEvents(port)) == kBefore + kDuring; }, 60s));
  const auto before = AllEvents(port);
  original->Stop();
  original.reset();

  // Restore: the copy becomes the new data dir's tributary.db.
  std::filesystem::create_directories(dir / "b");
  std::filesystem::copy_file(copy, dir / "b" / "tributary.db");
  Service restored(NodeConfig(dir / "b", kafka->bootstrap_servers()), clock);
  REQUIRE(restored.Start().ok());
  json after;
  REQUIRE(WaitUntil(
      [&] {
        after = AllEvents(restored.http_port());
        return Started(after) >= kBefore + kDuring;
      },
      60s));
  std::this_thread::sleep_for(1s);  // anything read twice would show by now
  after = AllEvents(restored.http_port());
  CHECK(Started(after) == kBefore + kDuring);
  CHECK(after.size() == before.size());
  // What the backup held is the original's prefix, seq for seq.
  std::size_t prefix = 0;
  while (prefix < after.size() && prefix < before.size() &&
         Fact(after[prefix]) == Fact(before[prefix])) {
    ++prefix;
  }
  INFO("identical prefix of " << prefix << " events");
  CHECK(prefix >= static_cast<std::size_t>(kBefore));
  // The rest was read again from the backup's source offsets: the same facts.
  std::multiset<std::string> a;
  std::multiset<std::string> b;
  for (const auto& e : before) {
    a.insert(e["type"].dump() + e["data"].dump());
  }
  for (const auto& e : after) {
    b.insert(e["type"].dump() + e["data"].dump());
  }
  CHECK(a == b);
}
