#include "app/service.h"

#include <spdlog/spdlog.h>

namespace tributary {

Service::Service(Config config, const Clock& clock) : config_(std::move(config)), clock_(clock) {}

Service::~Service() { Stop(); }

http::Router Service::BuildRouter() {
  http::Router router;
  router.Add("GET", "/healthz", [](const http::Request&) {
    return http::Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/readyz", [this](const http::Request&) {
    if (ready_.load()) {
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

  router_ = std::make_unique<http::Router>(BuildRouter());
  http::ServerOptions options;
  options.host = config_.service.http_host;
  options.port = config_.service.http_port;
  auto server = http::HttpServer::Start(
      options, [router = router_.get()](const http::Request& r) { return router->Handle(r); });
  if (!server.ok()) {
    return server.status();
  }
  server_ = std::move(server).value();
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
  if (projections_ && log_) {
    if (auto s = projections_->WriteSnapshots(); !s.ok()) {
      spdlog::warn("could not write projection snapshots: {}", s.ToString());
    }
  }
  projections_.reset();
  log_.reset();
}

std::uint16_t Service::http_port() const { return server_ ? server_->port() : 0; }

}  // namespace tributary
