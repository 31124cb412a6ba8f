// The team home of the web UI (ui_routes.h): what a team owns, what it reads
// and from whom, the deprecations under it and what it owes others, what waits
// for its sign-off, its consumers' health, the violations on its products and
// the notifications it was sent — a person's questions about their team on one
// page.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/text_codec.h"
#include "health/burrow_rules.h"
#include "http/routes/route_support.h"

namespace tributary::http::ui {
namespace {

constexpr std::size_t kTeamNotifications = 20;
constexpr std::size_t kTeamRows = 200;

// Topic node id -> product name.
std::map<std::string, std::string> ProductsByTopic(const CatalogState& catalog) {
  std::map<std::string, std::string> out;
  for (const auto& [name, p] : catalog.products) {
    out.emplace(NodeId::Topic(p.published.cluster, p.published.topic).str(), name);
  }
  return out;
}

json ProductLink(const std::string& name) { return {{"name", name}, {"url", Segment(name)}}; }

Result<json> TeamPage(const ApiContext& ctx, const std::string& team) {
  const auto catalog = ctx.catalog();
  const auto g = ctx.graph();
  const auto by_topic = ProductsByTopic(*catalog);
  bool known = TeamNames(ctx, *catalog).contains(team);
  const auto routing = TeamJson(ctx, *catalog, team);
  json page = {
      {"name", team}, {"display_name", routing["display_name"]}, {"contacts", routing["contacts"]}};

  // What it owns: products, and the groups, principals, jobs and datasets
  // ownership resolves to it.
  json products = json::array();
  std::set<std::string> own_products;
  for (const auto& [name, p] : catalog->products) {
    if (p.published.owner != team) {
      continue;
    }
    known = true;
    own_products.insert(name);
    products.push_back({{"name", name},
                        {"url", Segment(name)},
                        {"status", p.status},
                        {"description", p.published.description}});
  }
  json nodes = json::array();
  std::set<std::string> own_nodes;
  json reads = json::array();
  for (std::uint32_t v = 0; v < g->node_count(); ++v) {
    const auto kind = g->node(v).kind;
    if (kind == NodeKind::kTopic || kind == NodeKind::kTeam) {
      continue;
    }
    const auto owner = g->OwnerOf(v);
    if (!owner || owner->team != team) {
      continue;
    }
    known = true;
    const std::string id(g->id(v));
    own_nodes.insert(id);
    nodes.push_back({{"id", id}, {"url", Url(id)}, {"kind", std::string(ToString(kind))}});
    // What it reads, and from whom.
    g->ForEachInNeighbour(v, [&](std::uint32_t e, std::uint32_t from) {
      const auto& edge = g->edge(e);
      if (edge.kind != graph::EdgeKind::kConsumes || g->EvidenceAt(edge, graph::kNow) == 0) {
        return;
      }
      const std::string topic(g->id(from));
      json row = {{"consumer", id},
                  {"consumer_url", Url(id)},
                  {"topic", topic},
                  {"topic_url", Url(topic)},
                  {"evidence", EvidenceText(g->EvidenceAt(edge, graph::kNow))}};
      if (auto p = by_topic.find(topic); p != by_topic.end()) {
        const auto& product = catalog->products.at(p->second);
        row["product"] = ProductLink(p->second);
        row["status"] = product.status;
        row["owner"] = product.published.owner;
        row["owner_url"] = Segment(product.published.owner);
      }
      reads.push_back(std::move(row));
    });
  }
  if (!known) {
    return NotFound("no team \"" + team + "\"");
  }
  page["products"] = products;
  page["nodes"] = nodes;
  page["reads"] = reads;

  // Deprecations under it (its consumers on a deprecated product) and what it
  // owes others (consumers of its deprecated products still to move).
  json under = json::array();
  json owed = json::array();
  if (const auto tracking = ctx.tracking ? ctx.tracking() : nullptr) {
    for (const auto& [product, track] : tracking->deprecations) {
      if (track.retired) {
        continue;
      }
      json mine = json::array();
      int left = 0;
      for (const auto& [consumer, c] : track.consumers) {
        if (own_nodes.contains(consumer)) {
          mine.push_back({{"consumer", consumer}, {"url", Url(consumer)}, {"status", c.status}});
        }
        if (c.status != tracking::kMigrated && c.status != tracking::kStopped) {
          ++left;
        }
      }
      json row = {{"product", ProductLink(product)},
                  {"sunset", FormatRfc3339(track.sunset)},
                  {"reason", track.reason},
                  {"replacement", track.replacement ? ProductLink(*track.replacement) : json()},
                  {"board_url", Segment(product)}};
      if (!mine.empty()) {
        row["consumers"] = mine;
        under.push_back(row);
      }
      if (own_products.contains(product)) {
        row["left"] = std::to_string(left);
        row["total"] = std::to_string(track.consumers.size());
        owed.push_back(row);
      }
    }
  }
  page["under"] = under;
  page["owed"] = owed;

  // What waits for it: proposals it must sign off, access requests to decide;
  // and its own requests.
  json signoffs = json::array();
  json to_decide = json::array();
  json asked = json::array();
  json violations = json::array();
  if (const auto gov = ctx.governance ? ctx.governance() : nullptr) {
    for (const auto& [id, p] : gov->proposals) {
      const auto& needed = p.opened.approvals_needed;
      const bool decided = std::any_of(p.decisions.begin(), p.decisions.end(),
                                       [&](const auto& d) { return d.team == team; });
      if (p.status == "pending" && !decided &&
          std::find(needed.begin(), needed.end(), team) != needed.end()) {
        signoffs.push_back({{"id", id}, {"url", Segment(id)}, {"product", p.opened.product}});
      }
    }
    for (const auto& [id, a] : gov->access_requests) {
      json row = {{"id", id},
                  {"url", Segment(id)},
                  {"product", ProductLink(a.requested.product)},
                  {"principal", a.requested.principal},
                  {"team", a.requested.team},
                  {"status", a.status},
                  {"purpose", a.requested.purpose}};
      if (a.status == "pending" && own_products.contains(a.requested.product)) {
        to_decide.push_back(row);
      }
      if (a.requested.team == team) {
        asked.push_back(row);
      }
    }
    for (const auto& v : gov->violations) {
      if (!v.resolved_at && own_products.contains(v.product)) {
        violations.push_back({{"product", ProductLink(v.product)},
                              {"policy", v.policy},
                              {"severity", v.severity},
                              {"message", v.message},
                              {"since", FormatRfc3339(v.first_seen)}});
      }
    }
  }
  page["signoffs"] = signoffs;
  page["to_decide"] = to_decide;
  page["asked"] = asked;
  page["violations"] = violations;

  // Its groups' health.
  json health = json::array();
  if (const auto view = ctx.health ? ctx.health() : nullptr) {
    for (const auto& c : view->consumers) {
      if (own_nodes.contains(c.id)) {
        health.push_back({{"id", c.id},
                          {"url", Url(c.id)},
                          {"status", std::string(health::ToString(c.status))},
                          {"lag", std::to_string(c.total_lag)},
                          {"lag_time", LagText(c.max_lag_seconds)}});
      }
    }
  }
  page["health"] = health;

  // The notifications it was sent, newest first.
  json sent = json::array();
  if (ctx.notifications != nullptr) {
    DeliveryFilter filter;
    filter.team = team;
    filter.limit = kTeamNotifications;
    auto list = ctx.notifications->List(filter);
    if (!list.ok()) {
      return list.status();
    }
    for (const auto& d : *list) {
      sent.push_back({{"subject", d.record.subject},
                      {"kind", d.record.kind},
                      {"severity", d.record.severity},
                      {"status", d.record.status},
                      {"created_at", FormatRfc3339(d.created_at)}});
    }
  }
  page["notifications"] = sent;
  // At most kTeamRows rows a list: a platform team may own thousands of groups.
  std::string truncated;
  for (const auto* list : {"products", "nodes", "reads", "under", "owed", "signoffs", "to_decide",
                           "asked", "violations", "health", "notifications"}) {
    auto& rows = page[list];
    if (rows.size() > kTeamRows) {
      truncated += std::string(truncated.empty() ? "" : ", ") + list + " (" +
                   std::to_string(rows.size()) + ")";
      rows.erase(rows.begin() + kTeamRows, rows.end());
    }
    page[std::string("has_") + list] = !rows.empty();
  }
  if (!truncated.empty()) {
    page["truncated"] = "Showing the first " + std::to_string(kTeamRows) +
                        " rows of each list; longer: " + truncated + ".";
  }
  return page;
}

}  // namespace

void AddTeamPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/teams/{team}", [&ctx, demo](const Request& r) {
    const auto& team = r.params.at("team");
    return ServePage(
        ctx, demo, r, "Team " + team, [&] { return TeamPage(ctx, team); }, "team");
  });
}

}  // namespace tributary::http::ui
