#include "graph/queries.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "core/text_codec.h"

namespace tributary::graph {
namespace {

// Per-thread traversal state sized to the snapshot: stamps instead of clearing
// (a node is marked when its stamp equals the current epoch).
class Scratch {
 public:
  static Scratch& ForThread() {
    thread_local Scratch scratch;
    return scratch;
  }

  // Starts a traversal over `n` nodes with fresh `visited` and `included` marks.
  void Begin(std::uint32_t n) {
    if (marks_.size() < n) {
      marks_.resize(n);
      parent_.resize(n, kNone);
    }
    NextVisitEpoch();
    if (++included_epoch_ == 0) {
      for (Marks& m : marks_) {
        m.included = 0;
      }
      included_epoch_ = 1;
    }
  }
  // A second traversal in the same query: new visited marks, same included marks.
  void NextVisitEpoch() {
    if (++visit_epoch_ == 0) {
      for (Marks& m : marks_) {
        m.visited = 0;
      }
      visit_epoch_ = 1;
    }
  }
  bool Visited(std::uint32_t v) const { return marks_[v].visited == visit_epoch_; }
  // True the first time `v` is visited in this traversal.
  bool Visit(std::uint32_t v) {
    if (marks_[v].visited == visit_epoch_) {
      return false;
    }
    marks_[v].visited = visit_epoch_;
    return true;
  }
  bool Include(std::uint32_t v) {
    if (marks_[v].included == included_epoch_) {
      return false;
    }
    marks_[v].included = included_epoch_;
    return true;
  }
  std::uint32_t& parent(std::uint32_t v) { return parent_[v]; }
  std::uint16_t& depth(std::uint32_t v) { return marks_[v].depth; }
  // The position of an included node in the result's node list.
  std::uint32_t& position(std::uint32_t v) { return marks_[v].position; }
  std::vector<std::uint32_t>& queue() { return queue_; }

  // An edge found by a traversal, with its endpoints.
  struct Hit {
    std::uint32_t edge;
    std::uint32_t from;
    std::uint32_t to;
  };
  std::vector<std::uint32_t>& nodes() { return nodes_; }
  std::vector<Hit>& hits() { return hits_; }
  std::vector<Hit>& up_hits() { return up_hits_; }
  std::vector<std::uint16_t>& depths() { return depths_; }
  // A cleared bit per node, for traversals that visit much of the graph (a
  // bit set stays in the cache where per-node stamps would not).
  std::vector<std::uint64_t>& Bits(std::uint32_t n) {
    bits_.assign((std::size_t{n} + 63) / 64, 0);
    return bits_;
  }

