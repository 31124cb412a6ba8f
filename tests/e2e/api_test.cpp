// The HTTP API of a whole service, over a real socket, fed through a Kafka
// protocol peer (librdkafka's mock cluster) exactly as in production.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "http/openapi.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "sim/mock_kafka.h"
#include "support/gzip.h"
#include "support/http_client.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::HttpConnection;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer admin-token\r\n";
constexpr const char* kOwner = "Authorization: Bearer owner-token\r\n";
constexpr const char* kReader = "Authorization: Bearer reader-token\r\n";

Config TestConfig(const std::filesystem::path& dir, const std::string& bootstrap) {
  Config c;
  c.service.data_dir = (dir / "data").string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.sources.catalog = TopicSourceConfig{"tributary.catalog", "local"};
  c.sources.schemas = SchemaSourceConfig{"_schemas", "", "", std::chrono::seconds(30), "local"};
  c.routes.push_back({"group:*/analytics-*", "analytics"});
  c.auth.anonymous_read = true;
  c.auth.tokens = {
      {"ops", "10a4c7c9fc5206d6f36dc6944a81bb6f4a3cb0e25014ae3b12e6c3e52712292a", "admin", "", {}},
      {"execution-ci",
       "c32c7bb97d785c65916c05538cfc0f9d94768cb167eb73615071783ccc4bef77",
       "owner",
       "execution",
       {}},
      {"viewer",
       "ba5005a40cf5212e4ac0190104cc127edab013294bb71279a975b27a80982d45",
       "reader",
       "",
       {}},
  };
  return c;
}

void ProduceEstate(const std::string& bootstrap) {
  testing::KafkaProducer p(bootstrap);
  p.Produce("tributary.catalog", 0, std::nullopt, R"({
    "specversion":"1.0","id":"c-1","source":"catalog","type":"tributary.product.published",
    "time":"2026-11-25T09:00:00Z",
    "data":{"product":"stocktrades","cluster":"local","topic":"stocktrades","domain":"execution",
            "owner":"execution","description":"Every trade","quality":"authoritative",
            "sla":"tier-1","tags":["finance"]}})");
  p.Produce("tributary.catalog", 0, std::nullopt, R"({
    "specversion":"1.0","id":"c-2","source":"catalog","type":"tributary.team.upserted",
    "time":"2026-11-25T09:00:00Z",
    "data":{"team":"analytics","display_name":"Analytics","contacts":["analytics-slack"]}})");
  p.Produce(
      "_schemas", 0, R"({"keytype":"SCHEMA","subject":"stocktrades-value","version":1,"magic":1})",
      R"({"subject":"stocktrades-value","version":1,"id":1,"schema":"{\"type\":\"record\",\"name\":\"Trade\",\"fields\":[{\"name\":\"price\",\"type\":\"double\"}]}"})");
  for (const auto* group : {"analytics-trending", "analytics-risk"}) {
    ingest::consumer_offsets::OffsetCommit c;
    c.group = group;
    c.topic = "stocktrades";
    c.offset = 10;
    // Now: the consumers are active (commits older than consumer_idle_after
    // would make them idle as soon as the service has caught up).
    c.commit_timestamp_ms = ToMillis(SystemClock().Now());
    const auto r = ingest::consumer_offsets::Encode(c);
    p.Produce("__consumer_offsets", 0, r.key, r.value);
  }
  p.Flush();
}

// Whether the service mapped ProduceEstate's estate (analytics' groups read
// stocktrades) within a minute.
bool EstateMapped(std::uint16_t port) {
  return WaitUntil(
      [&] {
        return testing::HttpGet(port, "/api/v1/impact?node=product:stocktrades")
                   .body.find("analytics-risk") != std::string::npos;
      },
      60s);
}

// A page's body, its status checked.
std::string Page(std::uint16_t port, const std::string& target, int status = 200) {
  const auto r = testing::HttpGet(port, target);
  INFO(target << " -> " << r.status);
  CHECK(r.status == status);
  return r.body;
}

// Whether the page's only scripts are the pictures' pan and zoom (no inline script).
bool OnlyPanZoomScript(const std::string& html) {
  const std::string tag = "<script src=\"/ui/lineage.js\"></script>";
  for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) {
    if (html.compare(at, tag.size(), tag) != 0) {
      return false;
    }
  }
  return true;
}

