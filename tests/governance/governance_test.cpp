// The governance decider over a real event log (SQLite), with the tracker
// before it as in the service: violations opened once and resolved once across
// restarts and replay; sign-off of breaking proposals; unapproved breaking
// changes escalated.

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include "app/config.h"
#include "app/service.h"
#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "governance/governance.h"
#include "graph/lineage_projection.h"
#include "log/log_writer.h"
#include "store/event_log.h"
#include "store/projection_host.h"
#include "support/temp_dir.h"
#include "tracking/tracker.h"

namespace tributary::governance {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const Timestamp kT0 = FromMillis(1'700'000'000'000);

const char* kConfig = R"(
[[clusters]]
name = "local"
bootstrap_servers = "127.0.0.1:9092"
region = "eu-west-1"

[[clusters]]
name = "us"
bootstrap_servers = "127.0.0.1:9093"
region = "us-east-1"

[governance]
team = "governance"

[[policies]]
id = "gdpr-pii"
kind = "pii"
severity = "block"

[[policies]]
id = "eu-only"
kind = "locality"

[[policies]]
id = "fragile"
kind = "expression"
severity = "warn"
expression = 'if .product.name == "exploding" then error("no rule for " + .product.name) else true end'

[[approvals]]
principal = "group:local/billing"
product = "orders"
)";

std::string OrderSchema(bool email_tagged, bool extra_required = false) {
  std::string email = R"({"name":"email","type":"string")";
  if (email_tagged) {
    email += R"(,"confluent:tags":["PII"])";
  }
  email += "}";
  std::string extra = extra_required ? R"(,{"name":"amount","type":"long"})" : "";
  return R"({"type":"record","name":"Order","fields":[{"name":"id","type":"string"},)" + email +
         extra + "]}";
}

// The service's projections and deciders over one data dir; reopened to restart.
class Estate {
 public:
  explicit Estate(const std::filesystem::path& dir) : dir_(dir) {
    auto loaded = ParseConfig(kConfig, "tributary.toml",
                              [](const std::string&) { return std::optional<std::string>(); });
    REQUIRE(loaded.ok());
    config_ = loaded->config;
    Open();
  }

  void Open() {
    log_ = std::move(EventLog::Open(dir_, clock_)).value();
    catalog_ = std::make_unique<CatalogProjection>();
    schemas_ = std::make_unique<SchemaProjection>();
    lineage_ = std::make_unique<graph::LineageProjection>(graph::Routes{});
    tracking::TrackingOptions options;
    options.clusters = {"local", "us"};
    tracker_ = std::make_unique<tracking::Tracker>(options, *catalog_, *schemas_,
                                                   [this] { return lineage_->snapshot(); });
    governance_ = std::make_unique<Governance>(GovernanceOptionsOf(config_), *catalog_, *schemas_,
                                               [this] { return lineage_->snapshot(); });
    chain_ = std::make_unique<DeciderSet>(std::vector<Decider*>{tracker_.get(), governance_.get()});
    host_ = std::make_unique<ProjectionHost>(
        *log_, std::vector<Projection*>{catalog_.get(), schemas_.get(), lineage_.get(),
                                        tracker_.get(), governance_.get()});
    host_->SetAfterApply([this] {
      lineage_->Publish();
      governance_->Publish();
    });
    REQUIRE(host_->Recover().ok());
    writer_ = std::make_unique<log::LogWriter>(*log_, *host_);
    REQUIRE(writer_->SetDecider(*chain_).ok());
  }

  void Restart() {
    REQUIRE(host_->WriteSnapshots().ok());
    writer_.reset();
    host_.reset();
    log_.reset();
    Open();
  }

  void Tick(Timestamp now) { REQUIRE(writer_->Tick(now).ok()); }

  void Add(DomainEvent e, Timestamp t) {
    Batch b;
    b.events.push_back(NewEvent{std::move(e), t, "test", std::nullopt, std::nullopt});
    REQUIRE(writer_->Commit(std::move(b)).ok());
  }

