// Regression tests for the outside security audit (wave 2): each TEST_CASE
// replays a finding's payloads against a whole service over a real socket,
// fed through a Kafka protocol peer (librdkafka's mock cluster).

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <set>
#include <thread>

#include "app/config.h"
#include "app/service.h"
#include "core/text_codec.h"
#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "sim/mock_kafka.h"
#include "support/http_client.h"
#include "support/kafka_producer.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/xml_check.h"

using namespace tributary;
using namespace std::chrono_literals;
using nlohmann::json;
using tributary::testing::HttpConnection;
using tributary::testing::TempDir;
using tributary::testing::WaitUntil;

namespace {

constexpr const char* kAdmin = "Authorization: Bearer admin-token\r\n";
constexpr const char* kOwner = "Authorization: Bearer owner-token\r\n";  // team execution
constexpr const char* kReader = "Authorization: Bearer reader-token\r\n";
constexpr const char* kRisk = "Authorization: Bearer risk-token\r\n";  // team risk
// Team analytics, may also write lineage for unowned jobs in namespace "spark".
constexpr const char* kLineage = "Authorization: Bearer lineage-token\r\n";

// The reviewer's payloads: they break out of an attribute, open a script, and
// make the SVG malformed; the last two carry control and bidi characters.
const std::vector<std::string> kHostileGroups = {
    R"("><img src=x onerror="document.title='PWNED'">)",
    "<script>document.title='PWNED'</script>",
    "a<b&c\\N\\l'\"",
    "ctl\x01\x1f\x7f-end",
    "bidi\xE2\x80\xAEreversed",
};
const std::string kHostileJobNamespace = "<script>document.title='PWNED'</script>";
const std::string kHostileJobName = R"("><img src=x onerror="document.title='PWNED'">)";

Config BaseConfig(const std::filesystem::path& dir, const std::string& bootstrap) {
  Config c;
  c.service.data_dir = (dir / "data").string();
  c.service.http_host = "127.0.0.1";
  c.service.http_port = 0;
  c.clusters.push_back({"local", "", bootstrap, {}});
  c.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "local"};
  c.sources.catalog = TopicSourceConfig{"tributary.catalog", "local"};
  c.sources.schemas = SchemaSourceConfig{"_schemas", "", "", std::chrono::seconds(30), "local"};
  c.routes.push_back({"group:*/analytics-*", "analytics"});
  c.routes.push_back({"job:flink/risk-*", "risk"});
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
      {"risk-ci",
       "5b25865b83a56c543cb0f705fde416908171536477fa0fdf00f8e2665ae1d4b6",
       "owner",
       "risk",
       {}},
      {"analytics-ci",
       "fcfe5f56108a18aea54ffd238eb17a0166fffe94938ad6467cd8b33f18576f10",
       "owner",
       "analytics",
       {},
       {"spark"}},
  };
  return c;
}

std::string PublishedEvent(const std::string& id, const std::string& product,
                           const std::string& extra = "") {
  return R"({"specversion":"1.0","id":")" + id +
         R"(","source":"catalog","type":"tributary.product.published","time":"2026-11-25T09:00:00Z",
    "data":{"product":")" +
         product + R"(","cluster":"local","topic":"stocktrades","domain":"execution",
            "owner":"execution","description":"Every trade","quality":"authoritative",
            "sla":"tier-1","tags":["finance"])" +
         extra + "}}";
}

void Commit(testing::KafkaProducer& p, const std::string& group, std::int64_t offset) {
  ingest::consumer_offsets::OffsetCommit c;
  c.group = group;
  c.topic = "stocktrades";
  c.offset = offset;
  c.commit_timestamp_ms = ToMillis(SystemClock().Now());
  const auto r = ingest::consumer_offsets::Encode(c);
  p.Produce("__consumer_offsets", 0, r.key, r.value);
}

// A mock cluster and a service reading it.
struct Estate {
  explicit Estate(const std::function<void(Config&)>& adjust = {})
      : kafka(std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value()) {
    config = BaseConfig(dir.path(), kafka->bootstrap_servers());
    if (adjust) {
      adjust(config);
    }
  }
  void Start() {
    service = std::make_unique<Service>(config, clock);
    REQUIRE(service->Start().ok());
    port = service->http_port();
  }
  testing::HttpResult Get(const std::string& target, const std::string& headers = "") const {
    HttpConnection c(port);
    return c.Request("GET", target, "", headers);
  }
  json GetJson(const std::string& target, int expected = 200) const {
    const auto r = Get(target);
    INFO(target << " -> " << r.status << " " << r.body);
    REQUIRE(r.status == expected);
    return json::parse(r.body);
  }

