#pragma once
// Service: the composition root of `tributary serve`. One lifecycle (STYLE.md):
// the constructor only keeps the validated config; Start() opens the event log,
// recovers the projections, wires the writer and the sources, starts the HTTP
// listener, then the writer thread (ingestion), then the dispatcher (the things
// that take requests before the things that send them); Stop() stops them in
// the reverse order and writes projection snapshots on the way out.
//
// Start/Stop are called from one thread. The writer thread is the single
// writer: it applies events to the projections and publishes immutable read
// models that the HTTP handlers (on the server's threads) read; everything else
// writes through the Writer port.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "app/acl_admin.h"
#include "app/catalog_writer.h"
#include "app/config.h"
#include "app/lifecycle.h"
#include "app/notifications.h"
#include "app/replication.h"
#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "governance/governance.h"
#include "graph/lineage_projection.h"
#include "health/health_model.h"
#include "health/health_tracker.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "http/routes/api_routes.h"
#include "http/server.h"
#include "http/ui/ui_routes.h"
#include "ingest/openlineage/openlineage_intake.h"
#include "ingest/pipeline.h"
#include "ingest/source_feed.h"
#include "log/compactor.h"
#include "log/log_writer.h"
#include "log/writer_thread.h"
#include "notifiers/core/dispatcher.h"
#include "notifiers/templates/template_set.h"
#include "store/event_log.h"
#include "store/log_readers.h"
#include "store/projection_host.h"
#include "tracking/tracker.h"

namespace tributary {
namespace ingest::end_offsets {
class EndOffsetsSource;
}

// The governance decider's options from the config (policies compiled at load).
governance::GovernanceOptions GovernanceOptionsOf(const Config& config);

class Service {
 public:
  // `on_fatal` is called (from the writer thread) when ingestion stops on a
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
  Status fatal() const { return writer_thread_ ? writer_thread_->fatal() : Status::Ok(); }

 private:
  // The steps of Start(), in order.
  Status LoadTemplatesAndAuth();
  Status OpenLog();
  Status WireWriter();
  Status OpenCatalogWriter();
  void BuildRoutes();
  Status StartServer();
  Status StartWriter();
  Status StartDispatcher();
  void AddScrapeHook();

  Config config_;
  const Clock& clock_;
  std::function<void(const Status&)> on_fatal_;
  Lifecycle lifecycle_;
  std::unique_ptr<EventLog> log_;
  CatalogProjection catalog_;
  SchemaProjection schemas_;
  EventCountsProjection counts_;
  std::unique_ptr<graph::LineageProjection> lineage_;
  std::unique_ptr<tracking::Tracker> tracker_;
  std::unique_ptr<governance::Governance> governance_;
  std::unique_ptr<health::HealthModel>
      health_model_;  // with [health] enabled and consumer offsets read
  std::unique_ptr<health::HealthTracker> health_;
  std::unique_ptr<log::Compactor> compactor_;  // with [store] compact_after
  // The tracker, governance, health, then the compactor.
  std::unique_ptr<DeciderSet> deciders_;
  ingest::end_offsets::EndOffsetsSource* end_offsets_ = nullptr;  // owned by the pipeline
  std::unique_ptr<ProjectionHost> projections_;
  std::unique_ptr<log::LogWriter> log_writer_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::unique_ptr<ingest::SourceFeed> feed_;
  std::unique_ptr<log::WriterThread> writer_thread_;
  std::unique_ptr<log::WriterClient> api_writer_;         // 10 s per commit
  std::unique_ptr<log::WriterClient> dispatcher_writer_;  // 30 s per commit
  std::unique_ptr<LogReaders> readers_;
  std::unique_ptr<ingest::openlineage::OpenLineageIntake> lineage_intake_;
  std::unique_ptr<Replica> replica_;               // with [replication] only
  std::unique_ptr<CatalogWriter> catalog_writer_;  // the API's catalog writes
  std::unique_ptr<AclAdministrator> acl_admin_;    // clusters with acl_management = true
  std::unique_ptr<http::Authenticator> auth_;
  std::unique_ptr<http::SessionStore> sessions_;  // the UI's sign-in sessions
  std::unique_ptr<http::Metrics> metrics_;
  std::unique_ptr<http::ApiContext> api_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<notifiers::TemplateSet> templates_;
  EgressGuards guards_;
  std::unique_ptr<notifiers::OutboxDispatcher> dispatcher_;
  // The dispatcher for the metrics scrape (HTTP threads): set once it exists,
  // cleared before it goes.
  std::atomic<const notifiers::OutboxDispatcher*> dispatcher_view_{nullptr};
  std::atomic<bool> ready_{false};
  std::optional<http::DemoView> demo_view_;
  std::function<void(http::Router&)> demo_routes_;
};

}  // namespace tributary