  void Product(const std::string& name, const std::string& owner, const std::string& cluster,
               std::vector<std::string> regions = {}) {
    ProductPublished p;
    p.product = name;
    p.cluster = cluster;
    p.topic = name;
    p.domain = "sales";
    p.owner = owner;
    p.description = "d";
    p.quality = "curated";
    p.sla = "tier-1";
    p.allowed_regions = std::move(regions);
    Add(p, kT0);
  }

  void Schema(const std::string& subject, int version, const std::string& text) {
    SchemaRegistered s;
    s.subject = subject;
    s.version = version;
    s.schema_id = version;
    s.schema = text;
    Add(s, kT0 + std::chrono::minutes(version));
  }

  void Reads(const std::string& consumer, const std::string& topic, const std::string& team) {
    Add(OwnershipAssigned{NodeId::FromTrusted(consumer), team}, kT0);
    Add(ConsumerStarted{NodeId::FromTrusted(consumer), NodeId::FromTrusted(topic), "observed",
                        "consumer_offsets"},
        kT0 + 1min);
  }

  std::vector<EventRecord> Events(const std::string& type) {
    auto r = log_->Read(EventSeq(), 0, type);
    REQUIRE(r.ok());
    return *r;
  }

  // (kind, team) of every intent, in order.
  std::vector<std::pair<std::string, std::string>> Intents(const std::string& kind) {
    std::vector<std::pair<std::string, std::string>> out;
    SQLite::Statement q(log_->database(), "SELECT kind, team FROM outbox ORDER BY id");
    while (q.executeStep()) {
      if (q.getColumn(0).getString() == kind) {
        out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
      }
    }
    return out;
  }

  std::string GovernanceDigest() { return host_->Digests().at("governance"); }
  EventLog& log() { return *log_; }
  Governance& governance() { return *governance_; }
  const Config& config() const { return config_; }

 private:
  std::filesystem::path dir_;
  Config config_;
  FakeClock clock_{kT0};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<CatalogProjection> catalog_;
  std::unique_ptr<SchemaProjection> schemas_;
  std::unique_ptr<graph::LineageProjection> lineage_;
  std::unique_ptr<tracking::Tracker> tracker_;
  std::unique_ptr<Governance> governance_;
  std::unique_ptr<DeciderSet> chain_;
  std::unique_ptr<ProjectionHost> host_;
  std::unique_ptr<log::LogWriter> writer_;
};

}  // namespace

TEST_CASE("a PII-tagged field on a product without the pii tag opens one violation, once") {
  testing::TempDir dir;
  Estate estate(dir.path());
  estate.Product("orders", "sales", "local");
  estate.Schema("orders-value", 1, OrderSchema(true));

  auto opened = estate.Events("policy_violation_opened");
  REQUIRE(opened.size() == 1);
  const auto& v = std::get<PolicyViolationOpened>(opened[0].event);
  CHECK(v.policy == "gdpr-pii");
  CHECK(v.subject == "product:orders");
  // The owner is told, and the governance team too (the policy blocks).
  CHECK(estate.Intents("policy_violation") ==
        std::vector<std::pair<std::string, std::string>>{{"policy_violation", "sales"},
                                                         {"policy_violation", "governance"}});

  SECTION("other events re-evaluate nothing already open, restarts and replay re-decide nothing") {
    estate.Product("invoices", "sales", "local");
    estate.Add(ProductUpdated{"orders", {{"description", "orders, as placed"}}}, kT0 + 1h);
    estate.Restart();
    estate.Add(ProductUpdated{"orders", {{"description", "orders as placed"}}}, kT0 + 2h);
    CHECK(estate.Events("policy_violation_opened").size() == 1);
    CHECK(estate.Intents("policy_violation").size() == 2);

    // Fixing the tag resolves it, once.
    estate.Add(ProductUpdated{"orders", {{"tags", {"pii"}}}}, kT0 + 3h);
    REQUIRE(estate.Events("policy_violation_resolved").size() == 1);
    estate.Restart();
    estate.Add(ProductUpdated{"orders", {{"description", "again"}}}, kT0 + 4h);
    CHECK(estate.Events("policy_violation_resolved").size() == 1);
    CHECK(estate.Events("policy_violation_opened").size() == 1);
    CHECK(estate.governance().state().open.empty());

    // Replay from zero reads the decisions: the same state, nothing new in the log.
    const auto live = estate.GovernanceDigest();
    const auto events = *estate.log().CountEvents();
    CatalogProjection catalog;
    SchemaProjection schemas;
    graph::LineageProjection lineage(graph::Routes{});
    Governance rebuilt(GovernanceOptionsOf(estate.config()), catalog, schemas,
                       [&] { return lineage.snapshot(); });
    ProjectionHost host(estate.log(), {&catalog, &schemas, &lineage, &rebuilt});
    REQUIRE(host.Replay().ok());
    CHECK(host.Digests().at("governance") == live);
    CHECK(*estate.log().CountEvents() == events);
  }
}

