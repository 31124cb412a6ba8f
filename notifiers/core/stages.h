#pragma once
// The dispatcher's stages as pure functions (notifiers/README.md, "Stages"):
// each takes what it decides from and returns what it decided — no I/O, no
// clock, no threads — so each is tested on its own (tests/notifiers/stages_test.cpp)
// and OutboxDispatcher only moves their results between the tables, the
// channel workers and the writer.
//
//   route    an intent -> the channels it goes to (preferences, contacts,
//            disabled channels, the fallback) or the reason it cannot go
//   render   an intent for one channel -> a delivery row with its message
//   digest   due deliveries -> the groups sent as one message each
//   backoff  an attempt number -> the wait before the next
//   record   a send's outcome -> the delivery's new state and its events

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "notifiers/core/channel.h"
#include "notifiers/templates/template_set.h"
#include "tributary/commit.h"
#include "tributary/notification_reader.h"

namespace tributary::notifiers {

// A team's choices about what it is told and how often.
struct TeamPreferences {
  std::vector<std::string> kinds;         // empty: every kind
  std::string min_severity = "info";      // info < warning < high < critical
  std::optional<Duration> digest_window;  // unset: DispatcherOptions::digest_window
};

// The absolute URL of the UI page about an intent, given its render context
// (the UI's paths are the composition root's: app/ injects this).
using UiLinkBuilder =
    std::function<std::string(const OutboxIntent& intent, const nlohmann::json& context)>;

// ---- route ------------------------------------------------------------------

// Whether the team's preferences want the intent (null: no preferences).
bool Wanted(const OutboxIntent& intent, const TeamPreferences* preferences);

// The contacts of `team`, in order and without repeats: the catalog's, then the
// config's ([[teams]]), those `usable` (configured and not disabled), except `except`.
std::vector<std::string> TeamContacts(
    const CatalogState& catalog,
    const std::map<std::string, std::vector<std::string>>& config_teams, const std::string& team,
    const std::function<bool(const std::string&)>& usable, const std::string& except = "");

struct Route {
  std::vector<std::string> channels;  // empty: nowhere (see DeadForNoContact)
  bool fallback = false;              // the fallback channel, not the team's own
};
// The team's contacts, else the fallback channel when it is usable.
Route RouteIntent(std::vector<std::string> contacts, const std::string& fallback_channel,
                  bool fallback_usable);

// The delivery that records an intent nobody can be told about, and its event.
DeliveryRecord DeadForNoContact(const StoredIntent& stored, Timestamp now, NewEvent& event);

// ---- render -----------------------------------------------------------------

// The template context: the intent's facts and what the dispatcher adds (team,
// display name, channel, the delivery key, ui_url; templates/README.md).
nlohmann::json RenderContext(const OutboxIntent& intent, const CatalogState& catalog,
                             const std::string& channel, const UiLinkBuilder& ui_link);

// The delivery of `stored` on `channel` (of `channel_type`), rendered; dead when
// its template fails. Due at `next_attempt_at`. Its notification_queued event
// in `event`.
DeliveryRecord RenderDelivery(const StoredIntent& stored, const std::string& channel,
                              const std::string& channel_type, const TemplateSet& templates,
                              nlohmann::json context, bool fallback, Timestamp now,
                              Timestamp next_attempt_at, NewEvent& event);

// ---- digest -----------------------------------------------------------------

// The due deliveries grouped into messages: one each, except for teams with a
// digest window, whose deliveries on one channel go together (in due order).
std::vector<std::vector<StoredDelivery>> GroupForSending(
    std::vector<StoredDelivery> due, const std::function<Duration(const std::string&)>& window);

// The message for one group: the delivery's own, or a digest of several.
OutgoingMessage ComposeMessage(const std::vector<StoredDelivery>& group);

// ---- backoff ----------------------------------------------------------------

// base * 2^(attempt-1), at most `max`, times `jitter` (0.8–1.2 in use).
Duration Backoff(int attempt, Duration base, Duration max, double jitter);

// ---- record -----------------------------------------------------------------

struct RecordedOutcome {
  DeliveryUpdate update;
  std::vector<NewEvent> events;
  bool delivered = false;
  bool failed = false;  // the attempt failed (retried or not)
  bool dead = false;
  bool gone = false;  // 410: the channel is to be disabled, the team told elsewhere
};

// What one attempt of `delivery` on `channel` at `at` means for it. `backoff`
// is the wait before a retry (used unless Retry-After asks for longer).
RecordedOutcome RecordAttempt(const StoredDelivery& delivery, const std::string& channel,
                              const SendOutcome& result, Timestamp at, int max_attempts,
                              Duration backoff);

// After a 410 on `gone_channel`: the delivery again on one of the team's other
// contacts, with a note saying why, and its event.
DeliveryRecord Reroute(const StoredDelivery& delivery, const std::string& gone_channel,
                       const std::string& other, Timestamp at, NewEvent& event);

}  // namespace tributary::notifiers
