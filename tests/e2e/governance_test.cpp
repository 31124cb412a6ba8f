// Governance end to end (DESIGN.md §9, issue 15): `tributary serve` as a
// process, reading a Kafka protocol endpoint (`tributary devbroker`) over TCP,
// notifying teams through webhooks to a real HTTP receiver, answered over real
// sockets; `tributary gate` and `tributary replay` run as the binary a CI job
// or an operator would run.

#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/openlineage/openlineage_encoder.h"
#include "ingest/schema_registry/schemas_encoder.h"
#include "support/estate_records.h"
#include "support/http_client.h"
#include "support/http_receiver.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/sha256.h"
#include "support/smtp_sink.h"  // FreePort
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::ChildProcess;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

// The teams of the estate: each gets its own webhook path on one receiver,
// and an owner token "<team>-token".
const std::vector<std::string> kTeams = {"sales",     "billing",   "fraud",
                                         "reporting", "marketing", "governance"};

// A mirror's target cluster: only its address matters (OpenLineage names
// datasets by it); Tributary reads no source there and never connects to it.
constexpr const char* kUsBootstrap = "us-east-1.kafka.internal:9092";

std::string Bearer(const std::string& team) {
  return "Authorization: Bearer " + team + "-token\r\n";
}

std::string OrderSchema(const std::string& extra_fields, bool email_pii) {
  return R"({"type":"record","name":"Order","fields":[{"name":"id","type":"string"},)"
         R"({"name":"email","type":"string")" +
         std::string(email_pii ? R"(,"confluent:tags":["PII"])" : "") + "}" + extra_fields + "]}";
}

// A devbroker, a webhook receiver and `tributary serve` over them.
class Estate {
 public:
  Estate() : broker_({"devbroker"}, dir_ / "broker.out") {
    REQUIRE(broker_.WaitForOutput("partitions=50", 20s));
    std::smatch m;
    const auto out = broker_.Output();
    REQUIRE(std::regex_search(out, m, std::regex("bootstrap.servers=(\\S+)")));
    bootstrap_ = m[1];
    bootstrap_ = bootstrap_.substr(0, bootstrap_.find(','));  // one host:port names the cluster
    port_ = testing::FreePort();
    WriteConfig();
  }

  void WriteConfig() {
    std::ofstream c(config());
    c << "[service]\ndata_dir = \"" << (dir_ / "data").string() << "\"\n"
      << "http_listen = \"127.0.0.1:" << port_ << "\"\n"
      << "[[clusters]]\nname = \"local\"\nbootstrap_servers = \"" << bootstrap_ << "\"\n"
      << "region = \"eu-west-1\"\n"
      << "[[clusters]]\nname = \"us\"\nbootstrap_servers = \"" << kUsBootstrap << "\"\n"
      << "region = \"us-east-1\"\n"
      << "[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n"
      << "catalog = { topic = \"tributary.catalog\" }\n"
      << "schemas = { topic = \"_schemas\" }\n"
      << "openlineage = { topic = \"openlineage.events\" }\n"
      << "[health]\nenabled = false\n"
      << "[notifications]\nallow_hosts = [\"127.0.0.1\"]\n";
    for (const auto& team : kTeams) {
      c << "[[channels]]\nname = \"" << team << "-hook\"\ntype = \"webhook\"\nurl = \""
        << hook.url("/" + team) << "\"\n";
    }
    for (const auto& team : kTeams) {
      c << "[[teams]]\nname = \"" << team << "\"\ncontacts = [\"" << team << "-hook\"]\n";
    }
    for (const auto& team : kTeams) {
      c << "[[routes]]\nmatch = \"group:*/" << team << "-*\"\nteam = \"" << team << "\"\n";
    }
    c << "[auth]\nanonymous_read = true\n";
    for (const auto& team : kTeams) {
      c << "[[auth.tokens]]\nname = \"" << team << "-ci\"\nsha256 = \""
        << testing::Sha256Hex(team + "-token") << "\"\nrole = \"owner\"\nteam = \"" << team
        << "\"\n";
    }
    c << "[governance]\nteam = \"governance\"\n"
      << "[[policies]]\nid = \"gdpr-pii\"\nkind = \"pii\"\nseverity = \"warn\"\n"
      << "[[policies]]\nid = \"eu-only\"\nkind = \"locality\"\nseverity = \"warn\"\n"
      << "[[approvals]]\nprincipal = \"group:local/billing-app\"\nproduct = \"customers\"\n";
  }

