#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>

#include "app/config.h"
#include "support/temp_dir.h"

using namespace tributary;

namespace {

Environment FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional(it->second);
  };
}

Result<LoadedConfig> Parse(const std::string& text, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> names;
  for (const auto& [k, v] : env) {
    names.push_back(k);
  }
  return ParseConfig(text, "tributary.toml", FakeEnv(env), names);
}

std::string ErrorsOf(const std::string& text) {
  auto r = Parse(text);
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

constexpr const char* kGood = R"(
[service]
data_dir = "/var/lib/tributary"
http_listen = "0.0.0.0:9090"

[[clusters]]
name = "local"
id = "lkc-abc123"
bootstrap_servers = "127.0.0.1:9092"
[clusters.properties]
"security.protocol" = "SASL_SSL"
"socket.timeout.ms" = 30000

[sources]
consumer_offsets = { topic = "__consumer_offsets" }
schemas = { topic = "_schemas" }
catalog = { topic = "tributary.catalog", cluster = "local" }
admin_api = { poll_interval = "60s" }

[tracking]
consumer_idle_after = "15m"
reminders_before_sunset = ["30d", "7d"]

[notifications]
fallback_channel = "payments-email"
digest_window = "5m"

[[channels]]
name = "payments-slack"
type = "slack"
url_env = "PAYMENTS_SLACK_URL"

[[channels]]
name = "payments-email"
type = "email"
smtp_url = "smtps://smtp.example.com:465"
from = "tributary@example.com"
to = ["payments-team@example.com"]

[[teams]]
name = "payments"
contacts = ["payments-slack", "payments-email"]

[[routes]]
match = "group:*/payments-*"
team = "payments"

[auth]
anonymous_read = false
[[auth.tokens]]
name = "payments-ci"
sha256 = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
role = "owner"
team = "payments"
)";

}  // namespace

