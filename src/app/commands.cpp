#include "app/commands.h"

#include "health/health_tracker.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <variant>

#include "app/config.h"
#include "app/logging.h"
#include "app/service.h"
#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "core/text_codec.h"
#include "graph/lineage_projection.h"
#include "health/health_tracker.h"
#include "sim/mock_kafka.h"
#include "sim/simulator.h"
#include "sim/smtp_receiver.h"
#include "store/event_log.h"
#include "store/projection_host.h"
#include "tracking/tracker.h"

#ifndef TRIBUTARY_VERSION
#define TRIBUTARY_VERSION "0.0.0"
#endif
#ifndef TRIBUTARY_GIT_COMMIT
#define TRIBUTARY_GIT_COMMIT "unknown"
#endif

namespace tributary {
namespace {

// Parses "--name value" and "--flag" options; anything else is an error.
class Options {
 public:
  Options(const Args& args, std::initializer_list<std::string_view> valued,
          std::initializer_list<std::string_view> flags) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      auto is = [&](std::initializer_list<std::string_view> list) {
        for (auto n : list) {
          if (a == n) {
            return true;
          }
        }
        return false;
      };
      if (a == "--help" || a == "-h") {
        help_ = true;
      } else if (is(flags)) {
        values_[a] = "";
      } else if (is(valued)) {
        if (i + 1 >= args.size()) {
          error_ = a + " needs a value";
          return;
        }
        values_[a] = args[++i];
      } else {
        error_ = "unknown option \"" + a + "\"";
        return;
      }
    }
  }
  bool help() const { return help_; }
  const std::string& error() const { return error_; }
  bool has(const std::string& name) const { return values_.contains(name); }
  std::optional<std::string> get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  std::map<std::string, std::string> values_;
  std::string error_;
  bool help_ = false;
};

std::optional<long> ToLong(const std::string& text) {
  long v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

Result<LoadedConfig> LoadAndReport(const std::string& file, std::ostream& err) {
  auto loaded = LoadConfig(file, ProcessEnvironment());
  if (!loaded.ok()) {
    err << loaded.status().message() << "\n";
    return loaded;
  }
  for (const auto& w : loaded->warnings) {
    err << "warning: " << w << "\n";
  }
  return loaded;
}

graph::Routes RoutesOf(const Config& config) {
  graph::Routes routes;
  for (const auto& r : config.routes) {
    routes.emplace_back(r.match, r.team);
  }
  return routes;
}

// Runs a started service until SIGINT/SIGTERM.
int RunUntilSignal(Service& service) {
  if (auto s = service.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.ToString());
    service.Stop();
    return 1;
  }
  const int sig = WaitForShutdownSignal();
  const auto fatal = service.fatal();
  if (!fatal.ok()) {
    spdlog::critical("stopping after a fatal error: {}", fatal.ToString());
  } else {
    spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  }
  service.Stop();
  spdlog::info("stopped");
  return fatal.ok() ? 0 : 1;
}

// Wakes WaitForShutdownSignal() when ingestion stops on a fatal error.
void RaiseShutdown(const Status&) { kill(getpid(), SIGTERM); }

}  // namespace

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

int RunServe(const Args& args, std::ostream& out, std::ostream& err) {
  Options opts(args, {"--config", "--log-format"}, {"--check-config"});
  if (opts.help()) {
    out << "usage: tributary serve --config FILE [--check-config] [--log-format text|json]\n"
           "  Runs the service. --check-config validates FILE and exits, connecting to nothing.\n";
    return 0;
  }
  if (!opts.error().empty() || !opts.has("--config")) {
    err << "serve: " << (opts.error().empty() ? "--config FILE is required" : opts.error()) << "\n";
    return 2;
  }
  auto loaded = LoadAndReport(*opts.get("--config"), err);
  if (!loaded.ok()) {
    return 2;
  }
  if (opts.has("--check-config")) {
    out << *opts.get("--config") << ": configuration is valid";
    if (!loaded->warnings.empty()) {
      out << " (" << loaded->warnings.size() << " warning(s))";
    }
    out << "\n";
    return 0;
  }
  auto& cfg = loaded->config;
  const auto format = opts.get("--log-format").value_or(cfg.service.log_format);
  if (auto s = SetUpLogging(format, cfg.service.log_level); !s.ok()) {
    err << "serve: " << s.message() << "\n";
    return 2;
  }
  SystemClock clock;
  Service service(std::move(cfg), clock, &RaiseShutdown);
  return RunUntilSignal(service);
}

