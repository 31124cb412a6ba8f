// Consumer health end to end (DESIGN.md §10): the whole service over a real
// socket, fed by librdkafka's mock cluster over TCP — offset commits in
// __consumer_offsets, records in the topics the groups read (their end offsets
// come from ListOffsets, their timestamps from a one-record fetch) — and the
// statuses, lags and notifications read back over the HTTP API.

#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "sim/mock_kafka.h"
#include "support/http_client.h"
#include "support/http_receiver.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

constexpr int kPartitions = 3;

Config HealthTestConfig(const std::filesystem::path& dir, const std::string& bootstrap) {
  Config c;
  c.service.data_dir = (dir / "data").string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.sources.catalog = TopicSourceConfig{"tributary.catalog", "local"};
  c.routes.push_back({"group:*/analytics-*", "analytics"});
  c.auth.anonymous_read = true;
  c.health.offsets_interval = 1s;
  c.health.window = 4;
  c.health.alert_after = 1h;
  return c;
}

void Commit(testing::KafkaProducer& p, const std::string& group, const std::string& topic,
            int partition, std::int64_t offset, std::int64_t at_ms) {
  ingest::consumer_offsets::OffsetCommit c;
  c.group = group;
  c.topic = topic;
  c.partition = partition;
  c.offset = offset;
  c.commit_timestamp_ms = at_ms;
  const auto r = ingest::consumer_offsets::Encode(c);
  p.Produce("__consumer_offsets", static_cast<int>(std::hash<std::string>{}(group) % 50), r.key,
            r.value);
}

std::int64_t NowMs() { return ToMillis(SystemClock().Now()); }

json Consumer(std::uint16_t port, const std::string& group) {
  // The id travels percent-encoded: ':' and '/' are part of it.
  const auto r = testing::HttpGet(port, "/api/v1/consumers/group%3Alocal%2F" + group);
  if (r.status != 200) {
    return json(nullptr);
  }
  return json::parse(r.body);
}

}  // namespace

