// Replication figures (issue 13, DESIGN.md §8), in one run:
//  1. ingest: the same backlog of offset commits read by a single node and by a
//     replicated leader (each on its own in-process mock cluster), records/s;
//  2. a follower started afterwards applies the leader's events topic: events/s;
//  3. a lineage read on the leader and on a follower: one client, serial
//     requests, p50 latency and requests/s (the same code path: reads never
//     touch Kafka; the difference is the leader's own work);
//  4. failover: three `tributary serve` processes on `tributary devbroker`, the
//     leader killed with SIGKILL K times: seconds until another replica leads
//     (median, max).
// Usage: replication_bench [--records N] [--kills K] [--binary PATH]

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/service.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "sim/mock_kafka.h"
#include "support/http_client.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/smtp_sink.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
namespace co = tributary::ingest::consumer_offsets;
using Stopwatch = std::chrono::steady_clock;

namespace {

const std::int64_t kStart = ToMillis(SystemClock().Now());

void Preload(const std::string& bootstrap, std::int64_t count) {
  testing::KafkaProducer producer(bootstrap);
  for (std::int64_t i = 0; i < count; ++i) {
    co::OffsetCommit c;
    const auto group = i % 10000;
    c.group = "svc-" + std::to_string(group) + "-consumer";
    c.topic = "domain.events.v1-" + std::to_string(group % 100);
    c.partition = static_cast<std::int32_t>((i / 10000) % 12);
    c.offset = 1000000 + i;
    c.commit_timestamp_ms = kStart + i / 10;
    const auto r = co::Encode(c);
    producer.Produce("__consumer_offsets", static_cast<int>(i % 50), r.key, r.value);
  }
  producer.Flush();
}

Config BenchConfig(const std::filesystem::path& dir, const std::string& bootstrap, bool replicated,
                   const std::string& id) {
  Config c;
  c.service.data_dir = (dir / id).string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.service.replica_id = id;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.replication.enabled = replicated;
  c.replication.cluster = "local";
  return c;
}

json GetJson(std::uint16_t port, const std::string& path) {
  try {
    const auto r = testing::HttpGet(port, path);
    return r.status == 200 ? json::parse(r.body) : json();
  } catch (const std::exception&) {
    return json();
  }
}

std::string Role(std::uint16_t port) {
  const auto r = GetJson(port, "/api/v1/replica");
  return r.is_object() ? r.value("role", "") : "";
}

bool Ready(std::uint16_t port) {
  try {
    return testing::HttpGet(port, "/readyz").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

double Since(Stopwatch::time_point t) {
  return std::chrono::duration<double>(Stopwatch::now() - t).count();
}

// Serial lineage reads of random groups: p50 latency (us) and requests/s.
std::pair<double, double> Reads(std::uint16_t port, int n) {
  testing::HttpConnection c(port);
  std::vector<double> us;
  const auto start = Stopwatch::now();
  for (int i = 0; i < n; ++i) {
    const auto t0 = Stopwatch::now();
    const auto r = c.Request("GET", "/api/v1/lineage?node=group:local/svc-" +
                                        std::to_string((i * 7919) % 10000) +
                                        "-consumer&direction=upstream&depth=3");
    us.push_back(std::chrono::duration<double, std::micro>(Stopwatch::now() - t0).count());
    if (r.status != 200) {
      std::fprintf(stderr, "lineage read: HTTP %d\n", r.status);
      std::exit(1);
    }
  }
  const double secs = Since(start);
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], n / secs};
}

void StartOrExit(Service& service, const char* what) {
  if (auto s = service.Start(); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

std::int64_t EventsAppended(std::uint16_t port) {
  testing::HttpConnection c(port);
  const auto body = c.Request("GET", "/metrics").body;
  std::smatch m;
  if (std::regex_search(body, m, std::regex("tributary_ingest_events_total ([0-9.e+]+)"))) {
    return static_cast<std::int64_t>(std::stod(m[1]));
  }
  return 0;
}

void IngestAndReads(std::int64_t records) {
  testing::TempDir dir;
  SystemClock clock;
  // 1. Single node.
  double single_rate = 0;
  {
    auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultTopics())).value();
    Preload(kafka->bootstrap_servers(), records);
    Service single(BenchConfig(dir.path(), kafka->bootstrap_servers(), false, "single"), clock);
    const auto start = Stopwatch::now();
    StartOrExit(single, "single node");
    while (!Ready(single.http_port())) {
      std::this_thread::sleep_for(10ms);
    }
    single_rate = static_cast<double>(records) / Since(start);
  }
  // 2. A replicated leader on the same backlog, then a follower catching up.
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultTopics())).value();
  Preload(kafka->bootstrap_servers(), records);
  Service leader(BenchConfig(dir.path(), kafka->bootstrap_servers(), true, "leader"), clock);
  StartOrExit(leader, "leader");
  while (Role(leader.http_port()) != "leader") {
    std::this_thread::sleep_for(10ms);
  }
  const auto led = Stopwatch::now();
  while (!Ready(leader.http_port())) {
    std::this_thread::sleep_for(10ms);
  }
  const double leader_rate = static_cast<double>(records) / Since(led);
  std::printf(
      "ingest of %lld offset commits: single node %.0f records/s, replicated leader %.0f "
      "records/s (%.0f%%; from its election)\n",
      static_cast<long long>(records), single_rate, leader_rate, 100.0 * leader_rate / single_rate);
  const auto events = EventsAppended(leader.http_port());
  Service follower(BenchConfig(dir.path(), kafka->bootstrap_servers(), true, "follower"), clock);
  const auto start = Stopwatch::now();
  StartOrExit(follower, "follower");
  while (!Ready(follower.http_port())) {
    std::this_thread::sleep_for(10ms);
  }
  std::printf("follower apply: %lld events in %.2f s: %.0f events/s (start-up included)\n",
              static_cast<long long>(events), Since(start),
              static_cast<double>(events) / Since(start));
  // 3. Reads.
  Reads(leader.http_port(), 500);  // warm-up
  const auto [leader_p50, leader_rps] = Reads(leader.http_port(), 5000);
  const auto [follower_p50, follower_rps] = Reads(follower.http_port(), 5000);
  std::printf(
      "lineage read (depth 3, one client, 5000 serial requests): leader p50 %.0f us %.0f req/s, "
      "follower p50 %.0f us %.0f req/s\n",
      leader_p50, leader_rps, follower_p50, follower_rps);
}

