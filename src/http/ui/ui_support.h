#pragma once
// What the web UI's page files share (internal to src/http/ui): links, times,
// the lineage picture, parameters, and ServePage — authentication first, the
// page's data, the layout, and error pages that never show internals.
//
// Every page is a pure function of the request and the ApiContext (see
// ui_routes.h for thread-safety).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "graph/graph_snapshot.h"
#include "graph/queries.h"
#include "http/ui/ui_routes.h"

namespace tributary::http::ui {

using nlohmann::json;

// A node id as a query value (':' and '/' stay readable).
std::string Url(std::string_view text);
// A name as one path segment ('/' encoded too).
std::string Segment(std::string_view text);
Response Html(int status, std::string body);
std::string Time(std::int64_t ms);
std::string EvidenceText(std::uint8_t bits);
std::optional<std::string> TeamOf(const graph::GraphSnapshot& g, std::uint32_t v);
// A lineage SVG (or why there is none), drawn for the request's viewer
// (PictureFor in route_support.h): page["svg"], ["legend"], ["collapsed"]
// (a note when drawn collapsed by team), ["viewer_team"], ["edges"] (at most
// kMaxSvgNodes; ["edges_cut"] then says how many there were).
void AddLineage(json& page, const ApiContext& ctx, const Request& r, const graph::GraphSnapshot& g,
                const std::string& root, graph::Direction direction, int depth,
                std::optional<Timestamp> at);
// An SVG document made fit to sit inside a page: the XML prologue dropped.
std::string InlineSvg(std::string svg);
// One line about an event for the overview's recent changes.
std::string Summary(const EventRecord& r);
int DepthParam(const Request& r, int fallback);
std::optional<Timestamp> AtParam(const Request& r, std::string& error);

// The request as the UI authenticates it: with a live sign-in session (and no
// Authorization header of its own) it carries the session's bearer token, and
// `session` is set. Only UI routes call it.
Request WithSession(const ApiContext& ctx, const Request& r, std::optional<UiSession>* session);

// A page's data.
using PageBuilder = std::function<Result<json>()>;

// Authenticates (a read; a sign-in session counts), builds the page's data and
// renders template `page` inside the layout; with a session the data gains
// "session": {"name","role","team","csrf","owner"} for the page's forms. A failure is an error
// page: 404 (not found), 400 (bad parameters) or 500 with a request id (the cause is logged, never
// shown).
Response ServePage(const ApiContext& ctx, bool demo, const Request& r, const std::string& title,
                   const PageBuilder& build, const std::string& page);

// Each group of pages (one file each).
void AddOverviewPages(Router& router, const ApiContext& ctx, bool demo);
void AddProductPages(Router& router, const ApiContext& ctx, bool demo);
void AddConsumerPages(Router& router, const ApiContext& ctx, bool demo);
// "2d 4h", "3h 20m", "45s": a lag in seconds for a person ("" when unknown).
std::string LagText(const std::optional<double>& seconds);
void AddNodePages(Router& router, const ApiContext& ctx, bool demo);
void AddDeprecationPages(Router& router, const ApiContext& ctx, bool demo);
void AddNotificationPages(Router& router, const ApiContext& ctx, bool demo);
void AddLogPages(Router& router, const ApiContext& ctx, bool demo);
void AddGovernancePages(Router& router, const ApiContext& ctx, bool demo);
void AddSearchPages(Router& router, const ApiContext& ctx, bool demo);
void AddTeamPages(Router& router, const ApiContext& ctx, bool demo);
void AddHistoryPages(Router& router, const ApiContext& ctx, bool demo);
void AddDemoPages(Router& router, const ApiContext& ctx, const DemoView& view);
// Sign-in, sign-out and every form (write_pages.cpp): `router` dispatches the
// forms to the API routes registered on it.
void AddWritePages(Router& router, const ApiContext& ctx, bool demo);

}  // namespace tributary::http::ui
