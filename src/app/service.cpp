#include "app/service.h"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "app/sources.h"
#include "ingest/end_offsets/end_offsets_source.h"
#include "notifiers/channel_registry.h"

namespace tributary {
namespace {

// The data dir and the log are the service's alone (0700/0600): a looser mode
// left by an operator or an old release is reported, not changed.
void ReportLooseModes(const std::filesystem::path& data_dir) {
  const auto check = [](const std::filesystem::path& path, bool dir) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      spdlog::warn("{} {} is readable by others (mode {:o}); chmod {} it",
                   dir ? "data dir" : "file", path.string(), st.st_mode & 0777,
                   dir ? "700" : "600");
    }
  };
  check(data_dir, true);
  for (const char* name : {"tributary.db", "tributary.db-wal", "tributary.db-shm"}) {
    check(data_dir / name, false);
  }
}

}  // namespace

governance::GovernanceOptions GovernanceOptionsOf(const Config& config) {
  governance::GovernanceOptions options;
  options.team = config.governance.team;
  options.pii_tags = config.governance.pii_tags;
  options.proposal_ttl = config.governance.proposal_ttl;
  for (const auto& c : config.clusters) {
    options.regions[c.name] = c.region;
    options.bootstrap[c.name] = c.bootstrap_servers;
    if (c.acl_management) {
      options.acl_managed_clusters.insert(c.name);
    }
  }
  for (const auto& a : config.governance.approvals) {
    options.approvals.push_back({a.principal, a.product});
  }
  options.policies = config.governance.compiled;
  return options;
}

Service::Service(Config config, const Clock& clock, std::function<void(const Status&)> on_fatal)
    : config_(std::move(config)), clock_(clock), on_fatal_(std::move(on_fatal)) {}

Service::~Service() { Stop(); }

Status Service::Start() {
  for (auto step : {&Service::LoadTemplatesAndAuth, &Service::OpenLog, &Service::WireWriter,
                    &Service::OpenCatalogWriter}) {
    if (auto s = (this->*step)(); !s.ok()) {
      return s;
    }
  }
  BuildRoutes();
  for (auto step : {&Service::StartServer, &Service::StartWriter, &Service::StartDispatcher}) {
    if (auto s = (this->*step)(); !s.ok()) {
      return s;
    }
  }
  ready_ = true;
  spdlog::info("listening on {}://{}:{}", config_.service.tls_cert.empty() ? "http" : "https",
               config_.service.http_host, server_->port());
  return Status::Ok();
}

Status Service::LoadTemplatesAndAuth() {
  // Every template is parsed before anything starts: a broken one stops here.
  auto templates = notifiers::LoadTemplates(config_.notifications.templates_dir);
  if (!templates.ok()) {
    return templates.status();
  }
  templates_ = std::make_unique<notifiers::TemplateSet>(std::move(templates).value());
  http::AuthOptions auth_options;
  auth_options.anonymous_read = config_.auth.anonymous_read;
  for (const auto& t : config_.auth.tokens) {
    auth_options.tokens.push_back(
        {t.name, t.sha256, t.role, t.team, t.expires, t.lineage_namespaces});
  }
  auto auth = http::Authenticator::Create(auth_options, clock_);
  if (!auth.ok()) {
    return auth.status();
  }
  auth_ = std::make_unique<http::Authenticator>(std::move(auth).value());
  return Status::Ok();
}

