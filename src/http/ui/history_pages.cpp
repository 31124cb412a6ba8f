// Time travel on a product (ui_routes.h): the product's history as instants
// (schema versions registered, each edge of its topic beginning and ending, a
// sunset), and what changed in its lineage between two of them, A and B — in
// a picture (appeared green, ended red, evidence changed amber) and in tables.

#include "http/ui/ui_support.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/text_codec.h"
#include "http/params.h"
#include "http/routes/graph_render.h"
#include "http/routes/route_support.h"

namespace tributary::http::ui {
namespace {

// At most this many instants of the history are listed (the latest).
constexpr std::size_t kHistoryRows = 300;

// An instant from the page's form: RFC 3339, or a date picker's
// "YYYY-MM-DDTHH:MM[:SS[.sss]]" read as UTC.
Result<std::optional<Timestamp>> InstantParam(const Request& r, const char* name) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return std::optional<Timestamp>();
  }
  std::string value = *text;
  const bool zoned = value.back() == 'Z' || value.back() == 'z' ||
                     (value.size() > 19 && (value.find('+', 19) != std::string::npos ||
                                            value.find('-', 19) != std::string::npos));
  if (value.size() == 16) {
    value += ":00";
  }
  if (!zoned) {
    value += "Z";
  }
  auto t = ParseRfc3339(value);
  if (!t.ok()) {
    return InvalidArgument(std::string(name) + ": " + t.status().message());
  }
  return std::optional<Timestamp>(*t);
}

// A date picker's value (datetime-local, UTC): "2026-11-20T10:00:00.000".
std::string PickerValue(Timestamp t) {
  std::string text = FormatRfc3339(t);
  if (!text.empty() && text.back() == 'Z') {
    text.pop_back();
  }
  return text;
}

struct Instant {
  std::int64_t ms = 0;
  std::string what;
};

// The product's history: its schema versions, each interval of each edge
// into or out of its topic, its sunset.
std::vector<Instant> History(const ApiContext& ctx, const graph::GraphSnapshot& g,
                             const ProductState& product, const std::string& topic) {
  std::vector<Instant> out;
  const auto& p = product.published;
  const auto subject = p.schema_subject.value_or(p.topic + "-value");
  const auto schemas = ctx.schemas();
  if (auto s = schemas->subjects.find(subject); s != schemas->subjects.end()) {
    for (const auto& [n, v] : s->second.versions) {
      out.push_back({ToMillis(v.registered_at),
                     "schema version " + std::to_string(v.version) + " registered"});
    }
  }
  if (product.deprecation) {
    out.push_back({ToMillis(product.deprecation->sunset), "sunset of the deprecation"});
  }
  const auto v = g.Find(topic);
  if (v == graph::kNone) {
    return out;
  }
  const auto add_edge = [&](std::uint32_t e) {
    const auto& edge = g.edge(e);
    // A consumes edge runs from the topic to its reader: said reader first.
    const bool consumes = edge.kind == graph::EdgeKind::kConsumes;
    const std::string line = std::string(g.id(consumes ? edge.to : edge.from)) + " " +
                             std::string(graph::ToString(edge.kind)) + " " +
                             std::string(g.id(consumes ? edge.from : edge.to));
    const auto add = [&](std::int64_t start, std::int64_t end, std::uint8_t evidence) {
      out.push_back({start, line + " began (" + EvidenceText(evidence) + ")"});
      if (end != graph::kOpen) {
        out.push_back({end, line + " ended (" + EvidenceText(evidence) + ")"});
      }
    };
    add(edge.start0, edge.end0, edge.evidence0);
    for (std::uint32_t i = edge.extra; i != graph::kNone;) {
      const auto& iv = g.interval(i);
      add(iv.start, iv.end, iv.evidence);
      i = iv.next;
    }
  };
  g.ForEachInEdge(v, add_edge);
  g.ForEachOutEdge(v, add_edge);
  return out;
}

json EdgeRow(const graph::EdgeView& e, std::string_view change, std::uint8_t before = 0) {
  return {{"from", std::string(e.from)},
          {"from_url", Url(e.from)},
          {"to", std::string(e.to)},
          {"to_url", Url(e.to)},
          {"kind", std::string(graph::ToString(e.kind))},
          {"evidence", EvidenceText(e.evidence)},
          {"before", EvidenceText(before)},
          {"change", std::string(change)}};
}

