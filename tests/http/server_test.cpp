#include <catch2/catch.hpp>

#include <thread>

#include "http/server.h"
#include "support/http_client.h"

using namespace tributary;
using namespace tributary::http;
using tributary::testing::HttpConnection;

namespace {

Router TestRouter() {
  Router router;
  router.Add("GET", "/healthz", [](const Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/things/{name}", [](const Request& r) {
    const auto* q = r.Query("q");
    return Response::Json(200, {{"name", r.params.at("name")}, {"q", q ? *q : ""}});
  });
  router.Add("POST", "/echo", [](const Request& r) {
    Response res;
    res.content_type = "text/plain";
    res.body = r.body;
    return res;
  });
  return router;
}

std::unique_ptr<HttpServer> StartServer(const Router& router, ServerOptions options = {}) {
  auto server =
      HttpServer::Start(options, [&router](const Request& r) { return router.Handle(r); });
  REQUIRE(server.ok());
  return std::move(server).value();
}

}  // namespace

TEST_CASE("the router maps paths to pure handlers") {
  const auto router = TestRouter();
  Request r;
  r.method = "GET";
  r.path = "/things/abc";
  CHECK(router.Handle(r).body == R"({"name":"abc","q":""})");
  r.path = "/nowhere";
  const auto missing = router.Handle(r);
  CHECK(missing.status == 404);
  CHECK(nlohmann::json::parse(missing.body)["error"]["code"] == "not_found");
  r.method = "DELETE";
  r.path = "/healthz";
  CHECK(router.Handle(r).status == 405);
}

TEST_CASE("the server answers over a real socket") {
  const auto router = TestRouter();
  auto server = StartServer(router);
  REQUIRE(server->port() != 0);

  SECTION("healthz") {
    const auto r = testing::HttpGet(server->port(), "/healthz");
    CHECK(r.status == 200);
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(nlohmann::json::parse(r.body)["status"] == "ok");
  }
  SECTION("percent-decoded paths and queries") {
    const auto r = testing::HttpGet(server->port(), "/things/a%20b?q=x%2By+z");
    CHECK(nlohmann::json::parse(r.body) == nlohmann::json{{"name", "a b"}, {"q", "x+y z"}});
  }
  SECTION("malformed percent-encoding is a 400 in the JSON error shape") {
    const auto r = testing::HttpGet(server->port(), "/things/%zz");
    CHECK(r.status == 400);
    CHECK(nlohmann::json::parse(r.body)["error"]["code"] == "bad_request");
  }
  SECTION("keep-alive serves several requests on one connection, pipelined ones in order") {
    HttpConnection c(server->port());
    CHECK(c.Request("GET", "/healthz").status == 200);
    CHECK(c.Request("POST", "/echo", "hello").body == "hello");
    c.SendRaw(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
    CHECK(c.ReadResponse().body == "one");
    CHECK(c.ReadResponse().body == "two");
  }
}

TEST_CASE("the server enforces its limits") {
  const auto router = TestRouter();
  ServerOptions options;
  options.body_limit = 1024;
  options.header_limit = 2048;
  options.read_timeout = std::chrono::milliseconds(300);
  auto server = StartServer(router, options);

  SECTION("an oversized body gets 413 before the connection closes") {
    HttpConnection c(server->port());
    c.SendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
              std::string(2048, 'a'));
    const auto r = c.ReadResponse();
    CHECK(r.status == 413);
    CHECK(nlohmann::json::parse(r.body)["error"]["code"] == "payload_too_large");
    CHECK(c.WaitClosed(std::chrono::seconds(2)));
  }
  SECTION("an oversized header block gets 431") {
    HttpConnection c(server->port());
    c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n");
    CHECK(c.ReadResponse().status == 431);
  }
  SECTION("a slow client is cut off by the read timeout") {
    HttpConnection c(server->port());
    c.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
    const auto start = std::chrono::steady_clock::now();
    CHECK(c.WaitClosed(std::chrono::seconds(3)));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  }
  SECTION("garbage is answered with 400") {
    HttpConnection c(server->port());
    c.SendRaw("HELLO?\r\n\r\n");
    CHECK(c.ReadResponse().status == 400);
  }
}

TEST_CASE("a stopped server refuses new connections") {
  const auto router = TestRouter();
  auto server = StartServer(router);
  const auto port = server->port();
  server->Stop();
  CHECK_THROWS(HttpConnection(port));
}

TEST_CASE("listening on a port in use is a clear error") {
  const auto router = TestRouter();
  auto first = StartServer(router);
  ServerOptions options;
  options.port = first->port();
  auto second = HttpServer::Start(options, [](const Request&) { return Response{}; });
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.status().message(),
             Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first->port())));
}
