#include "http/routes/api_routes.h"

#include <set>

#include <charconv>
#include <chrono>

#include "core/event_codec.h"
#include "core/input_rules.h"
#include "core/text_codec.h"
#include "graph/glob.h"
#include "graph/queries.h"
#include "http/openapi.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "schema/compatibility.h"

namespace tributary::http {
namespace {

using nlohmann::json;

// The error shape of DESIGN.md §5 for a Status.
Response FromStatus(const Status& status) { return ErrorResponse(status); }

Result<std::optional<Timestamp>> AtParam(const Request& r) { return TimeParam(r, "at"); }

// A node id from outside: "product:<name>", a valid node id, or the id of a
// node the graph holds (Kafka group ids may hold characters Parse refuses);
// never a path.
Result<std::string> NodeParam(const ApiContext& ctx, const Request& r, std::string_view name) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return InvalidArgument(std::string(name) +
                           " is required (a node id such as topic:local/orders)");
  }
  if (text->rfind("product:", 0) == 0) {
    const auto product = std::string_view(*text).substr(8);
    if (product.empty() || !IsCleanUtf8(product) || product.find('/') != std::string_view::npos ||
        product == "." || product == "..") {
      return InvalidArgument(std::string(name) + ": invalid product name");
    }
    return *text;
  }
  auto id = NodeId::Parse(*text);
  if (!id.ok()) {
    if (ctx.graph()->Find(*text) != graph::kNone) {
      return *text;
    }
    return InvalidArgument(std::string(name) + ": " + id.status().message());
  }
  return id->str();
}

// Authenticates and authorizes a read or a write before anything else.
json DeliveryJson(const StoredDelivery& d) {
  return {{"id", std::to_string(d.id)},
          {"kind", d.record.kind},
          {"team", d.record.team},
          {"channel", d.record.channel},
          {"status", d.record.status},
          {"attempts", d.attempts},
          {"idempotency_key", d.record.idempotency_key},
          {"created_at", FormatRfc3339(d.created_at)},
          {"delivered_at", d.delivered_at ? json(FormatRfc3339(*d.delivered_at)) : json(nullptr)},
          {"last_error", d.record.last_error.empty() ? json(nullptr) : json(d.record.last_error)},
          {"next_attempt_at", d.record.status == "queued" || d.record.status == "retrying"
                                  ? json(FormatRfc3339(d.record.next_attempt_at))
                                  : json(nullptr)},
          {"subject", d.record.subject},
          {"body", d.record.body}};
}

Result<Principal> Admit(const ApiContext& ctx, const Request& r, bool write,
                        std::optional<std::string_view> owning_team = std::nullopt) {
  auto principal = ctx.auth->Authenticate(r);
  if (!principal.ok()) {
    return principal.status();
  }
  const auto status = write ? ctx.auth->AuthorizeWrite(*principal, owning_team)
                            : ctx.auth->AuthorizeRead(*principal);
  if (!status.ok()) {
    return status;
  }
  return principal;
}

