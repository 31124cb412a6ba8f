// Next versions end to end (DESIGN.md §5, issue 16): the whole service over
// librdkafka's mock cluster, configured from TOML, answered over real HTTP
// sockets, notifying teams through real webhook deliveries. The estate is
// written as a real one is: the catalog and `_schemas` topics, consumer
// groups' commits in `__consumer_offsets`, the producer's writes in the
// audit log (kafka.Produce), all through the Kafka protocol.
//
// The story: markets owns `trades` (schema v1: price int, symbol); analytics
// and risk read it. markets publishes `trades.v2` (price double, venue added)
// through next-version; the consumers hear of it with the field-level diff;
// analytics moves and the board follows; markets' producer stops writing the
// old topic while risk still reads it -> exactly one dual_support_broken; risk
// moves -> exactly one ready_to_retire.

#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "ingest/audit_log/audit_log_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/schema_registry/schemas_encoder.h"
#include "sim/mock_kafka.h"
#include "support/estate_records.h"
#include "support/http_client.h"
#include "support/http_receiver.h"
#include "support/kafka_producer.h"
#include "support/sha256.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::TempDir;

namespace {

template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

constexpr const char* kClusterId = "lkc-next01";
const std::string kV1 =
    R"({"type":"record","name":"Trade","fields":[{"name":"price","type":"int"},)"
    R"({"name":"symbol","type":"string"}]})";
const std::string kV2 =
    R"({"type":"record","name":"Trade","fields":[{"name":"price","type":"double"},)"
    R"({"name":"symbol","type":"string"},{"name":"venue","type":"string","default":""}]})";

class Estate {
 public:
  Estate() : kafka_(std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value()) {
    std::string toml = "[service]\ndata_dir = \"" + (dir_.path() / "data").string() +
                       "\"\nhttp_listen = \"127.0.0.1:0\"\n"
                       "[[clusters]]\nname = \"local\"\nid = \"" +
                       kClusterId + "\"\nbootstrap_servers = \"" + kafka_->bootstrap_servers() +
                       "\"\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n"
                       "catalog = { topic = \"tributary.catalog\" }\n"
                       "schemas = { topic = \"_schemas\" }\n"
                       "audit_log = { topic = \"confluent-audit-log-events\" }\n"
                       "[tracking]\nconsumer_idle_after = \"3s\"\ndual_support_grace = \"6s\"\n"
                       "[health]\nenabled = false\n"
                       "[notifications]\nallow_hosts = [\"127.0.0.1\"]\n";
    for (const std::string team : {"markets", "analytics", "risk"}) {
      toml += "[[channels]]\nname = \"" + team + "-hook\"\ntype = \"webhook\"\nurl = \"" +
              hook_.url("/" + team) + "\"\n[[teams]]\nname = \"" + team + "\"\ncontacts = [\"" +
              team + "-hook\"]\n[[routes]]\nmatch = \"group:*/" + team + "-*\"\nteam = \"" + team +
              "\"\n";
    }
    toml += "[auth]\nanonymous_read = true\n";
    for (const auto& [name, role, team] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"markets", "owner", "markets"},
             {"risk", "owner", "risk"},
             {"viewer", "reader", ""}}) {
      toml += "[[auth.tokens]]\nname = \"" + name + "-ci\"\nsha256 = \"" +
              testing::Sha256Hex(name + "-secret") + "\"\nrole = \"" + role + "\"\n" +
              (team.empty() ? "" : "team = \"" + team + "\"\n");
    }
    auto loaded = ParseConfig(toml, "tributary.toml",
                              [](const std::string&) { return std::optional<std::string>(); });
    INFO(toml);
    REQUIRE(loaded.ok());
    service_ = std::make_unique<Service>(loaded->config, clock_);
    REQUIRE(service_->Start().ok());
  }
  ~Estate() { StopProducing(); }

  void Publish(const std::string& name) {
    ProductPublished product;
    product.product = name;
    product.cluster = "local";
    product.topic = name;
    product.domain = "markets";
    product.owner = "markets";
    product.description = "Every trade on the exchange";
    product.quality = "authoritative";
    product.sla = "tier-1";
    product.tags = {"trading"};
    testing::KafkaProducer p(kafka_->bootstrap_servers());
    testing::Catalog(p, ++catalog_n_, product);
    p.Flush();
  }
  void Schema(const std::string& subject, int version, const std::string& text) {
    ingest::schema_registry::SchemaVersion v;
    v.subject = subject;
    v.version = version;
    v.id = version;
    v.schema_type = "AVRO";
    v.schema = text;
    const auto r = ingest::schema_registry::EncodeSchemasRecord(v);
    testing::KafkaProducer p(kafka_->bootstrap_servers());
    p.Produce("_schemas", 0, r.key, r.value);
    p.Flush();
  }
  // One offset commit of `group` on `topic`, now.
  void Commit(testing::KafkaProducer& p, const std::string& group, const std::string& topic) {
    ingest::consumer_offsets::OffsetCommit c;
    c.group = group;
    c.topic = topic;
    c.offset = ++offsets_;
    c.commit_timestamp_ms = ToMillis(SystemClock().Now());
    const auto r = ingest::consumer_offsets::Encode(c);
    p.Produce("__consumer_offsets", 0, r.key, r.value);
  }
  // markets' producer writes `topics` (the audit log records each produce)
  // every 500 ms until StopProducing(); `readers` (group -> topic) commit
  // every 500 ms too, as set by Reads(). One producer for the whole run,
  // so a loaded machine does not stretch the period past the grace.
  void StartBackground() {
    running_ = true;
    background_ = std::thread([this] {
      testing::KafkaProducer p(kafka_->bootstrap_servers());
      int n = 0;
      while (running_) {
        std::vector<std::string> topics;
        std::map<std::string, std::string> readers;
        {
          std::lock_guard lock(mu_);
          topics = producing_;
          readers = readers_;
        }
        for (const auto& t : topics) {
          ingest::audit_log::AuditLogSpec spec;
          spec.id = "7a1c2d9e-0000-4000-8000-" + std::to_string(100000000000 + ++n);
          spec.time = SystemClock().Now();
          spec.cluster_id = kClusterId;
          spec.principal = "User:svc-markets";
          spec.method = "kafka.Produce";
          spec.resource_name = t;
          spec.operation = "Write";
          p.Produce("confluent-audit-log-events", 0, std::nullopt,
                    ingest::audit_log::EncodeAuditLogEvent(spec));
        }
        for (const auto& [group, topic] : readers) {
          Commit(p, group, topic);
        }
        p.Flush();
        std::this_thread::sleep_for(500ms);
      }
    });
  }
  void Producing(std::vector<std::string> topics) {
    std::lock_guard lock(mu_);
    producing_ = std::move(topics);
  }
  void Reads(const std::string& group, const std::string& topic) {
    std::lock_guard lock(mu_);
    readers_[group] = topic;
  }
  void StopProducing() {
    running_ = false;
    if (background_.joinable()) {
      background_.join();
    }
  }

  testing::HttpResult Send(const std::string& method, const std::string& target, const json& body,
                           const std::string& token) const {
    testing::HttpConnection c(service_->http_port());
    return c.Request(method, target, body.dump(),
                     "Content-Type: application/json\r\n" +
                         (token.empty() ? "" : "Authorization: Bearer " + token + "-secret\r\n"));
  }
  json Get(const std::string& target) const {
    const auto r = testing::HttpGet(service_->http_port(), target);
    return r.status == 200 ? json::parse(r.body) : json::object();
  }
  std::size_t Count(const std::string& type) const {
    return Get("/api/v1/events?type=" + type + "&limit=1000").value("events", json::array()).size();
  }
  // Webhook deliveries to `team` whose body holds `needle`.
  std::vector<std::string> Told(const std::string& team, const std::string& needle) const {
    std::vector<std::string> out;
    for (const auto& r : hook_.requests()) {
      if (r.target == "/" + team && r.body.find(needle) != std::string::npos) {
        out.push_back(r.body);
      }
    }
    return out;
  }
  std::string ConsumerStatus(const std::string& product, const std::string& group) const {
    for (const auto& c : Get("/api/v1/deprecations/" + product).value("consumers", json::array())) {
      if (c["id"] == group) {
        return c["status"].get<std::string>();
      }
    }
    return "";
  }

 private:
  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<sim::MockKafka> kafka_;
  testing::HttpReceiver hook_;
  std::unique_ptr<Service> service_;
  int catalog_n_ = 0;
  std::int64_t offsets_ = 0;
  std::mutex mu_;
  std::vector<std::string> producing_;
  std::map<std::string, std::string> readers_;
  std::atomic<bool> running_{false};
  std::thread background_;
};

}  // namespace

