#include "http/routes/graph_render.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

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

std::mutex& GraphvizLock() {
  static std::mutex mu;
  return mu;
}

}  // namespace

std::string NodeUrl(std::string_view id) { return "/ui/node?id=" + PercentEncode(id, ":/"); }

std::string LineageToDot(const graph::LineageResult& result) {
  std::string dot =
      "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  std::unordered_map<std::string_view, std::size_t> names;
  names.reserve(result.nodes.size());
  for (const auto& n : result.nodes) {
    const auto [it, added] = names.emplace(n.id, names.size());
    if (!added) {
      continue;
    }
    // NodeUrl's output holds only [A-Za-z0-9-._~:/%?=]: nothing to escape.
    dot += "  n" + std::to_string(it->second) + " [label=" + Attribute(n.name) +
           ", shape=" + ShapeFor(n.kind) + ", tooltip=" + Attribute(n.id, Field::kTooltip) +
           ", URL=\"" + NodeUrl(n.id) + "\"" + (n.id == result.root ? ", style=bold" : "") + "];\n";
  }
  for (const auto& e : result.edges) {
    const auto from = names.find(e.from);
    const auto to = names.find(e.to);
    if (from == names.end() || to == names.end()) {
      continue;  // an edge always joins two listed nodes; never draw a dangling one
    }
    dot += "  n" + std::to_string(from->second) + " -> n" + std::to_string(to->second) +
           " [label=" + Attribute(graph::ToString(e.kind)) + (e.active ? "" : ", style=dashed") +
           "];\n";
  }
  dot += "}\n";
  return dot;
}

std::string LineageToDot(const graph::GraphSnapshot&, const graph::LineageResult& result) {
  return LineageToDot(result);
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
