// The UI's writes in headless Chromium (DESIGN.md §5, issue 16): the service
// over librdkafka's mock cluster with a catalog topic; ui_forms_test.mjs
// (puppeteer-core) signs in by pasting a token, publishes a product through
// the form, and forges posts (no CSRF token, another session's, another
// site's form), saving screenshots under <build>/artifacts/ui-forms. Here the
// outcome is checked where it lands: the API and the catalog topic hold
// exactly the product the form published.

#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/config.h"
#include "app/service.h"
#include "sim/mock_kafka.h"
#include "support/http_client.h"
#include "support/sha256.h"
#include "support/temp_dir.h"

using namespace tributary;
using nlohmann::json;
using tributary::testing::TempDir;

namespace {

const std::filesystem::path kSource = TRIBUTARY_SOURCE_DIR;

bool Available(std::string& missing) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    missing = "chromium";
  } else if (std::system("command -v node > /dev/null 2>&1") != 0) {
    missing = "node";
  } else if (!std::filesystem::exists(kSource / "build-tools/ui/node_modules/puppeteer-core")) {
    missing = "puppeteer-core";
  }
  return missing.empty();
}

}  // namespace

TEST_CASE(
    "UI in headless Chromium: sign in with a token (HttpOnly, SameSite=Strict session), "
    "publish a product through the form with errors next to the fields, forged posts (no "
    "CSRF token, another session's, another site's form) are refused and change nothing") {
  std::string missing;
  if (!Available(missing)) {
    WARN(missing << " is not installed (deploy/install-deps.sh --with-ui): UI test skipped");
    return;
  }
  TempDir dir;
  SystemClock clock;
  auto kafka = std::move(sim::MockKafka::Start(1, sim::DefaultSourceTopics())).value();
  std::string toml = "[service]\ndata_dir = \"" + (dir.path() / "data").string() +
                     "\"\nhttp_listen = \"127.0.0.1:0\"\n"
                     "[[clusters]]\nname = \"local\"\nbootstrap_servers = \"" +
                     kafka->bootstrap_servers() +
                     "\"\n[sources]\nconsumer_offsets = { topic = \"__consumer_offsets\" }\n"
                     "catalog = { topic = \"tributary.catalog\" }\n"
                     "[health]\nenabled = false\n[auth]\nanonymous_read = true\n";
  for (const std::string team : {"payments", "risk"}) {
    toml += "[[auth.tokens]]\nname = \"" + team + "-ui\"\nsha256 = \"" +
            testing::Sha256Hex(team + "-ui-secret") + "\"\nrole = \"owner\"\nteam = \"" + team +
            "\"\n";
  }
  auto loaded = ParseConfig(toml, "tributary.toml",
                            [](const std::string&) { return std::optional<std::string>(); });
  REQUIRE(loaded.ok());
  Service service(loaded->config, clock);
  REQUIRE(service.Start().ok());

  const char* binary_dir = std::getenv("TRIBUTARY_TEST_BINARY_DIR");
  const auto shots = (binary_dir != nullptr ? std::filesystem::path(binary_dir)
                                            : std::filesystem::current_path()) /
                     "artifacts" / "ui-forms";
  std::filesystem::create_directories(shots);
  const auto log = dir.path() / "ui.log";
  const std::string command =
      "timeout 120 node " + (kSource / "tests/e2e/ui_forms_test.mjs").string() +
      " --base http://127.0.0.1:" + std::to_string(service.http_port()) + " --out " +
      shots.string() + " --token payments-ui-secret --other-token risk-ui-secret > " +
      log.string() + " 2>&1";
  const int code = std::system(command.c_str());
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), {});
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("FAIL") == std::string::npos);

  // Where it lands: exactly the published product, nothing forged.
  const auto products = json::parse(testing::HttpGet(service.http_port(), "/api/v1/products").body);
  REQUIRE(products["products"].size() == 1);
  CHECK(products["products"][0]["name"] == "payments.settled");
  const auto events = json::parse(
      testing::HttpGet(service.http_port(), "/api/v1/events?type=product_published").body);
  REQUIRE(events["events"].size() == 1);
  CHECK(events["events"][0]["source"] == "local/tributary.catalog");
  CHECK(events["events"][0]["data"]["tags"] == json({"finance", "settled"}));
  for (const char* shot : {"01-signin.png", "02-publish-form.png", "03-errors.png",
                           "04-published.png", "05-cross-site-refused.png", "06-signed-out.png"}) {
    CHECK(std::filesystem::file_size(shots / shot) > 1000);
  }
}
