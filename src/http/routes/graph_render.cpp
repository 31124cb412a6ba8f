#include "http/routes/graph_render.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <nlohmann/json.hpp>

#include <mutex>
#include <unordered_map>

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

std::string Dot(const graph::GraphSnapshot* g, const graph::LineageResult& result) {
  std::string dot =
      "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10, "
      "style=filled];\n  edge [fontname=\"Helvetica\", fontsize=9];\n";
  std::unordered_map<std::string_view, std::size_t> names;
  names.reserve(result.nodes.size());
  for (const auto& n : result.nodes) {
    const auto [it, added] = names.emplace(n.id, names.size());
    if (!added) {
      continue;
    }
    const std::string status = g != nullptr ? ProductStatus(*g, n) : "";
    const char* fill = status == "deprecated" ? kDeprecatedFill
                       : status == "retired"  ? kRetiredFill
                                              : FillFor(n.kind);
    std::string label(n.name);
    if (!status.empty()) {
      label += " (" + status + ")";
    }
    // NodeUrl's output holds only [A-Za-z0-9-._~:/%?=]: nothing to escape.
    dot += "  n" + std::to_string(it->second) + " [label=" + Attribute(label) +
           ", shape=" + ShapeFor(n.kind) + ", fillcolor=\"" + fill +
           "\", tooltip=" + Attribute(n.id, Field::kTooltip) + ", URL=\"" + NodeUrl(n.id) + "\"" +
           (n.id == result.root ? ", style=\"filled,bold\", penwidth=2" : "") + "];\n";
  }
  for (const auto& e : result.edges) {
    const auto from = names.find(e.from);
    const auto to = names.find(e.to);
    if (from == names.end() || to == names.end()) {
      continue;  // an edge always joins two listed nodes; never draw a dangling one
    }
    dot += "  n" + std::to_string(from->second) + " -> n" + std::to_string(to->second) +
           " [label=" + Attribute(graph::ToString(e.kind)) + EdgeStyle(e) + "];\n";
  }
  dot += "}\n";
  return dot;
}

}  // namespace

std::string LineageToDot(const graph::LineageResult& result) { return Dot(nullptr, result); }

std::string LineageToDot(const graph::GraphSnapshot& g, const graph::LineageResult& result) {
  return Dot(&g, result);
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
