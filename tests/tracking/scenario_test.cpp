// Change tracking on simulated time, driven by source-format records (the
// bytes of __consumer_offsets, _schemas, the audit log and the catalog topic)
// through the real pipeline: decoders, translators, the SQLite log, the
// projections and the tracker. Time is the records' timestamps and the ticks.

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <set>

#include "app/config.h"
#include "app/sources.h"
#include "graph/lineage_projection.h"
#include "http/routes/deprecation_board.h"
#include "ingest/audit_log/audit_log_encoder.h"
#include "ingest/catalog/catalog_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/schema_registry/schemas_encoder.h"
#include "log/log_writer.h"
#include "store/projection_host.h"
#include "support/temp_dir.h"
#include "tracking/tracker.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

namespace co = ingest::consumer_offsets;
namespace sr = ingest::schema_registry;

const Timestamp kT0 = *ParseRfc3339("2026-03-02T09:00:00Z");

constexpr const char* kConfig = R"(
[service]
data_dir = "DIR"
[[clusters]]
name = "local"
id = "lkc-test"
bootstrap_servers = "127.0.0.1:1"
[sources]
consumer_offsets = { topic = "__consumer_offsets" }
schemas = { topic = "_schemas" }
audit_log = { topic = "confluent-audit-log-events" }
catalog = { topic = "tributary.catalog" }
[tracking]
consumer_idle_after = "36h"
progress_interval = "1d"
reminders_before_sunset = ["45d", "14d", "7d", "1d"]
[[routes]]
match = "group:local/analytics-*"
team = "analytics"
[[routes]]
match = "group:local/risk-*"
team = "risk"
[[routes]]
match = "group:local/marketing-*"
team = "marketing"
[[routes]]
match = "principal:User:svc-risk*"
team = "risk"
)";

struct Intent {
  std::string key;
  std::string kind;
  std::string team;
  std::string severity;
  json facts;
};

// The service's writer side, in-process, fed record by record.
class Mesh {
 public:
  explicit Mesh(const std::filesystem::path& dir) : dir_(dir) {
    std::string text = kConfig;
    text.replace(text.find("DIR"), 3, (dir / "data").string());
    auto loaded = ParseConfig(text, "mesh.toml", [](const std::string&) { return std::nullopt; });
    INFO((loaded.ok() ? "" : loaded.status().message()));
    REQUIRE(loaded.ok());
    config_ = loaded->config;
    Open();
  }

  // Closes everything and opens it again on the same files (a restart).
  void Restart() {
    pipeline_.reset();
    writer_.reset();
    host_.reset();
    tracker_.reset();
    lineage_.reset();
    log_.reset();
    catalog_ = std::make_unique<CatalogProjection>();
    schemas_ = std::make_unique<SchemaProjection>();
    Open();
  }

  // ---- source records ------------------------------------------------------

  void Feed(const std::string& topic, std::optional<std::string> key,
            std::optional<std::string> value, Timestamp time) {
    key_store_ = std::move(key);
    value_store_ = std::move(value);
    topic_store_ = topic;
    ingest::RawRecord r;
    r.topic = topic_store_;
    r.partition = 0;
    r.offset = next_offset_[topic]++;
    r.timestamp_ms = ToMillis(time);
    if (key_store_) {
      r.key = *key_store_;
    }
    if (value_store_) {
      r.value = *value_store_;
    }
    const auto s = pipeline_->Process("local", std::span<const ingest::RawRecord>(&r, 1));
    INFO(s.ToString());
    REQUIRE(s.ok());
  }

  void Catalog(const DomainEvent& event, Timestamp time) {
    auto value = ingest::catalog::EncodeCatalogEvent(
        {"cat-" + std::to_string(next_offset_["tributary.catalog"]), "/tributary/catalog", time},
        event);
    REQUIRE(value.ok());
    Feed("tributary.catalog", std::nullopt, *value, time);
  }

  void Product(const std::string& name, const std::string& owner, Timestamp time) {
    ProductPublished p;
    p.product = name;
    p.cluster = "local";
    p.topic = name;
    p.domain = owner;
    p.owner = owner;
    p.quality = "authoritative";
    p.sla = "tier-1";
    p.schema_subject = name + "-value";
    Catalog(p, time);
  }

