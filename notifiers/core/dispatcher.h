#pragma once
// OutboxDispatcher: delivers the notification intents of the outbox
// (DESIGN.md §2 principle 5), as a pipeline of small stages:
//
//   route     intent (a team) -> the team's contacts that are configured
//             channels (catalog team events and [[teams]]); none -> the
//             fallback channel (counted); no fallback -> a dead delivery that
//             says so. Never dropped silently.
//   render    each delivery's title/body/html from the templates, written as a
//             `deliveries` row (with a notification_queued event) in the same
//             transaction that marks the intent routed.
//   dedup     a delivery's idempotency key ("<intent key>/<channel>") is unique:
//             re-routing after a crash creates nothing twice.
//   rate limit  per channel: its platform's minimum interval between sends;
//             a 429/503 with Retry-After pauses the whole endpoint.
//   send      on the channel's own worker thread, so a hanging receiver holds
//             up only its own channel; digests (notifications.digest_window)
//             go out as one message per team and channel.
//   record    every attempt's outcome as an event (notification_delivered,
//             notification_failed with the next attempt time,
//             notification_dead_lettered) together with the delivery's new
//             state, through the single writer.
//
// Retries back off exponentially with jitter up to `max_attempts`, then the
// delivery is dead (visible at GET /notifications?status=dead, retryable). A
// 410 disables the channel (until its address changes) and re-sends the
// notification to the team's other contacts. A crash between a send and its
// record re-sends at most that message, with the same idempotency key.
//
// Thread-safety: Start/Stop/RunOnce from one thread; counters() from any.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/catalog_projection.h"
#include "notifiers/core/channel.h"
#include "notifiers/core/stages.h"
#include "notifiers/templates/template_set.h"
#include "tributary/notification_reader.h"
#include "tributary/writer.h"

namespace tributary::notifiers {

struct DispatcherOptions {
  std::string fallback_channel;  // empty: none
  Duration digest_window{0};
  int max_attempts = 8;
  Duration base_backoff = std::chrono::seconds(2);
  Duration max_backoff = std::chrono::hours(1);
  UiLinkBuilder ui_link;  // the UI page about an intent (ui_url); unset: none
  // [[teams]] of the config: team -> contacts (channel names).
  std::map<std::string, std::vector<std::string>> config_teams;
  std::map<std::string, TeamPreferences> preferences;  // by team
  std::chrono::milliseconds poll_interval{100};
  std::size_t route_batch = 1000;  // intents routed per transaction
  // With [replication] only the leader routes and sends (DESIGN.md §8): while
  // this says false the dispatcher only records the outcomes of sends already
  // under way. Unset: always active.
  std::function<bool()> active;
};

struct DispatcherCounters {
  std::atomic<std::int64_t> routed{0};
  std::atomic<std::int64_t> unroutable{0};  // sent to the fallback channel or dead
  std::atomic<std::int64_t> declined{0};    // not wanted by the team's preferences
  std::atomic<std::int64_t> delivered{0};
  std::atomic<std::int64_t> failed{0};  // attempts that failed
  std::atomic<std::int64_t> dead{0};
};

class OutboxDispatcher {
 public:
  using CatalogSource = std::function<std::shared_ptr<const CatalogState>()>;

  // `templates`, `notifications`, `writer` and `clock` must outlive the
  // dispatcher. It reads the notification tables through `notifications` and
  // commits routing and outcomes (events with delivery state) through `writer`.
  OutboxDispatcher(DispatcherOptions options, std::vector<std::unique_ptr<Channel>> channels,
                   const TemplateSet& templates, NotificationReader& notifications, Writer& writer,
                   CatalogSource catalog, const Clock& clock);
  ~OutboxDispatcher();
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;

  Status Start();
  // Stops after the sends in flight (each bounded by its channel's timeout);
  // their outcomes are recorded.
  void Stop();

  // One pass without the background thread: route what is queued, send what is
  // due and record the outcomes. For tests and benchmarks.
  Status RunOnce();
  // Routes (and renders) queued intents only; returns how many.
  Result<std::size_t> RouteQueued();

  const DispatcherCounters& counters() const { return counters_; }

 private:
  struct Job;
  struct Worker;
  struct Outcome;

  // The channels switched off by a 410, read once.
  Status LoadDisabled();
  Status Dispatch(bool wait);
  // Drops outcomes this replica may no longer record (it stopped leading).
  void Forget(std::vector<Outcome> outcomes);
  Status Record(std::vector<Outcome> outcomes);
  void Run();
  Duration Backoff(int attempt);
  // Whether `channel` is configured and not disabled.
  bool Usable(const std::string& channel) const;
  // The contacts of `team` that are configured, enabled channels.
  std::vector<std::string> Contacts(const CatalogState& catalog, const std::string& team,
                                    const std::string& except = "") const;
  // The digest window of `team` (its preference, else the default).
  Duration DigestWindow(const std::string& team) const;

  DispatcherOptions options_;
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // by channel name
  const TemplateSet& templates_;
  NotificationReader& notifications_;
  Writer& writer_;
  CatalogSource catalog_;
  const Clock& clock_;
  bool disabled_loaded_ = false;
  std::map<std::string, std::string> disabled_;  // channel -> fingerprint (410)

  std::mutex mu_;  // guards outcomes_ and in_flight_
  std::condition_variable wake_;
  std::vector<Outcome> outcomes_;
  std::set<std::int64_t> in_flight_;  // delivery ids handed to workers
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mt19937_64 jitter_{0x7472696275746172ULL};
  DispatcherCounters counters_;
};

}  // namespace tributary::notifiers