Status Service::OpenLog() {
  auto log = EventLog::Open(config_.service.data_dir, clock_);
  if (!log.ok()) {
    return log.status();
  }
  log_ = std::move(log).value();
  ReportLooseModes(config_.service.data_dir);
  graph::Routes routes;
  for (const auto& r : config_.routes) {
    routes.emplace_back(r.match, r.team);
  }
  lineage_ = std::make_unique<graph::LineageProjection>(std::move(routes));
  tracking::TrackingOptions tracking_options;
  tracking_options.reminders_before_sunset = config_.tracking.reminders_before_sunset;
  tracking_options.dual_support_grace = config_.tracking.dual_support_grace;
  tracking_options.last_produced = [this](const std::string& topic) -> std::optional<Timestamp> {
    const auto view = health_ ? health_->published() : nullptr;
    if (view == nullptr) {
      return std::nullopt;
    }
    auto it = view->topics.find(topic);
    if (it == view->topics.end() || !it->second.stream.last_produced_ms) {
      return std::nullopt;
    }
    return FromMillis(*it->second.stream.last_produced_ms);
  };
  for (const auto& c : config_.clusters) {
    tracking_options.clusters.push_back(c.name);
  }
  tracker_ = std::make_unique<tracking::Tracker>(std::move(tracking_options), catalog_, schemas_,
                                                 [this] { return lineage_->snapshot(); });
  governance_ = std::make_unique<governance::Governance>(
      GovernanceOptionsOf(config_), catalog_, schemas_, [this] { return lineage_->snapshot(); });
  // Consumer health (DESIGN.md §10): evaluated over the model of the cluster
  // whose __consumer_offsets is read.
  std::vector<health::HealthModel*> models;
  if (config_.health.enabled && config_.sources.consumer_offsets) {
    health_model_ = std::make_unique<health::HealthModel>(health::HealthModelOptions{
        config_.sources.consumer_offsets->cluster, static_cast<std::size_t>(config_.health.window),
        std::chrono::seconds(1), 32});
    models.push_back(health_model_.get());
  }
  health_ = std::make_unique<health::HealthTracker>(
      health::HealthOptions{config_.health.offsets_interval, config_.health.alert_after,
                            config_.health.risk_ratio},
      std::move(models), catalog_, [this] { return lineage_->snapshot(); });
  // The deciders come last: they decide over the state the others have applied.
  projections_ = std::make_unique<ProjectionHost>(
      *log_, std::vector<Projection*>{&catalog_, &schemas_, &counts_, lineage_.get(),
                                      tracker_.get(), governance_.get(), health_.get()});
  // Readers see each batch whole: the writer publishes after applying it.
  projections_->SetAfterApply([this] {
    lineage_->Publish();
    catalog_.Publish();
    schemas_.Publish();
    tracker_->Publish();
    governance_->Publish();
  });
  if (auto s = projections_->Recover(); !s.ok()) {
    return s;
  }
  spdlog::info("event log {}: {} events applied", log_->path().string(),
               projections_->applied_seq().value());
  readers_ = std::make_unique<LogReaders>(config_.service.data_dir, clock_);
  return Status::Ok();
}