 private:
  // Everything a traversal keeps per node, together: one cache miss per node.
  struct Marks {
    std::uint32_t visited = 0;
    std::uint32_t included = 0;
    std::uint32_t position = 0;
    std::uint16_t depth = 0;
  };
  std::vector<Marks> marks_;
  std::vector<std::uint32_t> parent_;
  std::vector<std::uint32_t> queue_;
  std::vector<std::uint32_t> nodes_;
  std::vector<Hit> hits_;
  std::vector<Hit> up_hits_;
  std::vector<std::uint16_t> depths_;  // by queue position
  std::vector<std::uint64_t> bits_;
  std::uint32_t visit_epoch_ = 0;
  std::uint32_t included_epoch_ = 0;
};

std::int64_t Instant(const std::optional<Timestamp>& at) { return at ? ToMillis(*at) : kNow; }

std::uint8_t KindBit(EdgeKind kind) {
  return kind == EdgeKind::kConsumes ? kConsumesBit : kProducesBit;
}

Result<std::uint32_t> ResolveRoot(const GraphSnapshot& g, std::string_view id,
                                  std::optional<Timestamp> at) {
  const std::uint32_t v = g.Find(id);
  if (v == kNone) {
    return NotFound("unknown node \"" + std::string(id) + "\"");
  }
  if (at && g.node(v).created > ToMillis(*at)) {
    return NotFound("node \"" + std::string(id) + "\" did not exist at " + FormatRfc3339(*at));
  }
  return v;
}

// The edge's view at instant t in one pass over its intervals; `from` and `to`
// are filled by the caller.
void FillEdge(const GraphSnapshot& g, std::uint32_t e, std::int64_t t, EdgeView& view) {
  const EdgeRecord& r = g.edge(e);
  view.index = e;
  view.kind = r.kind;
  view.last_seen = FromMillis(r.last_seen);
  std::uint8_t bits = r.start0 <= t && t < r.end0 ? r.evidence0 : 0;
  std::int64_t first = r.start0;
  bool open = r.end0 == kOpen;
  std::int64_t ended = r.end0;
  for (std::uint32_t i = r.extra; i != kNone;) {
    const Interval& iv = g.interval(i);
    if (iv.start <= t && t < iv.end) {
      bits |= iv.evidence;
    }
    first = std::min(first, iv.start);
    if (iv.end == kOpen) {
      open = true;
    } else {
      ended = std::max(ended, iv.end);
    }
    i = iv.next;
  }
  view.evidence = bits;
  view.first_seen = FromMillis(first);
  view.active = open;
  if (!open) {
    view.ended_at = FromMillis(ended);
  }
}

// Calls f(edge, neighbour) for each edge of `v` in `direction` that passes the
// filters at instant t.
template <typename F>
void ForEachValidEdge(const GraphSnapshot& g, std::uint32_t v, bool downstream, std::int64_t t,
                      std::uint8_t kinds, std::uint8_t evidence, F&& f) {
  if (t == kNow) {
    // The dense per-edge state byte answers "valid now" without the record;
    // the neighbour comes from the topology.
    const auto visit_now = [&](std::uint32_t e, std::uint32_t w) {
      const std::uint8_t state = g.edge_state(e);
      const std::uint8_t kind = (state & kProducesFlag) != 0 ? kProducesBit : kConsumesBit;
      if ((kind & kinds) != 0 && (state & evidence) != 0) {
        f(e, w);
      }
    };
    if (downstream) {
      g.ForEachOutNeighbour(v, visit_now);
    } else {
      g.ForEachInNeighbour(v, visit_now);
    }
    return;
  }
  const auto visit = [&](std::uint32_t e) {
    const EdgeRecord& r = g.edge(e);
    if ((KindBit(r.kind) & kinds) == 0 || (g.EvidenceAt(r, t) & evidence) == 0) {
      return;
    }
    f(e, downstream ? r.to : r.from);
  };
  if (downstream) {
    g.ForEachOutEdge(v, visit);
  } else {
    g.ForEachInEdge(v, visit);
  }
}

// Breadth-first traversal from `root` up to `depth` edges; appends the nodes
// first included (recording their positions) and every valid edge leaving an
// expanded node.
void Traverse(const GraphSnapshot& g, Scratch& s, std::uint32_t root, bool downstream, int depth,
              std::int64_t t, std::uint8_t kinds, std::uint8_t evidence,
              std::vector<std::uint32_t>& nodes, std::vector<Scratch::Hit>& hits) {
  auto& queue = s.queue();
  queue.clear();
  queue.push_back(root);
  s.Visit(root);
  s.depth(root) = 0;
  const auto include = [&](std::uint32_t v) {
    if (s.Include(v)) {
      s.position(v) = static_cast<std::uint32_t>(nodes.size());
      nodes.push_back(v);
    }
  };
  include(root);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::uint32_t v = queue[head];
    const int d = s.depth(v);
    if (d >= depth) {
      continue;
    }
    ForEachValidEdge(g, v, downstream, t, kinds, evidence, [&](std::uint32_t e, std::uint32_t w) {
      hits.push_back(downstream ? Scratch::Hit{e, v, w} : Scratch::Hit{e, w, v});
      g.Prefetch(e);  // read again when the result is built
      if (s.Visit(w)) {
        g.PrefetchNode(w);
        s.depth(w) = static_cast<std::uint16_t>(d + 1);
        queue.push_back(w);
        include(w);
      }
    });
  }
}

bool ContainsIgnoringCase(std::string_view haystack, std::string_view lowered_needle) {
  if (lowered_needle.empty()) {
    return true;
  }
  const auto it =
      std::search(haystack.begin(), haystack.end(), lowered_needle.begin(), lowered_needle.end(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

template <typename ParseOne>
Result<std::uint8_t> ParseList(std::string_view text, std::uint8_t all, const char* what,
                               ParseOne parse_one) {
  if (text.empty()) {
    return all;
  }
  std::uint8_t bits = 0;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const std::uint8_t bit = parse_one(item);
    if (bit == 0) {
      return InvalidArgument(std::string("unknown ") + what + " \"" + std::string(item) + "\"");
    }
    bits |= bit;
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
  }
  return bits;
}

}  // namespace

Result<Direction> ParseDirection(std::string_view text) {
  if (text == "downstream") {
    return Direction::kDownstream;
  }
  if (text == "upstream") {
    return Direction::kUpstream;
  }
  if (text == "both") {
    return Direction::kBoth;
  }
  return InvalidArgument("direction must be downstream, upstream or both, not \"" +
                         std::string(text) + "\"");
}

Result<std::uint8_t> ParseKinds(std::string_view text) {
  return ParseList(text, kAllKinds, "edge kind", [](std::string_view k) -> std::uint8_t {
    return k == "consumes" ? kConsumesBit : k == "produces" ? kProducesBit : 0;
  });
}

Result<std::uint8_t> ParseEvidenceFilter(std::string_view text) {
  return ParseList(text, kAllEvidence, "evidence",
                   [](std::string_view k) -> std::uint8_t { return ParseEvidence(k); });
}

NodeView ViewNode(const GraphSnapshot& g, std::uint32_t v) {
  NodeView view;
  view.index = v;
  view.id = g.id(v);
  view.kind = g.node(v).kind;
  // Ids are "<kind>:<body>"; the search is a fallback.
  const std::size_t prefix = ToString(view.kind).size();
  std::string_view body = prefix < view.id.size() && view.id[prefix] == ':'
                              ? view.id.substr(prefix + 1)
                              : view.id.substr(view.id.find(':') + 1);
  const bool namespaced = view.kind == NodeKind::kTopic || view.kind == NodeKind::kGroup ||
                          view.kind == NodeKind::kJob || view.kind == NodeKind::kDataset;
  if (namespaced) {
    if (const std::size_t slash = body.find('/'); slash != std::string_view::npos) {
      body.remove_prefix(slash + 1);
    }
  }
  view.name = body;
  return view;
}

Result<LineageResult> Lineage(const GraphSnapshot& g, const LineageQuery& query) {
  if (query.depth < 1 || query.depth > kMaxDepth) {
    return InvalidArgument("depth must be between 1 and 100");
  }
  if (query.kinds == 0 || query.evidence == 0) {
    return InvalidArgument("the kinds and evidence filters must not be empty");
  }
  auto root = ResolveRoot(g, query.root, query.at);
  if (!root.ok()) {
    return root.status();
  }
  const std::int64_t t = Instant(query.at);
  Scratch& s = Scratch::ForThread();
  s.Begin(g.node_count());
  auto& nodes = s.nodes();
  auto& hits = s.hits();
  nodes.clear();
  hits.clear();
  if (query.direction != Direction::kUpstream) {
    Traverse(g, s, *root, true, query.depth, t, query.kinds, query.evidence, nodes, hits);
  }
  if (query.direction != Direction::kDownstream) {
    const std::size_t downstream_edges = hits.size();
    s.NextVisitEpoch();
    auto& up = s.up_hits();
    up.clear();
    Traverse(g, s, *root, false, query.depth, t, query.kinds, query.evidence, nodes, up);
    if (downstream_edges == 0) {
      hits.swap(up);
    } else {
      // An edge on a cycle through the root is reached both ways; keep it once.
      std::vector<std::uint32_t> seen;
      seen.reserve(hits.size());
      for (const Scratch::Hit& h : hits) {
        seen.push_back(h.edge);
      }
      std::sort(seen.begin(), seen.end());
      for (const Scratch::Hit& h : up) {
        if (!std::binary_search(seen.begin(), seen.end(), h.edge)) {
          hits.push_back(h);
        }
      }
    }
  }
  LineageResult result;
  result.root = g.id(*root);
  result.at = query.at;
  result.nodes.reserve(nodes.size());
  for (const std::uint32_t v : nodes) {
    result.nodes.push_back(ViewNode(g, v));
  }
  // Every endpoint of a found edge is an included node: its id is in the list.
  result.edges.resize(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const Scratch::Hit& h = hits[i];
    EdgeView& view = result.edges[i];
    view.from = result.nodes[s.position(h.from)].id;
    view.to = result.nodes[s.position(h.to)].id;
    FillEdge(g, h.edge, t, view);
  }
  return result;
}

std::vector<std::string> TeamContacts(const GraphSnapshot& g, std::string_view team) {
  const std::uint32_t v = g.Find("team:" + std::string(team));
  if (v == kNone) {
    return {};
  }
  const NodeAttributes* a = g.attributes(v);
  if (a == nullptr || a->packed.empty()) {
    return {};
  }
  const auto j = nlohmann::json::from_msgpack(a->packed.begin(), a->packed.end(), true, false);
  if (!j.is_object() || !j.contains("contacts") || !j["contacts"].is_array()) {
    return {};
  }
  std::vector<std::string> contacts;
  for (const auto& c : j["contacts"]) {
    if (c.is_string()) {
      contacts.push_back(c.get<std::string>());
    }
  }
  return contacts;
}

std::vector<std::string_view> ImpactResult::path(const ImpactConsumer& c) const {
  std::vector<std::string_view> out(static_cast<std::size_t>(c.depth) + 1);
  std::size_t slot = out.size();
  for (std::uint32_t p = c.path_offset; p != kNone && slot > 0; p = parent[p]) {
    out[--slot] = graph->id(reached[p]);
  }
  return out;
}

Result<ImpactResult> Impact(const GraphSnapshot& g, std::string_view root_id,
                            std::optional<Timestamp> at, std::uint8_t evidence) {
  auto root = ResolveRoot(g, root_id, at);
  if (!root.ok()) {
    return root.status();
  }
  const std::int64_t t = Instant(at);
  Scratch& s = Scratch::ForThread();
  ImpactResult result;
  result.root = g.id(*root);
  result.graph = &g;
  // The traversal's queue is the result's `reached`; parents and depths are
  // by position, so only the visited marks are indexed by node.
  auto& queue = result.reached;
  auto& parent = result.parent;
  auto& depths = s.depths();
  depths.clear();
  auto& seen = s.Bits(g.node_count());
  const auto test = [&seen](std::uint32_t v) { return ((seen[v >> 6] >> (v & 63)) & 1) != 0; };
  const auto mark = [&seen](std::uint32_t v) { seen[v >> 6] |= std::uint64_t{1} << (v & 63); };
  queue.push_back(*root);
  parent.push_back(kNone);
  depths.push_back(0);
  mark(*root);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    // The queue is in no memory order: ask for what the nodes a few places
    // ahead will need, in stages (their row bounds, then their rows).
    if (head + 32 < queue.size()) {
      g.PrefetchOutRow(queue[head + 32]);
    }
    if (head + 16 < queue.size()) {
      g.PrefetchOutEdges(queue[head + 16]);
    }
    const std::uint32_t v = queue[head];
    const auto d = static_cast<std::uint16_t>(std::min<int>(depths[head] + 1, 0xffff));
    const auto from = static_cast<std::uint32_t>(head);
    const auto reach = [&](std::uint32_t w) {
      mark(w);
      queue.push_back(w);
      parent.push_back(from);
      depths.push_back(d);
    };
    if (t == kNow) {
      // Most edges lead to a node already reached: test that before loading
      // the edge's state.
      g.ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t w) {
        if (!test(w) && (g.edge_state(e) & evidence) != 0) {
          reach(w);
        }
      });
    } else {
      ForEachValidEdge(g, v, true, t, kAllKinds, evidence, [&](std::uint32_t, std::uint32_t w) {
        if (!test(w)) {
          reach(w);
        }
      });
    }
  }
  // Teams get small slot numbers: routes by rule index, others by name.
  std::vector<std::uint32_t> route_slot(g.routes().size(), kNone);
  std::unordered_map<std::string_view, std::uint32_t> name_slot;
  const auto slot_of = [&](std::string_view team) {
    auto [it, inserted] = name_slot.emplace(team, static_cast<std::uint32_t>(result.teams.size()));
    if (inserted) {
      result.teams.push_back(ImpactTeam{std::string(team), {}, TeamContacts(g, team)});
    }
    return it->second;
  };
  result.consumers.reserve(queue.size());
  // Breadth-first order is already by depth, and deterministic.
  for (std::size_t i = 1; i < queue.size(); ++i) {
    if (i + 16 < queue.size()) {
      g.PrefetchNode(queue[i + 16]);
    }
    if (i + 8 < queue.size()) {
      const std::uint32_t ahead = queue[i + 8];
      __builtin_prefetch(g.id(ahead).data());
      if (g.node(ahead).attribute_owner) {
        __builtin_prefetch(g.attributes(ahead));
      }
    }
    const std::uint32_t v = queue[i];
    const NodeRecord& n = g.node(v);
    if (n.kind == NodeKind::kTopic || n.kind == NodeKind::kDataset || n.kind == NodeKind::kTeam) {
      continue;
    }
    ImpactConsumer c;
    c.node = ViewNode(g, v);
    c.depth = depths[i];
    c.path_offset = static_cast<std::uint32_t>(i);
    if (const auto owner = g.OwnerOf(v)) {
      c.team = owner->team;
      std::uint32_t slot;
      if (owner->source == OwnerSource::kRoute) {
        std::uint32_t& cached = route_slot[n.route];
        if (cached == kNone) {
          cached = slot_of(owner->team);
        }
        slot = cached;
      } else {
        slot = slot_of(owner->team);
      }
      result.teams[slot].consumers.push_back(c.node.id);
    } else {
      result.unresolved.push_back(c.node.id);
    }
    result.consumers.push_back(c);
  }
  std::sort(result.teams.begin(), result.teams.end(),
            [](const ImpactTeam& a, const ImpactTeam& b) { return a.team < b.team; });
  return result;
}

