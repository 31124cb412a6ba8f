#pragma once
// Test support for the detectors: a small estate built from events (the
// catalog, schema and lineage projections they feed), a hand-built tracking
// state and options, and one detector call at a time over a DecisionContext
// into a fresh Batch. No log, no tracker: each detector is tested as a unit.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "graph/lineage_projection.h"
#include "tracking/decision_context.h"
#include "tributary/commit.h"

namespace tributary::tracking::testing {

// An hour-granular clock: At(0) is a fixed instant, At(-24) a day before it.
inline Timestamp At(int hours) {
  return FromMillis(1'764'000'000'000LL + std::int64_t{hours} * 3'600'000LL);
}

inline NodeId Topic(const std::string& name) { return NodeId::Topic("local", name); }
inline NodeId Group(const std::string& name) { return NodeId::Group("local", name); }
inline NodeId User(const std::string& name) { return NodeId::Principal("User:" + name); }

class World {
 public:
  World() { options.clusters = {"local"}; }

  // Applies `event` at `time` (the next sequence number) to the catalog, schema
  // and lineage projections; returns its record, for the detector to decide on.
  EventRecord Apply(DomainEvent event, Timestamp time) {
    EventRecord record{EventSeq(++seq_), time, time, "test", std::move(event)};
    catalog_.Apply(record);
    schemas_.Apply(record);
    lineage_.Apply(record);
    return record;
  }

  // A product `name` on topic local/<name> owned by `owner`, its schema subject <name>-value.
  EventRecord Product(const std::string& name, const std::string& owner, Timestamp time) {
    ProductPublished p;
    p.product = name;
    p.cluster = "local";
    p.topic = name;
    p.owner = owner;
    p.schema_subject = name + "-value";
    return Apply(p, time);
  }

  // `group` (owned by `team`) observed reading `topic`.
  void Reads(const std::string& group, const std::string& topic, const std::string& team,
             Timestamp time) {
    Apply(OwnershipAssigned{Group(group), team}, time);
    Apply(ConsumerStarted{Group(group), Topic(topic), "observed", "consumer_offsets"}, time);
  }

  // Runs `detect(ctx)` over the estate as it is now; returns what it decided.
  template <typename Detect>
  Batch Decide(Detect&& detect) {
    lineage_.Publish();
    const auto graph = lineage_.snapshot();
    Batch out;
    DecisionContext ctx(catalog_.state(), schemas_.state(), *graph, tracking, options, out);
    detect(ctx);
    return out;
  }

  const CatalogState& catalog() const { return catalog_.state(); }

  TrackingState tracking;  // hand-built: what the tracker would have recorded
  TrackingOptions options;

 private:
  std::int64_t seq_ = 0;
  CatalogProjection catalog_;
  SchemaProjection schemas_;
  graph::LineageProjection lineage_;
};

// The decision events of type T in `batch`.
template <typename T>
std::vector<T> Decisions(const Batch& batch) {
  std::vector<T> out;
  for (const auto& e : batch.events) {
    if (const auto* t = std::get_if<T>(&e.event)) {
      out.push_back(*t);
    }
  }
  return out;
}

// The teams told, in intent order.
inline std::vector<std::string> TeamsTold(const Batch& batch) {
  std::vector<std::string> out;
  for (const auto& i : batch.outbox) {
    out.push_back(i.team);
  }
  return out;
}

// The intent for `team` (REQUIRES: there is one).
inline const OutboxIntent& IntentFor(const Batch& batch, const std::string& team) {
  for (const auto& i : batch.outbox) {
    if (i.team == team) {
      return i;
    }
  }
  throw std::logic_error("no intent for team " + team);
}

}  // namespace tributary::tracking::testing
