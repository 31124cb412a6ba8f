#pragma once
// DecisionContext: what one Decide() or Tick() call of the tracker reads, and
// how a detector records a decision into the batch being built.
//
// Every detector (breaking_change_detector.h, access_detector.h,
// deprecation_detector.h, migration_detector.h) takes a DecisionContext: the
// catalog and schema state, the lineage snapshot and the tracking state as of
// the end of the batch, the tracker's options, and the Batch its decisions go
// to. It owns nothing: everything it refers to must outlive it, which is one
// call. Not thread-safe; used on the writer thread only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "graph/graph_snapshot.h"
#include "tracking/tracking_state.h"
#include "tributary/commit.h"
#include "tributary/events.h"
#include "tributary/notification_kind.h"

namespace tributary::tracking {

// One direct reader of a topic, as the lineage graph has it now.
struct Reader {
  std::string id;
  std::string team;  // "" when ownership is unresolved
  bool observed = false;
  bool permitted = false;
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
};

// Intent facts per team told: the team's own entries ("consumers", "role", ...).
using PerTeamFacts = std::map<std::string, nlohmann::json>;

class DecisionContext {
 public:
  DecisionContext(const CatalogState& catalog, const SchemaState& schemas,
                  const graph::GraphSnapshot& graph, const TrackingState& tracking,
                  const TrackingOptions& options, Batch& out)
      : catalog_(catalog),
        schemas_(schemas),
        graph_(graph),
        tracking_(tracking),
        options_(options),
        out_(out) {}

  const CatalogState& catalog() const { return catalog_; }
  const SchemaState& schemas() const { return schemas_; }
  const graph::GraphSnapshot& graph() const { return graph_; }
  const TrackingState& tracking() const { return tracking_; }
  const TrackingOptions& options() const { return options_; }

  // ---- the catalog -------------------------------------------------------------

  // The product called `name`, or null.
  const ProductState* Product(const std::string& name) const;
  // The owning team of product `name` ("" when unknown).
  std::string OwnerOf(const std::string& product) const;
  // The product published on `topic` (a node id), if any.
  const std::pair<const std::string, ProductState>* ProductOnTopic(const std::string& topic) const;
  // The topic a subject describes: the product that names it, else the topic
  // its name follows (TopicNameStrategy: <topic>-value / <topic>-key) on a
  // cluster that has it.
  std::optional<std::string> TopicOfSubject(const std::string& subject) const;
  // The teams subscribed explicitly to `product`, sorted.
  std::vector<std::string> SubscribersOf(const std::string& product) const;

  // ---- the lineage graph: who is affected ----------------------------------------

  // The owning team of node `v` ("" when unresolved).
  std::string TeamOf(std::uint32_t v) const;
  // The owning team of the node with id `id` ("" when unresolved or absent).
  std::string TeamOfNode(const std::string& id) const;
  // The direct readers of `topic` (a node id) with an edge valid now or ever, by id.
  // `at` (ms) judges the evidence at that time instead of now.
  std::vector<Reader> Readers(const std::string& topic, std::int64_t at = graph::kNow) const;
  // The active direct consumers of `topic` with `evidence` (observed and/or
  // permitted), now or at `at` (ms).
  std::vector<AffectedConsumer> ActiveReaders(const std::string& topic, std::uint8_t evidence,
                                              std::int64_t at = graph::kNow) const;
  // Every transitive downstream consumer of `topic` (observed or permitted).
  std::vector<AffectedConsumer> Downstream(const std::string& topic) const;

  // ---- recording ----------------------------------------------------------------

  // Appends a decision (dedup key `key`) and its intents: one per team in
  // `per_team`, each with `facts`, the common entries (kind, team,
  // decision_key, event_time) and the team's own entries, keyed "<key>/<team>".
  void Record(DomainEvent event, Timestamp time, const std::string& key, NotificationKind kind,
              const std::string& severity, const nlohmann::json& facts,
              const PerTeamFacts& per_team);
  // Appends a decision nobody is told of (no intents).
  void Record(DomainEvent event, Timestamp time, const std::string& key);

 private:
  const CatalogState& catalog_;
  const SchemaState& schemas_;
  const graph::GraphSnapshot& graph_;
  const TrackingState& tracking_;
  const TrackingOptions& options_;
  Batch& out_;
  // Products by their topic's node id (the first by name), built at the first
  // ProductOnTopic of this context: the catalog does not change while it lives.
  mutable std::optional<std::map<std::string, const std::pair<const std::string, ProductState>*>>
      by_topic_;
};

// The node id of a product's topic.
std::string TopicOf(const ProductState& product);

// Intent facts per team of `consumers` ("" for unresolved ones): {"consumers":
// [{id, depth}]} with the team's own consumers.
PerTeamFacts PerTeamConsumers(const std::vector<AffectedConsumer>& consumers);
// Every consumer with its team, for the owner: [{id, team, depth}].
nlohmann::json ConsumerListJson(const std::vector<AffectedConsumer>& consumers);
// A product's replacement as a fact: the name, or null.
nlohmann::json ReplacementJson(const std::optional<std::string>& replacement);

}  // namespace tributary::tracking
