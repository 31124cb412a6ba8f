#pragma once
// HealthTracker: the decisions about consumer health (DESIGN.md §10).
//
// It is two things at once, like the change tracker (src/tracking/tracker.h):
//   * a projection ("health"): each group's last decided status and partition
//     statuses, its ERR episodes, the data-loss risks open, the topic facts
//     observed — built only from events in the log, so replay rebuilds it and
//     never evaluates again;
//   * a Decider: on the timer (event time while a source catches up, the wall
//     clock after) it evaluates the HealthModels (after every batch of end
//     offsets, and at least every offsets_interval) and records, each once by a
//     deterministic dedup key:
//       consumer_status_changed      a group's or a partition's status changed
//       data_loss_risk_detected      lag_seconds > risk_ratio x retention.ms
//                                    (time-based retention only) — intent
//                                    `data_loss_risk` to the group's team
//       data_loss_risk_resolved      back under the threshold (a new breach is
//                                    a new risk)
//       consumer_unhealthy_detected  ERR held for alert_after — intent
//                                    `consumer_unhealthy` to the group's team
//
// After each evaluation it publishes a HealthView for the HTTP API and metrics.
// Single-threaded (the writer thread) like every projection; published() may be
// read from any thread.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/catalog_projection.h"
#include "core/projection.h"
#include "core/published.h"
#include "graph/graph_snapshot.h"
#include "health/health_model.h"
#include "tributary/decider.h"

namespace tributary::health {

struct HealthOptions {
  Duration offsets_interval = std::chrono::seconds(30);
  Duration alert_after = std::chrono::minutes(10);
  double risk_ratio = 0.8;
};

// The projection's state.
struct GroupDecided {
  std::string status;  // OK | WARN | ERR
  // Every partition's status, in order: "<topic>/<partition>=<status code>;"...
  // (compared as one string: an evaluation of 600k partitions allocates little).
  std::string partitions;
  std::int64_t changes = 0;            // consumer_status_changed applied
  std::int64_t err_episodes = 0;       // times it entered ERR
  std::optional<Timestamp> err_since;  // while ERR
  std::int64_t alerted_episode = 0;    // the ERR episode last notified
  bool operator==(const GroupDecided&) const = default;
};
struct RiskDecided {
  bool open = false;
  std::int64_t episodes = 0;
  bool operator==(const RiskDecided&) const = default;
};
struct HealthState {
  std::map<std::string, GroupDecided> groups;                        // by group node id
  std::map<std::pair<std::string, std::string>, RiskDecided> risks;  // group id, topic id
  std::map<std::string, TopicFactsObserved> facts;                   // by topic node id
  bool operator==(const HealthState&) const = default;
};

// What readers see: the latest evaluation with teams and decided facts.
struct ConsumerView {
  std::string id;  // group:<cluster>/<group>
  std::string cluster;
  std::string group;
  std::string team;
  GroupStatus status = GroupStatus::kOk;
  std::int64_t total_lag = 0;
  std::optional<double> max_lag_seconds;
  std::vector<PartitionHealth> partitions;
  std::vector<std::string> risks;  // topic node ids with an open data-loss risk
};
struct StreamView {
  TopicStream stream;
  std::optional<TopicFactsObserved> facts;
};
struct HealthView {
  std::int64_t evaluated_at_ms = 0;
  std::vector<ConsumerView> consumers;              // by id
  std::map<std::string, StreamView> topics;         // by topic node id
  std::map<std::string, TopicFactsObserved> facts;  // by topic node id, observed
};

class HealthTracker final : public Projection, public Decider {
 public:
  using GraphSource = std::function<std::shared_ptr<const graph::GraphSnapshot>()>;
  // `models` (one per cluster with health on), `catalog` and the graph must
  // outlive the tracker; the graph and catalog are applied before it.
  HealthTracker(HealthOptions options, std::vector<HealthModel*> models,
                const CatalogProjection& catalog, GraphSource graph);

  // Projection
  std::string_view name() const override { return "health"; }
  int snapshot_version() const override { return 1; }
  void Apply(const EventRecord& record) override;
  std::string Digest() const override;
  std::string Snapshot() const override;
  SnapshotJob CaptureSnapshot() const override;
  Status Restore(std::string_view snapshot) override;
  void Reset() override { state_ = {}; }

  // Decider
  std::string cursor_key() const override { return "health/cursor"; }
  void Decide(const std::vector<EventRecord>& records, Batch& out) override;
  void Tick(Timestamp now, Batch& out) override;

  const HealthState& state() const { return state_; }
  // Thread-safe: the latest published view (never null).
  std::shared_ptr<const HealthView> published() const { return published_.Get(); }

 private:
  void Evaluate(Timestamp now, Batch& out);
  void CheckUnhealthy(Timestamp now, Batch& out);
  std::string TeamOf(const graph::GraphSnapshot* graph, const std::string& id) const;
  // The catalog's declared retention by topic node id (nullopt: declared, but
  // nothing ages out by time), built once per evaluation.
  using DeclaredRetention = std::map<std::string, std::optional<std::int64_t>, std::less<>>;
  DeclaredRetention Declared() const;
  // The retention of `topic` (a node id): observed, else declared; nullopt when
  // neither, or not time-based.
  std::optional<std::pair<std::int64_t, std::string>> RetentionOf(
      const std::string& topic, const DeclaredRetention& declared) const;

  HealthOptions options_;
  std::vector<HealthModel*> models_;
  const CatalogProjection& catalog_;
  GraphSource graph_;
  HealthState state_;
  std::vector<std::uint64_t> evaluated_generation_;
  std::optional<Timestamp> last_evaluation_;
  Published<HealthView> published_;
  std::shared_ptr<HealthView> latest_;  // the last view, for CheckUnhealthy's partitions
};

}  // namespace tributary::health