TEST_CASE("a complete config is read into typed values") {
  auto r = Parse(kGood, {{"PAYMENTS_SLACK_URL", "https://hooks.slack.com/x"}});
  REQUIRE(r.ok());
  const auto& c = r->config;
  CHECK(c.service.data_dir == "/var/lib/tributary");
  CHECK(c.service.http_host == "0.0.0.0");
  CHECK(c.service.http_port == 9090);
  REQUIRE(c.clusters.size() == 1);
  CHECK(c.clusters[0].properties.at("security.protocol") == "SASL_SSL");
  CHECK(c.clusters[0].properties.at("socket.timeout.ms") == "30000");
  REQUIRE(c.sources.consumer_offsets.has_value());
  CHECK(c.sources.consumer_offsets->cluster == "local");  // defaults to the first cluster
  CHECK(c.sources.schemas->topic == "_schemas");
  CHECK_FALSE(c.sources.audit_log.has_value());
  CHECK(c.sources.admin_api->poll_interval == std::chrono::seconds(60));
  CHECK(c.tracking.consumer_idle_after == std::chrono::minutes(15));
  CHECK(c.tracking.progress_interval == std::chrono::minutes(10));  // default
  CHECK(c.tracking.reminders_before_sunset ==
        std::vector<Duration>{std::chrono::days(30), std::chrono::days(7)});
  CHECK(c.notifications.digest_window == std::chrono::minutes(5));
  CHECK(c.channels.size() == 2);
  CHECK(c.channels[1].require_tls);  // default
  CHECK(c.auth.tokens[0].sha256 ==
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  CHECK_FALSE(c.auth.anonymous_read);
  CHECK(r->warnings.empty());
}

TEST_CASE("an empty config gives the documented defaults") {
  auto r = Parse("");
  REQUIRE(r.ok());
  CHECK(r->config.service.data_dir == "./data");
  CHECK(r->config.service.http_listen == "127.0.0.1:8080");
  CHECK(r->config.auth.anonymous_read);
  CHECK(r->config.tracking.reminders_before_sunset.size() == 4);
}

TEST_CASE("config errors name the file, the line and the key") {
  SECTION("an unknown key") {
    CHECK(ErrorsOf("[service]\ndata_dir = \"x\"\nhttp_lsiten = \"1\"\n") ==
          "tributary.toml:3: service.http_lsiten: unknown key");
  }
  SECTION("an unknown section") {
    CHECK(ErrorsOf("\n[servcie]\n") == "tributary.toml:2: servcie: unknown key");
  }
  SECTION("a wrong type") {
    CHECK(ErrorsOf("[service]\n\ndata_dir = 5\n") ==
          "tributary.toml:3: service.data_dir: expected a string, found an integer");
  }
  SECTION("a bad duration") {
    const auto e = ErrorsOf("[tracking]\nconsumer_idle_after = \"15 minutes\"\n");
    CHECK_THAT(e, Catch::StartsWith("tributary.toml:2: tracking.consumer_idle_after: "));
    CHECK_THAT(e, Catch::Contains("not a duration"));
  }
  SECTION("a bad duration inside a list names its index") {
    CHECK_THAT(ErrorsOf("[tracking]\nreminders_before_sunset = [\"30d\", \"soon\"]\n"),
               Catch::StartsWith("tributary.toml:2: tracking.reminders_before_sunset[1]: "));
  }
  SECTION("a missing required key in an array of tables") {
    CHECK(ErrorsOf("[[clusters]]\nname = \"a\"\n") ==
          "tributary.toml:1: clusters[0].bootstrap_servers: required key is missing");
  }
  SECTION("a bad listen address") {
    CHECK(ErrorsOf("[service]\nhttp_listen = \"localhost\"\n") ==
          "tributary.toml:2: service.http_listen: \"localhost\" is not HOST:PORT (e.g. "
          "127.0.0.1:8080)");
  }
  SECTION("a TOML syntax error") {
    CHECK_THAT(ErrorsOf("[service]\ndata_dir = \n"), Catch::StartsWith("tributary.toml:2: "));
  }
  SECTION("references to channels and clusters that do not exist") {
    const auto e = ErrorsOf(
        "[[clusters]]\nname = \"a\"\nbootstrap_servers = \"b:9092\"\n"
        "[sources]\ncatalog = { topic = \"c\", cluster = \"nope\" }\n"
        "[[teams]]\nname = \"t\"\ncontacts = [\"ghost\"]\n");
    CHECK_THAT(e, Catch::Contains("tributary.toml:5: sources.catalog.cluster: no [[clusters]] "
                                  "entry is named \"nope\""));
    CHECK_THAT(e, Catch::Contains("tributary.toml:8: teams[0].contacts: no [[channels]] entry is "
                                  "named \"ghost\""));
  }
  SECTION("a token that is not a SHA-256 and an owner without a team") {
    const auto e = ErrorsOf(
        "[auth]\n[[auth.tokens]]\nname = \"x\"\nsha256 = \"secret\"\nrole = "
        "\"owner\"\n");
    CHECK_THAT(e, Catch::Contains("tributary.toml:4: auth.tokens[0].sha256: must be the 64 hex"));
    CHECK_THAT(e, Catch::Contains("auth.tokens[0].team: an owner token needs a team"));
  }
  SECTION("a channel of an unknown type and one without a URL") {
    const auto e = ErrorsOf(
        "[[channels]]\nname = \"a\"\ntype = \"pager\"\nurl = \"https://x\"\n"
        "[[channels]]\nname = \"b\"\ntype = \"slack\"\n");
    CHECK_THAT(e, Catch::Contains("tributary.toml:3: channels[0].type: \"pager\" is not one of"));
    CHECK_THAT(
        e, Catch::Contains("channels[1].url_env: give exactly one of url_env, url_file or url"));
  }
  SECTION("all errors are reported together, one per line") {
    const auto e =
        ErrorsOf("[service]\ndata_dir = 1\nlog_format = \"xml\"\n[tracking]\nbogus = 1\n");
    CHECK(std::count(e.begin(), e.end(), '\n') == 2);
    CHECK_THAT(e, Catch::Contains("tributary.toml:2: service.data_dir"));
    CHECK_THAT(e, Catch::Contains("tributary.toml:3: service.log_format"));
    CHECK_THAT(e, Catch::Contains("tributary.toml:5: tracking.bogus: unknown key"));
  }
}

TEST_CASE("[store] compact_after is off by default, a duration of a day or more, or off") {
  auto none = Parse("");
  REQUIRE(none.ok());
  CHECK(none->config.store.compact_after.count() == 0);
  auto days = Parse("[store]\ncompact_after = \"90d\"\n");
  REQUIRE(days.ok());
  CHECK(days->config.store.compact_after == std::chrono::hours(24 * 90));
  auto off = Parse("[store]\ncompact_after = \"off\"\n");
  REQUIRE(off.ok());
  CHECK(off->config.store.compact_after.count() == 0);
  CHECK(ErrorsOf("[store]\n\ncompact_after = \"2h\"\n") ==
        "tributary.toml:3: store.compact_after: at least \"1d\" (samples are kept one per day), "
        "or \"off\"");
  CHECK_THAT(ErrorsOf("[store]\ncompact_after = \"soon\"\n"),
             Catch::StartsWith("tributary.toml:2: store.compact_after: "));
  CHECK(ErrorsOf("[store]\ncompact = \"90d\"\n") == "tributary.toml:2: store.compact: unknown key");
}

TEST_CASE("unset *_env variables are warnings with file and line") {
  auto r = Parse(kGood);
  REQUIRE(r.ok());
  REQUIRE(r->warnings.size() == 1);
  CHECK(r->warnings[0] ==
        "tributary.toml:31: channels[0].url_env: environment variable PAYMENTS_SLACK_URL is not "
        "set");
}

TEST_CASE("TRIBUTARY_<SECTION>_<KEY> overrides single values") {
  SECTION("strings, durations and booleans") {
    auto r = Parse("[service]\ndata_dir = \"./a\"\n",
                   {{"TRIBUTARY_SERVICE_DATA_DIR", "/srv/tributary"},
                    {"TRIBUTARY_SERVICE_HTTP_LISTEN", "127.0.0.1:7000"},
                    {"TRIBUTARY_TRACKING_CONSUMER_IDLE_AFTER", "1h"},
                    {"TRIBUTARY_AUTH_ANONYMOUS_READ", "false"}});
    REQUIRE(r.ok());
    CHECK(r->config.service.data_dir == "/srv/tributary");
    CHECK(r->config.service.http_port == 7000);
    CHECK(r->config.tracking.consumer_idle_after == std::chrono::hours(1));
    CHECK_FALSE(r->config.auth.anonymous_read);
  }
  SECTION("a bad override names the variable") {
    auto r = Parse("", {{"TRIBUTARY_SERVICE_HTTP_LISTEN", "nowhere"}});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(
        r.status().message(),
        Catch::StartsWith("environment TRIBUTARY_SERVICE_HTTP_LISTEN: service.http_listen:"));
  }
  SECTION("an override of an unknown key is an error like in the file") {
    auto r = Parse("", {{"TRIBUTARY_SERVICE_NOPE", "1"}});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("service.nope: unknown key"));
  }
}

