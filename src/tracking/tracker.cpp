#include "tracking/tracker.h"

#include <algorithm>

#include "core/field_codec.h"
#include "tracking/access_detector.h"
#include "tracking/breaking_change_detector.h"
#include "tracking/decision_context.h"
#include "tracking/deprecation_detector.h"
#include "tracking/migration_detector.h"
#include "tributary/overloaded.h"

namespace tributary::tracking {

using nlohmann::json;
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
            track.dual_support_broken = false;
            track.ready_to_retire = false;
            changed_ = true;
          },
          [&](const ProductVersioned& e) {
            state_.versioned[e.replaces] = {e.product, e.schema_type, e.schema, e.diff};
            changed_ = true;
          },
          [&](const DualSupportBroken& e) {
            if (auto it = state_.deprecations.find(e.product); it != state_.deprecations.end()) {
              it->second.dual_support_broken = true;
              changed_ = true;
            }
          },
          [&](const ReadyToRetire& e) {
            if (auto it = state_.deprecations.find(e.product); it != state_.deprecations.end()) {
              it->second.ready_to_retire = true;
              changed_ = true;
            }
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
  json deprecations = json::object();
  for (const auto& [product, t] : state.deprecations) {
    json consumers = json::object();
    for (const auto& [id, c] : t.consumers) {
      consumers[id] = {{"status", c.status}, {"changes", c.changes}};
    }
    deprecations[product] = {{"seq", t.deprecated_seq.value()},
                             {"at", ToMillis(t.deprecated_at)},
                             {"sunset", ToMillis(t.sunset)},
                             {"reason", t.reason},
                             {"replacement", t.replacement ? json(*t.replacement) : json(nullptr)},
                             {"announced", t.announced},
                             {"retired", t.retired},
                             {"reminders_done", t.reminders_done},
                             {"consumers", consumers},
                             {"dual_support_broken", t.dual_support_broken},
                             {"ready_to_retire", t.ready_to_retire}};
  }
  json versioned = json::object();
  for (const auto& [old, v] : state.versioned) {
    versioned[old] = {{"product", v.product},
                      {"schema_type", v.schema_type},
                      {"schema", v.schema},
                      {"diff", codec::ToJson(v.diff)}};
  }
  return {{"deprecations", deprecations}, {"versioned", versioned}};
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

SnapshotJob Tracker::CaptureSnapshot() const {
  return [state = std::make_shared<const TrackingState>(state_)] {
    return JsonSnapshotImage(StateToJson(*state));
  };
}

Status Tracker::Restore(std::string_view snapshot) {
  auto j = json::from_msgpack(snapshot.begin(), snapshot.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("tracking snapshot is not valid MessagePack");
  }
  TrackingState state;
  try {
    for (const auto& [product, t] : j.at("deprecations").items()) {
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
      track.dual_support_broken = t.at("dual_support_broken").get<bool>();
      track.ready_to_retire = t.at("ready_to_retire").get<bool>();
      state.deprecations.emplace(product, std::move(track));
    }
    for (const auto& [old, v] : j.at("versioned").items()) {
      VersionedTrack track;
      track.product = v.at("product").get<std::string>();
      track.schema_type = v.at("schema_type").get<std::string>();
      track.schema = v.at("schema").get<std::string>();
      if (auto s = codec::FromJson(v.at("diff"), track.diff, "diff"); !s.ok()) {
        return Corruption("tracking snapshot: " + s.message());
      }
      state.versioned.emplace(old, std::move(track));
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
                   [&](const TopicDeleted& e) {
                     migrations_dirty = true;
                     DetectTopicDeletion(ctx, r, e);
                   },
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
  DetectDualSupport(ctx, now);
}

}  // namespace tributary::tracking
