#include "tracking/deprecation_detector.h"

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
  const auto key = fact.decision_key;
  ctx.Record(std::move(fact), record.event_time, key, NotificationKind::kDeprecation, "warning",
             facts, per_team);
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
