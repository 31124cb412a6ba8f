#include "tracking/deprecation_detector.h"

#include <algorithm>
#include <string>
#include <vector>

namespace tributary::tracking {
namespace {

using nlohmann::json;

// Gives the owner its role and the whole consumer list ("consumers_by_team").
void TellOwner(PerTeamFacts& per_team, const std::string& owner,
               const std::vector<AffectedConsumer>& consumers) {
  if (owner.empty()) {
    return;
  }
  per_team[owner]["role"] = per_team.contains(owner) ? "owner_and_consumer" : "owner";
  per_team[owner]["consumers_by_team"] = ConsumerListJson(consumers);
}

// Who hears of a deprecation: consumers' teams, subscribers, the owner.
PerTeamFacts DeprecationAudience(const DecisionContext& ctx, const std::string& product,
                                 const std::vector<AffectedConsumer>& consumers) {
  auto per_team = PerTeamConsumers(consumers);
  for (auto& [team, extra] : per_team) {
    extra["role"] = "consumer";
  }
  // Teams subscribed to the product explicitly hear of it too.
  for (const auto& team : ctx.SubscribersOf(product)) {
    if (!per_team.contains(team)) {
      per_team[team]["role"] = "subscriber";
    }
  }
  TellOwner(per_team, ctx.OwnerOf(product), consumers);
  return per_team;
}

// The facts every reminder of a tracked deprecation carries.
json TrackFacts(const std::string& product, const DeprecationTrack& track, const std::string& owner,
                const std::string& topic) {
  return {{"product", product},
          {"owner", owner},
          {"topic", topic},
          {"reason", track.reason},
          {"sunset", FormatRfc3339(track.sunset)},
          {"replacement", ReplacementJson(track.replacement)}};
}

// Past the sunset: escalate to the consumers' teams and the owner while
// consumers remain (the timer is recorded either way).
void EscalateSunset(DecisionContext& ctx, const std::string& product, const DeprecationTrack& track,
                    Timestamp now) {
  const auto* p = ctx.Product(product);
  const std::string topic = p == nullptr ? std::string() : TopicOf(*p);
  const std::string owner = p == nullptr ? std::string() : p->published.owner;
  const auto consumers =
      topic.empty() ? std::vector<AffectedConsumer>{} : ctx.ActiveReaders(topic, graph::kObserved);
  PerTeamFacts per_team;
  if (!consumers.empty()) {
    per_team = PerTeamConsumers(consumers);
    for (auto& [team, extra] : per_team) {
      extra["role"] = "consumer";
    }
    TellOwner(per_team, owner, consumers);
  }
  json facts = TrackFacts(product, track, owner, topic);
  facts["consumer_count"] = consumers.size();
  const std::string key =
      "reminder:" + product + ":" + std::to_string(track.deprecated_seq.value()) + ":after";
  ctx.Record(ReminderDue{key, product, track.sunset, "after"}, now, key,
             NotificationKind::kSunsetEscalation, "high", facts, per_team);
}

// Before the sunset: the reminders due by now that are neither done nor covered
// by the deprecation notice. When several are due at once (the service was
// down), only the one closest to the sunset is sent; all are recorded.
void RemindBeforeSunset(DecisionContext& ctx, const std::string& product,
                        const DeprecationTrack& track, Timestamp now) {
  std::vector<Duration> due;
  for (const auto d : ctx.options().reminders_before_sunset) {
    const std::string name = FormatDuration(d);
    if (track.sunset - d <= track.deprecated_at || track.reminders_done.contains(name)) {
      continue;
    }
    if (track.sunset - d <= now) {
      due.push_back(d);
    }
  }
  const auto* p = ctx.Product(product);
  const std::string topic = p == nullptr ? std::string() : TopicOf(*p);
  const std::string owner = p == nullptr ? std::string() : p->published.owner;
  for (std::size_t i = 0; i < due.size(); ++i) {
    const std::string name = FormatDuration(due[i]);
    const std::string key =
        "reminder:" + product + ":" + std::to_string(track.deprecated_seq.value()) + ":" + name;
    PerTeamFacts per_team;
    if (i + 1 == due.size() && !topic.empty()) {
      per_team = PerTeamConsumers(ctx.ActiveReaders(topic, graph::kObserved));
    }
    json facts = TrackFacts(product, track, owner, topic);
    facts["before"] = name;
    facts["days_to_sunset"] =
        std::chrono::duration_cast<std::chrono::hours>(track.sunset - now).count() / 24;
    ctx.Record(ReminderDue{key, product, track.sunset, name}, now, key, NotificationKind::kReminder,
               "warning", facts, per_team);
  }
}

}  // namespace

void DetectDeprecation(DecisionContext& ctx, const EventRecord& record,
                       const ProductDeprecated& deprecated) {
  const auto& tracked = ctx.tracking().deprecations;
  auto t = tracked.find(deprecated.product);
  if (t == tracked.end() || t->second.deprecated_seq != record.seq) {
    return;  // superseded within the batch
  }
  const auto* product = ctx.Product(deprecated.product);
  std::vector<AffectedConsumer> consumers;
  if (product != nullptr) {
    consumers = ctx.ActiveReaders(TopicOf(*product), graph::kObserved | graph::kPermitted);
  }
  DeprecationAnnounced fact;
  fact.decision_key =
      "deprecation:" + deprecated.product + ":" + std::to_string(record.seq.value());
  fact.product = deprecated.product;
  fact.sunset = deprecated.sunset;
  fact.replacement = deprecated.replacement;
  fact.consumers = consumers;
  for (const auto d : ctx.options().reminders_before_sunset) {
    if (deprecated.sunset - d <= record.event_time) {
      fact.reminders_skipped.push_back(FormatDuration(d));
    }
  }
  const auto per_team = DeprecationAudience(ctx, deprecated.product, consumers);
  for (const auto& [team, extra] : per_team) {
    fact.teams.push_back(team);
  }
  json facts = {{"product", deprecated.product},
                {"owner", ctx.OwnerOf(deprecated.product)},
                {"reason", deprecated.reason},
                {"sunset", FormatRfc3339(deprecated.sunset)},
                {"replacement", ReplacementJson(deprecated.replacement)},
                {"actor", deprecated.actor}};
  if (product != nullptr) {
    facts["topic"] = TopicOf(*product);
  }
  // A next version: the migration notice carries the field-level diff.
  if (auto v = ctx.tracking().versioned.find(deprecated.product);
      v != ctx.tracking().versioned.end() && deprecated.replacement == v->second.product) {
    facts["versioned"] = true;
    facts.update(DiffFacts(v->second.diff));
  }
  const auto key = fact.decision_key;
  ctx.Record(std::move(fact), record.event_time, key, NotificationKind::kDeprecation, "warning",
             facts, per_team);
}

json DiffFacts(const std::vector<FieldChange>& diff) {
  json list = json::array();
  for (const auto& c : diff) {
    list.push_back({{"change", c.change},
                    {"path", c.path},
                    {"from_type", c.from_type},
                    {"to_type", c.to_type},
                    {"added", c.change == "added"},
                    {"removed", c.change == "removed"},
                    {"retyped", c.change == "retyped"}});
  }
  return {{"diff", list}, {"diff_count", diff.size()}};
}

namespace {

// When `topic` last grew: end-offset history (consumer health), or a produce
// the audit log observed. A producer the audit log still sees (an observed
// produces edge not yet stopped for consumer_idle_after) counts as `now`.
std::optional<Timestamp> LastProduced(const DecisionContext& ctx, const std::string& topic,
                                      Timestamp now) {
  std::optional<Timestamp> last;
  if (ctx.options().last_produced) {
    last = ctx.options().last_produced(topic);
  }
  const auto later = [&](Timestamp t) {
    if (!last || t > *last) {
      last = t;
    }
  };
  const auto& g = ctx.graph();
  if (const auto v = g.Find(topic); v != graph::kNone) {
    g.ForEachInEdge(v, [&](std::uint32_t e) {
      const auto& edge = g.edge(e);
      if (edge.kind != graph::EdgeKind::kProduces ||
          (g.EvidenceEver(edge) & graph::kObserved) == 0) {
        return;
      }
      if ((g.EvidenceAt(edge, graph::kNow) & graph::kObserved) != 0) {
        later(now);
      } else if (edge.last_seen > 0) {
        later(FromMillis(edge.last_seen));
      }
    });
  }
  return last;
}

}  // namespace

void DetectDualSupport(DecisionContext& ctx, Timestamp now) {
  for (const auto& [product, track] : ctx.tracking().deprecations) {
    auto v = ctx.tracking().versioned.find(product);
    if (v == ctx.tracking().versioned.end() || track.retired ||
        track.replacement != v->second.product ||
        (track.dual_support_broken && track.ready_to_retire)) {
      continue;
    }
    const auto* p = ctx.Product(product);
    if (p == nullptr) {
      continue;
    }
    const std::string topic = TopicOf(*p);
    const std::string owner = p->published.owner;
    const std::string& replacement = v->second.product;
    const std::string seq = std::to_string(track.deprecated_seq.value());
    const auto consumers = ctx.ActiveReaders(topic, graph::kObserved);
    json facts = TrackFacts(product, track, owner, topic);
    facts["consumer_count"] = consumers.size();
    if (consumers.empty()) {
      if (!track.ready_to_retire) {
        const std::string key = "ready-to-retire:" + product + ":" + seq;
        ctx.Record(ReadyToRetire{key, product, replacement}, now, key,
                   NotificationKind::kReadyToRetire, "info", facts,
                   {{owner, json{{"role", "owner"}}}});
      }
      continue;
    }
    if (track.dual_support_broken) {
      continue;
    }
    const auto last = LastProduced(ctx, topic, now);
    if (!last || now - std::max(*last, track.deprecated_at) < ctx.options().dual_support_grace) {
      continue;  // still written to, or nothing tells when it was
    }
    const std::string key = "dual-support:" + product + ":" + seq;
    facts["last_produced"] = FormatRfc3339(*last);
    facts["grace"] = FormatDuration(ctx.options().dual_support_grace);
    ctx.Record(
        DualSupportBroken{key, product, replacement, consumers, *last}, now, key,
        NotificationKind::kDualSupportBroken, "high", facts,
        {{owner, json{{"role", "owner"}, {"consumers_by_team", ConsumerListJson(consumers)}}}});
  }
}

void DetectRetirement(DecisionContext& ctx, const EventRecord& record,
                      const ProductRetired& retired) {
  const auto* product = ctx.Product(retired.product);
  if (product == nullptr) {
    return;
  }
  auto consumers = ctx.ActiveReaders(TopicOf(*product), graph::kObserved);
  if (consumers.empty()) {
    return;
  }
  RetiredWithConsumers fact{"retired:" + retired.product + ":" + std::to_string(record.seq.value()),
                            retired.product, consumers};
  auto per_team = PerTeamConsumers(consumers);
  const std::string owner = product->published.owner;
  if (!owner.empty()) {
    per_team[owner]["consumers_by_team"] = ConsumerListJson(consumers);
  }
  json facts = {{"product", retired.product},
                {"owner", owner},
                {"topic", TopicOf(*product)},
                {"actor", retired.actor},
                {"consumer_count", consumers.size()}};
  const auto key = fact.decision_key;
  ctx.Record(std::move(fact), record.event_time, key, NotificationKind::kRetiredWithConsumers,
             "critical", facts, per_team);
}

void DetectTopicDeletion(DecisionContext& ctx, const EventRecord& record,
                         const TopicDeleted& deleted) {
  // The deletion already ended the observed edges: who read it just before.
  const auto topic = deleted.topic.str();
  auto consumers = ctx.ActiveReaders(topic, graph::kObserved, ToMillis(record.event_time) - 1);
  if (consumers.empty()) {
    return;
  }
  const auto* entry = ctx.ProductOnTopic(topic);
  // Without a product on it, the topic's name (ids are topic:<cluster>/<name>).
  const std::string product = entry != nullptr ? entry->first : topic.substr(topic.find('/') + 1);
  const std::string owner = entry != nullptr ? entry->second.published.owner : "";
  RetiredWithConsumers fact{"topic_deleted:" + topic + ":" + std::to_string(record.seq.value()),
                            product, consumers};
  auto per_team = PerTeamConsumers(consumers);
  if (!owner.empty()) {
    per_team[owner]["consumers_by_team"] = ConsumerListJson(consumers);
  }
  json facts = {{"product", product},
                {"owner", owner},
                {"topic", topic},
                {"actor", deleted.actor},
                {"topic_deleted", true},
                {"is_product", entry != nullptr},
                {"consumer_count", consumers.size()}};
  const auto key = fact.decision_key;
  ctx.Record(std::move(fact), record.event_time, key, NotificationKind::kRetiredWithConsumers,
             "critical", facts, per_team);
}

void DetectNewConsumerOnDeprecated(DecisionContext& ctx, const EventRecord& record,
                                   const ConsumerStarted& started) {
  if (ctx.tracking().deprecations.empty()) {
    return;  // the usual case, without indexing the catalog by topic
  }
  const auto* entry = ctx.ProductOnTopic(started.topic.str());
  if (entry == nullptr) {
    return;
  }
  const auto& tracked = ctx.tracking().deprecations;
  auto t = tracked.find(entry->first);
  if (t == tracked.end() || t->second.retired || record.seq < t->second.deprecated_seq ||
      t->second.consumers.contains(started.consumer.str())) {
    return;  // not deprecated, or a consumer the migration already tracks
  }
  const auto& track = t->second;
  const std::string team = ctx.TeamOfNode(started.consumer.str());
  const std::string owner = entry->second.published.owner;
  ConsumerOnDeprecated fact{"new-consumer:" + entry->first + ":" + started.consumer.str() + ":" +
                                std::to_string(record.seq.value()),
                            entry->first, started.consumer, team};
  json facts = {{"product", entry->first},
                {"owner", owner},
                {"topic", started.topic.str()},
                {"consumer", started.consumer.str()},
                {"consumer_team", team},
                {"reason", track.reason},
                {"sunset", FormatRfc3339(track.sunset)},
                {"replacement", ReplacementJson(track.replacement)}};
  PerTeamFacts per_team;
  per_team[team]["role"] = "consumer";
  if (!owner.empty()) {
    per_team[owner]["role"] = owner == team ? "owner_and_consumer" : "owner";
  }
  const auto key = fact.decision_key;
  ctx.Record(std::move(fact), record.event_time, key, NotificationKind::kNewConsumerOnDeprecated,
             "warning", facts, per_team);
}

void DetectReminders(DecisionContext& ctx, Timestamp now) {
  for (const auto& [product, track] : ctx.tracking().deprecations) {
    if (track.retired) {
      continue;
    }
    if (now < track.sunset) {
      RemindBeforeSunset(ctx, product, track, now);
    } else if (!track.reminders_done.contains("after")) {
      EscalateSunset(ctx, product, track, now);
    }
  }
}

}  // namespace tributary::tracking