Status Service::WireWriter() {
  const bool replicated = config_.replication.enabled;
  log_writer_ = std::make_unique<log::LogWriter>(*log_, *projections_);
  pipeline_ = std::make_unique<ingest::IngestPipeline>(*log_writer_, *log_writer_);
  HealthWiring health;
  health.model = health_model_.get();
  if (health.model != nullptr) {
    health.product_topics = [this, cluster = health.model->cluster()] {
      std::vector<std::string> topics;
      for (const auto& [name, p] : catalog_.state().products) {
        if (p.published.cluster == cluster && p.status != "retired") {
          topics.push_back(p.published.topic);
        }
      }
      return topics;
    };
  }
  auto wired = WireSources(config_, *pipeline_, health);
  if (!wired.ok()) {
    return wired.status();
  }
  end_offsets_ = wired->end_offsets;
  // A replica decides only while it leads (DESIGN.md §8).
  std::vector<Decider*> deciders{tracker_.get(), governance_.get(), health_.get()};
  if (config_.store.compact_after.count() > 0) {
    compactor_ = std::make_unique<log::Compactor>(config_.store.compact_after);
    deciders.push_back(compactor_.get());
  }
  deciders_ = std::make_unique<DeciderSet>(std::move(deciders));
  if (auto s = log_writer_->SetDecider(*deciders_, !replicated); !s.ok()) {
    return s;
  }
  ingest::SourceFeedOptions feed_options;
  feed_options.clusters = std::move(wired->readers);
  feed_ = std::make_unique<ingest::SourceFeed>(std::move(feed_options), *pipeline_, *log_writer_,
                                               clock_);
  if (replicated) {
    log::replication::ReplicaFeedHooks hooks;
    hooks.lead = [this]() -> Status {
      feed_->Stop();
      if (auto s = pipeline_->RestoreAll(); !s.ok()) {
        return s;
      }
      return feed_->Start();
    };
    hooks.follow = [this] { feed_->Stop(); };
    auto replica = Replica::Open(
        config_, *log_, *projections_, *log_writer_, *feed_, std::move(hooks),
        [auth = auth_.get()](const WriteGrant& grant) { return auth->AuthorizeGrant(grant); },
        clock_);
    if (!replica.ok()) {
      return replica.status();
    }
    replica_ = std::move(replica).value();
  }
  log::WriterThreadOptions thread_options;
  thread_options.snapshot_every = config_.service.snapshot_every;
  thread_options.snapshot_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.service.snapshot_interval);
  // Compaction markers are carried out in small steps between batches; a
  // marker may also arrive from the leader, so every replica runs them.
  thread_options.housekeeping = [log = log_.get()] {
    constexpr std::size_t kStepEvents = 5000;
    if (auto step = log->CompactStep(kStepEvents); !step.ok()) {
      spdlog::warn("compaction: {}", step.status().message());
    } else if (step->removed > 0) {
      spdlog::debug("compaction: {} events considered, {} removed", step->considered,
                    step->removed);
    }
  };
  thread_options.idle = [this] { governance_->Publish(); };  // what the throttle skipped
  writer_thread_ = std::make_unique<log::WriterThread>(thread_options, *log_writer_, *projections_,
                                                       replicated ? replica_->feed() : *feed_,
                                                       clock_, on_fatal_);
  api_writer_ = std::make_unique<log::WriterClient>(*writer_thread_, std::chrono::seconds(10));
  dispatcher_writer_ =
      std::make_unique<log::WriterClient>(*writer_thread_, std::chrono::seconds(30));
  if (replicated) {
    return Status::Ok();
  }
  lineage_intake_ = std::make_unique<ingest::openlineage::OpenLineageIntake>(
      ingest::ClusterDirectory(ClusterInfos(config_)), *api_writer_);
  return lineage_intake_->Restore(*log_writer_);
}

Status Service::OpenCatalogWriter() {
  CatalogWriterOptions options;
  options.timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.service.write_timeout);
  if (const auto& catalog = config_.sources.catalog) {
    const auto& name = catalog->cluster.empty() && !config_.clusters.empty()
                           ? config_.clusters.front().name
                           : catalog->cluster;
    for (const auto& c : config_.clusters) {
      if (c.name == name) {
        options.kafka =
            log::replication::KafkaClientConfig{c.name, c.bootstrap_servers, c.properties};
      }
    }
    if (!options.kafka) {
      return InvalidArgument("sources.catalog: no cluster named \"" + name + "\"");
    }
    options.topic = catalog->topic;
  }
  Writer& writer = replica_ ? replica_->api_writer() : *api_writer_;
  auto opened = CatalogWriter::Open(
      std::move(options), writer,
      [readers = readers_.get()](const std::string& source) { return readers->Offsets(source); },
      clock_);
  if (!opened.ok()) {
    return opened.status();
  }
  catalog_writer_ = std::move(opened).value();
  return Status::Ok();
}

void Service::AddScrapeHook() {
  metrics_->AddScrapeHook([this](http::Metrics& m) {
    if (pipeline_ && log_writer_) {
      const auto& c = log_writer_->counters();
      for (const auto& s : pipeline_->source_totals()) {
        m.SetIngestTotals(s.name, {s.records, s.quarantined, 0});
      }
      m.SetIngestEventsTotal(c.events.load());
    }
    if (feed_) {
      for (const auto& [source, behind] : feed_->lag_by_source()) {
        m.SetIngestLag(source, static_cast<double>(behind));
      }
      m.SetSourceGapRecordsTotal(feed_->gap_records());
    }
    if (health_model_) {
      std::vector<http::Metrics::ConsumerLag> series;
      const auto view = health_->published();
      for (const auto& c : view->consumers) {
        const std::size_t first = series.size();
        for (const auto& p : c.partitions) {
          if (series.size() == first || series.back().topic != p.topic) {
            series.push_back({c.cluster, c.group, p.topic, 0, std::nullopt});
          }
          auto& s = series.back();
          s.lag += p.lag.value_or(0);
          if (p.lag_seconds && (!s.lag_seconds || *p.lag_seconds > *s.lag_seconds)) {
            s.lag_seconds = p.lag_seconds;
          }
        }
      }
      m.SetConsumerLag(std::move(series),
                       static_cast<std::size_t>(config_.health.metrics_series_cap));
    }
    if (replica_) {
      const auto r = replica_->Describe();
      m.SetReplica(r["role"] == "leader", r["epoch"].get<std::int64_t>(),
                   r["apply_lag"].get<std::int64_t>());
    }
    if (const auto* dispatcher = dispatcher_view_.load()) {
      const auto& c = dispatcher->counters();
      m.SetNotificationTotal("routed", c.routed.load());
      m.SetNotificationTotal("unroutable", c.unroutable.load());
      m.SetNotificationTotal("delivered", c.delivered.load());
      m.SetNotificationTotal("failed", c.failed.load());
      m.SetNotificationTotal("dead", c.dead.load());
      m.SetNotificationTotal("declined", c.declined.load());
    }
  });
}

