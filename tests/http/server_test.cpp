#include <catch2/catch.hpp>

#include <thread>

#include "http/server.h"
#include "support/gzip.h"
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

// The OpenLineage HTTP transport (and others) can send gzip-compressed bodies.
TEST_CASE("gzip request bodies are inflated within the body limit, other codings refused") {
  const auto router = TestRouter();
  ServerOptions options;
  options.body_limit = 1024;
  auto server = StartServer(router, options);
  HttpConnection c(server->port());
  const auto error_of = [](const testing::HttpResult& r) {
    return nlohmann::json::parse(r.body)["error"];
  };

  SECTION("a gzip body reaches the handler inflated") {
    const std::string text(1000, 'x');
    const auto r = c.Request("POST", "/echo", testing::Gzip(text), "Content-Encoding: gzip\r\n");
    CHECK(r.status == 200);
    CHECK(r.body == text);
    // The coding's name is case-insensitive; x-gzip is gzip; identity changes nothing.
    CHECK(c.Request("POST", "/echo", testing::Gzip("a"), "Content-Encoding: GZip\r\n").body == "a");
    CHECK(c.Request("POST", "/echo", testing::Gzip("b"), "Content-Encoding: x-gzip\r\n").body ==
          "b");
    CHECK(c.Request("POST", "/echo", "plain", "Content-Encoding: identity\r\n").body == "plain");
    // Two gzip members are one body (RFC 1952 §2.2).
    CHECK(c.Request("POST", "/echo", testing::Gzip("ab") + testing::Gzip("cd"),
                    "Content-Encoding: gzip\r\n")
              .body == "abcd");
  }
  SECTION("a body that inflates beyond the body limit is 413, and the connection stays usable") {
    const auto bomb = testing::Gzip(std::string(512 << 10, 'a'));
    REQUIRE(bomb.size() < options.body_limit);
    const auto r = c.Request("POST", "/echo", bomb, "Content-Encoding: gzip\r\n");
    CHECK(r.status == 413);
    CHECK(error_of(r)["code"] == "payload_too_large");
    CHECK(error_of(r)["message"] == "the request body inflates to more than 1024 bytes");
    CHECK(c.Request("POST", "/echo", "next").body == "next");
  }
  SECTION("a body inflating to exactly the limit is accepted") {
    const std::string text(options.body_limit, 'y');
    CHECK(c.Request("POST", "/echo", testing::Gzip(text), "Content-Encoding: gzip\r\n").body ==
          text);
  }
  SECTION("a corrupt or truncated gzip body is 400 saying so") {
    auto r = c.Request("POST", "/echo", "{\"not\":\"gzip\"}", "Content-Encoding: gzip\r\n");
    CHECK(r.status == 400);
    CHECK(error_of(r)["code"] == "bad_request");
    CHECK(error_of(r)["message"].get<std::string>().rfind("the body is not valid gzip: ", 0) == 0);
    const auto whole = testing::Gzip(std::string(500, 'z'));
    r = c.Request("POST", "/echo", whole.substr(0, whole.size() / 2), "Content-Encoding: gzip\r\n");
    CHECK(r.status == 400);
    CHECK(error_of(r)["message"] == "the gzip body is truncated");
  }
  SECTION("another coding is 415 naming it and the codings accepted") {
    const auto r = c.Request("POST", "/echo", "xyz", "Content-Encoding: br\r\n");
    CHECK(r.status == 415);
    CHECK(error_of(r)["code"] == "unsupported_media_type");
    CHECK(error_of(r)["message"] == "Content-Encoding \"br\" is not supported (gzip, identity)");
    CHECK(r.headers.at("accept-encoding") == "gzip, identity");
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