int RunBackup(const Args& args, std::ostream& out, std::ostream& err) {
  constexpr const char* kUsage =
      "usage: tributary backup --config FILE OUT\n"
      "  Writes a consistent copy of the event log (<data_dir>/tributary.db) to OUT\n"
      "  while the service runs (SQLite's online backup). OUT must not exist.\n"
      "  Restore: stop the service and copy OUT to <data_dir>/tributary.db (no -wal or\n"
      "  -shm file beside it); it resumes every source from the backup's offsets. A\n"
      "  replica restored from a backup reads the events topic on from the backup's\n"
      "  position.\n";
  std::optional<std::string> config_file;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      out << kUsage;
      return 0;
    }
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) {
        err << "backup: --config needs a value\n";
        return 2;
      }
      config_file = args[++i];
    } else if (args[i].starts_with("-")) {
      err << "backup: unknown option \"" << args[i] << "\"\n";
      return 2;
    } else {
      positional.push_back(args[i]);
    }
  }
  if (!config_file || positional.size() != 1) {
    err << "backup: " << (config_file ? "one OUT file is required" : "--config FILE is required")
        << "\n"
        << kUsage;
    return 2;
  }
  auto loaded = LoadAndReport(*config_file, err);
  if (!loaded.ok()) {
    return 2;
  }
  SystemClock clock;
  auto log = EventLog::Open(loaded->config.service.data_dir, clock, {.read_only = true});
  if (!log.ok()) {
    err << "backup: " << log.status().message() << "\n";
    return 1;
  }
  const std::filesystem::path target(positional.front());
  if (auto s = (*log)->BackupTo(target); !s.ok()) {
    err << "backup: " << s.message() << "\n";
    return 1;
  }
  // What the copy holds, read from the copy itself.
  auto copy = EventLog::OpenFile(target, clock, {.read_only = true});
  if (!copy.ok()) {
    err << "backup: the copy at " << target.string()
        << " cannot be read back: " << copy.status().message() << "\n";
    return 1;
  }
  auto verdict = (*copy)->IntegrityCheck();
  auto last = (*copy)->LastSeq();
  if (!verdict.ok() || *verdict != "ok" || !last.ok()) {
    err << "backup: the copy at " << target.string()
        << " does not check out: " << (verdict.ok() ? *verdict : verdict.status().message())
        << "\n";
    return 1;
  }
  out << "backed up the event log through seq " << last->value() << " to " << target.string()
      << "\n";
  if (auto offset = (*copy)->FoldState("replication/next_offset"); offset.ok()) {
    for (const auto& [key, value] : *offset) {
      if (key == "replication/next_offset") {
        out << "  a replica restored from it reads " << loaded->config.replication.events_topic
            << " from offset " << value << "\n";
      }
    }
  }
  return 0;
}

