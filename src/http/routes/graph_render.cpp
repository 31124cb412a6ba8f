#include "http/routes/graph_render.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/text_codec.h"

namespace tributary::http {
namespace {

enum class Field { kLabel, kTooltip };

// A DOT string literal for an escString attribute, shown as `text`: markup
// characters become character references (Graphviz decodes them once and
// escapes them again in the SVG). Graphviz also reads backslash escapes (\N is
// the node's name, \l a line break) after decoding references: in a label a
// backslash is written doubled; a tooltip unescapes twice, so there a
// backslash is shown as U+29F5 (a reverse solidus look-alike).
std::string Attribute(std::string_view text, Field field = Field::kLabel) {
  const std::string safe = DisplaySafe(text);
  std::string out = "\"";
  for (const char c : safe) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '&':
        out += "&#38;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '<':
        out += "&#60;";
        break;
      case '>':
        out += "&#62;";
        break;
      case '\\':
        out += field == Field::kLabel ? "&#92;&#92;" : "\u29F5";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

const char* ShapeFor(NodeKind kind) {
  switch (kind) {
    case NodeKind::kTopic:
      return "box";
    case NodeKind::kGroup:
      return "ellipse";
    case NodeKind::kPrincipal:
      return "diamond";
    case NodeKind::kJob:
      return "hexagon";
    case NodeKind::kTeam:
      return "house";
    case NodeKind::kDataset:
      return "cylinder";
  }
  return "ellipse";
}

// Fill colours per kind (light, so the black labels stay readable: WCAG AA).
const char* FillFor(NodeKind kind) {
  switch (kind) {
    case NodeKind::kTopic:
      return "#dbeafe";
    case NodeKind::kGroup:
      return "#dcfce7";
    case NodeKind::kPrincipal:
      return "#fef3c7";
    case NodeKind::kJob:
      return "#ede9fe";
    case NodeKind::kTeam:
      return "#fce7f3";
    case NodeKind::kDataset:
      return "#e0f2fe";
  }
  return "#ffffff";
}

constexpr const char* kDeprecatedFill = "#fdba74";
constexpr const char* kRetiredFill = "#d1d5db";

// Observed solid, permitted dashed, declared dotted (the strongest evidence
// the edge has at the query's instant); an edge not valid now is grey.
std::string EdgeStyle(const graph::EdgeView& e) {
  std::string style = (e.evidence & graph::kObserved) != 0    ? "solid"
                      : (e.evidence & graph::kPermitted) != 0 ? "dashed"
                      : (e.evidence & graph::kDeclared) != 0  ? "dotted"
                                                              : "dashed";
  std::string out = ", style=" + style;
  if (!e.active) {
    out += ", color=\"#9ca3af\", fontcolor=\"#6b7280\"";
  }
  return out;
}

// The product status of a topic node ("deprecated", "retired"), or "".
std::string ProductStatus(const graph::GraphSnapshot& g, const graph::NodeView& n) {
  if (n.kind != NodeKind::kTopic) {
    return "";
  }
  const auto* a = g.attributes(n.index);
  if (a == nullptr || a->packed.empty()) {
    return "";
  }
  const auto j = nlohmann::json::from_msgpack(a->packed.begin(), a->packed.end(), true, false);
  if (!j.is_object()) {
    return "";
  }
  const auto status = j.value("status", std::string());
  return status == "deprecated" || status == "retired" ? status : "";
}

std::mutex& GraphvizLock() {
  static std::mutex mu;
  return mu;
}

}  // namespace

std::string NodeUrl(std::string_view id) { return "/ui/node?id=" + PercentEncode(id, ":/"); }

namespace {

constexpr const char* kViewerOutline = "#1d4ed8";

// Fill of a group by its consumer health.
const char* HealthFill(std::string_view status) {
  if (status == "OK") {
    return "#86efac";
  }
  if (status == "WARN") {
    return "#fde68a";
  }
  if (status == "ERR") {
    return "#fca5a5";
  }
  return nullptr;
}

constexpr const char* kHeader =
    "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10, "
    "style=filled];\n  edge [fontname=\"Helvetica\", fontsize=9];\n";

std::optional<std::string> TeamOfNode(const graph::GraphSnapshot* g, const graph::NodeView& n) {
  if (g == nullptr || n.index == graph::kNone) {
    return std::nullopt;
  }
  if (auto owner = g->OwnerOf(n.index)) {
    return std::string(owner->team);
  }
  return std::nullopt;
}

// One node of the picture, fully drawn.
std::string NodeDot(const graph::GraphSnapshot* g, const graph::NodeView& n, std::size_t name,
                    bool root, const PictureOptions& o) {
  const std::string status = g != nullptr ? ProductStatus(*g, n) : "";
  const char* fill = status == "deprecated" ? kDeprecatedFill
                     : status == "retired"  ? kRetiredFill
                                            : FillFor(n.kind);
  std::string label(n.name);
  if (!status.empty()) {
    label += " (" + status + ")";
  }
  if (n.kind == NodeKind::kGroup) {
    if (const auto h = o.consumer_status.find(n.id); h != o.consumer_status.end()) {
      if (const char* f = HealthFill(h->second)) {
        fill = f;
        if (h->second != "OK") {
          label += " (" + h->second + ")";
        }
      }
    }
  }
  std::string extra;
  if (const auto c = o.node_change.find(n.id); c != o.node_change.end()) {
    const bool removed = c->second == PictureOptions::Change::kRemoved;
    label += removed ? " (gone)" : " (new)";
    if (removed) {
      fill = kRetiredFill;
    }
  }
  if (!o.viewer_team.empty() && TeamOfNode(g, n) == o.viewer_team) {
    extra += std::string(", peripheries=2, color=\"") + kViewerOutline + "\"";
  }
  if (root) {
    extra += ", style=\"filled,bold\", penwidth=2";
  }
  // NodeUrl's output holds only [A-Za-z0-9-._~:/%?=]: nothing to escape.
  return "  n" + std::to_string(name) + " [label=" + Attribute(label) +
         ", shape=" + ShapeFor(n.kind) + ", fillcolor=\"" + fill +
         "\", tooltip=" + Attribute(n.id, Field::kTooltip) + ", URL=\"" + NodeUrl(n.id) + "\"" +
         extra + "];\n";
}

// How a changed edge is drawn: its label's sign, colour and width.
struct ChangeStyle {
  const char* sign;
  const char* colour;
  const char* width;
};

const ChangeStyle& StyleOf(PictureOptions::Change change) {
  static constexpr ChangeStyle kAdded{"+", "#15803d", "2.5"};
  static constexpr ChangeStyle kRemoved{"\u2212", "#b91c1c", "2"};
  static constexpr ChangeStyle kChanged{"\u00b1", "#b45309", "2"};
  switch (change) {
    case PictureOptions::Change::kAdded:
      return kAdded;
    case PictureOptions::Change::kRemoved:
      return kRemoved;
    case PictureOptions::Change::kChanged:
      break;
  }
  return kChanged;
}

std::string FullDot(const graph::GraphSnapshot* g, const graph::LineageResult& result,
                    const PictureOptions& o) {
  std::string dot = kHeader;
  std::unordered_map<std::string_view, std::size_t> names;
  names.reserve(result.nodes.size());
  for (const auto& n : result.nodes) {
    const auto [it, added] = names.emplace(n.id, names.size());
    if (added) {
      dot += NodeDot(g, n, it->second, n.id == result.root, o);
    }
  }
  for (const auto& e : result.edges) {
    const auto from = names.find(e.from);
    const auto to = names.find(e.to);
    if (from == names.end() || to == names.end()) {
      continue;  // an edge always joins two listed nodes; never draw a dangling one
    }
    std::string label(graph::ToString(e.kind));
    std::string change;
    if (const auto c = o.edge_change.find(e.index); c != o.edge_change.end()) {
      const ChangeStyle& style = StyleOf(c->second);
      label = std::string(style.sign) + " " + label;
      change = std::string(", color=\"") + style.colour + "\", fontcolor=\"" + style.colour +
               "\", penwidth=" + style.width;
    }
    dot += "  n" + std::to_string(from->second) + " -> n" + std::to_string(to->second) +
           " [label=" + Attribute(label) + EdgeStyle(e) + change + "];\n";
  }
  dot += "}\n";
  return dot;
}

const char* Plural(NodeKind kind, std::size_t n) {
  switch (kind) {
    case NodeKind::kTopic:
      return n == 1 ? "topic" : "topics";
    case NodeKind::kGroup:
      return n == 1 ? "group" : "groups";
    case NodeKind::kPrincipal:
      return n == 1 ? "principal" : "principals";
    case NodeKind::kJob:
      return n == 1 ? "job" : "jobs";
    case NodeKind::kTeam:
      return n == 1 ? "team" : "teams";
    case NodeKind::kDataset:
      return n == 1 ? "dataset" : "datasets";
  }
  return "nodes";
}

// The root, one node per team (or per kind for nodes without an owner), edges
// summed per (from, to, kind).
std::string CollapsedDot(const graph::GraphSnapshot* g, const graph::LineageResult& result,
                         const PictureOptions& o) {
  struct Cluster {
    std::string team;  // "" for nodes without an owner
    NodeKind kind{};   // the kind of an ownerless cluster
    std::map<NodeKind, std::size_t> kinds;
    std::size_t count = 0;
    std::size_t name = 0;  // its node in the picture (the "other" node when folded)
  };
  // Cluster keys: "t" + team, or "k" + kind number.
  std::map<std::string, Cluster> clusters;
  std::unordered_map<std::string_view, Cluster*> cluster_of;  // node id -> its cluster
  cluster_of.reserve(result.nodes.size());
  const graph::NodeView* root = nullptr;
  for (const auto& n : result.nodes) {
    if (n.id == result.root) {
      root = &n;
      continue;
    }
    if (cluster_of.contains(n.id)) {
      continue;
    }
    const auto team = TeamOfNode(g, n);
    auto& c = clusters[team ? "t" + *team : "k" + std::to_string(static_cast<int>(n.kind))];
    c.team = team.value_or("");
    c.kind = n.kind;
    ++c.kinds[n.kind];
    ++c.count;
    cluster_of.emplace(n.id, &c);
  }
  // The largest clusters keep their own node; the rest share one.
  std::vector<Cluster*> by_size;
  by_size.reserve(clusters.size());
  for (auto& [key, c] : clusters) {
    by_size.push_back(&c);  // in key order, so ties stay in key order
  }
  std::stable_sort(by_size.begin(), by_size.end(),
                   [](const Cluster* a, const Cluster* b) { return a->count > b->count; });
  const std::size_t kept = std::min(by_size.size(), kMaxSvgNodes - 2);

  std::string dot = kHeader;
  std::size_t next = 0;
  if (root != nullptr) {
    dot += NodeDot(g, *root, next++, true, o);
  }
  for (std::size_t i = 0; i < kept; ++i) {
    Cluster& c = *by_size[i];
    c.name = next++;
    std::string parts;
    for (const auto& [kind, count] : c.kinds) {
      parts += (parts.empty() ? "" : ", ") + std::to_string(count) + " " + Plural(kind, count);
    }
    std::string label;
    std::string attributes;
    if (!c.team.empty()) {
      label = "team " + c.team + ": " + parts;
      attributes = std::string(", shape=folder, fillcolor=\"") + FillFor(NodeKind::kTeam) +
                   "\", URL=\"/ui/teams/" + PercentEncode(c.team) + "\"";
      if (c.team == o.viewer_team) {
        attributes += std::string(", peripheries=2, color=\"") + kViewerOutline + "\"";
      }
    } else {
      label = parts + " without a team";
      attributes =
          std::string(", shape=") + ShapeFor(c.kind) + ", fillcolor=\"" + FillFor(c.kind) + "\"";
    }
    dot += "  n" + std::to_string(c.name) + " [label=" + Attribute(label) +
           ", tooltip=" + Attribute(label, Field::kTooltip) + attributes + "];\n";
  }
  if (kept < by_size.size()) {
    const std::size_t other = next++;
    std::size_t other_nodes = 0;
    for (std::size_t i = kept; i < by_size.size(); ++i) {
      by_size[i]->name = other;
      other_nodes += by_size[i]->count;
    }
    const std::string label = std::to_string(other_nodes) + " nodes of " +
                              std::to_string(by_size.size() - kept) + " other teams and kinds";
    dot += "  n" + std::to_string(other) + " [label=" + Attribute(label) +
           ", tooltip=" + Attribute(label, Field::kTooltip) + ", shape=folder, fillcolor=\"" +
           kRetiredFill + "\"];\n";
  }
  struct Summed {
    std::size_t count = 0;
    graph::EdgeView strongest;  // evidence and activity summed over the edges
  };
  std::map<std::tuple<std::size_t, std::size_t, graph::EdgeKind>, Summed> edges;
  const auto drawn = [&](std::string_view id) -> std::optional<std::size_t> {
    if (id == result.root) {
      return root != nullptr ? std::optional<std::size_t>(0) : std::nullopt;
    }
    const auto c = cluster_of.find(id);
    return c == cluster_of.end() ? std::nullopt : std::optional<std::size_t>(c->second->name);
  };
  for (const auto& e : result.edges) {
    const auto from = drawn(e.from);
    const auto to = drawn(e.to);
    if (!from || !to || *from == *to) {
      continue;  // within one team: not drawn
    }
    auto& s = edges[{*from, *to, e.kind}];
    ++s.count;
    s.strongest.evidence |= e.evidence;
    s.strongest.active = s.strongest.active || e.active;
  }
  for (const auto& [key, s] : edges) {
    const auto& [from, to, kind] = key;
    std::string label(graph::ToString(kind));
    if (s.count > 1) {
      label += " \u00d7" + std::to_string(s.count);
    }
    dot += "  n" + std::to_string(from) + " -> n" + std::to_string(to) +
           " [label=" + Attribute(label) + EdgeStyle(s.strongest) + "];\n";
  }
  dot += "}\n";
  return dot;
}

}  // namespace

bool Collapsed(const graph::LineageResult& result, const PictureOptions& options) {
  return result.nodes.size() > std::min(options.collapse_above, kMaxSvgNodes);
}

std::string LineageToDot(const graph::LineageResult& result) {
  const PictureOptions none;
  return Collapsed(result, none) ? CollapsedDot(nullptr, result, none)
                                 : FullDot(nullptr, result, none);
}

std::string LineageToDot(const graph::GraphSnapshot& g, const graph::LineageResult& result,
                         const PictureOptions& options) {
  return Collapsed(result, options) ? CollapsedDot(&g, result, options)
                                    : FullDot(&g, result, options);
}

std::string LineageLegendHtml() {
  std::string out = "<figure class=\"legend\"><figcaption>Legend</figcaption><ul>";
  const auto swatch = [](const std::string& shape_svg, const std::string& text) {
    return "<li><svg width=\"28\" height=\"18\" viewBox=\"0 0 28 18\" aria-hidden=\"true\">" +
           shape_svg + "</svg>" + text + "</li>";
  };
  const auto fill = [](NodeKind k) { return std::string(FillFor(k)); };
  const std::string stroke = "\" stroke=\"#1d2433\"/>";
  out += swatch(
      "<rect x=\"2\" y=\"3\" width=\"24\" height=\"12\" fill=\"" + fill(NodeKind::kTopic) + stroke,
      "topic (a product's, when it is one)");
  out += swatch(
      "<ellipse cx=\"14\" cy=\"9\" rx=\"12\" ry=\"6\" fill=\"" + fill(NodeKind::kGroup) + stroke,
      "consumer group");
  out += swatch(
      "<polygon points=\"14,2 26,9 14,16 2,9\" fill=\"" + fill(NodeKind::kPrincipal) + stroke,
      "principal");
  out += swatch(
      "<polygon points=\"7,3 21,3 26,9 21,15 7,15 2,9\" fill=\"" + fill(NodeKind::kJob) + stroke,
      "job");
  out += swatch(
      "<polygon points=\"2,8 14,2 26,8 26,16 2,16\" fill=\"" + fill(NodeKind::kTeam) + stroke,
      "team");
  out += swatch("<rect x=\"4\" y=\"3\" width=\"20\" height=\"12\" rx=\"6\" fill=\"" +
                    fill(NodeKind::kDataset) + stroke,
                "dataset");
  out += swatch(std::string("<rect x=\"2\" y=\"3\" width=\"24\" height=\"12\" fill=\"") +
                    kDeprecatedFill + stroke,
                "deprecated product");
  out += swatch(std::string("<rect x=\"2\" y=\"3\" width=\"24\" height=\"12\" fill=\"") +
                    kRetiredFill + stroke,
                "retired product");
  for (const auto& [status, text] : {std::pair{"OK", "consumer group keeping up (health OK)"},
                                     std::pair{"WARN", "consumer group falling behind (WARN)"},
                                     std::pair{"ERR", "consumer group stalled or stopped (ERR)"}}) {
    out += swatch(std::string("<ellipse cx=\"14\" cy=\"9\" rx=\"12\" ry=\"6\" fill=\"") +
                      HealthFill(status) + stroke,
                  text);
  }
  out += swatch(std::string("<rect x=\"3\" y=\"4\" width=\"22\" height=\"10\" fill=\"#ffffff\" "
                            "stroke=\"") +
                    kViewerOutline +
                    "\"/><rect x=\"1\" y=\"2\" width=\"26\" height=\"14\" "
                    "fill=\"none\" stroke=\"" +
                    kViewerOutline + "\"/>",
                "your team's (double outline)");
  out += swatch(std::string("<polygon points=\"2,4 10,4 12,6 26,6 26,16 2,16\" fill=\"") +
                    FillFor(NodeKind::kTeam) + stroke,
                "a team's nodes, collapsed (large pictures)");
  const auto line = [](const std::string& dash, const std::string& colour) {
    return "<line x1=\"2\" y1=\"9\" x2=\"26\" y2=\"9\" stroke=\"" + colour +
           "\" stroke-width=\"2\"" + dash + "/>";
  };
  out += swatch(line("", "#1d2433"), "observed (offsets, audit log, OpenLineage)");
  out += swatch(line(" stroke-dasharray=\"5 3\"", "#1d2433"), "permitted (an ACL)");
  out += swatch(line(" stroke-dasharray=\"1 3\"", "#1d2433"), "declared (the catalog)");
  out += swatch(line("", "#9ca3af"), "not valid now (ended)");
  out += "</ul><p>A bold outline marks the node the picture is drawn from.</p></figure>";
  return out;
}

Result<std::string> DotToSvg(const std::string& dot) {
  std::lock_guard lock(GraphvizLock());
  // One context for the process: creating one loads Graphviz's plugins.
  static GVC_t* const gvc = gvContext();
  Agraph_t* graph = agmemread(dot.c_str());
  if (graph == nullptr) {
    return InvalidArgument("graphviz could not read the generated graph");
  }
  std::string svg;
  Status status;
  if (gvLayout(gvc, graph, "dot") != 0) {
    status = InvalidArgument("graphviz layout failed");
  } else {
    char* data = nullptr;
    unsigned int length = 0;
    if (gvRenderData(gvc, graph, "svg", &data, &length) == 0 && data != nullptr) {
      svg.assign(data, length);
    } else {
      status = InvalidArgument("graphviz could not render SVG");
    }
    gvFreeRenderData(data);
    gvFreeLayout(gvc, graph);
  }
  agclose(graph);
  if (!status.ok()) {
    return status;
  }
  return svg;
}

}  // namespace tributary::http
