// Topic facts from DescribeConfigs end to end (DESIGN.md §10): the whole
// service reads its cluster through a AdminResponder — librdkafka's
// mock cluster answers every request but DescribeConfigs, which the responder
// answers with the configs the test sets (tests/support/admin_responder.h
// says why it exists) — and the retention and cleanup policy the broker
// reports are read back over the HTTP API: the product's `stream` block and
// the `topic_facts_observed` events.

#include <catch2/catch.hpp>

#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "ingest/audit_log/audit_log_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "sim/mock_kafka.h"
#include "support/admin_responder.h"
#include "support/http_client.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::AdminResponder;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kGiB = 1LL << 30;

Config FactsTestConfig(const std::filesystem::path& dir, const std::string& bootstrap) {
  Config c;
  c.service.data_dir = (dir / "data").string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.sources.catalog = TopicSourceConfig{"tributary.catalog", "local"};
  c.auth.anonymous_read = true;
  c.health.offsets_interval = 1s;
  c.health.window = 4;
  c.health.alert_after = 1h;
  return c;
}

// The product `trades` on topic `trades`, declaring one hour of retention
// (what the catalog says until the broker is heard).
void PublishTrades(testing::KafkaProducer& p) {
  p.Produce("tributary.catalog", 0, std::nullopt, R"({
    "specversion":"1.0","id":"c-1","source":"catalog","type":"tributary.product.published",
    "time":"2026-11-25T09:00:00Z",
    "data":{"product":"trades","cluster":"local","topic":"trades","domain":"execution",
            "owner":"execution","description":"Every trade","quality":"authoritative",
            "sla":"tier-1","history":"recent","retention_ms":3600000}})");
}

json Stream(std::uint16_t port) {
  const auto r = testing::HttpGet(port, "/api/v1/products/trades");
  return r.status == 200 ? json::parse(r.body)["stream"] : json(nullptr);
}

// The topic_facts_observed events of topic:local/trades, oldest first.
std::vector<json> FactsEvents(std::uint16_t port) {
  std::vector<json> out;
  const auto events = json::parse(
      testing::HttpGet(port, "/api/v1/events?type=topic_facts_observed&limit=1000").body);
  for (const auto& e : events["events"]) {
    if (e["data"]["topic"] == "topic:local/trades") {
      out.push_back(e["data"]);
    }
  }
  return out;
}

std::map<std::string, std::string> Retention(std::int64_t ms, const std::string& policy,
                                             std::int64_t bytes = -1) {
  return {{"retention.ms", std::to_string(ms)},
          {"retention.bytes", std::to_string(bytes)},
          {"cleanup.policy", policy},
          {"segment.bytes", "1073741824"}};  // asked for too, and not a fact
}

}  // namespace