int RunReplay(const Args& args, std::ostream& out, std::ostream& err) {
  Options opts(args, {"--config"}, {"--verify"});
  if (opts.help()) {
    out << "usage: tributary replay --config FILE [--verify]\n"
           "  Rebuilds every projection from the event log and stores fresh snapshots.\n"
           "  --verify only compares the digests of the rebuilt projections with the live\n"
           "  state (latest snapshot + tail) and exits 1 when they differ.\n";
    return 0;
  }
  if (!opts.error().empty() || !opts.has("--config")) {
    err << "replay: " << (opts.error().empty() ? "--config FILE is required" : opts.error())
        << "\n";
    return 2;
  }
  auto loaded = LoadAndReport(*opts.get("--config"), err);
  if (!loaded.ok()) {
    return 2;
  }
  SystemClock clock;
  auto log = EventLog::Open(loaded->config.service.data_dir, clock);
  if (!log.ok()) {
    err << "replay: " << log.status().message() << "\n";
    return 1;
  }
  // The same projections as the service, built from zero.
  struct Projections {
    explicit Projections(const Config& config)
        : lineage(RoutesOf(config)),
          tracker({}, catalog, schemas, [this] { return lineage.snapshot(); }),
          governance(GovernanceOptionsOf(config), catalog, schemas,
                     [this] { return lineage.snapshot(); }),
          health({}, {}, catalog, [this] { return lineage.snapshot(); }) {}
    CatalogProjection catalog;
    SchemaProjection schemas;
    EventCountsProjection counts;
    graph::LineageProjection lineage;
    tracking::Tracker tracker;          // applies recorded decisions; replay never decides
    governance::Governance governance;  // the same
    health::HealthTracker health;       // the same: statuses come from consumer_status_changed
    std::vector<Projection*> all() {
      return {&catalog, &schemas, &counts, &lineage, &tracker, &governance, &health};
    }
  };
  Projections rebuilt_set(loaded->config);
  ProjectionHost rebuilt(**log, rebuilt_set.all());
  if (auto s = rebuilt.Replay(); !s.ok()) {
    err << "replay: " << s.message() << "\n";
    return 1;
  }
  const auto from_zero = rebuilt.Digests();
  if (!opts.has("--verify")) {
    if (auto s = rebuilt.WriteSnapshots(); !s.ok()) {
      err << "replay: " << s.message() << "\n";
      return 1;
    }
    out << "replayed " << rebuilt.applied_seq().value() << " events\n";
    for (const auto& [name, digest] : from_zero) {
      out << "  " << name << " " << digest << "\n";
    }
    return 0;
  }
  Projections live_set(loaded->config);
  ProjectionHost live(**log, live_set.all());
  if (auto s = live.Recover(); !s.ok()) {
    err << "replay: " << s.message() << "\n";
    return 1;
  }
  const auto live_digests = live.Digests();
  bool same = true;
  out << "replayed " << rebuilt.applied_seq().value() << " events\n";
  for (const auto& [name, digest] : from_zero) {
    const auto& other = live_digests.at(name);
    const bool match = digest == other;
    same = same && match;
    out << "  " << name << " replay " << digest << " live " << other
        << (match ? " ok" : " MISMATCH") << "\n";
  }
  if (!same) {
    err << "replay: projection digests differ between replay and live state\n";
    return 1;
  }
  return 0;
}

namespace {

// The demo's clock: starts at the real now and runs `speed` times faster, so
// the service's timers (reminders, idle consumers) keep pace with the
// simulator's compressed time once ingestion has caught up.
class SpeedClock final : public Clock {
 public:
  explicit SpeedClock(double speed)
      : start_(SystemClock().Now()),
        steady_start_(std::chrono::steady_clock::now()),
        speed_(speed) {}
  // Simulated time `start()` was the real now at steady time `steady_start()`.
  Timestamp start() const { return start_; }
  std::chrono::steady_clock::time_point steady_start() const { return steady_start_; }
  Timestamp Now() const override {
    const auto real = std::chrono::steady_clock::now() - steady_start_;
    return start_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(
                        std::chrono::duration<double, std::milli>(real).count() * speed_));
  }

 private:
  Timestamp start_;
  std::chrono::steady_clock::time_point steady_start_;
  double speed_;
};