  std::filesystem::path config() const { return dir_ / "tributary.toml"; }
  std::uint16_t port() const { return port_; }
  const std::string& bootstrap() const { return bootstrap_; }
  const TempDir& dir() const { return dir_; }

  void Serve() {
    serve_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"serve", "--config", config().string()},
        dir_ / ("serve-" + std::to_string(++serves_) + ".out"));
    const bool ready = WaitUntil(
        [&] {
          try {
            return testing::HttpGet(port_, "/readyz").status == 200;
          } catch (const std::exception&) {
            return false;
          }
        },
        60s);
    INFO(serve_->Output());
    REQUIRE(ready);
  }

  int StopServing() {
    serve_->Signal(SIGTERM);
    const int code = serve_->Wait();
    serve_.reset();
    return code;
  }

  // ---- the metadata topics ------------------------------------------------------
  void Catalog(const DomainEvent& e) {
    testing::KafkaProducer p(bootstrap_);
    testing::Catalog(p, ++catalog_n_, e);
    p.Flush();
  }
  void Schema(const std::string& subject, int version, const std::string& text,
              const std::string& type = "AVRO", std::vector<SchemaRef> references = {}) {
    ingest::schema_registry::SchemaVersion v;
    v.subject = subject;
    v.version = version;
    v.id = ++schema_ids_;
    v.schema_type = type;
    v.schema = text;
    v.references = std::move(references);
    const auto r = ingest::schema_registry::EncodeSchemasRecord(v);
    testing::KafkaProducer p(bootstrap_);
    p.Produce("_schemas", 0, r.key, r.value);
    p.Flush();
  }
  void Reads(const std::string& group, const std::string& topic) {
    ingest::consumer_offsets::OffsetCommit c;
    c.group = group;
    c.topic = topic;
    c.offset = 1;
    c.commit_timestamp_ms = ToMillis(SystemClock().Now());
    const auto r = ingest::consumer_offsets::Encode(c);
    testing::KafkaProducer p(bootstrap_);
    p.Produce("__consumer_offsets", 0, r.key, r.value);
    p.Flush();
  }
  void Lineage(const ingest::openlineage::RunEventSpec& spec) {
    testing::KafkaProducer p(bootstrap_);
    p.Produce("openlineage.events", 0, spec.job_namespace + "/" + spec.job_name,
              ingest::openlineage::EncodeRunEvent(spec));
    p.Flush();
  }

  // ---- reading back ---------------------------------------------------------------
  json Get(const std::string& target) const {
    const auto r = testing::HttpGet(port_, target);
    INFO(target << " -> " << r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }
  testing::HttpResult Send(const std::string& method, const std::string& target, const json& body,
                           const std::string& team) const {
    testing::HttpConnection c(port_);
    return c.Request(method, target, body.dump(),
                     "Content-Type: application/json\r\n" + (team.empty() ? "" : Bearer(team)));
  }
  std::size_t Count(const std::string& type) const {
    return Get("/api/v1/events?type=" + type + "&limit=1000")["events"].size();
  }
  std::size_t TotalEvents() const {
    std::size_t n = 0;
    std::string after = "0";
    for (;;) {
      const auto page = Get("/api/v1/events?limit=1000&after=" + after)["events"];
      n += page.size();
      if (page.size() < 1000) {
        return n;
      }
      after = std::to_string(page.back()["seq"].get<std::int64_t>());
    }
  }
  // The kinds of the webhooks team `team` received, in order.
  std::vector<std::string> Received(const std::string& team) const {
    std::vector<std::string> kinds;
    for (const auto& r : hook.requests()) {
      if (r.target == "/" + team) {
        kinds.push_back(json::parse(r.body)["data"].value("kind", ""));
      }
    }
    return kinds;
  }
  std::size_t ReceivedOf(const std::string& team, const std::string& kind) const {
    const auto kinds = Received(team);
    return static_cast<std::size_t>(std::count(kinds.begin(), kinds.end(), kind));
  }

  testing::HttpReceiver hook;

 private:
  TempDir dir_;
  ChildProcess broker_;
  std::string bootstrap_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> serve_;
  int serves_ = 0;
  int catalog_n_ = 0;
  int schema_ids_ = 0;
};

