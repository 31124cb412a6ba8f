#include "notifiers/core/stages.h"

#include <algorithm>

#include "notifiers/core/html_escape.h"

namespace tributary::notifiers {
namespace {

int SeverityRank(std::string_view severity) {
  if (severity == "critical") {
    return 3;
  }
  if (severity == "high") {
    return 2;
  }
  if (severity == "warning") {
    return 1;
  }
  return 0;
}

// Where the content of an HTML document's <body> starts: after its start tag,
// or 0 when there is none.
std::size_t BodyStart(std::string_view html) {
  const auto open = html.find("<body");
  const auto end = open == std::string_view::npos ? open : html.find('>', open);
  return end == std::string_view::npos ? 0 : end + 1;
}

// The content of an HTML document's <body> (the whole text when it has none).
std::string_view BodyContent(std::string_view html) {
  const auto start = BodyStart(html);
  auto close = html.rfind("</body>");
  if (close == std::string_view::npos || close < start) {
    close = html.size();
  }
  return html.substr(start, close - start);
}

}  // namespace

bool Wanted(const OutboxIntent& intent, const TeamPreferences* preferences) {
  if (preferences == nullptr) {
    return true;
  }
  const auto& kinds = preferences->kinds;
  if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), intent.kind) == kinds.end()) {
    return false;
  }
  return SeverityRank(intent.severity) >= SeverityRank(preferences->min_severity);
}

std::vector<std::string> TeamContacts(
    const CatalogState& catalog,
    const std::map<std::string, std::vector<std::string>>& config_teams, const std::string& team,
    const std::function<bool(const std::string&)>& usable, const std::string& except) {
  std::vector<std::string> names;
  if (auto it = catalog.teams.find(team); it != catalog.teams.end()) {
    names = it->second.contacts;
  }
  if (auto it = config_teams.find(team); it != config_teams.end()) {
    names.insert(names.end(), it->second.begin(), it->second.end());
  }
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n == except || std::find(out.begin(), out.end(), n) != out.end() || !usable(n)) {
      continue;
    }
    out.push_back(n);
  }
  return out;
}

Route RouteIntent(std::vector<std::string> contacts, const std::string& fallback_channel,
                  bool fallback_usable) {
  if (!contacts.empty()) {
    return {std::move(contacts), false};
  }
  if (!fallback_channel.empty() && fallback_usable) {
    return {{fallback_channel}, true};
  }
  return {};
}

DeliveryRecord DeadForNoContact(const StoredIntent& stored, Timestamp now, NewEvent& event) {
  const auto& intent = stored.intent;
  DeliveryRecord dead;
  dead.idempotency_key = intent.idempotency_key + "/-";
  dead.intent_id = stored.id;
  dead.kind = intent.kind;
  dead.team = intent.team;
  dead.severity = intent.severity;
  dead.status = "dead";
  dead.subject = intent.kind + " for team " + (intent.team.empty() ? "(none)" : intent.team);
  dead.last_error =
      "team \"" + intent.team + "\" has no reachable contact and no fallback channel is configured";
  dead.next_attempt_at = now;
  event = NewEvent{NotificationDeadLettered{dead.idempotency_key, "", 0, dead.last_error}, now,
                   "notifications", std::nullopt, "dead:" + dead.idempotency_key + ":0"};
  return dead;
}

nlohmann::json RenderContext(const OutboxIntent& intent, const CatalogState& catalog,
                             const std::string& channel, const UiLinkBuilder& ui_link) {
  nlohmann::json ctx = intent.facts.is_object() ? intent.facts : nlohmann::json::object();
  ctx["kind"] = intent.kind;
  ctx["team"] = intent.team;
  ctx["severity"] = intent.severity;
  ctx["channel"] = channel;
  ctx["idempotency_key"] = intent.idempotency_key + "/" + channel;
  std::string display = intent.team;
  if (auto it = catalog.teams.find(intent.team);
      it != catalog.teams.end() && !it->second.display_name.empty()) {
    display = it->second.display_name;
  }
  ctx["team_display_name"] = display;
  if (ui_link) {
    ctx["ui_url"] = ui_link(intent, ctx);
  }
  return ctx;
}

DeliveryRecord RenderDelivery(const StoredIntent& stored, const std::string& channel,
                              const std::string& channel_type, const TemplateSet& templates,
                              nlohmann::json context, bool fallback, Timestamp now,
                              Timestamp next_attempt_at, NewEvent& event) {
  const auto& intent = stored.intent;
  if (fallback) {
    context["fallback"] = true;
    context["fallback_reason"] = "team \"" + intent.team + "\" has no reachable contact";
  }
  DeliveryRecord d;
  d.idempotency_key = intent.idempotency_key + "/" + channel;
  d.intent_id = stored.id;
  d.kind = intent.kind;
  d.team = intent.team;
  d.channel = channel;
  d.severity = intent.severity;
  d.next_attempt_at = next_attempt_at;
  auto rendered = templates.Render(intent.kind, channel_type, context);
  if (!rendered.ok()) {
    d.status = "dead";
    d.subject = intent.kind + " for team " + intent.team;
    d.last_error = "cannot render: " + rendered.status().message();
  } else {
    d.subject = rendered->title;
    d.body = rendered->body;
    d.html = rendered->html;
    if (fallback) {
      d.subject = "[for team " + intent.team + "] " + d.subject;
    }
  }
  event = NewEvent{NotificationQueued{d.idempotency_key, d.kind, d.team, channel}, now,
                   "notifications", std::nullopt, "queued:" + d.idempotency_key};
  return d;
}