// What the demo's webhook channel posted to /demo/inbox, newest first.
class DemoInbox {
 public:
  void Add(nlohmann::json item) {
    std::lock_guard lock(mu_);
    items_.push_front(std::move(item));
    if (items_.size() > 500) {
      items_.pop_back();
    }
  }
  nlohmann::json Items() const {
    std::lock_guard lock(mu_);
    return nlohmann::json(std::vector<nlohmann::json>(items_.begin(), items_.end()));
  }

 private:
  mutable std::mutex mu_;
  std::deque<nlohmann::json> items_;
};

// The demo's command line.
struct DemoArgs {
  long port = 8080;
  long seed = 1;
  double speed = 60;
  std::optional<std::string> data_dir;
  long replicas = 1;
};

constexpr const char* kDemoUsage =
    "usage: tributary demo [--port N] [--seed N] [--speed X] [--data-dir D] [--replicas N]\n"
    "  A living data mesh: an embedded Kafka (librdkafka's mock cluster), a\n"
    "  simulator writing every source format into it (a stock-trading company's\n"
    "  products, teams, consumer groups, schema changes, a deprecation, ACLs), and\n"
    "  the service reading it exactly as in production, with its notifications\n"
    "  going to a webhook inbox and a loopback SMTP server shown in the UI.\n"
    "  --speed X  simulated seconds per real second (default 60)\n"
    "  --seed N   the simulator's random seed (default 1)\n"
    "  --replicas N  run N replicas (1-5) with [replication] on the embedded cluster,\n"
    "             on ports N, N+1, ...; the UI says which one answered and who leads\n"
    "  Data goes to D, else to a new temporary directory.\n";

// The arguments, or the exit code when the command ends here (--help, a bad argument).
std::variant<DemoArgs, int> ParseDemoArgs(const Args& args, std::ostream& out, std::ostream& err) {
  Options opts(args, {"--port", "--seed", "--speed", "--data-dir", "--replicas"}, {});
  if (opts.help()) {
    out << kDemoUsage;
    return 0;
  }
  if (!opts.error().empty()) {
    err << "demo: " << opts.error() << "\n";
    return 2;
  }
  const auto port = ToLong(opts.get("--port").value_or("8080"));
  if (!port || *port < 0 || *port > 65535) {
    err << "demo: --port must be a port number\n";
    return 2;
  }
  const auto seed = ToLong(opts.get("--seed").value_or("1"));
  const double speed = std::strtod(opts.get("--speed").value_or("60").c_str(), nullptr);
  if (!seed || *seed < 0) {
    err << "demo: --seed must be a non-negative integer\n";
    return 2;
  }
  if (!(speed > 0) || speed > 1e6) {
    err << "demo: --speed must be a positive number up to 1000000\n";
    return 2;
  }
  const auto replicas = ToLong(opts.get("--replicas").value_or("1"));
  if (!replicas || *replicas < 1 || *replicas > 5) {
    err << "demo: --replicas must be 1 to 5\n";
    return 2;
  }
  return DemoArgs{*port, *seed, speed, opts.get("--data-dir"), *replicas};
}

// `requested`, else a new temporary directory; nullopt when it cannot be made.
std::optional<std::string> DemoDataDir(const std::optional<std::string>& requested) {
  if (requested) {
    return requested;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "tributary-demo-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return std::nullopt;
  }
  return tmpl;
}

// `requested`, or for 0 a free loopback port, so that the webhook channel can
// name the port before the service listens on it.
std::uint16_t DemoHttpPort(long requested) {
  auto http_port = static_cast<std::uint16_t>(requested);
  if (http_port == 0) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    http_port = ntohs(addr.sin_port);
  }
  return http_port;
}

// The demo's channels: a webhook to the service's own /demo/inbox and email to
// the loopback SMTP receiver.
std::vector<ChannelConfig> DemoChannels(const std::string& base, std::uint16_t smtp_port) {
  ChannelConfig inbox;
  inbox.name = "demo-inbox";
  inbox.type = "webhook";
  inbox.url = base + "/demo/inbox";
  ChannelConfig email;
  email.name = "demo-email";
  email.type = "email";
  email.smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp_port);
  email.require_tls = false;  // a loopback receiver the demo runs itself
  email.from = "tributary@demo.example";
  email.to = {"teams@demo.example"};
  return {inbox, email};
}