json GetJson(std::uint16_t port, const std::string& target, int expected = 200) {
  const auto r = testing::HttpGet(port, target);
  INFO(target << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == expected);
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("the API answers lineage and impact and catalog and log questions over HTTP") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  ProduceEstate(kafka->bootstrap_servers());
  TempDir dir;
  SystemClock clock;
  Service service(TestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  std::string last;
  const bool arrived = WaitUntil(
      [&] {
        last = testing::HttpGet(port, "/api/v1/impact?node=product:stocktrades").body;
        return last.find("analytics-risk") != std::string::npos;
      },
      60s);
  INFO(last);
  REQUIRE(arrived);
  CHECK(WaitUntil([&] { return testing::HttpGet(port, "/readyz").status == 200; }, 30s));

  SECTION("lineage downstream of a product") {
    const auto body =
        GetJson(port, "/api/v1/lineage?node=product:stocktrades&direction=downstream&depth=2");
    CHECK(body["root"] == "topic:local/stocktrades");
    CHECK(body["nodes"].size() == 3);
    REQUIRE(body["edges"].size() == 2);
    CHECK(body["edges"][0]["kind"] == "consumes");
    CHECK(body["edges"][0]["evidence"] == json::array({"observed"}));
    CHECK(body["edges"][0]["active"] == true);
  }
  SECTION("lineage as DOT and as a valid SVG") {
    const auto dot =
        testing::HttpGet(port, "/api/v1/lineage?node=topic:local/stocktrades&format=dot");
    CHECK(dot.status == 200);
    CHECK(dot.body.rfind("digraph", 0) == 0);
    const auto svg =
        testing::HttpGet(port, "/api/v1/lineage?node=topic:local/stocktrades&format=svg");
    CHECK(svg.status == 200);
    CHECK(svg.headers.at("content-type") == "image/svg+xml");
    CHECK(svg.body.find("<svg") != std::string::npos);
    CHECK(svg.body.find("</svg>") != std::string::npos);
    CHECK(svg.body.find("analytics-risk") != std::string::npos);
  }
  SECTION("time travel: before the consumers started there were none") {
    const auto before = FormatRfc3339(SystemClock().Now() - std::chrono::hours(1));
    const auto then =
        GetJson(port, "/api/v1/lineage?node=group:local/analytics-risk&at=" + before, 404);
    CHECK(then["error"]["code"] == "not_found");
    const auto now =
        GetJson(port, "/api/v1/lineage?node=group:local/analytics-risk&direction=upstream");
    CHECK(now["nodes"].size() == 2);
  }
  SECTION("impact groups consumers by their owning team") {
    const auto body = GetJson(port, "/api/v1/impact?node=product:stocktrades");
    CHECK(body["consumers"].size() == 2);
    REQUIRE(body["teams"].size() == 1);
    CHECK(body["teams"][0]["team"] == "analytics");
    CHECK(body["teams"][0]["contacts"] == json::array({"analytics-slack"}));
  }
  SECTION("nodes, node and products") {
    CHECK(GetJson(port, "/api/v1/nodes?kind=group")["nodes"].size() == 2);
    CHECK(GetJson(port, "/api/v1/nodes?kind=group&q=risk&limit=5")["nodes"].size() == 1);
    CHECK(GetJson(port, "/api/v1/node?id=group:local/analytics-risk")["nodes"][0]["kind"] ==
          "group");
    GetJson(port, "/api/v1/node?id=group:local/nobody", 404);
    const auto products = GetJson(port, "/api/v1/products");
    REQUIRE(products["products"].size() == 1);
    CHECK(products["products"][0]["consumers"] == 2);
    CHECK(products["products"][0]["status"] == "active");
    const auto detail = GetJson(port, "/api/v1/products/stocktrades");
    REQUIRE(detail["schema_versions"].size() == 1);
    CHECK(detail["schema_versions"][0]["version"] == 1);
    GetJson(port, "/api/v1/products/nope", 404);
  }
  SECTION("without [replication] the service is a single replica that has caught up") {
    const auto replica = GetJson(port, "/api/v1/replica");
    CHECK(replica["role"] == "single");
    CHECK(replica["epoch"] == 0);
    CHECK(replica["applied_offset"].is_null());
    CHECK(replica["caught_up"] == true);
  }
  SECTION("events oldest first, paged and filtered") {
    const auto page = GetJson(port, "/api/v1/events?after=0&limit=2");
    REQUIRE(page["events"].size() == 2);
    CHECK(page["events"][0]["seq"] == 1);
    const auto after = GetJson(port, "/api/v1/events?after=1&limit=1");
    CHECK(after["events"][0]["seq"] == 2);
    const auto started = GetJson(port, "/api/v1/events?type=consumer_started");
    CHECK(started["events"].size() == 2);
    CHECK(started["events"][0]["data"]["topic"] == "topic:local/stocktrades");
    GetJson(port, "/api/v1/events?type=no_such_type", 400);
    CHECK(GetJson(port, "/api/v1/quarantine")["records"].is_array());
  }
  SECTION("malformed ids and times are 400 and never paths") {
    for (const auto* target :
         {"/api/v1/node?id=../../etc/passwd", "/api/v1/node?id=topic:..%2f..%2fetc",
          "/api/v1/node?id=%2e%2e%2f%2e%2e%2f", "/api/v1/node?id=topic:local/a%00b",
          "/api/v1/node?id=topic:local/%ff%fe", "/api/v1/lineage?node=nonsense",
          "/api/v1/lineage?node=topic:local/stocktrades&at=yesterday",
          "/api/v1/lineage?node=topic:local/stocktrades&depth=0",
          "/api/v1/lineage?node=topic:local/stocktrades&direction=sideways",
          "/api/v1/lineage?node=topic:local/stocktrades&format=png"}) {
      const auto r = testing::HttpGet(port, target);
      INFO(target << " -> " << r.body);
      CHECK(r.status == 400);
      CHECK(json::parse(r.body)["error"]["code"] == "bad_request");
    }
  }
  SECTION("writes need a token with the right role") {
    const std::string event = R"({"eventType":"START","eventTime":"2026-11-25T10:00:00Z",
      "run":{"runId":"r-1"},"job":{"namespace":"flink","name":"trending"},
      "inputs":[{"namespace":"kafka://)" +
                              kafka->bootstrap_servers() + R"(","name":"stocktrades"}],
      "outputs":[],"producer":"test","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"})";
    HttpConnection c(port);
    CHECK(c.Request("POST", "/api/v1/lineage", event).status == 401);
    CHECK(c.Request("POST", "/api/v1/lineage", event, "Authorization: Bearer wrong\r\n").status ==
          401);
    CHECK(c.Request("POST", "/api/v1/lineage", event, kReader).status == 403);
    const auto created = c.Request("POST", "/api/v1/lineage", event, kAdmin);
    CHECK(created.status == 201);
    CHECK(json::parse(created.body)["recorded"] == true);
    const auto again = c.Request("POST", "/api/v1/lineage", event, kAdmin);
    CHECK(again.status == 201);
    CHECK(json::parse(again.body)["recorded"] == false);  // the same event, once
    // POST /lineage folds like the OpenLineage topic: a RUNNING heartbeat of the
    // same run adds nothing; a new run of the job is recorded.
    auto with = [&](std::string text, const std::string& from, const std::string& to) {
      text.replace(text.find(from), from.size(), to);
      return text;
    };
    const auto heartbeat = c.Request(
        "POST", "/api/v1/lineage",
        with(with(event, "START", "RUNNING"), "2026-11-25T10:00:00Z", "2026-11-25T10:05:00Z"),
        kAdmin);
    CHECK(heartbeat.status == 201);
    CHECK(json::parse(heartbeat.body)["recorded"] == false);
    const auto next_run = c.Request("POST", "/api/v1/lineage", with(event, "r-1", "r-2"), kAdmin);
    CHECK(next_run.status == 201);
    CHECK(json::parse(next_run.body)["recorded"] == true);
    // An owner token writes lineage only for jobs its team owns (nobody owns
    // flink/trending, and the token lists no lineage_namespaces).
    CHECK(c.Request("POST", "/api/v1/lineage", event, kOwner).status == 403);
    CHECK(c.Request("POST", "/api/v1/lineage", "{\"eventType\":\"START\"}", kAdmin).status == 400);
    REQUIRE(WaitUntil(
        [&] { return testing::HttpGet(port, "/api/v1/node?id=job:flink/trending").status == 200; },
        5s));
  }
  SECTION("OpenLineage events gzip-compressed by the HTTP transport; datasets by their names") {
    const std::string event = R"({"eventType":"COMPLETE","eventTime":"2026-11-25T10:00:00Z",
      "run":{"runId":"r-gz"},"job":{"namespace":"spark","name":"daily-pnl"},
      "inputs":[{"namespace":"kafka://)" +
                              kafka->bootstrap_servers() +
                              R"(","name":"stocktrades"},
                {"namespace":"kafka://kafka-cluster-prod:9092","name":"fx-rates"},
                {"namespace":"postgres://db:5432","name":"risk.public.limits"}],
      "outputs":[{"namespace":"s3://demo-lake","name":"pnl/daily"},
                 {"namespace":"file","name":"/data/x"}],
      "producer":"test","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json"})";
    HttpConnection c(port);
    const auto created = c.Request("POST", "/api/v1/lineage", testing::Gzip(event),
                                   std::string(kAdmin) + "Content-Encoding: gzip\r\n");
    INFO(created.body);
    REQUIRE(created.status == 201);
    CHECK(json::parse(created.body)["recorded"] == true);
    const auto refused = c.Request("POST", "/api/v1/lineage", event,
                                   std::string(kAdmin) + "Content-Encoding: zstd\r\n");
    CHECK(refused.status == 415);
    const auto corrupt = c.Request("POST", "/api/v1/lineage", event,
                                   std::string(kAdmin) + "Content-Encoding: gzip\r\n");
    CHECK(corrupt.status == 400);
    CHECK(json::parse(corrupt.body)["error"]["message"].get<std::string>().find("not valid gzip") !=
          std::string::npos);
    const auto too_big =
        c.Request("POST", "/api/v1/lineage", testing::Gzip(std::string(2 << 20, ' ')),
                  std::string(kAdmin) + "Content-Encoding: gzip\r\n");
    CHECK(too_big.status == 413);

    // The job's inputs and outputs, each named as OpenLineage names it.
    std::map<std::string, std::string> names;  // id -> name
    last.clear();
    const bool named = WaitUntil(
        [&] {
          const auto r = testing::HttpGet(
              port, "/api/v1/lineage?node=job:spark/daily-pnl&direction=both&depth=1");
          last = std::to_string(r.status) + " " + r.body;
          if (r.status != 200) {
            return false;
          }
          names.clear();
          const auto body = json::parse(r.body);
          for (const auto& n : body["nodes"]) {
            names[n["id"].get<std::string>()] = n["name"].get<std::string>();
          }
          return names.size() == 6;
        },
        10s);
    INFO(last);
    REQUIRE(named);
    CHECK(names == std::map<std::string, std::string>{
                       {"job:spark/daily-pnl", "daily-pnl"},
                       {"topic:local/stocktrades", "stocktrades"},
                       {"dataset:kafka:%2F%2Fkafka-cluster-prod:9092/fx-rates", "fx-rates"},
                       {"dataset:postgres:%2F%2Fdb:5432/risk.public.limits", "risk.public.limits"},
                       {"dataset:s3:%2F%2Fdemo-lake/pnl/daily", "pnl/daily"},
                       {"dataset:file//data/x", "/data/x"}});
    // A dataset id in a URL: its '%' percent-encoded like any other.
    CHECK(GetJson(port,
                  "/api/v1/node?id=dataset:s3:%252F%252Fdemo-lake/pnl/daily")["nodes"][0]["name"] ==
          "pnl/daily");
  }
  SECTION("an oversized body gets 413") {
    HttpConnection c(port);
    const auto r = c.Request("POST", "/api/v1/lineage", std::string(2 << 20, 'x'), kAdmin);
    CHECK(r.status == 413);
  }
  SECTION("compatibility against inline previous versions and against a subject") {
    HttpConnection c(port);
    const json inline_body = {
        {"schemaType", "AVRO"},
        {"level", "BACKWARD"},
        {"previous", {R"({"type":"record","name":"T","fields":[{"name":"a","type":"int"}]})"}},
        {"schema", R"({"type":"record","name":"T","fields":[{"name":"a","type":"string"}]})"}};
    const auto r = c.Request("POST", "/api/v1/compatibility", inline_body.dump());
    REQUIRE(r.status == 200);
    const auto verdict = json::parse(r.body);
    CHECK(verdict["compatible"] == false);
    CHECK(verdict["incompatibilities"][0]["type"] == "TYPE_MISMATCH");

    const json subject_body = {
        {"subject", "stocktrades-value"},
        {"schema",
         R"({"type":"record","name":"Trade","fields":[{"name":"price","type":"string"}]})"}};
    const auto s = c.Request("POST", "/api/v1/compatibility", subject_body.dump());
    REQUIRE(s.status == 200);
    const auto affected = json::parse(s.body);
    CHECK(affected["compatible"] == false);
    CHECK(affected["level"] == "BACKWARD");
    CHECK(affected["affected"]["teams"][0]["team"] == "analytics");

    const json bad = {{"previous", json::array()}, {"schema", "{not json"}};
    CHECK(c.Request("POST", "/api/v1/compatibility", bad.dump()).status == 422);
  }
  SECTION("metrics count requests by method and ingestion by source") {
    testing::HttpGet(port, "/healthz");
    HttpConnection c(port);
    c.Request("POST", "/api/v1/compatibility", "{}");
    const auto metrics = testing::HttpGet(port, "/metrics");
    CHECK(metrics.status == 200);
    const auto positive = [&](const std::string& series) {
      const auto at = metrics.body.find(series + " ");
      INFO(series);
      REQUIRE(at != std::string::npos);
      return std::stod(metrics.body.substr(at + series.size() + 1)) > 0;
    };
    CHECK(positive(R"(tributary_ingest_records_total{source="local/__consumer_offsets"})"));
    CHECK(positive(R"(tributary_ingest_records_total{source="local/tributary.catalog"})"));
    CHECK(metrics.body.find(R"(source="all")") == std::string::npos);
    CHECK(positive(
        R"(tributary_http_request_duration_seconds_count{method="POST",route="/api/v1/compatibility"})"));
    CHECK(positive(
        R"(tributary_http_request_duration_seconds_count{method="GET",route="/healthz"})"));
    // Prometheus' own linter (Debian's prometheus package; deploy/install-deps.sh).
    REQUIRE(std::system("command -v promtool > /dev/null") == 0);
    const auto file = dir.path() / "metrics.txt";
    std::ofstream(file) << metrics.body;
    const auto out = dir.path() / "promtool.out";
    const int rc = std::system(
        ("promtool check metrics < " + file.string() + " > " + out.string() + " 2>&1").c_str());
    std::ifstream in(out);
    const std::string said{std::istreambuf_iterator<char>(in), {}};
    INFO(said);
    CHECK(rc == 0);
    CHECK(said.empty());
  }
  service.Stop();
}

