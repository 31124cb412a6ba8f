// Consumer health pages of the web UI (ui_routes.h): the consumers sorted by
// risk, and one group's partitions (DESIGN.md §10).

#include <cmath>
#include <set>

#include "http/params.h"
#include "http/routes/consumer_json.h"
#include "http/ui/ui_support.h"

namespace tributary::http::ui {

std::string LagText(const std::optional<double>& seconds) {
  if (!seconds) {
    return "";
  }
  const auto s = static_cast<std::int64_t>(std::llround(*seconds));
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
    return std::to_string(m) + "m " + std::to_string(s % 60) + "s";
  }
  return std::to_string(s) + "s";
}

namespace {

json Row(const health::ConsumerView& c) {
  return {{"id", c.id},
          {"url", Segment(c.id)},
          {"node_url", Url(c.id)},
          {"team", c.team.empty() ? std::string("(unresolved)") : c.team},
          {"status", std::string(health::ToString(c.status))},
          {"total_lag", std::to_string(c.total_lag)},
          {"lag_time", LagText(c.max_lag_seconds)},
          {"at_risk", c.risks},
          {"risky", !c.risks.empty()}};
}

Result<json> ConsumersPage(const ApiContext& ctx, const Request& r) {
  const auto view = ctx.health ? ctx.health() : nullptr;
  std::set<std::string> statuses;
  std::string status_text;
  if (const auto* s = r.Query("status"); s != nullptr) {
    status_text = *s;
    std::size_t start = 0;
    while (start <= s->size()) {
      auto comma = s->find(',', start);
      if (comma == std::string::npos) {
        comma = s->size();
      }
      if (comma > start) {
        statuses.insert(s->substr(start, comma - start));
      }
      start = comma + 1;
    }
  }
  json rows = json::array();
  if (view) {
    for (const auto* c : ByRisk(*view)) {
      if (!statuses.empty() && !statuses.contains(std::string(health::ToString(c->status)))) {
        continue;
      }
      if (rows.size() == kUiPageLimit) {
        break;
      }
      rows.push_back(Row(*c));
    }
  }
  return json{{"consumers", rows},
              {"status", status_text},
              {"enabled", ctx.health_enabled},
              {"window", ""},
              {"evaluated_at", view && view->evaluated_at_ms > 0
                                   ? FormatRfc3339(FromMillis(view->evaluated_at_ms))
                                   : std::string("not yet")}};
}

Result<json> ConsumerPage(const ApiContext& ctx, const Request& r) {
  const auto& id = r.params.at("id");
  const auto view = ctx.health ? ctx.health() : nullptr;
  if (view) {
    for (const auto& c : view->consumers) {
      if (c.id != id) {
        continue;
      }
      json page = Row(c);
      page["evaluated_at"] = FormatRfc3339(FromMillis(view->evaluated_at_ms));
      json partitions = json::array();
      for (const auto& p : c.partitions) {
        partitions.push_back(
            {{"topic", p.topic},
             {"partition", std::to_string(p.partition)},
             {"offset", std::to_string(p.offset)},
             {"end_offset", p.end_offset ? std::to_string(*p.end_offset) : std::string("?")},
             {"lag", p.lag ? std::to_string(*p.lag) : std::string("?")},
             {"lag_time", LagText(p.lag_seconds)},
             {"lag_seconds_source", std::string(p.lag_seconds_source)},
             {"status", std::string(health::ToString(p.status))},
             {"last_commit_at", FormatRfc3339(FromMillis(p.last_commit_ms))}});
      }
      page["partitions"] = partitions;
      return page;
    }
  }
  return NotFound("no consumer group \"" + id + "\" has been evaluated");
}

}  // namespace

void AddConsumerPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add("GET", "/ui/consumers", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Consumers", [&] { return ConsumersPage(ctx, r); }, "consumers");
  });
  router.Add("GET", "/ui/consumers/{id}", [&ctx, demo](const Request& r) {
    return ServePage(
        ctx, demo, r, "Consumer " + r.params.at("id"), [&] { return ConsumerPage(ctx, r); },
        "consumer");
  });
}

}  // namespace tributary::http::ui
