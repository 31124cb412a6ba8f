#include "app/service.h"

#include <spdlog/spdlog.h>

#include "app/sources.h"

namespace tributary {

Service::Service(Config config, const Clock& clock, std::function<void(const Status&)> on_fatal)
    : config_(std::move(config)), clock_(clock), on_fatal_(std::move(on_fatal)) {}

Service::~Service() { Stop(); }

http::Router Service::BuildRouter() {
  http::Router router;
  router.Add("GET", "/healthz", [](const http::Request&) {
    return http::Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/readyz", [this](const http::Request&) {
    if (ready_.load() && (!runner_ || runner_->caught_up())) {
      return http::Response::Json(200, {{"status", "ready"}});
    }
    return http::Response::Json(503, {{"status", "starting"}});
  });
  return router;
}

Status Service::Start() {
  auto log = EventLog::Open(config_.service.data_dir, clock_);
  if (!log.ok()) {
    return log.status();
  }
  log_ = std::move(log).value();
  projections_ = std::make_unique<ProjectionHost>(*log_, std::vector<Projection*>{&catalog_, &counts_});
  if (auto s = projections_->Recover(); !s.ok()) {
    return s;
  }
  spdlog::info("event log {}: {} events applied", log_->path().string(),
               projections_->applied_seq().value());

  pipeline_ = std::make_unique<ingest::IngestPipeline>(*log_, *projections_, clock_);
  auto readers = WireSources(config_, *pipeline_);
  if (!readers.ok()) {
    return readers.status();
  }

  router_ = std::make_unique<http::Router>(BuildRouter());
  http::ServerOptions server_options;
  server_options.host = config_.service.http_host;
  server_options.port = config_.service.http_port;
  auto server = http::HttpServer::Start(
      server_options, [router = router_.get()](const http::Request& r) { return router->Handle(r); });
  if (!server.ok()) {
    return server.status();
  }
  server_ = std::move(server).value();

  if (!readers->empty()) {
    ingest::IngestRunnerOptions options;
    options.clusters = std::move(readers->readers);
    options.snapshot_every = config_.service.snapshot_every;
    runner_ = std::make_unique<ingest::IngestRunner>(std::move(options), *pipeline_, *projections_,
                                                     clock_, on_fatal_);
    if (auto s = runner_->Start(); !s.ok()) {
      return s;
    }
  }
  ready_ = true;
  spdlog::info("listening on http://{}:{}", config_.service.http_host, server_->port());
  return Status::Ok();
}

void Service::Stop() {
  ready_ = false;
  if (server_) {
    server_->Stop();
    server_.reset();
  }
  if (runner_) {
    runner_->Stop();
  }
  if (projections_ && log_) {
    if (auto s = projections_->WriteSnapshots(); !s.ok()) {
      spdlog::warn("could not write projection snapshots: {}", s.ToString());
    }
  }
  runner_.reset();
  pipeline_.reset();
  projections_.reset();
  log_.reset();
}

std::uint16_t Service::http_port() const { return server_ ? server_->port() : 0; }

}  // namespace tributary
