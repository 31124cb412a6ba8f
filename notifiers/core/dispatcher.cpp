#include "notifiers/core/dispatcher.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>

namespace tributary::notifiers {

// Deliveries sent as one message (one, or a digest of several).
struct OutboxDispatcher::Job {
  std::vector<StoredDelivery> deliveries;
  OutgoingMessage message;
};

struct OutboxDispatcher::Outcome {
  std::string channel;
  std::vector<StoredDelivery> deliveries;
  SendOutcome result;
  Timestamp at;
  bool attempted = true;  // false: handed back unsent (the endpoint is paused)
};

// One channel's sender: its own thread and queue, so a slow endpoint delays
// only itself.
struct OutboxDispatcher::Worker {
  std::unique_ptr<Channel> channel;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  bool stop = false;
  std::thread thread;
  std::atomic<std::int64_t> paused_until_ms{0};
  std::chrono::steady_clock::time_point last_send{};

  // Sends one job now (rate limit and pause respected) and says what happened.
  Outcome Send(Job job, const Clock& clock, const std::atomic<bool>& stopping) {
    Outcome out{channel->name(), std::move(job.deliveries), {}, clock.Now(), true};
    if (ToMillis(clock.Now()) < paused_until_ms.load()) {
      out.attempted = false;
      return out;
    }
    const auto interval = channel->min_interval();
    if (interval.count() > 0 && last_send.time_since_epoch().count() != 0) {
      const auto next = last_send + interval;
      while (std::chrono::steady_clock::now() < next && !stopping.load()) {
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            next - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
      }
    }
    last_send = std::chrono::steady_clock::now();
    out.result = channel->Send(job.message);
    out.at = clock.Now();
    if (out.result.pause_endpoint && out.result.retry_after) {
      paused_until_ms = ToMillis(out.at + *out.result.retry_after);
    }
    return out;
  }
};

OutboxDispatcher::OutboxDispatcher(DispatcherOptions options,
                                   std::vector<std::unique_ptr<Channel>> channels,
                                   const TemplateSet& templates, NotificationReader& notifications,
                                   Writer& writer, CatalogSource catalog, const Clock& clock)
    : options_(std::move(options)),
      templates_(templates),
      notifications_(notifications),
      writer_(writer),
      catalog_(std::move(catalog)),
      clock_(clock) {
  for (auto& c : channels) {
    auto w = std::make_unique<Worker>();
    const std::string name = c->name();
    w->channel = std::move(c);
    workers_.emplace(name, std::move(w));
  }
}

OutboxDispatcher::~OutboxDispatcher() { Stop(); }

Status OutboxDispatcher::LoadDisabled() {
  if (disabled_loaded_) {
    return Status::Ok();
  }
  auto disabled = notifications_.DisabledChannels();
  if (!disabled.ok()) {
    return disabled.status();
  }
  disabled_ = std::move(disabled).value();
  disabled_loaded_ = true;
  return Status::Ok();
}

Status OutboxDispatcher::Start() {
  if (auto s = LoadDisabled(); !s.ok()) {
    return s;
  }
  stop_ = false;
  for (auto& [name, w] : workers_) {
    Worker* worker = w.get();
    worker->stop = false;
    worker->thread = std::thread([this, worker] {
      for (;;) {
        Job job;
        {
          std::unique_lock lock(worker->mu);
          worker->cv.wait(lock, [&] { return worker->stop || !worker->queue.empty(); });
          if (worker->queue.empty()) {
            return;
          }
          job = std::move(worker->queue.front());
          worker->queue.pop_front();
        }
        Outcome outcome = worker->Send(std::move(job), clock_, stop_);
        {
          std::lock_guard lock(mu_);
          outcomes_.push_back(std::move(outcome));
        }
        wake_.notify_all();
      }
    });
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void OutboxDispatcher::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  stop_ = true;
  wake_.notify_all();
  thread_.join();
  for (auto& [name, w] : workers_) {
    {
      std::lock_guard lock(w->mu);
      w->stop = true;
      // Jobs not started stay due in the table and go out after a restart.
      for (const auto& job : w->queue) {
        std::lock_guard l(mu_);
        for (const auto& d : job.deliveries) {
          in_flight_.erase(d.id);
        }
      }
      w->queue.clear();
    }
    w->cv.notify_all();
    if (w->thread.joinable()) {
      w->thread.join();
    }
  }
  std::vector<Outcome> last;
  {
    std::lock_guard lock(mu_);
    last.swap(outcomes_);
  }
  if (auto s = Record(std::move(last)); !s.ok()) {
    spdlog::warn("notifications: could not record the last outcomes: {}", s.message());
  }
}

void OutboxDispatcher::Run() {
  bool was_active = true;
  while (!stop_.load()) {
    const bool active = !options_.active || options_.active();
    if (active && !was_active) {
      // A new leader: what was disabled meanwhile is in the log now.
      if (auto s = LoadDisabled(); !s.ok()) {
        spdlog::warn("notifications: cannot read the disabled channels: {}", s.message());
      }
    }
    was_active = active;
    if (active) {
      if (auto routed = RouteQueued(); !routed.ok()) {
        spdlog::warn("notifications: routing failed, retrying: {}", routed.status().message());
      }
      if (auto s = Dispatch(true); !s.ok()) {
        spdlog::warn("notifications: dispatch failed, retrying: {}", s.message());
      }
    }
    std::vector<Outcome> outcomes;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, options_.poll_interval,
                     [&] { return stop_.load() || !outcomes_.empty(); });
      outcomes.swap(outcomes_);
    }
    if (options_.active && !options_.active()) {
      Forget(std::move(outcomes));
      continue;
    }
    if (auto s = Record(std::move(outcomes)); !s.ok()) {
      spdlog::warn("notifications: recording failed, retrying: {}", s.message());
    }
  }
}

