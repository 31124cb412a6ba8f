#include "health/health_tracker.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/event_codec.h"
#include "tributary/notification_kind.h"
#include "tributary/overloaded.h"

namespace tributary::health {
namespace {

using json = nlohmann::json;
constexpr const char* kSource = "health";

void AppendSignature(std::string& out, std::string_view topic, std::int32_t partition,
                     PartitionStatus status) {
  out += topic;
  out += '/';
  out += std::to_string(partition);
  out += '=';
  out += static_cast<char>('0' + static_cast<int>(status));
  out += ';';
}

PartitionHealthFact FactOf(const std::string& cluster, const PartitionHealth& p) {
  (void)cluster;
  PartitionHealthFact f;
  f.topic = p.topic;
  f.partition = p.partition;
  f.offset = p.offset;
  f.end_offset = p.end_offset;
  f.lag = p.lag;
  if (p.lag_seconds) {
    f.lag_seconds = std::round(*p.lag_seconds * 1000.0) / 1000.0;
  }
  f.status = std::string(ToString(p.status));
  return f;
}

// "2d 4h", "3h 20m", "45m", "30s": how long, for a person.
std::string Human(double seconds) {
  auto s = static_cast<std::int64_t>(std::max(0.0, seconds));
  const auto d = s / 86400;
  const auto h = (s % 86400) / 3600;
  const auto m = (s % 3600) / 60;
  if (d > 0) {
    return std::to_string(d) + "d " + std::to_string(h) + "h";
  }
  if (h > 0) {
    return std::to_string(h) + "h " + std::to_string(m) + "m";
  }
  if (m > 0) {
    return std::to_string(m) + "m";
  }
  return std::to_string(s % 60) + "s";
}

void AddIntent(Batch& out, std::size_t event_index, const std::string& key, NotificationKind kind,
               const std::string& team, const std::string& severity, json facts, Timestamp at) {
  OutboxIntent intent;
  intent.idempotency_key = key + "/" + team;
  intent.kind = std::string(ToString(kind));
  intent.team = team;
  intent.severity = severity;
  facts["kind"] = intent.kind;
  facts["team"] = team;
  facts["decision_key"] = key;
  facts["event_time"] = FormatRfc3339(at);
  intent.facts = std::move(facts);
  intent.caused_by_event = event_index;
  out.outbox.push_back(std::move(intent));
}

}  // namespace

HealthTracker::HealthTracker(HealthOptions options, std::vector<HealthModel*> models,
                             const CatalogProjection& catalog, GraphSource graph)
    : options_(options),
      models_(std::move(models)),
      catalog_(catalog),
      graph_(std::move(graph)),
      evaluated_generation_(models_.size(), 0) {}

void HealthTracker::Apply(const EventRecord& record) {
  std::visit(Overloaded{
                 [&](const ConsumerStatusChanged& e) {
                   auto& g = state_.groups[e.group.str()];
                   if (e.to == "ERR" && g.status != "ERR") {
                     ++g.err_episodes;
                     g.err_since = record.event_time;
                   } else if (e.to != "ERR") {
                     g.err_since.reset();
                   }
                   g.status = e.to;
                   g.partitions.clear();
                   for (const auto& p : e.partitions) {
                     AppendSignature(g.partitions, p.topic, p.partition,
                                     ParsePartitionStatus(p.status).value_or(PartitionStatus::kOk));
                   }
                   ++g.changes;
                 },
                 [&](const DataLossRiskDetected& e) {
                   auto& r = state_.risks[{e.group.str(), e.topic.str()}];
                   r.open = true;
                   ++r.episodes;
                 },
                 [&](const DataLossRiskResolved& e) {
                   state_.risks[{e.group.str(), e.topic.str()}].open = false;
                 },
                 [&](const ConsumerUnhealthyDetected& e) {
                   auto& g = state_.groups[e.group.str()];
                   g.alerted_episode = g.err_episodes;
                 },
                 [&](const TopicFactsObserved& e) {
                   state_.facts[e.topic.str()] = e;
                   // A retention changes risks and the published stream facts:
                   // evaluated at the next tick, not the next interval.
                   last_evaluation_.reset();
                 },
                 [&](const GroupDeleted& e) { state_.groups.erase(e.group.str()); },
                 [](const auto&) {},
             },
             record.event);
}

namespace {

std::string SnapshotOf(const HealthState& state) {
  json groups = json::object();
  for (const auto& [id, g] : state.groups) {
    groups[id] = {{"s", g.status},
                  {"p", g.partitions},
                  {"c", g.changes},
                  {"e", g.err_episodes},
                  {"since", g.err_since ? json(ToMillis(*g.err_since)) : json(nullptr)},
                  {"a", g.alerted_episode}};
  }
  json risks = json::array();
  for (const auto& [key, r] : state.risks) {
    risks.push_back({key.first, key.second, r.open, r.episodes});
  }
  json facts = json::object();
  for (const auto& [topic, f] : state.facts) {
    facts[topic] = codec::ToJson(DomainEvent(f));
  }
  return json{{"groups", groups}, {"risks", risks}, {"facts", facts}}.dump();
}

std::string DigestOf(const std::string& snapshot) {
  Fnv1a64 h;
  h.Add(snapshot);
  return h.Hex();
}

}  // namespace

std::string HealthTracker::Snapshot() const { return SnapshotOf(state_); }

SnapshotJob HealthTracker::CaptureSnapshot() const {
  return [state = std::make_shared<const HealthState>(state_)] {
    auto bytes = SnapshotOf(*state);
    auto digest = DigestOf(bytes);
    return SnapshotImage{std::move(digest), std::move(bytes)};
  };
}

Status HealthTracker::Restore(std::string_view snapshot) {
  HealthState s;
  try {
    const auto j = json::parse(snapshot);
    for (const auto& [id, g] : j.at("groups").items()) {
      GroupDecided d;
      d.status = g.at("s").get<std::string>();
      d.partitions = g.at("p").get<std::string>();
      d.changes = g.at("c").get<std::int64_t>();
      d.err_episodes = g.at("e").get<std::int64_t>();
      if (!g.at("since").is_null()) {
        d.err_since = FromMillis(g.at("since").get<std::int64_t>());
      }
      d.alerted_episode = g.at("a").get<std::int64_t>();
      s.groups[id] = std::move(d);
    }
    for (const auto& r : j.at("risks")) {
      s.risks[{r.at(0).get<std::string>(), r.at(1).get<std::string>()}] =
          RiskDecided{r.at(2).get<bool>(), r.at(3).get<std::int64_t>()};
    }
    for (const auto& [topic, f] : j.at("facts").items()) {
      auto e = codec::EventFromJson(TopicFactsObserved::kType, f);
      if (!e.ok()) {
        return e.status();
      }
      s.facts[topic] = std::get<TopicFactsObserved>(*e);
    }
  } catch (const std::exception& e) {
    return Corruption(std::string("health snapshot: ") + e.what());
  }
  state_ = std::move(s);
  return Status::Ok();
}

std::string HealthTracker::Digest() const { return DigestOf(Snapshot()); }

void HealthTracker::Decide(const std::vector<EventRecord>& records, Batch& out) {
  (void)records;
  (void)out;  // health decides on the timer, over the models
}

std::string HealthTracker::TeamOf(const graph::GraphSnapshot* graph, const std::string& id) const {
  if (graph == nullptr) {
    return {};
  }
  const auto v = graph->Find(id);
  if (v == graph::kNone) {
    return {};
  }
  auto owner = graph->OwnerOf(v);
  return owner ? std::string(owner->team) : std::string();
}

std::optional<std::pair<std::int64_t, std::string>> HealthTracker::RetentionOf(
    const std::string& topic, const DeclaredRetention& declared) const {
  if (auto f = state_.facts.find(topic); f != state_.facts.end() && f->second.retention_ms) {
    const bool compacted =
        f->second.cleanup_policy && f->second.cleanup_policy->find("delete") == std::string::npos;
    if (*f->second.retention_ms <= 0 || compacted) {
      return std::nullopt;  // infinite, or kept by key: nothing ages out by time
    }
    return std::pair{*f->second.retention_ms, std::string("observed")};
  }
  // Declared by the catalog (the broker does not answer DescribeConfigs).
  if (auto d = declared.find(topic); d != declared.end() && d->second) {
    return std::pair{*d->second, std::string("declared")};
  }
  return std::nullopt;
}

HealthTracker::DeclaredRetention HealthTracker::Declared() const {
  DeclaredRetention out;
  for (const auto& [name, p] : catalog_.state().products) {
    const auto& pub = p.published;
    if (!pub.retention_ms) {
      continue;
    }
    // The first product of a topic decides, as the products are ordered.
    const bool ages = *pub.retention_ms > 0 && pub.history != "compacted" && pub.history != "all";
    out.try_emplace(NodeId::Topic(pub.cluster, pub.topic).str(),
                    ages ? std::optional<std::int64_t>(*pub.retention_ms) : std::nullopt);
  }
  return out;
}

void HealthTracker::Tick(Timestamp now, Batch& out) {
  bool due = !last_evaluation_ || now - *last_evaluation_ >= options_.offsets_interval;
  for (std::size_t i = 0; i < models_.size(); ++i) {
    due = due || models_[i]->generation() != evaluated_generation_[i];
  }
  if (due) {
    Evaluate(now, out);
  }
  CheckUnhealthy(now, out);
}

void HealthTracker::Evaluate(Timestamp now, Batch& out) {
  last_evaluation_ = now;
  const auto graph = graph_ ? graph_() : nullptr;
  auto view = std::make_shared<HealthView>();
  view->evaluated_at_ms = ToMillis(now);
  view->facts = state_.facts;
  std::string signature;
  const auto declared = Declared();
  // The worst lag per topic of a group: (topic, (lag seconds, lag)).
  std::vector<std::pair<std::string_view, std::pair<double, std::int64_t>>> by_topic;
  for (std::size_t i = 0; i < models_.size(); ++i) {
    evaluated_generation_[i] = models_[i]->generation();
    auto ev = models_[i]->Evaluate(ToMillis(now));
    const auto& cluster = ev.cluster;
    view->consumers.reserve(view->consumers.size() + ev.groups.size());
    for (auto& ts : ev.topics) {
      const auto id = NodeId::Topic(cluster, ts.topic).str();
      StreamView sv{std::move(ts), std::nullopt};
      if (auto f = state_.facts.find(id); f != state_.facts.end()) {
        sv.facts = f->second;
      }
      view->topics[id] = std::move(sv);
    }
    for (auto& g : ev.groups) {
      const auto group_id = NodeId::Group(cluster, g.group);
      const auto& id = group_id.str();
      ConsumerView cv;
      cv.id = id;
      cv.cluster = cluster;
      cv.group = g.group;
      cv.team = TeamOf(graph.get(), id);
      cv.status = g.status;
      cv.total_lag = g.total_lag;
      cv.max_lag_seconds = g.max_lag_seconds;

      // Status changes.
      const auto decided = state_.groups.find(id);
      const std::string to(ToString(g.status));
      signature.clear();
      for (const auto& p : g.partitions) {
        AppendSignature(signature, p.topic, p.partition, p.status);
      }
      const bool changed = decided == state_.groups.end() || decided->second.status != to ||
                           decided->second.partitions != signature;
      if (changed) {
        ConsumerStatusChanged e;
        e.group = group_id;
        e.from = decided == state_.groups.end() ? "" : decided->second.status;
        e.to = to;
        e.total_lag = g.total_lag;
        if (g.max_lag_seconds) {
          e.max_lag_seconds = std::round(*g.max_lag_seconds * 1000.0) / 1000.0;
        }
        for (const auto& p : g.partitions) {
          e.partitions.push_back(FactOf(cluster, p));
        }
        const auto changes = decided == state_.groups.end() ? 0 : decided->second.changes;
        out.events.push_back(NewEvent{std::move(e), now, kSource, std::nullopt,
                                      "consumer_status/" + id + "/" + std::to_string(changes + 1)});
      }

      // Data-loss risk, per topic the group reads (its partitions come by topic).
      by_topic.clear();
      for (const auto& p : g.partitions) {
        if (!p.lag_seconds) {
          continue;
        }
        if (by_topic.empty() || by_topic.back().first != p.topic) {
          by_topic.emplace_back(p.topic, std::pair<double, std::int64_t>{0.0, 0});
        }
        auto& [seconds, lag] = by_topic.back().second;
        if (*p.lag_seconds >= seconds) {
          seconds = *p.lag_seconds;
          lag = p.lag.value_or(0);
        }
      }
      for (const auto& [topic, worst] : by_topic) {
        const auto topic_id = NodeId::Topic(cluster, topic);
        const auto retention = RetentionOf(topic_id.str(), declared);
        if (!retention) {
          continue;
        }
        const double retention_s = static_cast<double>(retention->first) / 1000.0;
        const double threshold = options_.risk_ratio * retention_s;
        const auto rk = std::pair{id, topic_id.str()};
        const auto r = state_.risks.find(rk);
        const bool open = r != state_.risks.end() && r->second.open;
        const std::int64_t episodes = r == state_.risks.end() ? 0 : r->second.episodes;
        const double seconds = std::round(worst.first * 1000.0) / 1000.0;
        if (seconds > threshold) {
          cv.risks.push_back(topic_id.str());
        }
        if (seconds > threshold && !open) {
          const auto key =
              "data_loss_risk/" + id + "/" + topic_id.str() + "/" + std::to_string(episodes + 1);
          DataLossRiskDetected e;
          e.decision_key = key;
          e.group = group_id;
          e.topic = topic_id;
          e.team = cv.team;
          e.lag_seconds = seconds;
          e.lag = worst.second;
          e.retention_ms = retention->first;
          e.retention_source = retention->second;
          e.risk_ratio = options_.risk_ratio;
          e.seconds_left = std::round((retention_s - seconds) * 1000.0) / 1000.0;
          json facts = codec::ToJson(DomainEvent(e));
          facts["group_name"] = g.group;
          facts["topic_name"] = topic;
          facts["cluster"] = cluster;
          facts["lag_human"] = Human(seconds);
          facts["retention_human"] = Human(retention_s);
          facts["time_left_human"] = Human(retention_s - seconds);
          facts["risk_percent"] = static_cast<std::int64_t>(std::lround(options_.risk_ratio * 100));
          const auto index = out.events.size();
          out.events.push_back(NewEvent{std::move(e), now, kSource, std::nullopt, key});
          AddIntent(out, index, key, NotificationKind::kDataLossRisk, cv.team, "critical",
                    std::move(facts), now);
        } else if (seconds <= threshold && open) {
          const auto key = "data_loss_risk/" + id + "/" + topic_id.str() + "/" +
                           std::to_string(episodes) + "/resolved";
          out.events.push_back(NewEvent{DataLossRiskResolved{key, group_id, topic_id, seconds}, now,
                                        kSource, std::nullopt, key});
        }
      }
      cv.partitions = std::move(g.partitions);
      view->consumers.push_back(std::move(cv));
    }
  }
  const auto by_id = [](const ConsumerView& a, const ConsumerView& b) { return a.id < b.id; };
  if (!std::is_sorted(view->consumers.begin(), view->consumers.end(), by_id)) {
    std::sort(view->consumers.begin(), view->consumers.end(), by_id);  // several clusters
  }
  latest_ = view;
  published_.Set(std::shared_ptr<const HealthView>(view));
}

void HealthTracker::CheckUnhealthy(Timestamp now, Batch& out) {
  const std::shared_ptr<const graph::GraphSnapshot> graph = nullptr;
  for (const auto& [id, g] : state_.groups) {
    if (g.status != "ERR" || !g.err_since || g.alerted_episode == g.err_episodes ||
        now - *g.err_since < options_.alert_after) {
      continue;
    }
    const auto key = "consumer_unhealthy/" + id + "/" + std::to_string(g.err_episodes);
    ConsumerUnhealthyDetected e;
    e.decision_key = key;
    e.group = NodeId::FromTrusted(id);
    e.status = g.status;
    e.since = *g.err_since;
    std::string cluster;
    std::string group_name;
    if (latest_) {
      auto it =
          std::lower_bound(latest_->consumers.begin(), latest_->consumers.end(), id,
                           [](const ConsumerView& c, const std::string& k) { return c.id < k; });
      if (it != latest_->consumers.end() && it->id == id) {
        e.team = it->team;
        cluster = it->cluster;
        group_name = it->group;
        for (const auto& p : it->partitions) {
          if (p.status != PartitionStatus::kOk && p.status != PartitionStatus::kWarning) {
            e.partitions.push_back(FactOf(it->cluster, p));
          }
        }
      }
    }
    json facts = codec::ToJson(DomainEvent(e));
    facts["group_name"] = group_name;
    facts["cluster"] = cluster;
    facts["for_human"] = Human(static_cast<double>((now - *g.err_since).count()) / 1000.0);
    const auto team = e.team;
    const auto index = out.events.size();
    out.events.push_back(NewEvent{std::move(e), now, kSource, std::nullopt, key});
    AddIntent(out, index, key, NotificationKind::kConsumerUnhealthy, team, "high", std::move(facts),
              now);
  }
}

}  // namespace tributary::health