  void Commit(const std::string& group, const std::string& topic, std::int64_t offset,
              Timestamp time) {
    co::OffsetCommit c;
    c.group = group;
    c.topic = topic;
    c.offset = offset;
    c.commit_timestamp_ms = ToMillis(time);
    const auto rec = co::Encode(c);
    Feed("__consumer_offsets", rec.key, rec.value, time);
  }

  void Schema(const std::string& subject, int version, int id, const std::string& schema,
              Timestamp time) {
    sr::SchemaVersion v;
    v.subject = subject;
    v.version = version;
    v.id = id;
    v.schema = schema;
    const auto rec = sr::EncodeSchemasRecord(v);
    Feed("_schemas", rec.key, rec.value, time);
  }

  void Level(const std::string& subject, const std::string& level, Timestamp time) {
    const auto rec = sr::EncodeSchemasRecord(sr::ConfigChanged{subject, level});
    Feed("_schemas", rec.key, rec.value, time);
  }

  // The principal fetched from `topic` (an audit-log record).
  void Fetch(const std::string& principal, const std::string& topic, Timestamp time) {
    ingest::audit_log::AuditLogSpec spec;
    spec.id = "audit-" + std::to_string(next_offset_["confluent-audit-log-events"]);
    spec.time = time;
    spec.cluster_id = "lkc-test";
    spec.principal = principal;
    spec.method = "kafka.FetchConsumer";
    spec.resource_name = topic;
    spec.operation = "Read";
    Feed("confluent-audit-log-events", std::nullopt, ingest::audit_log::EncodeAuditLogEvent(spec),
         time);
  }

  // `principal` created or deleted `topic` (an audit-log record).
  void TopicChange(const std::string& method, const std::string& topic, Timestamp time) {
    ingest::audit_log::AuditLogSpec spec;
    spec.id = "audit-" + std::to_string(next_offset_["confluent-audit-log-events"]);
    spec.time = time;
    spec.cluster_id = "lkc-test";
    spec.principal = "User:ops";
    spec.method = method;
    spec.resource_name = topic;
    spec.operation = method == "kafka.CreateTopics" ? "Create" : "Delete";
    Feed("confluent-audit-log-events", std::nullopt, ingest::audit_log::EncodeAuditLogEvent(spec),
         time);
  }

