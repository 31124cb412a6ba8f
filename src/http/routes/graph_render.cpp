#include "http/routes/graph_render.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <mutex>

namespace tributary::http {
namespace {

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    if (c == '\n' || c == '\r') {
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
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

std::string LineageToDot(const graph::GraphSnapshot& g, const graph::LineageResult& result) {
  (void)g;
  std::string dot =
      "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (const auto& n : result.nodes) {
    dot += "  " + Quote(n.id) + " [label=" + Quote(n.name) + ", shape=" + ShapeFor(n.kind) +
           ", tooltip=" + Quote(n.id) + ", URL=" + Quote("/ui/node?id=" + std::string(n.id)) +
           (n.id == result.root ? ", style=bold" : "") + "];\n";
  }
  for (const auto& e : result.edges) {
    dot += "  " + Quote(e.from) + " -> " + Quote(e.to) +
           " [label=" + Quote(graph::ToString(e.kind)) + (e.active ? "" : ", style=dashed") +
           "];\n";
  }
  dot += "}\n";
  return dot;
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