// The cluster the demo's mirror job writes to: known by its address (the
// OpenLineage namespace), in another region; nothing is read from it.
constexpr const char* kDemoMirrorBootstrap = "us-east-1.demo.internal:9092";

// The teams the demo's sign-off story speaks for, each with an owner token
// "demo-<team>" (the simulator calls the API as their tooling would; a person
// may paste one into the UI).
const std::vector<std::string>& DemoTokenTeams() {
  static const std::vector<std::string> teams = {"user-identity", "growth", "customer-insights",
                                                 "analytics-streaming", "trade-gateway"};
  return teams;
}
std::string DemoToken(const std::string& team) { return "demo-" + team; }

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// The demo's governance: personal data, locality, complete metadata, and
// approvals of the readers of personal data that were agreed outside Tributary.
GovernanceConfig DemoGovernance() {
  GovernanceConfig g;
  g.team = "compliance";
  governance::PolicySpec required;
  required.id = "required-metadata";
  required.kind = "required_fields";
  required.severity = "block";
  required.fields = {"domain", "owner", "description", "quality", "sla"};
  governance::PolicySpec pii;
  pii.id = "gdpr-pii";
  pii.kind = "pii";
  pii.severity = "block";
  governance::PolicySpec locality;
  locality.id = "eu-only";
  locality.kind = "locality";
  locality.severity = "warn";
  governance::PolicySpec typed;
  typed.id = "tier1-typed";
  typed.kind = "expression";
  typed.severity = "warn";
  typed.expression = R"(.product.sla != "tier-1" or .schema.type != "JSON")";
  typed.message = "tier-1 products need Avro or Protobuf schemas";
  g.policies = {required, pii, locality, typed};
  g.approvals = {{"group:demo/growth-campaigns", "users"},
                 {"group:demo/customer-360", "users"},
                 {"job:demo-ksqldb/us_enriched_stock_trades", "users"},
                 {"User:svc-flink", "users"},
                 {"group:demo/customer-360", "accounts"},
                 {"group:demo/portfolio-valuation", "accounts"},
                 {"User:svc-fraud-scan", "accounts"},
                 {"group:demo/us-trade-reporting", "us_enriched_stock_trades"}};
  auto compiled = governance::PolicySet::Compile(g.policies, g.pii_tags);
  g.compiled = compiled.ok() ? *compiled : nullptr;  // constant policies: they compile
  return g;
}

// Every source read from the embedded cluster "demo", notifications to the demo channels.
Config DemoConfig(const std::string& data_dir, std::uint16_t http_port,
                  const std::string& bootstrap_servers, std::uint16_t smtp_port) {
  Config config;
  config.service.data_dir = data_dir;
  config.service.http_host = "127.0.0.1";
  config.service.http_port = http_port;
  config.clusters.push_back({"demo", "lkc-demo", bootstrap_servers, "eu-west-1", {}});
  config.clusters.push_back({"demo-us", "", kDemoMirrorBootstrap, "us-east-1", {}});
  config.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "demo"};
  config.sources.schemas = SchemaSourceConfig{"_schemas", "", "", std::chrono::seconds(30), "demo"};
  config.sources.audit_log = TopicSourceConfig{"confluent-audit-log-events", "demo"};
  config.sources.catalog = TopicSourceConfig{"tributary.catalog", "demo"};
  config.sources.openlineage = TopicSourceConfig{"openlineage.events", "demo"};
  // Simulated time: a deprecation's sunset is 3 simulated days away.
  config.tracking.consumer_idle_after = std::chrono::minutes(15);
  config.tracking.progress_interval = std::chrono::minutes(10);
  config.tracking.reminders_before_sunset = {std::chrono::days(2), std::chrono::days(1),
                                             std::chrono::hours(6)};
  config.notifications.allow_hosts = {"127.0.0.1"};
  config.notifications.digest_window = std::chrono::minutes(0);
  config.channels = DemoChannels("http://127.0.0.1:" + std::to_string(http_port), smtp_port);
  config.notifications.fallback_channel = "demo-inbox";
  // End offsets every 2 s of real time: the demo's laggard commits every 6 s
  // or more, so each of its commits has its own end offset (DESIGN.md §10).
  config.health.offsets_interval = std::chrono::seconds(2);
  config.governance = DemoGovernance();
  for (const auto& team : DemoTokenTeams()) {
    TokenConfig token;
    token.name = team + "-demo";
    token.sha256 = Sha256Hex(DemoToken(team));
    token.role = "owner";
    token.team = team;
    config.auth.tokens.push_back(std::move(token));
  }
  return config;
}

