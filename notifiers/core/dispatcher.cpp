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
  while (!stop_.load()) {
    if (auto routed = RouteQueued(); !routed.ok()) {
      spdlog::warn("notifications: routing failed, retrying: {}", routed.status().message());
    }
    if (auto s = Dispatch(true); !s.ok()) {
      spdlog::warn("notifications: dispatch failed, retrying: {}", s.message());
    }
    std::vector<Outcome> outcomes;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, options_.poll_interval,
                     [&] { return stop_.load() || !outcomes_.empty(); });
      outcomes.swap(outcomes_);
    }
    if (auto s = Record(std::move(outcomes)); !s.ok()) {
      spdlog::warn("notifications: recording failed, retrying: {}", s.message());
    }
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

}  // namespace

Duration OutboxDispatcher::DigestWindow(const std::string& team) const {
  if (auto it = options_.preferences.find(team);
      it != options_.preferences.end() && it->second.digest_window) {
    return *it->second.digest_window;
  }
  return options_.digest_window;
}

Duration OutboxDispatcher::Backoff(int attempt) {
  // base * 2^(attempt-1), capped, with +-20% jitter.
  double ms = static_cast<double>(options_.base_backoff.count());
  for (int i = 1; i < attempt && ms < static_cast<double>(options_.max_backoff.count()); ++i) {
    ms *= 2;
  }
  ms = std::min(ms, static_cast<double>(options_.max_backoff.count()));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return Duration(static_cast<std::int64_t>(ms * jitter(jitter_)));
}

std::vector<std::string> OutboxDispatcher::Contacts(const CatalogState& catalog,
                                                    const std::string& team,
                                                    const std::string& except) const {
  std::vector<std::string> names;
  if (auto it = catalog.teams.find(team); it != catalog.teams.end()) {
    names = it->second.contacts;
  }
  if (auto it = options_.config_teams.find(team); it != options_.config_teams.end()) {
    names.insert(names.end(), it->second.begin(), it->second.end());
  }
  std::vector<std::string> out;
  for (const auto& n : names) {
    auto w = workers_.find(n);
    if (w == workers_.end() || n == except || std::find(out.begin(), out.end(), n) != out.end()) {
      continue;
    }
    if (auto d = disabled_.find(n);
        d != disabled_.end() && d->second == w->second->channel->fingerprint()) {
      continue;
    }
    out.push_back(n);
  }
  return out;
}

