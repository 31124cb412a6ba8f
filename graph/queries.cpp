#include "graph/queries.h"

#include <algorithm>
#include <cctype>
#include <map>

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
    if (visited_.size() < n) {
      visited_.resize(n, 0);
      included_.resize(n, 0);
      parent_.resize(n, kNone);
      depth_.resize(n, 0);
    }
    NextVisitEpoch();
    if (++included_epoch_ == 0) {
      std::fill(included_.begin(), included_.end(), 0);
      included_epoch_ = 1;
    }
  }
  // A second traversal in the same query: new visited marks, same included marks.
  void NextVisitEpoch() {
    if (++visit_epoch_ == 0) {
      std::fill(visited_.begin(), visited_.end(), 0);
      visit_epoch_ = 1;
    }
  }
  // True the first time `v` is visited in this traversal.
  bool Visit(std::uint32_t v) {
    if (visited_[v] == visit_epoch_) {
      return false;
    }
    visited_[v] = visit_epoch_;
    return true;
  }
  bool Include(std::uint32_t v) {
    if (included_[v] == included_epoch_) {
      return false;
    }
    included_[v] = included_epoch_;
    return true;
  }
  std::uint32_t& parent(std::uint32_t v) { return parent_[v]; }
  std::uint16_t& depth(std::uint32_t v) { return depth_[v]; }
  std::vector<std::uint32_t>& queue() { return queue_; }

 private:
  std::vector<std::uint32_t> visited_;
  std::vector<std::uint32_t> included_;
  std::vector<std::uint32_t> parent_;
  std::vector<std::uint16_t> depth_;
  std::vector<std::uint32_t> queue_;
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

EdgeView ViewEdge(const GraphSnapshot& g, std::uint32_t e, std::int64_t t) {
  const EdgeRecord& r = g.edge(e);
  EdgeView view;
  view.index = e;
  view.from = g.id(r.from);
  view.to = g.id(r.to);
  view.kind = r.kind;
  view.evidence = g.EvidenceAt(r, t);
  view.first_seen = FromMillis(g.FirstSeen(r));
  view.last_seen = FromMillis(r.last_seen);
  const auto ended = g.EndedAt(r);
  view.active = !ended.has_value();
  if (ended) {
    view.ended_at = FromMillis(*ended);
  }
  return view;
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
// first included and every valid edge leaving an expanded node.
void Traverse(const GraphSnapshot& g, Scratch& s, std::uint32_t root, bool downstream, int depth,
              std::int64_t t, std::uint8_t kinds, std::uint8_t evidence,
              std::vector<std::uint32_t>& nodes, std::vector<std::uint32_t>& edges) {
  auto& queue = s.queue();
  queue.clear();
  queue.push_back(root);
  s.Visit(root);
  s.depth(root) = 0;
  if (s.Include(root)) {
    nodes.push_back(root);
  }
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::uint32_t v = queue[head];
    const int d = s.depth(v);
    if (d >= depth) {
      continue;
    }
    ForEachValidEdge(g, v, downstream, t, kinds, evidence, [&](std::uint32_t e, std::uint32_t w) {
      edges.push_back(e);
      if (s.Visit(w)) {
        s.depth(w) = static_cast<std::uint16_t>(d + 1);
        queue.push_back(w);
        if (s.Include(w)) {
          nodes.push_back(w);
        }
      }
    });
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
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
  std::string_view body = view.id.substr(view.id.find(':') + 1);
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
  std::vector<std::uint32_t> nodes;
  std::vector<std::uint32_t> edges;
  if (query.direction != Direction::kUpstream) {
    Traverse(g, s, *root, true, query.depth, t, query.kinds, query.evidence, nodes, edges);
  }
  if (query.direction != Direction::kDownstream) {
    const std::size_t downstream_edges = edges.size();
    s.NextVisitEpoch();
    std::vector<std::uint32_t> up;
    Traverse(g, s, *root, false, query.depth, t, query.kinds, query.evidence, nodes, up);
    if (downstream_edges == 0) {
      edges = std::move(up);
    } else {
      // An edge on a cycle through the root is reached both ways; keep it once.
      std::vector<std::uint32_t> seen(edges.begin(), edges.end());
      std::sort(seen.begin(), seen.end());
      for (const std::uint32_t e : up) {
        if (!std::binary_search(seen.begin(), seen.end(), e)) {
          edges.push_back(e);
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
  result.edges.reserve(edges.size());
  for (const std::uint32_t e : edges) {
    result.edges.push_back(ViewEdge(g, e, t));
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

Result<ImpactResult> Impact(const GraphSnapshot& g, std::string_view root_id,
                            std::optional<Timestamp> at, std::uint8_t evidence) {
  auto root = ResolveRoot(g, root_id, at);
  if (!root.ok()) {
    return root.status();
  }
  const std::int64_t t = Instant(at);
  Scratch& s = Scratch::ForThread();
  s.Begin(g.node_count());
  auto& queue = s.queue();
  queue.clear();
  queue.push_back(*root);
  s.Visit(*root);
  s.depth(*root) = 0;
  s.parent(*root) = kNone;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::uint32_t v = queue[head];
    const std::uint16_t d = s.depth(v);
    ForEachValidEdge(g, v, true, t, kAllKinds, evidence, [&](std::uint32_t, std::uint32_t w) {
      if (s.Visit(w)) {
        s.depth(w) = static_cast<std::uint16_t>(std::min<int>(d + 1, 0xffff));
        s.parent(w) = v;
        queue.push_back(w);
      }
    });
  }
  ImpactResult result;
  result.root = g.id(*root);
  std::map<std::string_view, std::size_t> team_slots;
  // Breadth-first order is already by depth, and deterministic.
  for (std::size_t i = 1; i < queue.size(); ++i) {
    const std::uint32_t v = queue[i];
    const NodeKind kind = g.node(v).kind;
    if (kind == NodeKind::kTopic || kind == NodeKind::kDataset || kind == NodeKind::kTeam) {
      continue;
    }
    ImpactConsumer c;
    c.node = ViewNode(g, v);
    c.depth = s.depth(v);
    c.path_offset = static_cast<std::uint32_t>(result.path_storage.size());
    result.path_storage.resize(result.path_storage.size() + c.depth + 1);
    std::size_t slot = result.path_storage.size();
    for (std::uint32_t x = v; x != kNone; x = s.parent(x)) {
      result.path_storage[--slot] = g.id(x);
    }
    if (const auto owner = g.OwnerOf(v)) {
      c.team = owner->team;
      auto [it, inserted] = team_slots.emplace(owner->team, result.teams.size());
      if (inserted) {
        result.teams.push_back(
            ImpactTeam{std::string(owner->team), {}, TeamContacts(g, owner->team)});
      }
      result.teams[it->second].consumers.push_back(c.node.id);
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

std::vector<NodeView> Search(const GraphSnapshot& g, const SearchQuery& query) {
  const std::string needle = Lower(query.q);
  std::vector<std::uint32_t> matches;
  for (std::uint32_t v = 0; v < g.node_count(); ++v) {
    if (query.kind && g.node(v).kind != *query.kind) {
      continue;
    }
    if (ContainsIgnoringCase(g.id(v), needle)) {
      matches.push_back(v);
    }
  }
  const std::size_t n = std::min(query.limit, matches.size());
  const auto by_id = [&g](std::uint32_t a, std::uint32_t b) { return g.id(a) < g.id(b); };
  std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(n),
                    matches.end(), by_id);
  std::vector<NodeView> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(ViewNode(g, matches[i]));
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
