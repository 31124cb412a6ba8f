#include "http/ui/ui_routes.h"

#include <charconv>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "graph/queries.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "http/ui/ui_templates.h"
#include "notifiers/templates/mustache_data.h"
#include "tributary/overloaded.h"

namespace tributary::http {
namespace {

using nlohmann::json;
namespace mustache = kainjow::mustache;

const std::string& PageTemplate(const std::string& name) {
  static const std::map<std::string, std::string> pages = [] {
    std::map<std::string, std::string> out;
    for (const auto& t : UiTemplates()) {
      out.emplace(std::string(t.path), std::string(t.text));
    }
    return out;
  }();
  return pages.at(name + ".mustache");
}

// A node id as a query value (':' and '/' stay readable).
std::string Url(std::string_view text) { return PercentEncode(text, ":/"); }

// A name as one path segment ('/' encoded too).
std::string Segment(std::string_view text) { return PercentEncode(text); }

// Untrusted text made safe to show: every string of a page's data goes through
// DisplaySafe (HTML escaping is the template's; bidi and control characters
// are replaced here).
void MakeDisplaySafe(json& value) {
  if (value.is_string()) {
    value = DisplaySafe(value.get_ref<const std::string&>(), /*keep_newlines=*/true);
  } else if (value.is_structured()) {
    for (auto& item : value) {
      MakeDisplaySafe(item);
    }
  }
}

Response Html(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  return r;
}

std::string Time(std::int64_t ms) {
  return ms <= 0 ? std::string() : FormatRfc3339(FromMillis(ms));
}

std::string EvidenceText(std::uint8_t bits) {
  std::string out;
  for (const auto& [bit, name] :
       {std::pair{graph::kObserved, "observed"}, std::pair{graph::kPermitted, "permitted"},
        std::pair{graph::kDeclared, "declared"}}) {
    if ((bits & bit) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(name);
    }
  }
  return out;
}

std::optional<std::string> TeamOf(const graph::GraphSnapshot& g, std::uint32_t v) {
  if (auto owner = g.OwnerOf(v)) {
    return std::string(owner->team);
  }
  return std::nullopt;
}

// A lineage SVG (or why there is none).
void AddLineage(json& page, const graph::GraphSnapshot& g, const std::string& root,
                graph::Direction direction, int depth, std::optional<Timestamp> at) {
  graph::LineageQuery q;
  q.root = root;
  q.direction = direction;
  q.depth = depth;
  q.at = at;
  auto result = graph::Lineage(g, q);
  if (!result.ok()) {
    page["svg_error"] = result.status().message();
    return;
  }
  if (result->nodes.size() > kMaxSvgNodes) {
    page["svg_error"] = "The graph has " + std::to_string(result->nodes.size()) +
                        " nodes, more than " + std::to_string(kMaxSvgNodes) +
                        " can be drawn; lower the depth.";
  } else {
    auto svg = DotToSvg(LineageToDot(g, *result));
    if (svg.ok()) {
      // Drop the XML prologue so the SVG can sit inside the page.
      std::string text = std::move(svg).value();
      if (const auto start = text.find("<svg"); start != std::string::npos) {
        text.erase(0, start);
      }
      page["svg"] = text;
    } else {
      page["svg_error"] = svg.status().message();
    }
  }
  json edges = json::array();
  for (const auto& e : result->edges) {
    edges.push_back({{"from", std::string(e.from)},
                     {"from_url", Url(e.from)},
                     {"to", std::string(e.to)},
                     {"to_url", Url(e.to)},
                     {"kind", std::string(graph::ToString(e.kind))},
                     {"evidence", EvidenceText(e.evidence)},
                     {"first_seen", FormatRfc3339(e.first_seen)},
                     {"last_seen", FormatRfc3339(e.last_seen)},
                     {"active", e.active ? "yes" : "ended"}});
  }
  page["edges"] = edges;
}

// One line about an event for the overview's recent changes.
std::string Summary(const EventRecord& r) {
  return std::visit(
      Overloaded{
          [](const BreakingChangeDetected& e) {
            return e.subject + " v" + std::to_string(e.from_version) + " → v" +
                   std::to_string(e.to_version) + " (" + e.cause + ", level " + e.level +
                   "): " + std::to_string(e.affected.size()) + " consumers affected";
          },
          [](const CompatibleChangeRecorded& e) {
            return e.subject + " v" + std::to_string(e.from_version) + " → v" +
                   std::to_string(e.to_version) + " is compatible";
          },
          [](const ProductDeprecated& e) {
            return e.product + " deprecated, sunset " + FormatRfc3339(e.sunset) +
                   (e.replacement ? ", replaced by " + *e.replacement : std::string());
          },
          [](const ProductRetired& e) { return e.product + " retired"; },
          [](const ProductPublished& e) { return e.product + " published by " + e.owner; },
          [](const ConsumerOnDeprecated& e) {
            return e.consumer.str() + " started reading deprecated " + e.product;
          },
          [](const MigrationStatusChanged& e) {
            return e.consumer.str() + " on " + e.product + ": " +
                   (e.from.empty() ? std::string("—") : e.from) + " → " + e.to;
          },
          [](const AccessRevokedDetected& e) {
            return e.operation + " revoked from active " + e.principal.str();
          },
          [](const RetiredWithConsumers& e) {
            return e.product + " retired with " + std::to_string(e.consumers.size()) +
                   " consumers left";
          },
          [](const ReminderDue& e) {
            return e.before == "after" ? e.product + " is past its sunset"
                                       : e.product + ": " + e.before + " to sunset";
          },
          [](const SourceGap& e) {
            return std::to_string(e.to_offset - e.from_offset) + " records of " + e.cluster + "/" +
                   e.topic + "[" + std::to_string(e.partition) + "] (offsets " +
                   std::to_string(e.from_offset) + "–" + std::to_string(e.to_offset - 1) +
                   ") were deleted by the broker before they were read";
          },
          [](const NotificationDeadLettered& e) {
            return "notification " + e.idempotency_key + " dead: " + e.error;
          },
          [](const auto&) { return std::string(); },
      },
      r.event);
}

Result<Principal> AdmitRead(const ApiContext& ctx, const Request& r) {
  auto principal = ctx.auth->Authenticate(r);
  if (!principal.ok()) {
    return principal.status();
  }
  if (auto s = ctx.auth->AuthorizeRead(*principal); !s.ok()) {
    return s;
  }
  return principal;
}

int DepthParam(const Request& r, int fallback) {
  const auto* text = r.Query("depth");
  int depth = fallback;
  if (text != nullptr && !text->empty()) {
    std::from_chars(text->data(), text->data() + text->size(), depth);
  }
  return std::clamp(depth, 1, 10);
}

std::optional<Timestamp> AtParam(const Request& r, std::string& error) {
  const auto* text = r.Query("at");
  if (text == nullptr || text->empty()) {
    return std::nullopt;
  }
  auto t = ParseRfc3339(*text);
  if (!t.ok()) {
    error = "at: " + t.status().message();
    return std::nullopt;
  }
  return *t;
}

}  // namespace

std::string RenderPage(const std::string& page, const std::string& title, const json& data,
                       bool demo) {
  json safe = data;
  MakeDisplaySafe(safe);
  mustache::mustache content_template(PageTemplate(page));
  const std::string content = content_template.render(notifiers::JsonToMustache(safe));
  mustache::mustache layout(PageTemplate("layout"));
  mustache::data d{mustache::data::type::object};
  d.set("title", DisplaySafe(title));
  d.set("content", content);
  d.set("demo", demo);
  return layout.render(d);
}

void AddUiRoutes(Router& router, const ApiContext& ctx, const DemoView* demo) {
  const bool with_demo = demo != nullptr;
  auto guard = [&ctx, with_demo](const Request& r, std::string title,
                                 const std::function<Result<json>(std::string&)>& build,
                                 const std::string& page) {
    if (auto p = AdmitRead(ctx, r); !p.ok()) {
      return ErrorResponse(p.status());
    }
    std::string error;
    auto data = build(title);
    if (!data.ok()) {
      const int status = data.status().code() == ErrorCode::kNotFound          ? 404
                         : data.status().code() == ErrorCode::kInvalidArgument ? 400
                                                                               : 500;
      std::string message = data.status().message();
      if (status == 500) {
        // Internal messages (paths, SQLite errors) go to the log, not the page.
        const auto id = NewRequestId();
        spdlog::error("ui: request {} for {} failed: {}", id, r.target, data.status().ToString());
        message = "Something went wrong on our side (request id " + id + ").";
      }
      return Html(status, RenderPage("message", "Error", {{"message", message}}, with_demo));
    }
    return Html(200, RenderPage(page, title, *data, with_demo));
  };

  router.Add("GET", "/", [&ctx, guard](const Request& r) {
    return guard(
        r, "Overview",
        [&](std::string&) -> Result<json> {
          const auto catalog = ctx.catalog();
          const auto g = ctx.graph();
          std::map<std::string, json> domains;
          for (const auto& [name, p] : catalog->products) {
            int consumers = 0;
            if (const auto v = g->Find(NodeId::Topic(p.published.cluster, p.published.topic).str());
                v != graph::kNone) {
              g->ForEachOutEdge(v, [&](std::uint32_t e) {
                const auto& edge = g->edge(e);
                if (edge.kind == graph::EdgeKind::kConsumes &&
                    g->EvidenceAt(edge, graph::kNow) != 0) {
                  ++consumers;
                }
              });
            }
            domains[p.published.domain.empty() ? "(none)" : p.published.domain].push_back(
                {{"name", name},
                 {"url", Segment(name)},
                 {"owner", p.published.owner},
                 {"quality", p.published.quality},
                 {"sla", p.published.sla},
                 {"status", p.status},
                 {"consumers", std::to_string(consumers)}});
          }
          json domain_list = json::array();
          for (auto& [name, products] : domains) {
            domain_list.push_back({{"name", name}, {"products", products}});
          }
          std::map<NodeKind, int> kinds;
          for (std::uint32_t v = 0; v < g->node_count(); ++v) {
            ++kinds[g->node(v).kind];
          }
          json page = {{"domains", domain_list},
                       {"product_count", std::to_string(catalog->products.size())},
                       {"topic_count", std::to_string(kinds[NodeKind::kTopic])},
                       {"group_count", std::to_string(kinds[NodeKind::kGroup])},
                       {"principal_count", std::to_string(kinds[NodeKind::kPrincipal])},
                       {"job_count", std::to_string(kinds[NodeKind::kJob])},
                       {"event_count", "0"},
                       {"changes", json::array()}};
          {
            // Lost source records stay on the overview: the map may miss what they held.
            json gaps = json::array();
            (void)ctx.events->ForEach(
                EventSeq(),
                [&](const EventRecord& e) {
                  gaps.push_back({{"time", FormatRfc3339(e.event_time)}, {"summary", Summary(e)}});
                  return true;
                },
                20, std::string("source_gap"));
            page["has_source_gaps"] = !gaps.empty();
            page["source_gaps"] = gaps;
            const auto last = ctx.events->LastSeq();
            if (last.ok()) {
              page["event_count"] = std::to_string(last->value());
              const std::int64_t from = std::max<std::int64_t>(0, last->value() - 2000);
              auto recent = ReadEvents(*ctx.events, EventSeq(from), 2000);
              if (recent.ok()) {
                for (auto it = recent->rbegin();
                     it != recent->rend() && page["changes"].size() < 25; ++it) {
                  const auto summary = Summary(*it);
                  if (!summary.empty()) {
                    page["changes"].push_back({{"time", FormatRfc3339(it->event_time)},
                                               {"type", std::string(TypeName(it->event))},
                                               {"summary", summary}});
                  }
                }
              }
            }
          }
          return page;
        },
        "overview");
  });

  router.Add(
      "GET", "/ui/products/{name}",
      [&ctx, guard](const Request& r) {
        return guard(
            r, "Product " + r.params.at("name"),
            [&](std::string&) -> Result<json> {
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
                           {"at", at ? FormatRfc3339(*at) : std::string()}};
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
                for (const char* type :
                     {"compatible_change_recorded", "breaking_change_detected"}) {
                  (void)ctx.events->ForEach(
                      EventSeq(),
                      [&](const EventRecord& e) {
                        if (const auto* c = std::get_if<CompatibleChangeRecorded>(&e.event);
                            c != nullptr && c->subject == subject) {
                          verdicts[c->to_version] = {{"text", "compatible"}, {"class", "active"}};
                        } else if (const auto* b = std::get_if<BreakingChangeDetected>(&e.event);
                                   b != nullptr && b->subject == subject && b->to_version > 0) {
                          verdicts[b->to_version] = {
                              {"text", "breaking (" + b->cause + ", " +
                                           std::to_string(b->affected.size()) + " consumers)"},
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
                  versions.push_back({{"version", std::to_string(v.version)},
                                      {"id", std::to_string(v.id)},
                                      {"type", v.schema_type},
                                      {"registered_at", FormatRfc3339(v.registered_at)},
                                      {"deleted", v.deleted},
                                      {"verdict", verdicts.contains(v.version) ? verdicts[v.version]
                                                                               : json(nullptr)}});
                }
              }
              page["versions"] = versions;
              json producers = json::array();
              json consumers = json::array();
              if (const auto v = g->Find(topic); v != graph::kNone) {
                g->ForEachInNeighbour(v, [&](std::uint32_t e, std::uint32_t from) {
                  const auto& edge = g->edge(e);
                  if (edge.kind == graph::EdgeKind::kProduces &&
                      g->EvidenceAt(edge, graph::kNow) != 0) {
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
                                         {"last_seen", Time(edge.last_seen)}});
                  }
                });
              }
              page["producers"] = producers;
              page["consumers"] = consumers;
              AddLineage(page, *g, topic, graph::Direction::kBoth, DepthParam(r, 2), at);
              return page;
            },
            "product");
      },
      AlwaysHeavy);

  router.Add(
      "GET", "/ui/node",
      [&ctx, guard](const Request& r) {
        const auto* id = r.Query("id");
        const std::string node = id == nullptr ? std::string() : *id;
        return guard(
            r, node,
            [&](std::string&) -> Result<json> {
              if (node.empty()) {
                return InvalidArgument("id: a node id is required");
              }
              // Ids from Kafka (group ids) may hold characters NodeId::Parse
              // refuses; a node the graph holds is shown whatever its id.
              auto parsed = NodeId::Parse(node);
              if (!parsed.ok() && ctx.graph()->Find(node) == graph::kNone) {
                return InvalidArgument("id: " + parsed.status().message());
              }
              std::string at_error;
              const auto at = AtParam(r, at_error);
              if (!at_error.empty()) {
                return InvalidArgument(at_error);
              }
              const auto g = ctx.graph();
              const auto v = g->Find(node);
              if (v == graph::kNone) {
                return NotFound("unknown node \"" + node + "\"");
              }
              auto direction = graph::Direction::kBoth;
              if (const auto* d = r.Query("direction"); d != nullptr && !d->empty()) {
                auto parsed_direction = graph::ParseDirection(*d);
                if (!parsed_direction.ok()) {
                  return InvalidArgument(parsed_direction.status().message());
                }
                direction = *parsed_direction;
              }
              json page = {{"id", node},
                           {"id_url", Url(node)},
                           {"kind", std::string(ToString(g->node(v).kind))},
                           {"team", TeamOf(*g, v).value_or("")},
                           {"depth", std::to_string(DepthParam(r, 2))},
                           {"at", at ? FormatRfc3339(*at) : std::string()}};
              AddLineage(page, *g, node, direction, DepthParam(r, 2), at);
              return page;
            },
            "node");
      },
      AlwaysHeavy);

  router.Add("GET", "/ui/impact", [&ctx, guard](const Request& r) {
    return guard(
        r, "Impact",
        [&](std::string&) -> Result<json> {
          const auto* node = r.Query("node");
          if (node == nullptr || node->empty()) {
            return InvalidArgument("node: a node id is required");
          }
          const auto g = ctx.graph();
          auto impact = graph::Impact(*g, *node);
          if (!impact.ok()) {
            return impact.status();
          }
          std::map<std::string, json> teams;
          for (const auto& c : impact->consumers) {
            std::string path;
            for (const auto& step : impact->path(c)) {
              path += (path.empty() ? "" : " → ") + std::string(step);
            }
            teams[c.team ? std::string(*c.team) : "(unresolved)"].push_back(
                {{"id", std::string(c.node.id)},
                 {"url", Url(c.node.id)},
                 {"depth", std::to_string(c.depth)},
                 {"path", path}});
          }
          json team_list = json::array();
          for (auto& [team, consumers] : teams) {
            team_list.push_back({{"team", team}, {"consumers", consumers}});
          }
          json unresolved = json::array();
          for (const auto& u : impact->unresolved) {
            unresolved.push_back(std::string(u));
          }
          return json{{"root", std::string(impact->root)},
                      {"consumer_count", std::to_string(impact->consumers.size())},
                      {"team_count", std::to_string(teams.size())},
                      {"teams", team_list},
                      {"has_unresolved", !unresolved.empty()},
                      {"unresolved", unresolved}};
        },
        "impact");
  });

  auto board = [&ctx](const std::string& product, const tracking::DeprecationTrack& track) -> json {
    json b =
        tracking::DeprecationBoard(product, track, *ctx.catalog(), *ctx.graph(), ctx.clock->Now());
    const int total = b["progress"]["total"].get<int>();
    const int migrated = b["progress"]["migrated"].get<int>();
    b["total"] = std::to_string(total);
    b["migrated"] = std::to_string(migrated);
    b["percent"] = std::to_string(total == 0 ? 100 : migrated * 100 / total);
    b["days_to_sunset"] = std::to_string(b["days_to_sunset"].get<std::int64_t>());
    b["product_url"] = Segment(product);
    b["replacement_url"] =
        b["replacement"].is_string() ? Segment(b["replacement"].get<std::string>()) : "";
    for (auto& c : b["consumers"]) {
      c["url"] = Url(c["id"].get<std::string>());
      if (c["team"].is_null()) {
        c["team"] = "(unresolved)";
      }
    }
    return b;
  };

  router.Add("GET", "/ui/deprecations", [&ctx, guard, board](const Request& r) {
    return guard(
        r, "Deprecations",
        [&](std::string&) -> Result<json> {
          json boards = json::array();
          if (ctx.tracking) {
            for (const auto& [product, track] : ctx.tracking()->deprecations) {
              boards.push_back(board(product, track));
            }
          }
          return json{{"boards", boards}};
        },
        "deprecations");
  });

  router.Add("GET", "/ui/deprecations/{product}", [&ctx, guard, board](const Request& r) {
    return guard(
        r, "Migration off " + r.params.at("product"),
        [&](std::string&) -> Result<json> {
          const auto& product = r.params.at("product");
          const auto state = ctx.tracking ? ctx.tracking() : nullptr;
          if (state == nullptr || !state->deprecations.contains(product)) {
            return NotFound("no deprecation of a product named \"" + product + "\"");
          }
          return board(product, state->deprecations.at(product));
        },
        "deprecation");
  });

  router.Add("GET", "/ui/notifications", [&ctx, guard](const Request& r) {
    return guard(
        r, "Notifications",
        [&](std::string&) -> Result<json> {
          DeliveryFilter filter;
          filter.limit = kUiPageLimit;
          if (const auto* s = r.Query("status"); s != nullptr && !s->empty()) {
            static const std::set<std::string> kStatuses = {"queued", "retrying", "delivered",
                                                            "dead"};
            if (!kStatuses.contains(*s)) {
              return InvalidArgument("status: one of queued, retrying, delivered, dead");
            }
            filter.status = *s;
          }
          auto after = CursorParam(r, "after");
          if (!after.ok()) {
            return after.status();
          }
          filter.before_id = after->value_or(0);
          auto list = ctx.notifications->List(filter);
          if (!list.ok()) {
            return list.status();
          }
          json out = json::array();
          for (const auto& d : *list) {
            out.push_back(
                {{"id", std::to_string(d.id)},
                 {"subject", d.record.subject},
                 {"status", d.record.status},
                 {"severity", d.record.severity},
                 {"kind", d.record.kind},
                 {"team", d.record.team},
                 {"channel", d.record.channel.empty() ? "(none)" : d.record.channel},
                 {"attempts", std::to_string(d.attempts)},
                 {"created_at", FormatRfc3339(d.created_at)},
                 {"delivered_at", d.delivered_at ? FormatRfc3339(*d.delivered_at) : std::string()},
                 {"last_error", d.record.last_error},
                 {"body", d.record.body},
                 {"idempotency_key", d.record.idempotency_key}});
          }
          json page{{"notifications", out}};
          if (list->size() == filter.limit) {
            page["next"] = "after=" + std::to_string(list->back().id) +
                           (filter.status ? "&status=" + *filter.status : std::string());
          }
          return page;
        },
        "notifications");
  });

  router.Add("GET", "/ui/events", [&ctx, guard](const Request& r) {
    return guard(
        r, "Event log",
        [&](std::string&) -> Result<json> {
          auto last = ctx.events->LastSeq();
          if (!last.ok()) {
            return last.status();
          }
          // Newest first, kUiPageLimit a page; `before` is exclusive.
          const std::int64_t end = last->value() + 1;
          auto before_param = CursorParam(r, "before", 1, end);
          if (!before_param.ok()) {
            return before_param.status();
          }
          const std::int64_t before = before_param->value_or(end);
          constexpr auto kPage = static_cast<std::int64_t>(kUiPageLimit);
          const std::int64_t from = std::max<std::int64_t>(0, before - 1 - kPage);
          auto events =
              ReadEvents(*ctx.events, EventSeq(from), static_cast<std::size_t>(before - 1 - from));
          if (!events.ok()) {
            return events.status();
          }
          json out = json::array();
          for (auto it = events->rbegin(); it != events->rend(); ++it) {
            out.push_back({{"seq", std::to_string(it->seq.value())},
                           {"type", std::string(TypeName(it->event))},
                           {"event_time", FormatRfc3339(it->event_time)},
                           {"source", it->source},
                           {"data", codec::ToJson(it->event).dump()}});
          }
          return json{{"events", out},
                      {"older", from > 0 ? json(std::to_string(from + 1)) : json(nullptr)}};
        },
        "events");
  });

  router.Add("GET", "/ui/quarantine", [&ctx, guard](const Request& r) {
    return guard(
        r, "Quarantine",
        [&](std::string&) -> Result<json> {
          auto after = CursorParam(r, "after", 0);
          if (!after.ok()) {
            return after.status();
          }
          auto records = ctx.events->Quarantine(after->value_or(0), kUiPageLimit);
          if (!records.ok()) {
            return records.status();
          }
          json out = json::array();
          for (const auto& q : *records) {
            out.push_back(
                {{"id", std::to_string(q.id)},
                 {"source", q.record.source},
                 {"topic", q.record.topic},
                 {"partition", q.record.partition ? std::to_string(*q.record.partition) : ""},
                 {"offset", q.record.offset ? std::to_string(*q.record.offset) : ""},
                 {"reason", q.record.reason},
                 {"recorded_at", FormatRfc3339(q.recorded_at)}});
          }
          json page{{"records", out}};
          if (records->size() == kUiPageLimit) {
            page["next"] = std::to_string(records->back().id);
          }
          return page;
        },
        "quarantine");
  });

  if (demo != nullptr) {
    router.Add("GET", "/ui/demo", [demo, guard](const Request& r) {
      return guard(
          r, "Demo inbox",
          [&](std::string&) -> Result<json> {
            json storyline = json::array();
            if (demo->storyline) {
              for (const auto& line : demo->storyline()) {
                storyline.push_back(line);
              }
            }
            return json{{"storyline", storyline},
                        {"webhooks", demo->webhooks ? demo->webhooks() : json::array()},
                        {"emails", demo->emails ? demo->emails() : json::array()}};
          },
          "demo");
    });
  }
}

}  // namespace tributary::http
