// Lineage routes of the HTTP API (DESIGN.md §5). The lineage graph: lineage, impact, nodes, one
// node, and OpenLineage events posted in (POST /lineage).

#include "http/routes/route_support.h"

#include <algorithm>

#include "graph/queries.h"
#include "health/health_tracker.h"
#include "http/routes/graph_render.h"

namespace tributary::http {

PictureOptions PictureFor(const ApiContext& ctx, const Request& r, const Principal& principal,
                          const graph::LineageResult& result) {
  PictureOptions options;
  const auto* team = r.Query("team");
  options.viewer_team = team != nullptr && !team->empty() ? *team : principal.team;
  const auto health = ctx.health ? ctx.health() : nullptr;
  if (health == nullptr) {
    return options;
  }
  const auto& consumers = health->consumers;  // by id
  for (const auto& n : result.nodes) {
    if (n.kind != NodeKind::kGroup) {
      continue;
    }
    const auto it = std::lower_bound(consumers.begin(), consumers.end(), n.id,
                                     [](const auto& c, std::string_view id) { return c.id < id; });
    if (it != consumers.end() && it->id == n.id) {
      options.consumer_status.emplace(std::string(n.id), std::string(health::ToString(it->status)));
    }
  }
  return options;
}

namespace {

using nlohmann::json;

// The grant names the job's owning team where it has one: the leader of a
// replicated deployment checks the token may still write for that team.
Result<WriteGrant> AuthorizeLineageWrite(const ApiContext& ctx, const Principal& principal,
                                         const NodeId& job) {
  auto owner = OwningTeam(ctx, job);
  if (principal.role == Role::kAdmin) {
    return WriteGrant{principal.name, owner};
  }
  if (owner) {
    if (auto s = ctx.auth->AuthorizeWrite(principal, *owner); !s.ok()) {
      return s;
    }
    return WriteGrant{principal.name, owner};
  }
  if (principal.role == Role::kOwner) {
    const auto body = job.body();
    const auto ns = body.substr(0, body.find('/'));
    for (const auto& allowed : principal.lineage_namespaces) {
      if (allowed == ns) {
        return WriteGrant{principal.name, std::nullopt};
      }
    }
  }
  return Status(ErrorCode::kPermissionDenied,
                "job " + job.str() + " has no owning team and token \"" + principal.name +
                    "\" may not write lineage for namespace \"" +
                    std::string(job.body().substr(0, job.body().find('/'))) +
                    "\" (lineage_namespaces)");
}

Response GetLineage(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, false);
  if (!principal.ok()) {
    return FromStatus(principal.status());
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
  Response res;
  // A large result is drawn collapsed by team (graph_render.h).
  const auto dot = LineageToDot(*g, *result, PictureFor(ctx, r, *principal, *result));
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
}

Response GetImpact(const ApiContext& ctx, const Request& r) {
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
}

Response GetNodes(const ApiContext& ctx, const Request& r) {
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
}

Response GetNode(const ApiContext& ctx, const Request& r) {
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
}

Response PostLineage(const ApiContext& ctx, const Request& r) {
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
      201, {{"accepted", true}, {"recorded", posted->recorded}, {"duplicate", posted->duplicate}});
}

}  // namespace

void AddLineageRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/lineage",
             Timed(ctx, "lineage", [&ctx](const Request& r) { return GetLineage(ctx, r); }),
             [](const Request& r) {
               const auto* format = r.Query("format");
               return format != nullptr && *format == "svg";
             });
  router.Add("GET", "/api/v1/impact",
             Timed(ctx, "impact", [&ctx](const Request& r) { return GetImpact(ctx, r); }));
  router.Add("GET", "/api/v1/nodes",
             Timed(ctx, "nodes", [&ctx](const Request& r) { return GetNodes(ctx, r); }));
  router.Add("GET", "/api/v1/node",
             Timed(ctx, "node", [&ctx](const Request& r) { return GetNode(ctx, r); }));
  router.Add("POST", "/api/v1/lineage", [&ctx](const Request& r) { return PostLineage(ctx, r); });
}

}  // namespace tributary::http
