// Product pages of the web UI (ui_routes.h). A product: metadata, schema versions with verdicts,
// producers, consumers, lineage.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "governance/schema_fields.h"
#include "http/params.h"
#include "http/routes/consumer_json.h"
#include "http/routes/graph_render.h"
#include "tracking/breaking_change_detector.h"
#include "tributary/overloaded.h"

namespace tributary::http::ui {
namespace {

// Two versions of `subject` compared (`?from=&to=`; the last two live ones by
// default): field by field (added, removed, retyped, from SchemaFields) and the
// compatibility engine's verdict of `to` read against `from` (the tracker's
// JudgeSchemaChange, at the subject's level). Nothing with fewer than two
// versions and no parameters; 400 for a version the subject does not have.
Status AddVersionComparison(json& page, const SchemaState& schemas, const std::string& subject,
                            const Request& r) {
  auto from_param = CursorParam(r, "from", 1, INT32_MAX);
  auto to_param = CursorParam(r, "to", 1, INT32_MAX);
  if (!from_param.ok()) {
    return from_param.status();
  }
  if (!to_param.ok()) {
    return to_param.status();
  }
  const auto s = schemas.subjects.find(subject);
  std::vector<const SubjectVersion*> live;
  if (s != schemas.subjects.end()) {
    for (const auto& [n, v] : s->second.versions) {
      if (!v.deleted) {
        live.push_back(&v);
      }
    }
  }
  if (live.size() < 2 && !*from_param && !*to_param) {
    return Status::Ok();
  }
  const auto find = [&](const std::optional<std::int64_t>& wanted, std::size_t fallback,
                        const char* what) -> Result<const SubjectVersion*> {
    if (!wanted) {
      if (fallback < live.size()) {
        return live[fallback];
      }
      return InvalidArgument(std::string(what) + ": " + subject + " has no version to compare");
    }
    if (s != schemas.subjects.end()) {
      if (auto it = s->second.versions.find(static_cast<std::int32_t>(*wanted));
          it != s->second.versions.end()) {
        return &it->second;
      }
    }
    return InvalidArgument(std::string(what) + ": " + subject + " has no version " +
                           std::to_string(*wanted));
  };
  auto a = find(*from_param, live.size() - 2, "from");
  if (!a.ok()) {
    return a.status();
  }
  auto b = find(*to_param, live.size() - 1, "to");
  if (!b.ok()) {
    return b.status();
  }
  const SubjectVersion& before = **a;
  const SubjectVersion& after = **b;
  json compare = {{"from", std::to_string(before.version)}, {"to", std::to_string(after.version)}};
  const auto before_fields = governance::SchemaFields(before.schema_type, before.schema);
  const auto after_fields = governance::SchemaFields(after.schema_type, after.schema);
  if (before_fields.ok() && after_fields.ok()) {
    json fields = json::array();
    for (const auto& c : governance::FieldDiff(*before_fields, *after_fields)) {
      fields.push_back({{"change", c.change},
                        {"path", c.path},
                        {"from_type", c.from_type},
                        {"to_type", c.to_type}});
    }
    compare["fields"] = fields;
    compare["same_fields"] = fields.empty();
    compare["has_fields"] = !fields.empty();
  } else {
    compare["fields_error"] =
        !before_fields.ok() ? before_fields.status().message() : after_fields.status().message();
  }
  const auto verdict = tracking::JudgeSchemaChange(schemas, {&before}, before, after);
  compare["compatible"] = !verdict.has_value();
  if (verdict) {
    compare["cause"] = verdict->cause;
    json found = json::array();
    for (const auto& i : verdict->incompatibilities) {
      found.push_back({{"message", i.message}, {"path", i.path}, {"type", i.type}});
    }
    compare["incompatibilities"] = found;
  }
  page["compare"] = compare;
  return Status::Ok();
}

Result<json> ProductPage(const ApiContext& ctx, const Request& r) {
  const auto& name = r.params.at("name");
  const auto catalog = ctx.catalog();
  auto it = catalog->products.find(name);
  if (it == catalog->products.end()) {
    return NotFound("no product named \"" + name + "\"");
  }
  std::string at_error;
  const auto at = AtParam(r, at_error);
  if (!at_error.empty()) {
    return InvalidArgument(at_error);
  }
  const auto& p = it->second.published;
  const auto topic = NodeId::Topic(p.cluster, p.topic).str();
  const auto subject = p.schema_subject.value_or(p.topic + "-value");
  const auto schemas = ctx.schemas();
  const auto g = ctx.graph();
  json page = {{"name", name},
               {"status", it->second.status},
               {"topic", topic},
               {"topic_url", Url(topic)},
               {"domain", p.domain},
               {"owner", p.owner},
               {"quality", p.quality},
               {"sla", p.sla},
               {"description", p.description},
               {"subject", subject},
               {"level", schemas->LevelOf(subject)},
               {"depth", std::to_string(DepthParam(r, 2))},
               {"at", at ? FormatRfc3339(*at) : std::string()},
               {"name_url", Segment(name)},
               {"is_active", it->second.status == "active"},
               {"is_live", it->second.status != "retired"}};
  if (const auto& d = it->second.deprecation) {
    page["deprecation"] = {{"reason", d->reason},
                           {"sunset", FormatRfc3339(d->sunset)},
                           {"replacement", d->replacement.value_or("")},
                           {"replacement_url", Segment(d->replacement.value_or(""))},
                           {"name", name},
                           {"name_url", Segment(name)}};
  }
  // Verdicts recorded by the tracker, by version.
  std::map<int, json> verdicts;
  {
    for (const char* type : {"compatible_change_recorded", "breaking_change_detected"}) {
      (void)ctx.events->ForEach(
          EventSeq(),
          [&](const EventRecord& e) {
            if (const auto* c = std::get_if<CompatibleChangeRecorded>(&e.event);
                c != nullptr && c->subject == subject) {
              verdicts[c->to_version] = {{"text", "compatible"}, {"class", "active"}};
            } else if (const auto* b = std::get_if<BreakingChangeDetected>(&e.event);
                       b != nullptr && b->subject == subject && b->to_version > 0) {
              verdicts[b->to_version] = {
                  {"text", "breaking (" + b->cause + ", " + std::to_string(b->affected.size()) +
                               " consumers)"},
                  {"class", "dead"}};
            }
            return true;
          },
          0, std::string(type));
    }
  }
  json versions = json::array();
  if (auto s = schemas->subjects.find(subject); s != schemas->subjects.end()) {
    for (const auto& [n, v] : s->second.versions) {
      versions.push_back(
          {{"version", std::to_string(v.version)},
           {"id", std::to_string(v.id)},
           {"type", v.schema_type},
           {"registered_at", FormatRfc3339(v.registered_at)},
           {"deleted", v.deleted},
           {"verdict", verdicts.contains(v.version) ? verdicts[v.version] : json(nullptr)}});
    }
  }
  page["versions"] = versions;
  if (auto compared = AddVersionComparison(page, *schemas, subject, r); !compared.ok()) {
    return compared;
  }
  json producers = json::array();
  json consumers = json::array();
  // Each consumer's migration off this product while it is deprecated.
  std::map<std::string, std::string> migration;
  if (const auto tracking = ctx.tracking ? ctx.tracking() : nullptr) {
    if (auto t = tracking->deprecations.find(name); t != tracking->deprecations.end()) {
      for (const auto& [consumer, c] : t->second.consumers) {
        migration[consumer] = c.status;
      }
    }
  }
  if (const auto v = g->Find(topic); v != graph::kNone) {
    g->ForEachInNeighbour(v, [&](std::uint32_t e, std::uint32_t from) {
      const auto& edge = g->edge(e);
      if (edge.kind == graph::EdgeKind::kProduces && g->EvidenceAt(edge, graph::kNow) != 0) {
        producers.push_back({{"id", std::string(g->id(from))},
                             {"url", Url(g->id(from))},
                             {"team", TeamOf(*g, from).value_or("")}});
      }
    });
    g->ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
      const auto& edge = g->edge(e);
      const auto evidence = g->EvidenceAt(edge, graph::kNow);
      if (edge.kind == graph::EdgeKind::kConsumes && evidence != 0) {
        consumers.push_back({{"id", std::string(g->id(to))},
                             {"url", Url(g->id(to))},
                             {"team", TeamOf(*g, to).value_or("(unresolved)")},
                             {"evidence", EvidenceText(evidence)},
                             {"last_seen", Time(edge.last_seen)},
                             {"migration", migration.contains(std::string(g->id(to)))
                                               ? json(migration.at(std::string(g->id(to))))
                                               : json("")}});
      }
    });
  }
  // Stream facts and each consumer's health (DESIGN.md §10).
  const auto health = ctx.health ? ctx.health() : nullptr;
  auto stream = StreamJson(health.get(), it->second);
  std::string sources;
  for (const auto& [k, v] : stream["sources"].items()) {
    if (!v.is_null() && sources.find(v.get<std::string>()) == std::string::npos) {
      sources += (sources.empty() ? "" : ", ") + v.get<std::string>();
    }
  }
  json shown = {
      {"history_text", HistoryText(stream)},
      {"partitions", stream["partitions"].is_null() ? json("") : json(stream["partitions"].dump())},
      {"replication_factor", stream["replication_factor"].is_null()
                                 ? json("")
                                 : json(stream["replication_factor"].dump())},
      {"rate", stream["messages_per_second"].is_null()
                   ? json("")
                   : json(std::to_string(static_cast<long long>(
                         std::llround(stream["messages_per_second"].get<double>()))))},
      {"last_produced_at",
       stream["last_produced_at"].is_null() ? json("") : stream["last_produced_at"]},
      {"sources_text", sources.empty() ? std::string("nothing observed or declared") : sources}};
  page["stream"] = shown;
  if (health) {
    for (auto& c : consumers) {
      const auto id = c["id"].get<std::string>();
      for (const auto& v : health->consumers) {
        if (v.id == id) {
          c["health"] = {{"status", std::string(health::ToString(v.status))},
                         {"lag", std::to_string(v.total_lag)},
                         {"lag_time", LagText(v.max_lag_seconds)},
                         {"url", Segment(v.id)},
                         {"at_risk", !v.risks.empty()}};
        }
      }
    }
  }
  page["producers"] = producers;
  page["consumers"] = consumers;
  AddLineage(page, ctx, r, *g, topic, graph::Direction::kBoth, DepthParam(r, 2), at);
  return page;
}

}  // namespace

void AddProductPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add(
      "GET", "/ui/products/{name}",
      [&ctx, demo](const Request& r) {
        return ServePage(
            ctx, demo, r, "Product " + r.params.at("name"), [&] { return ProductPage(ctx, r); },
            "product");
      },
      AlwaysHeavy);
}

}  // namespace tributary::http::ui
