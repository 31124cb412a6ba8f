#include "sim/simulator.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "ingest/audit_log/audit_log_encoder.h"
#include "ingest/catalog/catalog_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/openlineage/openlineage_encoder.h"
#include "ingest/schema_registry/schemas_encoder.h"
#include "tributary/clock.h"
#include "tributary/events.h"

namespace tributary::sim {
namespace {

namespace co = ingest::consumer_offsets;
namespace sr = ingest::schema_registry;

using ordered = nlohmann::ordered_json;

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

constexpr const char* kOffsetsTopic = "__consumer_offsets";
constexpr const char* kSchemasTopic = "_schemas";
constexpr const char* kAuditTopic = "confluent-audit-log-events";
constexpr const char* kCatalogTopic = "tributary.catalog";
constexpr const char* kLineageTopic = "openlineage.events";
constexpr const char* kTicksTopic = kMarketTicksTopic;
constexpr const char* kCatalogSource = "/tributary/demo/catalog";
constexpr std::size_t kStorylineLines = 1000;

// ---- the storyline's timetable (simulated time from the start of a cycle) ----
constexpr std::int64_t kCompatibleAt = 5 * kMinute;
constexpr std::int64_t kNoneAt = 10 * kMinute;
constexpr std::int64_t kBreakingAt = 12 * kMinute;
constexpr std::int64_t kDeprecateAt = 20 * kMinute;
constexpr std::int64_t kNewConsumerAt = 30 * kMinute;
constexpr std::int64_t kRevokeAt = 45 * kMinute;
constexpr std::int64_t kDeniedFetchesFor = 10 * kMinute;
constexpr std::int64_t kSunsetAfter = 3 * kDay;  // after the deprecation
constexpr std::int64_t kRetireAfterSunset = 6 * kHour;
constexpr std::int64_t kCycleLength = kDeprecateAt + kSunsetAfter + 12 * kHour;
constexpr std::int64_t kLineageRunningEvery = 15 * kMinute;
// Governance (first cycle): a required-field miss and its fix, a breaking
// users-value proposal and its sign-off, then a mirror job taking users out of
// its region (after the sign-off: its unapproved reading of personal data
// would fail the proposal's policies).
constexpr std::int64_t kUndescribedAt = 8 * kMinute;
constexpr std::int64_t kDescribedAt = 32 * kMinute;
constexpr std::int64_t kMirrorAt = 26 * kMinute;
constexpr std::int64_t kProposalAt = 16 * kMinute;
// Self-service (DESIGN.md §5): growth publishes a product through the API,
// customer-insights asks to read it, growth approves, the platform applies the ACL.
constexpr std::int64_t kSelfServicePublishAt = 6 * kMinute;
constexpr std::int64_t kAccessRequestAt = 9 * kMinute;
constexpr std::int64_t kAccessDecisionAt = 13 * kMinute;
constexpr std::int64_t kAclAppliedAt = 17 * kMinute;
constexpr const char* kSelfServiceOwner = "growth";
constexpr const char* kSelfServiceProduct = "campaign_conversions";
constexpr const char* kAccessTeam = "customer-insights";
constexpr const char* kAccessPrincipal = "User:svc-insights";
// The stock-trades owner creates each next generation through the API.
constexpr const char* kTradesOwner = "trade-gateway";
constexpr const char* kSchemaOwner = "user-identity";  // owns users
struct Signoff {
  const char* team;
  const char* decision;
  std::int64_t at;
  const char* comment;
};
constexpr Signoff kSignoffs[] = {
    {"growth", "approve", 18 * kMinute, "campaign targeting copes with it"},
    {"customer-insights", "approve", 20 * kMinute, "customer-360 fills it in for old records"},
    {"analytics-streaming", "reject", 22 * kMinute,
     "the ksqlDB join reads users with the old schema and would fail on every record"},
};

// Consumers of the deprecated generation and when they move (dual read at
// `dual`, old topic dropped at `drop`), cycle-relative.
struct Migration {
  const char* group;
  std::int64_t dual;
  std::int64_t drop;
};
constexpr Migration kMigrations[] = {
    {"settlement-service", 25 * kMinute, 33 * kMinute},
    {"risk-engine", 35 * kMinute, 43 * kMinute},
    {"portfolio-valuation", 50 * kMinute, 58 * kMinute},
    {"compliance-archiver", 65 * kMinute, kDeprecateAt + 2 * kDay},  // the laggard
};
struct JobMigration {
  const char* job;
  std::int64_t at;
};
constexpr JobMigration kJobMigrations[] = {
    {"trending_stocks", 40 * kMinute},
    {"high_value_stock_trades", 55 * kMinute},
    {"us_enriched_stock_trades", 70 * kMinute},
};
constexpr const char* kLateConsumer = "risk-backtest";

// ---- consumer health (DESIGN.md §10): market-ticks, which keeps 6 hours ----
// Records arrive on every partition once per tick (commit_every_); 5 hours of
// them are on the topic when the mesh comes online. risk-replay starts 4h30m
// behind and reads a third as fast as they arrive, committing every
// laggard_every_: its lag in records grows at every commit (WARNING) and its
// lag in time by 2/3 s a second, past 0.8 x 6 h = 4h48m about half an hour in
// (data-loss risk). ticks-archiver commits the same offset, an hour behind,
// every tick while the end offset moves on (STALLED).
constexpr std::int64_t kTicksRetention = 6 * kHour;  // declared in the catalog
constexpr std::int64_t kTicksBacklog = 5 * kHour;
constexpr std::int64_t kLaggardBehind = 4 * kHour + 30 * kMinute;
constexpr std::int64_t kLaggardSlowdown = 3;  // it reads 1 record of every 3
constexpr std::int64_t kStalledBehind = kHour;
constexpr const char* kLaggard = "risk-replay";
constexpr const char* kStalled = "ticks-archiver";
constexpr const char* kRevokedPrincipal = "User:svc-fraud-scan";

// Generation g of the stock-trades product: stocktrades, stocktrades.v2, ...
std::string StockTrades(int generation) {
  return generation == 0 ? "stocktrades" : "stocktrades.v" + std::to_string(generation + 1);
}
constexpr const char* kCurrent = "$stocktrades";  // placeholder: the generation in use

struct TeamSpec {
  const char* name;
  const char* display_name;
};
constexpr TeamSpec kTeams[] = {
    {"trade-gateway", "Trade Gateway"},
    {"settlement", "Settlement"},
    {"risk", "Risk Engineering"},
    {"portfolio", "Portfolio Analytics"},
    {"compliance", "Compliance & Reporting"},
    {"web-platform", "Web Platform"},
    {"marketing-analytics", "Marketing Analytics"},
    {"growth", "Growth"},
    {"user-identity", "User Identity"},
    {"accounts-platform", "Accounts Platform"},
    {"analytics-streaming", "Streaming Analytics"},
    {"fraud", "Fraud Detection"},
    {"customer-insights", "Customer Insights"},
};

struct ProductSpec {
  std::string name;
  std::string domain;
  std::string owner;
  std::string description;
  std::string quality;
  std::string sla;
  std::vector<std::string> tags;
  std::vector<std::string> allowed_regions = {};  // empty: anywhere
};

ProductSpec StockTradesProduct(int generation) {
  return {StockTrades(generation),
          "execution",
          "trade-gateway",
          generation == 0 ? "Every executed stock trade, as the trade gateway fills it"
                          : "Every executed stock trade (generation " +
                                std::to_string(generation + 1) + ": decimal prices, trade ids)",
          "authoritative",
          "tier-1",
          {"trading", "pii:none"}};
}

std::vector<ProductSpec> BaseProducts() {
  return {
      StockTradesProduct(0),
      StockTradesProduct(1),
      {"users",
       "users",
       "user-identity",
       "Registered users and their region",
       "authoritative",
       "tier-1",
       {"pii"},
       {"eu-west-1"}},
      {"accounts",
       "users",
       "accounts-platform",
       "Brokerage accounts and balances",
       "authoritative",
       "tier-1",
       {"pii", "finance"},
       {"eu-west-1"}},
      {"pageviews",
       "marketing",
       "web-platform",
       "Page views on the trading web site",
       "raw",
       "tier-3",
       {"clickstream"}},
      {"trending_stocks",
       "analytics",
       "analytics-streaming",
       "Symbols by trade count over one-minute windows (Flink)",
       "curated",
       "tier-2",
       {"derived"}},
      {"high_value_stock_trades",
       "analytics",
       "risk",
       "Trades above 100k USD notional (Flink)",
       "curated",
       "tier-2",
       {"derived", "risk"}},
      {"us_enriched_stock_trades",
       "analytics",
       "analytics-streaming",
       "US trades joined with user regions (ksqlDB)",
       "curated",
       "tier-2",
       {"derived"}},
  };
}

int PartitionsOf(std::string_view topic) {
  if (topic.rfind("stocktrades", 0) == 0 || topic == "pageviews") {
    return 6;
  }
  return 3;
}

struct GroupSpec {
  const char* name;
  const char* team;
  bool kip848;
  const char* regex;  // KIP-848 regular-expression subscription, else nullptr
  std::vector<std::string> topics;
};

std::vector<GroupSpec> GroupSpecs() {
  return {
      {"settlement-service", "settlement", false, nullptr, {kCurrent}},
      {"risk-engine", "risk", true, nullptr, {kCurrent}},
      {"portfolio-valuation", "portfolio", false, nullptr, {kCurrent, "accounts"}},
      {"compliance-archiver", "compliance", true, nullptr, {kCurrent}},
      {"pageview-sessionizer", "marketing-analytics", false, nullptr, {"pageviews"}},
      {"growth-campaigns", "growth", true, nullptr, {"pageviews", "users"}},
      {"customer-360", "customer-insights", true, "users|accounts", {"users", "accounts"}},
      {"trending-dashboard", "analytics-streaming", false, nullptr, {"trending_stocks"}},
      {"high-value-alerts", "fraud", false, nullptr, {"high_value_stock_trades"}},
      {"us-trade-reporting", "compliance", true, nullptr, {"us_enriched_stock_trades"}},
      {kLateConsumer, "risk", false, nullptr, {}},
  };
}

struct PrincipalSpec {
  const char* principal;
  const char* team;
};
constexpr PrincipalSpec kPrincipals[] = {
    {"User:svc-trade-gateway", "trade-gateway"},
    {"User:svc-web-tracker", "web-platform"},
    {"User:svc-user-service", "user-identity"},
    {"User:svc-accounts", "accounts-platform"},
    {kRevokedPrincipal, "fraud"},
    {"User:svc-flink", "analytics-streaming"},
};

struct JobSpec {
  const char* job_namespace;
  const char* name;
  const char* team;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

std::vector<JobSpec> JobSpecs() {
  return {
      {"demo-flink", "trending_stocks", "analytics-streaming", {kCurrent}, {"trending_stocks"}},
      {"demo-flink", "high_value_stock_trades", "risk", {kCurrent}, {"high_value_stock_trades"}},
      {"demo-ksqldb",
       "us_enriched_stock_trades",
       "analytics-streaming",
       {kCurrent, "users"},
       {"us_enriched_stock_trades"}},
  };
}

// ---- Avro schemas -------------------------------------------------------------

ordered Field(const char* name, ordered type) { return ordered{{"name", name}, {"type", type}}; }

// A field holding personal data, tagged as Confluent's data contracts tag it.
ordered PiiField(const char* name, ordered type) {
  auto field = Field(name, std::move(type));
  field["confluent:tags"] = ordered::array({"PII"});
  return field;
}

std::string AvroRecord(const std::string& name, std::vector<ordered> fields) {
  ordered record;
  record["type"] = "record";
  record["name"] = name;
  record["namespace"] = "io.tributary.demo";
  record["fields"] = std::move(fields);
  return record.dump();
}

std::string StockTradesSchema(int generation) {
  std::vector<ordered> fields = {Field("side", "string"), Field("quantity", "int"),
                                 Field("symbol", "string")};
  if (generation == 0) {
    fields.push_back(Field("price", "int"));
  } else {
    fields.push_back(Field(
        "price",
        ordered{{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", 18}, {"scale", 4}}));
    fields.push_back(Field("trade_id", "string"));
  }
  fields.push_back(Field("account", "string"));
  fields.push_back(Field("userid", "string"));
  return AvroRecord(generation == 0 ? "StockTrade" : "StockTradeV" + std::to_string(generation + 1),
                    std::move(fields));
}

// `date_of_birth`: the breaking candidate of the proposal (a required field).
std::string UsersSchema(const std::vector<std::string>& extra_fields, bool date_of_birth = false) {
  std::vector<ordered> fields = {Field("registertime", "long"), PiiField("userid", "string"),
                                 Field("regionid", "string"), PiiField("gender", "string")};
  for (const auto& f : extra_fields) {
    fields.push_back(
        ordered{{"name", f}, {"type", ordered::array({"null", "string"})}, {"default", nullptr}});
  }
  if (date_of_birth) {
    fields.push_back(PiiField("date_of_birth", "string"));
  }
  return AvroRecord("User", std::move(fields));
}

std::string PageviewsSchema(const char* viewtime_type) {
  return AvroRecord("PageView", {Field("viewtime", viewtime_type), Field("userid", "string"),
                                 Field("pageid", "string")});
}

std::string SchemaOf(const std::string& product) {
  if (product == "users") {
    return UsersSchema({});
  }
  if (product == "pageviews") {
    return PageviewsSchema("long");
  }
  if (product == "accounts") {
    return AvroRecord("Account", {Field("account_id", "string"), PiiField("userid", "string"),
                                  Field("balance", "double"), Field("currency", "string")});
  }
  if (product == "trending_stocks") {
    return AvroRecord("TrendingStock", {Field("symbol", "string"), Field("trade_count", "long"),
                                        Field("window_start", "long")});
  }
  if (product == "high_value_stock_trades") {
    return StockTradesSchema(0);
  }
  if (product == "us_enriched_stock_trades") {
    return AvroRecord("EnrichedStockTrade",
                      {Field("symbol", "string"), Field("quantity", "int"), Field("price", "int"),
                       PiiField("userid", "string"), Field("regionid", "string")});
  }
  return StockTradesSchema(0);
}

// Kafka's group coordinator partition: abs(groupId.hashCode()) % partitions.
std::int32_t CoordinatorPartition(std::string_view group, std::int32_t partitions) {
  std::uint32_t h = 0;
  for (const unsigned char c : group) {
    h = 31 * h + c;
  }
  return static_cast<std::int32_t>((h & 0x7fffffffU) % static_cast<std::uint32_t>(partitions));
}

// A stable topic id for a topic name (the mock cluster's ids are not visible
// through the offsets topic; any stable UUID serves).
co::Uuid TopicId(std::string_view topic) {
  co::Uuid id;
  std::uint64_t h1 = 1469598103934665603ULL;
  std::uint64_t h2 = 7809847782465536322ULL;
  for (const unsigned char c : topic) {
    h1 = (h1 ^ c) * 1099511628211ULL;
    h2 = (h2 ^ c) * 1099511628211ULL + 0x9e3779b97f4a7c15ULL;
  }
  for (int i = 0; i < 8; ++i) {
    id.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(h1 >> (8 * i));
    id.bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(h2 >> (8 * i));
  }
  return id;
}

// ---- the Kafka producer -------------------------------------------------------

// Owns one librdkafka producer; used by the simulation thread only, except the
// counters.
class RecordProducer {
 public:
  static Result<std::unique_ptr<RecordProducer>> Create(const std::string& bootstrap) {
    std::unique_ptr<RecordProducer> p(new RecordProducer());
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::pair<const char*, const char*> settings[] = {
        {"bootstrap.servers", bootstrap.c_str()},
        {"client.id", "tributary-demo-simulator"},
        {"linger.ms", "5"},
        {"enable.idempotence", "false"},
        {"queue.buffering.max.messages", "500000"},
        {"message.timeout.ms", "30000"},
        {"log_level", "3"},
    };
    for (const auto& [key, value] : settings) {
      if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return InvalidArgument(std::string("simulator: ") + key + ": " + errstr);
      }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, &RecordProducer::OnDelivery);
    rd_kafka_conf_set_opaque(conf, p.get());
    p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (p->rk_ == nullptr) {
      rd_kafka_conf_destroy(conf);
      return Internal(std::string("simulator: cannot create a Kafka producer: ") + errstr);
    }
    return p;
  }

  ~RecordProducer() {
    if (rk_ != nullptr) {
      rd_kafka_flush(rk_, 10000);
      rd_kafka_destroy(rk_);
    }
  }

  // The partition count of `topic` if the cluster has it, else 0; asks for
  // every topic's metadata, so that asking creates nothing (a request naming
  // the topic would have the mock cluster create it).
  Result<std::int32_t> PartitionsIfExists(const std::string& topic, int timeout_ms) {
    const rd_kafka_metadata_t* md = nullptr;
    const auto err = rd_kafka_metadata(rk_, 1, nullptr, &md, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable("simulator: cannot read the cluster's metadata: " +
                         std::string(rd_kafka_err2str(err)));
    }
    std::int32_t partitions = 0;
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        partitions = md->topics[i].partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(md);
    return partitions;
  }

  // The partition count of `topic`, asking the cluster.
  Result<std::int32_t> Partitions(const std::string& topic, int timeout_ms) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const auto err = rd_kafka_metadata(rk_, 0, t, &md, timeout_ms);
    rd_kafka_topic_destroy(t);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable("simulator: cannot read the metadata of " + topic + ": " +
                         rd_kafka_err2str(err));
    }
    std::int32_t partitions = 0;
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      partitions = md->topics[0].partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    if (partitions <= 0) {
      return NotFound("simulator: the cluster has no topic " + topic);
    }
    return partitions;
  }

  // Queues a record (partition -1: by key), waiting while the queue is full
  // unless `stop` is set. nullopt value: a tombstone.
  void Produce(const char* topic, std::int32_t partition, std::optional<std::string_view> key,
               std::optional<std::string_view> value, std::int64_t timestamp_ms,
               const std::atomic<bool>& stop) {
    const void* key_data = key ? static_cast<const void*>(key->data()) : nullptr;
    void* value_data = value ? const_cast<char*>(value->data()) : nullptr;
    const std::size_t key_size = key ? key->size() : 0;
    const std::size_t value_size = value ? value->size() : 0;
    const std::int32_t target = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
    for (;;) {
      const auto err = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(target),
                                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_KEY(key_data, key_size),
                                         RD_KAFKA_V_VALUE(value_data, value_size),
                                         RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop.load()) {
        rd_kafka_poll(rk_, 20);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failed_.fetch_add(1);
      }
      return;
    }
  }

  void Poll() { rd_kafka_poll(rk_, 0); }
  void Flush(int timeout_ms) { rd_kafka_flush(rk_, timeout_ms); }
  std::int64_t delivered() const { return delivered_.load(); }
  std::int64_t failed() const { return failed_.load(); }

 private:
  RecordProducer() = default;

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<RecordProducer*>(opaque);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->delivered_.fetch_add(1);
    } else {
      self->failed_.fetch_add(1);
    }
  }

