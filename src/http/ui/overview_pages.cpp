// Overview pages of the web UI (ui_routes.h). The overview: domains, products, counts, recent
// changes, lost source records.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "http/routes/route_support.h"
#include "tributary/overloaded.h"

namespace tributary::http::ui {
namespace {

Result<json> OverviewPage(const ApiContext& ctx, const Request&) {
  const auto catalog = ctx.catalog();
  const auto g = ctx.graph();
  std::map<std::string, json> domains;
  for (const auto& [name, p] : catalog->products) {
    int consumers = 0;
    if (const auto v = g->Find(NodeId::Topic(p.published.cluster, p.published.topic).str());
        v != graph::kNone) {
      g->ForEachOutEdge(v, [&](std::uint32_t e) {
        const auto& edge = g->edge(e);
        if (edge.kind == graph::EdgeKind::kConsumes && g->EvidenceAt(edge, graph::kNow) != 0) {
          ++consumers;
        }
      });
    }
    domains[p.published.domain.empty() ? "(none)" : p.published.domain].push_back(
        {{"name", name},
         {"url", Segment(name)},
         {"owner", p.published.owner},
         {"owner_url", Segment(p.published.owner)},
         {"quality", p.published.quality},
         {"sla", p.published.sla},
         {"status", p.status},
         {"consumers", std::to_string(consumers)}});
  }
  json teams = json::array();
  for (const auto& name : TeamNames(ctx, *catalog)) {
    teams.push_back({{"name", name}, {"url", Segment(name)}});
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
               {"teams", teams},
               {"has_teams", !teams.empty()},
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
        for (auto it = recent->rbegin(); it != recent->rend() && page["changes"].size() < 25;
             ++it) {
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
}

}  // namespace

void AddOverviewPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Overview", [&] { return OverviewPage(ctx, r); }, "overview");
  });
}

}  // namespace tributary::http::ui