std::size_t CollectBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// POST `base` + path with a JSON body and a bearer token: (status, body), or
// (0, the transport error).
std::pair<int, std::string> DemoApiPost(const std::string& base, const std::string& path,
                                        const std::string& body, const std::string& token) {
  std::pair<int, std::string> answer{0, ""};
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return {0, "cannot initialise libcurl"};
  }
  const std::string url = base + path;
  const std::string auth = "Authorization: Bearer " + token;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, auth.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.second);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (const CURLcode rc = curl_easy_perform(curl); rc != CURLE_OK) {
    answer.second = curl_easy_strerror(rc);
  } else {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    answer.first = static_cast<int>(status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

sim::SimulatorOptions DemoSimulatorOptions(const std::string& bootstrap_servers,
                                           const DemoArgs& demo, const SpeedClock& clock,
                                           const std::string& base) {
  sim::SimulatorOptions sim_options;
  // The simulator's clock is the services' clock: commit times and record
  // timestamps read as the service's now does.
  sim_options.origin = clock.start();
  sim_options.origin_steady = clock.steady_start();
  sim_options.bootstrap_servers = bootstrap_servers;
  sim_options.seed = static_cast<std::uint64_t>(demo.seed);
  sim_options.speed = demo.speed;
  sim_options.cluster = "demo";
  sim_options.cluster_id = "lkc-demo";
  sim_options.webhook_channel = "demo-inbox";
  sim_options.email_channel = "demo-email";
  sim_options.mirror_namespace = std::string("kafka://") + kDemoMirrorBootstrap;
  sim_options.api_post = [base](const std::string& path, const std::string& body,
                                const std::string& token) {
    return DemoApiPost(base, path, body, token);
  };
  for (const auto& team : DemoTokenTeams()) {
    sim_options.team_tokens[team] = DemoToken(team);
  }
  return sim_options;
}

// The UI's demo page: the simulator's storyline, the webhooks received and the
// emails the SMTP receiver holds, newest first.
// REQUIRES: `simulator`, `received` and `smtp_server` outlive the view.
http::DemoView MakeDemoView(const std::unique_ptr<sim::Simulator>& simulator,
                            const DemoInbox& received, sim::SmtpReceiver* smtp_server) {
  http::DemoView view;
  view.storyline = [&simulator] {
    return simulator ? simulator->Storyline() : std::vector<std::string>{};
  };
  view.webhooks = [&received] { return received.Items(); };
  view.emails = [smtp_server] {
    nlohmann::json emails = nlohmann::json::array();
    auto messages = smtp_server->Messages();
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      const auto content = sim::ExtractEmailContent(it->data);
      emails.push_back({{"received_at", FormatRfc3339(it->received)},
                        {"subject", content.subject},
                        {"to", content.to},
                        {"text", content.text}});
    }
    return emails;
  };
  return view;
}

// POST /demo/inbox: where the demo's webhook channel delivers.
// REQUIRES: `received` and `clock` outlive the router.
std::function<void(http::Router&)> DemoInboxRoute(DemoInbox& received, const Clock& clock) {
  return [&received, &clock](http::Router& router) {
    router.Add("POST", "/demo/inbox", [&received, &clock](const http::Request& r) {
      const auto body = nlohmann::json::parse(r.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || !body.contains("data")) {
        return http::Response::Error(400, "bad_request", "expected a Tributary webhook payload");
      }
      const auto& data = body["data"];
      received.Add({{"received_at", FormatRfc3339(clock.Now())},
                    {"title", data.value("title", "")},
                    {"text", data.value("text", "")},
                    {"kind", data.value("kind", "")},
                    {"team", data.value("team", "")}});
      return http::Response::Json(200, {{"received", true}});
    });
  };
}

void PrintDemoBanner(std::ostream& out, const DemoArgs& demo, const std::string& base,
                     const std::string& bootstrap_servers, const std::string& data_dir,
                     const std::vector<std::uint16_t>& ports) {
  out << "Tributary demo: a simulated data mesh at " << demo.speed << "x speed (seed " << demo.seed
      << ")\n"
      << "  open:   " << base << "/\n";
  for (std::size_t i = 1; i < ports.size(); ++i) {
    out << "  replica demo-" << i << ": http://127.0.0.1:" << ports[i] << "/\n";
  }
  out << "  inbox:  " << base << "/ui/demo (what the teams were told)\n"
      << "  api:    " << base << "/api/v1/products\n"
      << "  tokens: demo-<team> is an owner token of <team> (user-identity, growth,\n"
      << "          customer-insights, analytics-streaming, trade-gateway): sign in at\n"
      << "          " << base << "/ui/signin to publish, decide and sign off\n"
      << "  kafka:  " << bootstrap_servers << " (embedded mock cluster)\n"
      << "  data:   " << data_dir << "\n"
      << "Ctrl-C stops it.\n"
      << std::flush;
}

}  // namespace