  // The direct readers of `topic` with observed evidence at `at`.
  std::set<std::string> ObservedReaders(const std::string& topic, Timestamp at) {
    const auto graph = lineage_->snapshot();
    std::set<std::string> out;
    const auto v = graph->Find(topic);
    if (v == graph::kNone) {
      return out;
    }
    graph->ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
      if ((graph->EvidenceAt(graph->edge(e), ToMillis(at)) & graph::kObserved) != 0) {
        out.insert(std::string(graph->id(to)));
      }
    });
    return out;
  }

  json TopicAttributes(const std::string& topic) {
    const auto graph = lineage_->snapshot();
    const auto* a = graph->attributes(graph->Find(topic));
    REQUIRE(a != nullptr);
    return json::from_msgpack(a->packed);
  }

  // A write through the API path (appended by the writer, decided like the rest).
  void Api(DomainEvent event, Timestamp time) {
    Batch batch;
    batch.events.push_back(
        NewEvent{std::move(event), time, "api:test", std::nullopt, std::nullopt});
    auto r = writer_->Commit(std::move(batch));
    INFO(r.status().ToString());
    REQUIRE(r.ok());
  }

  void Tick(Timestamp now) {
    // As the writer thread does: the sources' timers, then the decider's.
    auto s = pipeline_->Tick(now);
    if (s.ok()) {
      s = writer_->Tick(now);
    }
    INFO(s.ToString());
    REQUIRE(s.ok());
  }

  // ---- what was decided ----------------------------------------------------

  std::vector<Intent> Intents(const std::string& kind = "") {
    std::vector<Intent> out;
    SQLite::Statement q(
        log_->database(),
        "SELECT idempotency_key, kind, team, severity, facts FROM outbox ORDER BY id");
    while (q.executeStep()) {
      const auto* blob = static_cast<const std::uint8_t*>(q.getColumn(4).getBlob());
      const auto size = static_cast<std::size_t>(q.getColumn(4).getBytes());
      Intent i{q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
               q.getColumn(3).getString(), json::from_msgpack(blob, blob + size)};
      if (kind.empty() || i.kind == kind) {
        out.push_back(std::move(i));
      }
    }
    return out;
  }

  std::vector<EventRecord> Events(const std::string& type) {
    auto r = log_->Read(EventSeq(), 0, type);
    REQUIRE(r.ok());
    return *r;
  }

  std::int64_t EventCount() { return *log_->CountEvents(); }

  json Board(const std::string& product, Timestamp now) {
    const auto& deprecations = tracker_->state().deprecations;
    auto it = deprecations.find(product);
    REQUIRE(it != deprecations.end());
    return http::DeprecationBoard(product, it->second, catalog_->state(), *lineage_->snapshot(),
                                  now);
  }

  std::map<std::string, std::string> Statuses(const std::string& product, Timestamp now) {
    std::map<std::string, std::string> out;
    const json board = Board(product, now);
    for (const auto& c : board["consumers"]) {
      out[c["id"].get<std::string>()] = c["status"].get<std::string>();
    }
    return out;
  }

  std::map<std::string, std::string> Digests() { return host_->Digests(); }
  const Config& config() const { return config_; }
  EventLog& log() { return *log_; }

 private:
  void Open() {
    log_ = std::move(EventLog::Open(dir_ / "data", clock_)).value();
    graph::Routes routes;
    for (const auto& r : config_.routes) {
      routes.emplace_back(r.match, r.team);
    }
    lineage_ = std::make_unique<graph::LineageProjection>(routes);
    tracking::TrackingOptions options;
    options.reminders_before_sunset = config_.tracking.reminders_before_sunset;
    options.clusters = {"local"};
    tracker_ = std::make_unique<tracking::Tracker>(options, *catalog_, *schemas_,
                                                   [this] { return lineage_->snapshot(); });
    host_ = std::make_unique<ProjectionHost>(
        *log_,
        std::vector<Projection*>{catalog_.get(), schemas_.get(), lineage_.get(), tracker_.get()});
    host_->SetAfterApply([this] {
      lineage_->Publish();
      tracker_->Publish();
    });
    REQUIRE(host_->Recover().ok());
    writer_ = std::make_unique<log::LogWriter>(*log_, *host_);
    pipeline_ = std::make_unique<ingest::IngestPipeline>(*writer_, *writer_);
    REQUIRE(WireSources(config_, *pipeline_).ok());
    REQUIRE(writer_->SetDecider(*tracker_).ok());
    for (const auto* topic :
         {"__consumer_offsets", "_schemas", "confluent-audit-log-events", "tributary.catalog"}) {
      auto offsets = log_->Offsets(std::string("local/") + topic);
      REQUIRE(offsets.ok());
      for (const auto& o : *offsets) {
        next_offset_[topic] = o.next_offset;
      }
    }
  }

  std::filesystem::path dir_;
  Config config_;
  FakeClock clock_{kT0};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<CatalogProjection> catalog_ = std::make_unique<CatalogProjection>();
  std::unique_ptr<SchemaProjection> schemas_ = std::make_unique<SchemaProjection>();
  std::unique_ptr<graph::LineageProjection> lineage_;
  std::unique_ptr<tracking::Tracker> tracker_;
  std::unique_ptr<ProjectionHost> host_;
  std::unique_ptr<log::LogWriter> writer_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::map<std::string, std::int64_t> next_offset_;
  std::string topic_store_;
  std::optional<std::string> key_store_;
  std::optional<std::string> value_store_;
};

std::string TradeSchema(const std::string& extra_fields, const std::string& price_type = "double") {
  return R"({"type":"record","name":"Trade","namespace":"com.example","fields":[)"
         R"({"name":"symbol","type":"string"},{"name":"price","type":")" +
         price_type + R"("})" + extra_fields + "]}";
}

std::set<std::string> ConsumerIds(const json& list) {
  std::set<std::string> out;
  for (const auto& c : list) {
    out.insert(c["id"].get<std::string>());
  }
  return out;
}