template <typename F>
Handler Timed(const ApiContext& ctx, std::string query, F handler) {
  return [&ctx, query = std::move(query), handler = std::move(handler)](const Request& r) {
    const auto start = std::chrono::steady_clock::now();
    Response response = handler(r);
    if (ctx.metrics != nullptr) {
      ctx.metrics->ObserveQuery(
          query, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return response;
  };
}

json ProductJson(const ProductState& p, const graph::GraphSnapshot& g) {
  const auto& pub = p.published;
  const auto topic = NodeId::Topic(pub.cluster, pub.topic).str();
  int consumers = 0;
  const auto v = g.Find(topic);
  if (v != graph::kNone) {
    g.ForEachOutEdge(v, [&](std::uint32_t e) {
      const auto& edge = g.edge(e);
      if (edge.kind == graph::EdgeKind::kConsumes && g.EvidenceAt(edge, graph::kNow) != 0) {
        ++consumers;
      }
    });
  }
  return {{"name", pub.product}, {"topic", topic},         {"domain", pub.domain},
          {"owner", pub.owner},  {"quality", pub.quality}, {"sla", pub.sla},
          {"status", p.status},  {"consumers", consumers}};
}

// The team that owns a node: its ownership in the graph when the node exists,
// else an explicit catalog assignment, else the first matching [[routes]] glob.
std::optional<std::string> OwningTeam(const ApiContext& ctx, const NodeId& node) {
  const auto g = ctx.graph();
  if (const auto v = g->Find(node.str()); v != graph::kNone) {
    if (auto owner = g->OwnerOf(v)) {
      return std::string(owner->team);
    }
    return std::nullopt;
  }
  const auto catalog = ctx.catalog();
  if (auto it = catalog->owners.find(node.str()); it != catalog->owners.end()) {
    return it->second;
  }
  for (const auto& [glob, team] : ctx.routes) {
    if (graph::GlobMatch(glob, node.str())) {
      return team;
    }
  }
  return std::nullopt;
}

Status AuthorizeLineageWrite(const ApiContext& ctx, const Principal& principal, const NodeId& job) {
  if (principal.role == Role::kAdmin) {
    return Status::Ok();
  }
  if (auto owner = OwningTeam(ctx, job)) {
    return ctx.auth->AuthorizeWrite(principal, *owner);
  }
  if (principal.role == Role::kOwner) {
    const auto body = job.body();
    const auto ns = body.substr(0, body.find('/'));
    for (const auto& allowed : principal.lineage_namespaces) {
      if (allowed == ns) {
        return Status::Ok();
      }
    }
  }
  return Status(ErrorCode::kPermissionDenied,
                "job " + job.str() + " has no owning team and token \"" + principal.name +
                    "\" may not write lineage for namespace \"" +
                    std::string(job.body().substr(0, job.body().find('/'))) +
                    "\" (lineage_namespaces)");
}

// One event through the writer.
Result<AppendResult> CommitEvent(const ApiContext& ctx, NewEvent event) {
  Batch batch;
  batch.events.push_back(std::move(event));
  return ctx.writer->Commit(std::move(batch));
}

// How far ahead a deprecation's sunset may be.
constexpr auto kMaxSunsetAhead = std::chrono::hours(24 * (365 * 5 + 1));

}  // namespace

void AddApiRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/healthz", [](const Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });
  router.Add("GET", "/readyz", [&ctx](const Request&) {
    // Gaps do not make the service unready (it reads on), but are shown: an
    // operator must know that records were lost before they were read.
    json gaps = json::array();
    if (ctx.source_gaps) {
      for (const auto& g : ctx.source_gaps()) {
        gaps.push_back({{"cluster", g.cluster},
                        {"topic", g.topic},
                        {"partition", g.partition},
                        {"from_offset", g.from_offset},
                        {"to_offset", g.to_offset},
                        {"records_lost", g.to_offset - g.from_offset}});
      }
    }
    if (!ctx.ready || ctx.ready()) {
      return Response::Json(200, {{"status", "ready"}, {"source_gaps", gaps}});
    }
    return Response::Json(503, {{"status", "catching up"}, {"source_gaps", gaps}});
  });
  // The document and /metrics are reads like any other: with anonymous_read
  // off they need a token (Prometheus scrapes with a bearer token).
  router.Add("GET", "/api/v1/openapi.json", [&ctx](const Request& request) {
    if (auto p = Admit(ctx, request, false); !p.ok()) {
      return FromStatus(p.status());
    }
    Response r;
    r.body = std::string(OpenApiDocument());
    return r;
  });

  router.Add(
      "GET", "/api/v1/lineage",
      Timed(ctx, "lineage",
            [&ctx](const Request& r) {
              if (auto p = Admit(ctx, r, false); !p.ok()) {
                return FromStatus(p.status());
              }
              auto root = NodeParam(ctx, r, "node");
              if (!root.ok()) {
                return FromStatus(root.status());
              }
              graph::LineageQuery q;
              q.root = *root;
              if (const auto* d = r.Query("direction"); d != nullptr && !d->empty()) {
                auto dir = graph::ParseDirection(*d);
                if (!dir.ok()) {
                  return FromStatus(InvalidArgument("direction: " + dir.status().message()));
                }
                q.direction = *dir;
              }
              auto depth = IntParam(r, "depth", 3, 1, graph::kMaxDepth);
              if (!depth.ok()) {
                return FromStatus(depth.status());
              }
              q.depth = static_cast<int>(*depth);
              auto at = AtParam(r);
              if (!at.ok()) {
                return FromStatus(at.status());
              }
              q.at = *at;
              if (const auto* k = r.Query("kinds")) {
                auto kinds = graph::ParseKinds(*k);
                if (!kinds.ok()) {
                  return FromStatus(InvalidArgument("kinds: " + kinds.status().message()));
                }
                q.kinds = *kinds;
              }
              if (const auto* e = r.Query("evidence")) {
                auto evidence = graph::ParseEvidenceFilter(*e);
                if (!evidence.ok()) {
                  return FromStatus(InvalidArgument("evidence: " + evidence.status().message()));
                }
                q.evidence = *evidence;
              }
              const auto* format = r.Query("format");
              const std::string fmt = format == nullptr || format->empty() ? "json" : *format;
              if (fmt != "json" && fmt != "dot" && fmt != "svg") {
                return Response::Error(400, "bad_request", "format: must be json, dot or svg");
              }
              const auto g = ctx.graph();
              auto result = graph::Lineage(*g, q);
              if (!result.ok()) {
                return FromStatus(result.status());
              }
              if (fmt == "json") {
                Response res;
                res.body.reserve(8192);
                graph::AppendJson(*g, *result, res.body);
                return res;
              }
              if (fmt == "svg" && result->nodes.size() > kMaxSvgNodes) {
                return Response::Error(422, "too_large",
                                       "the lineage has " + std::to_string(result->nodes.size()) +
                                           " nodes; SVG is drawn for at most " +
                                           std::to_string(kMaxSvgNodes) + ": lower the depth");
              }
              Response res;
              const auto dot = LineageToDot(*g, *result);
              if (fmt == "dot") {
                res.content_type = "text/vnd.graphviz";
                res.body = dot;
                return res;
              }
              auto svg = DotToSvg(dot);
              if (!svg.ok()) {
                return FromStatus(Internal(svg.status().message()));
              }
              res.content_type = "image/svg+xml";
              res.body = std::move(svg).value();
              return res;
            }),
      [](const Request& r) {
        const auto* format = r.Query("format");
        return format != nullptr && *format == "svg";
      });

  router.Add("GET", "/api/v1/impact", Timed(ctx, "impact", [&ctx](const Request& r) {
               if (auto p = Admit(ctx, r, false); !p.ok()) {
                 return FromStatus(p.status());
               }
               auto root = NodeParam(ctx, r, "node");
               if (!root.ok()) {
                 return FromStatus(root.status());
               }
               auto at = AtParam(r);
               if (!at.ok()) {
                 return FromStatus(at.status());
               }
               const auto g = ctx.graph();
               auto result = graph::Impact(*g, *root, *at);
               if (!result.ok()) {
                 return FromStatus(result.status());
               }
               return Response::Json(200, graph::ToJson(*result));
             }));

  router.Add(
      "GET", "/api/v1/nodes", Timed(ctx, "nodes", [&ctx](const Request& r) {
        if (auto p = Admit(ctx, r, false); !p.ok()) {
          return FromStatus(p.status());
        }
        graph::SearchQuery q;
        if (const auto* k = r.Query("kind"); k != nullptr && !k->empty()) {
          auto parsed = NodeId::Parse(*k + ":x/y");
          if (!parsed.ok() && *k != "principal" && *k != "team") {
            return Response::Error(400, "bad_request",
                                   "kind: must be topic, group, principal, job, team or dataset");
          }
          q.kind = *k == "principal" ? NodeKind::kPrincipal
                   : *k == "team"    ? NodeKind::kTeam
                                     : parsed->kind();
        }
        if (const auto* text = r.Query("q")) {
          if (!IsCleanUtf8(*text)) {
            return Response::Error(400, "bad_request", "q: not clean UTF-8");
          }
          q.q = *text;
        }
        // Ranked results: the cursor is how many were already returned.
        auto limit = LimitParam(r, 100, kMaxPageLimit);
        if (!limit.ok()) {
          return FromStatus(limit.status());
        }
        auto after = CursorParam(r, "after", 0, 1'000'000'000);
        if (!after.ok()) {
          return FromStatus(after.status());
        }
        const auto skip = static_cast<std::size_t>(after->value_or(0));
        q.limit = skip + *limit + 1;
        const auto g = ctx.graph();
        auto found = graph::Search(*g, q);
        const bool more = found.size() > skip + *limit;
        found.erase(found.begin(),
                    found.begin() + static_cast<std::ptrdiff_t>(std::min(skip, found.size())));
        if (found.size() > *limit) {
          found.resize(*limit);
        }
        auto body = graph::NodesToJson(*g, found);
        body["next"] = more ? json(std::to_string(skip + *limit)) : json(nullptr);
        return Response::Json(200, body);
      }));

  router.Add("GET", "/api/v1/node", Timed(ctx, "node", [&ctx](const Request& r) {
               if (auto p = Admit(ctx, r, false); !p.ok()) {
                 return FromStatus(p.status());
               }
               auto id = NodeParam(ctx, r, "id");
               if (!id.ok()) {
                 return FromStatus(id.status());
               }
               const auto g = ctx.graph();
               auto node = graph::Node(*g, *id);
               if (!node.ok()) {
                 return FromStatus(node.status());
               }
               return Response::Json(200, graph::NodesToJson(*g, {*node}));
             }));

  router.Add("GET", "/api/v1/products", [&ctx](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit);
    if (!limit.ok()) {
      return FromStatus(limit.status());
    }
    const auto* after = r.Query("after");  // the last name of the previous page
    const auto catalog = ctx.catalog();
    const auto g = ctx.graph();
    json products = json::array();
    auto it = after == nullptr || after->empty() ? catalog->products.begin()
                                                 : catalog->products.upper_bound(*after);
    for (; it != catalog->products.end() && products.size() < *limit; ++it) {
      products.push_back(ProductJson(it->second, *g));
    }
    const bool more = it != catalog->products.end();
    return Response::Json(200, {{"products", products},
                                {"next", more ? json(products.back()["name"]) : json(nullptr)}});
  });

  router.Add("GET", "/api/v1/products/{name}", [&ctx](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    const auto& name = r.params.at("name");
    const auto catalog = ctx.catalog();
    auto it = catalog->products.find(name);
    if (it == catalog->products.end()) {
      return Response::Error(404, "not_found", "no product named \"" + name + "\"");
    }
    const auto g = ctx.graph();
    json body = ProductJson(it->second, *g);
    const auto& pub = it->second.published;
    body["description"] = pub.description;
    body["tags"] = pub.tags;
    const auto subject = pub.schema_subject.value_or(pub.topic + "-value");
    body["schema_subject"] = subject;
    json versions = json::array();
    const auto schemas = ctx.schemas();
    if (auto s = schemas->subjects.find(subject); s != schemas->subjects.end()) {
      for (const auto& [n, v] : s->second.versions) {
        versions.push_back({{"version", v.version},
                            {"id", v.id},
                            {"schema_type", v.schema_type},
                            {"deleted", v.deleted},
                            {"registered_at", FormatRfc3339(v.registered_at)}});
      }
      body["compatibility_level"] = schemas->LevelOf(subject);
    }
    body["schema_versions"] = versions;
    json producers = json::array();
    json consumers = json::array();
    if (const auto v = g->Find(body["topic"].get<std::string>()); v != graph::kNone) {
      g->ForEachInEdge(v, [&](std::uint32_t e) {
        const auto& edge = g->edge(e);
        if (edge.kind == graph::EdgeKind::kProduces && g->EvidenceAt(edge, graph::kNow) != 0) {
          producers.push_back(std::string(g->id(edge.from)));
        }
      });
      g->ForEachOutEdge(v, [&](std::uint32_t e) {
        const auto& edge = g->edge(e);
        if (edge.kind == graph::EdgeKind::kConsumes && g->EvidenceAt(edge, graph::kNow) != 0) {
          const auto owner = g->OwnerOf(edge.to);
          consumers.push_back({{"id", std::string(g->id(edge.to))},
                               {"team", owner ? json(std::string(owner->team)) : json()}});
        }
      });
    }
    body["producers"] = producers;
    body["consumer_list"] = consumers;
    if (it->second.deprecation) {
      const auto& d = *it->second.deprecation;
      body["deprecation"] = {{"reason", d.reason},
                             {"sunset", FormatRfc3339(d.sunset)},
                             {"replacement", d.replacement ? json(*d.replacement) : json()}};
    }
    return Response::Json(200, body);
  });

  router.Add(
      "GET", "/api/v1/events", Timed(ctx, "events", [&ctx](const Request& r) {
        if (auto p = Admit(ctx, r, false); !p.ok()) {
          return FromStatus(p.status());
        }
        const auto after = CursorParam(r, "after", 0);
        if (!after.ok()) {
          return Response::Error(
              400, "bad_request",
              "after: must be a sequence number (" + after.status().message() + ")");
        }
        auto limit = LimitParam(r, 100, 1000);
        if (!limit.ok()) {
          return FromStatus(limit.status());
        }
        std::optional<std::string> type;
        if (const auto* t = r.Query("type"); t != nullptr && !t->empty()) {
          if (!codec::TypeCode(*t)) {
            return Response::Error(400, "bad_request", "type: unknown event type \"" + *t + "\"");
          }
          type = *t;
        }
        json events = json::array();
        std::int64_t last = 0;
        auto status = ctx.events->ForEach(
            EventSeq(after->value_or(0)),
            [&](const EventRecord& e) {
              events.push_back({{"seq", e.seq.value()},
                                {"type", TypeName(e.event)},
                                {"event_time", FormatRfc3339(e.event_time)},
                                {"recorded_at", FormatRfc3339(e.recorded_at)},
                                {"source", e.source},
                                {"data", codec::ToJson(e.event)}});
              last = e.seq.value();
              return true;
            },
            *limit, type);
        if (!status.ok()) {
          return FromStatus(status);
        }
        // A full page may have more after it; the cursor is the last sequence number.
        const bool full = events.size() == *limit;
        return Response::Json(
            200, {{"events", events}, {"next", full ? json(std::to_string(last)) : json(nullptr)}});
      }));

  router.Add("GET", "/api/v1/quarantine", [&ctx](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    auto limit = LimitParam(r, 100, 1000);
    if (!limit.ok()) {
      return FromStatus(limit.status());
    }
    const auto cursor = CursorParam(r, "after", 0);
    if (!cursor.ok()) {
      return FromStatus(cursor.status());
    }
    const auto after = cursor->value_or(0);
    auto records = ctx.events->Quarantine(after, *limit);
    if (!records.ok()) {
      return FromStatus(records.status());
    }
    json out = json::array();
    for (const auto& q : *records) {
      out.push_back({{"id", q.id},
                     {"source", q.record.source},
                     {"topic", q.record.topic},
                     {"partition", q.record.partition ? json(*q.record.partition) : json()},
                     {"offset", q.record.offset ? json(*q.record.offset) : json()},
                     {"reason", q.record.reason},
                     {"recorded_at", FormatRfc3339(q.recorded_at)}});
    }
    const bool full = records->size() == *limit;
    return Response::Json(
        200, {{"records", out},
              {"next", full ? json(std::to_string(records->back().id)) : json(nullptr)}});
  });

  router.Add("POST", "/api/v1/lineage", [&ctx](const Request& r) {
    auto principal = Admit(ctx, r, true);
    if (!principal.ok()) {
      return FromStatus(principal.status());
    }
    // A job's lineage routes its team's notifications: an owner writes it only
    // for jobs its team owns, or for unowned jobs in its lineage_namespaces.
    auto posted = ctx.lineage->Post(r.body, "api:" + principal->name, [&](const NodeId& job) {
      return AuthorizeLineageWrite(ctx, *principal, job);
    });
    if (!posted.ok()) {
      return FromStatus(posted.status());
    }
    return Response::Json(
        201,
        {{"accepted", true}, {"recorded", posted->recorded}, {"duplicate", posted->duplicate}});
  });

  router.Add("POST", "/api/v1/products/{name}/deprecate", [&ctx](const Request& r) {
    // Authentication first: a write without a token is 401 whatever the target.
    auto principal = Admit(ctx, r, true);
    if (!principal.ok()) {
      return FromStatus(principal.status());
    }
    const auto& name = r.params.at("name");
    const auto catalog = ctx.catalog();
    auto it = catalog->products.find(name);
    if (it == catalog->products.end()) {
      return Response::Error(404, "not_found", "no product named \"" + name + "\"");
    }
    // Only the product's owner team (or an admin) may deprecate it.
    if (auto s = ctx.auth->AuthorizeWrite(*principal, it->second.published.owner); !s.ok()) {
      return FromStatus(s);
    }
    if (it->second.status == "retired") {
      return Response::Error(409, "conflict", "product \"" + name + "\" is retired");
    }
    const auto body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Response::Error(400, "bad_request", "the body must be a JSON object");
    }
    if (!body.contains("sunset") || !body["sunset"].is_string()) {
      return Response::Error(400, "bad_request", "sunset: an RFC 3339 time is required");
    }
    auto sunset = ParseRfc3339(body["sunset"].get<std::string>());
    if (!sunset.ok()) {
      return Response::Error(400, "bad_request", "sunset: " + sunset.status().message());
    }
    const Timestamp now = ctx.clock->Now();
    if (*sunset <= now) {
      return Response::Error(400, "bad_request", "sunset: must be in the future");
    }
    if (*sunset > now + kMaxSunsetAhead) {
      return Response::Error(
          422, "unprocessable",
          "sunset: must be within 5 years (" + FormatRfc3339(now + kMaxSunsetAhead) + ")");
    }
    if (!body.contains("reason") || !body["reason"].is_string() ||
        body["reason"].get<std::string>().empty()) {
      return Response::Error(400, "bad_request", "reason: a non-empty string is required");
    }
    if (auto s = CheckText(body["reason"].get_ref<const std::string&>(), "reason",
                           kMaxFreeTextBytes, /*multiline=*/true);
        !s.ok()) {
      return FromStatus(s);
    }
    std::optional<std::string> replacement;
    if (body.contains("replacement") && !body["replacement"].is_null()) {
      if (!body["replacement"].is_string() || body["replacement"].get<std::string>().empty()) {
        return Response::Error(400, "bad_request", "replacement: a product name");
      }
      replacement = body["replacement"].get<std::string>();
      if (*replacement == name) {
        return Response::Error(400, "bad_request", "replacement: a product cannot replace itself");
      }
      if (!catalog->products.contains(*replacement)) {
        return Response::Error(
            422, "unprocessable",
            "replacement: no product named \"" + DisplaySafe(replacement->substr(0, 256)) + "\"");
      }
    }
    ProductDeprecated fact{name, body.value("reason", ""), *sunset, replacement, principal->name};
    std::optional<std::string> dedup;
    if (auto h = r.headers.find("idempotency-key"); h != r.headers.end() && !h->second.empty()) {
      dedup = "api-deprecate:" + name + ":" + h->second;
    }
    NewEvent event{fact, now, "api:" + principal->name, std::nullopt, dedup};
    auto appended = CommitEvent(ctx, std::move(event));
    if (!appended.ok()) {
      return FromStatus(appended.status());
    }
    return Response::Json(202, {{"accepted", true},
                                {"seq", appended->seqs.empty() ? 0 : appended->seqs[0].value()},
                                {"duplicate", appended->duplicates == 1},
                                {"product", name},
                                {"reason", fact.reason},
                                {"sunset", FormatRfc3339(fact.sunset)},
                                {"replacement", replacement ? json(*replacement) : json(nullptr)}});
  });

  // The routing table: every team the catalog, the config or a route names.
  auto team_json = [&ctx](const CatalogState& catalog, const std::string& name) {
    json t = {{"name", name}, {"display_name", name}};
    std::vector<std::string> contacts;
    if (auto it = catalog.teams.find(name); it != catalog.teams.end()) {
      if (!it->second.display_name.empty()) {
        t["display_name"] = it->second.display_name;
      }
      contacts = it->second.contacts;
    }
    if (auto it = ctx.config_teams.find(name); it != ctx.config_teams.end()) {
      for (const auto& c : it->second) {
        if (std::find(contacts.begin(), contacts.end(), c) == contacts.end()) {
          contacts.push_back(c);
        }
      }
    }
    t["contacts"] = contacts;
    json routes = json::array();
    for (const auto& [glob, team] : ctx.routes) {
      if (team == name) {
        routes.push_back(glob);
      }
    }
    t["routes"] = routes;
    auto sub = catalog.subscriptions.find(name);
    t["subscriptions"] =
        sub == catalog.subscriptions.end() ? std::vector<std::string>{} : sub->second;
    return t;
  };
  auto team_names = [&ctx](const CatalogState& catalog) {
    std::set<std::string> names;
    for (const auto& [name, t] : catalog.teams) {
      names.insert(name);
    }
    for (const auto& [name, c] : ctx.config_teams) {
      names.insert(name);
    }
    for (const auto& [glob, team] : ctx.routes) {
      names.insert(team);
    }
    for (const auto& [name, products] : catalog.subscriptions) {
      names.insert(name);
    }
    for (const auto& [name, p] : catalog.products) {
      if (!p.published.owner.empty()) {
        names.insert(p.published.owner);
      }
    }
    for (const auto& [node, team] : catalog.owners) {
      names.insert(team);
    }
    return names;
  };

  router.Add("GET", "/api/v1/teams", [&ctx, team_json, team_names](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    const auto catalog = ctx.catalog();
    json teams = json::array();
    for (const auto& name : team_names(*catalog)) {
      teams.push_back(team_json(*catalog, name));
    }
    return Response::Json(200, {{"teams", teams}});
  });

  router.Add("PUT", "/api/v1/teams/{team}/subscriptions",
             [&ctx, team_json, team_names](const Request& r) {
               auto principal = Admit(ctx, r, true);
               if (!principal.ok()) {
                 return FromStatus(principal.status());
               }
               const auto& team = r.params.at("team");
               if (auto s = ctx.auth->AuthorizeWrite(*principal, team); !s.ok()) {
                 return FromStatus(s);
               }
               const auto catalog = ctx.catalog();
               if (!team_names(*catalog).contains(team)) {
                 return Response::Error(404, "not_found", "no team named \"" + team + "\"");
               }
               const auto body = json::parse(r.body, nullptr, false);
               if (body.is_discarded() || !body.is_object() || !body.contains("products") ||
                   !body["products"].is_array()) {
                 return Response::Error(400, "bad_request",
                                        "the body must be {\"products\": [product names]}");
               }
               TeamSubscriptionsSet fact{team, {}, principal->name};
               for (const auto& p : body["products"]) {
                 if (!p.is_string()) {
                   return Response::Error(400, "bad_request", "products: names are strings");
                 }
                 const auto name = p.get<std::string>();
                 if (!catalog->products.contains(name)) {
                   return Response::Error(400, "bad_request",
                                          "products: no product named \"" + name + "\"");
                 }
                 fact.products.push_back(name);
               }
               NewEvent event{fact, ctx.clock->Now(), "api:" + principal->name, std::nullopt,
                              std::nullopt};
               auto appended = CommitEvent(ctx, std::move(event));
               if (!appended.ok()) {
                 return FromStatus(appended.status());
               }
               return Response::Json(200, team_json(*ctx.catalog(), team));
             });

  router.Add("GET", "/api/v1/notifications", [&ctx](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    DeliveryFilter filter;
    static const std::set<std::string> kStatuses = {"queued", "retrying", "delivered", "dead"};
    if (auto v = r.Query("status")) {
      if (!kStatuses.contains(*v)) {
        return Response::Error(400, "bad_request",
                               "status: one of queued, retrying, delivered, dead");
      }
      filter.status = *v;
    }
    if (auto v = r.Query("team")) {
      filter.team = *v;
    }
    if (auto v = r.Query("kind")) {
      filter.kind = *v;
    }
    auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit);
    if (!limit.ok()) {
      return FromStatus(limit.status());
    }
    filter.limit = *limit;
    // Newest first: the cursor is the id of the previous page's last entry.
    auto after = CursorParam(r, "after");
    if (!after.ok()) {
      return FromStatus(after.status());
    }
    filter.before_id = after->value_or(0);
    auto list = ctx.notifications->List(filter);
    if (!list.ok()) {
      return FromStatus(list.status());
    }
    json out = json::array();
    for (const auto& d : *list) {
      out.push_back(DeliveryJson(d));
    }
    const bool full = list->size() == filter.limit;
    return Response::Json(200,
                          {{"notifications", out},
                           {"next", full ? json(std::to_string(list->back().id)) : json(nullptr)}});
  });

  router.Add("POST", "/api/v1/notifications/{id}/retry", [&ctx](const Request& r) {
    auto principal = Admit(ctx, r, true);
    if (!principal.ok()) {
      return FromStatus(principal.status());
    }
    const auto& text = r.params.at("id");
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
      return Response::Error(404, "not_found", "no notification with id \"" + text + "\"");
    }
    auto found = ctx.notifications->Find(id);
    if (!found.ok()) {
      return FromStatus(found.status());
    }
    if (!*found) {
      return Response::Error(404, "not_found", "no notification with id " + text);
    }
    const auto& d = **found;
    if (auto s = ctx.auth->AuthorizeWrite(*principal, d.record.team); !s.ok()) {
      return FromStatus(s);
    }
    if (d.record.status != "dead" && d.record.status != "retrying") {
      return Response::Error(409, "conflict",
                             "notification " + text + " is " + d.record.status +
                                 "; only dead or retrying notifications are retried");
    }
    if (d.record.channel.empty()) {
      return Response::Error(
          409, "conflict",
          "notification " + text + " has no channel to retry on: " + d.record.last_error);
    }
    const Timestamp now = ctx.clock->Now();
    Batch batch;
    batch.delivery_updates.push_back(
        {d.record.idempotency_key, "queued", 0, now, std::nullopt, d.record.last_error});
    batch.events.push_back(
        NewEvent{NotificationQueued{d.record.idempotency_key, d.record.kind, d.record.team,
                                    d.record.channel},
                 now, "api:" + principal->name, std::nullopt,
                 "retry:" + d.record.idempotency_key + ":" + std::to_string(ToMillis(now))});
    auto appended = ctx.writer->Commit(std::move(batch));
    if (!appended.ok()) {
      return FromStatus(appended.status());
    }
    auto after = ctx.notifications->Find(id);
    json out = json::array();
    if (after.ok() && *after) {
      out.push_back(DeliveryJson(**after));
    }
    return Response::Json(202, {{"notifications", out}});
  });

  router.Add("GET", "/api/v1/deprecations", [&ctx](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    json boards = json::array();
    if (ctx.tracking) {
      const auto state = ctx.tracking();
      const auto catalog = ctx.catalog();
      const auto g = ctx.graph();
      for (const auto& [product, track] : state->deprecations) {
        boards.push_back(
            tracking::DeprecationBoard(product, track, *catalog, *g, ctx.clock->Now()));
      }
    }
    return Response::Json(200, {{"deprecations", boards}});
  });

  router.Add("GET", "/api/v1/deprecations/{product}", [&ctx](const Request& r) {
    if (auto p = Admit(ctx, r, false); !p.ok()) {
      return FromStatus(p.status());
    }
    const auto& product = r.params.at("product");
    const auto state = ctx.tracking ? ctx.tracking() : nullptr;
    if (state == nullptr || !state->deprecations.contains(product)) {
      return Response::Error(404, "not_found",
                             "no deprecation of a product named \"" + product + "\"");
    }
    const auto catalog = ctx.catalog();
    const auto g = ctx.graph();
    return Response::Json(200, tracking::DeprecationBoard(product, state->deprecations.at(product),
                                                          *catalog, *g, ctx.clock->Now()));
  });

  // Heavy: run on the server's work pool, within kCompatibilityBudget.
  router.Add(
      "POST", "/api/v1/compatibility",
      Timed(
          ctx, "compatibility",
          [&ctx](const Request& r) {
            if (auto p = Admit(ctx, r, false); !p.ok()) {
              return FromStatus(p.status());
            }
            const auto body = json::parse(r.body, nullptr, false);
            if (body.is_discarded() || !body.is_object()) {
              return Response::Error(400, "bad_request", "the body must be a JSON object");
            }
            if (!body.contains("schema") || !body["schema"].is_string()) {
              return Response::Error(400, "bad_request", "schema: a string is required");
            }
            auto type = schema::ParseSchemaType(body.value("schemaType", "AVRO"));
            if (!type.ok()) {
              return Response::Error(400, "bad_request", "schemaType: " + type.status().message());
            }
            std::vector<schema::SchemaVersion> history;
            std::optional<std::string> subject;
            std::string level_text = body.value("level", "");
            const auto schemas = ctx.schemas();
            if (body.contains("previous")) {
              if (!body["previous"].is_array()) {
                return Response::Error(400, "bad_request", "previous: an array of schema strings");
              }
              int n = 0;
              for (const auto& p : body["previous"]) {
                if (!p.is_string()) {
                  return Response::Error(400, "bad_request",
                                         "previous: an array of schema strings");
                }
                history.push_back({++n, *type, p.get<std::string>(), {}, false});
              }
            } else {
              if (body.contains("subject") && body["subject"].is_string()) {
                subject = body["subject"].get<std::string>();
              } else if (body.contains("topic") && body["topic"].is_string()) {
                subject = body["topic"].get<std::string>() + "-value";
              } else {
                return Response::Error(400, "bad_request", "give subject, topic or previous");
              }
              auto it = schemas->subjects.find(*subject);
              if (it == schemas->subjects.end()) {
                return Response::Error(404, "not_found", "no subject named \"" + *subject + "\"");
              }
              for (const auto& [n, v] : it->second.versions) {
                auto t = schema::ParseSchemaType(v.schema_type);
                history.push_back(
                    {v.version, t.ok() ? *t : schema::SchemaType::kAvro, v.schema, {}, v.deleted});
              }
              if (level_text.empty()) {
                level_text = schemas->LevelOf(*subject);
              }
            }
            auto level =
                schema::ParseCompatibilityLevel(level_text.empty() ? "BACKWARD" : level_text);
            if (!level.ok()) {
              return Response::Error(400, "bad_request", "level: " + level.status().message());
            }
            schema::SchemaVersion candidate{static_cast<int>(history.size()) + 1,
                                            *type,
                                            body["schema"].get<std::string>(),
                                            {},
                                            false};
            schema::CheckOptions options;
            options.budget = kCompatibilityBudget;
            auto result = schema::CheckCompatibility(*level, history, candidate, options);
            if (!result.ok()) {
              if (result.status().code() == ErrorCode::kResourceExhausted) {
                return Response::Error(422, "schema_too_complex", result.status().message());
              }
              return Response::Error(422, "invalid_schema", result.status().message());
            }
            json incompatibilities = json::array();
            for (const auto& i : result->incompatibilities) {
              incompatibilities.push_back({{"type", i.kind},
                                           {"path", i.path},
                                           {"message", i.message},
                                           {"version", i.version}});
            }
            json out = {{"compatible", result->compatible},
                        {"level", schema::ToString(*level)},
                        {"incompatibilities", incompatibilities}};
            if (subject) {
              // The downstream consumers of the subject's topic, grouped by team.
              const std::string suffix = "-value";
              std::string topic = *subject;
              if (topic.size() > suffix.size() &&
                  topic.compare(topic.size() - suffix.size(), suffix.size(), suffix) == 0) {
                topic.resize(topic.size() - suffix.size());
              }
              const auto g = ctx.graph();
              for (const auto& cluster : ctx.clusters) {
                auto impact = graph::Impact(*g, NodeId::Topic(cluster, topic).str());
                if (impact.ok()) {
                  out["affected"] = graph::ToJson(*impact);
                  break;
                }
              }
            }
            return Response::Json(200, out);
          }),
      AlwaysHeavy);
}

}  // namespace tributary::http