Result<std::optional<std::vector<std::string_view>>> Path(const GraphSnapshot& g,
                                                          std::string_view from_id,
                                                          std::string_view to_id,
                                                          std::optional<Timestamp> at,
                                                          Direction direction) {
  auto from = ResolveRoot(g, from_id, at);
  if (!from.ok()) {
    return from.status();
  }
  auto to = ResolveRoot(g, to_id, at);
  if (!to.ok()) {
    return to.status();
  }
  const std::int64_t t = Instant(at);
  Scratch& s = Scratch::ForThread();
  s.Begin(g.node_count());
  auto& queue = s.queue();
  queue.clear();
  queue.push_back(*from);
  s.Visit(*from);
  s.parent(*from) = kNone;
  bool found = *from == *to;
  for (std::size_t head = 0; head < queue.size() && !found; ++head) {
    const std::uint32_t v = queue[head];
    const auto step = [&](std::uint32_t, std::uint32_t w) {
      if (!found && s.Visit(w)) {
        s.parent(w) = v;
        queue.push_back(w);
        found = w == *to;
      }
    };
    if (direction != Direction::kUpstream) {
      ForEachValidEdge(g, v, true, t, kAllKinds, kAllEvidence, step);
    }
    if (direction != Direction::kDownstream) {
      ForEachValidEdge(g, v, false, t, kAllKinds, kAllEvidence, step);
    }
  }
  if (!found) {
    return std::optional<std::vector<std::string_view>>();
  }
  std::vector<std::string_view> path;
  for (std::uint32_t x = *to; x != kNone; x = s.parent(x)) {
    path.push_back(g.id(x));
  }
  std::reverse(path.begin(), path.end());
  return std::optional<std::vector<std::string_view>>(std::move(path));
}

