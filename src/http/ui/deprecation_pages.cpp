// Deprecation pages of the web UI (ui_routes.h). Migration boards with progress.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "http/params.h"
#include "http/routes/deprecation_board.h"
#include "http/routes/graph_render.h"
#include "tributary/overloaded.h"

namespace tributary::http::ui {
namespace {

// A migration board with what the page shows besides the API's fields.
json BoardJson(const ApiContext& ctx, const std::string& product,
               const tracking::DeprecationTrack& track) {
  json b = DeprecationBoard(product, track, *ctx.catalog(), *ctx.graph(), ctx.clock->Now());
  const int total = b["progress"]["total"].get<int>();
  const int migrated = b["progress"]["migrated"].get<int>();
  b["total"] = std::to_string(total);
  b["migrated"] = std::to_string(migrated);
  b["percent"] = std::to_string(total == 0 ? 100 : migrated * 100 / total);
  b["days_to_sunset"] = std::to_string(b["days_to_sunset"].get<std::int64_t>());
  b["product_url"] = Segment(product);
  b["replacement_url"] =
      b["replacement"].is_string() ? Segment(b["replacement"].get<std::string>()) : "";
  for (auto& c : b["consumers"]) {
    c["url"] = Url(c["id"].get<std::string>());
    if (c["team"].is_null()) {
      c["team"] = "(unresolved)";
    }
  }
  return b;
}

Result<json> DeprecationsPage(const ApiContext& ctx, const Request&) {
  json boards = json::array();
  if (ctx.tracking) {
    for (const auto& [product, track] : ctx.tracking()->deprecations) {
      boards.push_back(BoardJson(ctx, product, track));
    }
  }
  return json{{"boards", boards}};
}

Result<json> DeprecationPage(const ApiContext& ctx, const Request& r) {
  const auto& product = r.params.at("product");
  const auto state = ctx.tracking ? ctx.tracking() : nullptr;
  if (state == nullptr || !state->deprecations.contains(product)) {
    return NotFound("no deprecation of a product named \"" + product + "\"");
  }
  return BoardJson(ctx, product, state->deprecations.at(product));
}

}  // namespace

void AddDeprecationPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/deprecations", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Deprecations", [&] { return DeprecationsPage(ctx, r); }, "deprecations");
  });
  router.Add("GET", "/ui/deprecations/{product}", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Migration off " + r.params.at("product"),
        [&] { return DeprecationPage(ctx, r); }, "deprecation");
  });
}

}  // namespace tributary::http::ui
