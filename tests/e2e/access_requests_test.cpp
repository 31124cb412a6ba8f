// Access requests end to end (DESIGN.md §5, issue 16): the whole service over
// librdkafka's mock cluster, configured from TOML, answered over real HTTP
// sockets, notifying teams through real webhook deliveries.
//
// The mock cluster answers no CreateAcls (librdkafka 2.0.2): the service
// reaches it through tests/support/admin_responder.h, which answers that one
// request and records what it was asked, and forwards everything else.

#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <cstdio>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "ingest/audit_log/audit_log_encoder.h"
#include "sim/mock_kafka.h"
#include "support/admin_responder.h"
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
bool WaitUntil(F done, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

constexpr const char* kClusterId = "lkc-access1";

// markets owns stocktrades (active) and quotes (deprecated); analytics and
// risk consume; viewer reads; ops is admin. Each team has a webhook channel.
class Estate {
 public:
  explicit Estate(bool acl_management)
      : kafka_(std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value()),
        broker_(kafka_->bootstrap_servers()) {
    std::string toml = "[service]\ndata_dir = \"" + (dir_.path() / "data").string() +
                       "\"\nhttp_listen = \"127.0.0.1:0\"\n"
                       "[[clusters]]\nname = \"local\"\nid = \"" +
                       kClusterId + "\"\nbootstrap_servers = \"" + broker_.bootstrap_servers() +
                       "\"\nacl_management = " + (acl_management ? "true" : "false") +
                       "\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n"
                       "catalog = { topic = \"tributary.catalog\" }\n"
                       "audit_log = { topic = \"confluent-audit-log-events\" }\n"
                       "[health]\nenabled = false\n"
                       "[notifications]\nallow_hosts = [\"127.0.0.1\"]\n";
    for (const std::string team : {"markets", "analytics", "risk"}) {
      toml += "[[channels]]\nname = \"" + team + "-hook\"\ntype = \"webhook\"\nurl = \"" +
              hook_.url("/" + team) + "\"\n[[teams]]\nname = \"" + team + "\"\ncontacts = [\"" +
              team + "-hook\"]\n";
    }
    toml += "[auth]\nanonymous_read = true\n";
    for (const auto& [name, role, team] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"markets", "owner", "markets"},
             {"analytics", "owner", "analytics"},
             {"risk", "owner", "risk"},
             {"viewer", "reader", ""},
             {"ops", "admin", ""}}) {
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

    testing::KafkaProducer p(kafka_->bootstrap_servers());
    for (const std::string name : {"stocktrades", "quotes"}) {
      ProductPublished product;
      product.product = name;
      product.cluster = "local";
      product.topic = name;
      product.domain = "markets";
      product.owner = "markets";
      product.description = "Trades and quotes of the exchange";
      product.quality = "authoritative";
      product.sla = "tier-1";
      testing::Catalog(p, ++catalog_n_, product);
    }
    testing::Catalog(p, ++catalog_n_,
                     ProductDeprecated{"quotes", "folded into stocktrades",
                                       SystemClock().Now() + std::chrono::days(30), "stocktrades",
                                       "markets-ci"});
    p.Flush();
    REQUIRE(WaitUntil([&] {
      const auto q = Get("/api/v1/products/quotes");
      return q.value("status", "") == "deprecated";
    }));
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
    if (r.status != 200) {
      return json::object();
    }
    return json::parse(r.body);
  }
  // The audit log's record of `principal` creating `acl` (kafka.CreateAcls).
  void AuditAclCreated(const AclBinding& acl) {
    ingest::audit_log::AuditLogSpec spec;
    spec.id = "6f1c2d9e-0000-4000-8000-" + std::to_string(100000000000 + ++audit_n_);
    spec.time = SystemClock().Now();
    spec.cluster_id = kClusterId;
    spec.principal = "User:platform-admin";
    spec.method = "kafka.CreateAcls";
    spec.resource_type = "Cluster";
    spec.operation = "Alter";
    spec.acl_creations = {acl};
    testing::KafkaProducer p(kafka_->bootstrap_servers());
    p.Produce("confluent-audit-log-events", 0, std::nullopt,
              ingest::audit_log::EncodeAuditLogEvent(spec));
    p.Flush();
  }
  // Webhook deliveries to `team` whose body names `needle`.
  std::size_t Told(const std::string& team, const std::string& needle) const {
    std::size_t n = 0;
    for (const auto& r : hook_.requests()) {
      if (r.target == "/" + team && r.body.find(needle) != std::string::npos) {
        ++n;
      }
    }
    return n;
  }
  testing::AdminResponder& broker() { return broker_; }

 private:
  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<sim::MockKafka> kafka_;
  testing::AdminResponder broker_;
  testing::HttpReceiver hook_;
  std::unique_ptr<Service> service_;
  int catalog_n_ = 0;
  int audit_n_ = 0;
};

