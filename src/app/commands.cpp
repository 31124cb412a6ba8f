#include "app/commands.h"

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app/config.h"
#include "app/logging.h"
#include "app/service.h"
#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "graph/lineage_projection.h"
#include "sim/mock_kafka.h"
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
          tracker({}, catalog, schemas, [this] { return lineage.snapshot(); }) {}
    CatalogProjection catalog;
    SchemaProjection schemas;
    EventCountsProjection counts;
    graph::LineageProjection lineage;
    tracking::Tracker tracker;  // applies recorded decisions; replay never decides
    std::vector<Projection*> all() { return {&catalog, &schemas, &counts, &lineage, &tracker}; }
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

int RunDemo(const Args& args, std::ostream& out, std::ostream& err) {
  Options opts(args, {"--port", "--seed", "--speed", "--data-dir"}, {});
  if (opts.help()) {
    out << "usage: tributary demo [--port N] [--seed N] [--speed X] [--data-dir D]\n"
           "  Starts an embedded Kafka (librdkafka's mock cluster) and the service on\n"
           "  127.0.0.1. Data goes to D, else to a new temporary directory.\n";
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
  for (const char* numeric : {"--seed", "--speed"}) {
    if (auto v = opts.get(numeric); v && !ToLong(*v) && std::strtod(v->c_str(), nullptr) <= 0) {
      err << "demo: " << numeric << " must be a positive number\n";
      return 2;
    }
  }
  std::string data_dir;
  if (auto d = opts.get("--data-dir")) {
    data_dir = *d;
  } else {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tributary-demo-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      err << "demo: cannot create a temporary directory\n";
      return 1;
    }
    data_dir = tmpl;
  }
  if (auto s = SetUpLogging("text", "info"); !s.ok()) {
    err << "demo: " << s.message() << "\n";
    return 1;
  }
  auto kafka = sim::MockKafka::Start(1, sim::DefaultSourceTopics());
  if (!kafka.ok()) {
    err << "demo: " << kafka.status().message() << "\n";
    return 1;
  }
  Config config;
  config.service.data_dir = data_dir;
  config.service.http_host = "127.0.0.1";
  config.service.http_port = static_cast<std::uint16_t>(*port);
  config.clusters.push_back({"demo", "", (*kafka)->bootstrap_servers(), {}});
  config.sources.consumer_offsets = TopicSourceConfig{"__consumer_offsets", "demo"};
  config.sources.schemas = SchemaSourceConfig{"_schemas", "", "", std::chrono::seconds(30), "demo"};
  config.sources.audit_log = TopicSourceConfig{"confluent-audit-log-events", "demo"};
  config.sources.catalog = TopicSourceConfig{"tributary.catalog", "demo"};
  config.sources.openlineage = TopicSourceConfig{"openlineage.events", "demo"};
  SystemClock clock;
  Service service(std::move(config), clock);
  if (auto s = service.Start(); !s.ok()) {
    err << "demo: " << s.message() << "\n";
    return 1;
  }
  out << "Tributary demo\n"
      << "  http:   http://127.0.0.1:" << service.http_port() << "/healthz\n"
      << "  kafka:  " << (*kafka)->bootstrap_servers()
      << " (embedded mock cluster with the source topics)\n"
      << "  data:   " << data_dir << "\n"
      << "Not built yet: the simulated data mesh and the UI. The service reads every\n"
      << "source topic of the embedded cluster, which holds no data yet; the API\n"
      << "answers under http://127.0.0.1:" << service.http_port() << "/api/v1/.\n"
      << "Ctrl-C stops it.\n"
      << std::flush;
  const int sig = WaitForShutdownSignal();
  spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  service.Stop();
  return 0;
}

int RunDevbroker(const Args& args, std::ostream& out, std::ostream& err) {
  Options opts(args, {"--brokers"}, {});
  if (opts.help()) {
    out << "usage: tributary devbroker [--brokers N]\n"
           "  Runs librdkafka's mock Kafka cluster on loopback with Tributary's source\n"
           "  topics and prints bootstrap.servers. Ctrl-C stops it.\n";
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
  auto kafka = sim::MockKafka::Start(static_cast<int>(*brokers), sim::DefaultSourceTopics());
  if (!kafka.ok()) {
    err << "devbroker: " << kafka.status().message() << "\n";
    return 1;
  }
  out << "bootstrap.servers=" << (*kafka)->bootstrap_servers() << "\n";
  for (const auto& t : sim::DefaultSourceTopics()) {
    out << "topic " << t.name << " partitions=" << t.partitions << "\n";
  }
  out << std::flush;
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
