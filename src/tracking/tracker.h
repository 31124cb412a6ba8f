#pragma once
// Tracker: the change-tracking detectors (DESIGN.md §2 principles 4-5).
//
// It is two things at once:
//   * a projection ("tracking"): what has been decided so far — deprecations
//     being tracked, reminders fired, each consumer's migration status — built
//     only from events in the log, so replay rebuilds it without deciding;
//   * a Decider: for the events of each new batch (and for timers) it decides
//     breaking schema changes, access revoked from active users, deprecation
//     notices, reminders and sunset escalations, new consumers on deprecated
//     products, retirements with consumers left, and migration status changes.
//     Each decision is an event with a deterministic dedup key plus one outbox
//     intent per team told (idempotency key "<decision key>/<team>"), so the
//     same decision is never recorded twice.
//
// Decisions read the writer's current catalog and schema state and the latest
// published lineage snapshot, which the pipeline has brought up to date with
// the batch before calling Decide. The Tracker only dispatches: each rule lives
// in a detector (breaking_change_detector.h, access_detector.h,
// deprecation_detector.h, migration_detector.h) over a DecisionContext
// (decision_context.h). See src/tracking/README.md for the rules.
//
// Single-threaded like every projection; published() may be read from any thread.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "core/projection.h"
#include "core/published.h"
#include "core/schema_projection.h"
#include "graph/graph_snapshot.h"
#include "tracking/tracking_state.h"
#include "tributary/decider.h"

namespace tributary::tracking {

class Tracker final : public Projection, public Decider {
 public:
  using GraphSource = std::function<std::shared_ptr<const graph::GraphSnapshot>()>;
  // The projections and `graph` must outlive the tracker and be applied before it.
  Tracker(TrackingOptions options, const CatalogProjection& catalog,
          const SchemaProjection& schemas, GraphSource graph);

  // Projection
  std::string_view name() const override { return "tracking"; }
  int snapshot_version() const override { return 2; }
  void Apply(const EventRecord& record) override;
  std::string Digest() const override;
  std::string Snapshot() const override;
  SnapshotJob CaptureSnapshot() const override;
  Status Restore(std::string_view snapshot) override;
  void Reset() override {
    state_ = {};
    changed_ = true;
  }

  // Decider
  std::string cursor_key() const override { return "tracking/cursor"; }
  void Decide(const std::vector<EventRecord>& records, Batch& out) override;
  void Tick(Timestamp now, Batch& out) override;

  const TrackingState& state() const { return state_; }
  // Publishes a copy for readers when something changed since the last call.
  void Publish();
  // Thread-safe: the latest published copy (never null).
  std::shared_ptr<const TrackingState> published() const { return published_.Get(); }

 private:
  TrackingOptions options_;
  const CatalogProjection& catalog_;
  const SchemaProjection& schemas_;
  GraphSource graph_;
  TrackingState state_;
  bool changed_ = true;
  Published<TrackingState> published_;
};

}  // namespace tributary::tracking