void Service::BuildRoutes() {
  metrics_ = std::make_unique<http::Metrics>();
  AddScrapeHook();
  api_ = std::make_unique<http::ApiContext>();
  api_->graph = [this] { return lineage_->snapshot(); };
  api_->catalog = [this] { return catalog_.published(); };
  api_->schemas = [this] { return schemas_.published(); };
  api_->tracking = [this] { return tracker_->published(); };
  api_->governance = [this] { return governance_->published(); };
  api_->governance_options = &governance_->options();
  api_->health = [this] { return health_->published(); };
  api_->health_enabled = health_model_ != nullptr;
  api_->events = readers_.get();
  api_->notifications = readers_.get();
  api_->clock = &clock_;
  api_->auth = auth_.get();
  api_->metrics = metrics_.get();
  for (const auto& c : config_.clusters) {
    api_->clusters.push_back(c.name);
  }
  for (const auto& r : config_.routes) {
    api_->routes.emplace_back(r.match, r.team);
  }
  api_->writer = replica_ ? &replica_->api_writer() : api_writer_.get();
  api_->lineage = replica_ ? &replica_->lineage_intake() : lineage_intake_.get();
  api_->catalog_writes = catalog_writer_.get();
  sessions_ = std::make_unique<http::SessionStore>(clock_);
  api_->sessions = sessions_.get();
  api_->tls = !config_.service.tls_cert.empty();
  api_->default_deprecation_period = config_.tracking.default_deprecation_period;
  api_->next_version_topic = config_.tracking.next_version_topic;
  if (std::any_of(config_.clusters.begin(), config_.clusters.end(),
                  [](const ClusterConfig& c) { return c.acl_management; })) {
    acl_admin_ =
        std::make_unique<AclAdministrator>(config_.clusters, config_.service.write_timeout);
    api_->create_acl = [this](const AclBinding& acl) { return acl_admin_->Create(acl); };
  }
  for (const auto& t : config_.teams) {
    api_->config_teams[t.name] = t.contacts;
  }
  api_->ready = [this] {
    if (replica_) {  // a follower is ready once it applied the log as it was at start
      return ready_.load() && replica_->caught_up() && (!replica_->leading() || feed_->caught_up());
    }
    return ready_.load() && (!feed_ || feed_->caught_up());
  };
  api_->replica = [this] {
    if (replica_) {
      return replica_->Describe();
    }
    return nlohmann::json{{"replica_id", config_.service.replica_id},
                          {"role", "single"},
                          {"epoch", 0},
                          {"applied_offset", nullptr},
                          {"caught_up", ready_.load() && (!feed_ || feed_->caught_up())}};
  };
  api_->source_gaps = [this] { return feed_ ? feed_->gaps() : std::vector<SourceGap>{}; };
  api_->storage_fault = [this] { return log_->StorageFault(); };
  router_ = std::make_unique<http::Router>();
  http::AddApiRoutes(*router_, *api_);
  http::AddUiRoutes(*router_, *api_, demo_view_ ? &*demo_view_ : nullptr);
  if (demo_routes_) {
    demo_routes_(*router_);
  }
  router_->Add("GET", "/metrics",
               [this, scrape = http::MetricsHandler(*metrics_)](const http::Request& r) {
                 auto principal = auth_->Authenticate(r);
                 if (!principal.ok()) {
                   return http::ErrorResponse(principal.status());
                 }
                 if (auto s = auth_->AuthorizeRead(*principal); !s.ok()) {
                   return http::ErrorResponse(s);
                 }
                 return scrape(r);
               });
}