std::vector<std::vector<StoredDelivery>> GroupForSending(
    std::vector<StoredDelivery> due, const std::function<Duration(const std::string&)>& window) {
  std::map<std::pair<std::string, std::string>, std::vector<StoredDelivery>> digests;
  std::vector<std::vector<StoredDelivery>> groups;
  for (auto& d : due) {
    if (window(d.record.team).count() > 0) {
      digests[{d.record.team, d.record.channel}].push_back(std::move(d));
    } else {
      groups.push_back({std::move(d)});
    }
  }
  for (auto& [key, list] : digests) {
    groups.push_back(std::move(list));
  }
  return groups;
}

OutgoingMessage ComposeMessage(const std::vector<StoredDelivery>& group) {
  OutgoingMessage message;
  const auto& first = group.front().record;
  message.kind = first.kind;
  message.team = first.team;
  message.severity = first.severity;
  message.created_at = group.front().created_at;
  if (group.size() == 1) {
    message.id = first.idempotency_key;
    message.title = first.subject;
    message.body = first.body;
    message.html = first.html;
    message.facts = group.front().facts;
    return message;
  }
  // A digest: the notifications of one team on one channel, as one message.
  message.id =
      "digest/" + first.team + "/" + first.channel + "/" + std::to_string(group.front().id);
  message.kind = "digest";
  message.title = std::to_string(group.size()) + " notifications for team " + first.team;
  // One HTML document holding each part's body (or its text), between rules.
  std::string parts;
  bool any_html = false;
  for (const auto& d : group) {
    message.body +=
        (message.body.empty() ? "" : "\n\n---\n\n") + d.record.subject + "\n\n" + d.record.body;
    any_html = any_html || !d.record.html.empty();
    parts += (parts.empty() ? "" : "\n<hr>\n") +
             (d.record.html.empty() ? "<pre>" + HtmlEscape(d.record.body) + "</pre>"
                                    : std::string(BodyContent(d.record.html)));
    message.facts["notifications"].push_back(d.record.idempotency_key);
  }
  if (any_html) {
    message.html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" +
                   HtmlEscape(message.title) + "</title></head>\n<body>\n" + parts +
                   "\n</body>\n</html>";
  }
  return message;
}

Duration Backoff(int attempt, Duration base, Duration max, double jitter) {
  double ms = static_cast<double>(base.count());
  for (int i = 1; i < attempt && ms < static_cast<double>(max.count()); ++i) {
    ms *= 2;
  }
  ms = std::min(ms, static_cast<double>(max.count()));
  return Duration(static_cast<std::int64_t>(ms * jitter));
}

RecordedOutcome RecordAttempt(const StoredDelivery& delivery, const std::string& channel,
                              const SendOutcome& result, Timestamp at, int max_attempts,
                              Duration backoff) {
  const auto& key = delivery.record.idempotency_key;
  const std::int32_t attempts = delivery.attempts + 1;
  RecordedOutcome out;
  out.update = DeliveryUpdate{key, "", attempts, at, std::nullopt, result.error};
  const std::string suffix = std::to_string(attempts) + ":" + std::to_string(ToMillis(at));
  auto fail_event = [&](std::optional<Timestamp> retry_at) {
    out.failed = true;
    out.events.push_back(
        NewEvent{NotificationFailed{key, channel, attempts, result.error, retry_at}, at,
                 "notifications", std::nullopt, "failed:" + key + ":" + suffix});
  };
  auto dead_letter = [&] {
    out.update.status = "dead";
    out.dead = true;
    out.events.push_back(NewEvent{NotificationDeadLettered{key, channel, attempts, result.error},
                                  at, "notifications", std::nullopt, "dead:" + key + ":" + suffix});
  };
  switch (result.kind) {
    case SendOutcome::Kind::kDelivered:
      out.update.status = "delivered";
      out.update.delivered_at = at;
      out.update.last_error.clear();
      out.delivered = true;
      out.events.push_back(NewEvent{NotificationDelivered{key, channel, attempts}, at,
                                    "notifications", std::nullopt, "delivered:" + key});
      break;
    case SendOutcome::Kind::kRetry: {
      if (attempts >= max_attempts) {
        fail_event(std::nullopt);
        dead_letter();
        break;
      }
      auto wait = backoff;
      if (result.retry_after && *result.retry_after > wait) {
        wait = *result.retry_after;
      }
      out.update.status = "retrying";
      out.update.next_attempt_at = at + wait;
      fail_event(out.update.next_attempt_at);
      break;
    }
    case SendOutcome::Kind::kPermanent:
      fail_event(std::nullopt);
      dead_letter();
      break;
    case SendOutcome::Kind::kGone:
      fail_event(std::nullopt);
      dead_letter();
      out.gone = true;
      break;
  }
  return out;
}

DeliveryRecord Reroute(const StoredDelivery& delivery, const std::string& gone_channel,
                       const std::string& other, Timestamp at, NewEvent& event) {
  DeliveryRecord r = delivery.record;
  r.idempotency_key = delivery.record.idempotency_key + "/rerouted/" + other;
  r.channel = other;
  r.status = "queued";
  r.last_error.clear();
  r.next_attempt_at = at;
  const std::string note = "Channel \"" + gone_channel +
                           "\" answered 410 Gone and is disabled until its address "
                           "changes; this notification was meant for it.";
  r.subject = "[" + gone_channel + " disabled] " + delivery.record.subject;
  r.body = note + "\n\n" + delivery.record.body;
  // In an email's HTML document, the note starts its body; a message without
  // an HTML part (chat) leaves the email channel to make one from the text.
  if (!r.html.empty()) {
    r.html.insert(BodyStart(r.html), "\n<p><strong>" + note + "</strong></p>");
  }
  event = NewEvent{NotificationQueued{r.idempotency_key, r.kind, r.team, other}, at,
                   "notifications", std::nullopt, "queued:" + r.idempotency_key};
  return r;
}

}  // namespace tributary::notifiers
