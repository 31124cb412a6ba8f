// The disk holding the event log fills up while the service ingests: appends
// fail whole (nothing half-applied), ingestion pauses, /readyz answers 503 with
// the reason, reads go on from memory; once there is room again the service
// resumes by itself and every source record is in the log exactly once.
//
// The data dir is a small tmpfs mounted by the test (the "small loop-mounted
// file system" of the operations issue) and grown with a remount: this needs
// root with CAP_SYS_ADMIN, as CI and the development machines run; elsewhere
// the test says it cannot mount and checks nothing.

#include <catch2/catch.hpp>

#include <sys/mount.h>

#include <algorithm>
#include <filesystem>

#include "app/config.h"
#include "app/service.h"
#include "sim/mock_kafka.h"
#include "store/event_log.h"
#include "support/event_pages.h"
#include "support/http_client.h"
#include "support/offset_commits.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::AllEvents;
using tributary::testing::HttpConnection;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

class SmallDisk {
 public:
  SmallDisk(std::filesystem::path at, const std::string& size) : at_(std::move(at)) {
    std::filesystem::create_directories(at_);
    mounted_ = ::mount("tributary-test", at_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) {
      ::umount2(at_.c_str(), MNT_DETACH);
    }
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return mounted_; }
  bool Grow(const std::string& size) {
    return ::mount("tributary-test", at_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) ==
           0;
  }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
};

std::size_t Started(const json& events) {
  return static_cast<std::size_t>(std::count_if(
      events.begin(), events.end(), [](const json& e) { return e["type"] == "consumer_started"; }));
}

}  // namespace

TEST_CASE(
    "a full disk pauses ingestion with a 503 from /readyz, and it resumes with nothing lost") {
  TempDir dir;
  SmallDisk disk(dir / "data", "1m");
  if (!disk.mounted()) {
    WARN(
        "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): the disk-full test did not "
        "run");
    return;
  }
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultTopics())).value();
  constexpr int kGroups = 20000;
  tributary::testing::ProduceGroupCommits(kafka->bootstrap_servers(), 0, kGroups,
                                          ToMillis(SystemClock().Now()));
  Config config;
  config.service.data_dir = (dir / "data").string();
  config.service.http_host = "127.0.0.1";
  config.service.http_port = 0;
  config.clusters.push_back({"local", "", kafka->bootstrap_servers(), {}});
  config.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  SystemClock clock;
  Service service(config, clock);
  REQUIRE(service.Start().ok());
  HttpConnection c(service.http_port());

  // The disk fills: not ready, with the reason, and no path in it.
  testing::HttpResult ready;
  REQUIRE(WaitUntil(
      [&] {
        ready = c.Request("GET", "/readyz");
        return ready.status == 503 && json::parse(ready.body)["status"] == "storage unavailable";
      },
      60s));
  const auto body = json::parse(ready.body);
  CHECK(body["reason"] == "the disk holding the event log is full");
  // Reads go on from memory meanwhile.
  const auto events = c.Request("GET", "/api/v1/events?limit=5");
  CHECK(events.status == 200);
  const auto stored = Started(AllEvents(service.http_port()));
  INFO(stored << " consumers stored before the disk filled");
  CHECK(stored < static_cast<std::size_t>(kGroups));
  CHECK(c.Request("GET", "/api/v1/nodes?kind=group&limit=5").status == 200);
  // Alive all the same: a restart would not help.
  CHECK(c.Request("GET", "/healthz").status == 200);

  // Room again: it resumes by itself.
  REQUIRE(disk.Grow("512m"));
  REQUIRE(WaitUntil([&] { return c.Request("GET", "/readyz").status == 200; }, 60s));
  REQUIRE(WaitUntil([&] { return Started(AllEvents(service.http_port())) >= kGroups; }, 60s));
  const auto all = AllEvents(service.http_port());
  CHECK(Started(all) == static_cast<std::size_t>(kGroups));
  for (std::size_t i = 1; i < all.size(); ++i) {
    REQUIRE(all[i]["seq"].get<std::int64_t>() == all[i - 1]["seq"].get<std::int64_t>() + 1);
  }
  service.Stop();
  auto log = EventLog::Open(dir / "data", clock);
  REQUIRE(log.ok());
  CHECK((*log)->IntegrityCheck().value() == "ok");
  CHECK((*log)->CountEvents().value() == static_cast<std::int64_t>(all.size()));
}