void OutboxDispatcher::Forget(std::vector<Outcome> outcomes) {
  std::size_t n = 0;
  std::lock_guard lock(mu_);
  for (const auto& o : outcomes) {
    for (const auto& d : o.deliveries) {
      in_flight_.erase(d.id);
      ++n;
    }
  }
  if (n > 0) {
    spdlog::info(
        "notifications: {} outcome(s) of sends begun before this replica stopped leading "
        "are not recorded; the leader re-sends them with the same idempotency key",
        n);
  }
}

Status OutboxDispatcher::RunOnce() {
  if (auto s = LoadDisabled(); !s.ok()) {
    return s;
  }
  if (auto routed = RouteQueued(); !routed.ok()) {
    return routed.status();
  }
  if (auto s = Dispatch(false); !s.ok()) {
    return s;
  }
  std::vector<Outcome> outcomes;
  {
    std::lock_guard lock(mu_);
    outcomes.swap(outcomes_);
  }
  return Record(std::move(outcomes));
}

Duration OutboxDispatcher::DigestWindow(const std::string& team) const {
  if (auto it = options_.preferences.find(team);
      it != options_.preferences.end() && it->second.digest_window) {
    return *it->second.digest_window;
  }
  return options_.digest_window;
}

Duration OutboxDispatcher::Backoff(int attempt) {
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return notifiers::Backoff(attempt, options_.base_backoff, options_.max_backoff, jitter(jitter_));
}

bool OutboxDispatcher::Usable(const std::string& channel) const {
  auto w = workers_.find(channel);
  if (w == workers_.end()) {
    return false;
  }
  auto d = disabled_.find(channel);
  return d == disabled_.end() || d->second != w->second->channel->fingerprint();
}

std::vector<std::string> OutboxDispatcher::Contacts(const CatalogState& catalog,
                                                    const std::string& team,
                                                    const std::string& except) const {
  return TeamContacts(
      catalog, options_.config_teams, team, [this](const std::string& c) { return Usable(c); },
      except);
}

Result<std::size_t> OutboxDispatcher::RouteQueued() {
  if (auto s = LoadDisabled(); !s.ok()) {
    return s;
  }
  auto intents = notifications_.QueuedIntents(options_.route_batch);
  if (!intents.ok()) {
    return intents.status();
  }
  if (intents->empty()) {
    return std::size_t{0};
  }
  const auto catalog = catalog_ ? catalog_() : std::make_shared<const CatalogState>();
  const Timestamp now = clock_.Now();
  Batch batch;
  std::int64_t unroutable = 0;
  std::int64_t declined = 0;
  for (const auto& stored : *intents) {
    const auto& intent = stored.intent;
    batch.routed_intents.push_back(stored.id);
    // Kinds the team does not want, or below its severity, are not sent (the
    // intent stays in the outbox, routed, for the record).
    auto pref = options_.preferences.find(intent.team);
    if (!Wanted(intent, pref == options_.preferences.end() ? nullptr : &pref->second)) {
      ++declined;
      continue;
    }
    const auto route = RouteIntent(Contacts(*catalog, intent.team), options_.fallback_channel,
                                   workers_.contains(options_.fallback_channel));
    if (route.channels.empty() || route.fallback) {
      ++unroutable;
    }
    if (route.channels.empty()) {
      NewEvent event;
      batch.new_deliveries.push_back(DeadForNoContact(stored, now, event));
      batch.events.push_back(std::move(event));
      continue;
    }
    for (const auto& channel : route.channels) {
      NewEvent event;
      batch.new_deliveries.push_back(
          RenderDelivery(stored, channel, std::string(workers_.at(channel)->channel->type()),
                         templates_, RenderContext(intent, *catalog, channel, options_.ui_link),
                         route.fallback, now, now + DigestWindow(intent.team), event));
      batch.events.push_back(std::move(event));
    }
  }
  const std::size_t routed = intents->size();
  if (auto s = writer_.Commit(std::move(batch)); !s.ok()) {
    return s.status();
  }
  counters_.routed += static_cast<std::int64_t>(routed);
  counters_.unroutable += unroutable;
  counters_.declined += declined;
  return routed;
}