int SearchRank(std::string_view name, std::string_view text, std::string_view lowered_needle) {
  if (lowered_needle.empty()) {
    return 2;
  }
  const auto same = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
  if (name.size() >= lowered_needle.size() &&
      std::equal(lowered_needle.begin(), lowered_needle.end(), name.begin(),
                 [&](char n, char c) { return same(c, n); })) {
    return name.size() == lowered_needle.size() ? 0 : 1;
  }
  return ContainsIgnoringCase(text, lowered_needle) ? 2 : -1;
}

std::vector<NodeView> Search(const GraphSnapshot& g, const SearchQuery& query) {
  const std::string needle = AsciiLower(query.q);
  std::vector<std::pair<int, std::uint32_t>> matches;  // (rank, node)
  for (std::uint32_t v = 0; v < g.node_count(); ++v) {
    if (query.kind && g.node(v).kind != *query.kind) {
      continue;
    }
    const auto id = g.id(v);
    if (!ContainsIgnoringCase(id, needle)) {
      continue;  // the name is part of the id: nothing else can match
    }
    matches.emplace_back(SearchRank(ViewNode(g, v).name, id, needle), v);
  }
  const std::size_t n = std::min(query.limit, matches.size());
  const auto ranked = [&g](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : g.id(a.second) < g.id(b.second);
  };
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(n),
                    matches.end(), ranked);
  std::vector<NodeView> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(ViewNode(g, matches[i].second));
  }
  return out;
}