Result<json> HistoryPage(const ApiContext& ctx, const Request& r) {
  const auto& name = r.params.at("name");
  const auto catalog = ctx.catalog();
  const auto it = catalog->products.find(name);
  if (it == catalog->products.end()) {
    return NotFound("no product named \"" + name + "\"");
  }
  auto a = InstantParam(r, "a");
  if (!a.ok()) {
    return a.status();
  }
  auto b = InstantParam(r, "b");
  if (!b.ok()) {
    return b.status();
  }
  const auto& p = it->second.published;
  const auto topic = NodeId::Topic(p.cluster, p.topic).str();
  const auto g = ctx.graph();
  const int depth = DepthParam(r, 2);

  auto history = History(ctx, *g, it->second, topic);
  std::sort(history.begin(), history.end(), [](const Instant& x, const Instant& y) {
    return x.ms != y.ms ? x.ms > y.ms : x.what < y.what;
  });
  json rows = json::array();
  for (const auto& h : history) {
    if (rows.size() == kHistoryRows) {
      break;
    }
    const auto at = FromMillis(h.ms);
    rows.push_back({{"at", FormatRfc3339(at)},
                    {"what", h.what},
                    {"before_url", Url(FormatRfc3339(at - std::chrono::milliseconds(1)))},
                    {"at_url", Url(FormatRfc3339(at))}});
  }
  json page = {{"name", name},
               {"name_url", Segment(name)},
               {"topic", topic},
               {"depth", std::to_string(depth)},
               {"history", rows},
               {"history_cut", history.size() > kHistoryRows
                                   ? "The latest " + std::to_string(kHistoryRows) + " of " +
                                         std::to_string(history.size()) + " instants."
                                   : std::string()},
               // Until chosen, the pickers offer the last day.
               {"a", PickerValue(a->value_or(ctx.clock->Now() - std::chrono::hours(24)))},
               {"b", PickerValue(b->value_or(ctx.clock->Now()))}};
  if (!*a || !*b) {
    return page;
  }
  // The lineage at A and at B, from one snapshot: graph edge indexes match.
  const auto lineage = [&](Timestamp t) -> Result<graph::LineageResult> {
    graph::LineageQuery q;
    q.root = topic;
    q.direction = graph::Direction::kBoth;
    q.depth = depth;
    q.at = t;
    auto result = graph::Lineage(*g, q);
    if (!result.ok() && result.status().code() == ErrorCode::kNotFound) {
      return graph::LineageResult{};  // the topic did not exist yet
    }
    return result;
  };
  auto before = lineage(**a);
  if (!before.ok()) {
    return before.status();
  }
  auto after = lineage(**b);
  if (!after.ok()) {
    return after.status();
  }
  std::map<std::uint32_t, const graph::EdgeView*> old_edges;
  for (const auto& e : before->edges) {
    old_edges.emplace(e.index, &e);
  }
  std::set<std::string_view> old_nodes;
  for (const auto& n : before->nodes) {
    old_nodes.insert(n.id);
  }
  std::set<std::string_view> new_nodes;
  for (const auto& n : after->nodes) {
    new_nodes.insert(n.id);
  }
  PictureOptions options;
  graph::LineageResult both = *after;
  json appeared = json::array();
  json ended = json::array();
  json changed = json::array();
  std::size_t changes = 0;  // all of them; the tables show at most kHistoryRows each
  const auto row = [&](json& list, json line) {
    ++changes;
    if (list.size() < kHistoryRows) {
      list.push_back(std::move(line));
    }
  };
  for (const auto& e : after->edges) {
    const auto o = old_edges.find(e.index);
    if (o == old_edges.end()) {
      options.edge_change.emplace(e.index, PictureOptions::Change::kAdded);
      row(appeared, EdgeRow(e, "appeared"));
    } else if (o->second->evidence != e.evidence) {
      options.edge_change.emplace(e.index, PictureOptions::Change::kChanged);
      row(changed, EdgeRow(e, "evidence changed", o->second->evidence));
    }
  }
  std::set<std::uint32_t> new_edges;
  for (const auto& e : after->edges) {
    new_edges.insert(e.index);
  }
  for (const auto& e : before->edges) {
    if (!new_edges.contains(e.index)) {
      options.edge_change.emplace(e.index, PictureOptions::Change::kRemoved);
      row(ended, EdgeRow(e, "ended"));
      both.edges.push_back(e);
    }
  }
  json nodes_added = json::array();
  json nodes_gone = json::array();
  for (const auto& n : after->nodes) {
    if (!old_nodes.contains(n.id)) {
      options.node_change.emplace(std::string(n.id), PictureOptions::Change::kAdded);
      if (nodes_added.size() < kHistoryRows) {
        nodes_added.push_back({{"id", std::string(n.id)}, {"url", Url(n.id)}});
      }
    }
  }
  for (const auto& n : before->nodes) {
    if (!new_nodes.contains(n.id)) {
      options.node_change.emplace(std::string(n.id), PictureOptions::Change::kRemoved);
      if (nodes_gone.size() < kHistoryRows) {
        nodes_gone.push_back({{"id", std::string(n.id)}, {"url", Url(n.id)}});
      }
      both.nodes.push_back(n);
    }
  }
  if (both.root.empty()) {
    both.root = before->root;
  }
  json diff = {{"appeared", appeared},
               {"ended", ended},
               {"changed", changed},
               {"nodes_added", nodes_added},
               {"nodes_gone", nodes_gone},
               {"has_nodes_added", !nodes_added.empty()},
               {"has_nodes_gone", !nodes_gone.empty()},
               {"same", changes == 0},
               {"diff_cut", appeared.size() + ended.size() + changed.size() < changes
                                ? std::to_string(changes) + " edges changed; each table shows " +
                                      "the first " + std::to_string(kHistoryRows) +
                                      ". Lower the depth or narrow A to B."
                                : std::string()},
               {"from", FormatRfc3339(**a)},
               {"to", FormatRfc3339(**b)}};
  if (both.nodes.empty()) {
    diff["svg_error"] = "The topic had no lineage at either instant.";
  } else if (Collapsed(both, options)) {
    diff["svg_error"] = "The lineage has " + std::to_string(both.nodes.size()) +
                        " nodes, too many to draw the change; lower the depth.";
  } else if (auto svg = DotToSvg(LineageToDot(*g, both, options)); svg.ok()) {
    diff["svg"] = InlineSvg(std::move(svg).value());
  } else {
    diff["svg_error"] = svg.status().message();
  }
  page["diff"] = diff;
  return page;
}

}  // namespace

void AddHistoryPages(Router& router, const ApiContext& ctx, bool demo) {
  router.Add(
      "GET", "/ui/products/{name}/history",
      [&ctx, demo](const Request& r) {
        return ServePage(
            ctx, demo, r, "History of " + r.params.at("name"), [&] { return HistoryPage(ctx, r); },
            "history");
      },
      AlwaysHeavy);
}

}  // namespace tributary::http::ui