TEST_CASE("consumers: an unapproved reader of personal data, a mirror job outside the regions") {
  testing::TempDir dir;
  Estate estate(dir.path());
  estate.Product("orders", "sales", "local", {"eu-west-1"});
  estate.Add(ProductUpdated{"orders", {{"tags", {"pii"}}}}, kT0);
  estate.Schema("orders-value", 1, OrderSchema(true));
  CHECK(estate.Events("policy_violation_opened").empty());

  estate.Reads("group:local/billing", "topic:local/orders", "billing");  // approved in config
  estate.Reads("group:local/adtech", "topic:local/orders", "ads");
  auto opened = estate.Events("policy_violation_opened");
  REQUIRE(opened.size() == 1);
  CHECK(std::get<PolicyViolationOpened>(opened[0].event).subject == "group:local/adtech");

  // A MirrorMaker-like job reads the topic here and writes it on the US cluster.
  estate.Add(OwnershipAssigned{NodeId::FromTrusted("job:mm2/orders-mirror"), "platform"}, kT0);
  estate.Add(JobObserved{NodeId::FromTrusted("job:mm2/orders-mirror"),
                         "run-1",
                         "RUNNING",
                         {NodeId::FromTrusted("topic:local/orders")},
                         {NodeId::FromTrusted("topic:us/orders")}},
             kT0 + 5min);
  opened = estate.Events("policy_violation_opened");
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : opened) {
    const auto& e = std::get<PolicyViolationOpened>(r.event);
    seen.emplace(e.policy, e.subject);
  }
  CHECK(seen.contains({"eu-only", "job:mm2/orders-mirror"}));
  CHECK(seen.contains({"gdpr-pii", "job:mm2/orders-mirror"}));

  // The adtech group stops reading: its violation resolves.
  estate.Add(ConsumerStopped{NodeId::FromTrusted("group:local/adtech"),
                             NodeId::FromTrusted("topic:local/orders"), "idle", std::nullopt},
             kT0 + 1h);
  bool resolved = false;
  for (const auto& r : estate.Events("policy_violation_resolved")) {
    resolved |= std::get<PolicyViolationResolved>(r.event).subject == "group:local/adtech";
  }
  CHECK(resolved);

  // The mirror job now reads another topic: what it caused on orders resolves.
  estate.Add(JobObserved{NodeId::FromTrusted("job:mm2/orders-mirror"),
                         "run-2",
                         "RUNNING",
                         {NodeId::FromTrusted("topic:local/other")},
                         {NodeId::FromTrusted("topic:us/other")}},
             kT0 + 2h);
  std::set<std::string> mirror_resolved;
  for (const auto& r : estate.Events("policy_violation_resolved")) {
    const auto& e = std::get<PolicyViolationResolved>(r.event);
    if (e.subject == "job:mm2/orders-mirror") {
      mirror_resolved.insert(e.policy);
    }
  }
  CHECK(mirror_resolved == std::set<std::string>{"eu-only", "gdpr-pii"});
}

