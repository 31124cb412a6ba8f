// Consumer health routes of the HTTP API (DESIGN.md §5 and §10):
// GET /api/v1/consumers and GET /api/v1/consumers/{id} (the id percent-encoded,
// decoded by the router after matching).

#include <algorithm>
#include <cmath>
#include <set>

#include "http/routes/consumer_json.h"
#include "http/routes/route_support.h"

namespace tributary::http {

using nlohmann::json;

namespace {

json Seconds(const std::optional<double>& s) {
  return s ? json(std::round(*s * 1000.0) / 1000.0) : json(nullptr);
}

int Rank(const health::ConsumerView& c) {
  if (!c.risks.empty()) {
    return 0;
  }
  switch (c.status) {
    case health::GroupStatus::kErr:
      return 1;
    case health::GroupStatus::kWarn:
      return 2;
    case health::GroupStatus::kOk:
      return 3;
  }
  return 3;
}

std::set<std::string> SplitList(const std::string& text) {
  std::set<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) {
      comma = text.size();
    }
    if (comma > start) {
      out.insert(text.substr(start, comma - start));
    }
    start = comma + 1;
  }
  return out;
}

Response GetConsumers(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  auto limit = LimitParam(r, kDefaultPageLimit, kMaxPageLimit);
  if (!limit.ok()) {
    return FromStatus(limit.status());
  }
  std::set<std::string> statuses;
  if (const auto* s = r.Query("status"); s != nullptr && !s->empty()) {
    statuses = SplitList(*s);
    for (const auto& st : statuses) {
      if (!health::ParseGroupStatus(st)) {
        return Response::Error(400, "bad_request",
                               "status: \"" + st + "\" is not one of OK, WARN, ERR");
      }
    }
  }
  std::set<std::string> teams;
  if (const auto* t = r.Query("team"); t != nullptr && !t->empty()) {
    teams = SplitList(*t);
  }
  const auto* after = r.Query("after");
  const auto view = ctx.health ? ctx.health() : nullptr;
  json consumers = json::array();
  bool more = false;
  if (view) {
    const auto sorted = ByRisk(*view);
    bool started = after == nullptr || after->empty();
    for (const auto* c : sorted) {
      if (!started) {
        started = c->id == *after;
        continue;
      }
      if (!statuses.empty() && !statuses.contains(std::string(health::ToString(c->status)))) {
        continue;
      }
      if (!teams.empty() && !teams.contains(c->team)) {
        continue;
      }
      if (consumers.size() == *limit) {
        more = true;
        break;
      }
      consumers.push_back(ConsumerJson(*c, view->evaluated_at_ms));
    }
  }
  return Response::Json(
      200, {{"consumers", consumers},
            {"next", more && !consumers.empty() ? consumers.back()["id"] : json(nullptr)}});
}

Response GetConsumer(const ApiContext& ctx, const Request& r) {
  if (auto p = Admit(ctx, r, false); !p.ok()) {
    return FromStatus(p.status());
  }
  const auto& id = r.params.at("id");
  const auto view = ctx.health ? ctx.health() : nullptr;
  if (view) {
    for (const auto& c : view->consumers) {
      if (c.id == id) {
        return Response::Json(200, ConsumerJson(c, view->evaluated_at_ms));
      }
    }
  }
  return Response::Error(404, "not_found", "no consumer group \"" + id + "\" has been evaluated");
}

}  // namespace

json ConsumerJson(const health::ConsumerView& c, std::int64_t evaluated_at_ms) {
  json partitions = json::array();
  for (const auto& p : c.partitions) {
    partitions.push_back(
        {{"topic", p.topic},
         {"partition", p.partition},
         {"offset", p.offset},
         {"end_offset", p.end_offset ? json(*p.end_offset) : json(nullptr)},
         {"lag", p.lag ? json(*p.lag) : json(nullptr)},
         {"lag_seconds", Seconds(p.lag_seconds)},
         {"lag_seconds_source",
          p.lag_seconds_source.empty() ? json(nullptr) : json(std::string(p.lag_seconds_source))},
         {"status", std::string(health::ToString(p.status))},
         {"last_commit_at", FormatRfc3339(FromMillis(p.last_commit_ms))}});
  }
  return {{"id", c.id},
          {"cluster", c.cluster},
          {"group", c.group},
          {"team", c.team.empty() ? json(nullptr) : json(c.team)},
          {"status", std::string(health::ToString(c.status))},
          {"total_lag", c.total_lag},
          {"max_lag_seconds", Seconds(c.max_lag_seconds)},
          {"at_risk", c.risks},
          {"partitions", partitions},
          {"evaluated_at", FormatRfc3339(FromMillis(evaluated_at_ms))}};
}

