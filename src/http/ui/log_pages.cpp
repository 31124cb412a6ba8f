// Log pages of the web UI (ui_routes.h). The event log, newest first, and the quarantine.

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

Result<json> EventsPage(const ApiContext& ctx, const Request& r) {
  auto last = ctx.events->LastSeq();
  if (!last.ok()) {
    return last.status();
  }
  // Newest first, kUiPageLimit a page; `before` is exclusive.
  const std::int64_t end = last->value() + 1;
  auto before_param = CursorParam(r, "before", 1, end);
  if (!before_param.ok()) {
    return before_param.status();
  }
  const std::int64_t before = before_param->value_or(end);
  constexpr auto kPage = static_cast<std::int64_t>(kUiPageLimit);
  const std::int64_t from = std::max<std::int64_t>(0, before - 1 - kPage);
  auto events =
      ReadEvents(*ctx.events, EventSeq(from), static_cast<std::size_t>(before - 1 - from));
  if (!events.ok()) {
    return events.status();
  }
  json out = json::array();
  for (auto it = events->rbegin(); it != events->rend(); ++it) {
    out.push_back({{"seq", std::to_string(it->seq.value())},
                   {"type", std::string(TypeName(it->event))},
                   {"event_time", FormatRfc3339(it->event_time)},
                   {"source", it->source},
                   {"data", codec::ToJson(it->event).dump()}});
  }
  return json{{"events", out},
              {"older", from > 0 ? json(std::to_string(from + 1)) : json(nullptr)}};
}

Result<json> QuarantinePage(const ApiContext& ctx, const Request& r) {
  auto after = CursorParam(r, "after", 0);
  if (!after.ok()) {
    return after.status();
  }
  auto records = ctx.events->Quarantine(after->value_or(0), kUiPageLimit);
  if (!records.ok()) {
    return records.status();
  }
  json out = json::array();
  for (const auto& q : *records) {
    out.push_back({{"id", std::to_string(q.id)},
                   {"source", q.record.source},
                   {"topic", q.record.topic},
                   {"partition", q.record.partition ? std::to_string(*q.record.partition) : ""},
                   {"offset", q.record.offset ? std::to_string(*q.record.offset) : ""},
                   {"reason", q.record.reason},
                   {"recorded_at", FormatRfc3339(q.recorded_at)}});
  }
  json page{{"records", out}};
  if (records->size() == kUiPageLimit) {
    page["next"] = std::to_string(records->back().id);
  }
  return page;
}

}  // namespace

void AddLogPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/events", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Event log", [&] { return EventsPage(ctx, r); }, "events");
  });
  router.Add("GET", "/ui/quarantine", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Quarantine", [&] { return QuarantinePage(ctx, r); }, "quarantine");
  });
}

}  // namespace tributary::http::ui
