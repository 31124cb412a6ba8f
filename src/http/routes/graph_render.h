#pragma once
// Lineage results as Graphviz DOT and SVG. Graphviz is not thread-safe, so
// layouts are serialised behind one lock. A result with more nodes than
// PictureOptions::collapse_above is drawn collapsed: the root, then one node
// per owning team (nodes without an owner: one per kind), the largest
// kMaxSvgNodes - 2 of them and the rest as one "other teams" node, edges
// summed per kind between them. So a picture never has more than
// kMaxSvgNodes nodes and a single request cannot stall the others.
//
// Node ids are untrusted (consumer group ids, OpenLineage job names): the DOT
// writer never puts one in the graph's syntax. Nodes are named n0, n1, … in
// the order of the result; labels and tooltips are escaped for Graphviz and for
// XML (markup characters and backslashes as character references, control and
// bidi characters replaced by U+FFFD); a node's URL is
// `/ui/node?id=<percent-encoded id>`. The SVG is therefore well-formed XML
// whatever the ids hold, and every href decodes back to its node's id.

#include <map>
#include <string>

#include "graph/queries.h"

namespace tributary::http {

inline constexpr std::size_t kMaxSvgNodes = 500;
inline constexpr std::size_t kCollapseAbove = 150;

struct PictureOptions {
  // Nodes this team owns get a double blue outline ("" = none).
  std::string viewer_team;
  // Consumer health per group node id ("OK", "WARN", "ERR"): the group's fill
  // colour, and WARN or ERR in its label.
  std::map<std::string, std::string, std::less<>> consumer_status;
  std::size_t collapse_above = kCollapseAbove;
  // A change between two instants (the time travel view), by graph edge index
  // and by node id (nodes are only added or removed). Added edges are drawn
  // green, removed red, changed amber, and the label says so.
  enum class Change { kAdded, kRemoved, kChanged };
  std::map<std::uint32_t, Change> edge_change;
  std::map<std::string, Change, std::less<>> node_change;
};

// Whether LineageToDot draws `result` collapsed by team.
bool Collapsed(const graph::LineageResult& result, const PictureOptions& options);
std::string LineageToDot(const graph::LineageResult& result);
std::string LineageToDot(const graph::GraphSnapshot& g, const graph::LineageResult& result,
                         const PictureOptions& options = {});
// The legend of the pictures LineageToDot draws (HTML with small inline SVG
// swatches): shape and colour per node kind, deprecated and retired products,
// consumer health, the viewer's team, collapsed teams, edge style per evidence.
std::string LineageLegendHtml();
// InvalidArgument when the layout fails.
Result<std::string> DotToSvg(const std::string& dot);

// The UI link of a node: "/ui/node?id=" and the id percent-encoded (':' and
// '/' kept).
std::string NodeUrl(std::string_view id);

}  // namespace tributary::http