nlohmann::json OutboxDispatcher::RenderContext(const OutboxIntent& intent,
                                               const CatalogState& catalog,
                                               const std::string& channel) const {
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
  // The UI page about it: the deprecation board, the product, or the node's lineage.
  std::string path = "/";
  const std::string product = ctx.value("product", "");
  if (!product.empty()) {
    const bool deprecation = intent.kind == "deprecation" || intent.kind == "reminder" ||
                             intent.kind == "sunset_escalation" ||
                             intent.kind == "new_consumer_on_deprecated";
    path = (deprecation ? "/ui/deprecations/" : "/ui/products/") + product;
  } else if (ctx.contains("principal") && ctx["principal"].is_string()) {
    path = "/ui/node?id=" + ctx["principal"].get<std::string>();
  } else if (ctx.contains("topic") && ctx["topic"].is_string()) {
    path = "/ui/node?id=" + ctx["topic"].get<std::string>();
  }
  ctx["ui_url"] = options_.ui_base_url + path;
  return ctx;
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
    // The team's preferences: kinds it does not want, or below its severity,
    // are not sent (the intent stays in the outbox, routed, for the record).
    if (auto pref = options_.preferences.find(intent.team); pref != options_.preferences.end()) {
      const auto& kinds = pref->second.kinds;
      if ((!kinds.empty() && std::find(kinds.begin(), kinds.end(), intent.kind) == kinds.end()) ||
          SeverityRank(intent.severity) < SeverityRank(pref->second.min_severity)) {
        ++declined;
        continue;
      }
    }
    auto channels = Contacts(*catalog, intent.team);
    bool fallback = false;
    if (channels.empty() && !options_.fallback_channel.empty() &&
        workers_.contains(options_.fallback_channel)) {
      channels = {options_.fallback_channel};
      fallback = true;
      ++unroutable;
    }
    if (channels.empty()) {
      ++unroutable;
      DeliveryRecord dead;
      dead.idempotency_key = intent.idempotency_key + "/-";
      dead.intent_id = stored.id;
      dead.kind = intent.kind;
      dead.team = intent.team;
      dead.severity = intent.severity;
      dead.status = "dead";
      dead.subject = intent.kind + " for team " + (intent.team.empty() ? "(none)" : intent.team);
      dead.last_error = "team \"" + intent.team +
                        "\" has no reachable contact and no fallback channel is configured";
      dead.next_attempt_at = now;
      batch.events.push_back(
          NewEvent{NotificationDeadLettered{dead.idempotency_key, "", 0, dead.last_error}, now,
                   "notifications", std::nullopt, "dead:" + dead.idempotency_key + ":0"});
      batch.new_deliveries.push_back(std::move(dead));
      continue;
    }
    for (const auto& channel : channels) {
      auto context = RenderContext(intent, *catalog, channel);
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
      d.next_attempt_at = now + DigestWindow(intent.team);
      auto rendered =
          templates_.Render(intent.kind, workers_.at(channel)->channel->type(), context);
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
      batch.events.push_back(
          NewEvent{NotificationQueued{d.idempotency_key, d.kind, d.team, channel}, now,
                   "notifications", std::nullopt, "queued:" + d.idempotency_key});
      batch.new_deliveries.push_back(std::move(d));
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
  std::map<std::pair<std::string, std::string>, std::vector<StoredDelivery>> digests;
  std::vector<std::vector<StoredDelivery>> groups;
  {
    std::lock_guard lock(mu_);
    for (auto& d : *due) {
      if (in_flight_.contains(d.id)) {
        continue;
      }
      if (DigestWindow(d.record.team).count() > 0) {
        digests[{d.record.team, d.record.channel}].push_back(std::move(d));
      } else {
        groups.push_back({std::move(d)});
      }
    }
  }
  for (auto& [key, list] : digests) {
    groups.push_back(std::move(list));
  }
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
    const auto& first = group.front().record;
    job.message.kind = first.kind;
    job.message.team = first.team;
    job.message.severity = first.severity;
    job.message.created_at = group.front().created_at;
    if (group.size() == 1) {
      job.message.id = first.idempotency_key;
      job.message.title = first.subject;
      job.message.body = first.body;
      job.message.html = first.html;
      job.message.facts = group.front().facts;
    } else {
      // A digest: the notifications of one team on one channel, as one message.
      job.message.id =
          "digest/" + first.team + "/" + channel + "/" + std::to_string(group.front().id);
      job.message.kind = "digest";
      job.message.title = std::to_string(group.size()) + " notifications for team " + first.team;
      for (const auto& d : group) {
        job.message.body += (job.message.body.empty() ? "" : "\n\n---\n\n") + d.record.subject +
                            "\n\n" + d.record.body;
        job.message.html += (job.message.html.empty() ? "" : "<hr>") + d.record.html;
        job.message.facts["notifications"].push_back(d.record.idempotency_key);
      }
    }
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
      const auto& key = d.record.idempotency_key;
      const std::int32_t attempts = d.attempts + 1;
      DeliveryUpdate u{key, "", attempts, o.at, std::nullopt, o.result.error};
      auto fail_event = [&](std::optional<Timestamp> retry_at) {
        batch.events.push_back(
            NewEvent{NotificationFailed{key, o.channel, attempts, o.result.error, retry_at}, o.at,
                     "notifications", std::nullopt,
                     "failed:" + key + ":" + std::to_string(attempts) + ":" +
                         std::to_string(ToMillis(o.at))});
      };
      auto dead_letter = [&] {
        u.status = "dead";
        batch.events.push_back(NewEvent{
            NotificationDeadLettered{key, o.channel, attempts, o.result.error}, o.at,
            "notifications", std::nullopt,
            "dead:" + key + ":" + std::to_string(attempts) + ":" + std::to_string(ToMillis(o.at))});
        ++dead;
      };
      switch (o.result.kind) {
        case SendOutcome::Kind::kDelivered:
          u.status = "delivered";
          u.delivered_at = o.at;
          u.last_error.clear();
          batch.events.push_back(NewEvent{NotificationDelivered{key, o.channel, attempts}, o.at,
                                          "notifications", std::nullopt, "delivered:" + key});
          ++delivered;
          break;
        case SendOutcome::Kind::kRetry: {
          ++failed;
          if (attempts >= options_.max_attempts) {
            fail_event(std::nullopt);
            dead_letter();
            break;
          }
          auto wait = Backoff(attempts);
          if (o.result.retry_after && *o.result.retry_after > wait) {
            wait = *o.result.retry_after;
          }
          u.status = "retrying";
          u.next_attempt_at = o.at + wait;
          fail_event(u.next_attempt_at);
          break;
        }
        case SendOutcome::Kind::kPermanent:
          ++failed;
          fail_event(std::nullopt);
          dead_letter();
          break;
        case SendOutcome::Kind::kGone: {
          ++failed;
          fail_event(std::nullopt);
          dead_letter();
          auto w = workers_.find(o.channel);
          if (w != workers_.end()) {
            const auto fp = w->second->channel->fingerprint();
            batch.disabled_channels.push_back({o.channel, fp, o.result.error});
            disabled_[o.channel] = fp;
          }
          // Tell the team through its other contacts.
          for (const auto& other : Contacts(*catalog, d.record.team, o.channel)) {
            DeliveryRecord r = d.record;
            r.idempotency_key = key + "/rerouted/" + other;
            r.channel = other;
            r.status = "queued";
            r.last_error.clear();
            r.next_attempt_at = o.at;
            const std::string note = "Channel \"" + o.channel +
                                     "\" answered 410 Gone and is disabled until its address "
                                     "changes; this notification was meant for it.";
            r.subject = "[" + o.channel + " disabled] " + d.record.subject;
            r.body = note + "\n\n" + d.record.body;
            r.html = "<p><strong>" + note + "</strong></p>" + d.record.html;
            batch.events.push_back(
                NewEvent{NotificationQueued{r.idempotency_key, r.kind, r.team, other}, o.at,
                         "notifications", std::nullopt, "queued:" + r.idempotency_key});
            batch.new_deliveries.push_back(std::move(r));
          }
          break;
        }
      }
      batch.delivery_updates.push_back(std::move(u));
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
