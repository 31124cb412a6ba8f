// health_scenario: the scripted consumer-health scenario that Burrow and
// Tributary are both fed for the status comparison (bench/burrow/status.sh).
//
// It hosts librdkafka's mock cluster (sim::MockKafka: __consumer_offsets with 50
// partitions, and `orders` with 3), prints `bootstrap.servers=…` and `ready`,
// then waits for a line `go` on stdin, so that both readers are running before
// anything is committed (Burrow drops commits of partitions whose broker offset
// it does not know yet). Then, every round (--round-ms, default 2 s; --rounds,
// default 16), in real time:
//
//   1. 100 records are produced to every partition of `orders`;
//   2. after 60% of the round (both readers have fetched end offsets by then,
//      at a 1 s offsets interval), each group commits, per partition:
//        scn-healthy    the end offset (lag 0)
//        scn-lagging    50 + 5·round: it moves, the lag grows by 95 a round
//        scn-stopped    like scn-lagging for rounds 0–5, then nothing
//        scn-stalled    40, every round, while the end moves on
//        scn-rewind     end − 10 for rounds 0–11, then 20 (backwards) at round
//                       12, then +30 a round
//        scn-newcomer   like scn-lagging, but only in the last two rounds (at
//                       the end its silence, 7 s, exceeds its window's 2 s)
//
// then it waits --settle-ms (default 6 s: the stopped group's silence exceeds
// its window's span, the others' does not), prints `done` and the statuses
// the rules of DESIGN.md §10 give each group, and keeps the cluster up until
// stdin closes.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "sim/mock_kafka.h"
#include "support/kafka_producer.h"

namespace {

using namespace tributary;
namespace co = tributary::ingest::consumer_offsets;

constexpr int kPartitions = 3;
constexpr std::int64_t kPerRound = 100;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Commit(testing::KafkaProducer& p, const std::string& group, int partition,
            std::int64_t offset) {
  co::OffsetCommit c;
  c.value_version = 3;  // as ingest_bench writes them, which Burrow 1.2.1 reads
  c.group = group;
  c.topic = "orders";
  c.partition = partition;
  c.offset = offset;
  c.leader_epoch = 0;
  c.commit_timestamp_ms = NowMs();
  const auto r = co::Encode(c);
  // Each group on its own __consumer_offsets partition, as a coordinator would.
  int slot = 0;
  for (char ch : group) {
    slot = (slot * 31 + static_cast<unsigned char>(ch)) % 50;
  }
  p.Produce("__consumer_offsets", slot, r.key, r.value);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 16;
  int round_ms = 2000;
  int settle_ms = 6000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int v = std::stoi(argv[i + 1]);
    if (a == "--rounds") {
      rounds = v;
    } else if (a == "--round-ms") {
      round_ms = v;
    } else if (a == "--settle-ms") {
      settle_ms = v;
    } else {
      std::fprintf(stderr, "health_scenario: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (rounds < 14) {
    std::fprintf(stderr, "health_scenario: --rounds must be at least 14 (the rewind is at 12)\n");
    return 2;
  }
  auto kafka = sim::MockKafka::Start(1, {{"__consumer_offsets", 50}});
  if (!kafka.ok()) {
    std::fprintf(stderr, "health_scenario: %s\n", kafka.status().message().c_str());
    return 1;
  }
  if (auto s = (*kafka)->CreateTopic({"orders", kPartitions}); !s.ok()) {
    std::fprintf(stderr, "health_scenario: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("bootstrap.servers=%s\nready\n", (*kafka)->bootstrap_servers().c_str());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line) && line != "go") {
  }
  if (line != "go") {
    return 0;
  }

  testing::KafkaProducer p((*kafka)->bootstrap_servers());
  std::int64_t end = 0;     // records per partition so far
  std::int64_t rewind = 0;  // scn-rewind's offset after its rewind
  const auto commit_at = std::chrono::milliseconds(round_ms * 6 / 10);
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (int part = 0; part < kPartitions; ++part) {
      for (std::int64_t i = 0; i < kPerRound; ++i) {
        p.Produce("orders", part, std::nullopt, "o");
      }
    }
    p.Flush();
    end += kPerRound;
    std::this_thread::sleep_until(start + commit_at);
    const std::int64_t slow = 50 + 5 * round;
    if (round == 12) {
      rewind = 20;
    } else if (round > 12) {
      rewind += 30;
    }
    for (int part = 0; part < kPartitions; ++part) {
      Commit(p, "scn-healthy", part, end);
      Commit(p, "scn-lagging", part, slow);
      if (round <= 5) {
        Commit(p, "scn-stopped", part, slow);
      }
      Commit(p, "scn-stalled", part, 40);
      Commit(p, "scn-rewind", part, round < 12 ? end - 10 : rewind);
      if (round >= rounds - 2) {
        Commit(p, "scn-newcomer", part, slow);
      }
    }
    p.Flush();
    std::printf("round %d: end offset %lld\n", round, static_cast<long long>(end));
    std::fflush(stdout);
    std::this_thread::sleep_until(start + std::chrono::milliseconds(round_ms));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
  std::printf("done\n");
  // What DESIGN.md §10's rules give, partition and group.
  const std::map<std::string, std::string> expected = {
      {"scn-healthy", "OK OK"},       {"scn-lagging", "WARNING WARN"},
      {"scn-stopped", "STOPPED ERR"}, {"scn-stalled", "STALLED ERR"},
      {"scn-rewind", "REWIND ERR"},   {"scn-newcomer", "STOPPED ERR"},
  };
  for (const auto& [group, status] : expected) {
    std::printf("expected %s %s\n", group.c_str(), status.c_str());
  }
  std::fflush(stdout);
  while (std::getline(std::cin, line)) {
  }
  return 0;
}
