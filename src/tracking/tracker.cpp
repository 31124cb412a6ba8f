#include "tracking/tracker.h"

#include <algorithm>

#include "graph/queries.h"
#include "schema/compatibility.h"
#include "tributary/overloaded.h"

namespace tributary::tracking {
namespace {

using nlohmann::json;

constexpr std::string_view kSource = "tracking";

std::string TimeText(std::int64_t ms) { return FormatRfc3339(FromMillis(ms)); }

// One direct reader of a topic, as the lineage graph has it now.
struct Reader {
  std::string id;
  std::string team;  // "" when ownership is unresolved
  bool observed = false;
  bool permitted = false;
  std::int64_t first_seen = 0;
  std::int64_t last_seen = 0;
};

// Groups consumers by their owning team ("" for unresolved ones), teams sorted.
std::map<std::string, std::vector<const AffectedConsumer*>> ByTeam(
    const std::vector<AffectedConsumer>& consumers) {
  std::map<std::string, std::vector<const AffectedConsumer*>> out;
  for (const auto& c : consumers) {
    out[c.team].push_back(&c);
  }
  return out;
}

json ConsumersJson(const std::vector<const AffectedConsumer*>& consumers) {
  json out = json::array();
  for (const auto* c : consumers) {
    out.push_back({{"id", c->consumer.str()}, {"depth", c->depth}});
  }
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Does an ACL on `resource_name` with `pattern_type` cover topic `name`?
bool AclCovers(const AclBinding& acl, std::string_view name) {
  if (acl.resource_type != "TOPIC") {
    return false;
  }
  if (acl.resource_name == "*") {
    return true;
  }
  if (acl.pattern_type == "PREFIXED") {
    return name.substr(0, acl.resource_name.size()) == acl.resource_name;
  }
  return name == acl.resource_name;
}

bool OperationCovers(const std::string& acl_op, std::string_view op) {
  return acl_op == "ALL" || acl_op == op;
}

}  // namespace

// Everything one Decide() or Tick() call reads, and how it records decisions.
class Tracker::Context {
 public:
  Context(const Tracker& tracker, Batch& out)
      : tracker_(tracker),
        out_(out),
        graph_(tracker.graph_()),
        catalog_(tracker.catalog_.state()),
        schemas_(tracker.schemas_.state()) {}

  const graph::GraphSnapshot& graph() const { return *graph_; }
  const CatalogState& catalog() const { return catalog_; }
  const SchemaState& schemas() const { return schemas_; }

  const ProductState* Product(const std::string& name) const {
    auto it = catalog_.products.find(name);
    return it == catalog_.products.end() ? nullptr : &it->second;
  }
  static std::string TopicOf(const ProductState& p) {
    return NodeId::Topic(p.published.cluster, p.published.topic).str();
  }
  std::string OwnerOf(const std::string& product) const {
    const auto* p = Product(product);
    return p == nullptr ? std::string() : p->published.owner;
  }

  // The product published on `topic` (a node id), if any.
  const std::pair<const std::string, ProductState>* ProductOnTopic(const std::string& topic) const {
    for (const auto& entry : catalog_.products) {
      if (TopicOf(entry.second) == topic) {
        return &entry;
      }
    }
    return nullptr;
  }

  // The topic a subject describes: the product that names it, else the topic
  // its name follows (TopicNameStrategy: <topic>-value / <topic>-key) on a
  // cluster that has it.
  std::optional<std::string> TopicOfSubject(const std::string& subject) const {
    for (const auto& [name, p] : catalog_.products) {
      if (p.published.schema_subject == subject) {
        return TopicOf(p);
      }
    }
    std::string topic = subject;
    for (std::string_view suffix : {"-value", "-key"}) {
      if (EndsWith(topic, suffix)) {
        topic.resize(topic.size() - suffix.size());
        break;
      }
    }
    for (const auto& cluster : tracker_.options_.clusters) {
      auto id = NodeId::Topic(cluster, topic).str();
      if (graph_->Find(id) != graph::kNone) {
        return id;
      }
    }
    return std::nullopt;
  }