TEST_CASE(
    "the retention and cleanup policy the broker reports are the product's stream facts, a "
    "changed config is a new topic_facts_observed") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  REQUIRE(kafka->CreateTopic({"trades", 2}).ok());
  AdminResponder broker(kafka->bootstrap_servers());
  broker.SetTopicConfig("trades", Retention(7 * kDay, "delete"));
  testing::KafkaProducer p(kafka->bootstrap_servers());
  PublishTrades(p);
  p.Flush();

  TempDir dir;
  SystemClock clock;
  Service service(FactsTestConfig(dir.path(), broker.bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();

  // What the broker reports wins over what the catalog declares.
  REQUIRE(WaitUntil([&] { return Stream(port)["retention_ms"] == 7 * kDay; }, 20s));
  auto stream = Stream(port);
  INFO(stream.dump());
  CHECK(stream["sources"]["retention_ms"] == "observed");
  CHECK(stream["cleanup_policy"] == "delete");
  CHECK(stream["sources"]["cleanup_policy"] == "observed");
  CHECK(stream["retention_bytes"] == -1);
  CHECK(stream["history"] == "recent");
  CHECK(stream["sources"]["history"] == "observed");
  CHECK(stream["partitions"] == 2);
  CHECK(broker.describe_requests() >= 1);
  CHECK(testing::HttpGet(port, "/ui/products/trades").body.find("keeps 7 days") !=
        std::string::npos);
  auto facts = FactsEvents(port);
  REQUIRE_FALSE(facts.empty());
  CHECK(facts.back()["retention_ms"] == 7 * kDay);
  CHECK(facts.back()["retention_bytes"] == -1);
  CHECK(facts.back()["cleanup_policy"] == "delete");
  CHECK(facts.back()["partitions"] == 2);

  // The same configs asked again every interval are no new fact.
  const auto before = facts.size();
  const auto asked = broker.describe_requests();
  REQUIRE(WaitUntil([&] { return broker.describe_requests() >= asked + 2; }, 10s));
  CHECK(FactsEvents(port).size() == before);

  // The retention is cut to a day and the topic also compacted: a new fact,
  // at the next interval.
  broker.SetTopicConfig("trades", Retention(kDay, "compact,delete", kGiB));
  REQUIRE(WaitUntil([&] { return FactsEvents(port).size() == before + 1; }, 10s));
  facts = FactsEvents(port);
  CHECK(facts.back()["retention_ms"] == kDay);
  CHECK(facts.back()["retention_bytes"] == kGiB);
  CHECK(facts.back()["cleanup_policy"] == "compact,delete");
  stream = Stream(port);
  CHECK(stream["retention_ms"] == kDay);
  CHECK(stream["history"] == "recent");  // compact,delete still deletes what is older
  CHECK(testing::HttpGet(port, "/ui/products/trades").body.find("keeps 1 day") !=
        std::string::npos);

  // Compacted only: the product keeps a snapshot.
  broker.SetTopicConfig("trades", Retention(kDay, "compact"));
  REQUIRE(WaitUntil([&] { return Stream(port)["history"] == "compacted"; }, 10s));
  CHECK(FactsEvents(port).size() == before + 2);
  CHECK(testing::HttpGet(port, "/ui/products/trades").body.find("compacted snapshot") !=
        std::string::npos);
}

TEST_CASE(
    "an AlterConfigs in the audit log makes the topic's configs read again at the next poll, "
    "not the next interval") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  REQUIRE(kafka->CreateTopic({"trades", 1}).ok());
  AdminResponder broker(kafka->bootstrap_servers());
  broker.SetTopicConfig("trades", Retention(7 * kDay, "delete"));
  testing::KafkaProducer p(kafka->bootstrap_servers());
  PublishTrades(p);
  p.Flush();

  TempDir dir;
  auto config = FactsTestConfig(dir.path(), broker.bootstrap_servers());
  // Facts are read on their own only every hour: anything sooner is the audit log's doing.
  config.health.offsets_interval = 1h;
  config.sources.audit_log = TopicSourceConfig{"confluent-audit-log-events", "local"};
  SystemClock clock;
  Service service(config, clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();

  // A group starts reading trades: its facts are read at once.
  ingest::consumer_offsets::OffsetCommit commit;
  commit.group = "analytics-trades";
  commit.topic = "trades";
  commit.partition = 0;
  commit.offset = 0;
  commit.commit_timestamp_ms = ToMillis(clock.Now());
  const auto record = ingest::consumer_offsets::Encode(commit);
  p.Produce("__consumer_offsets", 0, record.key, record.value);
  p.Flush();
  REQUIRE(WaitUntil([&] { return Stream(port)["retention_ms"] == 7 * kDay; }, 20s));
  CHECK(Stream(port)["sources"]["retention_ms"] == "observed");

  int n = 0;
  auto alter = [&](const std::string& method, bool granted) {
    ingest::audit_log::AuditLogSpec spec;
    spec.id = "alter-" + std::to_string(++n);
    spec.time = clock.Now();
    spec.cluster_id = "lkc-local";
    spec.principal = "User:platform-admin";
    spec.method = method;
    spec.resource_type = "Topic";
    spec.resource_name = "trades";
    spec.operation = "AlterConfigs";
    spec.granted = granted;
    p.Produce("confluent-audit-log-events", 0, std::nullopt,
              ingest::audit_log::EncodeAuditLogEvent(spec));
    p.Flush();
  };

  // The retention is changed on the broker. Nothing says so yet: the facts stay.
  std::this_thread::sleep_for(2s);  // any read still under way is answered
  broker.SetTopicConfig("trades", Retention(2 * kDay, "delete"));
  const auto asked = broker.describe_requests();
  // A denied attempt changed nothing on the broker and asks for nothing.
  alter("kafka.IncrementalAlterConfigs", false);
  std::this_thread::sleep_for(4s);
  CHECK(Stream(port)["retention_ms"] == 7 * kDay);
  CHECK(broker.describe_requests() == asked);

  // The audit log reports the change: read again within a few polls.
  const auto t0 = std::chrono::steady_clock::now();
  alter("kafka.IncrementalAlterConfigs", true);
  REQUIRE(WaitUntil([&] { return Stream(port)["retention_ms"] == 2 * kDay; }, 15s));
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  auto facts = FactsEvents(port);
  CHECK(facts.back()["retention_ms"] == 2 * kDay);

  // The older AlterConfigs request does the same.
  broker.SetTopicConfig("trades", Retention(3 * kDay, "delete"));
  alter("kafka.AlterConfigs", true);
  REQUIRE(WaitUntil([&] { return Stream(port)["retention_ms"] == 3 * kDay; }, 15s));
  CHECK(FactsEvents(port).size() == facts.size() + 1);
}
