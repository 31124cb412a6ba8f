// Node pages of the web UI (ui_routes.h). Any node's lineage, and the impact of a change.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "http/ui/ui_templates.h"
#include "tributary/overloaded.h"

namespace tributary::http::ui {
namespace {

Result<json> NodePage(const ApiContext& ctx, const Request& r) {
  const auto* id = r.Query("id");
  const std::string node = id == nullptr ? std::string() : *id;

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
  AddLineage(page, ctx, r, *g, node, direction, DepthParam(r, 2), at);
  return page;
}

Result<json> ImpactPage(const ApiContext& ctx, const Request& r) {
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
}

}  // namespace

void AddNodePages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add(
      "GET", "/ui/node",
      [&ctx, demo](const Request& r) {
        const auto* id = r.Query("id");
        const std::string node = id == nullptr ? std::string() : *id;
        return ServePage(
            ctx, demo, r, node, [&] { return NodePage(ctx, r); }, "node");
      },
      AlwaysHeavy);
  // The pictures' pan and zoom (templates/ui/lineage.js): no data, no sign-in.
  router.Add("GET", "/ui/lineage.js", [](const Request&) {
    Response r;
    r.content_type = "text/javascript; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "max-age=3600");
    for (const auto& t : UiTemplates()) {
      if (t.path == "lineage.js") {
        r.body = std::string(t.text);
      }
    }
    return r;
  });
  router.Add("GET", "/ui/impact", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Impact", [&] { return ImpactPage(ctx, r); }, "impact");
  });
}

}  // namespace tributary::http::ui