  std::string TeamOf(std::uint32_t v) const {
    auto owner = graph_->OwnerOf(v);
    return owner ? std::string(owner->team) : std::string();
  }

  // The direct readers of `topic` (a node id) with an edge valid now or ever.
  std::vector<Reader> Readers(const std::string& topic) const {
    std::vector<Reader> out;
    const auto v = graph_->Find(topic);
    if (v == graph::kNone) {
      return out;
    }
    graph_->ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
      const auto& edge = graph_->edge(e);
      if (edge.kind != graph::EdgeKind::kConsumes) {
        return;
      }
      const auto now = graph_->EvidenceAt(edge, graph::kNow);
      Reader r;
      r.id = std::string(graph_->id(to));
      r.team = TeamOf(to);
      r.observed = (now & graph::kObserved) != 0;
      r.permitted = (now & graph::kPermitted) != 0;
      r.first_seen = graph_->FirstSeen(edge);
      r.last_seen = edge.last_seen;
      out.push_back(std::move(r));
    });
    std::sort(out.begin(), out.end(), [](const Reader& a, const Reader& b) { return a.id < b.id; });
    return out;
  }

  // The active direct consumers of `topic` with `evidence` (observed and/or permitted).
  std::vector<AffectedConsumer> ActiveReaders(const std::string& topic,
                                              std::uint8_t evidence) const {
    std::vector<AffectedConsumer> out;
    for (const auto& r : Readers(topic)) {
      const bool match = ((evidence & graph::kObserved) != 0 && r.observed) ||
                         ((evidence & graph::kPermitted) != 0 && r.permitted);
      if (match) {
        out.push_back({NodeId::FromTrusted(r.id), r.team, 1});
      }
    }
    return out;
  }

  // Every transitive downstream consumer of `topic` (observed or permitted).
  std::vector<AffectedConsumer> Downstream(const std::string& topic) const {
    std::vector<AffectedConsumer> out;
    auto impact = graph::Impact(*graph_, topic, std::nullopt, graph::kObserved | graph::kPermitted);
    if (!impact.ok()) {
      return out;
    }
    out.reserve(impact->consumers.size());
    for (const auto& c : impact->consumers) {
      out.push_back({NodeId::FromTrusted(std::string(c.node.id)),
                     c.team ? std::string(*c.team) : std::string(), c.depth});
    }
    return out;
  }

  // Appends a decision and its intents (one per team in `teams`, each with
  // `facts` plus the team's own entries from `per_team`).
  void Record(DomainEvent event, Timestamp time, const std::string& key, const std::string& kind,
              const std::string& severity, const json& facts,
              const std::map<std::string, json>& per_team) {
    const std::size_t index = out_.events.size();
    out_.events.push_back(
        NewEvent{std::move(event), time, std::string(kSource), std::nullopt, key});
    for (const auto& [team, extra] : per_team) {
      OutboxIntent intent;
      intent.idempotency_key = key + "/" + team;
      intent.kind = kind;
      intent.team = team;
      intent.severity = severity;
      intent.facts = facts;
      intent.facts["kind"] = kind;
      intent.facts["team"] = team;
      intent.facts["decision_key"] = key;
      intent.facts["event_time"] = FormatRfc3339(time);
      for (const auto& [k, v] : extra.items()) {
        intent.facts[k] = v;
      }
      intent.caused_by_event = index;
      out_.outbox.push_back(std::move(intent));
    }
  }

 private:
  const Tracker& tracker_;
  Batch& out_;
  std::shared_ptr<const graph::GraphSnapshot> graph_;
  const CatalogState& catalog_;
  const SchemaState& schemas_;
};

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

// ---- decisions ----------------------------------------------------------------------

namespace {

std::map<std::string, json> PerTeamConsumers(const std::vector<AffectedConsumer>& consumers) {
  std::map<std::string, json> out;
  for (const auto& [team, list] : ByTeam(consumers)) {
    out[team] = {{"consumers", ConsumersJson(list)}};
  }
  return out;
}

json ConsumerListJson(const std::vector<AffectedConsumer>& consumers) {
  json out = json::array();
  for (const auto& c : consumers) {
    out.push_back({{"id", c.consumer.str()}, {"team", c.team}, {"depth", c.depth}});
  }
  return out;
}

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

}  // namespace

