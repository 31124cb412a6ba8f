// The lineage DOT/SVG writer (src/http/routes/graph_render) and the router's
// path handling, as the security audit attacked them.

#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "core/text_codec.h"
#include "http/router.h"
#include "http/routes/graph_render.h"
#include "support/temp_dir.h"
#include "support/xml_check.h"

using namespace tributary;
using tributary::testing::TempDir;

namespace {

// One random id: mostly the characters that broke the writer before (quotes,
// angle brackets, ampersands, backslash escapes Graphviz reads, control and
// bidi characters, invalid UTF-8), some ordinary ones.
std::string RandomName(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"\"",
                                                   "'",
                                                   "<",
                                                   ">",
                                                   "&",
                                                   "&amp;",
                                                   "&#1;",
                                                   "\\",
                                                   "\\N",
                                                   "\\G",
                                                   "\\l",
                                                   "\\n",
                                                   "\n",
                                                   "\r",
                                                   "\t",
                                                   "\x01",
                                                   "\x1f",
                                                   "\x7f",
                                                   "\xc2\x85",
                                                   "\xe2\x80\xae",
                                                   "\xe2\x81\xa6",
                                                   "\xe2\x80\x8f",
                                                   "\xef\xbf\xbe",
                                                   "\xff",
                                                   "\xc3",
                                                   "]]>",
                                                   "-->",
                                                   "<!--",
                                                   "/",
                                                   ":",
                                                   "%",
                                                   "%2F",
                                                   "?",
                                                   "#",
                                                   "=",
                                                   " ",
                                                   "orders",
                                                   "é",
                                                   "日本",
                                                   "<script>alert(1)</script>",
                                                   "\"><img src=x onerror=alert(1)>",
                                                   "x"};
  std::uniform_int_distribution<std::size_t> count(1, 6);
  std::uniform_int_distribution<std::size_t> pick(0, kPieces.size() - 1);
  std::string out;
  for (std::size_t i = count(rng); i > 0; --i) {
    out += kPieces[pick(rng)];
  }
  return out;
}

}  // namespace

TEST_CASE("any node id gives a well-formed SVG whose hrefs decode back to the ids") {
  std::mt19937 rng(20261203);
  TempDir dir;
  constexpr int kGraphs = 120;
  std::vector<std::vector<std::string>> ids_of(kGraphs);
  std::vector<std::filesystem::path> files;
  for (int g = 0; g < kGraphs; ++g) {
    auto& ids = ids_of[static_cast<std::size_t>(g)];
    std::set<std::string> seen;
    const int n = 1 + g % 6;
    while (static_cast<int>(ids.size()) < n) {
      const bool job = (ids.size() % 3) == 2;
      auto id =
          job ? "job:" + RandomName(rng) + "/" + RandomName(rng) : "group:local/" + RandomName(rng);
      if (seen.insert(id).second) {
        ids.push_back(std::move(id));
      }
    }
    graph::LineageResult result;
    result.root = ids[0];
    for (const auto& id : ids) {
      graph::NodeView v;
      v.id = id;
      v.kind = id.rfind("job:", 0) == 0 ? NodeKind::kJob : NodeKind::kGroup;
      v.name = std::string_view(id).substr(id.find('/') + 1);
      result.nodes.push_back(v);
    }
    for (std::size_t i = 1; i < ids.size(); ++i) {
      graph::EdgeView e;
      e.from = ids[0];
      e.to = ids[i];
      e.kind = graph::EdgeKind::kConsumes;
      e.active = i % 2 == 0;
      result.edges.push_back(e);
    }
    const auto dot = http::LineageToDot(result);
    // The DOT's node names are n0, n1, …, never the ids.
    CHECK(dot.find("  n0 [label=") != std::string::npos);
    const auto svg = http::DotToSvg(dot);
    INFO(dot);
    REQUIRE(svg.ok());
    const auto file = dir / ("g" + std::to_string(g) + ".svg");
    std::ofstream(file, std::ios::binary) << *svg;
    files.push_back(file);
  }
  const auto parsed = testing::CheckXmlFiles(files);
  REQUIRE(parsed.size() == files.size());
  for (std::size_t g = 0; g < parsed.size(); ++g) {
    INFO("graph " << g << ": " << parsed[g].error);
    CHECK(parsed[g].ok);
    CHECK_FALSE(parsed[g].elements.contains("script"));
    CHECK_FALSE(parsed[g].elements.contains("img"));
    std::set<std::string> linked;
    for (const auto& href : parsed[g].hrefs) {
      REQUIRE(href.rfind("/ui/node?id=", 0) == 0);
      const auto id = PercentDecode(href.substr(12));
      REQUIRE(id);
      linked.insert(*id);
    }
    CHECK(linked == std::set<std::string>(ids_of[g].begin(), ids_of[g].end()));
  }
}

TEST_CASE("labels show the id's text, what cannot be shown becomes U+FFFD") {
  graph::LineageResult result;
  const std::string id = "group:local/a<b&c\\N\xe2\x80\xae\x01";
  result.root = id;
  graph::NodeView v;
  v.id = id;
  v.kind = NodeKind::kGroup;
  v.name = std::string_view(id).substr(12);
  result.nodes.push_back(v);
  const auto svg = http::DotToSvg(http::LineageToDot(result));
  REQUIRE(svg.ok());
  // Escaped once for XML, the backslash kept, bidi and control shown as U+FFFD.
  CHECK_THAT(*svg, Catch::Contains(">a&lt;b&amp;c\\N\xef\xbf\xbd\xef\xbf\xbd</text>"));
  CHECK_THAT(*svg,
             Catch::Contains("xlink:href=\"/ui/node?id=group:local/a%3Cb%26c%5CN%E2%80%AE%01\""));
}

TEST_CASE("the router matches raw path segments and decodes parameters after") {
  http::Router router;
  router.Add("GET", "/api/v1/products/{name}", [](const http::Request& r) {
    return http::Response::Json(200, {{"name", r.params.at("name")}});
  });
  router.Add(
      "POST", "/api/v1/compatibility",
      [](const http::Request&) { return http::Response::Json(200, {}); }, http::AlwaysHeavy);
  const auto request = [](std::string method, std::string target) {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    REQUIRE(http::ParseTarget(r));
    return r;
  };
  SECTION("an encoded '/' stays inside its segment") {
    const auto r = router.Handle(request("GET", "/api/v1/products/pay%2Fments"));
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body)["name"] == "pay/ments");
    CHECK(router.Handle(request("GET", "/api/v1/products/pay/ments")).status == 404);
  }
  SECTION("a malformed escape in a segment is a 400") {
    http::Request r;
    r.method = "GET";
    r.target = "/api/v1/products/x";
    REQUIRE(http::ParseTarget(r));
    r.raw_path = "/api/v1/products/%zz";
    CHECK(router.Handle(r).status == 400);
  }
  SECTION("heavy routes are known before they run") {
    CHECK(router.IsHeavy(request("POST", "/api/v1/compatibility")));
    CHECK_FALSE(router.IsHeavy(request("GET", "/api/v1/products/x")));
    CHECK_FALSE(router.IsHeavy(request("GET", "/api/v1/compatibility")));  // 405, not run
  }
}
