#pragma once
// Service: the composition root of `tributary serve`. One lifecycle (STYLE.md):
// the constructor only keeps the validated config; Start() opens the event log,
// recovers the projections and starts the HTTP listener; Stop() reverses it,
// writing projection snapshots on the way out.
//
// Start/Stop are called from one thread; the HTTP handlers run on the server's
// threads and read only thread-safe state.

#include <atomic>
#include <memory>

#include <functional>

#include "app/config.h"
#include "core/catalog_projection.h"
#include "http/server.h"
#include "ingest/ingest_runner.h"
#include "ingest/pipeline.h"
#include "store/event_log.h"
#include "store/projection_host.h"

namespace tributary {

class Service {
 public:
  // `on_fatal` is called (from the ingest thread) when ingestion stops on a
  // fatal error; the owner should then stop the service and exit non-zero.
  Service(Config config, const Clock& clock,
          std::function<void(const Status&)> on_fatal = nullptr);
  ~Service();

  Status Start();
  void Stop();

  std::uint16_t http_port() const;
  // The fatal error that stopped ingestion, if any.
  Status fatal() const { return runner_ ? runner_->fatal() : Status::Ok(); }
  const Config& config() const { return config_; }

 private:
  http::Router BuildRouter();

  Config config_;
  const Clock& clock_;
  std::unique_ptr<EventLog> log_;
  CatalogProjection catalog_;
  EventCountsProjection counts_;
  std::unique_ptr<ProjectionHost> projections_;
  std::function<void(const Status&)> on_fatal_;
  std::unique_ptr<ingest::IngestPipeline> pipeline_;
  std::unique_ptr<ingest::IngestRunner> runner_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::HttpServer> server_;
  std::atomic<bool> ready_{false};
};

}  // namespace tributary
