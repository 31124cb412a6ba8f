// Demo pages of the web UI (ui_routes.h). The demo's inbox (only with a DemoView).

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/event_codec.h"
#include "core/text_codec.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "tributary/overloaded.h"

namespace tributary::http::ui {
namespace {

Result<json> DemoPage(const DemoView* demo) {
  json storyline = json::array();
  if (demo->storyline) {
    for (const auto& line : demo->storyline()) {
      storyline.push_back(line);
    }
  }
  return json{{"storyline", storyline},
              {"webhooks", demo->webhooks ? demo->webhooks() : json::array()},
              {"emails", demo->emails ? demo->emails() : json::array()}};
}

}  // namespace

void AddDemoPages(Router& router, const ApiContext& ctx, const DemoView& view) {
  router.Add("GET", "/ui/demo", [&ctx, demo = &view](const Request& r) {
    return ServePage(
        ctx, true, r, "Demo inbox", [&] { return DemoPage(demo); }, "demo");
  });
}

}  // namespace tributary::http::ui