// Teams, products and three consumer groups of two teams reading stocktrades.
void BaseEstate(Mesh& mesh) {
  mesh.Catalog(TeamUpserted{"execution", "Execution", {"execution-slack"}}, kT0);
  mesh.Catalog(TeamUpserted{"analytics", "Analytics", {"analytics-slack"}}, kT0);
  mesh.Catalog(TeamUpserted{"risk", "Risk", {"risk-email"}}, kT0);
  mesh.Catalog(TeamUpserted{"marketing", "Marketing", {"marketing-hook"}}, kT0);
  mesh.Product("stocktrades", "execution", kT0);
  mesh.Product("stocktrades.v2", "execution", kT0);
  mesh.Product("users", "marketing", kT0);
  mesh.Schema("stocktrades-value", 1, 1, TradeSchema(""), kT0);
  for (const auto* g : {"analytics-pnl", "analytics-trending", "risk-limits"}) {
    mesh.Commit(g, "stocktrades", 100, kT0 + 1min);
  }
}

}  // namespace

TEST_CASE("a compatible schema evolution is recorded and alerts nobody") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  mesh.Schema("stocktrades-value", 2, 2,
              TradeSchema(R"(,{"name":"venue","type":"string","default":"XNYS"})"), kT0 + 1h);
  const auto compatible = mesh.Events("compatible_change_recorded");
  REQUIRE(compatible.size() == 1);
  const auto& c = std::get<CompatibleChangeRecorded>(compatible[0].event);
  CHECK(c.subject == "stocktrades-value");
  CHECK(c.from_version == 1);
  CHECK(c.to_version == 2);
  CHECK(c.level == "BACKWARD");
  CHECK(mesh.Events("breaking_change_detected").empty());
  CHECK(mesh.Intents().empty());
}

TEST_CASE("a breaking change under NONE tells each team about its own consumers") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  mesh.Level("stocktrades-value", "NONE", kT0 + 2h);
  // price: double -> string, which no reader of either side can resolve.
  mesh.Schema("stocktrades-value", 2, 7, TradeSchema("", "string"), kT0 + 3h);

  const auto breaking = mesh.Events("breaking_change_detected");
  REQUIRE(breaking.size() == 1);
  const auto& b = std::get<BreakingChangeDetected>(breaking[0].event);
  CHECK(b.subject == "stocktrades-value");
  CHECK(b.topic == NodeId::Topic("local", "stocktrades"));
  CHECK(b.from_version == 1);
  CHECK(b.to_version == 2);
  CHECK(b.level == "NONE");
  CHECK(b.cause == "incompatible_schema");
  CHECK(!b.incompatibilities.empty());
  REQUIRE(b.affected.size() == 3);

  const auto intents = mesh.Intents("breaking_change");
  REQUIRE(intents.size() == 2);
  std::map<std::string, std::set<std::string>> by_team;
  for (const auto& i : intents) {
    by_team[i.team] = ConsumerIds(i.facts["consumers"]);
    CHECK(i.severity == "critical");
    CHECK(i.facts["subject"] == "stocktrades-value");
    CHECK(i.facts["product"] == "stocktrades");
    CHECK(i.facts["to_version"] == 2);
    CHECK(!i.facts["incompatibilities"].empty());
  }
  CHECK(by_team["analytics"] ==
        std::set<std::string>{"group:local/analytics-pnl", "group:local/analytics-trending"});
  CHECK(by_team["risk"] == std::set<std::string>{"group:local/risk-limits"});

  SECTION("the same record delivered again decides nothing new") {
    const auto events = mesh.EventCount();
    mesh.Restart();
    mesh.Tick(kT0 + 4h);
    CHECK(mesh.Events("breaking_change_detected").size() == 1);
    CHECK(mesh.Intents("breaking_change").size() == 2);
    CHECK(mesh.EventCount() >= events);
  }
}