TEST_CASE("sign-off: a breaking proposal needs every affected team, one rejection rejects") {
  testing::TempDir dir;
  Estate estate(dir.path());
  estate.Product("orders", "sales", "local");
  estate.Add(ProductUpdated{"orders", {{"tags", {"pii"}}}}, kT0);
  estate.Schema("orders-value", 1, OrderSchema(false));
  const auto breaking = OrderSchema(false, true);  // a field without a default

  ProposalOpened p;
  p.id = "prop-1";
  p.product = "orders";
  p.subject = "orders-value";
  p.schema_type = "AVRO";
  p.schema = breaking;
  p.fingerprint = SchemaFingerprint("AVRO", breaking);
  p.compatible = false;
  p.approvals_needed = {"billing", "fraud", "reporting"};
  p.expires_at = kT0 + std::chrono::days(14);
  estate.Add(p, kT0 + 1h);
  CHECK(estate.Intents("signoff_requested").size() == 3);
  CHECK(estate.governance().state().proposals.at("prop-1").status == "pending");

  estate.Add(ProposalDecided{"prop-1", "billing", "approve", "billing-ci", ""}, kT0 + 2h);
  estate.Add(ProposalDecided{"prop-1", "fraud", "approve", "fraud-ci", ""}, kT0 + 2h);
  CHECK(estate.governance().state().proposals.at("prop-1").status == "pending");
  estate.Add(ProposalDecided{"prop-1", "reporting", "approve", "reporting-ci", ""}, kT0 + 3h);
  CHECK(estate.governance().state().proposals.at("prop-1").status == "approved");
  CHECK(estate.Intents("proposal_decided") ==
        std::vector<std::pair<std::string, std::string>>{{"proposal_decided", "sales"}});

  SECTION("the approved schema registered: no escalation") {
    estate.Schema("orders-value", 2, breaking);
    CHECK(estate.Events("breaking_change_detected").size() == 1);
    CHECK(estate.Events("unapproved_breaking_change").empty());
  }
  SECTION("a rejected one registered anyway escalates to the owner and governance") {
    auto q = p;
    q.id = "prop-2";
    q.schema = OrderSchema(true, true);
    q.fingerprint = SchemaFingerprint("AVRO", q.schema);
    estate.Add(q, kT0 + 4h);
    estate.Add(ProposalDecided{"prop-2", "fraud", "reject", "fraud-ci", "no"}, kT0 + 5h);
    CHECK(estate.governance().state().proposals.at("prop-2").status == "rejected");
    CHECK(estate.Intents("proposal_decided").size() == 2);
    estate.Schema("orders-value", 2, q.schema);
    const auto esc = estate.Events("unapproved_breaking_change");
    REQUIRE(esc.size() == 1);
    CHECK(std::get<UnapprovedBreakingChange>(esc[0].event).fingerprint == q.fingerprint);
    CHECK(
        estate.Intents("unapproved_breaking_change") ==
        std::vector<std::pair<std::string, std::string>>{
            {"unapproved_breaking_change", "sales"}, {"unapproved_breaking_change", "governance"}});
  }
}

