// Notification routes of the HTTP API (DESIGN.md §5). Notifications: the deliveries and their
// retry.

#include "http/routes/route_support.h"

#include <charconv>
#include <set>

namespace tributary::http {
namespace {

using nlohmann::json;

json DeliveryJson(const StoredDelivery& d) {
  return {{"id", std::to_string(d.id)},
          {"kind", d.record.kind},
          {"team", d.record.team},
          {"channel", d.record.channel},
          {"status", d.record.status},
          {"attempts", d.attempts},
          {"idempotency_key", d.record.idempotency_key},
          {"created_at", FormatRfc3339(d.created_at)},
          {"delivered_at", d.delivered_at ? json(FormatRfc3339(*d.delivered_at)) : json(nullptr)},
          {"last_error", d.record.last_error.empty() ? json(nullptr) : json(d.record.last_error)},
          {"next_attempt_at", d.record.status == "queued" || d.record.status == "retrying"
                                  ? json(FormatRfc3339(d.record.next_attempt_at))
                                  : json(nullptr)},
          {"subject", d.record.subject},
          {"body", d.record.body}};
}

Response GetNotifications(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  DeliveryFilter filter;
  static const std::set<std::string> kStatuses = {"queued", "retrying", "delivered", "dead"};
  if (auto v = r.Query("status")) {
    if (!kStatuses.contains(*v)) {
      return Response::Error(400, "bad_request",
                             "status: one of queued, retrying, delivered, dead");
    }
    filter.status = *v;
  }
  if (auto v = r.Query("team")) {
    filter.team = *v;
  }
  if (auto v = r.Query("kind")) {
    filter.kind = *v;
  }
  auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit);
  if (!limit.ok()) {
    return FromStatus(limit.status());
  }
  filter.limit = *limit;
  // Newest first: the cursor is the id of the previous page's last entry.
  auto after = CursorParam(r, "after");
  if (!after.ok()) {
    return FromStatus(after.status());
  }
  filter.before_id = after->value_or(0);
  auto list = ctx.notifications->List(filter);
  if (!list.ok()) {
    return FromStatus(list.status());
  }
  json out = json::array();
  for (const auto& d : *list) {
    out.push_back(DeliveryJson(d));
  }
  const bool full = list->size() == filter.limit;
  return Response::Json(200,
                        {{"notifications", out},
                         {"next", full ? json(std::to_string(list->back().id)) : json(nullptr)}});
}

Response RetryNotification(const ApiContext& ctx, const Request& r) {
  auto principal = Admit(ctx, r, true);
  if (!principal.ok()) {
    return FromStatus(principal.status());
  }
  const auto& text = r.params.at("id");
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Response::Error(404, "not_found", "no notification with id \"" + text + "\"");
  }
  auto found = ctx.notifications->Find(id);
  if (!found.ok()) {
    return FromStatus(found.status());
  }
  if (!*found) {
    return Response::Error(404, "not_found", "no notification with id " + text);
  }
  const auto& d = **found;
  if (auto s = ctx.auth->AuthorizeWrite(*principal, d.record.team); !s.ok()) {
    return FromStatus(s);
  }
  if (d.record.status != "dead" && d.record.status != "retrying") {
    return Response::Error(409, "conflict",
                           "notification " + text + " is " + d.record.status +
                               "; only dead or retrying notifications are retried");
  }
  if (d.record.channel.empty()) {
    return Response::Error(
        409, "conflict",
        "notification " + text + " has no channel to retry on: " + d.record.last_error);
  }
  const Timestamp now = ctx.clock->Now();
  Batch batch;
  batch.delivery_updates.push_back(
      {d.record.idempotency_key, "queued", 0, now, std::nullopt, d.record.last_error});
  batch.events.push_back(NewEvent{
      NotificationQueued{d.record.idempotency_key, d.record.kind, d.record.team, d.record.channel},
      now, "api:" + principal->name, std::nullopt,
      "retry:" + d.record.idempotency_key + ":" + std::to_string(ToMillis(now))});
  auto appended = ctx.writer->CommitAs(std::move(batch), {principal->name, d.record.team});
  if (!appended.ok()) {
    return FromStatus(appended.status());
  }
  auto after = ctx.notifications->Find(id);
  json out = json::array();
  if (after.ok() && *after) {
    out.push_back(DeliveryJson(**after));
  }
  return Response::Json(202, {{"notifications", out}});
}

}  // namespace

void AddNotificationRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/notifications",
             [&ctx](const Request& r) { return GetNotifications(ctx, r); });
  router.Add("POST", "/api/v1/notifications/{id}/retry",
             [&ctx](const Request& r) { return RetryNotification(ctx, r); });
}

}  // namespace tributary::http