std::vector<const health::ConsumerView*> ByRisk(const health::HealthView& view) {
  std::vector<const health::ConsumerView*> out;
  out.reserve(view.consumers.size());
  for (const auto& c : view.consumers) {
    out.push_back(&c);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    const auto ra = Rank(*a);
    const auto rb = Rank(*b);
    if (ra != rb) {
      return ra < rb;
    }
    const double la = a->max_lag_seconds.value_or(0);
    const double lb = b->max_lag_seconds.value_or(0);
    if (la != lb) {
      return la > lb;
    }
    if (a->total_lag != b->total_lag) {
      return a->total_lag > b->total_lag;
    }
    return a->id < b->id;
  });
  return out;
}

json StreamJson(const health::HealthView* view, const ProductState& product) {
  const auto& pub = product.published;
  const auto topic = NodeId::Topic(pub.cluster, pub.topic).str();
  const TopicFactsObserved* facts = nullptr;
  const health::TopicStream* stream = nullptr;
  if (view != nullptr) {
    if (auto f = view->facts.find(topic); f != view->facts.end()) {
      facts = &f->second;
    }
    if (auto t = view->topics.find(topic); t != view->topics.end()) {
      stream = &t->second.stream;
    }
  }
  json out = json::object();
  json sources = json::object();
  auto put = [&](const char* key, json value, const char* source) {
    out[key] = value;
    sources[key] = value.is_null() ? json(nullptr) : json(source);
  };
  auto observed_int = [&](const auto& opt) { return opt ? json(*opt) : json(nullptr); };
  put("partitions", facts ? observed_int(facts->partitions) : json(nullptr), "observed");
  put("replication_factor", facts ? observed_int(facts->replication_factor) : json(nullptr),
      "observed");
  if (facts && facts->retention_ms) {
    put("retention_ms", *facts->retention_ms, "observed");
  } else {
    put("retention_ms", pub.retention_ms ? json(*pub.retention_ms) : json(nullptr), "declared");
  }
  put("retention_bytes", facts ? observed_int(facts->retention_bytes) : json(nullptr), "observed");
  put("cleanup_policy", facts ? observed_int(facts->cleanup_policy) : json(nullptr), "observed");
  // history: compacted for cleanup.policy=compact, all for infinite retention, else recent.
  json history = nullptr;
  if (facts && facts->cleanup_policy &&
      facts->cleanup_policy->find("compact") != std::string::npos &&
      facts->cleanup_policy->find("delete") == std::string::npos) {
    history = "compacted";
  } else if (facts && facts->retention_ms) {
    history = *facts->retention_ms < 0 ? "all" : "recent";
  }
  if (!history.is_null()) {
    put("history", history, "observed");
  } else if (pub.history) {
    put("history", *pub.history, "declared");
  } else if (pub.retention_ms) {
    put("history", *pub.retention_ms < 0 ? "all" : "recent", "declared");
  } else {
    put("history", nullptr, "declared");
  }
  put("messages_per_second",
      stream && stream->messages_per_second
          ? json(std::round(*stream->messages_per_second * 1000.0) / 1000.0)
          : json(nullptr),
      "observed");
  put("last_produced_at",
      stream && stream->last_produced_ms
          ? json(FormatRfc3339(FromMillis(*stream->last_produced_ms)))
          : json(nullptr),
      "observed");
  out["sources"] = sources;
  return out;
}

std::string HistoryText(const json& stream) {
  const auto& history = stream.value("history", json(nullptr));
  if (history == "compacted") {
    return "compacted snapshot";
  }
  if (history == "all") {
    return "all events";
  }
  if (history == "recent" && stream["retention_ms"].is_number_integer()) {
    const auto ms = stream["retention_ms"].get<std::int64_t>();
    const auto hours = ms / 3'600'000;
    if (ms % 86'400'000 == 0) {
      const auto days = ms / 86'400'000;
      return "keeps " + std::to_string(days) + (days == 1 ? " day" : " days");
    }
    if (hours > 0 && ms % 3'600'000 == 0) {
      return "keeps " + std::to_string(hours) + (hours == 1 ? " hour" : " hours");
    }
    return "keeps " + std::to_string(ms / 60'000) + " minutes";
  }
  return "";
}

void AddConsumerRoutes(Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/consumers",
             Timed(ctx, "consumers", [&ctx](const Request& r) { return GetConsumers(ctx, r); }));
  router.Add("GET", "/api/v1/consumers/{id}",
             Timed(ctx, "consumer", [&ctx](const Request& r) { return GetConsumer(ctx, r); }));
}

}  // namespace tributary::http
