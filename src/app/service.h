#pragma once
// Service: the composition root of `tributary serve`. One lifecycle (STYLE.md):
// the constructor only keeps the validated config; Start() opens the event log,
// recovers the projections, starts the HTTP listener and then ingestion (the
// things that take requests before the things that send them); Stop() reverses
// it, writing projection snapshots on the way out.
//
// Start/Stop are called from one thread. The ingest thread is the single
// writer: it applies events to the projections and publishes immutable read
// models that the HTTP handlers (on the server's threads) read.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "app/config.h"
#include "app/notifications.h"
#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "graph/lineage_projection.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "http/routes/api_routes.h"
#include "http/server.h"
#include "http/ui/ui_routes.h"
#include "ingest/ingest_runner.h"
#include "ingest/pipeline.h"
#include "notifiers/core/dispatcher.h"
#include "notifiers/templates/template_set.h"
#include "store/event_log.h"
#include "store/projection_host.h"
#include "tracking/tracker.h"

namespace tributary {

class Service {
 public:
  // `on_fatal` is called (from the ingest thread) when ingestion stops on a
  // fatal error; the owner should then stop the service and exit non-zero.
  Service(Config config, const Clock& clock, std::function<void(const Status&)> on_fatal = nullptr);
  ~Service();

  // For `tributary demo`, before Start(): what the UI's demo page shows and
  // the extra routes the demo serves (its webhook inbox).
  void SetDemo(http::DemoView view, std::function<void(http::Router&)> routes) {
    demo_view_ = std::move(view);
    demo_routes_ = std::move(routes);
  }

  Status Start();
  void Stop();

  std::uint16_t http_port() const;
  // Null before Start().
  const notifiers::OutboxDispatcher* dispatcher() const { return dispatcher_.get(); }
  const Config& config() const { return config_; }
  // The fatal error that stopped ingestion, if any.
  Status fatal() const { return runner_ ? runner_->fatal() : Status::Ok(); }

 private:
  // Appends through the single writer (the ingest thread) and waits for it.
  Result<AppendResult> Write(Batch batch, std::chrono::seconds timeout);

  Config config_;
  const Clock& clock_;
  std::function<void(const Status&)> on_fatal_;
  std::unique_ptr<EventLog> log_;
  CatalogProjection catalog_;
  SchemaProjection schemas_;
  EventCountsProjection counts_;
  std::unique_ptr<graph::LineageProjection> lineage_;
  std::unique_ptr<tracking::Tracker> tracker_;
  std::unique_ptr<ProjectionHost> projections_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::unique_ptr<ingest::IngestRunner> runner_;
  std::unique_ptr<http::Authenticator> auth_;
  std::unique_ptr<http::Metrics> metrics_;
  std::unique_ptr<http::ApiContext> api_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<notifiers::TemplateSet> templates_;
  EgressGuards guards_;
  std::unique_ptr<notifiers::OutboxDispatcher> dispatcher_;
  std::atomic<bool> ready_{false};
  std::optional<http::DemoView> demo_view_;
  std::function<void(http::Router&)> demo_routes_;
};

}  // namespace tributary