  rd_kafka_t* rk_ = nullptr;
  std::atomic<std::int64_t> delivered_{0};
  std::atomic<std::int64_t> failed_{0};
};

// ---- simulated state ------------------------------------------------------------

struct Member {
  std::string member_id;
  std::string client_id;
  std::string host;
};

struct GroupState {
  GroupSpec spec;
  std::set<std::string> topics;  // the topics it reads now
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> offsets;
  std::int32_t generation = 0;  // classic generation / KIP-848 group epoch
  std::vector<Member> members;
};

// The partitions of `topics` assigned to member `member` of `members`:
// partition p of every topic goes to member p % members.
std::vector<std::pair<std::string, std::vector<std::int32_t>>> AssignedPartitions(
    const std::vector<std::string>& topics, std::size_t members, std::size_t member) {
  std::vector<std::pair<std::string, std::vector<std::int32_t>>> out;
  for (const auto& topic : topics) {
    std::vector<std::int32_t> partitions;
    for (std::int32_t p = 0; p < PartitionsOf(topic); ++p) {
      if (static_cast<std::size_t>(p) % members == member) {
        partitions.push_back(p);
      }
    }
    out.emplace_back(topic, std::move(partitions));
  }
  return out;
}

struct JobState {
  JobSpec spec;
  std::vector<std::string> inputs;  // topics read now
  std::string run_id;
  std::string output_namespace;  // where its outputs live; empty: the demo cluster
};

}  // namespace

