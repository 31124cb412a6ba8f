// Three replicas (DESIGN.md §8) on one Kafka protocol peer (librdkafka's mock
// cluster): one leads by the group coordinator's assignment, all three apply
// the events topic into their own SQLite copies and answer the same events;
// a write on a follower goes through the leader and is answered only once the
// follower applied it.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "sim/mock_kafka.h"
#include "support/event_pages.h"
#include "support/http_client.h"
#include "support/kafka_producer.h"
#include "support/offset_commits.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::AllEvents;
using tributary::testing::HttpConnection;
using tributary::testing::ProduceGroupCommits;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer admin-token\r\n";
constexpr std::int64_t kCommittedAt = 1764080206000;

Config ReplicaConfig(const std::filesystem::path& dir, const std::string& bootstrap, int index) {
  Config c;
  c.service.data_dir = (dir / ("replica-" + std::to_string(index))).string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.service.replica_id = "tributary-" + std::to_string(index);
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.replication.enabled = true;
  c.replication.cluster = "local";
  c.auth.anonymous_read = true;
  // Each replica also knows a token the others do not (`Bearer only-on-<i>`),
  // as while a revocation rolls out: the leader's check is the one that counts.
  static const char* const kOnlyOn[] = {
      "02673d6292e713ab7f86ea6761fdfdb10a3751f8b1d273c0af527d5544ece190",
      "1f48c9c421a55a609d1e17cb1b3d302ebb686df311a7c408c0f54d5524e0d66e",
      "0a605c6d20059aeeff74b9093587b027e1e01e2e07f486e190dcd30a1dac57be",
      "14e0582815e2f7a3ba983868cb5b87fc320d85e85cb45d8398247d227a37442c"};
  c.auth.tokens = {
      {"ops", "10a4c7c9fc5206d6f36dc6944a81bb6f4a3cb0e25014ae3b12e6c3e52712292a", "admin", "", {}},
      {"only-on-" + std::to_string(index), kOnlyOn[index], "admin", "", {}}};
  return c;
}

json Get(std::uint16_t port, const std::string& path) {
  HttpConnection c(port);
  const auto r = c.Request("GET", path);
  return r.status == 200 ? json::parse(r.body) : json();
}

}  // namespace