Result<NodeView> Node(const GraphSnapshot& g, std::string_view id) {
  const std::uint32_t v = g.Find(id);
  if (v == kNone) {
    return NotFound("unknown node \"" + std::string(id) + "\"");
  }
  return ViewNode(g, v);
}

std::vector<std::string_view> UnresolvedOwnership(const GraphSnapshot& g) {
  std::vector<std::string_view> out;
  for (std::uint32_t v = 0; v < g.node_count(); ++v) {
    if (g.node(v).kind != NodeKind::kTeam && !g.OwnerOf(v)) {
      out.push_back(g.id(v));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json NodeToJson(const GraphSnapshot& g, const NodeView& node) {
  nlohmann::json attributes = nlohmann::json::object();
  if (const NodeAttributes* a = g.attributes(node.index); a != nullptr && !a->packed.empty()) {
    auto j = nlohmann::json::from_msgpack(a->packed.begin(), a->packed.end(), true, false);
    if (j.is_object()) {
      attributes = std::move(j);
    }
  }
  if (const auto owner = g.OwnerOf(node.index)) {
    attributes["team"] = std::string(owner->team);
    attributes["team_source"] = std::string(ToString(owner->source));
  }
  attributes["first_seen"] = FormatRfc3339(FromMillis(g.node(node.index).created));
  return {{"id", node.id},
          {"kind", ToString(node.kind)},
          {"name", node.name},
          {"attributes", std::move(attributes)}};
}

nlohmann::json EdgeToJson(const EdgeView& edge) {
  nlohmann::json evidence = nlohmann::json::array();
  for (const std::uint8_t bit : {kObserved, kPermitted, kDeclared}) {
    if ((edge.evidence & bit) != 0) {
      evidence.push_back(EvidenceName(bit));
    }
  }
  return {{"from", edge.from},
          {"to", edge.to},
          {"kind", ToString(edge.kind)},
          {"evidence", std::move(evidence)},
          {"first_seen", FormatRfc3339(edge.first_seen)},
          {"last_seen", FormatRfc3339(edge.last_seen)},
          {"active", edge.active}};
}

nlohmann::json ToJson(const GraphSnapshot& g, const LineageResult& result) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeView& n : result.nodes) {
    nodes.push_back(NodeToJson(g, n));
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const EdgeView& e : result.edges) {
    edges.push_back(EdgeToJson(e));
  }
  return {{"root", result.root},
          {"at", result.at ? nlohmann::json(FormatRfc3339(*result.at)) : nlohmann::json()},
          {"nodes", std::move(nodes)},
          {"edges", std::move(edges)}};
}

namespace {

void AppendEscaped(std::string_view text, std::string& out) {
  out += '"';
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out += HexEncode(std::string_view(&ch, 1));
      }
    } else {
      out += ch;
    }
  }
  out += '"';
}

