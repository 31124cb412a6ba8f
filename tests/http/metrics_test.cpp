#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "http/metrics.h"

using namespace tributary::http;

namespace {

Request Get(std::string path, std::string method = "GET") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

// The value of the sample line that starts with `series` (name and labels).
double Sample(const std::string& text, const std::string& series) {
  std::size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      return std::stod(text.substr(pos + series.size() + 1));
    }
    ++pos;
  }
  return -1;
}

}  // namespace

TEST_CASE("the metrics text names every family") {
  Metrics metrics;
  metrics.CountIngestRecords("local/__consumer_offsets", 5);
  metrics.CountIngestEvents(2);
  metrics.CountQuarantined("local/_schemas");
  metrics.CountSkipped("local/__consumer_offsets", 3);
  metrics.SetIngestLag("local/__consumer_offsets", 42);
  metrics.ObserveHttpRequest("GET", "/healthz", 200, 0.001);
  metrics.ObserveQuery("lineage", 0.00002);
  const auto text = metrics.Render();
  for (const std::string family :
       {"tributary_ingest_records_total", "tributary_ingest_events_total",
        "tributary_ingest_quarantined_total", "tributary_ingest_skipped_total",
        "tributary_ingest_lag_records", "tributary_http_requests_total",
        "tributary_http_request_duration_seconds", "tributary_query_duration_seconds"}) {
    CHECK_THAT(text, Catch::Contains("# TYPE " + family + " "));
  }
  CHECK(Sample(text, R"(tributary_ingest_records_total{source="local/__consumer_offsets"})") == 5);
  CHECK(Sample(text, "tributary_ingest_events_total") == 2);
  CHECK(Sample(text, R"(tributary_ingest_quarantined_total{source="local/_schemas"})") == 1);
  CHECK(Sample(text, R"(tributary_ingest_skipped_total{source="local/__consumer_offsets"})") == 3);
  CHECK(Sample(text, R"(tributary_ingest_lag_records{source="local/__consumer_offsets"})") == 42);
  CHECK(Sample(text, R"(tributary_query_duration_seconds_count{query="lineage"})") == 1);
  CHECK(Sample(text, R"(tributary_query_duration_seconds_bucket{query="lineage",le="2.5e-05"})") ==
        1);
  CHECK(Sample(text, R"(tributary_query_duration_seconds_bucket{query="lineage",le="1e-05"})") ==
        0);
}

TEST_CASE("instrumented routing counts requests by route pattern and status") {
  Router router;
  router.Add("GET", "/api/v1/products/{name}", [](const Request& r) {
    return r.params.at("name") == "missing" ? Response::Error(404, "not_found", "no such product")
                                            : Response::Json(200, {{"ok", true}});
  });
  router.Add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
  Metrics metrics;
  const auto handler = Instrument(router, metrics);

  CHECK(handler(Get("/api/v1/products/orders")).status == 200);
  CHECK(handler(Get("/api/v1/products/payments")).status == 200);
  CHECK(handler(Get("/api/v1/products/missing")).status == 404);
  CHECK(handler(Get("/api/v1/products/orders", "DELETE")).status == 405);
  CHECK(handler(Get("/no/such/path")).status == 404);
  CHECK(handler(Get("/no/such/path", "BREW")).status == 404);
  CHECK_THROWS(handler(Get("/boom")));

  const auto text = metrics.Render();
  const std::string requests = "tributary_http_requests_total";
  SECTION("by the pattern, not the path") {
    CHECK(Sample(text,
                 requests + R"({method="GET",route="/api/v1/products/{name}",status="200"})") == 2);
    CHECK(Sample(text,
                 requests + R"({method="GET",route="/api/v1/products/{name}",status="404"})") == 1);
    CHECK(text.find("/api/v1/products/orders") == std::string::npos);
  }
  SECTION("a wrong method on a known path counts under that path's pattern") {
    CHECK(Sample(text,
                 requests + R"({method="DELETE",route="/api/v1/products/{name}",status="405"})") ==
          1);
  }
  SECTION("unknown paths and methods are bounded labels") {
    CHECK(Sample(text, requests + R"({method="GET",route="unmatched",status="404"})") == 1);
    CHECK(Sample(text, requests + R"({method="other",route="unmatched",status="404"})") == 1);
    CHECK(text.find("/no/such/path") == std::string::npos);
    CHECK(text.find("BREW") == std::string::npos);
  }
  SECTION("a handler that throws counts as a 500") {
    CHECK(Sample(text, requests + R"({method="GET",route="/boom",status="500"})") == 1);
  }
  SECTION("durations are observed per method and route") {
    const std::string durations = "tributary_http_request_duration_seconds_count";
    CHECK(Sample(text, durations + R"({method="GET",route="/api/v1/products/{name}"})") == 3);
    CHECK(Sample(text, durations + R"({method="DELETE",route="/api/v1/products/{name}"})") == 1);
  }
}

TEST_CASE("ingest totals pulled at scrape time advance the counters") {
  Metrics metrics;
  tributary::http::IngestTotals totals;
  std::int64_t events = 0;
  metrics.AddScrapeHook([&](Metrics& m) {
    m.SetIngestTotals("local/catalog", totals);
    m.SetIngestEventsTotal(events);
    m.SetIngestLag("local/catalog", 7);
  });
  const std::string records = R"(tributary_ingest_records_total{source="local/catalog"})";

  totals = {10, 1, 2};
  events = 4;
  auto text = metrics.Render();
  CHECK(Sample(text, records) == 10);
  CHECK(Sample(text, R"(tributary_ingest_quarantined_total{source="local/catalog"})") == 1);
  CHECK(Sample(text, R"(tributary_ingest_skipped_total{source="local/catalog"})") == 2);
  CHECK(Sample(text, "tributary_ingest_events_total") == 4);
  CHECK(Sample(text, R"(tributary_ingest_lag_records{source="local/catalog"})") == 7);

  totals.records = 15;
  CHECK(Sample(metrics.Render(), records) == 15);

  SECTION("a total that went down (a restarted source) never decreases the counter") {
    totals.records = 3;
    CHECK(Sample(metrics.Render(), records) == 15);
    totals.records = 5;
    CHECK(Sample(metrics.Render(), records) == 17);
  }
}

TEST_CASE("metrics are safe to update from many threads") {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 1000; ++i) {
        metrics.ObserveHttpRequest("GET", "/api/v1/lineage", 200, 0.0001);
        metrics.CountIngestRecords(t % 2 == 0 ? "a" : "b");
        if (i % 100 == 0) {
          (void)metrics.Render();
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const auto text = metrics.Render();
  CHECK(
      Sample(
          text,
          R"(tributary_http_requests_total{method="GET",route="/api/v1/lineage",status="200"})") ==
      4000);
  CHECK(Sample(text, R"(tributary_ingest_records_total{source="a"})") == 2000);
  CHECK(Sample(text, R"(tributary_ingest_records_total{source="b"})") == 2000);
}

TEST_CASE("GET /metrics answers the text exposition format") {
  Metrics metrics;
  metrics.CountIngestEvents(3);
  const auto response = MetricsHandler(metrics)(Get("/metrics"));
  CHECK(response.status == 200);
  CHECK(response.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(Sample(response.body, "tributary_ingest_events_total") == 3);
}