// 4. Failover over `kills` SIGKILLs of the leader.
void Failover(int kills) {
  testing::TempDir dir;
  testing::ChildProcess broker({"devbroker"}, dir / "broker.out");
  if (!broker.WaitForOutput("tributary.commands", 10s)) {
    std::fprintf(stderr, "failover: tributary devbroker did not start: %s\n",
                 broker.Output().c_str());
    std::exit(1);
  }
  std::smatch m;
  const auto out = broker.Output();
  std::regex_search(out, m, std::regex("bootstrap.servers=(\\S+)"));
  const std::string bootstrap = m[1];
  std::vector<int> ports;
  std::vector<std::filesystem::path> configs;
  std::vector<std::unique_ptr<testing::ChildProcess>> replicas;
  const auto start = [&](std::size_t i) {
    replicas[i] = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"serve", "--config", configs[i].string()},
        dir / ("replica-" + std::to_string(i) + ".out"),
        std::vector<std::pair<std::string, std::string>>{
            {"TRIBUTARY_SERVICE_REPLICA_ID", "r" + std::to_string(i)}});
  };
  for (std::size_t i = 0; i < 3; ++i) {
    ports.push_back(testing::FreePort());
    configs.push_back(dir / ("r" + std::to_string(i) + ".toml"));
    std::ofstream(configs.back())
        << "[service]\ndata_dir = \"" << (dir / ("data-" + std::to_string(i))).string()
        << "\"\nhttp_listen = \"127.0.0.1:" << ports.back() << "\"\n"
        << "[[clusters]]\nname = \"local\"\nbootstrap_servers = \"" << bootstrap << "\"\n"
        << "[replication]\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n";
    replicas.emplace_back();
    start(i);
  }
  const auto leader = [&](int except) {
    for (std::size_t i = 0; i < 3; ++i) {
      if (static_cast<int>(i) != except && Role(static_cast<std::uint16_t>(ports[i])) == "leader") {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  std::vector<double> seconds;
  for (int k = 0; k < kills; ++k) {
    int current = -1;
    while ((current = leader(-1)) < 0) {
      std::this_thread::sleep_for(20ms);
    }
    // A settled group: the restarted replica has joined (the mock coordinator
    // takes a few seconds) and no rebalance is under way.
    std::this_thread::sleep_for(8s);
    replicas[current]->Signal(SIGKILL);
    const auto killed = Stopwatch::now();
    replicas[current]->Wait();
    while (leader(current) < 0) {
      std::this_thread::sleep_for(20ms);
    }
    seconds.push_back(Since(killed));
    start(static_cast<std::size_t>(current));
    while (!Ready(static_cast<std::uint16_t>(ports[current]))) {
      std::this_thread::sleep_for(50ms);
    }
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf(
      "failover after SIGKILL of the leader (session timeout 6 s, heartbeat 1 s), %d kills: "
      "median %.1f s, min %.1f s, max %.1f s\n",
      kills, seconds[seconds.size() / 2], seconds.front(), seconds.back());
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t records = 200000;
  int kills = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") {
      records = std::atoll(argv[i + 1]);
    } else if (a == "--kills") {
      kills = std::atoi(argv[i + 1]);
    }
  }
  if (records > 0) {
    IngestAndReads(records);
  }
  if (kills > 0) {
    Failover(kills);
  }
  return 0;
}