TEST_CASE("deprecating a product takes its owner team or an admin and shows on the board") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  ProduceEstate(kafka->bootstrap_servers());
  {
    testing::KafkaProducer p(kafka->bootstrap_servers());
    p.Produce("tributary.catalog", 0, std::nullopt, R"({
      "specversion":"1.0","id":"c-3","source":"catalog","type":"tributary.product.published",
      "time":"2026-11-25T09:00:00Z",
      "data":{"product":"pageviews","cluster":"local","topic":"pageviews","domain":"marketing",
              "owner":"marketing","description":"Page views","quality":"raw",
              "sla":"tier-2","tags":[]}})");
    p.Flush();
  }
  TempDir dir;
  SystemClock clock;
  Service service(TestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  REQUIRE(WaitUntil(
      [&] {
        return testing::HttpGet(port, "/api/v1/products/pageviews").status == 200 &&
               testing::HttpGet(port, "/api/v1/impact?node=product:stocktrades")
                       .body.find("analytics-risk") != std::string::npos;
      },
      60s));
  const auto sunset = FormatRfc3339(clock.Now() + std::chrono::days(30));
  const json request = {
      {"reason", "moving to v2"}, {"sunset", sunset}, {"replacement", "pageviews"}};
  HttpConnection c(port);

  // Who may: nobody without a token, no reader, no owner of another team.
  CHECK(c.Request("POST", "/api/v1/products/stocktrades/deprecate", request.dump()).status == 401);
  CHECK(c.Request("POST", "/api/v1/products/unknown/deprecate", request.dump()).status == 401);
  CHECK(
      c.Request("POST", "/api/v1/products/stocktrades/deprecate", request.dump(), kReader).status ==
      403);
  const auto other_team =
      c.Request("POST", "/api/v1/products/pageviews/deprecate", request.dump(), kOwner);
  CHECK(other_team.status == 403);
  CHECK(json::parse(other_team.body)["error"]["code"] == "forbidden");
  CHECK(c.Request("POST", "/api/v1/products/unknown/deprecate", request.dump(), kOwner).status ==
        404);
  // What: a reason and a future sunset.
  CHECK(c.Request("POST", "/api/v1/products/stocktrades/deprecate",
                  json{{"reason", "x"}, {"sunset", "2001-01-01T00:00:00Z"}}.dump(), kOwner)
            .status == 400);
  CHECK(c.Request("POST", "/api/v1/products/stocktrades/deprecate", json{{"sunset", sunset}}.dump(),
                  kOwner)
            .status == 400);
  // The refused writes changed nothing.
  CHECK(GetJson(port, "/api/v1/deprecations")["deprecations"].empty());
  CHECK(GetJson(port, "/api/v1/products/pageviews")["status"] == "active");
  CHECK(GetJson(port, "/api/v1/events?type=product_deprecated")["events"].empty());
  CHECK(testing::HttpGet(port, "/api/v1/deprecations/stocktrades").status == 404);

  // The owner's team deprecates its own product; the board follows its consumers.
  const auto accepted =
      c.Request("POST", "/api/v1/products/stocktrades/deprecate", request.dump(), kOwner);
  REQUIRE(accepted.status == 202);
  // Produced to the catalog topic and answered once the catalog source applied it.
  CHECK(json::parse(accepted.body)["accepted"] == true);
  CHECK(GetJson(port, "/api/v1/products/stocktrades")["status"] == "deprecated");
  json board;
  REQUIRE(WaitUntil(
      [&] {
        const auto r = testing::HttpGet(port, "/api/v1/deprecations/stocktrades");
        if (r.status != 200) {
          return false;
        }
        board = json::parse(r.body);
        return board["progress"]["total"] == 2;
      },
      10s));
  CHECK(board["reason"] == "moving to v2");
  CHECK(board["sunset"] == sunset);
  CHECK(board["replacement"] == "pageviews");
  CHECK(board["progress"]["migrated"] == 0);
  for (const auto& consumer : board["consumers"]) {
    CHECK(consumer["status"] == "not_started");
    CHECK(consumer["team"] == "analytics");
  }
  CHECK(GetJson(port, "/api/v1/deprecations")["deprecations"].size() == 1);
  CHECK(GetJson(port, "/api/v1/products/stocktrades")["status"] == "deprecated");
  const auto events = GetJson(port, "/api/v1/events?type=product_deprecated")["events"];
  REQUIRE(events.size() == 1);
  CHECK(events[0]["data"]["actor"] == "execution-ci");
  // An admin may deprecate any product.
  CHECK(c.Request("POST", "/api/v1/products/pageviews/deprecate", request.dump(), kAdmin).status ==
        400);  // a product cannot replace itself
  CHECK(c.Request("POST", "/api/v1/products/pageviews/deprecate",
                  json{{"reason", "unused"}, {"sunset", sunset}}.dump(), kAdmin)
            .status == 202);

  // Subscriptions: a team's own owner token or an admin; known products only.
  const json subscribe = {{"products", {"pageviews"}}};
  CHECK(c.Request("PUT", "/api/v1/teams/execution/subscriptions", subscribe.dump()).status == 401);
  CHECK(
      c.Request("PUT", "/api/v1/teams/analytics/subscriptions", subscribe.dump(), kOwner).status ==
      403);
  CHECK(c.Request("PUT", "/api/v1/teams/execution/subscriptions",
                  json{{"products", {"nope"}}}.dump(), kOwner)
            .status == 400);
  const auto subscribed =
      c.Request("PUT", "/api/v1/teams/execution/subscriptions", subscribe.dump(), kOwner);
  REQUIRE(subscribed.status == 200);
  CHECK(json::parse(subscribed.body)["subscriptions"] == json::array({"pageviews"}));
  const auto teams = GetJson(port, "/api/v1/teams")["teams"];
  std::map<std::string, json> by_name;
  for (const auto& t : teams) {
    by_name[t["name"].get<std::string>()] = t;
  }
  REQUIRE(by_name.contains("analytics"));
  CHECK(by_name["analytics"]["contacts"] == json::array({"analytics-slack"}));
  CHECK(by_name["analytics"]["routes"] == json::array({"group:*/analytics-*"}));
  CHECK(by_name["execution"]["subscriptions"] == json::array({"pageviews"}));

  // The deprecation's notices: no team here has a configured channel, so each
  // is a dead notification that says why; none is dropped silently.
  json dead;
  REQUIRE(WaitUntil(
      [&] {
        dead = GetJson(port, "/api/v1/notifications?status=dead&kind=deprecation")["notifications"];
        return dead.size() >= 2;
      },
      10s));
  std::set<std::string> teams_told;
  std::string analytics_id;
  for (const auto& n : dead) {
    teams_told.insert(n["team"].get<std::string>());
    CHECK(n["last_error"].get<std::string>().find("no reachable contact") != std::string::npos);
    if (n["team"] == "analytics") {
      analytics_id = n["id"].get<std::string>();
    }
  }
  CHECK(teams_told.contains("analytics"));
  CHECK(teams_told.contains("execution"));
  REQUIRE(!analytics_id.empty());
  CHECK(testing::HttpGet(port, "/api/v1/notifications?status=lost").status == 400);
  const std::string retry = "/api/v1/notifications/" + analytics_id + "/retry";
  CHECK(c.Request("POST", retry, "").status == 401);
  CHECK(c.Request("POST", retry, "", kReader).status == 403);
  CHECK(c.Request("POST", retry, "", kOwner).status == 403);  // another team's notification
  CHECK(c.Request("POST", "/api/v1/notifications/999999/retry", "", kAdmin).status == 404);
  CHECK(c.Request("POST", retry, "", kAdmin).status == 409);  // no channel to retry on
  service.Stop();
}

