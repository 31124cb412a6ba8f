// HTTP lineage throughput (issue: graph and HTTP API): a synthetic estate of
// 100k topics, 50k groups, 20k principals and ~1M edges is appended to a fresh
// event log, a service is started on it (recovering the graph from the log),
// and wrk (a separate process, sharing the 2 cores) requests downstream lineage
// of random topics, depth 3, over keep-alive connections.
// Usage: http_bench [--edges N] [--seconds S] [--connections C]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "store/event_log.h"

using namespace tributary;

namespace {

std::string Topic(int i) { return "t" + std::to_string(i); }

void BuildEstate(const std::filesystem::path& dir, long edges) {
  SystemClock clock;
  auto log = std::move(EventLog::Open(dir, clock)).value();
  std::mt19937_64 rng(7);
  const auto now = clock.Now();
  Batch batch;
  long appended = 0;
  const auto flush = [&] {
    if (!log->Append(batch).ok()) {
      std::fprintf(stderr, "append failed\n");
      std::exit(1);
    }
    batch = Batch{};
  };
  const auto add = [&](DomainEvent e) {
    batch.events.push_back(NewEvent{std::move(e), now, "bench", std::nullopt, std::nullopt});
    if (batch.events.size() == 10000) {
      flush();
    }
  };
  constexpr int kTopics = 100000;
  constexpr int kGroups = 50000;
  constexpr int kPrincipals = 20000;
  for (int i = 0; i < kTopics; ++i) {
    add(ProducerObserved{NodeId::Principal("User:svc-" + std::to_string(i % kPrincipals)),
                         NodeId::Topic("prod", Topic(i)), "audit_log"});
    ++appended;
  }
  // Consumers: groups read skewed-popular topics; some groups' output feeds jobs.
  std::uniform_real_distribution<double> u(0, 1);
  while (appended < edges) {
    const int g = static_cast<int>(rng() % kGroups);
    const int t = std::min(kTopics - 1, static_cast<int>(kTopics * u(rng) * u(rng)));
    add(ConsumerStarted{NodeId::Group("prod", "app-" + std::to_string(g)),
                        NodeId::Topic("prod", Topic(t)), "observed", "consumer_offsets"});
    ++appended;
  }
  flush();
}

}  // namespace

int main(int argc, char** argv) {
  long edges = 1000000;
  int seconds = 10;
  int connections = 32;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--edges") {
      edges = std::atol(argv[i + 1]);
    } else if (a == "--seconds") {
      seconds = std::atoi(argv[i + 1]);
    } else if (a == "--connections") {
      connections = std::atoi(argv[i + 1]);
    }
  }
  const auto dir = std::filesystem::temp_directory_path() / "tributary-bench-http";
  std::filesystem::remove_all(dir);
  const auto build_start = std::chrono::steady_clock::now();
  BuildEstate(dir, edges);
  std::printf(
      "estate: %ld edges appended in %.1f s\n", edges,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count());

  Config config;
  config.service.data_dir = dir.string();
  config.service.http_host = "127.0.0.1";
  config.service.http_port = 0;
  SystemClock clock;
  Service service(config, clock);
  const auto start = std::chrono::steady_clock::now();
  if (auto s = service.Start(); !s.ok()) {
    std::fprintf(stderr, "start failed: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("service recovered the graph from the log in %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  const auto script = dir / "lineage.lua";
  std::ofstream(script) << "math.randomseed(42)\n"
                           "request = function()\n"
                           "  local t = math.floor(100000 * math.random() * math.random())\n"
                           "  return wrk.format(nil, '/api/v1/lineage?node=topic:prod/t' .. t .. "
                           "'&depth=3')\n"
                           "end\n";
  const std::string command = "wrk -t2 -c" + std::to_string(connections) + " -d" +
                              std::to_string(seconds) + "s --latency -s " + script.string() +
                              " http://127.0.0.1:" + std::to_string(service.http_port()) + "/";
  std::printf("$ %s\n", command.c_str());
  std::fflush(stdout);
  const int rc = std::system(command.c_str());
  service.Stop();
  std::filesystem::remove_all(dir);
  return rc == 0 ? 0 : 1;
}
