// Log routes of the HTTP API (DESIGN.md §5). The event log and the quarantine, read through the
// EventReader port.

#include "http/routes/route_support.h"

#include "core/event_codec.h"

namespace tributary::http {
namespace {

using nlohmann::json;

Response GetEvents(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto after = CursorParam(r, "after", 0);
  if (!after.ok()) {
    return Response::Error(400, "bad_request",
                           "after: must be a sequence number (" + after.status().message() + ")");
  }
  auto limit = LimitParam(r, 100, 1000);
  if (!limit.ok()) {
    return FromStatus(limit.status());
  }
  std::optional<std::string> type;
  if (const auto* t = r.Query("type"); t != nullptr && !t->empty()) {
    if (!codec::TypeCode(*t)) {
      return Response::Error(400, "bad_request", "type: unknown event type \"" + *t + "\"");
    }
    type = *t;
  }
  json events = json::array();
  std::int64_t last = 0;
  auto status = ctx.events->ForEach(
      EventSeq(after->value_or(0)),
      [&](const EventRecord& e) {
        events.push_back({{"seq", e.seq.value()},
                          {"type", TypeName(e.event)},
                          {"event_time", FormatRfc3339(e.event_time)},
                          {"recorded_at", FormatRfc3339(e.recorded_at)},
                          {"source", e.source},
                          {"data", codec::ToJson(e.event)}});
        last = e.seq.value();
        return true;
      },
      *limit, type);
  if (!status.ok()) {
    return FromStatus(status);
  }
  // A full page may have more after it; the cursor is the last sequence number.
  const bool full = events.size() == *limit;
  return Response::Json(
      200, {{"events", events}, {"next", full ? json(std::to_string(last)) : json(nullptr)}});
}

Response GetQuarantine(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  auto limit = LimitParam(r, 100, 1000);
  if (!limit.ok()) {
    return FromStatus(limit.status());
  }
  const auto cursor = CursorParam(r, "after", 0);
  if (!cursor.ok()) {
    return FromStatus(cursor.status());
  }
  const auto after = cursor->value_or(0);
  auto records = ctx.events->Quarantine(after, *limit);
  if (!records.ok()) {
    return FromStatus(records.status());
  }
  json out = json::array();
  for (const auto& q : *records) {
    out.push_back({{"id", q.id},
                   {"source", q.record.source},
                   {"topic", q.record.topic},
                   {"partition", q.record.partition ? json(*q.record.partition) : json()},
                   {"offset", q.record.offset ? json(*q.record.offset) : json()},
                   {"reason", q.record.reason},
                   {"recorded_at", FormatRfc3339(q.recorded_at)}});
  }
  const bool full = records->size() == *limit;
  return Response::Json(
      200, {{"records", out},
            {"next", full ? json(std::to_string(records->back().id)) : json(nullptr)}});
}

}  // namespace

void AddLogRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/events",
             Timed(ctx, "events", [&ctx](const Request& r) { return GetEvents(ctx, r); }));
  router.Add("GET", "/api/v1/quarantine",
             [&ctx](const Request& r) { return GetQuarantine(ctx, r); });
}

}  // namespace tributary::http
