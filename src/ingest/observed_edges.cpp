#include "ingest/observed_edges.h"

#include <nlohmann/json.hpp>

namespace tributary::ingest {

std::string ObservedEdges::FoldKey(const Key& key) const {
  return prefix_ + std::to_string(std::get<0>(key)) + "\n" + std::get<1>(key) + "\n" +
         std::get<2>(key);
}

Status ObservedEdges::Restore(const std::vector<std::pair<std::string, std::string>>& entries) {
  edges_.clear();
  dirty_.clear();
  try {
    for (const auto& [key, value] : entries) {
      const auto j = nlohmann::json::from_msgpack(value);
      edges_[Key{j.at("k").get<int>(), j.at("a").get<std::string>(),
                 j.at("t").get<std::string>()}] =
          Edge{j.at("s").get<std::int64_t>(), j.at("on").get<bool>()};
    }
  } catch (const std::exception& e) {
    return Corruption(prefix_ + " fold state: " + e.what());
  }
  return Status::Ok();
}

void ObservedEdges::Observe(EdgeKind kind, const NodeId& actor, const NodeId& topic, Timestamp at,
                            TranslationSink& sink) {
  const Key key{static_cast<int>(kind), actor.str(), topic.str()};
  auto& edge = edges_[key];
  const auto at_ms = ToMillis(at);
  if (!edge.active) {
    edge.active = true;
    edge.last_seen_ms = at_ms;
    dirty_.insert(key);
    if (kind == EdgeKind::kProduces) {
      sink.Emit(ProducerObserved{actor, topic, via_}, at);
    } else {
      sink.Emit(ConsumerStarted{actor, topic, "observed", via_}, at);
    }
    return;
  }
  // Persist the last sighting only when it moves by a meaningful amount: the
  // idle timer needs minutes, not milliseconds.
  if (at_ms - edge.last_seen_ms >= 1000) {
    edge.last_seen_ms = at_ms;
    dirty_.insert(key);
  }
}

void ObservedEdges::Tick(Timestamp now, TranslationSink& sink) {
  const auto now_ms = ToMillis(now);
  for (auto& [key, edge] : edges_) {
    if (!edge.active || now_ms - edge.last_seen_ms < idle_after_.count()) {
      continue;
    }
    edge.active = false;
    dirty_.insert(key);
    const auto actor = NodeId::FromTrusted(std::get<1>(key));
    const auto topic = NodeId::FromTrusted(std::get<2>(key));
    const auto dedup = "idle/" + FoldKey(key) + "/" + std::to_string(edge.last_seen_ms);
    if (std::get<0>(key) == static_cast<int>(EdgeKind::kProduces)) {
      sink.EmitDecision(ProducerStopped{actor, topic, "idle", FromMillis(edge.last_seen_ms)}, now,
                        dedup);
    } else {
      sink.EmitDecision(ConsumerStopped{actor, topic, "idle", FromMillis(edge.last_seen_ms)}, now,
                        dedup);
    }
  }
}

void ObservedEdges::Forget(const NodeId& topic) {
  for (auto& [key, edge] : edges_) {
    if (edge.active && std::get<2>(key) == topic.str()) {
      edge.active = false;
      dirty_.insert(key);
    }
  }
}

void ObservedEdges::Flush(TranslationSink& sink) {
  for (const auto& key : dirty_) {
    const auto& edge = edges_.at(key);
    const auto bytes = nlohmann::json::to_msgpack({{"k", std::get<0>(key)},
                                                   {"a", std::get<1>(key)},
                                                   {"t", std::get<2>(key)},
                                                   {"s", edge.last_seen_ms},
                                                   {"on", edge.active}});
    sink.WriteFold(FoldKey(key), std::string(bytes.begin(), bytes.end()));
  }
  dirty_.clear();
}

}  // namespace tributary::ingest
