// The router's rules (src/http/router.h): patterns with {params}, segments
// matched on the path as sent and decoded after routing, 404 vs 405, and which
// requests are heavy.

#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "http/router.h"

using namespace tributary::http;
using nlohmann::json;

namespace {

Request Req(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  REQUIRE(ParseTarget(r));
  return r;
}

// A handler answering with the route it is and the parameters it got.
Handler Echo(std::string route) {
  return [route](const Request& r) {
    json params = json::object();
    for (const auto& [k, v] : r.params) {
      params[k] = v;
    }
    return Response::Json(200, {{"route", route}, {"params", params}, {"method", r.method}});
  };
}

json Body(const Response& r) { return json::parse(r.body); }

std::string HeaderOf(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == name) {
      return v;
    }
  }
  return "";
}

Router ApiRouter() {
  Router router;
  router.Add("GET", "/api/v1/products", Echo("list"));
  router.Add("GET", "/api/v1/products/{name}", Echo("get"));
  router.Add("PUT", "/api/v1/products/{name}", Echo("put"));
  router.Add("GET", "/api/v1/consumers/{id}/topics/{topic}", Echo("consumer-topic"));
  router.Add("POST", "/api/v1/compatibility", Echo("check"), AlwaysHeavy);
  router.Add("GET", "/api/v1/lineage/graph", Echo("graph"), [](const Request& r) {
    const auto* format = r.Query("format");
    return format != nullptr && *format == "svg";
  });
  return router;
}

}  // namespace

TEST_CASE("patterns match literal segments and capture {params}") {
  const auto router = ApiRouter();

  SECTION("a literal pattern matches its path exactly") {
    const auto r = router.Handle(Req("GET", "/api/v1/products"));
    CHECK(r.status == 200);
    CHECK(Body(r)["route"] == "list");
  }
  SECTION("a {param} segment captures the segment under its name") {
    const auto r = router.Handle(Req("GET", "/api/v1/products/orders"));
    CHECK(Body(r)["route"] == "get");
    CHECK(Body(r)["params"] == json{{"name", "orders"}});
  }
  SECTION("several params are captured by name") {
    const auto r = router.Handle(Req("GET", "/api/v1/consumers/g1/topics/orders"));
    CHECK(Body(r)["params"] == json{{"id", "g1"}, {"topic", "orders"}});
  }
  SECTION("a path with more or fewer segments than the pattern does not match") {
    CHECK(router.Handle(Req("GET", "/api/v1/products/orders/extra")).status == 404);
    CHECK(router.Handle(Req("GET", "/api/v1")).status == 404);
  }
  SECTION("the method picks among routes of one path") {
    CHECK(Body(router.Handle(Req("PUT", "/api/v1/products/orders")))["route"] == "put");
    CHECK(Body(router.Handle(Req("GET", "/api/v1/products/orders")))["route"] == "get");
  }
  SECTION("HEAD is answered by the GET route") {
    const auto r = router.Handle(Req("HEAD", "/api/v1/products/orders"));
    CHECK(r.status == 200);
    CHECK(Body(r)["route"] == "get");
  }
  SECTION("the query string plays no part in routing") {
    CHECK(Body(router.Handle(Req("GET", "/api/v1/products?limit=5")))["route"] == "list");
  }
  SECTION("the matched pattern is reported, also for a 405, and empty for a 404") {
    std::string pattern;
    router.Handle(Req("GET", "/api/v1/products/orders"), &pattern);
    CHECK(pattern == "/api/v1/products/{name}");
    router.Handle(Req("DELETE", "/api/v1/products/orders"), &pattern);
    CHECK(pattern == "/api/v1/products/{name}");
    router.Handle(Req("GET", "/nowhere"), &pattern);
    CHECK(pattern.empty());
  }
  SECTION("routes are tried in the order they were added") {
    Router r;
    r.Add("GET", "/items/new", Echo("new"));
    r.Add("GET", "/items/{id}", Echo("item"));
    CHECK(Body(r.Handle(Req("GET", "/items/new")))["route"] == "new");
    CHECK(Body(r.Handle(Req("GET", "/items/7")))["route"] == "item");
  }
  SECTION("Routes() lists every route as METHOD pattern, in order") {
    const auto routes = router.Routes();
    REQUIRE(routes.size() == 6);
    CHECK(routes[0] == "GET /api/v1/products");
    CHECK(routes[4] == "POST /api/v1/compatibility");
  }
}