TEST_CASE(
    "next version end to end: trades.v2 published with the metadata, trades deprecated with "
    "the default period, consumers told the field-level diff, the board follows them, the "
    "producer stopping early gives exactly one dual_support_broken, the last consumer moving "
    "exactly one ready_to_retire") {
  Estate estate;
  estate.Publish("trades");
  estate.Schema("trades-value", 1, kV1);
  estate.StartBackground();
  estate.Producing({"trades"});
  estate.Reads("analytics-trend", "trades");
  estate.Reads("risk-exposure", "trades");
  REQUIRE(WaitUntil([&] {
    return estate.Get("/api/v1/products/trades").value("consumers", 0) == 2 &&
           estate.Get("/api/v1/products/trades")["schema_versions"].size() == 1 &&
           estate.Count("producer_observed") == 1;
  }));

  const json next = {{"schemaType", "AVRO"}, {"schema", kV2}, {"reason", "prices become decimals"}};
  const std::string target = "/api/v1/products/trades/next-version";
  CHECK(estate.Send("POST", target, next, "").status == 401);
  CHECK(estate.Send("POST", target, next, "viewer").status == 403);
  CHECK(estate.Send("POST", target, next, "risk").status == 403);
  auto broken = next;
  broken["schema"] = "{\"type\":\"record\"";
  CHECK(estate.Send("POST", target, broken, "markets").status == 422);

  const auto before = SystemClock().Now();
  const auto created = estate.Send("POST", target, next, "markets");
  INFO(created.body);
  REQUIRE(created.status == 201);
  const auto answer = json::parse(created.body);
  CHECK(answer["product"] == "trades.v2");
  CHECK(answer["replaces"] == "trades");
  CHECK(answer["topic"] == "topic:local/trades.v2");
  CHECK(answer["diff"] == json::parse(R"([
    {"change":"retyped","path":"price","from_type":"int","to_type":"double"},
    {"change":"added","path":"venue","from_type":"","to_type":"string"}])"));
  // The default period: 90 days from now.
  const auto sunset = ParseRfc3339(answer["sunset"].get<std::string>());
  REQUIRE(sunset.ok());
  CHECK(*sunset >= before + std::chrono::days(90));
  CHECK(*sunset <= SystemClock().Now() + std::chrono::days(90));

  // Read-your-writes: both products as they now are.
  const auto v2 = estate.Get("/api/v1/products/trades.v2");
  CHECK(v2["status"] == "active");
  CHECK(v2["owner"] == "markets");
  CHECK(v2["domain"] == "markets");
  CHECK(v2["sla"] == "tier-1");
  CHECK(v2["tags"] == json({"trading"}));
  CHECK(v2["replaces"] == "trades");
  CHECK(v2["declared_schema"]["schema"] == kV2);
  const auto old = estate.Get("/api/v1/deprecations/trades");
  CHECK(old["replacement"] == "trades.v2");
  CHECK(old["reason"] == "prices become decimals");
  CHECK(estate.Send("POST", target, next, "markets").status == 409);  // not active any more

  // Each consumer team is told, with the diff.
  for (const std::string team : {"analytics", "risk"}) {
    REQUIRE(WaitUntil([&] { return !estate.Told(team, "Deprecated: trades").empty(); }));
    const auto bodies = estate.Told(team, "Deprecated: trades");
    REQUIRE(bodies.size() == 1);
    CHECK(bodies[0].find("retyped price: int") != std::string::npos);
    CHECK(bodies[0].find("added venue (string)") != std::string::npos);
  }

  // analytics moves: dual, then migrated once it stops reading the old topic.
  estate.Producing({"trades", "trades.v2"});
  estate.Reads("analytics-trend", "trades.v2");
  CHECK(WaitUntil([&] {
    return estate.ConsumerStatus("trades", "group:local/analytics-trend") == "migrated";
  }));
  CHECK(estate.ConsumerStatus("trades", "group:local/risk-exposure") == "not_started");
  CHECK(estate.Count("dual_support_broken") == 0);  // still written to while risk reads

  // The producer stops writing the old topic while risk still reads it.
  estate.Producing({"trades.v2"});
  REQUIRE(WaitUntil([&] { return estate.Count("dual_support_broken") == 1; }));
  REQUIRE(WaitUntil([&] { return estate.Told("markets", "Dual support broken").size() == 1; }));
  CHECK(estate.Told("markets", "Dual support broken")[0].find("risk-exposure") !=
        std::string::npos);
  CHECK(estate.Count("ready_to_retire") == 0);

  // risk moves too: nobody reads trades any more.
  estate.Reads("risk-exposure", "trades.v2");
  REQUIRE(WaitUntil([&] { return estate.Count("ready_to_retire") == 1; }));
  REQUIRE(WaitUntil([&] { return estate.Told("markets", "Ready to retire").size() == 1; }));
  std::this_thread::sleep_for(2s);  // more ticks decide nothing more
  CHECK(estate.Count("dual_support_broken") == 1);
  CHECK(estate.Count("ready_to_retire") == 1);
  CHECK(estate.Told("markets", "Dual support broken").size() == 1);
  CHECK(estate.ConsumerStatus("trades", "group:local/risk-exposure") == "migrated");
}