class Simulator::Impl {
 public:
  Impl(SimulatorOptions options, std::unique_ptr<RecordProducer> producer,
       std::int32_t offsets_partitions, std::int32_t ticks_partitions)
      : options_(std::move(options)),
        producer_(std::move(producer)),
        offsets_partitions_(offsets_partitions),
        ticks_partitions_(ticks_partitions),
        rng_(options_.seed),
        sim_start_ms_(ToMillis(options_.origin ? *options_.origin : SystemClock().Now())),
        real_start_(options_.origin ? options_.origin_steady : std::chrono::steady_clock::now()) {
    // Commits every 10 simulated seconds, but not more often than every 50 ms of
    // real time (at high speeds), so the volume stays bounded.
    commit_every_ =
        std::max<std::int64_t>(10 * kSecond, static_cast<std::int64_t>(options_.speed * 50));
    // The laggard commits at most every 6 s of real time, so that a health
    // check's end offsets (every few seconds) fall between its commits.
    laggard_every_ =
        std::max<std::int64_t>(6 * kMinute, static_cast<std::int64_t>(options_.speed * 6000));
    audit_every_ = std::max<std::int64_t>(kMinute, static_cast<std::int64_t>(options_.speed * 100));
    std::string namespace_hosts;
    for (const char c : options_.bootstrap_servers) {
      if (c != ' ') {
        namespace_hosts.push_back(c);
      }
    }
    kafka_namespace_ = "kafka://" + namespace_hosts;
  }

  ~Impl() { Stop(); }

  void Begin() {
    At(sim_start_ms_, [this](std::int64_t t) { StartCycle(0, t); });
    At(sim_start_ms_ + commit_every_, [this](std::int64_t t) { CommitTick(t); });
    At(sim_start_ms_ + kSecond, [this](std::int64_t t) { AuditTick(t); });
    At(sim_start_ms_ + kLineageRunningEvery, [this](std::int64_t t) { LineageTick(t); });
    thread_ = std::thread([this] { Run(); });
  }

  void Stop() {
    std::lock_guard stopping(stop_mu_);
    {
      std::lock_guard lock(mu_);
      stop_.store(true);
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
    producer_->Flush(10000);
  }

  std::vector<std::string> Storyline() const {
    std::lock_guard lock(story_mu_);
    return {story_.begin(), story_.end()};
  }

  std::int64_t records_produced() const { return producer_->delivered(); }

 private:
  using Action = std::function<void(std::int64_t)>;

  // ---- clock and schedule -------------------------------------------------------

  std::chrono::steady_clock::time_point RealDeadline(std::int64_t sim_ms) const {
    const double real_ms = static_cast<double>(sim_ms - sim_start_ms_) / options_.speed;
    return real_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double, std::milli>(real_ms));
  }

  void At(std::int64_t sim_ms, Action action) { schedule_.emplace(sim_ms, std::move(action)); }