ProductPublished Product(const std::string& name, std::vector<std::string> tags = {}) {
  ProductPublished p;
  p.product = name;
  p.cluster = "local";
  p.topic = name;
  p.domain = "sales";
  p.owner = "sales";
  p.description = "every " + name;
  p.quality = "authoritative";
  p.sla = "tier-1";
  p.tags = std::move(tags);
  p.allowed_regions = {"eu-west-1"};
  return p;
}

struct GateRun {
  int exit_code = -1;
  std::string output;
};

GateRun Gate(const Estate& estate, const std::string& proposal,
             const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {
      "gate", "--url", "http://127.0.0.1:" + std::to_string(estate.port()), "--proposal", proposal};
  args.insert(args.end(), extra.begin(), extra.end());
  static int n = 0;
  ChildProcess gate(args, estate.dir() / ("gate-" + std::to_string(++n) + ".out"));
  GateRun run;
  run.exit_code = gate.Wait();
  run.output = gate.Output();
  return run;
}

}  // namespace

TEST_CASE(
    "a PII-tagged Avro field on a product without the pii tag: one violation, one notification, "
    "the tag resolves it, replay re-decides nothing") {
  Estate estate;
  estate.Catalog(Product("orders"));
  estate.Schema("orders-value", 1, OrderSchema("", true));
  estate.Serve();

  const auto open = [&] { return estate.Get("/api/v1/compliance?status=open")["violations"]; };
  REQUIRE(WaitUntil([&] { return open().size() == 1; }, 20s));
  const auto v = open()[0];
  CHECK(v["policy"] == "gdpr-pii");
  CHECK(v["subject"] == "product:orders");
  CHECK(v["severity"] == "warn");
  CHECK_THAT(v["message"].get<std::string>(), Catch::Contains("(email)"));
  CHECK(v["resolved_at"].is_null());
  // One notification, to the owner only (the policy warns, it does not block).
  REQUIRE(WaitUntil([&] { return estate.ReceivedOf("sales", "policy_violation") == 1; }, 20s));

  // Changes that fix nothing decide nothing new.
  estate.Catalog(ProductUpdated{"orders", {{"description", "orders as placed"}}});
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/products/orders")["description"] == "orders as placed"; },
      20s));
  std::this_thread::sleep_for(1s);  // a second intent would be delivered by now
  CHECK(estate.Count("policy_violation_opened") == 1);
  CHECK(estate.Get("/api/v1/notifications?kind=policy_violation")["notifications"].size() == 1);
  CHECK(estate.hook.requests().size() == 1);

  // Fixing the tag resolves it, once; nothing is sent for the resolution.
  estate.Catalog(ProductUpdated{"orders", {{"tags", {"pii"}}}});
  REQUIRE(WaitUntil([&] { return open().empty(); }, 20s));
  const auto all = estate.Get("/api/v1/compliance")["violations"];
  REQUIRE(all.size() == 1);
  CHECK(all[0]["status"] == "resolved");
  CHECK_FALSE(all[0]["resolved_at"].is_null());
  CHECK(estate.Count("policy_violation_resolved") == 1);

  // Replay: the binary rebuilds every projection from the log and finds the
  // live state; a service started on the rebuilt snapshots decides nothing new.
  const auto compliance = estate.Get("/api/v1/compliance?status=resolved");
  const auto events = estate.TotalEvents();
  const auto received = estate.hook.requests().size();
  REQUIRE(estate.StopServing() == 0);
  {
    ChildProcess verify({"replay", "--config", estate.config().string(), "--verify"},
                        estate.dir() / "verify.out");
    const int code = verify.Wait();
    INFO(verify.Output());
    CHECK(code == 0);
    CHECK(std::regex_search(verify.Output(), std::regex("governance replay \\S+ live \\S+ ok")));
    ChildProcess replay({"replay", "--config", estate.config().string()},
                        estate.dir() / "replay.out");
    CHECK(replay.Wait() == 0);
  }
  estate.Serve();
  std::this_thread::sleep_for(2s);
  CHECK(estate.TotalEvents() == events);
  CHECK(estate.Count("policy_violation_opened") == 1);
  CHECK(estate.Count("policy_violation_resolved") == 1);
  CHECK(estate.Get("/api/v1/compliance?status=resolved")["violations"] == compliance["violations"]);
  CHECK(estate.hook.requests().size() == received);
}