TEST_CASE("three replicas apply one log: one leader, the same events, writes on any replica") {
  TempDir dir;
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultTopics())).value();
  constexpr int kGroups = 3000;
  ProduceGroupCommits(kafka->bootstrap_servers(), 0, kGroups, kCommittedAt);

  SystemClock clock;
  std::vector<std::unique_ptr<Service>> replicas;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(
        std::make_unique<Service>(ReplicaConfig(dir.path(), kafka->bootstrap_servers(), i), clock));
    REQUIRE(replicas.back()->Start().ok());
  }
  const auto roles = [&] {
    std::vector<std::string> out;
    for (const auto& r : replicas) {
      const auto replica = Get(r->http_port(), "/api/v1/replica");
      out.push_back(replica.is_object() ? replica.value("role", "") : "");
    }
    return out;
  };

  // One leader, chosen by the group coordinator; every replica applies all.
  REQUIRE(WaitUntil(
      [&] {
        const auto r = roles();
        return std::count(r.begin(), r.end(), "leader") == 1 &&
               std::count(r.begin(), r.end(), "follower") == 2;
      },
      60s));
  std::size_t leader = 0;
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    if (roles()[i] == "leader") {
      leader = i;
    }
  }
  const auto started_events = [&](std::size_t i) {
    std::size_t n = 0;
    for (const auto& e : AllEvents(replicas[i]->http_port())) {
      n += e["type"] == "consumer_started" ? 1 : 0;
    }
    return n;
  };
  REQUIRE(WaitUntil(
      [&] {
        for (std::size_t i = 0; i < replicas.size(); ++i) {
          if (started_events(i) != kGroups) {
            return false;
          }
        }
        return true;
      },
      60s));
  // The role is a metric too, for alerting on "no leader" or "two leaders".
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    HttpConnection c(replicas[i]->http_port());
    const auto metrics = c.Request("GET", "/metrics");
    CHECK_THAT(metrics.body, Catch::Contains(std::string("tributary_replica_leader ") +
                                             (i == leader ? "1" : "0")));
  }
  for (std::size_t i = 0; i < replicas.size(); ++i) {
    const auto replica = Get(replicas[i]->http_port(), "/api/v1/replica");
    CHECK(replica["epoch"].get<std::int64_t>() > 0);
    CHECK(replica["caught_up"] == true);
  }
  REQUIRE(WaitUntil(
      [&] {
        for (const auto& r : replicas) {
          if (AllEvents(r->http_port()) != AllEvents(replicas[leader]->http_port())) {
            return false;
          }
        }
        return true;
      },
      30s));

  SECTION("a write on a follower is answered once that follower applied it, then seen on all") {
    const std::size_t follower = (leader + 1) % replicas.size();
    const std::string event = R"({"eventType":"START","eventTime":"2026-11-25T10:00:00Z",
      "run":{"runId":"r-1"},"job":{"namespace":"flink","name":"replicated"},
      "inputs":[{"namespace":"kafka://)" +
                              kafka->bootstrap_servers() + R"(","name":"topic-1"}],
      "outputs":[],"producer":"test","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"})";
    HttpConnection c(replicas[follower]->http_port());
    const auto posted = c.Request("POST", "/api/v1/lineage", event, kAdmin);
    REQUIRE(posted.status == 201);
    CHECK(json::parse(posted.body)["recorded"] == true);
    // Read-your-writes on the replica that took the write, at once.
    const auto node = Get(replicas[follower]->http_port(), "/api/v1/node?id=job:flink/replicated");
    CHECK(node.is_object());
    // The same event again is a duplicate, decided by the leader's fold.
    const auto again = c.Request("POST", "/api/v1/lineage", event, kAdmin);
    REQUIRE(again.status == 201);
    CHECK(json::parse(again.body)["recorded"] == false);
    // Every replica holds it within a bounded time.
    CHECK(WaitUntil(
        [&] {
          for (const auto& r : replicas) {
            if (!Get(r->http_port(), "/api/v1/node?id=job:flink/replicated").is_object()) {
              return false;
            }
          }
          return true;
        },
        10s));
    // An invalid write is refused on the replica that took it.
    CHECK(c.Request("POST", "/api/v1/lineage", "{\"eventType\":\"START\"}", kAdmin).status == 400);
  }

  SECTION(
      "the leader checks a follower's write again: a token only the follower knows writes "
      "nothing") {
    const std::size_t follower = (leader + 1) % replicas.size();
    const std::string event = R"({"eventType":"START","eventTime":"2026-11-25T10:00:00Z",
      "run":{"runId":"r-2"},"job":{"namespace":"flink","name":"revoked-writer"},
      "inputs":[{"namespace":"kafka://)" +
                              kafka->bootstrap_servers() + R"(","name":"topic-2"}],
      "outputs":[],"producer":"test","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"})";
    const std::string revoked =
        "Authorization: Bearer only-on-" + std::to_string(follower) + "\r\n";
    HttpConnection c(replicas[follower]->http_port());
    const auto posted = c.Request("POST", "/api/v1/lineage", event, revoked);
    CHECK(posted.status == 403);
    CHECK_THAT(posted.body,
               Catch::Contains("refused the write") && Catch::Contains("is not configured here"));
    // The same token on the leader is refused there at once (401: unknown).
    HttpConnection l(replicas[leader]->http_port());
    CHECK(l.Request("POST", "/api/v1/lineage", event, revoked).status == 401);
    // The same write with a token the leader knows goes through.
    REQUIRE(c.Request("POST", "/api/v1/lineage", event, kAdmin).status == 201);
    CHECK(WaitUntil(
        [&] {
          for (const auto& r : replicas) {
            if (!Get(r->http_port(), "/api/v1/node?id=job:flink/revoked-writer").is_object()) {
              return false;
            }
          }
          return true;
        },
        10s));
    // Only the admitted write is in the log, with its actor.
    std::size_t observed = 0;
    for (const auto& e : AllEvents(replicas[follower]->http_port())) {
      if (e["type"] == "job_observed" &&
          e["data"].dump().find("revoked-writer") != std::string::npos) {
        ++observed;
        CHECK(e["source"] == "api:ops");
      }
    }
    CHECK(observed == 1);
  }

  SECTION("a replica started from another's backup reads the events topic on from there") {
    const std::size_t follower = (leader + 1) % replicas.size();
    const auto config = dir.path() / "backup.toml";
    {
      std::ofstream out(config);
      out << "[service]\ndata_dir = \""
          << (dir.path() / ("replica-" + std::to_string(follower))).string() << "\"\n";
    }
    // Taken while the replica runs (the operator's command, as a process).
    const auto copy = dir.path() / "replica.backup";
    tributary::testing::ChildProcess backup({"backup", "--config", config.string(), copy.string()},
                                            dir.path() / "backup.out");
    REQUIRE(backup.Wait() == 0);
    const auto said = backup.Output();
    INFO(said);
    const auto at = said.find("from offset ");
    REQUIRE(at != std::string::npos);
    const std::int64_t offset = std::stoll(said.substr(at + 12));
    CHECK(offset > 0);
    // A second backup to the same name is refused: nothing is overwritten.
    tributary::testing::ChildProcess again({"backup", "--config", config.string(), copy.string()},
                                           dir.path() / "backup-again.out");
    CHECK(again.Wait() == 1);
    CHECK_THAT(again.Output(), Catch::Contains("exists"));

    // The estate moves on; then a new replica starts from the copy.
    ProduceGroupCommits(kafka->bootstrap_servers(), kGroups, 500, kCommittedAt);
    auto config3 = ReplicaConfig(dir.path(), kafka->bootstrap_servers(), 3);
    std::filesystem::create_directories(config3.service.data_dir);
    std::filesystem::copy_file(copy,
                               std::filesystem::path(config3.service.data_dir) / "tributary.db");
    replicas.push_back(std::make_unique<Service>(std::move(config3), clock));
    REQUIRE(replicas.back()->Start().ok());
    const auto replica = Get(replicas.back()->http_port(), "/api/v1/replica");
    REQUIRE(replica.is_object());
    CHECK(replica["resumed_from_offset"] == offset);
    CHECK(replica["role"] == "follower");
    CHECK(WaitUntil([&] { return started_events(3) == kGroups + 500; }, 30s));
  }

  SECTION("more source records after the start reach every replica in the same order") {
    ProduceGroupCommits(kafka->bootstrap_servers(), kGroups, 500, kCommittedAt);
    CHECK(WaitUntil([&] { return started_events(leader) == kGroups + 500; }, 30s));
  }

  CHECK(WaitUntil(
      [&] {
        const auto expected = AllEvents(replicas[leader]->http_port());
        for (const auto& r : replicas) {
          if (AllEvents(r->http_port()) != expected) {
            return false;
          }
        }
        return true;
      },
      30s));
}

