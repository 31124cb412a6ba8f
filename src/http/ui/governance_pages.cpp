// Governance pages of the web UI (ui_routes.h): compliance and proposals.

#include "http/ui/ui_support.h"

#include "http/routes/governance_json.h"

namespace tributary::http::ui {
namespace {

Result<json> CompliancePage(const ApiContext& ctx, const Request& r) {
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  json page =
      ComplianceJson(state ? *state : governance::GovernanceState{}, {}, {}, {}, ctx.clock->Now());
  std::string product;
  if (auto it = r.query.find("product"); it != r.query.end()) {
    product = it->second;
  }
  json open = json::array();
  json resolved = json::array();
  for (auto& v : page["violations"]) {
    if (!product.empty() && v["product"] != product) {
      continue;
    }
    v["product_url"] = Segment(v["product"].get<std::string>());
    (v["status"] == "open" ? open : resolved).push_back(v);
  }
  json by_policy = json::array();
  for (const auto& [policy, n] : page["summary"]["by_policy"].items()) {
    by_policy.push_back({{"name", policy}, {"open", n}});
  }
  json by_domain = json::array();
  for (const auto& [domain, n] : page["summary"]["by_domain"].items()) {
    by_domain.push_back({{"name", domain}, {"open", n}});
  }
  std::int64_t peak = 1;
  for (const auto& d : page["summary"]["trend"]) {
    peak = std::max(peak, d["open"].get<std::int64_t>());
  }
  json trend = json::array();
  for (const auto& d : page["summary"]["trend"]) {
    trend.push_back({{"date", d["date"]},
                     {"opened", d["opened"]},
                     {"resolved", d["resolved"]},
                     {"open", d["open"]},
                     {"percent", std::to_string(d["open"].get<std::int64_t>() * 100 / peak)}});
  }
  json proposals = json::array();
  if (state) {
    for (const auto& [id, p] : state->proposals) {
      proposals.push_back(
          {{"id", id}, {"product", p.opened.product}, {"status", p.status}, {"url", Segment(id)}});
    }
  }
  return json{{"open", open},
              {"resolved", resolved},
              {"open_count", std::to_string(page["summary"]["open"].get<std::int64_t>())},
              {"by_policy", by_policy},
              {"by_domain", by_domain},
              {"trend", trend},
              {"product", product},
              {"proposals", proposals}};
}

Result<json> ProposalPage(const ApiContext& ctx, const Request& r) {
  const auto& id = r.params.at("id");
  const auto state = ctx.governance ? ctx.governance() : nullptr;
  if (state == nullptr || !state->proposals.contains(id)) {
    return NotFound("no proposal \"" + id + "\"");
  }
  json p = ProposalJson(state->proposals.at(id));
  p["product_url"] = Segment(p["product"].get<std::string>());
  p["pending"] = p["status"] == "pending";
  json teams = json::array();
  for (const auto& t : p["approvals_needed"]) {
    std::string decision = "waiting";
    for (const auto& d : p["decisions"]) {
      if (d["team"] == t) {
        decision = d["decision"].get<std::string>() == "approve" ? "approved" : "rejected";
      }
    }
    teams.push_back({{"team", t}, {"decision", decision}});
  }
  p["teams"] = teams;
  return p;
}

}  // namespace

void AddGovernancePages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/compliance", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Compliance", [&] { return CompliancePage(ctx, r); }, "compliance");
  });
  router.Add("GET", "/ui/proposals/{id}", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Proposal " + r.params.at("id"), [&] { return ProposalPage(ctx, r); },
        "proposal");
  });
}

}  // namespace tributary::http::ui