void Tracker::Decide(const std::vector<EventRecord>& records, Batch& out) {
  if (records.empty()) {
    return;
  }
  Context ctx(*this, out);
  bool migrations_dirty = false;

  // A breaking change: the event, and one intent per team of affected consumers.
  auto breaking = [&](BreakingChangeDetected fact, Timestamp time, const std::string& mode) {
    const auto key = fact.decision_key;
    json facts = {{"subject", fact.subject},
                  {"topic", fact.topic ? json(fact.topic->str()) : json(nullptr)},
                  {"from_version", fact.from_version},
                  {"to_version", fact.to_version},
                  {"level", fact.level},
                  {"mode", mode},
                  {"cause", fact.cause},
                  {"incompatibilities", fact.incompatibilities}};
    auto per_team = PerTeamConsumers(fact.affected);
    if (fact.topic) {
      if (const auto* p = ctx.ProductOnTopic(fact.topic->str())) {
        facts["product"] = p->first;
        facts["owner"] = p->second.published.owner;
        // Teams subscribed to the product explicitly hear of it too.
        for (const auto& [team, products] : ctx.catalog().subscriptions) {
          if (std::binary_search(products.begin(), products.end(), p->first) &&
              !per_team.contains(team)) {
            per_team[team] = {{"consumers", json::array()}, {"role", "subscriber"}};
          }
        }
      }
    }
    ctx.Record(std::move(fact), time, key, "breaking_change", "critical", facts, per_team);
  };

  for (const auto& r : records) {
    std::visit(
        Overloaded{
            [&](const SchemaRegistered& e) {
              const auto& subjects = ctx.schemas().subjects;
              auto s = subjects.find(e.subject);
              if (s == subjects.end()) {
                return;
              }
              auto cur = s->second.versions.find(e.version);
              if (cur == s->second.versions.end() || cur->second.deleted) {
                return;
              }
              std::vector<schema::SchemaVersion> history;
              const SubjectVersion* previous = nullptr;
              for (const auto& [n, v] : s->second.versions) {
                if (n < e.version) {
                  history.push_back(ToCheckable(ctx.schemas(), v));
                  if (!v.deleted) {
                    previous = &v;
                  }
                }
              }
              if (previous == nullptr) {
                return;  // the subject's first version is not a change
              }
              const std::string level = ctx.schemas().LevelOf(e.subject);
              const std::string mode = s->second.mode.value_or(ctx.schemas().global_mode);
              const auto topic = ctx.TopicOfSubject(e.subject);
              const std::string key = "schema:" + e.subject + ":" + std::to_string(e.version) +
                                      ":" + std::to_string(e.schema_id);
              BreakingChangeDetected fact;
              fact.decision_key = key;
              fact.subject = e.subject;
              if (topic) {
                fact.topic = NodeId::FromTrusted(*topic);
              }
              fact.from_version = previous->version;
              fact.to_version = e.version;
              fact.level = level;
              if (previous->schema_type != cur->second.schema_type) {
                fact.cause = "schema_type_changed";
                fact.incompatibilities.push_back(
                    {{"type", "SCHEMA_TYPE_CHANGED"},
                     {"path", ""},
                     {"message", "the schema type changed from " + previous->schema_type + " to " +
                                     cur->second.schema_type},
                     {"version", previous->version}});
              } else {
                // What consumers need: every reader, old or new, reads every
                // writer's data — FULL_TRANSITIVE, whatever the subject's level let in.
                // A step budget (no clock, so the decision does not depend on the
                // machine): a registered schema too complex to compare cannot
                // stall the writer; it counts as breaking.
                schema::CheckOptions check_options;
                check_options.budget = schema::WorkLimits{20'000'000, std::chrono::hours(1)};
                auto checked = schema::CheckCompatibility(
                    schema::CompatibilityLevel::kFullTransitive, history,
                    ToCheckable(ctx.schemas(), cur->second), check_options);
                if (!checked.ok()) {
                  fact.cause = "invalid_schema";
                  fact.incompatibilities.push_back(
                      {{"type", checked.status().code() == ErrorCode::kResourceExhausted
                                    ? "SCHEMA_TOO_COMPLEX"
                                    : "INVALID_SCHEMA"},
                       {"path", ""},
                       {"message", checked.status().message()},
                       {"version", e.version}});
                } else if (checked->compatible) {
                  out.events.push_back(NewEvent{
                      CompatibleChangeRecorded{e.subject, previous->version, e.version, level},
                      r.event_time, std::string(kSource), std::nullopt, key});
                  return;
                } else {
                  fact.cause = "incompatible_schema";
                  for (const auto& i : checked->incompatibilities) {
                    fact.incompatibilities.push_back({{"type", i.kind},
                                                      {"path", i.path},
                                                      {"message", i.message},
                                                      {"version", i.version}});
                  }
                }
              }
              if (topic) {
                fact.affected = ctx.Downstream(*topic);
              }
              breaking(std::move(fact), r.event_time, mode);
            },
            [&](const SchemaDeleted& e) {
              // Breaking when consumers read the topic and the deletion takes away
              // the schema they use: the whole subject, its latest version, or any
              // version hard-deleted (readers can no longer fetch it by id).
              const auto topic = ctx.TopicOfSubject(e.subject);
              if (!topic) {
                return;
              }
              const auto& subjects = ctx.schemas().subjects;
              auto s = subjects.find(e.subject);
              bool latest = true;
              if (e.version && s != subjects.end()) {
                for (const auto& [n, v] : s->second.versions) {
                  if (n > *e.version && !v.deleted) {
                    latest = false;
                  }
                }
              }
              if (!e.permanent && !latest) {
                return;
              }
              auto consumers = ctx.ActiveReaders(*topic, graph::kObserved);
              if (consumers.empty()) {
                return;
              }
              BreakingChangeDetected fact;
              fact.decision_key = "schema-deleted:" + e.subject + ":" +
                                  (e.version ? std::to_string(*e.version) : "all") + ":" +
                                  (e.permanent ? "hard" : "soft") + ":" +
                                  std::to_string(r.seq.value());
              fact.subject = e.subject;
              fact.topic = NodeId::FromTrusted(*topic);
              fact.from_version = e.version.value_or(0);
              fact.to_version = e.version.value_or(0);
              fact.level = ctx.schemas().LevelOf(e.subject);
              fact.cause = e.permanent ? "schema_hard_deleted" : "schema_deleted";
              fact.affected = ctx.Downstream(*topic);
              breaking(std::move(fact), r.event_time,
                       s == subjects.end() ? ctx.schemas().global_mode
                                           : s->second.mode.value_or(ctx.schemas().global_mode));
            },
            [&](const AclRevoked& e) {
              if (e.acl.permission == "ALLOW") {
                DecideAccess(ctx, r, e.acl, "acl_revoked");
              }
            },
            [&](const AclGranted& e) {
              if (e.acl.permission == "DENY") {
                DecideAccess(ctx, r, e.acl, "deny_added");
              }
            },
            [&](const ProductDeprecated& e) {
              migrations_dirty = true;
              auto t = state_.deprecations.find(e.product);
              if (t == state_.deprecations.end() || t->second.deprecated_seq != r.seq) {
                return;  // superseded within the batch
              }
              const auto* product = ctx.Product(e.product);
              std::vector<AffectedConsumer> consumers;
              if (product != nullptr) {
                consumers = ctx.ActiveReaders(Context::TopicOf(*product),
                                              graph::kObserved | graph::kPermitted);
              }
              DeprecationAnnounced fact;
              fact.decision_key = "deprecation:" + e.product + ":" + std::to_string(r.seq.value());
              fact.product = e.product;
              fact.sunset = e.sunset;
              fact.replacement = e.replacement;
              fact.consumers = consumers;
              for (const auto d : options_.reminders_before_sunset) {
                if (e.sunset - d <= r.event_time) {
                  fact.reminders_skipped.push_back(FormatDuration(d));
                }
              }
              auto per_team = PerTeamConsumers(consumers);
              for (auto& [team, extra] : per_team) {
                extra["role"] = "consumer";
              }
              // Teams subscribed to the product explicitly hear of it too.
              for (const auto& [team, products] : ctx.catalog().subscriptions) {
                if (std::binary_search(products.begin(), products.end(), e.product) &&
                    !per_team.contains(team)) {
                  per_team[team]["role"] = "subscriber";
                }
              }
              const std::string owner = ctx.OwnerOf(e.product);
              if (!owner.empty()) {
                per_team[owner]["role"] = per_team.contains(owner) ? "owner_and_consumer" : "owner";
                per_team[owner]["consumers_by_team"] = ConsumerListJson(consumers);
              }
              for (const auto& [team, extra] : per_team) {
                fact.teams.push_back(team);
              }
              json facts = {{"product", e.product},
                            {"owner", owner},
                            {"reason", e.reason},
                            {"sunset", FormatRfc3339(e.sunset)},
                            {"replacement", e.replacement ? json(*e.replacement) : json(nullptr)},
                            {"actor", e.actor}};
              if (product != nullptr) {
                facts["topic"] = Context::TopicOf(*product);
              }
              const auto key = fact.decision_key;
              ctx.Record(std::move(fact), r.event_time, key, "deprecation", "warning", facts,
                         per_team);
            },
            [&](const ProductRetired& e) {
              const auto* product = ctx.Product(e.product);
              if (product == nullptr) {
                return;
              }
              auto consumers = ctx.ActiveReaders(Context::TopicOf(*product), graph::kObserved);
              if (consumers.empty()) {
                return;
              }
              RetiredWithConsumers fact{
                  "retired:" + e.product + ":" + std::to_string(r.seq.value()), e.product,
                  consumers};
              auto per_team = PerTeamConsumers(consumers);
              const std::string owner = product->published.owner;
              if (!owner.empty()) {
                per_team[owner]["consumers_by_team"] = ConsumerListJson(consumers);
              }
              json facts = {{"product", e.product},
                            {"owner", owner},
                            {"topic", Context::TopicOf(*product)},
                            {"actor", e.actor},
                            {"consumer_count", consumers.size()}};
              const auto key = fact.decision_key;
              ctx.Record(std::move(fact), r.event_time, key, "retired_with_consumers", "critical",
                         facts, per_team);
            },
            [&](const ConsumerStarted& e) {
              migrations_dirty = true;
              const auto* entry = ctx.ProductOnTopic(e.topic.str());
              if (entry == nullptr) {
                return;
              }
              auto t = state_.deprecations.find(entry->first);
              if (t == state_.deprecations.end() || t->second.retired ||
                  r.seq < t->second.deprecated_seq ||
                  t->second.consumers.contains(e.consumer.str())) {
                return;  // not deprecated, or a consumer the migration already tracks
              }
              std::string team;
              if (const auto v = ctx.graph().Find(e.consumer.str()); v != graph::kNone) {
                team = ctx.TeamOf(v);
              }
              const std::string owner = entry->second.published.owner;
              ConsumerOnDeprecated fact{"new-consumer:" + entry->first + ":" + e.consumer.str() +
                                            ":" + std::to_string(r.seq.value()),
                                        entry->first, e.consumer, team};
              json facts = {{"product", entry->first},
                            {"owner", owner},
                            {"topic", e.topic.str()},
                            {"consumer", e.consumer.str()},
                            {"consumer_team", team},
                            {"reason", t->second.reason},
                            {"sunset", FormatRfc3339(t->second.sunset)},
                            {"replacement",
                             t->second.replacement ? json(*t->second.replacement) : json(nullptr)}};
              std::map<std::string, json> per_team;
              per_team[team]["role"] = "consumer";
              if (!owner.empty()) {
                per_team[owner]["role"] = owner == team ? "owner_and_consumer" : "owner";
              }
              const auto key = fact.decision_key;
              ctx.Record(std::move(fact), r.event_time, key, "new_consumer_on_deprecated",
                         "warning", facts, per_team);
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
    DecideMigrations(ctx, records.back().event_time);
  }
}

void Tracker::DecideAccess(Context& ctx, const EventRecord& r, const AclBinding& acl,
                           const std::string& cause) {
  const auto principal = NodeId::Principal(acl.principal).str();
  const auto& g = ctx.graph();
  const auto v = g.Find(principal);
  if (v == graph::kNone) {
    return;
  }
  // Topics the principal actively reads (topic -> principal) or writes
  // (principal -> topic) that the binding covers and that it may no longer use.
  std::map<std::string, std::vector<NodeId>> lost;  // operation -> topics
  auto check = [&](std::uint32_t e, std::uint32_t topic, std::string_view op) {
    const auto& edge = g.edge(e);
    const auto evidence = g.EvidenceAt(edge, graph::kNow);
    if ((evidence & graph::kObserved) == 0 || !OperationCovers(acl.operation, op)) {
      return;
    }
    if (cause == "acl_revoked" && (evidence & graph::kPermitted) != 0) {
      return;  // another ALLOW still grants it
    }
    auto id = NodeId::Parse(g.id(topic));
    if (!id.ok() || id->kind() != NodeKind::kTopic) {
      return;
    }
    const std::string_view body = std::string_view(id->str()).substr(6);  // "topic:" ...
    const auto slash = body.find('/');
    if (slash == std::string_view::npos || body.substr(0, slash) != acl.cluster ||
        !AclCovers(acl, body.substr(slash + 1))) {
      return;
    }
    lost[std::string(op)].push_back(*id);
  };
  g.ForEachInNeighbour(v, [&](std::uint32_t e, std::uint32_t from) {
    if (g.edge(e).kind == graph::EdgeKind::kConsumes) {
      check(e, from, "READ");
    }
  });
  g.ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
    if (g.edge(e).kind == graph::EdgeKind::kProduces) {
      check(e, to, "WRITE");
    }
  });
  const std::string team = ctx.TeamOf(v);
  for (auto& [op, topics] : lost) {
    std::sort(topics.begin(), topics.end());
    const std::string key =
        "access:" + acl.principal + ":" + op + ":" + std::to_string(r.seq.value());
    json topic_list = json::array();
    for (const auto& t : topics) {
      topic_list.push_back(t.str());
    }
    json facts = {{"principal", principal},
                  {"operation", op},
                  {"cause", cause},
                  {"topics", topic_list},
                  {"acl",
                   {{"cluster", acl.cluster},
                    {"resource_type", acl.resource_type},
                    {"resource_name", acl.resource_name},
                    {"pattern_type", acl.pattern_type},
                    {"operation", acl.operation},
                    {"permission", acl.permission}}}};
    AccessRevokedDetected fact{key, NodeId::FromTrusted(principal), team, topics, op, cause, acl};
    ctx.Record(std::move(fact), r.event_time, key, "access_revoked", "critical", facts,
               {{team, json::object()}});
  }
}

void Tracker::DecideMigrations(Context& ctx, Timestamp time) {
  for (const auto& [product, track] : state_.deprecations) {
    if (track.retired) {
      continue;
    }
    const auto* old_product = ctx.Product(product);
    const auto* new_product = track.replacement ? ctx.Product(*track.replacement) : nullptr;
    if (old_product == nullptr) {
      continue;
    }
    std::set<std::string> reads_old;
    std::set<std::string> reads_new;
    for (const auto& r : ctx.Readers(Context::TopicOf(*old_product))) {
      if (r.observed) {
        reads_old.insert(r.id);
      }
    }
    if (new_product != nullptr) {
      for (const auto& r : ctx.Readers(Context::TopicOf(*new_product))) {
        if (r.observed) {
          reads_new.insert(r.id);
        }
      }
    }
    std::set<std::string> candidates = reads_old;
    for (const auto& [id, c] : track.consumers) {
      candidates.insert(id);
    }
    for (const auto& id : candidates) {
      const bool old_read = reads_old.contains(id);
      const bool new_read = reads_new.contains(id);
      const char* status = old_read && new_read ? kDual
                           : old_read           ? kNotStarted
                           : new_read           ? kMigrated
                                                : kStopped;
      auto it = track.consumers.find(id);
      const std::string from = it == track.consumers.end() ? "" : it->second.status;
      if (from == status) {
        continue;
      }
      const int n = it == track.consumers.end() ? 0 : it->second.changes;
      const std::string key = "migration:" + product + ":" +
                              std::to_string(track.deprecated_seq.value()) + ":" + id + ":" +
                              std::to_string(n);
      ctx.Record(MigrationStatusChanged{product, NodeId::FromTrusted(id), from, status}, time, key,
                 "", "", json::object(), {});
    }
  }
}

void Tracker::Tick(Timestamp now, Batch& out) {
  if (state_.deprecations.empty()) {
    return;
  }
  Context ctx(*this, out);
  for (const auto& [product, track] : state_.deprecations) {
    if (track.retired) {
      continue;
    }
    const auto* p = ctx.Product(product);
    const std::string topic = p == nullptr ? std::string() : Context::TopicOf(*p);
    const std::string owner = p == nullptr ? std::string() : p->published.owner;
    const std::string base = product + ":" + std::to_string(track.deprecated_seq.value());
    json facts = {{"product", product},
                  {"owner", owner},
                  {"topic", topic},
                  {"reason", track.reason},
                  {"sunset", FormatRfc3339(track.sunset)},
                  {"replacement", track.replacement ? json(*track.replacement) : json(nullptr)}};
    auto remaining = [&] {
      return topic.empty() ? std::vector<AffectedConsumer>{}
                           : ctx.ActiveReaders(topic, graph::kObserved);
    };
    if (now >= track.sunset) {
      if (track.reminders_done.contains("after")) {
        continue;
      }
      // Past the sunset: escalate to the consumers' teams and the owner while
      // consumers remain (the timer is recorded either way).
      const auto consumers = remaining();
      std::map<std::string, json> per_team;
      if (!consumers.empty()) {
        per_team = PerTeamConsumers(consumers);
        for (auto& [team, extra] : per_team) {
          extra["role"] = "consumer";
        }
        if (!owner.empty()) {
          per_team[owner]["role"] = per_team.contains(owner) ? "owner_and_consumer" : "owner";
          per_team[owner]["consumers_by_team"] = ConsumerListJson(consumers);
        }
      }
      facts["consumer_count"] = consumers.size();
      const std::string key = "reminder:" + base + ":after";
      ctx.Record(ReminderDue{key, product, track.sunset, "after"}, now, key, "sunset_escalation",
                 "high", facts, per_team);
      continue;
    }
    // Before the sunset: the reminders due by now that are neither done nor
    // covered by the deprecation notice. When several are due at once (the
    // service was down), only the one closest to the sunset is sent.
    std::vector<Duration> due;
    for (const auto d : options_.reminders_before_sunset) {
      const std::string name = FormatDuration(d);
      if (track.sunset - d <= track.deprecated_at || track.reminders_done.contains(name)) {
        continue;
      }
      if (track.sunset - d <= now) {
        due.push_back(d);
      }
    }
    for (std::size_t i = 0; i < due.size(); ++i) {
      const std::string name = FormatDuration(due[i]);
      const std::string key = "reminder:" + base + ":" + name;
      std::map<std::string, json> per_team;
      const bool send = i + 1 == due.size();
      const auto consumers = send ? remaining() : std::vector<AffectedConsumer>{};
      if (send) {
        per_team = PerTeamConsumers(consumers);
      }
      json f = facts;
      f["before"] = name;
      f["days_to_sunset"] =
          std::chrono::duration_cast<std::chrono::hours>(track.sunset - now).count() / 24;
      ctx.Record(ReminderDue{key, product, track.sunset, name}, now, key, "reminder", "warning", f,
                 per_team);
    }
  }
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
