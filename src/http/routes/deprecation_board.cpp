#include "http/routes/deprecation_board.h"

#include <chrono>
#include <optional>

namespace tributary::http {
namespace {

using nlohmann::json;

std::string TimeText(std::int64_t ms) { return FormatRfc3339(FromMillis(ms)); }

}  // namespace

nlohmann::json DeprecationBoard(const std::string& product, const tracking::DeprecationTrack& track,
                                const CatalogState& catalog, const graph::GraphSnapshot& graph,
                                Timestamp now) {
  auto topic_of = [&](const std::string& name) -> std::optional<std::string> {
    auto it = catalog.products.find(name);
    if (it == catalog.products.end()) {
      return std::nullopt;
    }
    return NodeId::Topic(it->second.published.cluster, it->second.published.topic).str();
  };
  // The consumes edge topic -> consumer, if the graph has one.
  auto edge_between = [&](const std::optional<std::string>& topic,
                          std::uint32_t consumer) -> const graph::EdgeRecord* {
    if (!topic || consumer == graph::kNone) {
      return nullptr;
    }
    const auto t = graph.Find(*topic);
    if (t == graph::kNone) {
      return nullptr;
    }
    const graph::EdgeRecord* found = nullptr;
    graph.ForEachInNeighbour(consumer, [&](std::uint32_t e, std::uint32_t from) {
      if (from == t && graph.edge(e).kind == graph::EdgeKind::kConsumes) {
        found = &graph.edge(e);
      }
    });
    return found;
  };
  const auto old_topic = topic_of(product);
  const auto new_topic = track.replacement ? topic_of(*track.replacement) : std::nullopt;
  json consumers = json::array();
  int migrated = 0;
  int total = 0;
  for (const auto& [id, c] : track.consumers) {
    const auto v = graph.Find(id);
    std::optional<std::string> team;
    if (v != graph::kNone) {
      if (auto owner = graph.OwnerOf(v)) {
        team = std::string(owner->team);
      }
    }
    json entry = {{"id", id},
                  {"team", team ? json(*team) : json(nullptr)},
                  {"status", c.status},
                  {"last_read_old", nullptr},
                  {"first_read_new", nullptr}};
    if (const auto* e = edge_between(old_topic, v); e != nullptr && e->last_seen > 0) {
      entry["last_read_old"] = TimeText(e->last_seen);
    }
    if (const auto* e = edge_between(new_topic, v); e != nullptr) {
      entry["first_read_new"] = TimeText(graph.FirstSeen(*e));
    }
    ++total;
    if (c.status == tracking::kMigrated || c.status == tracking::kStopped) {
      ++migrated;
    }
    consumers.push_back(std::move(entry));
  }
  std::string status = "deprecated";
  if (track.retired) {
    status = "retired";
  }
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(track.sunset - now).count();
  return {{"product", product},
          {"status", status},
          {"reason", track.reason},
          {"sunset", FormatRfc3339(track.sunset)},
          {"deprecated_at", FormatRfc3339(track.deprecated_at)},
          {"days_to_sunset", hours / 24},
          {"replacement", track.replacement ? json(*track.replacement) : json(nullptr)},
          {"progress", {{"migrated", migrated}, {"total", total}}},
          {"consumers", consumers}};
}

}  // namespace tributary::http
