// libFuzzer target: the lineage DOT/SVG writer on arbitrary node ids (bytes
// split at 0xFF into ids; consecutive ids joined by edges). The SVG Graphviz
// renders must hold no markup the ids brought (only Graphviz's own elements),
// no raw control character, only valid UTF-8, and every href must decode back
// to a node's id. Anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/text_codec.h"
#include "http/routes/graph_render.h"

namespace {

using tributary::graph::EdgeKind;
using tributary::graph::EdgeView;
using tributary::graph::LineageResult;
using tributary::graph::NodeView;

bool IsGraphvizElement(std::string_view rest) {
  static const std::vector<std::string_view> kAllowed = {
      "svg",      "/svg",  "g ",     "g>", "/g>", "title>", "/title>", "polygon ", "path ",
      "ellipse ", "text ", "/text>", "a ", "/a>", "!--",    "?xml",    "!DOCTYPE", "polyline "};
  for (const auto a : kAllowed) {
    if (rest.substr(0, a.size()) == a) {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= input.size() && ids.size() < 12) {
    const auto end = input.find('\xFF', start);
    const auto piece = input.substr(start, end == std::string_view::npos ? end : end - start);
    if (!piece.empty()) {
      ids.push_back("group:local/" + std::string(piece));
    }
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  if (ids.empty()) {
    return 0;
  }
  LineageResult result;
  result.root = ids[0];
  for (const auto& id : ids) {
    NodeView n;
    n.id = id;
    n.kind = tributary::NodeKind::kGroup;
    n.name = std::string_view(id).substr(12);
    result.nodes.push_back(n);
  }
  for (std::size_t i = 1; i < ids.size(); ++i) {
    EdgeView e;
    e.from = ids[i - 1];
    e.to = ids[i];
    e.kind = EdgeKind::kConsumes;
    e.active = (i % 2) == 0;
    result.edges.push_back(e);
  }
  const auto svg = tributary::http::DotToSvg(tributary::http::LineageToDot(result));
  if (!svg.ok()) {
    std::abort();  // the writer's DOT must always lay out
  }
  const std::string& text = *svg;
  if (!tributary::IsPrintableText(text, /*allow_newlines=*/true)) {
    // Graphviz output is ASCII-safe apart from the labels, which are made safe.
    std::abort();
  }
  for (std::size_t at = text.find('<'); at != std::string::npos; at = text.find('<', at + 1)) {
    if (!IsGraphvizElement(std::string_view(text).substr(at + 1))) {
      std::abort();
    }
  }
  const std::set<std::string> known(ids.begin(), ids.end());
  const std::string href = "xlink:href=\"";
  for (std::size_t at = text.find(href); at != std::string::npos; at = text.find(href, at + 1)) {
    const auto begin = at + href.size();
    const auto end = text.find('"', begin);
    const auto url = text.substr(begin, end - begin);
    const std::string prefix = "/ui/node?id=";
    if (url.rfind(prefix, 0) != 0) {
      std::abort();
    }
    const auto id = tributary::PercentDecode(url.substr(prefix.size()));
    if (!id || !known.contains(*id)) {
      std::abort();
    }
  }
  return 0;
}