TEST_CASE("a deprecation is tracked to its sunset: statuses, reminders, escalation and replay") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  // Marketing reads nothing of it but subscribed to hear about stocktrades.
  mesh.Api(TeamSubscriptionsSet{"marketing", {"stocktrades"}, "marketing-ci"}, kT0 + 30min);
  const Timestamp deprecated_at = kT0 + 1h;
  const Timestamp sunset = deprecated_at + std::chrono::days(30);
  mesh.Catalog(ProductDeprecated{"stocktrades", "moving to the v2 schema", sunset,
                                 std::string("stocktrades.v2"), ""},
               deprecated_at);

  // The notice: every consumer team and the owner, each with its consumers.
  const auto notices = mesh.Intents("deprecation");
  std::map<std::string, Intent> notice;
  for (const auto& i : notices) {
    notice[i.team] = i;
  }
  REQUIRE(notice.size() == 4);
  CHECK(notice["marketing"].facts["role"] == "subscriber");
  CHECK(ConsumerIds(notice["analytics"].facts["consumers"]) ==
        std::set<std::string>{"group:local/analytics-pnl", "group:local/analytics-trending"});
  CHECK(ConsumerIds(notice["risk"].facts["consumers"]) ==
        std::set<std::string>{"group:local/risk-limits"});
  CHECK(notice["execution"].facts["role"] == "owner");
  CHECK(notice["risk"].facts["replacement"] == "stocktrades.v2");
  // The 45-day reminder was already past when the deprecation was recorded.
  const auto announced = mesh.Events("deprecation_announced");
  REQUIRE(announced.size() == 1);
  CHECK(std::get<DeprecationAnnounced>(announced[0].event).reminders_skipped ==
        std::vector<std::string>{"45d"});

  const std::string pnl = "group:local/analytics-pnl";            // migrates within a week
  const std::string trending = "group:local/analytics-trending";  // reads both
  const std::string limits = "group:local/risk-limits";           // never moves
  CHECK(mesh.Statuses("stocktrades", deprecated_at) ==
        std::map<std::string, std::string>{
            {pnl, "not_started"}, {trending, "not_started"}, {limits, "not_started"}});

  std::map<int, std::map<std::string, std::string>> board_by_day;
  std::int64_t offset = 200;
  for (int day = 1; day <= 32; ++day) {
    const Timestamp now = deprecated_at + std::chrono::days(day);
    ++offset;
    if (day <= 3) {
      mesh.Commit("analytics-pnl", "stocktrades", offset, now);
    }
    if (day >= 2) {
      mesh.Commit("analytics-pnl", "stocktrades.v2", offset, now);
    }
    mesh.Commit("analytics-trending", "stocktrades", offset, now);
    if (day >= 4) {
      mesh.Commit("analytics-trending", "stocktrades.v2", offset, now);
    }
    mesh.Commit("risk-limits", "stocktrades", offset, now);
    mesh.Tick(now + 1h);
    board_by_day[day] = mesh.Statuses("stocktrades", now + 1h);
  }
  CHECK(board_by_day[1].at(pnl) == "not_started");
  CHECK(board_by_day[2].at(pnl) == "dual");
  CHECK(board_by_day[5].at(pnl) == "migrated");  // idle on the old topic for 36h
  CHECK(board_by_day[3].at(trending) == "not_started");
  CHECK(board_by_day[4].at(trending) == "dual");
  CHECK(board_by_day[32].at(trending) == "dual");
  CHECK(board_by_day[32].at(limits) == "not_started");

  const auto changes = mesh.Events("migration_status_changed");
  CHECK(changes.size() == 3 + 2 + 1);  // three first seen, pnl twice, trending once

  // Reminders at 14d, 7d and 1d before the sunset (45d was covered by the notice),
  // each to the teams whose consumers still read the old product.
  const auto reminders = mesh.Events("reminder_due");
  std::vector<std::string> fired;
  for (const auto& r : reminders) {
    fired.push_back(std::get<ReminderDue>(r.event).before);
  }
  CHECK(fired == std::vector<std::string>{"14d", "7d", "1d", "after"});
  CHECK(reminders[0].event_time >= sunset - std::chrono::days(14));
  CHECK(reminders[0].event_time < sunset - std::chrono::days(13));
  const auto reminder_intents = mesh.Intents("reminder");
  REQUIRE(reminder_intents.size() == 6);  // 3 reminders x (analytics, risk)
  for (const auto& i : reminder_intents) {
    if (i.team == "analytics") {
      CHECK(ConsumerIds(i.facts["consumers"]) == std::set<std::string>{trending});
    } else {
      CHECK(i.team == "risk");
    }
  }
  // After the sunset: escalation to the consumer teams and the owner.
  std::set<std::string> escalated;
  for (const auto& i : mesh.Intents("sunset_escalation")) {
    escalated.insert(i.team);
  }
  CHECK(escalated == std::set<std::string>{"analytics", "execution", "risk"});

  const auto board = mesh.Board("stocktrades", sunset + std::chrono::days(2));
  CHECK(board["progress"]["migrated"] == 1);
  CHECK(board["progress"]["total"] == 3);
  CHECK(board["replacement"] == "stocktrades.v2");
  for (const auto& c : board["consumers"]) {
    if (c["id"] == pnl) {
      CHECK(c["team"] == "analytics");
      CHECK(c["first_read_new"] == FormatRfc3339(deprecated_at + std::chrono::days(2)));
      CHECK(c["last_read_old"] == FormatRfc3339(deprecated_at + std::chrono::days(3)));
    }
  }

  SECTION("replay from zero gives the same tracking state and decides nothing") {
    const auto intents = mesh.Intents().size();
    const auto events = mesh.EventCount();
    const auto digests = mesh.Digests();
    const auto live_board = mesh.Board("stocktrades", sunset);

    CatalogProjection catalog;
    SchemaProjection schemas;
    graph::LineageProjection lineage(graph::Routes{{"group:local/analytics-*", "analytics"},
                                                   {"group:local/risk-*", "risk"},
                                                   {"group:local/marketing-*", "marketing"},
                                                   {"principal:User:svc-risk*", "risk"}});
    tracking::Tracker tracker({}, catalog, schemas, [&] { return lineage.snapshot(); });
    ProjectionHost rebuilt(mesh.log(), {&catalog, &schemas, &lineage, &tracker});
    rebuilt.SetAfterApply([&] { lineage.Publish(); });
    REQUIRE(rebuilt.Replay().ok());
    CHECK(rebuilt.Digests() == digests);
    CHECK(http::DeprecationBoard("stocktrades", tracker.state().deprecations.at("stocktrades"),
                                 catalog.state(), *lineage.snapshot(), sunset) == live_board);

    // A restart (cursor restored, projections recovered) decides nothing again.
    mesh.Restart();
    mesh.Tick(sunset + std::chrono::days(3));
    CHECK(mesh.Intents().size() == intents);
    CHECK(mesh.EventCount() == events);
    CHECK(mesh.Board("stocktrades", sunset) == live_board);
  }
}