TEST_CASE("a replication section makes the event log a Kafka topic (absent: one node)") {
  constexpr const char* kClusters =
      "[[clusters]]\n"
      "name = \"main\"\n"
      "bootstrap_servers = \"kafka:9092\"\n"
      "[[clusters]]\n"
      "name = \"other\"\n"
      "bootstrap_servers = \"other:9092\"\n";  // 6 lines
  const auto with = [&](const std::string& replication) {
    return std::string(kClusters) + "[replication]\n" + replication;  // [replication] is line 7
  };

  SECTION("absent: one node, the SQLite file is the log") {
    auto r = Parse(kClusters);
    REQUIRE(r.ok());
    CHECK_FALSE(r->config.replication.enabled);
    CHECK(r->config.service.replica_id.empty());
    auto good = Parse(kGood);
    REQUIRE(good.ok());
    CHECK_FALSE(good->config.replication.enabled);
  }
  SECTION("present with nothing set: enabled, on the first cluster, with the documented defaults") {
    auto r = Parse(with(""));
    INFO(r.status().message());
    REQUIRE(r.ok());
    const auto& rep = r->config.replication;
    CHECK(rep.enabled);
    CHECK(rep.cluster == "main");
    CHECK(rep.events_topic == "tributary.events");
    CHECK(rep.commands_topic == "tributary.commands");
    CHECK(rep.group_id == "tributary");
    CHECK(rep.session_timeout == std::chrono::seconds(6));
    CHECK(rep.heartbeat_interval == std::chrono::seconds(1));
    CHECK(r->config.service.write_timeout == std::chrono::seconds(10));
    char host[256] = {};
    REQUIRE(::gethostname(host, sizeof host - 1) == 0);
    CHECK(r->config.service.replica_id == host);
    CHECK_FALSE(r->config.service.replica_id.empty());
  }
  SECTION("every key set") {
    auto r =
        Parse("[service]\nreplica_id = \"tributary-2\"\nwrite_timeout = \"3s\"\n" +
              with("cluster = \"other\"\nevents_topic = \"ev\"\ncommands_topic = \"cmd\"\n"
                   "group_id = \"g\"\nsession_timeout = \"9s\"\nheartbeat_interval = \"3s\"\n"));
    INFO(r.status().message());
    REQUIRE(r.ok());
    const auto& rep = r->config.replication;
    CHECK(rep.cluster == "other");
    CHECK(rep.events_topic == "ev");
    CHECK(rep.commands_topic == "cmd");
    CHECK(rep.group_id == "g");
    CHECK(rep.session_timeout == std::chrono::seconds(9));
    CHECK(rep.heartbeat_interval == std::chrono::seconds(3));  // exactly a third
    CHECK(r->config.service.replica_id == "tributary-2");
    CHECK(r->config.service.write_timeout == std::chrono::seconds(3));
  }
  SECTION("an unknown cluster names the line of the key") {
    CHECK(ErrorsOf(with("\ncluster = \"nope\"\n")) ==
          "tributary.toml:9: replication.cluster: no [[clusters]] entry is named \"nope\"");
  }
  SECTION("no cluster at all") {
    CHECK(ErrorsOf("[replication]\n") ==
          "tributary.toml:1: replication: replication needs a cluster: add a [[clusters]] table");
  }
  SECTION("the two topics must differ") {
    CHECK(ErrorsOf(with("events_topic = \"t\"\ncommands_topic = \"t\"\n")) ==
          "tributary.toml:7: replication: events_topic, commands_topic and group_id must be set, "
          "the topics distinct");
  }
  SECTION("a heartbeat of more than a third of the session timeout") {
    CHECK(ErrorsOf(with("session_timeout = \"6s\"\nheartbeat_interval = \"2001ms\"\n")) ==
          "tributary.toml:7: replication.heartbeat_interval: must be at most a third of "
          "session_timeout");
  }
  SECTION("an unknown key") {
    CHECK(ErrorsOf(with("group = \"g\"\n")) == "tributary.toml:8: replication.group: unknown key");
  }
  SECTION("TRIBUTARY_SERVICE_REPLICA_ID and TRIBUTARY_REPLICATION_* override the file") {
    auto r = Parse("[service]\nreplica_id = \"from-file\"\n" + with("group_id = \"file-group\"\n"),
                   {{"TRIBUTARY_SERVICE_REPLICA_ID", "x"},
                    {"TRIBUTARY_REPLICATION_GROUP_ID", "g"},
                    {"TRIBUTARY_REPLICATION_SESSION_TIMEOUT", "12s"}});
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(r->config.service.replica_id == "x");
    CHECK(r->config.replication.group_id == "g");
    CHECK(r->config.replication.session_timeout == std::chrono::seconds(12));
    CHECK(r->config.replication.cluster == "main");
  }
  SECTION("a bad override names the variable") {
    auto r = Parse(with(""), {{"TRIBUTARY_REPLICATION_CLUSTER", "nope"}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() ==
          "environment TRIBUTARY_REPLICATION_CLUSTER: replication.cluster: no [[clusters]] entry "
          "is named \"nope\"");
  }
}

TEST_CASE("LoadConfig reads a file and names it in errors") {
  testing::TempDir dir;
  const auto file = dir / "t.toml";
  std::ofstream(file) << "[service]\nnope = 1\n";
  auto r = LoadConfig(file, FakeEnv({}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == file.string() + ":2: service.nope: unknown key");
  auto missing = LoadConfig(dir / "absent.toml", FakeEnv({}));
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("absent.toml"));
}

TEST_CASE("the example config in deploy/ is valid") {
  auto r = LoadConfig(TRIBUTARY_SOURCE_DIR "/deploy/tributary.example.toml", FakeEnv({}));
  INFO(r.status().message());
  CHECK(r.ok());
}

TEST_CASE(
    "[health] is read with its defaults, and its errors name the file, the line and the key") {
  SECTION("defaults: on, 30s, a window of 10, 10m, 0.8") {
    auto r = Parse("");
    REQUIRE(r.ok());
    const auto& h = r->config.health;
    CHECK(h.enabled);
    CHECK(h.offsets_interval == std::chrono::seconds(30));
    CHECK(h.window == 10);
    CHECK(h.alert_after == std::chrono::minutes(10));
    CHECK(h.risk_ratio == Approx(0.8));
  }
  SECTION("values") {
    auto r = Parse(
        "[health]\nenabled = false\noffsets_interval = \"10s\"\nwindow = 5\n"
        "alert_after = \"2m\"\nrisk_ratio = 0.5\nmetrics_series_cap = 100\n");
    REQUIRE(r.ok());
    const auto& h = r->config.health;
    CHECK_FALSE(h.enabled);
    CHECK(h.offsets_interval == std::chrono::seconds(10));
    CHECK(h.window == 5);
    CHECK(h.alert_after == std::chrono::minutes(2));
    CHECK(h.risk_ratio == Approx(0.5));
    CHECK(h.metrics_series_cap == 100);
  }
  SECTION("errors") {
    const auto e = ErrorsOf(
        "[health]\noffsets_interval = \"soon\"\nwindow = 1\nrisk_ratio = 1.5\n"
        "alert_after = 5\ncolour = \"red\"\n");
    CHECK_THAT(e, Catch::Contains("tributary.toml:2: health.offsets_interval: "));
    CHECK_THAT(e, Catch::Contains("tributary.toml:3: health.window: must be between 2 and 1000"));
    CHECK_THAT(e, Catch::Contains("tributary.toml:4: health.risk_ratio: "));
    CHECK_THAT(e, Catch::Contains("tributary.toml:5: health.alert_after: "));
    CHECK_THAT(e, Catch::Contains("tributary.toml:6: health.colour: unknown key"));
  }
  SECTION("TRIBUTARY_HEALTH_ENABLED overrides") {
    auto r = Parse("", {{"TRIBUTARY_HEALTH_ENABLED", "false"}});
    REQUIRE(r.ok());
    CHECK_FALSE(r->config.health.enabled);
  }
}