TEST_CASE("segments are matched as sent, then percent-decoded") {
  const auto router = ApiRouter();

  SECTION("an encoded '/' stays inside its segment and reaches the handler decoded") {
    const auto r = router.Handle(Req("GET",
                                     "/api/v1/consumers/group%3Alocal%2Forders-app/topics/"
                                     "orders"));
    REQUIRE(r.status == 200);
    CHECK(Body(r)["params"]["id"] == "group:local/orders-app");
  }
  SECTION("the same name with a raw '/' is a different path") {
    CHECK(router.Handle(Req("GET", "/api/v1/products/pay/ments")).status == 404);
    CHECK(Body(router.Handle(Req("GET", "/api/v1/products/pay%2Fments")))["params"]["name"] ==
          "pay/ments");
  }
  SECTION("a malformed escape in the path is a 400 in the error shape") {
    auto request = Req("GET", "/api/v1/products/x");
    request.raw_path = "/api/v1/products/%zz";
    const auto r = router.Handle(request);
    CHECK(r.status == 400);
    CHECK(Body(r)["error"]["code"] == "bad_request");
  }
  SECTION("an encoded literal segment is not the literal: it does not reach the route") {
    // Matching on the raw segment (router.h): "%70roducts" is not "products".
    // IsHeavy reads raw segments too, so routing and the heavy check agree.
    CHECK(router.Handle(Req("GET", "/api/v1/%70roducts/orders")).status == 404);
    CHECK(router.Handle(Req("POST", "/api/v1/%63ompatibility")).status == 404);
    CHECK_FALSE(router.IsHeavy(Req("POST", "/api/v1/%63ompatibility")));
  }
}

TEST_CASE("unknown paths are 404, known paths with another method 405 with Allow") {
  const auto router = ApiRouter();

  SECTION("an unknown path is a 404 not_found naming the path") {
    const auto r = router.Handle(Req("GET", "/api/v1/nothing"));
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
    CHECK(Body(r)["error"]["code"] == "not_found");
    CHECK(Body(r)["error"]["message"].get<std::string>().find("/api/v1/nothing") !=
          std::string::npos);
  }
  SECTION("a known path with another method is a 405 method_not_allowed") {
    const auto r = router.Handle(Req("DELETE", "/api/v1/products/orders"));
    CHECK(r.status == 405);
    CHECK(Body(r)["error"]["code"] == "method_not_allowed");
  }
  SECTION("a 405 lists the path's methods in Allow (RFC 9110 §15.5.6)") {
    // Regression: the router answered 405 without an Allow header.
    const auto r = router.Handle(Req("DELETE", "/api/v1/products/orders"));
    CHECK(HeaderOf(r, "allow") == "GET, HEAD, PUT");
    CHECK(HeaderOf(router.Handle(Req("GET", "/api/v1/compatibility")), "allow") == "POST");
  }
  SECTION("a 200 carries no Allow") {
    CHECK(HeaderOf(router.Handle(Req("GET", "/api/v1/products")), "allow").empty());
  }
}

TEST_CASE("heavy routes are known before they run") {
  const auto router = ApiRouter();

  SECTION("a route added with AlwaysHeavy is heavy for its method") {
    CHECK(router.IsHeavy(Req("POST", "/api/v1/compatibility")));
  }
  SECTION("the same path with another method (a 405) is not heavy") {
    CHECK_FALSE(router.IsHeavy(Req("GET", "/api/v1/compatibility")));
  }
  SECTION("a route without a predicate is never heavy") {
    CHECK_FALSE(router.IsHeavy(Req("GET", "/api/v1/products/orders")));
    CHECK_FALSE(router.IsHeavy(Req("GET", "/api/v1/products")));
  }
  SECTION("a predicate decides per request") {
    CHECK(router.IsHeavy(Req("GET", "/api/v1/lineage/graph?format=svg")));
    CHECK_FALSE(router.IsHeavy(Req("GET", "/api/v1/lineage/graph?format=json")));
    CHECK_FALSE(router.IsHeavy(Req("GET", "/api/v1/lineage/graph")));
  }
  SECTION("a HEAD runs the GET route, so it is as heavy as the GET") {
    // Regression: IsHeavy compared methods exactly while Handle answers HEAD
    // with the GET route, so a HEAD ran heavy work off the work pool.
    CHECK(router.IsHeavy(Req("HEAD", "/api/v1/lineage/graph?format=svg")));
  }
  SECTION("a path that reaches no route is not heavy") {
    CHECK_FALSE(router.IsHeavy(Req("POST", "/api/v1/compatibility/extra")));
    CHECK_FALSE(router.IsHeavy(Req("POST", "/api/v1")));
    CHECK_FALSE(router.IsHeavy(Req("POST", "/")));
  }
  SECTION("an encoded '/' inside a param keeps the path's shape") {
    Router r;
    r.Add("POST", "/api/v1/subjects/{subject}/check", Echo("check"), AlwaysHeavy);
    CHECK(r.IsHeavy(Req("POST", "/api/v1/subjects/a%2Fb/check")));
    CHECK_FALSE(r.IsHeavy(Req("POST", "/api/v1/subjects/a/b/check")));
  }
}