json Ask(const std::string& principal, const std::string& purpose = "trend dashboards") {
  return {{"principal", principal}, {"purpose", purpose}};
}

}  // namespace

TEST_CASE(
    "access requests: any owner token asks for its team (anonymous 401, reader 403), a "
    "deprecated product refuses at once with 409 naming its replacement, bad bodies 400") {
  Estate estate(false);
  const std::string target = "/api/v1/products/stocktrades/access-requests";
  CHECK(estate.Send("POST", target, Ask("User:svc-trend"), "").status == 401);
  CHECK(estate.Send("POST", target, Ask("User:svc-trend"), "viewer").status == 403);
  // An owner token asks for its own team only.
  auto other_team = Ask("User:svc-trend");
  other_team["team"] = "risk";
  CHECK(estate.Send("POST", target, other_team, "analytics").status == 403);
  // Bodies: a principal without its type, no purpose, not JSON.
  CHECK(estate.Send("POST", target, Ask("svc-trend"), "analytics").status == 400);
  CHECK(estate.Send("POST", target, json{{"principal", "User:svc-trend"}}, "analytics").status ==
        400);
  CHECK(estate.Send("POST", "/api/v1/products/nope/access-requests", Ask("User:x"), "analytics")
            .status == 404);

  const auto refused = estate.Send("POST", "/api/v1/products/quotes/access-requests",
                                   Ask("User:svc-trend"), "analytics");
  CHECK(refused.status == 409);
  CHECK(refused.body.find("deprecated") != std::string::npos);
  CHECK(refused.body.find("stocktrades") != std::string::npos);

  const auto asked = estate.Send("POST", target, Ask("User:svc-trend"), "analytics");
  INFO(asked.body);
  REQUIRE(asked.status == 201);
  const auto request = json::parse(asked.body);
  CHECK(request["status"] == "pending");
  CHECK(request["team"] == "analytics");
  CHECK(request["product"] == "stocktrades");
  CHECK(request["requested_by"] == "analytics-ci");
  // Read-your-writes, and the same principal again is a conflict.
  const auto list = estate.Get("/api/v1/access-requests?product=stocktrades&status=pending");
  REQUIRE(list["access_requests"].size() == 1);
  CHECK(list["access_requests"][0]["id"] == request["id"]);
  CHECK(estate.Send("POST", target, Ask("User:svc-trend"), "analytics").status == 409);
  CHECK(estate.Get("/api/v1/access-requests?status=bogus").empty());
  // The owner hears of it.
  CHECK(WaitUntil([&] { return estate.Told("markets", "Access requested") == 1; }));
}

TEST_CASE(
    "access decisions: only the owning team (or admin) decides, the requesting team cannot "
    "approve its own, without acl_management the decision shows the exact ACL and the "
    "request becomes applied once the audit log shows an ALLOW READ covering it") {
  Estate estate(false);
  const auto asked = estate.Send("POST", "/api/v1/products/stocktrades/access-requests",
                                 Ask("User:svc-trend"), "analytics");
  REQUIRE(asked.status == 201);
  const auto id = json::parse(asked.body)["id"].get<std::string>();
  const std::string decide = "/api/v1/access-requests/" + id + "/decision";
  const json approve = {{"decision", "approve"}, {"comment", "for the Q3 dashboards"}};
  CHECK(estate.Send("POST", decide, approve, "").status == 401);
  CHECK(estate.Send("POST", decide, approve, "viewer").status == 403);
  CHECK(estate.Send("POST", decide, approve, "analytics").status == 403);  // the requester
  CHECK(estate.Send("POST", decide, approve, "risk").status == 403);       // another team
  CHECK(estate.Send("POST", decide, json{{"decision", "maybe"}}, "markets").status == 400);
  CHECK(
      estate.Send("POST", "/api/v1/access-requests/acc-nope/decision", approve, "markets").status ==
      404);
  CHECK(estate.Get("/api/v1/access-requests/" + id)["status"] == "pending");

  const auto decided = estate.Send("POST", decide, approve, "markets");
  INFO(decided.body);
  REQUIRE(decided.status == 200);
  const auto d = json::parse(decided.body);
  CHECK(d["status"] == "approved");
  CHECK(d["decided_by"] == "markets-ci");
  CHECK(d["acl_managed"] == false);
  CHECK(d["acl"] == json({{"cluster", "local"},
                          {"principal", "User:svc-trend"},
                          {"resource_type", "TOPIC"},
                          {"resource_name", "stocktrades"},
                          {"pattern_type", "LITERAL"},
                          {"operation", "READ"},
                          {"permission", "ALLOW"},
                          {"host", "*"}}));
  CHECK(d["acl_command"] == "kafka-acls --bootstrap-server '" +
                                estate.broker().bootstrap_servers() +
                                "' --add --allow-principal 'User:svc-trend' --operation Read "
                                "--topic 'stocktrades'");
  CHECK(estate.Send("POST", decide, approve, "markets").status == 409);  // decided already
  CHECK(estate.broker().created().empty());  // nothing created without acl_management
  CHECK(WaitUntil([&] { return estate.Told("analytics", "Access approved") == 1; }));

  // A READ for another principal, and a WRITE for this one, do not cover it.
  estate.AuditAclCreated(
      {"local", "User:someone-else", "TOPIC", "stocktrades", "LITERAL", "READ", "ALLOW", "*"});
  estate.AuditAclCreated(
      {"local", "User:svc-trend", "TOPIC", "stocktrades", "LITERAL", "WRITE", "ALLOW", "*"});
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/events?type=acl_granted")["events"].size() == 2; }));
  std::this_thread::sleep_for(300ms);
  CHECK(estate.Get("/api/v1/access-requests/" + id)["status"] == "approved");
  // A PREFIXED ALLOW READ covering the topic: applied, observed.
  estate.AuditAclCreated(
      {"local", "User:svc-trend", "TOPIC", "stock", "PREFIXED", "READ", "ALLOW", "*"});
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/access-requests/" + id)["status"] == "applied"; }));
  const auto applied = estate.Get("/api/v1/access-requests/" + id);
  CHECK(applied["applied_via"] == "observed");
  CHECK(applied["acl"]["pattern_type"] == "PREFIXED");
  CHECK(estate.Get("/api/v1/events?type=acl_applied")["events"].size() == 1);
}

