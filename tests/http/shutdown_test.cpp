#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "http/server.h"
#include "support/http_client.h"

using namespace tributary;
using namespace tributary::http;
using tributary::testing::HttpConnection;

namespace {

// A router whose /slow handler signals that it started, then takes `delay`.
struct SlowRouter {
  explicit SlowRouter(std::chrono::milliseconds delay) {
    router.Add("GET", "/healthz", [](const Request&) {
      return Response::Json(200, {{"status", "ok"}});
    });
    router.Add("GET", "/slow", [this, delay](const Request&) {
      started = true;
      std::this_thread::sleep_for(delay);
      finished = true;
      return Response::Json(200, {{"slow", "done"}});
    });
  }
  Router router;
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
};

std::unique_ptr<HttpServer> Start(const Router& router, ServerOptions options = {}) {
  auto server =
      HttpServer::Start(options, [&router](const Request& r) { return router.Handle(r); });
  REQUIRE(server.ok());
  return std::move(server).value();
}

void WaitFor(const std::atomic<bool>& flag) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!flag && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(flag);
}

}  // namespace

TEST_CASE("Stop() lets a slow in-flight request finish and answers it") {
  SlowRouter slow(std::chrono::milliseconds(600));
  auto server = Start(slow.router);
  HttpConnection c(server->port());
  c.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  WaitFor(slow.started);

  const auto stop_started = std::chrono::steady_clock::now();
  server->Stop();
  const auto stop_took = std::chrono::steady_clock::now() - stop_started;

  CHECK(slow.finished);
  CHECK(stop_took >= std::chrono::milliseconds(300));
  CHECK(stop_took < std::chrono::seconds(4));
  const auto r = c.ReadResponse(std::chrono::seconds(2));
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["slow"] == "done");
  CHECK(r.headers.at("connection") == "close");
  CHECK(c.WaitClosed(std::chrono::seconds(2)));
  SECTION("and refuses new connections") { CHECK_THROWS(HttpConnection(server->port())); }
}

TEST_CASE("Stop() closes idle keep-alive connections without waiting out the grace period") {
  SlowRouter slow(std::chrono::milliseconds(0));
  ServerOptions options;
  options.shutdown_grace = std::chrono::seconds(5);
  auto server = Start(slow.router, options);
  HttpConnection idle(server->port());
  REQUIRE(idle.Request("GET", "/healthz").status == 200);
  HttpConnection never_sent(server->port());

  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK(idle.WaitClosed(std::chrono::seconds(1)));
  CHECK(never_sent.WaitClosed(std::chrono::seconds(1)));
}

TEST_CASE("Stop() gives up on a request that outlasts the grace period") {
  SlowRouter slow(std::chrono::milliseconds(1500));
  ServerOptions options;
  options.shutdown_grace = std::chrono::milliseconds(200);
  auto server = Start(slow.router, options);
  HttpConnection c(server->port());
  c.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  WaitFor(slow.started);
  auto stopped = std::async(std::launch::async, [&server] { server->Stop(); });
  // Stop() returns once the handler it cannot interrupt has returned.
  CHECK(stopped.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(slow.finished);
  CHECK(c.WaitClosed(std::chrono::seconds(2)));
}

TEST_CASE("a request arriving on a kept-alive connection during Stop() is still answered") {
  SlowRouter slow(std::chrono::milliseconds(400));
  ServerOptions options;
  options.threads = 2;
  auto server = Start(slow.router, options);
  HttpConnection busy(server->port());
  HttpConnection other(server->port());
  busy.SendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  WaitFor(slow.started);
  // `other` has sent half a request: not idle, so Stop() waits for it.
  other.SendRaw("GET /healthz HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto stopped = std::async(std::launch::async, [&server] { server->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  other.SendRaw("Host: x\r\n\r\n");
  const auto r = other.ReadResponse(std::chrono::seconds(3));
  CHECK(r.status == 200);
  CHECK(r.headers.at("connection") == "close");
  CHECK(busy.ReadResponse(std::chrono::seconds(3)).status == 200);
  CHECK(stopped.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
}
