// The service killed with SIGKILL during a burst of deliveries, then
// restarted: every notification reaches the receiver at least once, and a
// duplicate only ever carries the webhook-id of one already received.

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>

#include "ingest/catalog/catalog_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/schema_registry/schemas_encoder.h"
#include "support/estate_records.h"
#include "support/http_client.h"
#include "support/http_receiver.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/smtp_sink.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using tributary::testing::Catalog;
using tributary::testing::ChildProcess;
using tributary::testing::TempDir;
using tributary::testing::Trade;
using tributary::testing::WaitUntil;

namespace {

constexpr int kTeams = 60;

std::size_t Distinct(const testing::HttpReceiver& r) {
  std::set<std::string> ids;
  for (const auto& q : r.requests()) {
    ids.insert(q.headers.at("webhook-id"));
  }
  return ids.size();
}

}  // namespace

TEST_CASE("the service killed with SIGKILL during deliveries loses no notification") {
  TempDir dir;
  ChildProcess broker({"devbroker"}, dir / "broker.out");
  REQUIRE(broker.WaitForOutput("partitions=50", 10s));
  std::smatch m;
  const auto out = broker.Output();
  REQUIRE(std::regex_search(out, m, std::regex("bootstrap.servers=(\\S+)")));
  const std::string bootstrap = m[1];

  // A slow receiver: the burst of deliveries takes a few seconds.
  testing::HttpReceiver hook([](std::size_t) {
    return testing::ScriptedResponse{200, {}, "ok", std::chrono::milliseconds(40)};
  });

  const auto port = testing::FreePort();
  const auto config = dir / "tributary.toml";
  std::ofstream(config) << "[service]\ndata_dir = \"" << (dir / "data").string() << "\"\n"
                        << "http_listen = \"127.0.0.1:" << port << "\"\n"
                        << "[[clusters]]\nname = \"local\"\nbootstrap_servers = \"" << bootstrap
                        << "\"\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n"
                        << "catalog = { topic = \"tributary.catalog\" }\n"
                        << "schemas = { topic = \"_schemas\" }\n"
                        << "[notifications]\nallow_hosts = [\"127.0.0.1\"]\n"
                        << "[[channels]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \""
                        << hook.url() << "\"\n";
  const auto ready = [&] {
    try {
      return testing::HttpGet(port, "/readyz").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  };

  // The estate: one product read by one consumer group of each of 60 teams.
  {
    testing::KafkaProducer p(bootstrap);
    int n = 0;
    ProductPublished product;
    product.product = "stocktrades";
    product.cluster = "local";
    product.topic = "stocktrades";
    product.owner = "execution";
    product.domain = "execution";
    product.quality = "authoritative";
    product.sla = "tier-1";
    Catalog(p, ++n, product);
    for (int t = 0; t < kTeams; ++t) {
      const std::string team = "team-" + std::to_string(t);
      Catalog(p, ++n, TeamUpserted{team, team, {"hook"}});
      Catalog(p, ++n, OwnershipAssigned{NodeId::Group("local", team + "-reader"), team});
      ingest::consumer_offsets::OffsetCommit c;
      c.group = team + "-reader";
      c.topic = "stocktrades";
      c.offset = 1;
      c.commit_timestamp_ms = ToMillis(SystemClock().Now());
      const auto rec = ingest::consumer_offsets::Encode(c);
      p.Produce("__consumer_offsets", t % 50, rec.key, rec.value);
    }
    ingest::schema_registry::SchemaVersion v1;
    v1.subject = "stocktrades-value";
    v1.version = 1;
    v1.id = 1;
    v1.schema = Trade("double");
    const auto r1 = ingest::schema_registry::EncodeSchemasRecord(v1);
    p.Produce("_schemas", 0, r1.key, r1.value);
    const auto none = ingest::schema_registry::EncodeSchemasRecord(
        ingest::schema_registry::ConfigChanged{"stocktrades-value", "NONE"});
    p.Produce("_schemas", 0, none.key, none.value);
    p.Flush();
  }
  auto serve = std::make_unique<ChildProcess>(
      std::vector<std::string>{"serve", "--config", config.string()}, dir / "serve.out");
  REQUIRE(WaitUntil(ready, 60s));
  const bool mapped = WaitUntil(
      [&] {
        const auto r = testing::HttpGet(port, "/api/v1/impact?node=product:stocktrades");
        return r.status == 200 && nlohmann::json::parse(r.body)["consumers"].size() ==
                                      static_cast<std::size_t>(kTeams);
      },
      30s);
  REQUIRE(mapped);

  // A breaking change: one notification per team.
  {
    testing::KafkaProducer p(bootstrap);
    ingest::schema_registry::SchemaVersion v2;
    v2.subject = "stocktrades-value";
    v2.version = 2;
    v2.id = 2;
    v2.schema = Trade("string");
    const auto r2 = ingest::schema_registry::EncodeSchemasRecord(v2);
    p.Produce("_schemas", 0, r2.key, r2.value);
    p.Flush();
  }
  REQUIRE(hook.WaitFor(10, 30s));
  serve->Signal(SIGKILL);
  CHECK(serve->Wait() == 128 + SIGKILL);
  const auto before_restart = hook.count();
  INFO("received before the kill: " << before_restart);
  CHECK(before_restart < static_cast<std::size_t>(kTeams));  // killed mid-burst

  serve = std::make_unique<ChildProcess>(
      std::vector<std::string>{"serve", "--config", config.string()}, dir / "serve.out");
  REQUIRE(WaitUntil([&] { return Distinct(hook) == static_cast<std::size_t>(kTeams); }, 60s));
  std::this_thread::sleep_for(500ms);  // anything still on its way
  const auto requests = hook.requests();
  std::map<std::string, int> seen;
  for (const auto& r : requests) {
    ++seen[r.headers.at("webhook-id")];
    // Each request is a whole notification for one team.
    const auto body = nlohmann::json::parse(r.body);
    CHECK(body["type"] == "tributary.breaking_change");
  }
  CHECK(seen.size() == static_cast<std::size_t>(kTeams));
  const std::size_t duplicates = requests.size() - seen.size();
  INFO("requests " << requests.size() << ", duplicates " << duplicates);
  // A crash between a send and its record re-sends what was sent but not yet
  // recorded (outcomes are committed in small groups), each at most once and
  // always with the same webhook-id.
  for (const auto& [id, n] : seen) {
    INFO(id);
    CHECK(n <= 2);
  }
  CHECK(duplicates < static_cast<std::size_t>(kTeams) / 2);
  // The notification log shows every one delivered.
  REQUIRE(WaitUntil(
      [&] {
        const auto r = testing::HttpGet(port, "/api/v1/notifications?status=delivered&limit=1000");
        return r.status == 200 && nlohmann::json::parse(r.body)["notifications"].size() ==
                                      static_cast<std::size_t>(kTeams);
      },
      10s));
  serve->Signal(SIGTERM);
  CHECK(serve->Wait() == 0);
}
