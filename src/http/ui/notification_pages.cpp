// Notification pages of the web UI (ui_routes.h). The notification log with each rendered message.

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

Result<json> NotificationsPage(const ApiContext& ctx, const Request& r) {
  DeliveryFilter filter;
  filter.limit = kUiPageLimit;
  if (const auto* s = r.Query("status"); s != nullptr && !s->empty()) {
    static const std::set<std::string> kStatuses = {"queued", "retrying", "delivered", "dead"};
    if (!kStatuses.contains(*s)) {
      return InvalidArgument("status: one of queued, retrying, delivered, dead");
    }
    filter.status = *s;
  }
  auto after = CursorParam(r, "after");
  if (!after.ok()) {
    return after.status();
  }
  filter.before_id = after->value_or(0);
  auto list = ctx.notifications->List(filter);
  if (!list.ok()) {
    return list.status();
  }
  json out = json::array();
  for (const auto& d : *list) {
    out.push_back(
        {{"id", std::to_string(d.id)},
         {"subject", d.record.subject},
         {"status", d.record.status},
         {"severity", d.record.severity},
         {"kind", d.record.kind},
         {"team", d.record.team},
         {"channel", d.record.channel.empty() ? "(none)" : d.record.channel},
         {"attempts", std::to_string(d.attempts)},
         {"created_at", FormatRfc3339(d.created_at)},
         {"delivered_at", d.delivered_at ? FormatRfc3339(*d.delivered_at) : std::string()},
         {"last_error", d.record.last_error},
         {"body", d.record.body},
         {"idempotency_key", d.record.idempotency_key}});
  }
  json page{{"notifications", out}};
  if (list->size() == filter.limit) {
    page["next"] = "after=" + std::to_string(list->back().id) +
                   (filter.status ? "&status=" + *filter.status : std::string());
  }
  return page;
}

}  // namespace

void AddNotificationPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/notifications", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Notifications", [&] { return NotificationsPage(ctx, r); }, "notifications");
  });
}

}  // namespace tributary::http::ui