TEST_CASE(
    "healthy, lagging, stopped and stalled groups get their status over the API, with exact lags") {
  auto kafka = std::move(sim::MockKafka::Start(3, sim::DefaultSourceTopics())).value();
  REQUIRE(kafka->CreateTopic({"orders", kPartitions}).ok());
  TempDir dir;
  SystemClock clock;
  Service service(HealthTestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();

  testing::KafkaProducer p(kafka->bootstrap_servers());
  std::map<int, std::int64_t> produced;  // partition -> records produced (the end offset)
  auto produce = [&](int n) {
    for (int part = 0; part < kPartitions; ++part) {
      for (int i = 0; i < n; ++i) {
        p.Produce("orders", part, std::nullopt, "x");
      }
      produced[part] += n;
    }
    p.Flush();
  };
  // group -> partition -> committed offset
  std::map<std::string, std::map<int, std::int64_t>> committed;
  auto commit = [&](const std::string& group, int part, std::int64_t offset, std::int64_t at) {
    Commit(p, group, "orders", part, offset, at);
    committed[group][part] = offset;
  };

  produce(100);
  // Stopped: it committed, behind, and then nothing for longer than its window spans.
  const auto t0 = NowMs();
  for (int k = 0; k < 4; ++k) {
    for (int part = 0; part < kPartitions; ++part) {
      commit("analytics-stopped", part, 10 + k * 10, t0 - 100'000 + k * 10'000);
    }
  }
  p.Flush();

  // Every round: records arrive; the healthy group keeps up, the lagging one
  // moves by one record while 100 arrive, the stalled one commits the same offset.
  const std::map<std::string, std::string> expected = {{"analytics-healthy", "OK"},
                                                       {"analytics-lagging", "WARN"},
                                                       {"analytics-stopped", "ERR"},
                                                       {"analytics-stalled", "ERR"}};
  const std::map<std::string, std::string> expected_partition = {{"analytics-healthy", "OK"},
                                                                 {"analytics-lagging", "WARNING"},
                                                                 {"analytics-stopped", "STOPPED"},
                                                                 {"analytics-stalled", "STALLED"}};
  bool all_right = false;
  std::string last;
  int rounds_after_window = 0;
  for (int round = 0; round < 14 && !all_right; ++round) {
    produce(100);
    std::this_thread::sleep_for(2200ms);  // an end-offset fetch (offsets_interval 1s) sees them
    const auto now = NowMs();
    for (int part = 0; part < kPartitions; ++part) {
      commit("analytics-healthy", part, produced[part], now);
      commit("analytics-lagging", part, 50 + round, now);
      commit("analytics-stalled", part, 40, now);
    }
    p.Flush();
    if (round < 3) {
      continue;  // the window (4 commits) fills
    }
    ++rounds_after_window;
    // Within two offsets_intervals of the window being full.
    std::this_thread::sleep_for(1000ms);
    all_right = true;
    last.clear();
    for (const auto& [group, status] : expected) {
      const auto c = Consumer(port, group);
      last += group + ": " + c.dump() + "\n";
      if (c.is_null() || c["status"] != status || c["partitions"].size() != kPartitions) {
        all_right = false;
        continue;
      }
      for (const auto& part : c["partitions"]) {
        all_right = all_right && part["status"] == expected_partition.at(group);
      }
    }
  }
  INFO(last);
  REQUIRE(all_right);
  CHECK(rounds_after_window <= 2);

  // Exact lags: once the end offsets are fetched after the last records,
  // lag = end offset - committed for every partition of every group.
  std::string seen;
  const bool exact = WaitUntil(
      [&] {
        seen.clear();
        for (const auto& [group, parts] : committed) {
          const auto c = Consumer(port, group);
          seen += c.dump() + "\n";
          if (c.is_null()) {
            return false;
          }
          std::int64_t total = 0;
          for (const auto& part : c["partitions"]) {
            const int partition = part["partition"].get<int>();
            if (part["end_offset"] != produced[partition] ||
                part["offset"] != parts.at(partition) ||
                part["lag"] != produced[partition] - parts.at(partition)) {
              return false;
            }
            total += part["lag"].get<std::int64_t>();
          }
          if (c["total_lag"] != total) {
            return false;
          }
        }
        return true;
      },
      10s);
  INFO(seen);
  CHECK(exact);

  // The list is sorted by risk: the ERR groups first, the healthy one last.
  const auto list = json::parse(testing::HttpGet(port, "/api/v1/consumers").body)["consumers"];
  REQUIRE(list.size() == 4);
  CHECK(list[0]["status"] == "ERR");
  CHECK(list[1]["status"] == "ERR");
  CHECK(list[3]["id"] == "group:local/analytics-healthy");
  const auto errs =
      json::parse(testing::HttpGet(port, "/api/v1/consumers?status=ERR").body)["consumers"];
  CHECK(errs.size() == 2);
  CHECK(testing::HttpGet(port, "/api/v1/consumers?status=BAD").status == 400);
  CHECK(testing::HttpGet(port, "/api/v1/consumers/group%3Alocal%2Fnobody").status == 404);

  // The lineage picture colours each group by its status, and says WARN or ERR.
  const auto dot =
      testing::HttpGet(port, "/api/v1/lineage?node=topic:local/orders&format=dot").body;
  const auto drawn = [&](const std::string& label, const std::string& fill) {
    const auto at = dot.find("[label=\"" + label + "\"");
    return at != std::string::npos &&
           dot.substr(at, dot.find('\n', at) - at).find("fillcolor=\"" + fill + "\"") !=
               std::string::npos;
  };
  INFO(dot);
  CHECK(drawn("analytics-healthy", "#86efac"));
  CHECK(drawn("analytics-lagging (WARN)", "#fde68a"));
  CHECK(drawn("analytics-stalled (ERR)", "#fca5a5"));
  CHECK(drawn("analytics-stopped (ERR)", "#fca5a5"));
  const auto ui = testing::HttpGet(port, "/ui/node?id=topic:local/orders").body;
  CHECK(ui.find("analytics&#45;stalled (ERR)") != std::string::npos);  // Graphviz's '-'

  CHECK(ui.find("consumer group stalled or stopped (ERR)") != std::string::npos);  // the legend

  // Each change of status is an event, decided once.
  const auto events = json::parse(
      testing::HttpGet(port, "/api/v1/events?type=consumer_status_changed&limit=1000").body);
  std::map<std::string, std::string> latest;
  for (const auto& e : events["events"]) {
    latest[e["data"]["group"].get<std::string>()] = e["data"]["to"].get<std::string>();
  }
  CHECK(latest["group:local/analytics-stalled"] == "ERR");
  CHECK(latest["group:local/analytics-healthy"] == "OK");

  // Prometheus: lag by cluster, group and topic.
  const auto metrics = testing::HttpGet(port, "/metrics").body;
  CHECK(metrics.find("tributary_consumer_lag{cluster=\"local\",group=\"analytics-healthy\","
                     "topic=\"orders\"} 0") != std::string::npos);
  CHECK(metrics.find(
            "tributary_consumer_lag_seconds{cluster=\"local\",group=\"analytics-stalled\"") !=
        std::string::npos);
}

TEST_CASE(
    "a group past 0.8 x a 1-hour retention is notified once, recovery and a new breach notify "
    "again") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  REQUIRE(kafka->CreateTopic({"trades", 1}).ok());
  testing::HttpReceiver hook([](std::size_t) { return testing::ScriptedResponse{200, {}, "ok"}; });
  TempDir dir;
  auto config = HealthTestConfig(dir.path(), kafka->bootstrap_servers());
  config.notifications.allow_hosts = {"127.0.0.1"};
  ChannelConfig channel;
  channel.name = "analytics-hook";
  channel.type = "webhook";
  channel.url = hook.url();
  config.channels.push_back(channel);
  config.teams.push_back({"analytics", {"analytics-hook"}, {}, "info", std::nullopt});

  testing::KafkaProducer p(kafka->bootstrap_servers());
  // The product keeps one hour (declared: the mock cluster does not answer DescribeConfigs).
  p.Produce("tributary.catalog", 0, std::nullopt, R"({
    "specversion":"1.0","id":"c-1","source":"catalog","type":"tributary.product.published",
    "time":"2026-11-25T09:00:00Z",
    "data":{"product":"trades","cluster":"local","topic":"trades","domain":"execution",
            "owner":"execution","description":"Every trade","quality":"authoritative",
            "sla":"tier-1","history":"recent","retention_ms":3600000}})");
  // Records 0..99 were produced 50 minutes ago, 100..199 one minute ago.
  const auto now = NowMs();
  for (int i = 0; i < 200; ++i) {
    p.Produce("trades", 0, std::nullopt, "t", i < 100 ? now - 3'000'000 : now - 60'000);
  }
  // analytics-risk reads record 50 (50 minutes old): past 0.8 x 60 minutes = 48.
  Commit(p, "analytics-risk", "trades", 0, 50, now);
  p.Flush();

  SystemClock clock;
  Service service(config, clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  auto risks = [&] {
    return json::parse(
        testing::HttpGet(port, "/api/v1/events?type=data_loss_risk_detected").body)["events"];
  };
  REQUIRE(WaitUntil([&] { return risks().size() == 1; }, 20s));
  const auto e = risks()[0]["data"];
  CHECK(e["group"] == "group:local/analytics-risk");
  CHECK(e["topic"] == "topic:local/trades");
  CHECK(e["team"] == "analytics");
  CHECK(e["retention_ms"] == 3600000);
  CHECK(e["retention_source"] == "declared");
  CHECK(e["lag"] == 150);
  CHECK(e["lag_seconds"].get<double>() >= 3000.0);
  CHECK(e["lag_seconds"].get<double>() < 3030.0);
  CHECK(e["seconds_left"].get<double>() == Approx(3600.0 - e["lag_seconds"].get<double>()));
  // Exactly one notification, with the numbers.
  auto notifications = [&] {
    return json::parse(
        testing::HttpGet(port, "/api/v1/notifications?kind=data_loss_risk").body)["notifications"];
  };
  REQUIRE(WaitUntil([&] { return notifications().size() == 1; }, 20s));
  std::this_thread::sleep_for(3s);  // evaluations go on: no second one
  CHECK(risks().size() == 1);
  const auto n = notifications();
  REQUIRE(n.size() == 1);
  CHECK(n[0]["team"] == "analytics");
  const auto body = n[0]["body"].get<std::string>();
  CHECK(body.find("analytics-risk") != std::string::npos);
  CHECK(body.find("1h 0m") != std::string::npos);  // the retention
  CHECK(body.find("3600000 ms") != std::string::npos);
  CHECK(body.find("150 records") != std::string::npos);
  REQUIRE(WaitUntil([&] { return hook.requests().size() == 1; }, 20s));

  // The product's stream block: declared retention (the mock cluster answers
  // Metadata, not DescribeConfigs), observed partitions and rate.
  REQUIRE(WaitUntil(
      [&] {
        const auto product = json::parse(testing::HttpGet(port, "/api/v1/products/trades").body);
        return product["stream"]["partitions"] == 1;
      },
      20s));
  const auto stream = json::parse(testing::HttpGet(port, "/api/v1/products/trades").body)["stream"];
  CHECK(stream["retention_ms"] == 3600000);
  CHECK(stream["sources"]["retention_ms"] == "declared");
  CHECK(stream["history"] == "recent");
  CHECK(stream["replication_factor"] == 1);
  CHECK(stream["sources"]["partitions"] == "observed");
  // The product page says how much it keeps, and who is at risk.
  const auto page = testing::HttpGet(port, "/ui/products/trades").body;
  CHECK(page.find("keeps 1 hour") != std::string::npos);
  CHECK(page.find("data-loss risk") != std::string::npos);
  const auto consumers_page = testing::HttpGet(port, "/ui/consumers").body;
  CHECK(consumers_page.find("group:local/analytics-risk") != std::string::npos);
  CHECK(testing::HttpGet(port, "/ui/consumers/group%3Alocal%2Fanalytics-risk").status == 200);

  // Recovery: it reads on to a record a minute old.
  Commit(p, "analytics-risk", "trades", 0, 150, NowMs());
  p.Flush();
  REQUIRE(WaitUntil(
      [&] {
        return json::parse(testing::HttpGet(port, "/api/v1/events?type=data_loss_risk_resolved")
                               .body)["events"]
                   .size() == 1;
      },
      20s));
  CHECK(risks().size() == 1);
  // A new breach (reset to an old offset): a new risk, a new notification.
  Commit(p, "analytics-risk", "trades", 0, 20, NowMs());
  p.Flush();
  REQUIRE(WaitUntil([&] { return risks().size() == 2; }, 20s));
  REQUIRE(WaitUntil([&] { return notifications().size() == 2; }, 20s));
  CHECK(risks()[1]["data"]["lag"] == 180);
  REQUIRE(WaitUntil([&] { return hook.requests().size() == 2; }, 20s));
}