  void Run() {
    while (!schedule_.empty()) {
      const auto deadline = RealDeadline(schedule_.begin()->first);
      for (;;) {
        producer_->Poll();
        std::unique_lock lock(mu_);
        if (stop_.load()) {
          return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
          break;
        }
        cv_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(100)));
      }
      auto node = schedule_.extract(schedule_.begin());
      node.mapped()(node.key());
    }
  }

  void Note(std::int64_t t, std::string what) {
    std::lock_guard lock(story_mu_);
    story_.push_back(FormatRfc3339(FromMillis(t)) + "  " + std::move(what));
    while (story_.size() > kStorylineLines) {
      story_.pop_front();
    }
  }

  std::string NewUuid() {
    const std::uint64_t a = rng_();
    const std::uint64_t b = rng_();
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return text;
  }

  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  std::string Resolve(const std::string& topic) const {
    return topic == kCurrent ? StockTrades(generation_) : topic;
  }

  // ---- writers, one per format ----------------------------------------------------

  void Produce(const char* topic, std::int32_t partition, std::optional<std::string_view> key,
               std::optional<std::string_view> value, std::int64_t t) {
    producer_->Produce(topic, partition, key, value, t, stop_);
  }

  void Offsets(const co::EncodedRecord& record, const std::string& group, std::int64_t t) {
    Produce(kOffsetsTopic, CoordinatorPartition(group, offsets_partitions_), record.key,
            record.value ? std::optional<std::string_view>(*record.value) : std::nullopt, t);
  }

  void Schemas(const sr::SchemasRecord& record, std::int64_t t) {
    const auto encoded = sr::EncodeSchemasRecord(record);
    Produce(kSchemasTopic, 0, encoded.key,
            encoded.value ? std::optional<std::string_view>(*encoded.value) : std::nullopt, t);
  }

  std::int32_t RegisterSchema(const std::string& subject, std::string schema, std::int64_t t) {
    const std::int32_t version = ++subject_versions_[subject];
    Schemas(
        sr::SchemaVersion{
            subject, version, ++last_schema_id_, "AVRO", {}, std::move(schema), false},
        t);
    return version;
  }

  void Catalog(const DomainEvent& event, const std::string& key, std::int64_t t) {
    const ingest::catalog::CatalogEnvelope envelope{NewUuid(), kCatalogSource, FromMillis(t)};
    auto value = ingest::catalog::EncodeCatalogEvent(envelope, event);
    if (!value.ok()) {
      Note(t, "simulator bug: " + value.status().message());
      return;
    }
    Produce(kCatalogTopic, -1, key, *value, t);
  }

  void Audit(const std::string& principal, const char* method, const char* operation,
             const std::string& topic, bool granted, std::int64_t t,
             std::vector<AclBinding> creations = {}) {
    ingest::audit_log::AuditLogSpec spec;
    spec.id = NewUuid();
    spec.time = FromMillis(t);
    spec.cluster_id = options_.cluster_id;
    spec.principal = principal;
    spec.method = method;
    spec.operation = operation;
    if (creations.empty()) {
      spec.resource_type = "Topic";
      spec.resource_name = topic;
    } else {
      spec.resource_type = "Cluster";
    }
    spec.granted = granted;
    spec.acl_creations = std::move(creations);
    spec.client_id = principal.substr(principal.find(':') + 1);
    spec.client_address = "/10.20.0." + std::to_string(10 + principal.size() % 40);
    Produce(kAuditTopic, -1, std::nullopt, ingest::audit_log::EncodeAuditLogEvent(spec), t);
  }

  void Lineage(JobState& job, const char* event_type, std::int64_t t) {
    ingest::openlineage::RunEventSpec spec;
    spec.event_type = event_type;
    spec.time = FromMillis(t);
    spec.run_id = job.run_id;
    spec.job_namespace = job.spec.job_namespace;
    spec.job_name = job.spec.name;
    for (const auto& topic : job.inputs) {
      spec.inputs.push_back({kafka_namespace_, topic});
    }
    for (const auto& topic : job.spec.outputs) {
      spec.outputs.push_back(
          {job.output_namespace.empty() ? kafka_namespace_ : job.output_namespace, topic});
    }
    if (std::string_view(job.spec.job_namespace) == "demo-ksqldb") {
      spec.producer = "https://github.com/OpenLineage/OpenLineage/tree/1.26.0/integration/ksqldb";
    }
    const std::string key = std::string(job.spec.job_namespace) + "/" + job.spec.name;
    Produce(kLineageTopic, -1, key, ingest::openlineage::EncodeRunEvent(spec), t);
  }

  AclBinding Acl(const std::string& principal, const std::string& resource_name,
                 const char* pattern, const char* operation) const {
    return AclBinding{options_.cluster, principal, "TOPIC", resource_name,
                      pattern,          operation, "ALLOW", "*"};
  }

  // ---- consumer groups ----------------------------------------------------------

  // Writes the group's membership for its current topics: classic GroupMetadata,
  // or the KIP-848 record family.
  // Writes the group's state after a change of its topics: classic GroupMetadata,
  // or the KIP-848 records a broker writes for a consumer group.
  void WriteGroup(GroupState& g, std::int64_t t) {
    ++g.generation;
    if (g.members.empty() && !g.topics.empty()) {
      JoinMembers(g);
    }
    const std::vector<std::string> topics(g.topics.begin(), g.topics.end());
    if (!g.spec.kip848) {
      WriteClassicGroup(g, topics, t);
    } else if (topics.empty()) {
      WriteEmptyConsumerGroup(g, t);
    } else {
      WriteConsumerGroup(g, topics, t);
    }
  }

  // Two members with client ids <group>-1 and <group>-2 on random hosts.
  void JoinMembers(GroupState& g) {
    for (int i = 0; i < 2; ++i) {
      Member m;
      m.client_id = std::string(g.spec.name) + "-" + std::to_string(i + 1);
      if (g.spec.kip848) {
        co::Uuid id;
        const std::uint64_t a = rng_();
        const std::uint64_t b = rng_();
        for (int k = 0; k < 8; ++k) {
          id.bytes[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(a >> (8 * k));
          id.bytes[static_cast<std::size_t>(8 + k)] = static_cast<std::uint8_t>(b >> (8 * k));
        }
        m.member_id = id.ToString();
      } else {
        m.member_id = m.client_id + "-" + NewUuid();
      }
      m.host = "/10.30." + std::to_string(Uniform(0, 9)) + "." + std::to_string(Uniform(2, 250));
      g.members.push_back(std::move(m));
    }
  }

  void WriteClassicGroup(GroupState& g, const std::vector<std::string>& topics, std::int64_t t) {
    co::GroupMetadata md;
    md.value_version = 3;
    md.group = g.spec.name;
    md.protocol_type = "consumer";
    md.generation = g.generation;
    md.current_state_timestamp_ms = t;
    if (topics.empty()) {
      g.members.clear();  // an Empty group keeps its offsets, not its members
    } else {
      md.protocol = "cooperative-sticky";
      md.leader = g.members.front().member_id;
      for (std::size_t i = 0; i < g.members.size(); ++i) {
        co::GroupMember m;
        m.member_id = g.members[i].member_id;
        m.client_id = g.members[i].client_id;
        m.client_host = g.members[i].host;
        m.rebalance_timeout_ms = 300000;
        m.session_timeout_ms = 45000;
        co::ConsumerSubscription subscription;
        subscription.topics = topics;
        co::ConsumerAssignment assignment;
        for (auto& [topic, partitions] : AssignedPartitions(topics, g.members.size(), i)) {
          assignment.assigned_partitions.push_back({topic, partitions});
        }
        subscription.owned_partitions = assignment.assigned_partitions;
        m.subscription = std::move(subscription);
        m.assignment = std::move(assignment);
        md.members.push_back(std::move(m));
      }
    }
    Offsets(co::Encode(md), md.group, t);
  }

  // A KIP-848 group without topics: its members leave, the group stays.
  void WriteEmptyConsumerGroup(GroupState& g, std::int64_t t) {
    const std::string group = g.spec.name;
    for (const auto& m : g.members) {
      Offsets(co::Encode(co::ConsumerGroupCurrentMemberAssignmentTombstone{group, m.member_id}),
              group, t);
      Offsets(co::Encode(co::ConsumerGroupMemberMetadataTombstone{group, m.member_id}), group, t);
    }
    g.members.clear();
    Offsets(co::Encode(co::ConsumerGroupMetadata{0, group, g.generation, {}}), group, t);
  }

  // In the order a broker writes them: subscriptions, topic metadata and the
  // group epoch, then the target and current assignments.
  void WriteConsumerGroup(const GroupState& g, const std::vector<std::string>& topics,
                          std::int64_t t) {
    WriteSubscriptions(g, topics, t);
    const std::string group = g.spec.name;
    co::ConsumerGroupPartitionMetadata partitions;
    partitions.group = group;
    for (const auto& topic : topics) {
      co::TopicMetadata tm;
      tm.topic_id = TopicId(topic);
      tm.topic_name = topic;
      tm.num_partitions = PartitionsOf(topic);
      partitions.topics.push_back(std::move(tm));
    }
    Offsets(co::Encode(partitions), group, t);
    Offsets(co::Encode(co::ConsumerGroupMetadata{0, group, g.generation, {}}), group, t);
    WriteAssignments(g, topics, t);
  }

  // The group's regular expression, if it subscribes by one, and each member's metadata.
  void WriteSubscriptions(const GroupState& g, const std::vector<std::string>& topics,
                          std::int64_t t) {
    const std::string group = g.spec.name;
    if (g.spec.regex != nullptr) {
      co::ConsumerGroupRegularExpression regex;
      regex.group = group;
      regex.regex = g.spec.regex;
      regex.topics = topics;
      regex.version = g.generation;
      regex.timestamp_ms = t;
      Offsets(co::Encode(regex), group, t);
    }
    for (const auto& m : g.members) {
      co::ConsumerGroupMemberMetadata md;
      md.group = group;
      md.member_id = m.member_id;
      md.client_id = m.client_id;
      md.client_host = m.host;
      if (g.spec.regex != nullptr) {
        md.subscribed_topic_regex = g.spec.regex;
      } else {
        md.subscribed_topic_names = topics;
      }
      md.rebalance_timeout_ms = 300000;
      md.server_assignor = "uniform";
      Offsets(co::Encode(md), group, t);
    }
  }

  void WriteAssignments(const GroupState& g, const std::vector<std::string>& topics,
                        std::int64_t t) {
    const std::string group = g.spec.name;
    std::vector<std::vector<co::TopicIdPartitions>> assignments;
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      std::vector<co::TopicIdPartitions> tps;
      for (auto& [topic, ps] : AssignedPartitions(topics, g.members.size(), i)) {
        tps.push_back({TopicId(topic), ps, {}});
      }
      co::ConsumerGroupTargetAssignmentMember target;
      target.group = group;
      target.member_id = g.members[i].member_id;
      target.topic_partitions = tps;
      Offsets(co::Encode(target), group, t);
      assignments.push_back(std::move(tps));
    }
    Offsets(co::Encode(co::ConsumerGroupTargetAssignmentMetadata{0, group, g.generation, {}}),
            group, t);
    for (std::size_t i = 0; i < g.members.size(); ++i) {
      co::ConsumerGroupCurrentMemberAssignment current;
      current.group = group;
      current.member_id = g.members[i].member_id;
      current.member_epoch = g.generation;
      current.previous_member_epoch = g.generation - 1;
      current.assigned_partitions = assignments[i];
      Offsets(co::Encode(current), group, t);
    }
  }

  void StartReading(const std::string& group, const std::string& topic, std::int64_t t) {
    auto& g = groups_.at(group);
    if (g.topics.insert(topic).second) {
      WriteGroup(g, t);
    }
  }

  void StopReading(const std::string& group, const std::string& topic, std::int64_t t,
                   bool delete_offsets) {
    auto& g = groups_.at(group);
    if (g.topics.erase(topic) == 0) {
      return;
    }
    WriteGroup(g, t);
    if (delete_offsets) {
      for (std::int32_t p = 0; p < PartitionsOf(topic); ++p) {
        Offsets(co::Encode(co::OffsetCommitTombstone{1, group, topic, p}), group, t);
        g.offsets.erase({topic, p});
      }
    }
  }

  void CommitTick(std::int64_t t) {
    for (auto& [name, g] : groups_) {
      for (const auto& topic : g.topics) {
        for (std::int32_t p = 0; p < PartitionsOf(topic); ++p) {
          auto& offset = g.offsets[{topic, p}];
          offset += Uniform(20, 400);
          co::OffsetCommit commit;
          commit.value_version = g.spec.kip848 ? 4 : 3;
          commit.group = name;
          commit.topic = topic;
          commit.partition = p;
          commit.offset = offset;
          commit.leader_epoch = 0;
          commit.commit_timestamp_ms = t;
          Offsets(co::Encode(commit), name, t);
        }
      }
    }
    At(t + commit_every_, [this](std::int64_t next) { CommitTick(next); });
  }

  // ---- consumer health: a laggard heading for data loss, a stalled group -----------

  void StartHealthStory(std::int64_t t) {
    ProductPublished e;
    e.product = kTicksTopic;
    e.cluster = options_.cluster;
    e.topic = kTicksTopic;
    e.domain = "execution";
    e.owner = "trade-gateway";
    e.description = "Top-of-book quotes for every listed symbol, kept for 6 hours";
    e.quality = "raw";
    e.sla = "tier-2";
    e.tags = {"trading", "market-data"};
    e.history = "recent";
    e.retention_ms = kTicksRetention;
    Catalog(e, kTicksTopic, t);
    Catalog(OwnershipAssigned{NodeId::Group(options_.cluster, kLaggard), "risk"}, kLaggard, t);
    Catalog(OwnershipAssigned{NodeId::Group(options_.cluster, kStalled), "compliance"}, kStalled,
            t);
    producing_["User:svc-trade-gateway"].insert(kTicksTopic);
    ticks_backlog_ = kTicksBacklog / commit_every_;
    ticks_end_.assign(static_cast<std::size_t>(ticks_partitions_), 0);
    for (std::int64_t k = 0; k < ticks_backlog_; ++k) {
      ProduceTicks(t - kTicksBacklog + k * commit_every_);
    }
    CommitTicks(kLaggard, ticks_backlog_ - kLaggardBehind / commit_every_, t);
    CommitTicks(kStalled, ticks_backlog_ - kStalledBehind / commit_every_, t);
    Note(t, std::string("group ") + kLaggard + " replays " + kTicksTopic +
                " (keeps 6 hours) from 4h30m back, reading a third as fast as it is written");
    Note(t, std::string("group ") + kStalled + " is stuck on " + kTicksTopic +
                ": it commits the same offset while records arrive");
    At(t + commit_every_, [this](std::int64_t next) { TicksTick(next); });
    At(t + laggard_every_, [this](std::int64_t next) { LaggardTick(next); });
  }

  // One record on every partition of market-ticks, stamped `t`.
  void ProduceTicks(std::int64_t t) {
    static constexpr const char* kSymbols[] = {"ACME", "GLOBX", "INITech", "UMBR", "WAYN"};
    for (std::int32_t p = 0; p < ticks_partitions_; ++p) {
      auto& end = ticks_end_[static_cast<std::size_t>(p)];
      const std::string value = std::string(R"({"symbol":")") +
                                kSymbols[(end + p) % std::size(kSymbols)] + R"(","bid":)" +
                                std::to_string(100 + end % 17) + "}";
      Produce(kTicksTopic, p, std::nullopt, value, t);
      ++end;
    }
  }

  // `group` commits `offset` on every partition of market-ticks.
  void CommitTicks(const char* group, std::int64_t offset, std::int64_t t) {
    for (std::int32_t p = 0; p < ticks_partitions_; ++p) {
      co::OffsetCommit commit;
      commit.value_version = 3;
      commit.group = group;
      commit.topic = kTicksTopic;
      commit.partition = p;
      commit.offset = std::max<std::int64_t>(0, offset);
      commit.leader_epoch = 0;
      commit.commit_timestamp_ms = t;
      Offsets(co::Encode(commit), group, t);
    }
  }

  void TicksTick(std::int64_t t) {
    ProduceTicks(t);
    CommitTicks(kStalled, ticks_backlog_ - kStalledBehind / commit_every_, t);
    At(t + commit_every_, [this](std::int64_t next) { TicksTick(next); });
  }

  void LaggardTick(std::int64_t t) {
    const std::int64_t written = ticks_end_.empty() ? 0 : ticks_end_.front() - ticks_backlog_;
    CommitTicks(kLaggard,
                ticks_backlog_ - kLaggardBehind / commit_every_ + written / kLaggardSlowdown, t);
    At(t + laggard_every_, [this](std::int64_t next) { LaggardTick(next); });
  }

  // ---- audit log and lineage ticks ----------------------------------------------

  void AuditTick(std::int64_t t) {
    for (const auto& [principal, topics] : producing_) {
      for (const auto& topic : topics) {
        Audit(principal, "kafka.Produce", "Write", topic, true, t);
      }
    }
    for (const auto& [principal, fetch] : fetching_) {
      if (fetch.until < 0 || t < fetch.until) {
        Audit(principal, "kafka.FetchConsumer", "Read", fetch.topic, fetch.granted, t);
      }
    }
    At(t + audit_every_, [this](std::int64_t next) { AuditTick(next); });
  }

  void LineageTick(std::int64_t t) {
    for (auto& [name, job] : jobs_) {
      Lineage(job, "RUNNING", t);
    }
    At(t + kLineageRunningEvery, [this](std::int64_t next) { LineageTick(next); });
  }

  // ---- the storyline ----------------------------------------------------------------

  void PublishProduct(const ProductSpec& p, std::int64_t t) {
    ProductPublished e;
    e.product = p.name;
    e.cluster = options_.cluster;
    e.topic = p.name;
    e.domain = p.domain;
    e.owner = p.owner;
    e.description = p.description;
    e.quality = p.quality;
    e.sla = p.sla;
    e.tags = p.tags;
    e.allowed_regions = p.allowed_regions;
    e.schema_subject = p.name + "-value";
    Catalog(e, p.name, t);
  }

  void Bootstrap(std::int64_t t) {
    // Schema Registry: the log-end NOOP, the global level and mode, v1 of every subject.
    Schemas(sr::Noop{}, t);
    Schemas(sr::ConfigChanged{std::nullopt, "BACKWARD"}, t);
    Schemas(sr::ModeChanged{std::nullopt, "READWRITE"}, t);
    const auto products = BaseProducts();
    for (const auto& p : products) {
      const std::string schema = p.name == StockTrades(1) ? StockTradesSchema(1) : SchemaOf(p.name);
      RegisterSchema(p.name + "-value", schema, t);
    }
    // The catalog: teams with their contacts, products, ownership, ACLs.
    const std::vector<std::string> contacts = {options_.webhook_channel, options_.email_channel};
    for (const auto& team : kTeams) {
      Catalog(TeamUpserted{team.name, team.display_name, contacts}, team.name, t);
    }
    for (const auto& p : products) {
      // With the service's API the owner publishes stocktrades.v2 itself, as
      // the next version of stocktrades (at kDeprecateAt).
      if (p.name != StockTrades(1) || !options_.api_post) {
        PublishProduct(p, t);
      }
    }
    for (const auto& spec : GroupSpecs()) {
      Catalog(OwnershipAssigned{NodeId::Group(options_.cluster, spec.name), spec.team}, spec.name,
              t);
    }
    for (const auto& p : kPrincipals) {
      Catalog(OwnershipAssigned{NodeId::Principal(p.principal), p.team}, p.principal, t);
    }
    for (const auto& j : JobSpecs()) {
      Catalog(OwnershipAssigned{NodeId::Job(j.job_namespace, j.name), j.team}, j.name, t);
    }
    const std::vector<AclBinding> catalog_acls = {
        Acl("User:svc-trade-gateway", "stocktrades", "PREFIXED", "WRITE"),
        Acl("User:svc-web-tracker", "pageviews", "LITERAL", "WRITE"),
        Acl("User:svc-user-service", "users", "LITERAL", "WRITE"),
        Acl("User:svc-accounts", "accounts", "LITERAL", "WRITE"),
        Acl(kRevokedPrincipal, "accounts", "LITERAL", "READ"),
    };
    for (const auto& acl : catalog_acls) {
      Catalog(AclGranted{acl, ""}, acl.principal, t);
    }
    // The stream platform's ACLs arrive through the audit log (kafka.CreateAcls).
    Audit("User:platform-admin", "kafka.CreateAcls", "Alter", "", true, t,
          {Acl("User:svc-flink", "stocktrades", "PREFIXED", "READ"),
           Acl("User:svc-flink", "users", "LITERAL", "READ"),
           Acl("User:svc-flink", "trending_stocks", "LITERAL", "WRITE"),
           Acl("User:svc-flink", "high_value_stock_trades", "LITERAL", "WRITE"),
           Acl("User:svc-flink", "us_enriched_stock_trades", "LITERAL", "WRITE")});

    // Who is active: producers, the fetching principal, groups, jobs.
    producing_["User:svc-trade-gateway"] = {StockTrades(0), StockTrades(1)};
    producing_["User:svc-web-tracker"] = {"pageviews"};
    producing_["User:svc-user-service"] = {"users"};
    producing_["User:svc-accounts"] = {"accounts"};
    producing_["User:svc-flink"] = {"trending_stocks", "high_value_stock_trades",
                                    "us_enriched_stock_trades"};
    fetching_[kRevokedPrincipal] = Fetch{"accounts", true, -1};
    for (auto& spec : GroupSpecs()) {
      GroupState g;
      g.spec = spec;
      for (const auto& topic : spec.topics) {
        g.topics.insert(Resolve(topic));
      }
      auto& stored = groups_.emplace(spec.name, std::move(g)).first->second;
      if (!stored.topics.empty()) {
        WriteGroup(stored, t);
      }
    }
    for (auto& spec : JobSpecs()) {
      JobState job;
      job.spec = spec;
      for (const auto& topic : spec.inputs) {
        job.inputs.push_back(Resolve(topic));
      }
      job.run_id = NewUuid();
      auto& stored = jobs_.emplace(spec.name, std::move(job)).first->second;
      Lineage(stored, "START", t);
    }
    // A nightly batch job, declared once as a JobEvent, and its lake dataset.
    ingest::openlineage::JobEventSpec batch;
    batch.time = FromMillis(t);
    batch.job_namespace = "demo-spark";
    batch.job_name = "daily_pnl";
    batch.inputs = {{kafka_namespace_, "high_value_stock_trades"}};
    batch.outputs = {{"s3://demo-lake", "daily_pnl"}};
    Produce(kLineageTopic, -1, "demo-spark/daily_pnl", ingest::openlineage::EncodeJobEvent(batch),
            t);
    ingest::openlineage::DatasetEventSpec dataset;
    dataset.time = FromMillis(t);
    dataset.dataset = {"s3://demo-lake", "daily_pnl"};
    Produce(kLineageTopic, -1, "s3://demo-lake/daily_pnl",
            ingest::openlineage::EncodeDatasetEvent(dataset), t);

    if (ticks_partitions_ > 0) {
      StartHealthStory(t);
    }
    Note(t, "mesh online: " + std::to_string(std::size(kTeams)) + " teams, " +
                std::to_string(products.size()) + " data products, " +
                std::to_string(groups_.size()) + " consumer groups, " +
                std::to_string(jobs_.size()) + " stream jobs on cluster " + options_.cluster);
  }

  void StartCycle(int cycle, std::int64_t c) {
    generation_ = cycle;
    const std::string old_product = StockTrades(cycle);
    const std::string new_product = StockTrades(cycle + 1);
    if (cycle == 0) {
      Bootstrap(c);
    } else {
      Note(c, "cycle " + std::to_string(cycle + 1) + " begins");
      // The producer writes both generations from now on; the owner publishes
      // the new one as the next version at kDeprecateAt (DESIGN.md §5).
      RegisterSchema(new_product + "-value", StockTradesSchema(cycle + 1), c);
      producing_["User:svc-trade-gateway"].insert(new_product);
      Note(c, "the trade gateway starts writing " + new_product + " beside " + old_product);
      // Last cycle's late consumer gives up on the retired generation.
      StopReading(kLateConsumer, StockTrades(cycle - 1), c, true);
      Note(c, std::string("group ") + kLateConsumer + " deletes its offsets on retired " +
                  StockTrades(cycle - 1));
      // Access restored for this cycle's revocation.
      const AclBinding acl = Acl(kRevokedPrincipal, "accounts", "LITERAL", "READ");
      Catalog(AclGranted{acl, ""}, acl.principal, c);
      fetching_[kRevokedPrincipal] = Fetch{"accounts", true, -1};
      Schemas(sr::ConfigChanged{std::string("pageviews-value"), "BACKWARD"}, c);
    }

    At(c + kCompatibleAt, [this, cycle](std::int64_t t) {
      const std::string field = "preferred_channel_" + std::to_string(cycle + 1);
      users_extra_fields_.push_back(field);
      const auto v = RegisterSchema("users-value", UsersSchema(users_extra_fields_), t);
      Note(t, "users-value v" + std::to_string(v) + " registered: optional field " + field +
                  " added (compatible evolution)");
    });
    At(c + kNoneAt, [this](std::int64_t t) {
      Schemas(sr::ConfigChanged{std::string("pageviews-value"), "NONE"}, t);
      Note(t, "pageviews-value compatibility level set to NONE");
    });
    At(c + kBreakingAt, [this, cycle](std::int64_t t) {
      const char* from = cycle % 2 == 0 ? "long" : "string";
      const char* to = cycle % 2 == 0 ? "string" : "long";
      const auto v = RegisterSchema("pageviews-value", PageviewsSchema(to), t);
      Note(t, "pageviews-value v" + std::to_string(v) + " registered under NONE: viewtime " + from +
                  " -> " + to + " (breaking change)");
    });
    if (cycle == 0) {
      ScheduleGovernance(c);
    }
    At(c + kDeprecateAt, [this, cycle, old_product, new_product](std::int64_t t) {
      if (NextVersion(cycle, old_product, new_product, t)) {
        return;
      }
      if (cycle > 0 || options_.api_post) {  // not published at the start
        PublishProduct(StockTradesProduct(cycle + 1), t);
        Note(t, "data product " + new_product + " published");
      }
      ProductDeprecated e;
      e.product = old_product;
      e.reason = "Prices move to decimal and trades get ids; " + new_product +
                 " carries both. Please migrate.";
      e.sunset = FromMillis(t + kSunsetAfter);
      e.replacement = new_product;
      Catalog(e, old_product, t);
      Note(t, "data product " + old_product + " deprecated: sunset " + FormatRfc3339(e.sunset) +
                  ", replacement " + new_product);
    });
    for (const auto& m : kMigrations) {
      const std::string group = m.group;
      At(c + m.dual, [this, group, new_product](std::int64_t t) {
        StartReading(group, new_product, t);
        Note(t, "group " + group + " starts reading " + new_product + " (dual read)");
      });
      At(c + m.drop, [this, group, old_product](std::int64_t t) {
        StopReading(group, old_product, t, false);
        Note(t, "group " + group + " stops reading " + old_product + " (migrated)");
      });
    }
    At(c + kNewConsumerAt, [this, old_product](std::int64_t t) {
      StartReading(kLateConsumer, old_product, t);
      Note(t, std::string("new consumer: group ") + kLateConsumer + " starts reading deprecated " +
                  old_product);
    });
    for (const auto& jm : kJobMigrations) {
      const std::string name = jm.job;
      At(c + jm.at, [this, name, old_product, new_product](std::int64_t t) {
        auto& job = jobs_.at(name);
        Lineage(job, "COMPLETE", t);
        std::replace(job.inputs.begin(), job.inputs.end(), old_product, new_product);
        job.run_id = NewUuid();
        Lineage(job, "START", t);
        Note(t, "job " + std::string(job.spec.job_namespace) + "/" + name + " redeployed on " +
                    new_product);
      });
    }
    At(c + kRevokeAt, [this](std::int64_t t) {
      const AclBinding acl = Acl(kRevokedPrincipal, "accounts", "LITERAL", "READ");
      Catalog(AclRevoked{acl, ""}, acl.principal, t);
      fetching_[kRevokedPrincipal] = Fetch{"accounts", false, t + kDeniedFetchesFor};
      Note(t, std::string("ACL revoked: READ on accounts from ") + kRevokedPrincipal +
                  " while it is fetching");
    });
    const std::int64_t sunset = c + kDeprecateAt + kSunsetAfter;
    At(sunset,
       [this, old_product](std::int64_t t) { Note(t, "sunset of " + old_product + " reached"); });
    At(sunset + kRetireAfterSunset, [this, old_product](std::int64_t t) {
      Catalog(ProductRetired{old_product, ""}, old_product, t);
      producing_["User:svc-trade-gateway"].erase(old_product);
      Note(t, "data product " + old_product + " retired");
    });
    At(c + kCycleLength, [this, cycle](std::int64_t t) { StartCycle(cycle + 1, t); });
  }

  // ---- governance ---------------------------------------------------------------------

  // The first cycle's governance story: a product published without a
  // description (described later), a breaking proposal that two teams approve
  // and one rejects, and a mirror job copying users to another region.
  void ScheduleGovernance(std::int64_t c) {
    ScheduleSelfService(c);
    At(c + kProposalAt, [this](std::int64_t t) { ProposeUsersSchema(t); });
    for (const auto& step : kSignoffs) {
      At(c + step.at, [this, step](std::int64_t t) { Decide(step, t); });
    }
    At(c + kUndescribedAt, [this](std::int64_t t) {
      PublishProduct(
          {"campaign_clicks", "marketing", "growth", "", "raw", "tier-3", {"clickstream"}}, t);
      Note(t, "data product campaign_clicks published without a description");
    });
    At(c + kDescribedAt, [this](std::int64_t t) {
      ProductUpdated e;
      e.product = "campaign_clicks";
      e.changes = {{"description", "Clicks on marketing campaigns, one record per click"}};
      Catalog(e, e.product, t);
      Note(t, "campaign_clicks gets its description");
    });
    At(c + kMirrorAt, [this](std::int64_t t) {
      JobState job;
      job.spec = {"demo-mm2", "users-to-us", "growth", {"users"}, {"users"}};
      job.inputs = {"users"};
      job.run_id = NewUuid();
      job.output_namespace = options_.mirror_namespace;
      Catalog(OwnershipAssigned{NodeId::Job(job.spec.job_namespace, job.spec.name), job.spec.team},
              job.spec.name, t);
      auto& stored = jobs_.insert_or_assign(job.spec.name, std::move(job)).first->second;
      Lineage(stored, "START", t);
      Note(t, "MirrorMaker 2 job demo-mm2/users-to-us starts copying users to " +
                  options_.mirror_namespace + " (outside users' allowed regions)");
    });
  }

  // POSTs to the service's API as `team`; the answer, or status 0 without an API.
  std::pair<int, std::string> Post(const std::string& path, const nlohmann::json& body,
                                   const std::string& team) {
    if (!options_.api_post) {
      return {0, ""};
    }
    const auto token = options_.team_tokens.find(team);
    return options_.api_post(path, body.dump(),
                             token == options_.team_tokens.end() ? "" : token->second);
  }

  // ---- self-service (DESIGN.md §5) -------------------------------------------------

  void ScheduleSelfService(std::int64_t c) {
    At(c + kSelfServicePublishAt, [this](std::int64_t t) {
      const auto [status, body] =
          Post("/api/v1/products",
               {{"product", kSelfServiceProduct},
                {"topic", kSelfServiceProduct},
                {"domain", "marketing"},
                {"owner", kSelfServiceOwner},
                {"description", "Campaign clicks that became a funded account, one per conversion"},
                {"quality", "curated"},
                {"sla", "tier-2"},
                {"tags", {"marketing", "conversions"}}},
               kSelfServiceOwner);
      Note(t, std::string(kSelfServiceOwner) + " publishes " + kSelfServiceProduct +
                  " through the API (POST /api/v1/products): HTTP " + std::to_string(status) +
                  (status == 201 ? "" : " " + body.substr(0, 200)));
    });
    At(c + kAccessRequestAt, [this](std::int64_t t) {
      const auto [status, body] =
          Post(std::string("/api/v1/products/") + kSelfServiceProduct + "/access-requests",
               {{"principal", kAccessPrincipal},
                {"purpose", "attribute conversions to customer segments"}},
               kAccessTeam);
      const auto answer = nlohmann::json::parse(body, nullptr, false);
      access_request_ = status == 201 && answer.is_object() ? answer.value("id", "") : "";
      Note(t, std::string(kAccessTeam) + " asks READ on " + kSelfServiceProduct + " for " +
                  kAccessPrincipal + ": " +
                  (access_request_.empty()
                       ? "HTTP " + std::to_string(status) + " " + body.substr(0, 200)
                       : "request " + access_request_ + " pending"));
    });
    At(c + kAccessDecisionAt, [this](std::int64_t t) {
      if (access_request_.empty()) {
        return;
      }
      const auto [status, body] =
          Post("/api/v1/access-requests/" + access_request_ + "/decision",
               {{"decision", "approve"}, {"comment", "fine for segment attribution"}},
               kSelfServiceOwner);
      const auto answer = nlohmann::json::parse(body, nullptr, false);
      Note(t, std::string(kSelfServiceOwner) + " approves " + access_request_ + ": " +
                  (status == 200 && answer.is_object()
                       ? answer.value("status", "?") + "; ACL to apply: " +
                             answer.value("acl_command", std::string("(created by Tributary)"))
                       : "HTTP " + std::to_string(status) + " " + body.substr(0, 200)));
    });
    At(c + kAclAppliedAt, [this](std::int64_t t) {
      const AclBinding acl = Acl(kAccessPrincipal, kSelfServiceProduct, "LITERAL", "READ");
      Catalog(AclGranted{acl, ""}, acl.principal, t);
      Note(t, std::string("the platform team applies the approved ACL: READ on ") +
                  kSelfServiceProduct + " for " + kAccessPrincipal +
                  " (the request becomes applied)");
    });
  }

  // The owner publishes `new_product` as the next version of `old_product`
  // through the API; false when there is no API to call or it refused.
  bool NextVersion(int cycle, const std::string& old_product, const std::string& new_product,
                   std::int64_t t) {
    if (!options_.api_post) {
      return false;
    }
    const auto [status, body] =
        Post("/api/v1/products/" + old_product + "/next-version",
             {{"schemaType", "AVRO"},
              {"schema", StockTradesSchema(cycle + 1)},
              {"reason", "Prices move to decimal and trades get ids; " + new_product +
                             " carries both. Please migrate."},
              {"sunset", FormatRfc3339(FromMillis(t + kSunsetAfter))}},
             kTradesOwner);
    const auto answer = nlohmann::json::parse(body, nullptr, false);
    if (status != 201 || !answer.is_object() || answer.value("product", "") != new_product) {
      Note(t, "next version of " + old_product + " not created: HTTP " + std::to_string(status) +
                  " " + body.substr(0, 200));
      return false;
    }
    Note(t, std::string(kTradesOwner) + " creates " + new_product + " as the next version of " +
                old_product + " (POST /api/v1/products/" + old_product + "/next-version): " +
                old_product + " deprecated, consumers told the field-level diff (" +
                std::to_string(answer.value("diff", nlohmann::json::array()).size()) +
                " field changes)");
    return true;
  }

  void ProposeUsersSchema(std::int64_t t) {
    proposal_.clear();
    if (!options_.api_post) {
      return;
    }
    const auto [status, body] =
        Post("/api/v1/proposals",
             {{"product", "users"},
              {"schemaType", "AVRO"},
              {"schema", UsersSchema(users_extra_fields_, true)},
              {"description", "date_of_birth becomes required (age checks)"}},
             kSchemaOwner);
    const auto answer = nlohmann::json::parse(body, nullptr, false);
    if (status != 201 || !answer.is_object() || !answer.contains("id")) {
      Note(t, "proposal for users-value not opened: HTTP " + std::to_string(status) + " " +
                  body.substr(0, 200));
      return;
    }
    proposal_ = answer["id"].get<std::string>();
    std::string teams;
    for (const auto& team : answer.value("approvals_needed", nlohmann::json::array())) {
      teams += (teams.empty() ? "" : ", ") + team.get<std::string>();
    }
    Note(t, std::string(kSchemaOwner) + " proposes a breaking users-value (date_of_birth " +
                "required): proposal " + proposal_ + ", " + answer.value("status", "?") +
                ", sign-off asked of " + teams);
  }

  void Decide(const Signoff& step, std::int64_t t) {
    if (proposal_.empty()) {
      return;
    }
    const auto [status, body] =
        Post("/api/v1/proposals/" + proposal_ + "/decisions",
             {{"decision", step.decision}, {"comment", step.comment}}, step.team);
    const auto answer = nlohmann::json::parse(body, nullptr, false);
    if (status != 200 || !answer.is_object()) {
      Note(t, std::string("team ") + step.team + " could not decide on proposal " + proposal_ +
                  ": HTTP " + std::to_string(status) + " " + body.substr(0, 200));
      return;
    }
    Note(t, std::string("team ") + step.team + " " +
                (std::string_view(step.decision) == "approve" ? "approves" : "rejects") +
                " proposal " + proposal_ + ": now " + answer.value("status", "?"));
  }

  struct Fetch {
    std::string topic;
    bool granted = true;
    std::int64_t until = -1;  // stops fetching at this simulated time; -1: never
  };

  const SimulatorOptions options_;
  const std::unique_ptr<RecordProducer> producer_;
  const std::int32_t offsets_partitions_;
  const std::int32_t ticks_partitions_;  // 0: no market-ticks topic, no health story
  std::mt19937_64 rng_;
  const std::int64_t sim_start_ms_;
  const std::chrono::steady_clock::time_point real_start_;
  std::int64_t commit_every_ = 0;
  std::int64_t laggard_every_ = 0;
  std::int64_t audit_every_ = 0;
  std::string kafka_namespace_;

  // Simulation thread only.
  std::multimap<std::int64_t, Action> schedule_;  // by simulated time, then insertion
  int generation_ = 0;
  std::map<std::string, std::int32_t> subject_versions_;
  std::int32_t last_schema_id_ = 0;
  std::vector<std::string> users_extra_fields_;
  std::map<std::string, GroupState> groups_;
  std::map<std::string, JobState> jobs_;
  std::map<std::string, std::set<std::string>> producing_;  // principal -> topics
  std::map<std::string, Fetch> fetching_;                   // principal -> what it fetches
  std::vector<std::int64_t> ticks_end_;                     // market-ticks: records per partition
  std::int64_t ticks_backlog_ = 0;                          // records per partition at the start
  std::string proposal_;                                    // the users-value proposal ("" none)

  std::mutex stop_mu_;  // serializes Stop()
  std::mutex mu_;       // guards the wait on cv_
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  std::string access_request_;  // the self-service story's request id
  mutable std::mutex story_mu_;
  std::deque<std::string> story_;
};

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulator::~Simulator() = default;

