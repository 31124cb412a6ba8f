#pragma once
// The web UI (DESIGN.md §5 `/`): server-rendered HTML from the Mustache page
// templates in templates/ui/ (compiled in), with a little CSS and no script,
// read-only, every page a stable URL:
//
//   /                              overview: domains, products, counts, recent changes
//   /ui/products/{name}[?at=&depth=]  a product: metadata, schema versions with
//                                  verdicts, producers, consumers, lineage SVG
//   /ui/node?id=ID[&direction=&depth=&at=]  any node's lineage (SVG with links) and edges
//   /ui/impact?node=ID             everything downstream, by team
//   /ui/deprecations[/{product}]   migration boards with progress
//   /ui/compliance[?product=]      policy violations by domain and policy, with the trend
//   /ui/proposals/{id}             a schema proposal: verdict, policy results, sign-off
//   /ui/notifications[?status=]    the notification log with each rendered message
//   /ui/events[?before=SEQ]        the event log, newest first
//   /ui/quarantine                 undecodable records
//   /ui/demo                       the demo's inbox (only with a DemoView)
//
// One file per group of pages (overview_pages.cpp, product_pages.cpp, …);
// ui_support.h holds what they share.
//
// Handlers are pure request -> response functions over the same read models
// as the API (ApiContext); thread-safe as those are.

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/router.h"
#include "http/routes/api_routes.h"

namespace tributary::http {

// What the demo shows besides the service's own data.
struct DemoView {
  std::function<std::vector<std::string>()> storyline;
  // [{received_at, title, text, kind, team}], newest first
  std::function<nlohmann::json()> webhooks;
  // [{received_at, subject, to, text}], newest first
  std::function<nlohmann::json()> emails;
};

// Registers the UI pages; `context` (and `demo`, when given) must outlive the router.
void AddUiRoutes(Router& router, const ApiContext& context, const DemoView* demo = nullptr);

// Renders a page template of templates/ui/ inside the layout; for tests.
// `replica` (GET /replica's answer) names, with [replication], the replica
// that answered and the leader.
std::string RenderPage(const std::string& page, const std::string& title,
                       const nlohmann::json& data, bool demo = false,
                       const nlohmann::json& replica = nullptr);

}  // namespace tributary::http