  TempDir dir;
  std::unique_ptr<sim::MockKafka> kafka;
  Config config;
  SystemClock clock;
  std::unique_ptr<Service> service;
  std::uint16_t port = 0;
};

std::string Encoded(const std::string& text) { return PercentEncode(text, ":/"); }

bool HasChromium() { return std::system("command -v chromium > /dev/null 2>&1") == 0; }

// The DOM headless Chromium builds for a page (after any script ran).
std::string DumpDom(const TempDir& dir, std::uint16_t port, const std::string& target) {
  const auto out = dir / "dom.html";
  const std::string command =
      "timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      (dir / "chromium").string() + " --dump-dom 'http://127.0.0.1:" + std::to_string(port) +
      target + "' > " + out.string() + " 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(out);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

// Finding 1 (high): node ids went raw into the DOT writer's URL attribute and
// Graphviz copied them into xlink:href: a stored XSS on every product page.
TEST_CASE("security: hostile node ids inject no markup into the lineage SVG or the UI") {
  Estate estate;
  {
    testing::KafkaProducer p(estate.kafka->bootstrap_servers());
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-1", "stocktrades"));
    for (const auto& group : kHostileGroups) {
      Commit(p, group, 10);
    }
    p.Flush();
  }
  estate.Start();
  const json lineage_event = {
      {"eventType", "START"},
      {"eventTime", "2026-11-25T10:00:00Z"},
      {"run", {{"runId", "r-1"}}},
      {"job", {{"namespace", kHostileJobNamespace}, {"name", kHostileJobName}}},
      {"inputs",
       {{{"namespace", "kafka://" + estate.kafka->bootstrap_servers()}, {"name", "stocktrades"}}}},
      {"outputs", json::array()},
      {"producer", "test"},
      {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json"}};
  {
    HttpConnection c(estate.port);
    const auto r = c.Request("POST", "/api/v1/lineage", lineage_event.dump(), kAdmin);
    INFO(r.body);
    REQUIRE(r.status == 201);
  }
  std::string last;
  REQUIRE(WaitUntil(
      [&] {
        last = estate.Get("/api/v1/lineage?node=product:stocktrades&direction=both&depth=2").body;
        const auto j = json::parse(last, nullptr, false);
        return !j.is_discarded() && j.contains("nodes") &&
               j["nodes"].size() == kHostileGroups.size() + 2;
      },
      60s));
  std::set<std::string> ids;
  const auto lineage = json::parse(last);
  for (const auto& n : lineage["nodes"]) {
    ids.insert(n["id"].get<std::string>());
  }

  SECTION("the standalone SVG is well-formed, sandboxed, and every href decodes to its id") {
    const auto svg =
        estate.Get("/api/v1/lineage?node=product:stocktrades&direction=both&depth=2&format=svg");
    REQUIRE(svg.status == 200);
    CHECK(svg.headers.at("content-type") == "image/svg+xml");
    CHECK_THAT(svg.headers.at("content-security-policy"), Catch::Contains("sandbox"));
    CHECK(svg.headers.at("x-content-type-options") == "nosniff");
    const auto xml = testing::CheckXml(estate.dir / "lineage.svg", svg.body);
    INFO(xml.error);
    REQUIRE(xml.ok);
    CHECK_FALSE(xml.elements.contains("script"));
    CHECK_FALSE(xml.elements.contains("img"));
    std::set<std::string> linked;
    for (const auto& href : xml.hrefs) {
      REQUIRE(href.rfind("/ui/node?id=", 0) == 0);
      const auto id = PercentDecode(href.substr(12));
      REQUIRE(id);
      linked.insert(*id);
    }
    CHECK(linked == ids);
  }
  SECTION("every UI page is well-formed XML with no injected element") {
    std::vector<std::string> pages = {"/",
                                      "/ui/products/stocktrades",
                                      "/ui/products/stocktrades?depth=3",
                                      "/ui/impact?node=" + Encoded("topic:local/stocktrades"),
                                      "/ui/deprecations",
                                      "/ui/notifications",
                                      "/ui/events",
                                      "/ui/quarantine"};
    for (const auto& id : ids) {
      pages.push_back("/ui/node?id=" + Encoded(id));
    }
    int n = 0;
    for (const auto& page : pages) {
      INFO(page);
      const auto r = estate.Get(page);
      CHECK(r.status == 200);
      CHECK_THAT(r.headers.at("content-security-policy"), Catch::Contains("default-src 'none'"));
      // Scripts only from this origin (the lineage picture's pan and zoom),
      // never inline: an injected <script> or handler would not run.
      CHECK_THAT(r.headers.at("content-security-policy"), Catch::Contains("script-src 'self';"));
      const auto xml =
          testing::CheckXml(estate.dir / ("page" + std::to_string(n++) + ".html"), r.body);
      INFO(xml.error);
      CHECK(xml.ok);
      for (auto at = r.body.find("<script"); at != std::string::npos;
           at = r.body.find("<script", at + 1)) {
        CHECK(r.body.compare(at, 38, "<script src=\"/ui/lineage.js\"></script>") == 0);
      }
      CHECK_FALSE(xml.elements.contains("img"));
      CHECK(r.body.find("\xE2\x80\xAE") == std::string::npos);  // no raw bidi override
    }
  }
  SECTION("headless Chromium shows the product and node pages with nothing injected") {
    if (!HasChromium()) {
      WARN("chromium is not installed (deploy/install-deps.sh --with-ui): browser check skipped");
      return;
    }
    const std::vector<std::string> browsed = {
        "/ui/products/stocktrades", "/ui/node?id=" + Encoded("group:local/" + kHostileGroups[0]),
        "/ui/node?id=" + Encoded("job:" + kHostileJobNamespace + "/" + kHostileJobName)};
    for (const auto& page : browsed) {
      INFO(page);
      const auto dom = DumpDom(estate.dir, estate.port, page);
      CHECK_THAT(dom, Catch::Contains("</svg>"));
      CHECK(dom.find("PWNED</title>") == std::string::npos);  // no script ran
      CHECK(dom.find("<img") == std::string::npos);
      // The only script is the picture's pan and zoom, and it ran (its buttons).
      for (auto at = dom.find("<script"); at != std::string::npos;
           at = dom.find("<script", at + 1)) {
        CHECK(dom.compare(at, 38, "<script src=\"/ui/lineage.js\"></script>") == 0);
      }
      CHECK_THAT(dom, Catch::Contains("aria-label=\"Reset the view\""));
    }
  }
}

// Finding 2 (medium): any owner token could write lineage for another team's
// job and re-route that team's notifications.
TEST_CASE("security: an owner token writes lineage only for jobs its team owns") {
  Estate estate;
  {
    testing::KafkaProducer p(estate.kafka->bootstrap_servers());
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-1", "stocktrades"));
    p.Flush();
  }
  estate.Start();
  REQUIRE(WaitUntil([&] { return estate.Get("/api/v1/products/stocktrades").status == 200; }, 30s));
  const auto event = [&](const std::string& ns, const std::string& name, const std::string& run) {
    return json{{"eventType", "START"},
                {"eventTime", "2026-11-25T10:00:00Z"},
                {"run", {{"runId", run}}},
                {"job", {{"namespace", ns}, {"name", name}}},
                {"inputs",
                 {{{"namespace", "kafka://" + estate.kafka->bootstrap_servers()},
                   {"name", "stocktrades"}}}},
                {"outputs", json::array()},
                {"producer", "test"},
                {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json"}}
        .dump();
  };
  HttpConnection c(estate.port);
  const auto events_before = estate.GetJson("/api/v1/events?limit=1000")["events"].size();
  // flink/risk-var is risk's by [[routes]]: execution's owner token may not write it.
  const auto refused =
      c.Request("POST", "/api/v1/lineage", event("flink", "risk-var", "r-1"), kOwner);
  CHECK(refused.status == 403);
  CHECK(json::parse(refused.body)["error"]["code"] == "forbidden");
  // An unowned job: refused too, unless the token lists its namespace.
  CHECK(c.Request("POST", "/api/v1/lineage", event("spark", "etl", "r-2"), kOwner).status == 403);
  CHECK(c.Request("POST", "/api/v1/lineage", event("flink", "etl", "r-3"), kLineage).status == 403);
  // The refusals recorded nothing.
  CHECK(estate.GetJson("/api/v1/events?limit=1000")["events"].size() == events_before);
  CHECK(estate.Get("/api/v1/node?id=job:flink/risk-var").status == 404);

  // Its own team's job, an unowned job in its namespaces, and admin: allowed.
  CHECK(c.Request("POST", "/api/v1/lineage", event("flink", "risk-var", "r-4"), kRisk).status ==
        201);
  CHECK(c.Request("POST", "/api/v1/lineage", event("spark", "etl", "r-5"), kLineage).status == 201);
  CHECK(c.Request("POST", "/api/v1/lineage", event("airflow", "x", "r-6"), kAdmin).status == 201);
  REQUIRE(WaitUntil([&] { return estate.Get("/api/v1/node?id=job:flink/risk-var").status == 200; },
                    10s));
  const auto node = estate.GetJson("/api/v1/node?id=job:flink/risk-var");
  CHECK(node["nodes"][0]["attributes"]["team"] == "risk");
}

namespace {

// Mutually-referencing anyOf definitions (the audit's 66 KB schema: 11.7 s
// before; each comparison step branches eight ways).
std::string PathologicalSchema(bool changed) {
  constexpr int kDefs = 200;
  constexpr int kBranches = 8;
  json defs = json::object();
  for (int i = 0; i < kDefs; ++i) {
    json any = json::array();
    for (int j = 0; j < kBranches; ++j) {
      any.push_back({{"$ref", "#/definitions/d" + std::to_string((i * 7 + j * 13 + 1) % kDefs)}});
    }
    any.push_back(
        {{"type", "object"}, {"properties", {{"f" + std::to_string(i), {{"type", "string"}}}}}});
    defs["d" + std::to_string(i)] = {{"anyOf", any}};
  }
  if (changed) {
    defs["d0"]["anyOf"].back() = {{"type", "integer"}};
  }
  return json{{"$schema", "http://json-schema.org/draft-07/schema#"},
              {"definitions", defs},
              {"$ref", "#/definitions/d0"}}
      .dump();
}

}  // namespace

// Finding 3 (medium): two pathological schema checks held both HTTP threads;
// /healthz took 13 s and a liveness probe would have killed the pod.
TEST_CASE("security: pathological schema checks run apart, /healthz stays fast") {
  Estate estate;
  estate.Start();
  const json body = {{"schemaType", "JSON"},
                     {"level", "FULL"},
                     {"previous", {PathologicalSchema(false)}},
                     {"schema", PathologicalSchema(true)}};
  REQUIRE(body.dump().size() > 60000);
  constexpr int kRequests = 10;  // 1 running + 8 queued fit; the rest are refused at once
  std::vector<std::unique_ptr<HttpConnection>> inflight;
  for (int i = 0; i < kRequests; ++i) {
    inflight.push_back(std::make_unique<HttpConnection>(estate.port));
    const auto text = body.dump();
    inflight.back()->SendRaw("POST /api/v1/compatibility HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                             std::to_string(text.size()) + "\r\n\r\n" + text);
  }
  std::this_thread::sleep_for(200ms);
  // While they are in flight, probes answer at once.
  std::chrono::milliseconds worst{0};
  for (int i = 0; i < 10; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = estate.Get("/healthz");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    CHECK(r.status == 200);
    worst = std::max(worst, took);
    std::this_thread::sleep_for(100ms);
  }
  INFO("slowest /healthz: " << worst.count() << " ms");
  CHECK(worst < 100ms);
  int too_complex = 0;
  int refused = 0;
  for (auto& c : inflight) {
    const auto r = c->ReadResponse(60s);
    INFO(r.status << " " << r.body);
    if (r.status == 429) {
      ++refused;
      CHECK(r.headers.contains("retry-after"));
    } else {
      CHECK(r.status == 422);
      CHECK(json::parse(r.body)["error"]["code"] == "schema_too_complex");
      ++too_complex;
    }
  }
  CHECK(refused >= 1);
  CHECK(too_complex >= 8);
  // An ordinary check still answers.
  const json simple = {
      {"schemaType", "AVRO"},
      {"previous", {R"({"type":"record","name":"T","fields":[{"name":"a","type":"int"}]})"}},
      {"schema", R"({"type":"record","name":"T","fields":[{"name":"a","type":"long"}]})"}};
  HttpConnection c(estate.port);
  const auto r = c.Request("POST", "/api/v1/compatibility", simple.dump());
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["compatible"] == true);
}

// Finding 4 (medium): /ui/events?before=1 returned the whole log (10.9 MB),
// before<=0 answered 500 with the database's path, INT64_MIN overflowed.
TEST_CASE("security: every list is bounded and bad paging parameters are 400s") {
  Estate estate;
  {
    testing::KafkaProducer p(estate.kafka->bootstrap_servers());
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-1", "stocktrades"));
    for (int i = 0; i < 150; ++i) {
      Commit(p, "analytics-g" + std::to_string(i), 10);
    }
    p.Flush();
  }
  estate.Start();
  REQUIRE(WaitUntil(
      [&] { return estate.GetJson("/api/v1/nodes?kind=group&limit=1000")["nodes"].size() == 150; },
      60s));
  const std::string data_dir = estate.config.service.data_dir;

  SECTION("the UI's event log shows one page whatever `before` says") {
    for (const std::string before : {"1", "2", "100000000"}) {
      INFO(before);
      const auto r = estate.Get("/ui/events?before=" + before);
      if (before == "100000000") {
        CHECK(r.status == 400);
        continue;
      }
      CHECK(r.status == 200);
      CHECK(r.body.size() < 200000);
    }
    const auto newest = estate.Get("/ui/events");
    CHECK(newest.status == 200);
    std::size_t rows = 0;
    for (auto at = newest.body.find("<tr><td>"); at != std::string::npos;
         at = newest.body.find("<tr><td>", at + 1)) {
      ++rows;
    }
    CHECK(rows == 100);
    CHECK_THAT(newest.body, Catch::Contains("Older events"));
  }
  SECTION("bad paging parameters are 400s that show no internals") {
    for (const std::string target :
         {"/ui/events?before=0", "/ui/events?before=-1", "/ui/events?before=-9223372036854775808",
          "/ui/events?before=abc", "/ui/notifications?after=-1", "/ui/notifications?status=<b>",
          "/ui/quarantine?after=x", "/api/v1/events?after=-1", "/api/v1/events?limit=0",
          "/api/v1/events?after=-9223372036854775808", "/api/v1/nodes?limit=-5",
          "/api/v1/nodes?after=x", "/api/v1/products?limit=abc", "/api/v1/notifications?limit=0",
          "/api/v1/notifications?after=-3", "/api/v1/quarantine?after=-1",
          "/api/v1/lineage?node=topic:local/stocktrades&depth=-9223372036854775808"}) {
      INFO(target);
      const auto r = estate.Get(target);
      CHECK(r.status == 400);
      CHECK(r.body.find(data_dir) == std::string::npos);
      CHECK(r.body.find("tributary.db") == std::string::npos);
      CHECK(r.body.find("sqlite") == std::string::npos);
    }
  }
  SECTION("API lists are pages with a cursor") {
    const auto first = estate.GetJson("/api/v1/nodes?kind=group&limit=100");
    CHECK(first["nodes"].size() == 100);
    REQUIRE(first["next"].is_string());
    const auto second = estate.GetJson("/api/v1/nodes?kind=group&limit=100&after=" +
                                       first["next"].get<std::string>());
    CHECK(second["nodes"].size() == 50);
    CHECK(second["next"].is_null());
    CHECK(second["nodes"][0]["id"] != first["nodes"][0]["id"]);
    // Oversized limits are clamped, never unbounded.
    CHECK(estate.GetJson("/api/v1/nodes?limit=100000")["nodes"].size() <= 10000);
    const auto events = estate.GetJson("/api/v1/events?limit=100000");
    CHECK(events["events"].size() <= 1000);
    const auto page = estate.GetJson("/api/v1/events?limit=2");
    REQUIRE(page["events"].size() == 2);
    const auto next =
        estate.GetJson("/api/v1/events?limit=2&after=" + page["next"].get<std::string>());
    CHECK(next["events"][0]["seq"].get<std::int64_t>() ==
          page["events"][1]["seq"].get<std::int64_t>() + 1);
    CHECK(estate.GetJson("/api/v1/products?limit=1")["products"].size() == 1);
  }
}

// Finding 6 (low): /metrics and the OpenAPI document answered anonymously
// with anonymous_read = false.
TEST_CASE("security: /metrics and the OpenAPI document need a token when anonymous reads are off") {
  Estate estate([](Config& c) { c.auth.anonymous_read = false; });
  estate.Start();
  for (const std::string target : {"/metrics", "/api/v1/openapi.json", "/api/v1/products", "/"}) {
    INFO(target);
    const auto anonymous = estate.Get(target);
    if (target == "/") {
      // A person at a UI page is sent to sign in (and back), shown nothing.
      CHECK(anonymous.status == 303);
      CHECK(anonymous.headers.at("location") == "/ui/signin?next=%2F");
      CHECK(anonymous.body.find("stocktrades") == std::string::npos);
    } else {
      CHECK(anonymous.status == 401);
      CHECK(anonymous.headers.at("www-authenticate") == "Bearer");
    }
    CHECK(estate.Get(target, kReader).status == 200);
  }
  // Probes stay open.
  CHECK(estate.Get("/healthz").status == 200);
  CHECK(estate.Get("/readyz").status != 401);
  const auto metrics = estate.Get("/metrics", kReader);
  CHECK_THAT(metrics.body, Catch::Contains("tributary_source_gap_records_total"));
}

// Finding 7 (low): no security headers.
TEST_CASE("security: every response carries the security headers") {
  Estate estate;
  estate.Start();
  for (const std::string target : {"/", "/api/v1/products", "/healthz", "/nope", "/ui/events"}) {
    INFO(target);
    const auto r = estate.Get(target);
    CHECK(r.headers.at("x-content-type-options") == "nosniff");
    CHECK(r.headers.at("referrer-policy") == "same-origin");
    CHECK(r.headers.at("x-frame-options") == "DENY");
    const auto& csp = r.headers.at("content-security-policy");
    CHECK_THAT(csp, Catch::Contains("frame-ancestors 'none'"));
    CHECK_THAT(csp, Catch::Contains("default-src 'none'"));
    CHECK(csp.find("unsafe-eval") == std::string::npos);
    // No script at all, or (a page) only scripts of this origin: never inline, never eval.
    const auto script = csp.find("script-src");
    CHECK(
        (script == std::string::npos || csp.compare(script, 24, "script-src 'self'; style") == 0));
  }
}

// Finding 8 (low): the data dir was 0755 and the log 0644 under umask 022.
TEST_CASE("security: the data dir is 0700 and the event log 0600 whatever the umask") {
  const mode_t old = ::umask(022);
  Estate estate;
  estate.Start();
  ::umask(old);
  const auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
  };
  const std::filesystem::path data = estate.config.service.data_dir;
  CHECK(mode(data) == 0700);
  for (const char* name : {"tributary.db", "tributary.db-wal", "tributary.db-shm"}) {
    INFO(name);
    REQUIRE(std::filesystem::exists(data / name));
    CHECK(mode(data / name) == 0600);
  }
}

// Finding 9 (low): names with '/', bidi overrides and NUL bytes were accepted
// and rendered raw; deprecate took an unknown replacement, a sunset in 9999
// and a 900 KB reason copied into every delivery.
TEST_CASE("security: names and texts from outside follow one rule") {
  Estate estate;
  {
    testing::KafkaProducer p(estate.kafka->bootstrap_servers());
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-1", "stocktrades"));
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-2", "pay/ments"));
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-3", "evil\xE2\x80\xAEtxt"));
    p.Produce("tributary.catalog", 0, std::nullopt, PublishedEvent("c-4", "nul\\u0000name"));
    p.Produce(
        "tributary.catalog", 0, std::nullopt,
        PublishedEvent("c-5", "longdesc", ",\"description\":\"" + std::string(5000, 'x') + "\""));
    p.Produce("tributary.catalog", 0, std::nullopt,
              PublishedEvent("c-6", "biditext", ",\"description\":\"a\\u202Eb\""));
    p.Produce("tributary.catalog", 0, std::nullopt, R"({"specversion":"1.0","id":"c-7",
      "source":"catalog","type":"tributary.team.upserted","time":"2026-11-25T09:00:00Z",
      "data":{"team":"two words","contacts":[]}})");
    p.Flush();
  }
  estate.Start();
  REQUIRE(
      WaitUntil([&] { return estate.GetJson("/api/v1/quarantine")["records"].size() >= 6; }, 30s));
  const auto quarantined = estate.GetJson("/api/v1/quarantine")["records"];
  std::string reasons;
  for (const auto& q : quarantined) {
    reasons += q["reason"].get<std::string>() + "\n";
  }
  INFO(reasons);
  CHECK(quarantined.size() == 6);
  CHECK_THAT(reasons, Catch::Contains("data.product"));
  CHECK_THAT(reasons, Catch::Contains("data.description: longer than 4096 bytes"));
  CHECK_THAT(reasons, Catch::Contains("data.team"));
  const auto products = estate.GetJson("/api/v1/products")["products"];
  REQUIRE(products.size() == 1);
  CHECK(products[0]["name"] == "stocktrades");
  // A name with '/' travels encoded and reaches its own route (here: none such).
  CHECK(estate.Get("/ui/products/pay%2Fments").status == 404);
  CHECK(estate.Get("/api/v1/products/pay%2Fments").status == 404);

  HttpConnection c(estate.port);
  const auto deprecate = [&](const json& body) {
    return c.Request("POST", "/api/v1/products/stocktrades/deprecate", body.dump(), kOwner);
  };
  const auto unknown = deprecate({{"reason", "moving"},
                                  {"sunset", "2030-01-01T00:00:00Z"},
                                  {"replacement", "no-such-product"}});
  CHECK(unknown.status == 422);
  CHECK_THAT(unknown.body, Catch::Contains("replacement"));
  const auto far = deprecate({{"reason", "moving"}, {"sunset", "9999-12-31T00:00:00Z"}});
  CHECK(far.status == 422);
  CHECK_THAT(far.body, Catch::Contains("within 5 years"));
  const auto huge =
      deprecate({{"reason", std::string(900 * 1024, 'r')}, {"sunset", "2030-01-01T00:00:00Z"}});
  CHECK(huge.status == 400);
  CHECK_THAT(huge.body, Catch::Contains("longer than 4096 bytes"));
  const auto bidi = deprecate({{"reason",
                                "a\xE2\x80\xAE"
                                "b"},
                               {"sunset", "2030-01-01T00:00:00Z"}});
  CHECK(bidi.status == 400);
  // Nothing was deprecated by the refused requests.
  CHECK(estate.GetJson("/api/v1/products/stocktrades")["status"] == "active");
  CHECK(deprecate({{"reason", "moving to v2"}, {"sunset", "2030-01-01T00:00:00Z"}}).status == 202);
}

// Also found: records deleted by retention before they were read left no trace.
TEST_CASE("security: records deleted before they were read are a source_gap event") {
  Estate estate;
  {
    testing::KafkaProducer p(estate.kafka->bootstrap_servers());
    for (int i = 0; i < 10; ++i) {
      Commit(p, "analytics-early", i + 1);
    }
    p.Flush();
  }
  estate.Start();
  REQUIRE(WaitUntil(
      [&] { return estate.Get("/api/v1/node?id=group:local/analytics-early").status == 200; },
      30s));
  REQUIRE(WaitUntil([&] { return estate.Get("/readyz").status == 200; }, 30s));
  estate.service.reset();  // stopped: the stored resume position is offset 10
  {
    // The mock cluster keeps about the last 100k records of a partition:
    // these push the first ones out, as retention would.
    testing::KafkaProducer p(estate.kafka->bootstrap_servers());
    for (int i = 0; i < 130000; ++i) {
      Commit(p, "analytics-late", i + 1);
    }
    p.Flush();
  }
  estate.Start();
  REQUIRE(WaitUntil([&] { return estate.Get("/readyz").status == 200; }, 60s));
  const auto ready = estate.GetJson("/readyz");
  INFO(ready.dump());
  REQUIRE(ready["source_gaps"].size() == 1);
  const auto& gap = ready["source_gaps"][0];
  CHECK(gap["topic"] == "__consumer_offsets");
  CHECK(gap["from_offset"] == 10);
  CHECK(gap["to_offset"].get<std::int64_t>() > 10);
  const auto events = estate.GetJson("/api/v1/events?type=source_gap");
  REQUIRE(events["events"].size() == 1);
  CHECK(events["events"][0]["data"]["from_offset"] == 10);
  CHECK(events["events"][0]["data"]["to_offset"] == gap["to_offset"]);
  const auto overview = estate.Get("/");
  CHECK_THAT(overview.body, Catch::Contains("were deleted by the broker before they were read"));
  const auto metrics = estate.Get("/metrics").body;
  const std::string name = "\ntributary_source_gap_records_total ";
  const auto at = metrics.find(name);
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(metrics.substr(at + name.size())) ==
        static_cast<double>(gap["to_offset"].get<std::int64_t>() - 10));
}