Result<std::unique_ptr<Simulator>> Simulator::Start(SimulatorOptions options) {
  if (options.bootstrap_servers.empty()) {
    return InvalidArgument("simulator: bootstrap_servers is empty");
  }
  if (!(options.speed > 0 && options.speed <= 1e6)) {
    return InvalidArgument("simulator: speed must be in (0, 1e6]");
  }
  if (options.cluster.empty() || options.cluster_id.empty()) {
    return InvalidArgument("simulator: cluster and cluster_id must not be empty");
  }
  auto producer = RecordProducer::Create(options.bootstrap_servers);
  if (!producer.ok()) {
    return producer.status();
  }
  auto partitions = (*producer)->Partitions(kOffsetsTopic, 10000);
  if (!partitions.ok()) {
    return partitions.status();
  }
  // The consumer-health story runs where its topic exists (the demo creates it).
  auto ticks = (*producer)->PartitionsIfExists(kMarketTicksTopic, 10000);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*producer), *partitions,
                                     ticks.ok() ? *ticks : 0);
  impl->Begin();
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

void Simulator::Stop() { impl_->Stop(); }
std::vector<std::string> Simulator::Storyline() const { return impl_->Storyline(); }
std::int64_t Simulator::records_produced() const { return impl_->records_produced(); }

}  // namespace tributary::sim
