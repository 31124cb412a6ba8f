// Team routes of the HTTP API (DESIGN.md §5). Teams (the routing table) and their subscriptions.

#include "http/routes/route_support.h"

#include <algorithm>
#include <set>

namespace tributary::http {
namespace {

using nlohmann::json;

Response GetTeams(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto catalog = ctx.catalog();
  json teams = json::array();
  for (const auto& name : TeamNames(ctx, *catalog)) {
    teams.push_back(TeamJson(ctx, *catalog, name));
  }
  return Response::Json(200, {{"teams", teams}});
}

Response PutSubscriptions(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  const auto& team = r.params.at("team");
  if (auto s = ctx.auth->AuthorizeWrite(*principal, team); !s.ok()) {
    return FromStatus(s);
  }
  const auto catalog = ctx.catalog();
  if (!TeamNames(ctx, *catalog).contains(team)) {
    return Response::Error(404, "not_found", "no team named \"" + team + "\"");
  }
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("products") ||
      !body["products"].is_array()) {
    return Response::Error(400, "bad_request", "the body must be {\"products\": [product names]}");
  }
  TeamSubscriptionsSet fact{team, {}, principal->name};
  for (const auto& p : body["products"]) {
    if (!p.is_string()) {
      return Response::Error(400, "bad_request", "products: names are strings");
    }
    const auto name = p.get<std::string>();
    if (!catalog->products.contains(name)) {
      return Response::Error(400, "bad_request", "products: no product named \"" + name + "\"");
    }
    fact.products.push_back(name);
  }
  NewEvent event{fact, ctx.clock->Now(), "api:" + principal->name, std::nullopt, std::nullopt};
  auto appended = CommitEvent(ctx, std::move(event), {principal->name, team});
  if (!appended.ok()) {
    return FromStatus(appended.status());
  }
  return Response::Json(200, TeamJson(ctx, *ctx.catalog(), team));
}

}  // namespace

json TeamJson(const ApiContext& ctx, const CatalogState& catalog, const std::string& name) {
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
}

std::set<std::string> TeamNames(const ApiContext& ctx, const CatalogState& catalog) {
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
}

void AddTeamRoutes(Router& router, const ApiContext& ctx) {
  // The routing table: every team the catalog, the config or a route names.
  router.Add("GET", "/api/v1/teams", [&ctx](const Request& r) { return GetTeams(ctx, r); });
  router.Add("PUT", "/api/v1/teams/{team}/subscriptions",
             [&ctx](const Request& r) { return PutSubscriptions(ctx, r); });
}

}  // namespace tributary::http