TEST_CASE("a new consumer on a deprecated product tells both teams at once") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  const Timestamp sunset = kT0 + std::chrono::days(60);
  mesh.Catalog(ProductDeprecated{"stocktrades", "replaced", sunset, std::nullopt, ""}, kT0 + 1h);
  mesh.Commit("risk-limits", "stocktrades", 300, kT0 + 2h);  // an existing consumer: not new
  CHECK(mesh.Events("consumer_on_deprecated").empty());

  mesh.Commit("marketing-campaigns", "stocktrades", 5, kT0 + 3h);
  const auto events = mesh.Events("consumer_on_deprecated");
  REQUIRE(events.size() == 1);
  const auto& e = std::get<ConsumerOnDeprecated>(events[0].event);
  CHECK(e.consumer == NodeId::Group("local", "marketing-campaigns"));
  CHECK(e.team == "marketing");
  CHECK(events[0].event_time == kT0 + 3h);
  std::map<std::string, std::string> roles;
  for (const auto& i : mesh.Intents("new_consumer_on_deprecated")) {
    roles[i.team] = i.facts["role"];
    CHECK(i.facts["consumer"] == "group:local/marketing-campaigns");
  }
  CHECK(roles ==
        std::map<std::string, std::string>{{"execution", "owner"}, {"marketing", "consumer"}});
  // Without a replacement the board still follows who reads the product.
  CHECK(mesh.Statuses("stocktrades", kT0 + 4h).at("group:local/marketing-campaigns") ==
        "not_started");
}