TEST_CASE(
    "sign-off: three affected teams, the gate opens on the third approval, a rejection closes it, "
    "the rejected schema registered anyway escalates") {
  Estate estate;
  estate.Catalog(Product("orders", {"pii"}));
  estate.Schema("orders-value", 1, OrderSchema("", false));
  for (const auto* group : {"billing-app", "fraud-app", "reporting-app", "adhoc-reader"}) {
    estate.Reads(group, "orders");
  }
  estate.Serve();
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/impact?node=product:orders")["consumers"].size() == 4; },
      20s));

  // A breaking candidate: a field without a default.
  const auto with_amount = OrderSchema(R"(,{"name":"amount","type":"long"})", false);
  auto opened = estate.Send("POST", "/api/v1/proposals",
                            {{"product", "orders"},
                             {"schemaType", "AVRO"},
                             {"schema", with_amount},
                             {"description", "amounts in cents"}},
                            "sales");
  INFO(opened.body);
  REQUIRE(opened.status == 201);
  const auto proposal = json::parse(opened.body);
  const auto id = proposal["id"].get<std::string>();
  CHECK(proposal["status"] == "pending");
  CHECK(proposal["compatible"] == false);
  CHECK_FALSE(proposal["incompatibilities"].empty());
  CHECK(proposal["approvals_needed"] == json({"billing", "fraud", "reporting"}));
  CHECK(proposal["unowned"] == json({"group:local/adhoc-reader"}));
  // Each affected team is asked once, with a link to the proposal's page.
  REQUIRE(WaitUntil(
      [&] {
        return estate.ReceivedOf("billing", "signoff_requested") == 1 &&
               estate.ReceivedOf("fraud", "signoff_requested") == 1 &&
               estate.ReceivedOf("reporting", "signoff_requested") == 1;
      },
      20s));
  for (const auto& r : estate.hook.requests()) {
    if (r.target == "/billing") {
      CHECK_THAT(r.body, Catch::Contains("/ui/proposals/" + id));
    }
  }
  CHECK(estate.Received("sales").empty());

  const auto decide = [&](const std::string& proposal_id, const std::string& team,
                          const std::string& decision) {
    return estate.Send("POST", "/api/v1/proposals/" + proposal_id + "/decisions",
                       {{"decision", decision}, {"comment", team + " says " + decision}}, team);
  };

  SECTION("only owners of affected teams decide; others change nothing") {
    CHECK(decide(id, "", "approve").status == 401);
    CHECK(decide(id, "marketing", "approve").status == 403);
    CHECK(decide(id, "marketing", "reject").status == 403);
    CHECK(decide(id, "sales", "approve").status == 403);  // the owner is not a consumer
    CHECK(decide("prop-000000000000", "billing", "approve").status == 404);
    const auto after = estate.Get("/api/v1/proposals/" + id);
    CHECK(after["status"] == "pending");
    CHECK(after["decisions"].empty());
    CHECK(estate.Count("proposal_decided") == 0);
    CHECK(Gate(estate, id).exit_code == 1);
  }

  SECTION("two approvals keep the gate shut; the third opens it") {
    REQUIRE(decide(id, "billing", "approve").status == 200);
    const auto second = decide(id, "fraud", "approve");
    REQUIRE(second.status == 200);
    CHECK(json::parse(second.body)["status"] == "pending");
    CHECK(decide(id, "billing", "approve").status == 409);  // one decision per team
    const auto gate = Gate(estate, id);
    CHECK(gate.exit_code == 1);
    CHECK_THAT(gate.output, Catch::Contains("pending (2 of 3 approvals)"));

    // A pipeline waiting on the gate passes once the last team approves.
    ChildProcess waiting({"gate", "--url", "http://127.0.0.1:" + std::to_string(estate.port()),
                          "--proposal", id, "--wait", "60"},
                         estate.dir() / "gate-wait.out");
    std::this_thread::sleep_for(1s);
    const auto third = decide(id, "reporting", "approve");
    REQUIRE(third.status == 200);
    CHECK(json::parse(third.body)["status"] == "approved");
    CHECK(waiting.Wait() == 0);
    CHECK_THAT(waiting.Output(), Catch::Contains("approved"));
    CHECK(Gate(estate, id).exit_code == 0);
    // The owner hears the outcome once; the decisions are events with who and when.
    REQUIRE(WaitUntil([&] { return estate.ReceivedOf("sales", "proposal_decided") == 1; }, 20s));
    const auto decided = estate.Get("/api/v1/events?type=proposal_decided")["events"];
    REQUIRE(decided.size() == 3);
    CHECK(decided[2]["data"]["team"] == "reporting");
    CHECK(decided[2]["data"]["by"] == "reporting-ci");

    // The approved schema reaches the registry: no escalation, and the
    // consumers' breaking_change notice names the proposal they signed off.
    estate.Schema("orders-value", 2, with_amount);
    REQUIRE(WaitUntil([&] { return estate.Count("breaking_change_detected") == 1; }, 20s));
    REQUIRE(WaitUntil([&] { return estate.ReceivedOf("billing", "breaking_change") == 1; }, 20s));
    for (const auto& r : estate.hook.requests()) {
      if (r.target == "/billing" && json::parse(r.body)["data"]["kind"] == "breaking_change") {
        CHECK_THAT(r.body, Catch::Contains("every affected team approved proposal " + id));
      }
    }
    CHECK(estate.Count("unapproved_breaking_change") == 0);
  }

  SECTION("a rejection shuts the gate and tells the owner; registering it anyway escalates") {
    const auto with_coupon = OrderSchema(R"(,{"name":"coupon","type":"string"})", false);
    auto second = estate.Send("POST", "/api/v1/proposals",
                              {{"product", "orders"},
                               {"schemaType", "AVRO"},
                               {"schema", with_coupon},
                               {"description", "coupons"}},
                              "sales");
    REQUIRE(second.status == 201);
    const auto rejected_id = json::parse(second.body)["id"].get<std::string>();
    REQUIRE(decide(rejected_id, "billing", "approve").status == 200);
    const auto no = decide(rejected_id, "fraud", "reject");
    REQUIRE(no.status == 200);
    CHECK(json::parse(no.body)["status"] == "rejected");
    CHECK(decide(rejected_id, "reporting", "approve").status == 409);
    const auto gate = Gate(estate, rejected_id);
    CHECK(gate.exit_code == 1);
    CHECK_THAT(gate.output, Catch::Contains("rejected"));
    REQUIRE(WaitUntil([&] { return estate.ReceivedOf("sales", "proposal_decided") == 1; }, 20s));
    CHECK(Gate(estate, id).exit_code == 1);  // the other proposal is still pending

    // The rejected schema is registered anyway: the owner and governance are told.
    estate.Schema("orders-value", 2, with_coupon);
    REQUIRE(WaitUntil([&] { return estate.Count("unapproved_breaking_change") == 1; }, 20s));
    const auto esc = estate.Get("/api/v1/events?type=unapproved_breaking_change")["events"][0];
    CHECK(esc["data"]["product"] == "orders");
    CHECK(esc["data"]["version"] == 2);
    REQUIRE(WaitUntil(
        [&] {
          return estate.ReceivedOf("sales", "unapproved_breaking_change") == 1 &&
                 estate.ReceivedOf("governance", "unapproved_breaking_change") == 1;
        },
        20s));
    // ... and the consumers get the breaking change itself.
    REQUIRE(WaitUntil([&] { return estate.ReceivedOf("billing", "breaking_change") == 1; }, 20s));
  }

  SECTION("the gate's errors are exit 2") {
    const auto unknown = Gate(estate, "prop-000000000000");
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.output, Catch::Contains("HTTP 404"));
    ChildProcess nowhere({"gate", "--url", "http://127.0.0.1:1", "--proposal", id},
                         estate.dir() / "gate-nowhere.out");
    CHECK(nowhere.Wait() == 2);
    ChildProcess unset({"gate", "--url", "http://127.0.0.1:1", "--proposal", id, "--token-env",
                        "TRIBUTARY_TEST_UNSET_TOKEN"},
                       estate.dir() / "gate-unset.out");
    CHECK(unset.Wait() == 2);
    CHECK_THAT(unset.Output(), Catch::Contains("TRIBUTARY_TEST_UNSET_TOKEN is not set"));
  }
}

