#include "sim/simulator.h"

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ingest/audit_log/audit_log_decoder.h"
#include "ingest/catalog/catalog_decoder.h"
#include "ingest/consumer_offsets/consumer_offsets_decoder.h"
#include "ingest/openlineage/openlineage_decoder.h"
#include "ingest/schema_registry/schemas_decoder.h"
#include "sim/mock_kafka.h"
#include "tributary/overloaded.h"

namespace tributary::sim {
namespace {

namespace co = ingest::consumer_offsets;
namespace sr = ingest::schema_registry;

struct Record {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::int64_t timestamp_ms = 0;
};

// Every record of every source topic, from the beginning (partitions assigned,
// no group management), in partition order.
std::vector<Record> ReadAll(const std::string& bootstrap) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", "simulator-test", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  REQUIRE(rk != nullptr);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(64);
  std::size_t partitions = 0;
  for (const auto& topic : DefaultSourceTopics()) {
    for (int p = 0; p < topic.partitions; ++p) {
      rd_kafka_topic_partition_list_add(list, topic.name.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
      ++partitions;
    }
  }
  REQUIRE(rd_kafka_assign(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);

  std::vector<Record> records;
  std::set<std::pair<std::string, int>> at_end;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (at_end.size() < partitions && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) {
      continue;
    }
    const std::string topic = rd_kafka_topic_name(m->rkt);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert({topic, m->partition});
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Record r;
      r.topic = topic;
      if (m->key != nullptr) {
        r.key = std::string(static_cast<const char*>(m->key), m->key_len);
      }
      if (m->payload != nullptr) {
        r.value = std::string(static_cast<const char*>(m->payload), m->len);
      }
      r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  REQUIRE(at_end.size() == partitions);
  return records;
}

bool StorylineHas(const Simulator& sim, std::string_view text) {
  for (const auto& line : sim.Storyline()) {
    if (line.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Runs until the storyline shows `text` (or 30 s pass).
bool RunUntil(const Simulator& sim, std::string_view text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (StorylineHas(sim, text)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::optional<std::string_view> View(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

std::int64_t NowMs() { return ToMillis(SystemClock().Now()); }

}  // namespace

TEST_CASE("Simulator writes every input format and they decode", "[sim]") {
  auto kafka = MockKafka::Start(1, DefaultSourceTopics());
  REQUIRE(kafka.ok());
  const std::string bootstrap = (*kafka)->bootstrap_servers();
  SimulatorOptions options;
  options.bootstrap_servers = bootstrap;
  options.seed = 42;
  options.speed = 3600;
  const std::int64_t started_ms = NowMs();
  auto sim = Simulator::Start(options);
  REQUIRE(sim.ok());

  // At 3600 a simulated hour per real second: the breaking change (+12m), the
  // deprecation (+20m), the new consumer (+30m) and the revocation (+45m) come
  // within about a second.
  REQUIRE(RunUntil(**sim, "ACL revoked"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // denied fetches follow
  (*sim)->Stop();
  const std::int64_t stopped_ms = NowMs();
  (*sim)->Stop();  // idempotent

  // One run serves every check below (Catch2 would rerun the run for each SECTION).
  {
    INFO("the storyline reached the breaking change and the deprecation");
    CHECK(StorylineHas(**sim, "mesh online"));
    CHECK(StorylineHas(**sim, "compatible evolution"));
    CHECK(StorylineHas(**sim, "compatibility level set to NONE"));
    CHECK(StorylineHas(**sim, "(breaking change)"));
    CHECK(StorylineHas(**sim, "stocktrades deprecated"));
    CHECK(StorylineHas(**sim, "new consumer: group risk-backtest"));
    CHECK(StorylineHas(**sim, "starts reading stocktrades.v2 (dual read)"));
  }

  const auto records = ReadAll(bootstrap);
  CHECK((*sim)->records_produced() == static_cast<std::int64_t>(records.size()));

  const ingest::ClusterDirectory clusters({{"demo", "lkc-demo", {bootstrap}}});
  std::map<std::string, int> seen;  // topic -> records that decoded
  std::set<std::string> kinds;      // what was found, e.g. "co:offset_commit"
  std::int64_t newest_commit_ms = 0;
  for (const auto& r : records) {
    if (r.topic == "__consumer_offsets") {
      auto decoded = co::Decode(View(r.key), View(r.value));
      REQUIRE(decoded.ok());
      std::visit(
          Overloaded{
              [&](const co::OffsetCommit& c) {
                kinds.insert("co:offset_commit");
                newest_commit_ms = std::max(newest_commit_ms, c.commit_timestamp_ms);
                if (c.group == "settlement-service" && c.topic == "stocktrades.v2") {
                  kinds.insert("co:migrating_commit");
                }
                if (c.group == "risk-backtest" && c.topic == "stocktrades") {
                  kinds.insert("co:late_consumer_commit");
                }
              },
              [&](const co::GroupMetadata& g) {
                if (!g.members.empty() && g.members.front().subscription &&
                    g.members.front().assignment) {
                  kinds.insert("co:group_metadata");
                }
              },
              [&](const co::ConsumerGroupMetadata&) { kinds.insert("co:cg_metadata"); },
              [&](const co::ConsumerGroupPartitionMetadata&) {
                kinds.insert("co:cg_partition_metadata");
              },
              [&](const co::ConsumerGroupMemberMetadata&) { kinds.insert("co:cg_member"); },
              [&](const co::ConsumerGroupCurrentMemberAssignment&) {
                kinds.insert("co:cg_assignment");
              },
              [&](const co::ConsumerGroupRegularExpression&) { kinds.insert("co:cg_regex"); },
              [&](const co::SkippedRecord&) { kinds.insert("co:skipped"); },
              [&](const auto&) {},
          },
          *decoded);
    } else if (r.topic == "_schemas") {
      auto decoded = sr::DecodeSchemasRecord(View(r.key), View(r.value));
      REQUIRE(decoded.ok());
      if (const auto* c = std::get_if<sr::ConfigChanged>(&*decoded);
          c != nullptr && c->subject == "pageviews-value" && c->level == "NONE") {
        kinds.insert("sr:none");
      }
      if (const auto* v = std::get_if<sr::SchemaVersion>(&*decoded)) {
        kinds.insert("sr:" + v->subject + ":" + std::to_string(v->version));
      }
    } else if (r.topic == "tributary.catalog") {
      REQUIRE(r.value);
      auto decoded = ingest::catalog::DecodeCatalogEvent(*r.value);
      REQUIRE(decoded.ok());
      kinds.insert("catalog:" + decoded->type);
      if (const auto* d = std::get_if<ProductDeprecated>(&decoded->event)) {
        CHECK(d->product == "stocktrades");
        CHECK(d->replacement == std::optional<std::string>("stocktrades.v2"));
        CHECK(d->sunset - decoded->time == std::chrono::hours(72));
      }
      if (const auto* t = std::get_if<TeamUpserted>(&decoded->event)) {
        CHECK(t->contacts == std::vector<std::string>{"demo-inbox", "demo-email"});
        kinds.insert("team:" + t->team);
      }
      if (const auto* p = std::get_if<ProductPublished>(&decoded->event)) {
        CHECK(p->cluster == "demo");
      }
    } else if (r.topic == "confluent-audit-log-events") {
      REQUIRE(r.value);
      auto decoded = ingest::audit_log::DecodeAuditLogEvent(*r.value, clusters, "elsewhere");
      REQUIRE(decoded.ok());
      CHECK(decoded->cluster == "demo");
      kinds.insert(std::string("audit:") + std::string(ToString(decoded->action)));
      if (decoded->action == ingest::audit_log::AuditAction::kAclChange) {
        CHECK_FALSE(decoded->acl_bindings.empty());
      }
      if (decoded->method == "kafka.FetchConsumer" && !decoded->granted) {
        kinds.insert("audit:denied_fetch");
      }
    } else if (r.topic == "openlineage.events") {
      REQUIRE(r.value);
      auto decoded = ingest::openlineage::DecodeOpenLineageEvent(*r.value, clusters);
      REQUIRE(decoded.ok());
      kinds.insert(std::string("ol:") + std::string(ToString(decoded->kind)));
      for (const auto& input : decoded->inputs) {
        if (input == NodeId::Topic("demo", "stocktrades")) {
          kinds.insert("ol:reads_stocktrades");
        }
      }
    }
    ++seen[r.topic];
  }

  {
    INFO("every source topic has records");
    for (const auto& topic : DefaultSourceTopics()) {
      CHECK(seen[topic.name] > 0);
    }
  }

  {
    INFO("every format is present and decodes to what the storyline says");
    for (const char* kind : {"co:offset_commit",
                             "co:migrating_commit",
                             "co:late_consumer_commit",
                             "co:group_metadata",
                             "co:cg_metadata",
                             "co:cg_partition_metadata",
                             "co:cg_member",
                             "co:cg_assignment",
                             "co:cg_regex",
                             "co:skipped",
                             "sr:none",
                             "sr:users-value:2",
                             "sr:pageviews-value:2",
                             "sr:stocktrades.v2-value:1",
                             "catalog:tributary.product.published",
                             "catalog:tributary.product.deprecated",
                             "catalog:tributary.team.upserted",
                             "catalog:tributary.ownership.assigned",
                             "catalog:tributary.acl.created",
                             "catalog:tributary.acl.deleted",
                             "audit:produce",
                             "audit:consume",
                             "audit:acl_change",
                             "audit:denied_fetch",
                             "ol:RunEvent",
                             "ol:JobEvent",
                             "ol:DatasetEvent",
                             "ol:reads_stocktrades"}) {
      INFO(kind);
      CHECK(kinds.contains(kind));
    }
    const auto teams = std::count_if(kinds.begin(), kinds.end(),
                                     [](const std::string& k) { return k.rfind("team:", 0) == 0; });
    CHECK(teams >= 12);
  }

  {
    INFO("commit timestamps follow the simulated clock");
    // The simulated clock started at the real start and ran 3600 times faster.
    CHECK(newest_commit_ms > stopped_ms + 30 * 60 * 1000);
    CHECK(newest_commit_ms <= started_ms + (stopped_ms - started_ms + 1000) * 3600);
  }
}

TEST_CASE("Simulator is deterministic for a seed", "[sim]") {
  // The catalog CloudEvent ids come from the seeded generator, interleaved with
  // every other random choice: equal prefixes mean equal runs.
  auto ids_of_run = [](std::uint64_t seed) {
    auto kafka = MockKafka::Start(1, DefaultSourceTopics());
    REQUIRE(kafka.ok());
    SimulatorOptions options;
    options.bootstrap_servers = (*kafka)->bootstrap_servers();
    options.seed = seed;
    options.speed = 3600;
    auto sim = Simulator::Start(options);
    REQUIRE(sim.ok());
    REQUIRE(RunUntil(**sim, "compatibility level set to NONE"));
    (*sim)->Stop();
    std::vector<std::string> ids;
    for (const auto& r : ReadAll(options.bootstrap_servers)) {
      if (r.topic == "tributary.catalog") {
        auto decoded = ingest::catalog::DecodeCatalogEvent(*r.value);
        REQUIRE(decoded.ok());
        ids.push_back(decoded->id + " " + decoded->type);
      }
    }
    return ids;
  };
  const auto a = ids_of_run(9);
  const auto b = ids_of_run(9);
  const auto c = ids_of_run(10);
  REQUIRE(a.size() > 40);
  const std::size_t n = std::min(a.size(), b.size());
  CHECK(std::vector(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n)) ==
        std::vector(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)));
  CHECK(a.front() != c.front());
}

TEST_CASE("Simulator refuses bad options", "[sim]") {
  SimulatorOptions options;
  CHECK(Simulator::Start(options).status().code() == ErrorCode::kInvalidArgument);
  options.bootstrap_servers = "127.0.0.1:1";
  options.speed = 0;
  CHECK(Simulator::Start(options).status().code() == ErrorCode::kInvalidArgument);
}

}  // namespace tributary::sim
