#include "tracking/breaking_change_detector.h"

#include "core/field_codec.h"
#include "schema/compatibility.h"

namespace tributary::tracking {
namespace {

using nlohmann::json;

// A subject version as the compatibility checker wants it, references resolved
// from the registry's other subjects.
schema::SchemaVersion ToCheckable(const SchemaState& state, const SubjectVersion& v) {
  schema::SchemaVersion out;
  out.version = v.version;
  auto type = schema::ParseSchemaType(v.schema_type);
  out.type = type.ok() ? *type : schema::SchemaType::kAvro;
  out.text = v.schema;
  out.deleted = v.deleted;
  for (const auto& ref : v.references) {
    schema::SchemaReference r{ref.name, ref.subject, ref.version, {}};
    if (auto s = state.subjects.find(ref.subject); s != state.subjects.end()) {
      if (auto rv = s->second.versions.find(ref.version); rv != s->second.versions.end()) {
        r.text = rv->second.schema;
      }
    }
    out.references.push_back(std::move(r));
  }
  return out;
}

// The subject's mode: its own, else the global one.
std::string ModeOf(const SchemaState& schemas, const std::string& subject) {
  auto s = schemas.subjects.find(subject);
  return s == schemas.subjects.end() ? schemas.global_mode
                                     : s->second.mode.value_or(schemas.global_mode);
}

// Records a breaking change: the event, and one critical intent per team of
// affected consumers and per team subscribed to the topic's product.
void RecordBreakingChange(DecisionContext& ctx, BreakingChangeDetected fact, Timestamp time,
                          const std::string& mode) {
  const auto key = fact.decision_key;
  json facts = {{"subject", fact.subject},
                {"topic", fact.topic ? json(fact.topic->str()) : json(nullptr)},
                {"from_version", fact.from_version},
                {"to_version", fact.to_version},
                {"level", fact.level},
                {"mode", mode},
                {"cause", fact.cause},
                {"incompatibilities", codec::ToJson(fact.incompatibilities)}};
  auto per_team = PerTeamConsumers(fact.affected);
  if (fact.topic) {
    if (const auto* p = ctx.ProductOnTopic(fact.topic->str())) {
      facts["product"] = p->first;
      facts["owner"] = p->second.published.owner;
      // Teams subscribed to the product explicitly hear of it too.
      for (const auto& team : ctx.SubscribersOf(p->first)) {
        if (!per_team.contains(team)) {
          per_team[team] = {{"consumers", json::array()}, {"role", "subscriber"}};
        }
      }
    }
  }
  ctx.Record(std::move(fact), time, key, NotificationKind::kBreakingChange, "critical", facts,
             per_team);
}

}  // namespace

std::optional<SchemaVerdict> JudgeSchemaChange(const SchemaState& schemas,
                                               const std::vector<const SubjectVersion*>& history,
                                               const SubjectVersion& previous,
                                               const SubjectVersion& current) {
  if (previous.schema_type != current.schema_type) {
    return SchemaVerdict{"schema_type_changed",
                         {{.message = "the schema type changed from " + previous.schema_type +
                                      " to " + current.schema_type,
                           .path = "",
                           .type = "SCHEMA_TYPE_CHANGED",
                           .version = previous.version}}};
  }
  // What consumers need: every reader, old or new, reads every writer's data —
  // FULL_TRANSITIVE, whatever the subject's level let in. A step budget (no
  // clock, so the decision does not depend on the machine): a registered schema
  // too complex to compare cannot stall the writer; it counts as breaking.
  std::vector<schema::SchemaVersion> checkable;
  checkable.reserve(history.size());
  for (const auto* v : history) {
    checkable.push_back(ToCheckable(schemas, *v));
  }
  schema::CheckOptions options;
  options.budget = schema::WorkLimits{20'000'000, std::chrono::hours(1)};
  auto checked = schema::CheckCompatibility(schema::CompatibilityLevel::kFullTransitive, checkable,
                                            ToCheckable(schemas, current), options);
  if (!checked.ok()) {
    const bool too_complex = checked.status().code() == ErrorCode::kResourceExhausted;
    return SchemaVerdict{"invalid_schema",
                         {{.message = checked.status().message(),
                           .path = "",
                           .type = too_complex ? "SCHEMA_TOO_COMPLEX" : "INVALID_SCHEMA",
                           .version = current.version}}};
  }
  if (checked->compatible) {
    return std::nullopt;
  }
  SchemaVerdict verdict{"incompatible_schema", {}};
  for (const auto& i : checked->incompatibilities) {
    verdict.incompatibilities.push_back(
        {.message = i.message, .path = i.path, .type = i.kind, .version = i.version});
  }
  return verdict;
}

void DetectSchemaChange(DecisionContext& ctx, const EventRecord& record,
                        const SchemaRegistered& registered) {
  const auto& schemas = ctx.schemas();
  auto s = schemas.subjects.find(registered.subject);
  if (s == schemas.subjects.end()) {
    return;
  }
  auto cur = s->second.versions.find(registered.version);
  if (cur == s->second.versions.end() || cur->second.deleted) {
    return;
  }
  std::vector<const SubjectVersion*> history;
  const SubjectVersion* previous = nullptr;
  for (const auto& [n, v] : s->second.versions) {
    if (n < registered.version) {
      history.push_back(&v);
      if (!v.deleted) {
        previous = &v;
      }
    }
  }
  if (previous == nullptr) {
    return;  // the subject's first version is not a change
  }
  const std::string level = schemas.LevelOf(registered.subject);
  const std::string key = "schema:" + registered.subject + ":" +
                          std::to_string(registered.version) + ":" +
                          std::to_string(registered.schema_id);
  auto verdict = JudgeSchemaChange(schemas, history, *previous, cur->second);
  if (!verdict) {
    ctx.Record(
        CompatibleChangeRecorded{registered.subject, previous->version, registered.version, level},
        record.event_time, key);
    return;
  }
  const auto topic = ctx.TopicOfSubject(registered.subject);
  BreakingChangeDetected fact;
  fact.decision_key = key;
  fact.subject = registered.subject;
  if (topic) {
    fact.topic = NodeId::FromTrusted(*topic);
    fact.affected = ctx.Downstream(*topic);
  }
  fact.from_version = previous->version;
  fact.to_version = registered.version;
  fact.level = level;
  fact.cause = std::move(verdict->cause);
  fact.incompatibilities = std::move(verdict->incompatibilities);
  RecordBreakingChange(ctx, std::move(fact), record.event_time,
                       ModeOf(schemas, registered.subject));
}

void DetectSchemaDeletion(DecisionContext& ctx, const EventRecord& record,
                          const SchemaDeleted& deleted) {
  // Breaking when consumers read the topic and the deletion takes away the
  // schema they use: the whole subject, its latest version, or any version
  // hard-deleted (readers can no longer fetch it by id).
  const auto topic = ctx.TopicOfSubject(deleted.subject);
  if (!topic) {
    return;
  }
  const auto& schemas = ctx.schemas();
  auto s = schemas.subjects.find(deleted.subject);
  bool latest = true;
  if (deleted.version && s != schemas.subjects.end()) {
    for (const auto& [n, v] : s->second.versions) {
      if (n > *deleted.version && !v.deleted) {
        latest = false;
      }
    }
  }
  if (!deleted.permanent && !latest) {
    return;
  }
  if (ctx.ActiveReaders(*topic, graph::kObserved).empty()) {
    return;
  }
  BreakingChangeDetected fact;
  fact.decision_key = "schema-deleted:" + deleted.subject + ":" +
                      (deleted.version ? std::to_string(*deleted.version) : "all") + ":" +
                      (deleted.permanent ? "hard" : "soft") + ":" +
                      std::to_string(record.seq.value());
  fact.subject = deleted.subject;
  fact.topic = NodeId::FromTrusted(*topic);
  fact.from_version = deleted.version.value_or(0);
  fact.to_version = deleted.version.value_or(0);
  fact.level = schemas.LevelOf(deleted.subject);
  fact.cause = deleted.permanent ? "schema_hard_deleted" : "schema_deleted";
  fact.affected = ctx.Downstream(*topic);
  RecordBreakingChange(ctx, std::move(fact), record.event_time, ModeOf(schemas, deleted.subject));
}

}  // namespace tributary::tracking