TEST_CASE("an ACL revoked from an active consumer is an event for its team") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  const AclBinding read{
      "local", "User:svc-risk-engine", "TOPIC", "stock", "PREFIXED", "READ", "ALLOW", "*"};
  const AclBinding unused{
      "local", "User:svc-risk-engine", "TOPIC", "users", "LITERAL", "READ", "ALLOW", "*"};
  mesh.Catalog(AclGranted{read, ""}, kT0 + 1h);
  mesh.Catalog(AclGranted{unused, ""}, kT0 + 1h);
  mesh.Fetch("User:svc-risk-engine", "stocktrades", kT0 + 2h);

  // Revoking an ACL the principal does not use is not news.
  mesh.Catalog(AclRevoked{unused, ""}, kT0 + 3h);
  CHECK(mesh.Events("access_revoked_detected").empty());

  mesh.Catalog(AclRevoked{read, ""}, kT0 + 4h);
  const auto events = mesh.Events("access_revoked_detected");
  REQUIRE(events.size() == 1);
  const auto& e = std::get<AccessRevokedDetected>(events[0].event);
  CHECK(e.principal == NodeId::Principal("User:svc-risk-engine"));
  CHECK(e.team == "risk");
  CHECK(e.operation == "READ");
  CHECK(e.cause == "acl_revoked");
  CHECK(e.topics == std::vector<NodeId>{NodeId::Topic("local", "stocktrades")});
  const auto intents = mesh.Intents("access_revoked");
  REQUIRE(intents.size() == 1);
  CHECK(intents[0].team == "risk");
  CHECK(intents[0].facts["topics"] == json::array({"topic:local/stocktrades"}));

  SECTION("a DENY added over a still-present ALLOW is an access change too") {
    mesh.Catalog(AclGranted{read, ""}, kT0 + 5h);
    mesh.Fetch("User:svc-risk-engine", "stocktrades", kT0 + 6h);
    AclBinding deny = read;
    deny.pattern_type = "LITERAL";
    deny.resource_name = "stocktrades";
    deny.permission = "DENY";
    mesh.Catalog(AclGranted{deny, ""}, kT0 + 7h);
    const auto all = mesh.Events("access_revoked_detected");
    REQUIRE(all.size() == 2);
    CHECK(std::get<AccessRevokedDetected>(all[1].event).cause == "deny_added");
  }
}

TEST_CASE("a product retired while consumers remain is an alert, not silence") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  mesh.Commit("marketing-users-sync", "users", 1, kT0 + 1h);
  mesh.Catalog(ProductRetired{"users", ""}, kT0 + 2h);
  const auto events = mesh.Events("retired_with_consumers");
  REQUIRE(events.size() == 1);
  CHECK(std::get<RetiredWithConsumers>(events[0].event).consumers.size() == 1);
  const auto intents = mesh.Intents("retired_with_consumers");
  REQUIRE(intents.size() == 1);  // the consumer's team is the owner's team
  CHECK(intents[0].team == "marketing");
  CHECK(intents[0].severity == "critical");

  // A product retired with nobody reading it is not an alert.
  mesh.Catalog(ProductRetired{"stocktrades.v2", ""}, kT0 + 3h);
  CHECK(mesh.Events("retired_with_consumers").size() == 1);
}

TEST_CASE("a topic deleted and created again under live consumers is a new topic") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  mesh.Fetch("User:svc-risk-engine", "stocktrades", kT0 + 2min);
  const std::string topic = "topic:local/stocktrades";
  const std::set<std::string> before = {"group:local/analytics-pnl",
                                        "group:local/analytics-trending", "group:local/risk-limits",
                                        "principal:User:svc-risk-engine"};
  REQUIRE(mesh.ObservedReaders(topic, kT0 + 30min) == before);

  mesh.TopicChange("kafka.DeleteTopics", "stocktrades", kT0 + 1h);
  REQUIRE(mesh.Events("topic_deleted").size() == 1);
  // The old topic's readers end at the deletion; time travel still shows them.
  CHECK(mesh.ObservedReaders(topic, kT0 + 1h + 1min).empty());
  CHECK(mesh.ObservedReaders(topic, kT0 + 30min) == before);
  // Every team that read it, and the product's owner, is told once.
  const auto notices = mesh.Events("retired_with_consumers");
  REQUIRE(notices.size() == 1);
  CHECK(std::get<RetiredWithConsumers>(notices[0].event).consumers.size() == 4);
  std::set<std::string> told;
  for (const auto& intent : mesh.Intents("retired_with_consumers")) {
    told.insert(intent.team);
    CHECK(intent.facts["topic_deleted"] == true);
    CHECK(intent.facts["actor"] == "User:ops");
    CHECK(intent.severity == "critical");
  }
  CHECK(told == std::set<std::string>{"analytics", "execution", "risk"});

  // Created again: the new topic has readers only once they read it.
  mesh.TopicChange("kafka.CreateTopics", "stocktrades", kT0 + 2h);
  CHECK(mesh.ObservedReaders(topic, kT0 + 2h + 1min).empty());
  mesh.Commit("risk-limits", "stocktrades", 3, kT0 + 3h);
  mesh.Commit("risk-limits", "stocktrades", 9, kT0 + 27h);  // the daily progress sample
  mesh.Fetch("User:svc-risk-engine", "stocktrades", kT0 + 27h);
  CHECK(mesh.ObservedReaders(topic, kT0 + 28h) ==
        std::set<std::string>{"group:local/risk-limits", "principal:User:svc-risk-engine"});
  const auto attributes = mesh.TopicAttributes(topic);
  REQUIRE(attributes["incarnations"].size() == 2);
  CHECK(attributes["incarnations"][0]["deleted"] == ToMillis(kT0 + 1h));
  CHECK(attributes["incarnations"][1]["created"] == ToMillis(kT0 + 2h));
  CHECK(attributes["product"] == "stocktrades");  // the product keeps its topic
  // A deletion nobody reads is no alert.
  mesh.TopicChange("kafka.DeleteTopics", "users", kT0 + 30h);
  CHECK(mesh.Events("topic_deleted").size() == 2);
  CHECK(mesh.Events("retired_with_consumers").size() == 1);
}