int RunDemo(const Args& args, std::ostream& out, std::ostream& err) {
  auto parsed = ParseDemoArgs(args, out, err);
  if (const int* exit_code = std::get_if<int>(&parsed)) {
    return *exit_code;
  }
  const DemoArgs& demo = std::get<DemoArgs>(parsed);
  const auto data_dir = DemoDataDir(demo.data_dir);
  if (!data_dir) {
    err << "demo: cannot create a temporary directory\n";
    return 1;
  }
  if (auto s = SetUpLogging("text", "info"); !s.ok()) {
    err << "demo: " << s.message() << "\n";
    return 1;
  }
  auto kafka = sim::MockKafka::Start(1, sim::DefaultTopics());
  if (!kafka.ok()) {
    err << "demo: " << kafka.status().message() << "\n";
    return 1;
  }
  // The consumer-health story's topic (sim/simulator.h).
  if (auto s = (*kafka)->CreateTopic({sim::kMarketTicksTopic, sim::kMarketTicksPartitions});
      !s.ok()) {
    err << "demo: " << s.message() << "\n";
    return 1;
  }
  auto smtp = sim::SmtpReceiver::Start("127.0.0.1", 0);
  if (!smtp.ok()) {
    err << "demo: " << smtp.status().message() << "\n";
    return 1;
  }
  const std::uint16_t http_port = DemoHttpPort(demo.port);
  const std::string base = "http://127.0.0.1:" + std::to_string(http_port);
  const std::string bootstrap_servers = (*kafka)->bootstrap_servers();

  SpeedClock clock(demo.speed);
  DemoInbox received;
  std::unique_ptr<sim::Simulator> simulator;
  // One service, or `replicas` of them sharing the embedded cluster; every
  // replica's webhook channel is the first one's inbox.
  std::vector<std::uint16_t> ports = {http_port};
  std::vector<std::unique_ptr<Service>> services;
  for (long i = 0; i < demo.replicas; ++i) {
    if (i > 0) {
      ports.push_back(DemoHttpPort(demo.port == 0 ? 0 : demo.port + i));
    }
    auto config = DemoConfig(*data_dir, http_port, bootstrap_servers, (*smtp)->port());
    config.service.http_port = ports.back();
    if (demo.replicas > 1) {
      config.service.data_dir =
          (std::filesystem::path(*data_dir) / ("replica-" + std::to_string(i))).string();
      config.service.replica_id = "demo-" + std::to_string(i);
      config.replication.enabled = true;
      config.replication.cluster = "demo";
    }
    services.push_back(std::make_unique<Service>(std::move(config), clock));
    services.back()->SetDemo(MakeDemoView(simulator, received, smtp->get()),
                             DemoInboxRoute(received, clock));
  }
  const auto stop_all = [&] {
    for (auto it = services.rbegin(); it != services.rend(); ++it) {
      (*it)->Stop();
    }
  };
  for (auto& service : services) {
    if (auto s = service->Start(); !s.ok()) {
      err << "demo: " << s.message() << "\n";
      stop_all();
      return 1;
    }
  }
  auto started = sim::Simulator::Start(DemoSimulatorOptions(bootstrap_servers, demo, clock, base));
  if (!started.ok()) {
    err << "demo: " << started.status().message() << "\n";
    stop_all();
    return 1;
  }
  simulator = std::move(started).value();
  PrintDemoBanner(out, demo, base, bootstrap_servers, *data_dir, ports);
  const int sig = WaitForShutdownSignal();
  spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  simulator->Stop();
  stop_all();
  (*smtp)->Stop();
  return 0;
}