TEST_CASE(
    "locality and personal data through the real sources: a mirror job to another region, an "
    "unapproved reader, Protobuf meta tags") {
  Estate estate;
  estate.Catalog(Product("customers", {"pii"}));
  estate.Schema("customers-value", 1, OrderSchema("", true));
  estate.Reads("billing-app", "customers");  // approved in [[approvals]]
  estate.Serve();
  const auto open = [&] {
    std::set<std::pair<std::string, std::string>> out;
    const auto compliance = estate.Get("/api/v1/compliance?status=open");
    for (const auto& v : compliance["violations"]) {
      out.emplace(v["policy"].get<std::string>(), v["subject"].get<std::string>());
    }
    return out;
  };
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/impact?node=product:customers")["consumers"].size() == 1; },
      20s));
  CHECK(open().empty());

  // MirrorMaker 2, as OpenLineage describes it: customers read here, written
  // to the US cluster.
  ingest::openlineage::RunEventSpec mirror;
  mirror.event_type = "START";
  mirror.time = SystemClock().Now();
  mirror.run_id = "7d3c2f0e-5a1b-4c8d-9e2f-0a1b2c3d4e5f";
  mirror.job_namespace = "mm2";
  mirror.job_name = "customers-replicator";
  mirror.inputs = {{"kafka://" + estate.bootstrap(), "customers"}};
  mirror.outputs = {{std::string("kafka://") + kUsBootstrap, "customers"}};
  estate.Lineage(mirror);
  const std::set<std::pair<std::string, std::string>> expected = {
      {"eu-only", "job:mm2/customers-replicator"}, {"gdpr-pii", "job:mm2/customers-replicator"}};
  REQUIRE(WaitUntil([&] { return open() == expected; }, 20s));
  const auto list = estate.Get("/api/v1/compliance?policy=eu-only")["violations"];
  REQUIRE(list.size() == 1);
  CHECK_THAT(list[0]["message"].get<std::string>(), Catch::Contains("us-east-1"));
  CHECK(estate.Get("/api/v1/compliance")["summary"]["by_policy"]["eu-only"] == 1);

  // A reader nobody approved.
  estate.Reads("marketing-app", "customers");
  REQUIRE(WaitUntil(
      [&] {
        return open().contains({"gdpr-pii", "group:local/marketing-app"});
      },
      20s));
  CHECK(open().size() == 3);

  // Protobuf field meta tags mark personal data as Avro tags do. The option is
  // declared by a referenced schema, registered as Confluent's clients do.
  estate.Catalog(Product("accounts"));
  estate.Schema("confluent/meta.proto", 1, R"(syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message FieldMeta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FieldOptions {
  FieldMeta field_meta = 1088;
})",
                "PROTOBUF");
  estate.Schema("accounts-value", 1, R"(syntax = "proto3";
import "confluent/meta.proto";
message Account {
  string id = 1;
  string iban = 2 [(confluent.field_meta).tags = "PII"];
})",
                "PROTOBUF", {{"confluent/meta.proto", "confluent/meta.proto", 1}});
  REQUIRE(WaitUntil([&] { return open().contains({"gdpr-pii", "product:accounts"}); }, 20s));
  const auto accounts_v =
      estate.Get("/api/v1/compliance?status=open&policy=gdpr-pii")["violations"];
  bool names_field = false;
  for (const auto& v : accounts_v) {
    names_field =
        names_field || (v["subject"] == "product:accounts" &&
                        v["message"].get<std::string>().find("iban") != std::string::npos);
  }
  CHECK(names_field);

  // The mirror is re-pointed at a cluster in the EU: locality holds again,
  // while the job still reads personal data without an approval.
  mirror.run_id = "0b9f8e7d-6c5b-4a39-8281-7f6e5d4c3b2a";
  mirror.time = SystemClock().Now();
  mirror.outputs = {{"kafka://" + estate.bootstrap(), "customers-backup"}};
  estate.Lineage(mirror);
  REQUIRE(WaitUntil(
      [&] {
        return !open().contains({"eu-only", "job:mm2/customers-replicator"});
      },
      20s));
  CHECK(open().contains({"gdpr-pii", "job:mm2/customers-replicator"}));
  CHECK(estate.Get("/api/v1/compliance?policy=eu-only&status=resolved")["violations"].size() == 1);
}