TEST_CASE(
    "next version resolves a breaking proposal (status versioned) and names its versions "
    "<base>.v<k+1>, a next version of a deprecated product is refused") {
  Estate estate;
  estate.Publish("quotes.v2");
  estate.Schema("quotes.v2-value", 1, kV1);
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/products/quotes.v2")["schema_versions"].size() == 1; }));
  estate.Reads("risk-quotes", "quotes.v2");
  estate.StartBackground();
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/products/quotes.v2").value("consumers", 0) == 1; }));
  const auto opened = estate.Send("POST", "/api/v1/proposals",
                                  {{"product", "quotes.v2"},
                                   {"schemaType", "AVRO"},
                                   {"schema", kV2},
                                   {"description", "decimals"}},
                                  "markets");
  INFO(opened.body);
  REQUIRE(opened.status == 201);
  const auto proposal = json::parse(opened.body);
  REQUIRE(proposal["status"] == "pending");

  const auto created = estate.Send("POST", "/api/v1/products/quotes.v2/next-version",
                                   {{"schema", kV2},
                                    {"reason", "decimals"},
                                    {"sunset", "2030-01-01T00:00:00Z"},
                                    {"proposal", proposal["id"]}},
                                   "markets");
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(json::parse(created.body)["product"] == "quotes.v3");
  CHECK(json::parse(created.body)["sunset"] == "2030-01-01T00:00:00.000Z");
  CHECK(estate.Get("/api/v1/proposals/" + proposal["id"].get<std::string>())["status"] ==
        "versioned");
  CHECK(estate.Get("/api/v1/products/quotes.v3")["declared_schema"]["schema"] == kV2);
  CHECK(estate
            .Send("POST", "/api/v1/products/quotes.v2/next-version",
                  {{"schema", kV2}, {"reason", "again"}}, "markets")
            .status == 409);
}
