#pragma once
// Lineage results as Graphviz DOT and SVG. Graphviz is not thread-safe, so
// layouts are serialised behind one lock; results with more nodes than
// kMaxSvgNodes are refused so a single request cannot stall the others.
//
// Node ids are untrusted (consumer group ids, OpenLineage job names): the DOT
// writer never puts one in the graph's syntax. Nodes are named n0, n1, … in
// the order of the result; labels and tooltips are escaped for Graphviz and for
// XML (markup characters and backslashes as character references, control and
// bidi characters replaced by U+FFFD); a node's URL is
// `/ui/node?id=<percent-encoded id>`. The SVG is therefore well-formed XML
// whatever the ids hold, and every href decodes back to its node's id.

#include <string>

#include "graph/queries.h"

namespace tributary::http {

inline constexpr std::size_t kMaxSvgNodes = 500;

std::string LineageToDot(const graph::LineageResult& result);
std::string LineageToDot(const graph::GraphSnapshot& g, const graph::LineageResult& result);
// The legend of the pictures LineageToDot draws (HTML with small inline SVG
// swatches): shape and colour per node kind, deprecated and retired products,
// edge style per evidence.
std::string LineageLegendHtml();
// InvalidArgument when the layout fails.
Result<std::string> DotToSvg(const std::string& dot);

// The UI link of a node: "/ui/node?id=" and the id percent-encoded (':' and
// '/' kept).
std::string NodeUrl(std::string_view id);

}  // namespace tributary::http
