#include "http/ui/ui_routes.h"

#include "http/ui/ui_support.h"

namespace tributary::http {

void AddUiRoutes(Router& router, const ApiContext& ctx, const DemoView* demo) {
  const bool with_demo = demo != nullptr;
  // The forms first: /ui/products/new is not a product's page.
  ui::AddWritePages(router, ctx, with_demo);
  ui::AddOverviewPages(router, ctx, with_demo);
  ui::AddProductPages(router, ctx, with_demo);
  ui::AddConsumerPages(router, ctx, with_demo);
  ui::AddNodePages(router, ctx, with_demo);
  ui::AddDeprecationPages(router, ctx, with_demo);
  ui::AddNotificationPages(router, ctx, with_demo);
  ui::AddLogPages(router, ctx, with_demo);
  ui::AddGovernancePages(router, ctx, with_demo);
  ui::AddSearchPages(router, ctx, with_demo);
  ui::AddTeamPages(router, ctx, with_demo);
  ui::AddHistoryPages(router, ctx, with_demo);
  if (demo != nullptr) {
    ui::AddDemoPages(router, ctx, *demo);
  }
}

}  // namespace tributary::http
