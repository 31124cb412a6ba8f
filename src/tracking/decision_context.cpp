#include "tracking/decision_context.h"

#include <algorithm>

#include "graph/queries.h"

namespace tributary::tracking {
namespace {

using nlohmann::json;

constexpr std::string_view kSource = "tracking";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::string TopicOf(const ProductState& product) {
  return NodeId::Topic(product.published.cluster, product.published.topic).str();
}

const ProductState* DecisionContext::Product(const std::string& name) const {
  auto it = catalog_.products.find(name);
  return it == catalog_.products.end() ? nullptr : &it->second;
}

std::string DecisionContext::OwnerOf(const std::string& product) const {
  const auto* p = Product(product);
  return p == nullptr ? std::string() : p->published.owner;
}

const std::pair<const std::string, ProductState>* DecisionContext::ProductOnTopic(
    const std::string& topic) const {
  if (!by_topic_) {
    by_topic_.emplace();
    for (const auto& entry : catalog_.products) {
      by_topic_->try_emplace(TopicOf(entry.second), &entry);
    }
  }
  auto it = by_topic_->find(topic);
  return it == by_topic_->end() ? nullptr : it->second;
}

std::optional<std::string> DecisionContext::TopicOfSubject(const std::string& subject) const {
  for (const auto& [name, p] : catalog_.products) {
    if (p.published.schema_subject == subject) {
      return TopicOf(p);
    }
  }
  std::string topic = subject;
  for (std::string_view suffix : {"-value", "-key"}) {
    if (EndsWith(topic, suffix)) {
      topic.resize(topic.size() - suffix.size());
      break;
    }
  }
  for (const auto& cluster : options_.clusters) {
    auto id = NodeId::Topic(cluster, topic).str();
    if (graph_.Find(id) != graph::kNone) {
      return id;
    }
  }
  return std::nullopt;
}

std::vector<std::string> DecisionContext::SubscribersOf(const std::string& product) const {
  std::vector<std::string> out;
  for (const auto& [team, products] : catalog_.subscriptions) {
    if (std::binary_search(products.begin(), products.end(), product)) {
      out.push_back(team);
    }
  }
  return out;
}

std::string DecisionContext::TeamOf(std::uint32_t v) const {
  auto owner = graph_.OwnerOf(v);
  return owner ? std::string(owner->team) : std::string();
}

std::string DecisionContext::TeamOfNode(const std::string& id) const {
  const auto v = graph_.Find(id);
  return v == graph::kNone ? std::string() : TeamOf(v);
}

std::vector<Reader> DecisionContext::Readers(const std::string& topic, std::int64_t at) const {
  std::vector<Reader> out;
  const auto v = graph_.Find(topic);
  if (v == graph::kNone) {
    return out;
  }
  graph_.ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
    const auto& edge = graph_.edge(e);
    if (edge.kind != graph::EdgeKind::kConsumes) {
      return;
    }
    const auto now = graph_.EvidenceAt(edge, at);
    Reader r;
    r.id = std::string(graph_.id(to));
    r.team = TeamOf(to);
    r.observed = (now & graph::kObserved) != 0;
    r.permitted = (now & graph::kPermitted) != 0;
    r.first_seen = graph_.FirstSeen(edge);
    r.last_seen = edge.last_seen;
    out.push_back(std::move(r));
  });
  std::sort(out.begin(), out.end(), [](const Reader& a, const Reader& b) { return a.id < b.id; });
  return out;
}

std::vector<AffectedConsumer> DecisionContext::ActiveReaders(const std::string& topic,
                                                             std::uint8_t evidence,
                                                             std::int64_t at) const {
  std::vector<AffectedConsumer> out;
  for (const auto& r : Readers(topic, at)) {
    const bool match = ((evidence & graph::kObserved) != 0 && r.observed) ||
                       ((evidence & graph::kPermitted) != 0 && r.permitted);
    if (match) {
      out.push_back({NodeId::FromTrusted(r.id), r.team, 1});
    }
  }
  return out;
}

std::vector<AffectedConsumer> DecisionContext::Downstream(const std::string& topic) const {
  std::vector<AffectedConsumer> out;
  auto impact = graph::Impact(graph_, topic, std::nullopt, graph::kObserved | graph::kPermitted);
  if (!impact.ok()) {
    return out;
  }
  out.reserve(impact->consumers.size());
  for (const auto& c : impact->consumers) {
    out.push_back({NodeId::FromTrusted(std::string(c.node.id)),
                   c.team ? std::string(*c.team) : std::string(), c.depth});
  }
  return out;
}

void DecisionContext::Record(DomainEvent event, Timestamp time, const std::string& key,
                             NotificationKind kind, const std::string& severity, const json& facts,
                             const PerTeamFacts& per_team) {
  const std::size_t index = out_.events.size();
  out_.events.push_back(NewEvent{std::move(event), time, std::string(kSource), std::nullopt, key});
  for (const auto& [team, extra] : per_team) {
    OutboxIntent intent;
    intent.idempotency_key = key + "/" + team;
    intent.kind = std::string(ToString(kind));
    intent.team = team;
    intent.severity = severity;
    intent.facts = facts;
    intent.facts["kind"] = std::string(ToString(kind));
    intent.facts["team"] = team;
    intent.facts["decision_key"] = key;
    intent.facts["event_time"] = FormatRfc3339(time);
    for (const auto& [k, v] : extra.items()) {
      intent.facts[k] = v;
    }
    intent.caused_by_event = index;
    out_.outbox.push_back(std::move(intent));
  }
}

void DecisionContext::Record(DomainEvent event, Timestamp time, const std::string& key) {
  out_.events.push_back(NewEvent{std::move(event), time, std::string(kSource), std::nullopt, key});
}

PerTeamFacts PerTeamConsumers(const std::vector<AffectedConsumer>& consumers) {
  std::map<std::string, json> out;
  for (const auto& c : consumers) {
    auto& team = out[c.team];
    if (!team.contains("consumers")) {
      team["consumers"] = json::array();
    }
    team["consumers"].push_back({{"id", c.consumer.str()}, {"depth", c.depth}});
  }
  return out;
}

json ConsumerListJson(const std::vector<AffectedConsumer>& consumers) {
  json out = json::array();
  for (const auto& c : consumers) {
    out.push_back({{"id", c.consumer.str()}, {"team", c.team}, {"depth", c.depth}});
  }
  return out;
}

json ReplacementJson(const std::optional<std::string>& replacement) {
  return replacement ? json(*replacement) : json(nullptr);
}

}  // namespace tributary::tracking
