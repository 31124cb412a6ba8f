#pragma once
// ObservedEdges: folds repeated sightings of "X produces to / consumes from
// topic T" (audit log, OpenLineage) into start and stop facts. The first
// sighting emits producer_observed or consumer_started; a pair not seen for
// `idle_after` emits producer_stopped or consumer_stopped (reason "idle") as a
// timer decision. State is persisted under `prefix` at Flush. Single-threaded.

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "ingest/translator.h"

namespace tributary::ingest {

enum class EdgeKind { kProduces, kConsumes };

class ObservedEdges {
 public:
  ObservedEdges(std::string prefix, std::string via, Duration idle_after)
      : prefix_(std::move(prefix)), via_(std::move(via)), idle_after_(idle_after) {}

  const std::string& prefix() const { return prefix_; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries);
  void Observe(EdgeKind kind, const NodeId& actor, const NodeId& topic, Timestamp at,
               TranslationSink& sink);
  void Tick(Timestamp now, TranslationSink& sink);
  void Flush(TranslationSink& sink);
  // The topic was deleted (its edges end with the topic_deleted fact): the next
  // sighting of the name is a first sighting of a new topic.
  void Forget(const NodeId& topic);

 private:
  using Key = std::tuple<int, std::string, std::string>;  // kind, actor, topic
  struct Edge {
    std::int64_t last_seen_ms = 0;
    bool active = false;
  };
  std::string FoldKey(const Key& key) const;

  std::string prefix_;
  std::string via_;
  Duration idle_after_;
  std::map<Key, Edge> edges_;
  std::set<Key> dirty_;
};

}  // namespace tributary::ingest