TEST_CASE("the UI's search finds products, teams and nodes, best match first, from every page") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  ProduceEstate(kafka->bootstrap_servers());
  TempDir dir;
  SystemClock clock;
  Service service(TestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  REQUIRE(EstateMapped(port));
  const auto page = [&](const std::string& target, int status = 200) {
    return Page(port, target, status);
  };
  const auto before = [](const std::string& html, const std::string& a, const std::string& b) {
    const auto i = html.find(a);
    const auto j = html.find(b);
    return i != std::string::npos && j != std::string::npos && i < j;
  };
  // Every page carries the search box.
  for (const auto* target : {"/", "/ui/products/stocktrades", "/ui/consumers", "/ui/compliance"}) {
    INFO(target);
    CHECK(page(target).find("action=\"/ui/search\"") != std::string::npos);
  }

  // 1. A product by its name: the product first, then its topic.
  const auto trades = page("/ui/search?q=stocktrades");
  CHECK(trades.find("href=\"/ui/products/stocktrades\"") != std::string::npos);
  CHECK(trades.find("href=\"/ui/node?id=topic:local/stocktrades\"") != std::string::npos);
  CHECK(trades.find("value=\"stocktrades\"") != std::string::npos);  // the box keeps the query

  // 2. A team by its name and by its display name, with the product it owns;
  //    its groups found by id, the one whose name starts with the query first.
  const auto analytics = page("/ui/search?q=Analytics");
  CHECK(analytics.find("<h2>Teams</h2>") != std::string::npos);
  CHECK(analytics.find("<td>Analytics</td>") != std::string::npos);
  CHECK(analytics.find("href=\"/ui/teams/analytics\"") != std::string::npos);
  CHECK(analytics.find("href=\"/ui/node?id=group:local/analytics-risk\"") != std::string::npos);
  CHECK(before(analytics, "group:local/analytics-risk", "group:local/analytics-trending"));
  const auto execution = page("/ui/search?q=execution");
  CHECK(execution.find("<h2>Teams</h2>") != std::string::npos);
  CHECK(execution.find("<a href=\"/ui/products/stocktrades\">stocktrades</a>") !=
        std::string::npos);

  // 3. A description: "Every trade" is stocktrades' description, not its name.
  const auto described = page("/ui/search?q=every%20trade");
  CHECK(described.find("href=\"/ui/products/stocktrades\"") != std::string::npos);
  CHECK(described.find("<h2>Teams</h2>") == std::string::npos);

  // Nothing found, hostile and oversized queries.
  CHECK(page("/ui/search?q=zzzz-nothing").find("Nothing matches") != std::string::npos);
  const auto hostile = page("/ui/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  CHECK(hostile.find("<script>") == std::string::npos);
  CHECK(hostile.find("&lt;script&gt;") != std::string::npos);
  page("/ui/search?q=" + std::string(201, 'a'), 400);
  page("/ui/search?q=%FF", 400);
  CHECK(page("/ui/search").find("Nothing matches") == std::string::npos);  // no query yet

  // Every result links to a page that answers.
  std::set<std::string> links;
  for (const auto* html : {&trades, &analytics, &execution}) {
    const std::regex href("href=\"(/ui/[^\"]*)\"");
    for (auto it = std::sregex_iterator(html->begin(), html->end(), href);
         it != std::sregex_iterator(); ++it) {
      links.insert((*it)[1]);
    }
  }
  CHECK(links.size() > 5);
  for (const auto& link : links) {
    INFO(link);
    CHECK(testing::HttpGet(port, link).status == 200);
  }
  service.Stop();
}

TEST_CASE(
    "the product page compares two schema versions field by field, with the engine's verdict") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  ProduceEstate(kafka->bootstrap_servers());
  {
    // Version 2: price becomes a string (breaking), id is added with a default.
    testing::KafkaProducer p(kafka->bootstrap_servers());
    p.Produce(
        "_schemas", 0,
        R"({"keytype":"SCHEMA","subject":"stocktrades-value","version":2,"magic":1})",
        R"({"subject":"stocktrades-value","version":2,"id":2,"schema":"{\"type\":\"record\",\"name\":\"Trade\",\"fields\":[{\"name\":\"price\",\"type\":\"string\"},{\"name\":\"id\",\"type\":\"string\",\"default\":\"\"}]}"})");
    p.Flush();
  }
  TempDir dir;
  SystemClock clock;
  Service service(TestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  const auto page = [&](const std::string& target, int status = 200) {
    return Page(port, target, status);
  };
  REQUIRE(WaitUntil(
      [&] {
        return testing::HttpGet(port, "/ui/products/stocktrades").body.find("Version 1 → 2") !=
               std::string::npos;
      },
      60s));
  // By default the last two versions: the fields that changed, and why it breaks.
  const auto compared = page("/ui/products/stocktrades");
  CHECK(compared.find("<span class=\"tag\">retyped</span></td><td><code>price</code></td>"
                      "<td>double</td><td>string</td>") != std::string::npos);
  CHECK(compared.find("<span class=\"tag\">added</span></td><td><code>id</code></td>") !=
        std::string::npos);
  CHECK(compared.find("<span class=\"tag dead\">breaking</span>") != std::string::npos);
  CHECK(compared.find("<code>price</code></td><td>") != std::string::npos);
  // Any two versions: a version against itself is compatible, with the same fields.
  const auto same = page("/ui/products/stocktrades?from=2&to=2");
  CHECK(same.find("Version 2 → 2") != std::string::npos);
  CHECK(same.find("<span class=\"tag active\">compatible</span>") != std::string::npos);
  CHECK(same.find("The same fields, with the same types.") != std::string::npos);
  // The other way round is compared too.
  const auto back = page("/ui/products/stocktrades?from=2&to=1");
  CHECK(back.find("Version 2 → 1") != std::string::npos);
  CHECK(back.find("<span class=\"tag\">removed</span></td><td><code>id</code></td>") !=
        std::string::npos);
  // A version the subject does not have, or not a number: 400 naming the parameter.
  CHECK(page("/ui/products/stocktrades?from=9", 400).find("from") != std::string::npos);
  CHECK(page("/ui/products/stocktrades?to=x", 400).find("to") != std::string::npos);
  service.Stop();
}

TEST_CASE(
    "the lineage picture: the viewer's team highlighted, a large lineage collapsed by team "
    "instead of refused, pan and zoom as a script of its own, and what changed between two "
    "instants") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  ProduceEstate(kafka->bootstrap_servers());
  TempDir dir;
  SystemClock clock;
  Service service(TestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  REQUIRE(EstateMapped(port));
  const auto page = [&](const std::string& target, int status = 200) {
    return Page(port, target, status);
  };
  const std::string lineage = "/api/v1/lineage?node=topic:local/stocktrades";
  const auto dot_line = [](const std::string& dot, const std::string& label) {
    const auto at = dot.find("[label=\"" + label);
    return at == std::string::npos ? std::string() : dot.substr(at, dot.find('\n', at) - at);
  };

  // The viewer's team: the owner token's (execution owns stocktrades), or ?team=.
  HttpConnection c(port);
  const auto owned = c.Request("GET", lineage + "&format=dot", "", kOwner).body;
  CHECK(dot_line(owned, "stocktrades").find("peripheries=2") != std::string::npos);
  CHECK(dot_line(owned, "analytics-risk").find("peripheries=2") == std::string::npos);
  const auto theirs = testing::HttpGet(port, lineage + "&format=dot&team=analytics").body;
  CHECK(dot_line(theirs, "stocktrades").find("peripheries=2") == std::string::npos);
  CHECK(dot_line(theirs, "analytics-risk").find("peripheries=2") != std::string::npos);
  const auto product = page("/ui/products/stocktrades?team=analytics");
  CHECK(product.find("team <a href=\"/ui/teams/analytics\">analytics</a>'s nodes") !=
        std::string::npos);
  CHECK(product.find("<script src=\"/ui/lineage.js\"></script>") != std::string::npos);
  const auto script = testing::HttpGet(port, "/ui/lineage.js");
  CHECK(script.status == 200);
  CHECK(script.headers.at("content-type") == "text/javascript; charset=utf-8");
  CHECK(script.body.find("addEventListener('wheel'") != std::string::npos);

  // A time before a group appeared, and now: the change names the group's
  // consumes edge as appeared, drawn green, and the group as new.
  const auto before = clock.Now();
  std::this_thread::sleep_for(20ms);
  {
    testing::KafkaProducer p(kafka->bootstrap_servers());
    ingest::consumer_offsets::OffsetCommit commit;
    commit.group = "analytics-late";
    commit.topic = "stocktrades";
    commit.offset = 5;
    commit.commit_timestamp_ms = ToMillis(SystemClock().Now());
    const auto r = ingest::consumer_offsets::Encode(commit);
    p.Produce("__consumer_offsets", 0, r.key, r.value);
    p.Flush();
  }
  REQUIRE(WaitUntil(
      [&] {
        return testing::HttpGet(port, lineage).body.find("analytics-late") != std::string::npos;
      },
      30s));
  const auto after = clock.Now();
  // The date picker's value: no zone, read as UTC.
  auto picker = [](Timestamp t) {
    auto text = FormatRfc3339(t);
    text.pop_back();
    return text;
  };
  const auto history = page("/ui/products/stocktrades/history");
  CHECK(history.find("group:local/analytics-late consumes topic:local/stocktrades began "
                     "(observed)") != std::string::npos);
  CHECK(history.find("schema version 1 registered") != std::string::npos);
  // Until chosen, the pickers offer the last day.
  CHECK(history.find("name=\"b\" step=\"0.001\" value=\"" + picker(after).substr(0, 10)) !=
        std::string::npos);
  const auto changed =
      page("/ui/products/stocktrades/history?a=" + picker(before) + "&b=" + picker(after));
  INFO(changed);
  CHECK(changed.find("<tr class=\"added\"><td>appeared</td><td><a "
                     "href=\"/ui/node?id=topic:local/stocktrades\">topic:local/stocktrades</a>"
                     "</td><td><a href=\"/ui/node?id=group:local/analytics-late\">") !=
        std::string::npos);
  // In the picture (Graphviz writes '-' as a character reference).
  CHECK(changed.find("analytics&#45;late (new)") != std::string::npos);
  CHECK(changed.find("#15803d") != std::string::npos);            // drawn green
  CHECK(changed.find("class=\"removed\"") == std::string::npos);  // nothing ended
  // The other way round, it ended; the same instant twice, nothing changed.
  const auto reversed = page("/ui/products/stocktrades/history?a=" + FormatRfc3339(after) +
                             "&b=" + FormatRfc3339(before));
  CHECK(reversed.find("<tr class=\"removed\"><td>ended</td>") != std::string::npos);
  CHECK(reversed.find("analytics&#45;late (gone)") != std::string::npos);
  CHECK(page("/ui/products/stocktrades/history?a=" + FormatRfc3339(after) +
             "&b=" + FormatRfc3339(after))
            .find("Nothing changed in the lineage between A and B.") != std::string::npos);
  CHECK(page("/ui/products/stocktrades/history?a=yesterday&b=x", 400).find("a: ") !=
        std::string::npos);
  page("/ui/products/nope/history", 404);

  // 300 more groups, half of them analytics': the picture is collapsed by team.
  {
    testing::KafkaProducer p(kafka->bootstrap_servers());
    for (int i = 0; i < 300; ++i) {
      ingest::consumer_offsets::OffsetCommit commit;
      commit.group = (i % 2 == 0 ? "analytics-g" : "batch-g") + std::to_string(i);
      commit.topic = "stocktrades";
      commit.offset = 1;
      commit.commit_timestamp_ms = ToMillis(SystemClock().Now());
      const auto r = ingest::consumer_offsets::Encode(commit);
      p.Produce("__consumer_offsets", 0, r.key, r.value);
    }
    p.Flush();
  }
  REQUIRE(WaitUntil(
      [&] {
        return GetJson(port, lineage + "&direction=downstream&depth=1")["nodes"].size() == 304;
      },
      60s));
  const auto collapsed = testing::HttpGet(port, lineage + "&format=dot").body;
  INFO(collapsed);
  // The root, analytics' 153 groups, and the 150 groups without a team.
  CHECK(collapsed.find("label=\"team analytics: 153 groups\"") != std::string::npos);
  CHECK(collapsed.find("URL=\"/ui/teams/analytics\"") != std::string::npos);
  CHECK(collapsed.find("label=\"150 groups without a team\"") != std::string::npos);
  CHECK(collapsed.find("label=\"consumes \u00d7153\"") != std::string::npos);
  CHECK(std::count(collapsed.begin(), collapsed.end(), '\n') < 12);
  const auto svg = testing::HttpGet(port, lineage + "&format=svg");
  CHECK(svg.status == 200);  // was 422 too_large
  CHECK(svg.body.find("team analytics: 153 groups") != std::string::npos);
  const auto ui = page("/ui/products/stocktrades");
  CHECK(ui.find("drawn collapsed, one box per team") != std::string::npos);
  CHECK(ui.find("team analytics: 153 groups") != std::string::npos);
  service.Stop();
}

TEST_CASE("every route the service registers is in the OpenAPI document") {
  const auto doc = json::parse(http::OpenApiDocument());
  CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
  http::Router router;
  http::ApiContext context;
  http::AddApiRoutes(router, context);
  router.Add("GET", "/metrics", [](const http::Request&) { return http::Response{}; });
  for (const auto& route : router.Routes()) {
    const auto space = route.find(' ');
    auto method = route.substr(0, space);
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    const auto path = route.substr(space + 1);
    INFO(route);
    REQUIRE(doc["paths"].contains(path));
    CHECK(doc["paths"][path].contains(method));
  }
}

TEST_CASE("the web UI renders every page as HTML, readable without script, and its links resolve") {
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  ProduceEstate(kafka->bootstrap_servers());
  TempDir dir;
  SystemClock clock;
  Service service(TestConfig(dir.path(), kafka->bootstrap_servers()), clock);
  REQUIRE(service.Start().ok());
  const auto port = service.http_port();
  REQUIRE(EstateMapped(port));
  HttpConnection c(port);
  const auto sunset = FormatRfc3339(clock.Now() + std::chrono::days(20));
  REQUIRE(c.Request("POST", "/api/v1/products/stocktrades/deprecate",
                    json{{"reason", "moving to v2"}, {"sunset", sunset}}.dump(), kOwner)
              .status == 202);

  const auto page = [&](const std::string& target, int status = 200) {
    const auto r = testing::HttpGet(port, target);
    INFO(target << " -> " << r.status);
    CHECK(r.status == status);
    CHECK(r.body.find("<!DOCTYPE html>") == 0);
    // Readable without JavaScript: the one script is the pictures' pan and zoom.
    CHECK(OnlyPanZoomScript(r.body));
    return r.body;
  };
  const auto overview = page("/");
  CHECK(overview.find("href=\"/ui/products/stocktrades\"") != std::string::npos);
  CHECK(overview.find("Domain execution") != std::string::npos);
  const auto product = page("/ui/products/stocktrades");
  CHECK(product.find("<svg") != std::string::npos);
  CHECK(product.find("group:local/analytics-risk") != std::string::npos);
  CHECK(product.find("href=\"/ui/node?id=group:local/analytics-risk\"") != std::string::npos);
  CHECK(product.find("/ui/deprecations/stocktrades") != std::string::npos);
  CHECK(page("/ui/node?id=topic:local/stocktrades&direction=downstream&depth=2").find("<svg") !=
        std::string::npos);
  CHECK(page("/ui/impact?node=topic:local/stocktrades").find("Team analytics") !=
        std::string::npos);
  REQUIRE(
      WaitUntil([&] { return page("/ui/deprecations").find("0 of 2") != std::string::npos; }, 10s));
  const auto board = page("/ui/deprecations/stocktrades");
  CHECK(board.find("not_started") != std::string::npos);
  // The product page: each consumer's lag, status and migration in one table.
  const auto deprecated = page("/ui/products/stocktrades");
  CHECK(deprecated.find("<th>Migration</th>") != std::string::npos);
  CHECK(deprecated.find("<span class=\"tag\">not_started</span>") != std::string::npos);
  CHECK(page("/ui/notifications").find("deprecation") != std::string::npos);
  CHECK(page("/ui/events").find("consumer_started") != std::string::npos);
  page("/ui/quarantine");

  // Team homes: the owner team and a consumer team, linked from the overview.
  CHECK(overview.find("href=\"/ui/teams/execution\"") != std::string::npos);
  CHECK(overview.find("href=\"/ui/teams/analytics\"") != std::string::npos);
  const auto execution = page("/ui/teams/execution");
  CHECK(execution.find("<h2>What we own</h2>") != std::string::npos);
  CHECK(execution.find("<a href=\"/ui/products/stocktrades\">stocktrades</a>") !=
        std::string::npos);
  CHECK(execution.find("<td>2 of 2</td>") != std::string::npos);  // owed: both still to move
  CHECK(execution.find("None of this team's consumers reads a deprecated product") !=
        std::string::npos);
  // The deprecation notice to the consumer team shows among its notifications.
  REQUIRE(WaitUntil(
      [&] {
        return page("/ui/teams/analytics").find("No notification was sent to this team") ==
               std::string::npos;
      },
      20s));
  const auto analytics = page("/ui/teams/analytics");
  CHECK(analytics.find("Team Analytics") != std::string::npos);
  CHECK(analytics.find("analytics-slack") != std::string::npos);  // its contact
  // It owns its groups (by the [[routes]] glob) and reads stocktrades from execution.
  CHECK(analytics.find("href=\"/ui/node?id=group:local/analytics-risk\"") != std::string::npos);
  CHECK(analytics.find("href=\"/ui/teams/execution\"") != std::string::npos);
  // stocktrades is deprecated under it: the board, the sunset and its consumers' status.
  CHECK(analytics.find("href=\"/ui/deprecations/stocktrades\"") != std::string::npos);
  CHECK(analytics.find(sunset.substr(0, 10)) != std::string::npos);
  CHECK(analytics.find("not_started") != std::string::npos);
  CHECK(analytics.find("No deprecated product of this team has consumers left") !=
        std::string::npos);
  page("/ui/teams/nobody", 404);
  page("/ui/products/nope", 404);
  page("/ui/node?id=../etc/passwd", 400);
  page("/ui/node?id=topic:local/stocktrades&at=yesterday", 400);

  // Every link on the overview and the product page is a page that answers.
  std::set<std::string> links;
  for (const auto* html : {&overview, &product, &execution, &analytics}) {
    const std::regex href("href=\"(/[^\"]*)\"");
    for (auto it = std::sregex_iterator(html->begin(), html->end(), href);
         it != std::sregex_iterator(); ++it) {
      links.insert((*it)[1]);
    }
  }
  CHECK(links.size() > 5);
  for (const auto& link : links) {
    if (link.rfind("/api/", 0) == 0) {
      continue;
    }
    INFO(link);
    CHECK(testing::HttpGet(port, link).status == 200);
  }
  service.Stop();
}