TEST_CASE("undeprecating cancels pending reminders") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  const Timestamp sunset = kT0 + std::chrono::days(20);
  mesh.Catalog(ProductDeprecated{"stocktrades", "oops", sunset, std::nullopt, ""}, kT0 + 1h);
  mesh.Catalog(ProductUndeprecated{"stocktrades", ""}, kT0 + 2h);
  for (int day = 1; day <= 22; ++day) {
    mesh.Commit("risk-limits", "stocktrades", 400 + day, kT0 + std::chrono::days(day));
    mesh.Tick(kT0 + std::chrono::days(day) + 1h);
  }
  CHECK(mesh.Events("reminder_due").empty());
  CHECK(mesh.Intents("reminder").empty());
  CHECK(mesh.Intents("sunset_escalation").empty());
}

TEST_CASE("a schema type change and a hard delete under active consumers are breaking") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  {
    sr::SchemaVersion v;
    v.subject = "stocktrades-value";
    v.version = 2;
    v.id = 9;
    v.schema_type = "JSON";
    v.schema = R"({"type":"object","properties":{"symbol":{"type":"string"}}})";
    const auto rec = sr::EncodeSchemasRecord(v);
    mesh.Feed("_schemas", rec.key, rec.value, kT0 + 1h);
  }
  auto breaking = mesh.Events("breaking_change_detected");
  REQUIRE(breaking.size() == 1);
  CHECK(std::get<BreakingChangeDetected>(breaking[0].event).cause == "schema_type_changed");
  CHECK(mesh.Intents("breaking_change").size() == 2);

  const auto rec = sr::EncodeSchemasRecord(sr::SchemaHardDeleted{"stocktrades-value", 2});
  mesh.Feed("_schemas", rec.key, rec.value, kT0 + 2h);
  breaking = mesh.Events("breaking_change_detected");
  REQUIRE(breaking.size() == 2);
  const auto& deleted = std::get<BreakingChangeDetected>(breaking[1].event);
  CHECK(deleted.cause == "schema_hard_deleted");
  CHECK(deleted.affected.size() == 3);
  CHECK(mesh.Intents("breaking_change").size() == 4);
}

TEST_CASE("a change the subject's BACKWARD level lets in but old readers cannot read is breaking") {
  testing::TempDir dir;
  Mesh mesh(dir.path());
  BaseEstate(mesh);
  // Dropping a field without a default: new readers cope, readers still on v1 do not.
  mesh.Schema("stocktrades-value", 2, 2,
              R"({"type":"record","name":"Trade","namespace":"com.example","fields":[)"
              R"({"name":"symbol","type":"string"}]})",
              kT0 + 1h);
  const auto breaking = mesh.Events("breaking_change_detected");
  REQUIRE(breaking.size() == 1);
  const auto& b = std::get<BreakingChangeDetected>(breaking[0].event);
  CHECK(b.level == "BACKWARD");
  CHECK(b.cause == "incompatible_schema");
  CHECK(mesh.Events("compatible_change_recorded").empty());
}