// Kafka deletes a consumer group once it has had no members (and no offsets)
// for a while; the group created anew counts generations from 1 again, below
// the epoch the events topic holds. A new group id stands in for that here
// (the mock cluster never deletes groups): the replicas still elect a leader,
// with a larger epoch than any before.
TEST_CASE("replicas restarted into a group whose generations start over still elect a leader") {
  TempDir dir;
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultTopics())).value();
  ProduceGroupCommits(kafka->bootstrap_servers(), 0, 100, kCommittedAt);
  SystemClock clock;
  const auto run = [&](const std::string& group) {
    std::vector<std::unique_ptr<Service>> replicas;
    for (int i = 0; i < 2; ++i) {
      auto config = ReplicaConfig(dir.path(), kafka->bootstrap_servers(), i);
      config.replication.group_id = group;
      replicas.push_back(std::make_unique<Service>(std::move(config), clock));
      REQUIRE(replicas.back()->Start().ok());
    }
    std::int64_t epoch = 0;
    REQUIRE(WaitUntil(
        [&] {
          for (const auto& r : replicas) {
            const auto replica = Get(r->http_port(), "/api/v1/replica");
            if (replica.is_object() && replica["role"] == "leader") {
              epoch = replica["epoch"].get<std::int64_t>();
              return true;
            }
          }
          return false;
        },
        60s));
    for (auto& r : replicas) {
      r->Stop();
    }
    return epoch;
  };
  const auto first = run("tributary-a");
  const auto second = run("tributary-b");
  INFO("epochs " << first << " then " << second);
  CHECK(second > first);
}
