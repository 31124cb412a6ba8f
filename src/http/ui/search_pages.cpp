// The search page of the web UI (ui_routes.h): products (by name and
// description), teams (by name and display name) and every other node of the
// lineage graph (by id, as GET /api/v1/nodes?q= finds them), each list ranked
// by graph::SearchRank — the exact name first, then names that start with the
// query, then the rest.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/text_codec.h"
#include "http/routes/route_support.h"

namespace tributary::http::ui {
namespace {

constexpr std::size_t kMaxQuery = 200;  // bytes
constexpr std::size_t kPerList = 50;

struct Ranked {
  int rank;
  std::string name;
  json row;
};

json Take(std::vector<Ranked> found, std::size_t& total) {
  std::sort(found.begin(), found.end(), [](const Ranked& a, const Ranked& b) {
    return std::tie(a.rank, a.name) < std::tie(b.rank, b.name);
  });
  total += found.size();
  json out = json::array();
  for (std::size_t i = 0; i < found.size() && i < kPerList; ++i) {
    out.push_back(std::move(found[i].row));
  }
  return out;
}

Result<json> SearchPage(const ApiContext& ctx, const Request& r) {
  std::string q;
  if (const auto* text = r.Query("q")) {
    q = *text;
  }
  if (q.size() > kMaxQuery) {
    return InvalidArgument("q: at most " + std::to_string(kMaxQuery) + " bytes");
  }
  if (!IsCleanUtf8(q)) {
    return InvalidArgument("q: not clean UTF-8");
  }
  json page = {{"q", q}, {"search_query", q}, {"asked", !q.empty()}};
  if (q.empty()) {
    return page;
  }
  const std::string needle = AsciiLower(q);
  const auto catalog = ctx.catalog();
  const auto g = ctx.graph();

  std::vector<Ranked> products;
  for (const auto& [name, p] : catalog->products) {
    const int rank = graph::SearchRank(name, name + "\n" + p.published.description, needle);
    if (rank >= 0) {
      products.push_back({rank,
                          name,
                          {{"name", name},
                           {"url", Segment(name)},
                           {"description", p.published.description},
                           {"owner", p.published.owner},
                           {"status", p.status}}});
    }
  }

  // Teams: every one the catalog, the config or a route names (TeamNames),
  // and team nodes.
  std::map<std::string, std::string> teams;  // name -> display name
  for (const auto& name : TeamNames(ctx, *catalog)) {
    teams[name];
  }
  for (const auto& [name, t] : catalog->teams) {
    teams[name] = t.display_name;
  }
  for (std::uint32_t v = 0; v < g->node_count(); ++v) {
    if (g->node(v).kind == NodeKind::kTeam) {
      teams.try_emplace(std::string(graph::ViewNode(*g, v).name));
    }
  }
  std::map<std::string, std::vector<std::string>> owned;
  for (const auto& [name, p] : catalog->products) {
    owned[p.published.owner].push_back(name);
  }
  std::vector<Ranked> team_rows;
  for (const auto& [name, display] : teams) {
    const int rank = graph::SearchRank(name, name + "\n" + display, needle);
    if (rank < 0) {
      continue;
    }
    json products_owned = json::array();
    for (const auto& product : owned[name]) {
      products_owned.push_back({{"name", product}, {"url", Segment(product)}});
    }
    team_rows.push_back({rank,
                         name,
                         {{"name", name},
                          {"display_name", display},
                          {"url", Segment(name)},
                          {"products", products_owned}}});
  }

  // Every other node, as the API finds them (teams are listed above).
  graph::SearchQuery query;
  query.q = q;
  query.limit = 4 * kPerList;
  std::vector<Ranked> nodes;
  for (const auto& n : graph::Search(*g, query)) {
    if (n.kind == NodeKind::kTeam) {
      continue;
    }
    nodes.push_back({graph::SearchRank(n.name, n.id, needle),
                     std::string(n.id),
                     {{"id", n.id},
                      {"url", Url(n.id)},
                      {"kind", std::string(ToString(n.kind))},
                      {"name", n.name},
                      {"team", TeamOf(*g, n.index).value_or("")}}});
  }

  std::size_t total = 0;
  page["products"] = Take(std::move(products), total);
  page["teams"] = Take(std::move(team_rows), total);
  page["nodes"] = Take(std::move(nodes), total);
  page["has_products"] = !page["products"].empty();
  page["has_teams"] = !page["teams"].empty();
  page["has_nodes"] = !page["nodes"].empty();
  page["total"] = std::to_string(total);
  page["none"] = total == 0;
  return page;
}

}  // namespace

void AddSearchPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/search", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Search", [&] { return SearchPage(ctx, r); }, "search");
  });
}

}  // namespace tributary::http::ui