// "YYYY-MM-DDTHH:MM:SS.mmmZ", quoted, as FormatRfc3339 writes it.
void AppendTime(Timestamp t, std::string& out) {
  using namespace std::chrono;
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd(days);
  const auto ms = (t - days).count();
  char buf[26];
  const auto put = [&](int at, long value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    out += '"' + FormatRfc3339(t) + '"';
    return;
  }
  buf[0] = '"';
  put(1, year, 4);
  buf[5] = '-';
  put(6, static_cast<unsigned>(ymd.month()), 2);
  buf[8] = '-';
  put(9, static_cast<unsigned>(ymd.day()), 2);
  buf[11] = 'T';
  put(12, ms / 3600000, 2);
  buf[14] = ':';
  put(15, ms / 60000 % 60, 2);
  buf[17] = ':';
  put(18, ms / 1000 % 60, 2);
  buf[20] = '.';
  put(21, ms % 1000, 3);
  buf[24] = 'Z';
  buf[25] = '"';
  out.append(buf, sizeof buf);
}

}  // namespace

void AppendJson(const GraphSnapshot& g, const LineageResult& result, std::string& out) {
  // Keys in sorted order, as nlohmann::json's dump of ToJson() has them.
  out += "{\"at\":";
  if (result.at) {
    AppendTime(*result.at, out);
  } else {
    out += "null";
  }
  out += ",\"edges\":[";
  bool first = true;
  for (const EdgeView& e : result.edges) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"active\":";
    out += e.active ? "true" : "false";
    out += ",\"evidence\":[";
    bool first_evidence = true;
    for (const std::uint8_t bit : {kObserved, kPermitted, kDeclared}) {
      if ((e.evidence & bit) != 0) {
        if (!first_evidence) {
          out += ',';
        }
        first_evidence = false;
        AppendEscaped(EvidenceName(bit), out);
      }
    }
    out += "],\"first_seen\":";
    AppendTime(e.first_seen, out);
    out += ",\"from\":";
    AppendEscaped(e.from, out);
    out += ",\"kind\":";
    AppendEscaped(ToString(e.kind), out);
    out += ",\"last_seen\":";
    AppendTime(e.last_seen, out);
    out += ",\"to\":";
    AppendEscaped(e.to, out);
    out += '}';
  }
  out += "],\"nodes\":[";
  first = true;
  for (const NodeView& n : result.nodes) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"attributes\":";
    const NodeAttributes* a = g.attributes(n.index);
    if (a != nullptr && !a->packed.empty()) {
      // Catalog or membership attributes: rare on the hot path; merged as ToJson does.
      out += NodeToJson(g, n)["attributes"].dump(-1, ' ', false,
                                                 nlohmann::json::error_handler_t::replace);
    } else {
      out += "{\"first_seen\":";
      AppendTime(FromMillis(g.node(n.index).created), out);
      if (const auto owner = g.OwnerOf(n.index)) {
        out += ",\"team\":";
        AppendEscaped(owner->team, out);
        out += ",\"team_source\":";
        AppendEscaped(ToString(owner->source), out);
      }
      out += '}';
    }
    out += ",\"id\":";
    AppendEscaped(n.id, out);
    out += ",\"kind\":";
    AppendEscaped(ToString(n.kind), out);
    out += ",\"name\":";
    AppendEscaped(n.name, out);
    out += '}';
  }
  out += "],\"root\":";
  AppendEscaped(result.root, out);
  out += '}';
}

nlohmann::json ToJson(const ImpactResult& result) {
  nlohmann::json consumers = nlohmann::json::array();
  for (const ImpactConsumer& c : result.consumers) {
    consumers.push_back({{"id", c.node.id},
                         {"kind", ToString(c.node.kind)},
                         {"team", c.team ? nlohmann::json(*c.team) : nlohmann::json()},
                         {"depth", c.depth},
                         {"path", result.path(c)}});
  }
  nlohmann::json teams = nlohmann::json::array();
  for (const ImpactTeam& t : result.teams) {
    teams.push_back({{"team", t.team}, {"consumers", t.consumers}, {"contacts", t.contacts}});
  }
  return {{"root", result.root}, {"consumers", std::move(consumers)}, {"teams", std::move(teams)}};
}

nlohmann::json NodesToJson(const GraphSnapshot& g, const std::vector<NodeView>& nodes) {
  nlohmann::json out = nlohmann::json::array();
  for (const NodeView& n : nodes) {
    out.push_back(NodeToJson(g, n));
  }
  return {{"nodes", std::move(out)}};
}

}  // namespace tributary::graph