int RunDevbroker(const Args& args, std::ostream& out, std::ostream& err) {
  Options opts(args, {"--brokers"}, {});
  if (opts.help()) {
    out << "usage: tributary devbroker [--brokers N]\n"
           "  Runs librdkafka's mock Kafka cluster on loopback with Tributary's source\n"
           "  topics and prints bootstrap.servers. Ctrl-C stops it. The mock cluster\n"
           "  does not write __consumer_offsets and does not answer ListGroups: groups\n"
           "  of real consumers never appear (see the note it prints).\n";
    return 0;
  }
  if (!opts.error().empty()) {
    err << "devbroker: " << opts.error() << "\n";
    return 2;
  }
  const auto brokers = ToLong(opts.get("--brokers").value_or("1"));
  if (!brokers || *brokers < 1 || *brokers > 16) {
    err << "devbroker: --brokers must be between 1 and 16\n";
    return 2;
  }
  auto kafka = sim::MockKafka::Start(static_cast<int>(*brokers), sim::DefaultTopics());
  if (!kafka.ok()) {
    err << "devbroker: " << kafka.status().message() << "\n";
    return 1;
  }
  out << "bootstrap.servers=" << (*kafka)->bootstrap_servers() << "\n";
  for (const auto& t : sim::DefaultTopics()) {
    out << "topic " << t.name << " partitions=" << t.partitions << "\n";
  }
  out << "note: librdkafka's mock cluster does not write __consumer_offsets and does not\n"
         "  answer ListGroups, so the groups of consumers run against it (kcat -G, kafkajs,\n"
         "  ...) never appear in Tributary. Groups appear when their offset commits and\n"
         "  group metadata are written into __consumer_offsets, as `tributary demo` does\n"
         "  (its simulator, src/sim/simulator.h, writes them with\n"
         "  src/ingest/consumer_offsets/consumer_offsets_encoder.h).\n"
      << std::flush;
  WaitForShutdownSignal();
  return 0;
}

int RunVersion(const Args&, std::ostream& out, std::ostream&) {
  out << "tributary " << TRIBUTARY_VERSION << " (commit " << TRIBUTARY_GIT_COMMIT << ")\n"
      << "  compiler  " << __VERSION__ << "\n"
      << "  librdkafka " << rd_kafka_version_str() << "\n"
      << "  sqlite    " << sqlite3_libversion() << "\n";
  return 0;
}

}  // namespace tributary
