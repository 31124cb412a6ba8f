// Deprecation routes of the HTTP API (DESIGN.md §5). Deprecations and their migration boards.

#include "http/routes/route_support.h"

#include "http/routes/deprecation_board.h"
#include "tracking/tracker.h"

namespace tributary::http {
namespace {

using nlohmann::json;

Response GetDeprecations(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  json boards = json::array();
  if (ctx.tracking) {
    const auto state = ctx.tracking();
    const auto catalog = ctx.catalog();
    const auto g = ctx.graph();
    for (const auto& [product, track] : state->deprecations) {
      boards.push_back(DeprecationBoard(product, track, *catalog, *g, ctx.clock->Now()));
    }
  }
  return Response::Json(200, {{"deprecations", boards}});
}

Response GetDeprecation(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto& product = r.params.at("product");
  const auto state = ctx.tracking ? ctx.tracking() : nullptr;
  if (state == nullptr || !state->deprecations.contains(product)) {
    return Response::Error(404, "not_found",
                           "no deprecation of a product named \"" + product + "\"");
  }
  const auto catalog = ctx.catalog();
  const auto g = ctx.graph();
  return Response::Json(200, DeprecationBoard(product, state->deprecations.at(product), *catalog,
                                              *g, ctx.clock->Now()));
}

}  // namespace

void AddDeprecationRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/deprecations",
             [&ctx](const Request& r) { return GetDeprecations(ctx, r); });
  router.Add("GET", "/api/v1/deprecations/{product}",
             [&ctx](const Request& r) { return GetDeprecation(ctx, r); });
}

}  // namespace tributary::http