TEST_CASE(
    "access decisions with acl_management: approval creates the ACL with CreateAcls (a "
    "responder for that one request) and records acl_applied, a broker refusal leaves the "
    "request approved with the error, and approving again retries, deny creates nothing") {
  Estate estate(true);
  estate.broker().FailCreateAcls(54, "Security features are disabled.");
  const auto asked = estate.Send("POST", "/api/v1/products/stocktrades/access-requests",
                                 Ask("User:svc-trend"), "analytics");
  REQUIRE(asked.status == 201);
  const auto id = json::parse(asked.body)["id"].get<std::string>();
  const std::string decide = "/api/v1/access-requests/" + id + "/decision";

  const auto failed = estate.Send("POST", decide, json{{"decision", "approve"}}, "markets");
  INFO(failed.body);
  REQUIRE(failed.status == 200);
  const auto f = json::parse(failed.body);
  CHECK(f["status"] == "approved");
  CHECK(f["acl_managed"] == true);
  CHECK(f["acl_command"].is_null());
  CHECK(f["acl_error"].get<std::string>().find("SECURITY_DISABLED") != std::string::npos);
  CHECK(estate.broker().created().empty());

  estate.broker().FailCreateAcls(0, "");
  const auto retried = estate.Send("POST", decide, json{{"decision", "approve"}}, "ops");
  INFO(retried.body);
  REQUIRE(retried.status == 200);
  const auto r = json::parse(retried.body);
  CHECK(r["status"] == "applied");
  CHECK(r["applied_via"] == "create_acls");
  CHECK_FALSE(r.contains("acl_error"));
  const auto created = estate.broker().created();
  REQUIRE(created.size() == 1);
  CHECK(created[0].resource_type == 2);  // TOPIC
  CHECK(created[0].resource_name == "stocktrades");
  CHECK(created[0].pattern_type == 3);  // LITERAL
  CHECK(created[0].principal == "User:svc-trend");
  CHECK(created[0].host == "*");
  CHECK(created[0].operation == 3);   // READ
  CHECK(created[0].permission == 3);  // ALLOW
  const auto events = estate.Get("/api/v1/events?type=acl_applied")["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["data"]["via"] == "create_acls");
  CHECK(estate.Send("POST", decide, json{{"decision", "approve"}}, "markets").status == 409);

  // Denied: nothing created, the requester told.
  const auto second = estate.Send("POST", "/api/v1/products/stocktrades/access-requests",
                                  Ask("User:svc-risk", "exposure"), "risk");
  REQUIRE(second.status == 201);
  const auto second_id = json::parse(second.body)["id"].get<std::string>();
  const auto denied = estate.Send(
      "POST", "/api/v1/access-requests/" + second_id + "/decision",
      json{{"decision", "deny"}, {"comment", "use the risk.exposure product"}}, "markets");
  REQUIRE(denied.status == 200);
  CHECK(json::parse(denied.body)["status"] == "denied");
  CHECK(estate.broker().created().size() == 1);
  CHECK(WaitUntil([&] { return estate.Told("risk", "Access denied") == 1; }));
  // A denied principal may ask again.
  CHECK(estate
            .Send("POST", "/api/v1/products/stocktrades/access-requests",
                  Ask("User:svc-risk", "exposure, again"), "risk")
            .status == 201);
}
