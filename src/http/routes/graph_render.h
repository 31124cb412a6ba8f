#pragma once
// Lineage results as Graphviz DOT and SVG. Graphviz is not thread-safe, so
// layouts are serialised behind one lock; results with more nodes than
// kMaxSvgNodes are refused so a single request cannot stall the others.

#include <string>

#include "graph/queries.h"

namespace tributary::http {

inline constexpr std::size_t kMaxSvgNodes = 500;

std::string LineageToDot(const graph::GraphSnapshot& g, const graph::LineageResult& result);
// InvalidArgument when the layout fails.
Result<std::string> DotToSvg(const std::string& dot);

}  // namespace tributary::http