Status OutboxDispatcher::Dispatch(bool wait) {
  const Timestamp now = clock_.Now();
  auto due = notifications_.DueDeliveries(now, 1000);
  if (!due.ok()) {
    return due.status();
  }
  // Group: one message per delivery, or per (team, channel) with digests.
  std::vector<StoredDelivery> waiting;
  {
    std::lock_guard lock(mu_);
    for (auto& d : *due) {
      if (!in_flight_.contains(d.id)) {
        waiting.push_back(std::move(d));
      }
    }
  }
  auto groups = GroupForSending(std::move(waiting),
                                [this](const std::string& team) { return DigestWindow(team); });
  std::vector<Outcome> immediate;
  for (auto& group : groups) {
    const std::string channel = group.front().record.channel;
    auto w = workers_.find(channel);
    if (w == workers_.end()) {
      immediate.push_back(
          {channel, std::move(group),
           SendOutcome::Permanent("no channel named \"" + channel + "\" is configured"), now,
           true});
      continue;
    }
    Worker& worker = *w->second;
    if (auto d = disabled_.find(channel);
        d != disabled_.end() && d->second == worker.channel->fingerprint()) {
      immediate.push_back({channel, std::move(group),
                           SendOutcome::Permanent("channel disabled: its endpoint answered 410 "
                                                  "Gone; change its address to enable it"),
                           now, true});
      continue;
    }
    if (ToMillis(now) < worker.paused_until_ms.load()) {
      continue;  // Retry-After: the whole endpoint waits
    }
    Job job;
    job.message = ComposeMessage(group);
    job.deliveries = std::move(group);
    {
      std::lock_guard lock(mu_);
      for (const auto& d : job.deliveries) {
        in_flight_.insert(d.id);
      }
    }
    if (!wait) {
      immediate.push_back(worker.Send(std::move(job), clock_, stop_));
      continue;
    }
    {
      std::lock_guard lock(worker.mu);
      worker.queue.push_back(std::move(job));
    }
    worker.cv.notify_one();
  }
  if (!immediate.empty()) {
    std::lock_guard lock(mu_);
    for (auto& o : immediate) {
      outcomes_.push_back(std::move(o));
    }
  }
  return Status::Ok();
}

Status OutboxDispatcher::Record(std::vector<Outcome> outcomes) {
  if (outcomes.empty()) {
    return Status::Ok();
  }
  Batch batch;
  const auto catalog = catalog_ ? catalog_() : std::make_shared<const CatalogState>();
  std::int64_t delivered = 0;
  std::int64_t failed = 0;
  std::int64_t dead = 0;
  for (const auto& o : outcomes) {
    if (!o.attempted) {
      continue;
    }
    for (const auto& d : o.deliveries) {
      auto recorded = RecordAttempt(d, o.channel, o.result, o.at, options_.max_attempts,
                                    Backoff(d.attempts + 1));
      delivered += recorded.delivered ? 1 : 0;
      failed += recorded.failed ? 1 : 0;
      dead += recorded.dead ? 1 : 0;
      for (auto& e : recorded.events) {
        batch.events.push_back(std::move(e));
      }
      batch.delivery_updates.push_back(std::move(recorded.update));
      if (!recorded.gone) {
        continue;
      }
      if (auto w = workers_.find(o.channel); w != workers_.end()) {
        const auto fp = w->second->channel->fingerprint();
        batch.disabled_channels.push_back({o.channel, fp, o.result.error});
        disabled_[o.channel] = fp;
      }
      // Tell the team through its other contacts.
      for (const auto& other : Contacts(*catalog, d.record.team, o.channel)) {
        NewEvent event;
        batch.new_deliveries.push_back(Reroute(d, o.channel, other, o.at, event));
        batch.events.push_back(std::move(event));
      }
    }
  }
  Status written = Status::Ok();
  if (!batch.empty()) {
    auto committed = writer_.Commit(std::move(batch));
    written = committed.ok() ? Status::Ok() : committed.status();
  }
  std::lock_guard lock(mu_);
  if (!written.ok()) {
    // Keep them for the next round; nothing is lost, at worst re-sent once.
    for (auto& o : outcomes) {
      outcomes_.push_back(std::move(o));
    }
    return written;
  }
  for (const auto& o : outcomes) {
    for (const auto& d : o.deliveries) {
      in_flight_.erase(d.id);
    }
  }
  counters_.delivered += delivered;
  counters_.failed += failed;
  counters_.dead += dead;
  return Status::Ok();
}

}  // namespace tributary::notifiers
