#include "tracking/tracker.h"

#include <algorithm>

#include "tracking/access_detector.h"
#include "tracking/breaking_change_detector.h"
#include "tracking/decision_context.h"
#include "tracking/deprecation_detector.h"
#include "tracking/migration_detector.h"
#include "tributary/overloaded.h"

namespace tributary::tracking {
namespace {

using nlohmann::json;

std::string TimeText(std::int64_t ms) { return FormatRfc3339(FromMillis(ms)); }

}  // namespace

Tracker::Tracker(TrackingOptions options, const CatalogProjection& catalog,
                 const SchemaProjection& schemas, GraphSource graph)
    : options_(std::move(options)), catalog_(catalog), schemas_(schemas), graph_(std::move(graph)) {
  std::sort(options_.reminders_before_sunset.begin(), options_.reminders_before_sunset.end(),
            std::greater<>());
}

// ---- the projection ---------------------------------------------------------------

void Tracker::Apply(const EventRecord& record) {
  std::visit(
      Overloaded{
          [&](const ProductDeprecated& e) {
            auto& track = state_.deprecations[e.product];
            track.deprecated_seq = record.seq;
            track.deprecated_at = record.event_time;
            track.sunset = e.sunset;
            track.reason = e.reason;
            track.replacement = e.replacement;
            track.announced = false;
            track.retired = false;
            track.reminders_done.clear();
            changed_ = true;
          },
          [&](const ProductUndeprecated& e) {
            changed_ |= state_.deprecations.erase(e.product) > 0;
          },
          [&](const ProductRetired& e) {
            if (auto it = state_.deprecations.find(e.product); it != state_.deprecations.end()) {
              it->second.retired = true;
              changed_ = true;
            }
          },
          [&](const DeprecationAnnounced& e) {
            if (auto it = state_.deprecations.find(e.product); it != state_.deprecations.end()) {
              it->second.announced = true;
              changed_ = true;
            }
          },
          [&](const ReminderDue& e) {
            if (auto it = state_.deprecations.find(e.product); it != state_.deprecations.end()) {
              it->second.reminders_done.insert(e.before);
              changed_ = true;
            }
          },
          [&](const MigrationStatusChanged& e) {
            if (auto it = state_.deprecations.find(e.product); it != state_.deprecations.end()) {
              auto& c = it->second.consumers[e.consumer.str()];
              c.status = e.to;
              ++c.changes;
              changed_ = true;
            }
          },
          [](const auto&) {},
      },
      record.event);
}

namespace {

json StateToJson(const TrackingState& state) {
  json out = json::object();
  for (const auto& [product, t] : state.deprecations) {
    json consumers = json::object();
    for (const auto& [id, c] : t.consumers) {
      consumers[id] = {{"status", c.status}, {"changes", c.changes}};
    }
    out[product] = {{"seq", t.deprecated_seq.value()},
                    {"at", ToMillis(t.deprecated_at)},
                    {"sunset", ToMillis(t.sunset)},
                    {"reason", t.reason},
                    {"replacement", t.replacement ? json(*t.replacement) : json(nullptr)},
                    {"announced", t.announced},
                    {"retired", t.retired},
                    {"reminders_done", t.reminders_done},
                    {"consumers", consumers}};
  }
  return out;
}

}  // namespace

std::string Tracker::Digest() const {
  Fnv1a64 h;
  h.Add(StateToJson(state_).dump());
  return h.Hex();
}

std::string Tracker::Snapshot() const {
  const auto bytes = json::to_msgpack(StateToJson(state_));
  return std::string(bytes.begin(), bytes.end());
}

Status Tracker::Restore(std::string_view snapshot) {
  auto j = json::from_msgpack(snapshot.begin(), snapshot.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("tracking snapshot is not valid MessagePack");
  }
  TrackingState state;
  try {
    for (const auto& [product, t] : j.items()) {
      DeprecationTrack track;
      track.deprecated_seq = EventSeq(t.at("seq").get<std::int64_t>());
      track.deprecated_at = FromMillis(t.at("at").get<std::int64_t>());
      track.sunset = FromMillis(t.at("sunset").get<std::int64_t>());
      track.reason = t.at("reason").get<std::string>();
      if (!t.at("replacement").is_null()) {
        track.replacement = t.at("replacement").get<std::string>();
      }
      track.announced = t.at("announced").get<bool>();
      track.retired = t.at("retired").get<bool>();
      track.reminders_done = t.at("reminders_done").get<std::set<std::string>>();
      for (const auto& [id, c] : t.at("consumers").items()) {
        track.consumers[id] = {c.at("status").get<std::string>(), c.at("changes").get<int>()};
      }
      state.deprecations.emplace(product, std::move(track));
    }
  } catch (const json::exception& e) {
    return Corruption(std::string("tracking snapshot: ") + e.what());
  }
  state_ = std::move(state);
  changed_ = true;
  return Status::Ok();
}

void Tracker::Publish() {
  if (changed_) {
    published_.Set(state_);
    changed_ = false;
  }
}

// ---- decisions: each rule lives in a detector --------------------------------------

void Tracker::Decide(const std::vector<EventRecord>& records, Batch& out) {
  if (records.empty()) {
    return;
  }
  const auto graph = graph_();
  DecisionContext ctx(catalog_.state(), schemas_.state(), *graph, state_, options_, out);
  bool migrations_dirty = false;
  for (const auto& r : records) {
    std::visit(Overloaded{
                   [&](const SchemaRegistered& e) { DetectSchemaChange(ctx, r, e); },
                   [&](const SchemaDeleted& e) { DetectSchemaDeletion(ctx, r, e); },
                   [&](const AclRevoked& e) { DetectAccessRevoked(ctx, r, e); },
                   [&](const AclGranted& e) { DetectAccessDenied(ctx, r, e); },
                   [&](const ProductDeprecated& e) {
                     migrations_dirty = true;
                     DetectDeprecation(ctx, r, e);
                   },
                   [&](const ProductRetired& e) { DetectRetirement(ctx, r, e); },
                   [&](const ConsumerStarted& e) {
                     migrations_dirty = true;
                     DetectNewConsumerOnDeprecated(ctx, r, e);
                   },
                   [&](const ConsumerStopped&) { migrations_dirty = true; },
                   [&](const GroupDeleted&) { migrations_dirty = true; },
                   [&](const OffsetDeleted&) { migrations_dirty = true; },
                   [&](const JobObserved&) { migrations_dirty = true; },
                   [&](const ProductPublished&) { migrations_dirty = true; },
                   [](const auto&) {},
               },
               r.event);
  }
  if (migrations_dirty) {
    DetectMigrations(ctx, records.back().event_time);
  }
}

void Tracker::Tick(Timestamp now, Batch& out) {
  if (state_.deprecations.empty()) {
    return;
  }
  const auto graph = graph_();
  DecisionContext ctx(catalog_.state(), schemas_.state(), *graph, state_, options_, out);
  DetectReminders(ctx, now);
}

// ---- the board --------------------------------------------------------------------------

nlohmann::json DeprecationBoard(const std::string& product, const DeprecationTrack& track,
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
    if (c.status == kMigrated || c.status == kStopped) {
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

}  // namespace tributary::tracking