Status Service::StartServer() {
  http::ServerOptions server_options;
  server_options.host = config_.service.http_host;
  server_options.port = config_.service.http_port;
  server_options.tls_cert_file = config_.service.tls_cert;
  server_options.tls_key_file = config_.service.tls_key;
  server_options.is_heavy = [router = router_.get()](const http::Request& r) {
    return router->IsHeavy(r);
  };
  auto server = http::HttpServer::Start(server_options, http::Instrument(*router_, *metrics_));
  if (!server.ok()) {
    return server.status();
  }
  server_ = std::move(server).value();
  lifecycle_.Started("http server", [this] { server_->Stop(); });
  return Status::Ok();
}

Status Service::StartWriter() {
  if (replica_) {
    // The sources open when this replica leads; the group is left after the
    // writer thread stopped, so that nothing is appended after another leads.
    lifecycle_.Started("replica", [this] {
      feed_->Stop();
      replica_->Leave();
    });
  } else {
    if (auto s = feed_->Start(); !s.ok()) {
      return s;
    }
    lifecycle_.Started("sources", [this] { feed_->Stop(); });
  }
  if (auto s = writer_thread_->Start(); !s.ok()) {
    return s;
  }
  lifecycle_.Started("writer thread", [this] { writer_thread_->Stop(); });
  return Status::Ok();
}

Status Service::StartDispatcher() {
  // Notifications go out once everything that feeds them runs.
  guards_ = MakeEgressGuards(config_);
  auto channels = BuildChannels(config_, guards_, clock_);
  if (!channels.ok()) {
    return channels.status();
  }
  notifiers::DispatcherOptions dispatch;
  dispatch.fallback_channel = config_.notifications.fallback_channel;
  dispatch.digest_window = config_.notifications.digest_window;
  dispatch.max_attempts = static_cast<int>(config_.notifications.max_attempts);
  if (replica_) {
    dispatch.active = [this] { return replica_->leading(); };
  }
  dispatch.ui_link =
      UiLinks(std::string(config_.service.tls_cert.empty() ? "http" : "https") + "://" +
              config_.service.http_host + ":" + std::to_string(server_->port()));
  for (const auto& t : config_.teams) {
    dispatch.config_teams[t.name] = t.contacts;
    dispatch.preferences[t.name] = {t.kinds, t.min_severity, t.digest_window};
  }
  dispatcher_ = std::make_unique<notifiers::OutboxDispatcher>(
      std::move(dispatch), std::move(channels).value(), *templates_, *readers_, *dispatcher_writer_,
      [this] { return catalog_.published(); }, clock_);
  if (auto s = dispatcher_->Start(); !s.ok()) {
    return s;
  }
  dispatcher_view_ = dispatcher_.get();
  // Its last outcomes go through the writer, which stops after it.
  lifecycle_.Started("dispatcher", [this] {
    dispatcher_->Stop();
    dispatcher_view_ = nullptr;
  });
  return Status::Ok();
}

void Service::Stop() {
  ready_ = false;
  lifecycle_.StopAll();
  if (projections_ && log_) {
    if (auto s = projections_->WriteSnapshots(); !s.ok()) {
      spdlog::warn("could not write projection snapshots: {}", s.ToString());
    }
  }
  dispatcher_.reset();
  server_.reset();
  writer_thread_.reset();
  replica_.reset();
  feed_.reset();
  pipeline_.reset();
  catalog_writer_.reset();
  lineage_intake_.reset();
  api_writer_.reset();
  dispatcher_writer_.reset();
  log_writer_.reset();
  readers_.reset();
  projections_.reset();
  log_.reset();
}

std::uint16_t Service::http_port() const { return server_ ? server_->port() : 0; }

}  // namespace tributary