TEST_CASE("sign-off: a proposal nobody decides expires after its TTL and the owner is told") {
  testing::TempDir dir;
  Estate estate(dir.path());
  estate.Product("orders", "sales", "local");
  estate.Schema("orders-value", 1, OrderSchema(false));
  ProposalOpened p;
  p.id = "prop-ttl";
  p.product = "orders";
  p.subject = "orders-value";
  p.schema_type = "AVRO";
  p.schema = OrderSchema(false, true);
  p.fingerprint = SchemaFingerprint("AVRO", p.schema);
  p.compatible = false;
  p.approvals_needed = {"billing", "fraud"};
  p.expires_at = kT0 + std::chrono::days(14);
  estate.Add(p, kT0);
  estate.Add(ProposalDecided{"prop-ttl", "billing", "approve", "billing-ci", ""}, kT0 + 1h);

  estate.Tick(kT0 + std::chrono::days(13));  // not yet
  CHECK(estate.Events("proposal_closed").empty());
  CHECK(estate.governance().state().proposals.at("prop-ttl").status == "pending");

  estate.Tick(kT0 + std::chrono::days(14) + 1min);
  const auto closed = estate.Events("proposal_closed");
  REQUIRE(closed.size() == 1);
  CHECK(std::get<ProposalClosed>(closed[0].event).status == "expired");
  CHECK(estate.governance().state().proposals.at("prop-ttl").status == "expired");
  CHECK(estate.Intents("proposal_decided") ==
        std::vector<std::pair<std::string, std::string>>{{"proposal_decided", "sales"}});
  // Expired once: later ticks and a late decision change nothing.
  estate.Tick(kT0 + std::chrono::days(15));
  estate.Add(ProposalDecided{"prop-ttl", "fraud", "approve", "fraud-ci", ""},
             kT0 + std::chrono::days(15));
  CHECK(estate.Events("proposal_closed").size() == 1);
  CHECK(estate.governance().state().proposals.at("prop-ttl").status == "expired");
  CHECK(estate.Intents("proposal_decided").size() == 1);
}

TEST_CASE("an expression that throws opens a violation of kind error, the pipeline goes on") {
  testing::TempDir dir;
  Estate estate(dir.path());
  estate.Product("exploding", "sales", "local");
  estate.Product("orders", "sales", "local");
  estate.Schema("orders-value", 1, OrderSchema(true));
  const auto opened = estate.Events("policy_violation_opened");
  REQUIRE(opened.size() == 2);
  const auto& error = std::get<PolicyViolationOpened>(opened[0].event);
  CHECK(error.policy == "fragile");
  CHECK(error.kind == "error");
  CHECK(error.product == "exploding");
  CHECK(error.message == "error: no rule for exploding");
  // The events after it were applied and judged.
  CHECK(std::get<PolicyViolationOpened>(opened[1].event).policy == "gdpr-pii");
  CHECK(estate.Intents("policy_violation").front() ==
        std::pair<std::string, std::string>{"policy_violation", "sales"});
}

TEST_CASE("config: a broken policy stops the start with FILE:LINE: policies[i].key") {
  const auto parse = [](const std::string& text) {
    return ParseConfig(text, "t.toml",
                       [](const std::string&) { return std::optional<std::string>(); });
  };
  auto bad = parse(R"([[policies]]
id = "ok"
kind = "pii"

[[policies]]
id = "broken"
kind = "expression"
expression = '.product.sla == and'
)");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::StartsWith("t.toml:8: policies[1].expression: jq: "));
  auto kind = parse("[[policies]]\nid = \"x\"\nkind = \"nope\"\n");
  REQUIRE_FALSE(kind.ok());
  CHECK_THAT(kind.status().message(), Catch::StartsWith("t.toml:3: policies[0].kind: "));
  auto level = parse("[[policies]]\nid = \"x\"\nkind = \"min_compatibility\"\nlevel = \"SOME\"\n");
  REQUIRE_FALSE(level.ok());
  CHECK_THAT(level.status().message(), Catch::StartsWith("t.toml:4: policies[0].level: "));
  auto good = parse(R"([governance]
team = "gov"
proposal_ttl = "7d"
[[policies]]
id = "tier1-typed"
kind = "expression"
expression = '.product.sla != "tier-1" or .schema.type != "JSON"'
)");
  REQUIRE(good.ok());
  CHECK(good->config.governance.compiled->size() == 1);
  CHECK(good->config.governance.proposal_ttl == std::chrono::days(7));
}

}  // namespace tributary::governance
