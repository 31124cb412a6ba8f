// The `tributary` executable, run as a user would: subcommands, exit codes,
// serve answering /healthz and stopping on SIGTERM, replay --verify.

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>

#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/xml_check.h"

using tributary::testing::TempDir;

namespace {

const std::string kBinary = TRIBUTARY_BINARY_DIR "/tributary";

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Run RunCommand(const std::string& args) {
  Run run;
  const std::string command = kBinary + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  while (const auto n = fread(buf.data(), 1, buf.size(), pipe)) {
    run.output.append(buf.data(), n);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

int FreePort() {
  // Bind port 0 through a short-lived server socket and reuse the number.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

pid_t Spawn(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kBinary.c_str()));
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    execv(kBinary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

bool WaitHealthy(int port) {
  for (int i = 0; i < 200; ++i) {
    try {
      if (tributary::testing::HttpGet(static_cast<std::uint16_t>(port), "/healthz").status == 200) {
        return true;
      }
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int WaitExit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("the CLI explains itself and rejects what it does not know") {
  SECTION("version prints build information") {
    const auto r = RunCommand("version");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::StartsWith("tributary 0.1.0"));
    CHECK_THAT(r.output, Catch::Contains("librdkafka 2."));
  }
  SECTION("--help lists every subcommand") {
    const auto r = RunCommand("--help");
    CHECK(r.exit_code == 0);
    for (const char* cmd : {"serve", "demo", "replay", "check-compat", "check-policy", "gate",
                            "devbroker", "version"}) {
      CHECK_THAT(r.output, Catch::Contains(cmd));
    }
  }
  SECTION("every subcommand has --help") {
    for (const char* cmd :
         {"serve", "demo", "replay", "check-compat", "check-policy", "gate", "devbroker"}) {
      const auto r = RunCommand(std::string(cmd) + " --help");
      INFO(cmd << ": " << r.output);
      CHECK(r.exit_code == 0);
      CHECK_THAT(r.output, Catch::Contains("usage: tributary " + std::string(cmd)));
    }
  }
  SECTION("an unknown command or option exits 2") {
    CHECK(RunCommand("frobnicate").exit_code == 2);
    CHECK(RunCommand("serve --config x.toml --bogus").exit_code == 2);
    CHECK(RunCommand("serve").exit_code == 2);
  }
}

TEST_CASE("serve --check-config validates and connects to nothing") {
  TempDir dir;
  const auto good = dir / "good.toml";
  std::ofstream(good) << "[service]\ndata_dir = \"" << (dir / "data").string() << "\"\n"
                      << "[[clusters]]\nname = \"c\"\nbootstrap_servers = \"192.0.2.1:9092\"\n"
                      << "[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n";
  const auto ok = RunCommand("serve --check-config --config " + good.string());
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Catch::Contains("configuration is valid"));
  CHECK_FALSE(std::filesystem::exists(dir / "data"));  // nothing was opened

  const auto bad = dir / "bad.toml";
  std::ofstream(bad) << "[service]\nhttp_listen = 8080\n";
  const auto r = RunCommand("serve --check-config --config " + bad.string());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output,
             Catch::Contains(bad.string() + ":2: service.http_listen: expected a string"));
}

TEST_CASE("serve answers /healthz, stops on SIGTERM, and replay --verify agrees with it") {
  TempDir dir;
  const int port = FreePort();
  const auto config = dir / "tributary.toml";
  std::ofstream(config) << "[service]\ndata_dir = \"" << (dir / "data").string() << "\"\n"
                        << "http_listen = \"127.0.0.1:" << port << "\"\n";
  const pid_t pid = Spawn({"serve", "--config", config.string(), "--log-format", "json"});
  REQUIRE(WaitHealthy(port));
  const auto ready = tributary::testing::HttpGet(static_cast<std::uint16_t>(port), "/readyz");
  CHECK(ready.status == 200);
  CHECK(tributary::testing::HttpGet(static_cast<std::uint16_t>(port), "/api/v1/nothing").status ==
        404);
  kill(pid, SIGTERM);
  CHECK(WaitExit(pid) == 0);
  CHECK(std::filesystem::exists(dir / "data" / "tributary.db"));

  const auto verify = RunCommand("replay --verify --config " + config.string());
  INFO(verify.output);
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.output, Catch::Contains("catalog"));
  CHECK_THAT(verify.output, Catch::Contains(" ok"));
}

TEST_CASE("serve refuses a foreign database file and names it") {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  std::ofstream(dir / "data" / "tributary.db") << "definitely not sqlite, but long enough......";
  const auto config = dir / "tributary.toml";
  std::ofstream(config) << "[service]\ndata_dir = \"" << (dir / "data").string() << "\"\n"
                        << "http_listen = \"127.0.0.1:" << FreePort() << "\"\n";
  const auto r = RunCommand("serve --config " + config.string());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains((dir / "data" / "tributary.db").string()));
  CHECK_THAT(r.output, Catch::Contains("not a SQLite database"));
}

TEST_CASE("devbroker runs a Kafka protocol endpoint until stopped") {
  const auto out =
      std::filesystem::temp_directory_path() / ("devbroker-" + std::to_string(getpid()) + ".out");
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    execl(kBinary.c_str(), kBinary.c_str(), "devbroker", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string text;
  for (int i = 0; i < 100 && text.find("ListGroups") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(out);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  CHECK_THAT(text, Catch::Contains("bootstrap.servers=127.0.0.1:"));
  CHECK_THAT(text, Catch::Contains("topic __consumer_offsets partitions=50"));
  // Says that real consumers' groups never appear, and how groups are fed.
  CHECK_THAT(text, Catch::Contains("does not write __consumer_offsets and does not\n"
                                   "  answer ListGroups"));
  CHECK_THAT(text, Catch::Contains("as `tributary demo` does"));
  // The printed address accepts TCP connections.
  const auto colon = text.find(':', text.find('=')) + 1;
  const int port = std::stoi(text.substr(colon));
  CHECK_NOTHROW(tributary::testing::HttpConnection(static_cast<std::uint16_t>(port)));
  kill(pid, SIGTERM);
  CHECK(WaitExit(pid) == 0);
  std::filesystem::remove(out);
}

TEST_CASE("demo at speed 60 delivers a breaking change and a deprecation within two minutes") {
  TempDir dir;
  const int port = FreePort();
  const auto out = dir / "demo.out";
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    const auto port_text = std::to_string(port);
    const auto data = (dir / "data").string();
    execl(kBinary.c_str(), kBinary.c_str(), "demo", "--port", port_text.c_str(), "--speed", "60",
          "--seed", "7", "--data-dir", data.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(WaitHealthy(port));
  const auto started = std::chrono::steady_clock::now();
  const auto p = static_cast<std::uint16_t>(port);
  // Delivered to the demo's webhook inbox (and its SMTP receiver), within 2 minutes.
  const auto delivered = [&](const std::string& kind) {
    const auto r =
        tributary::testing::HttpGet(p, "/api/v1/notifications?status=delivered&kind=" + kind);
    return r.status == 200 && r.body.find("\"channel\":\"demo-inbox\"") != std::string::npos &&
           r.body.find("\"channel\":\"demo-email\"") != std::string::npos;
  };
  bool breaking = false;
  bool deprecation = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::minutes(2) &&
         !(breaking && deprecation)) {
    breaking = breaking || delivered("breaking_change");
    deprecation = deprecation || delivered("deprecation");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  CHECK(breaking);
  CHECK(deprecation);
  // The mesh is mapped, and the UI shows what the teams received.
  const auto products = tributary::testing::HttpGet(p, "/api/v1/products");
  CHECK_THAT(products.body, Catch::Contains("stocktrades"));
  CHECK_THAT(products.body, Catch::Contains("pageviews"));
  const auto inbox = tributary::testing::HttpGet(p, "/ui/demo");
  CHECK(inbox.status == 200);
  CHECK_THAT(inbox.body, Catch::Contains("Webhook messages"));
  CHECK(inbox.body.find("None yet") == std::string::npos);  // both lists have messages
  const auto lineage = tributary::testing::HttpGet(
      p, "/api/v1/lineage?node=product:stocktrades&direction=both&depth=2");
  CHECK(lineage.status == 200);
  CHECK_THAT(lineage.body, Catch::Contains("\"kind\":\"consumes\""));
  CHECK_THAT(lineage.body, Catch::Contains("\"kind\":\"produces\""));
  // Consumers move off the deprecated product, one by one.
  bool moving = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::minutes(3) && !moving) {
    const auto board = tributary::testing::HttpGet(p, "/api/v1/deprecations");
    moving = board.body.find("\"status\":\"dual\"") != std::string::npos ||
             board.body.find("\"status\":\"migrated\"") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  CHECK(moving);
  CHECK(tributary::testing::HttpGet(p, "/").status == 200);

  // Self-service (DESIGN.md §5): growth publishes campaign_conversions through
  // the API, customer-insights asks to read it, growth approves and the
  // platform's ACL makes it applied; trade-gateway creates stocktrades.v2 as
  // the next version of stocktrades, whose board the consumers move on.
  bool applied = false;
  bool versioned = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::minutes(3) &&
         !(applied && versioned)) {
    applied = tributary::testing::HttpGet(
                  p, "/api/v1/access-requests?product=campaign_conversions&status=applied")
                  .body.find("\"principal\":\"User:svc-insights\"") != std::string::npos;
    versioned = tributary::testing::HttpGet(p, "/api/v1/events?type=product_versioned")
                    .body.find("\"product\":\"stocktrades.v2\"") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  CHECK(applied);
  CHECK(versioned);
  const auto published = tributary::testing::HttpGet(p, "/api/v1/products/campaign_conversions");
  CHECK(published.status == 200);
  CHECK_THAT(published.body, Catch::Contains("\"owner\":\"growth\""));
  const auto v2 = tributary::testing::HttpGet(p, "/api/v1/products/stocktrades.v2");
  CHECK_THAT(v2.body, Catch::Contains("\"replaces\":\"stocktrades\""));

  // Consumer health: risk-replay falls ever further behind on market-ticks,
  // which keeps 6 hours, and passes 0.8 x 6 h (a data-loss risk, WARN);
  // ticks-archiver commits the same offset while records arrive (STALLED, ERR).
  const auto consumer = [&](const std::string& group) {
    const auto r = tributary::testing::HttpGet(p, "/api/v1/consumers/group%3Ademo%2F" + group);
    return r.status == 200 ? nlohmann::json::parse(r.body) : nlohmann::json(nullptr);
  };
  nlohmann::json laggard;
  nlohmann::json stalled;
  bool lagging = false;
  bool stuck = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::minutes(4) &&
         !(lagging && stuck)) {
    laggard = consumer("risk-replay");
    stalled = consumer("ticks-archiver");
    lagging = !laggard.is_null() && laggard["status"] == "WARN" && !laggard["at_risk"].empty();
    stuck = !stalled.is_null() && stalled["status"] == "ERR" && !stalled["partitions"].empty();
    for (const auto& part : stuck ? stalled["partitions"] : nlohmann::json::array()) {
      stuck = stuck && part["status"] == "STALLED";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  INFO(laggard.dump() << "\n" << stalled.dump());
  CHECK(lagging);
  CHECK(stuck);
  if (lagging) {
    CHECK(laggard["at_risk"] == nlohmann::json::array({"topic:demo/market-ticks"}));
    CHECK(laggard["max_lag_seconds"].get<double>() > 0.8 * 6 * 3600);
    for (const auto& part : laggard["partitions"]) {
      CHECK(part["status"] == "WARNING");
      CHECK(part["lag"].get<std::int64_t>() > 0);
    }
    const auto risks = nlohmann::json::parse(
        tributary::testing::HttpGet(p, "/api/v1/events?type=data_loss_risk_detected").body);
    bool notified = false;
    for (const auto& e : risks["events"]) {
      notified = notified || (e["data"]["group"] == "group:demo/risk-replay" &&
                              e["data"]["retention_ms"] == 6 * 3600 * 1000);
    }
    CHECK(notified);
  }
  // The consumers page puts the risk first and shows both.
  const auto consumers_page = tributary::testing::HttpGet(p, "/ui/consumers").body;
  const auto risk_at = consumers_page.find("group:demo/risk-replay");
  CHECK(risk_at != std::string::npos);
  CHECK(consumers_page.find("group:demo/ticks-archiver") != std::string::npos);
  CHECK(consumers_page.find("topic:demo/market-ticks") != std::string::npos);
  CHECK(risk_at < consumers_page.find("group:demo/ticks-archiver"));

  // Every page the demo serves, reached by following the UI's links from the
  // overview, is well-formed XML, and so is every standalone lineage SVG.
  {
    std::set<std::string> seen{"/"};
    std::deque<std::string> queue{"/"};
    std::vector<std::filesystem::path> files;
    std::vector<std::string> targets;
    std::vector<tributary::testing::XmlCheck> checks;
    int history_links = 0;
    while (!queue.empty() && seen.size() < 300) {
      const auto target = queue.front();
      queue.pop_front();
      const auto r = tributary::testing::HttpGet(p, target);
      INFO(target);
      CHECK(r.status == 200);
      const auto file = dir / ("page" + std::to_string(files.size()) + ".xml");
      const auto check = tributary::testing::CheckXml(file, r.body);
      INFO(check.error);
      CHECK(check.ok);
      for (const auto& link : check.hrefs) {
        const auto href = link.substr(0, link.find('#'));  // a browser keeps the fragment
        // A product's history links each instant's change: ten of those will do.
        if (href.find("/history?") != std::string::npos && ++history_links > 10) {
          continue;
        }
        if ((href == "/" || href.rfind("/ui/", 0) == 0) && seen.insert(href).second) {
          queue.push_back(href);
          if (href.rfind("/ui/products/", 0) == 0 &&
              href.find_first_of("?/", 13) == std::string::npos) {
            const auto svg = tributary::testing::HttpGet(
                p, "/api/v1/lineage?direction=both&depth=2&format=svg&node=product:" +
                       href.substr(13));
            CHECK(svg.status == 200);
            const auto svg_check =
                tributary::testing::CheckXml(dir / ("svg" + std::to_string(seen.size())), svg.body);
            INFO(href << ": " << svg_check.error);
            CHECK(svg_check.ok);
          }
        }
      }
      files.push_back(file);
    }
    CHECK(files.size() > 20);  // overview, products, nodes, boards, logs

    // And valid HTML: html-validate's "standard" preset (the HTML standard's
    // content models, duplicate ids, attributes), installed by install-deps --with-ui.
    const auto validator = std::filesystem::path(TRIBUTARY_SOURCE_DIR) /
                           "build-tools/ui/node_modules/html-validate/bin/html-validate.mjs";
    if (!std::filesystem::exists(validator)) {
      WARN("html-validate is missing (deploy/install-deps.sh --with-ui): HTML check skipped");
    } else {
      const auto html_dir = dir / "html";
      std::filesystem::create_directories(html_dir);
      for (const auto& f : files) {
        std::filesystem::copy_file(f, html_dir / f.filename().replace_extension(".html"));
      }
      const auto log = dir / "html-validate.log";
      const int code =
          std::system(("cd " + html_dir.string() + " && timeout 300 node " + validator.string() +
                       " --preset standard *.html > " + log.string() + " 2>&1")
                          .c_str());
      std::ifstream in(log);
      const std::string report(std::istreambuf_iterator<char>(in), {});
      INFO(report);
      CHECK(code == 0);
      std::printf("html-validate: %zu pages, %s\n", files.size(), code == 0 ? "valid" : "errors");
    }
  }

  // A browser: headless Chromium loads the overview and a product page; the
  // screenshots are kept as test artefacts (build/artifacts/).
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    WARN("chromium is not installed (deploy/install-deps.sh --with-ui): browser check skipped");
  } else {
    const auto artifacts = std::filesystem::path(TRIBUTARY_BINARY_DIR) / "artifacts";
    std::filesystem::create_directories(artifacts);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    const std::string chromium =
        "timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
        "--window-size=1280,1400 ";
    // Team homes for the owner of stocktrades and a team reading it, and three
    // searches (a product, a team, a description's word), as a browser renders them.
    for (const auto& [name, path, expect, also] :
         {std::tuple{"overview", "/", "Data mesh overview", "stocktrades"},
          std::tuple{"product", "/ui/products/stocktrades", "Product stocktrades", "stocktrades"},
          // The demo's breaking change (pageviews' viewtime long -> string), compared
          // field by field with the engine's verdict.
          std::tuple{"product-diff", "/ui/products/pageviews#compare",
                     "<code>viewtime</code></td><td>long</td><td>string</td>",
                     "<span class=\"tag dead\">breaking</span>"},
          std::tuple{"team-owner", "/ui/teams/trade-gateway", "What we own",
                     "<a href=\"/ui/products/stocktrades\">stocktrades</a>"},
          std::tuple{"team-consumer", "/ui/teams/risk", "What we read, and from whom",
                     "href=\"/ui/teams/trade-gateway\""},
          // Time travel: the product's instants, and what changed in its lineage
          // between the demo's start and now.
          std::tuple{"product-history", "/ui/products/stocktrades/history",
                     "consumes topic:demo/stocktrades began (observed)", "before → after"},
          std::tuple{"search-product", "/ui/search?q=stocktrades", "results for",
                     "href=\"/ui/products/stocktrades\""},
          std::tuple{"search-team", "/ui/search?q=risk", "<h2>Teams</h2>",
                     "href=\"/ui/teams/risk\""},
          std::tuple{"search-trending", "/ui/search?q=trending", "<h2>Products</h2>",
                     "href=\"/ui/products/trending_stocks\""}}) {
      const auto dom = dir / (std::string(name) + ".html");
      const auto shot = artifacts / (std::string(name) + ".png");
      const std::string url = "'" + base + path + "'";  // '?' is a shell pattern
      CHECK(std::system(
                (chromium + "--dump-dom " + url + " > " + dom.string() + " 2>/dev/null").c_str()) ==
            0);
      std::ifstream in(dom);
      const std::string html(std::istreambuf_iterator<char>(in), {});
      INFO(path);
      CHECK_THAT(html, Catch::Contains(expect));
      CHECK_THAT(html, Catch::Contains(also));
      std::filesystem::remove(shot);
      CHECK(
          std::system((chromium + "--screenshot=" + shot.string() + " " + url + " > /dev/null 2>&1")
                          .c_str()) == 0);
      CHECK(std::filesystem::exists(shot));
      CHECK(std::filesystem::file_size(shot) > 10000);
    }
  }
  // Layout in Chromium (puppeteer-core): the product pages, whose lineage
  // pictures were wider than the page, now fit 1280 px with a legend; so do the
  // overview, a team home and a search. axe-core (no serious or critical
  // violation) on every page the UI's links reach from those, dark mode, print.
  if (std::system("command -v node > /dev/null 2>&1") != 0 ||
      !std::filesystem::exists(std::filesystem::path(TRIBUTARY_SOURCE_DIR) /
                               "build-tools/ui/node_modules/puppeteer-core") ||
      !std::filesystem::exists(std::filesystem::path(TRIBUTARY_SOURCE_DIR) /
                               "build-tools/ui/node_modules/axe-core/axe.min.js")) {
    WARN(
        "node, puppeteer-core or axe-core is missing (deploy/install-deps.sh --with-ui): "
        "layout and accessibility skipped");
  } else {
    const auto shots = std::filesystem::path(TRIBUTARY_BINARY_DIR) / "artifacts" / "ui-layout";
    std::filesystem::create_directories(shots);
    const auto log = dir / "layout.log";
    const std::string command =
        "timeout 300 node " +
        (std::filesystem::path(TRIBUTARY_SOURCE_DIR) / "tests/e2e/ui_pages_check.mjs").string() +
        " --base http://127.0.0.1:" + std::to_string(port) + " --out " + shots.string() +
        " --crawl 300 / /ui/products/stocktrades /ui/products/stocktrades.v2 "
        "/ui/products/trending_stocks /ui/products/stocktrades/history "
        "'/ui/node?id=topic:demo/stocktrades' /ui/teams/risk '/ui/search?q=stock' "
        "/ui/deprecations/stocktrades > " +
        log.string() + " 2>&1";
    const int code = std::system(command.c_str());
    std::ifstream in(log);
    const std::string output(std::istreambuf_iterator<char>(in), {});
    INFO(output);
    CHECK(code == 0);
    CHECK(output.find("FAIL") == std::string::npos);
    CHECK(output.find("the lineage picture has a legend") != std::string::npos);
    CHECK(output.find("dark mode: the page is dark") != std::string::npos);
    // axe-core over every page reached from those by the UI's links.
    CHECK(output.find(" serious or critical violations") != std::string::npos);
    CHECK(output.find(", 0 serious or critical violations") != std::string::npos);
    if (const auto at = output.find("axe-core: "); at != std::string::npos) {
      std::printf("%s\n", output.substr(at, output.find('\n', at) - at).c_str());
    }
    CHECK(output.find("printed: no header") != std::string::npos);
    CHECK(output.find("the wheel zooms in") != std::string::npos);
    CHECK(output.find("Reset restores the view") != std::string::npos);
  }
  kill(pid, SIGINT);
  CHECK(WaitExit(pid) == 0);
  std::ifstream in(out);
  const std::string text(std::istreambuf_iterator<char>(in), {});
  CHECK_THAT(text, Catch::Contains("http://127.0.0.1:" + std::to_string(port) + "/"));
}

TEST_CASE(
    "demo: declared personal data, a mirror out of its region, a required-field miss, and a "
    "proposal two teams approve and one rejects") {
  TempDir dir;
  const int port = FreePort();
  const auto out = dir / "demo.out";
  const pid_t pid = fork();
  if (pid == 0) {
    freopen(out.c_str(), "w", stdout);
    freopen(out.c_str(), "a", stderr);
    const auto port_text = std::to_string(port);
    const auto data = (dir / "data").string();
    execl(kBinary.c_str(), kBinary.c_str(), "demo", "--port", port_text.c_str(), "--speed", "120",
          "--seed", "3", "--data-dir", data.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(WaitHealthy(port));
  const auto p = static_cast<std::uint16_t>(port);
  const auto get = [&](const std::string& target) {
    const auto r = tributary::testing::HttpGet(p, target);
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body);
  };
  // (policy, subject) -> status
  const auto violations = [&] {
    std::map<std::pair<std::string, std::string>, std::string> found;
    const auto compliance = get("/api/v1/compliance");
    for (const auto& v : compliance["violations"]) {
      found[{v["policy"], v["subject"]}] = v["status"];
    }
    return found;
  };
  const auto has = [&](const std::string& policy, const std::string& subject,
                       const std::string& status) {
    const auto all = violations();
    const auto it = all.find({policy, subject});
    return it != all.end() && it->second == status;
  };
  // At 120x the first cycle's governance story (to +32 simulated minutes)
  // takes 16 s; allow for a slow machine.
  const auto within = [](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return done();
  };
  // A derived product carries a PII-tagged field without the product tag.
  CHECK(within([&] { return has("gdpr-pii", "product:us_enriched_stock_trades", "open"); }));
  // The proposal: two teams approve, one rejects; the owner hears the outcome.
  nlohmann::json proposal;
  CHECK(within([&] {
    const auto list = get("/api/v1/proposals?product=users")["proposals"];
    if (list.size() != 1 || list[0]["status"] != "rejected") {
      return false;
    }
    proposal = list[0];
    return true;
  }));
  CHECK(proposal["compatible"] == false);
  CHECK(proposal["approvals_needed"] ==
        nlohmann::json({"analytics-streaming", "customer-insights", "growth"}));
  std::map<std::string, std::string> decisions;
  for (const auto& d : proposal["decisions"]) {
    decisions[d["team"]] = d["decision"];
  }
  CHECK(decisions == std::map<std::string, std::string>{{"growth", "approve"},
                                                        {"customer-insights", "approve"},
                                                        {"analytics-streaming", "reject"}});
  CHECK(within([&] {
    const auto list = get("/api/v1/notifications?kind=proposal_decided");
    for (const auto& n : list["notifications"]) {
      if (n["team"] == "user-identity" && n["status"] == "delivered") {
        return true;
      }
    }
    return false;
  }));
  // A mirror job copies users to the US cluster: a locality breach.
  CHECK(within([&] { return has("eu-only", "job:demo-mm2/users-to-us", "open"); }));
  // campaign_clicks was published without a description, then described.
  CHECK(within([&] { return has("required-metadata", "product:campaign_clicks", "resolved"); }));
  // The pageviews change reached the registry without an approved proposal.
  CHECK(within(
      [&] { return !get("/api/v1/events?type=unapproved_breaking_change")["events"].empty(); }));
  // The UI shows it.
  const auto page = tributary::testing::HttpGet(p, "/ui/compliance");
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Catch::Contains("users-to-us"));
  kill(pid, SIGINT);
  CHECK(WaitExit(pid) == 0);
}
