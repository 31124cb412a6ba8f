#pragma once
// GraphSnapshot: an immutable, self-contained view of the lineage graph as of
// one published batch. LineageProjection::Publish() builds one; readers take it
// with LineageProjection::snapshot() and run the queries of graph/queries.h on it.
//
// Lifetime: a snapshot owns (shares) everything it reads; hold the shared_ptr
// for as long as any string_view obtained from it is used.
// Thread-safety: all methods are const and safe to call from any number of
// threads at once; the writer never modifies what a snapshot can reach.
//
// Topology: edges [0, base.edges) are in a Boost.Graph compressed_sparse_row_graph
// (bidirectional: out- and in-edges); edges added since that CSR was built are in
// a small sorted delta. Edge ids are stable: an edge is never removed, it ends.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "graph/graph_types.h"
#include "tributary/ids.h"

namespace tributary::graph {

// The instant "now" in queries: inside every interval that has not ended and
// in none that has.
inline constexpr std::int64_t kNow = kOpen - 1;

// An open-addressing table from node id to node index. The ids live in the
// arena; the table holds indices only, in copy-on-write chunks: a copy (the
// one a snapshot holds) shares every chunk, and the writer copies a chunk only
// when it inserts into it while a copy still shares it.
class NodeIndex {
 public:
  template <typename IdOf>
  std::uint32_t Find(std::string_view id, const IdOf& id_of) const {
    if (slots_.size() == 0) {
      return kNone;
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash(id) & mask;; i = (i + 1) & mask) {
      const std::uint32_t v = slots_[i];
      if (v == kNone) {
        return kNone;
      }
      if (id_of(v) == id) {
        return v;
      }
    }
  }
  // REQUIRES: `id` is not in the table.
  template <typename IdOf>
  void Insert(std::string_view id, std::uint32_t node, const IdOf& id_of) {
    if ((count_ + 1) * 2 > slots_.size()) {
      Grow(id_of);
    }
    Place(id, node);
    ++count_;
  }
  void Clear() {
    slots_.Clear();
    count_ = 0;
  }
  std::size_t capacity_bytes() const { return slots_.capacity_bytes(); }

 private:
  using Slots = ChunkedArray<std::uint32_t, 12>;
  static std::size_t Hash(std::string_view id) { return std::hash<std::string_view>{}(id); }
  void Place(std::string_view id, std::uint32_t node) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = Hash(id) & mask;
    while (slots_[i] != kNone) {
      i = (i + 1) & mask;
    }
    slots_.Mutable(i) = node;
  }
  template <typename IdOf>
  void Grow(const IdOf& id_of) {
    const std::size_t old_size = slots_.size();
    Slots old = std::move(slots_);
    slots_ = Slots();
    slots_.Resize(old_size == 0 ? 1024 : old_size * 2, kNone);
    for (std::size_t i = 0; i < old_size; ++i) {
      if (const std::uint32_t v = old[i]; v != kNone) {
        Place(id_of(v), v);
      }
    }
  }

  Slots slots_;
  std::size_t count_ = 0;
};

struct EdgeRef {
  std::uint32_t id = 0;  // the edge's stable id (index into the edge array)
};

using Csr = boost::compressed_sparse_row_graph<boost::bidirectionalS, boost::no_property, EdgeRef,
                                               boost::no_property, std::uint32_t, std::uint32_t>;

// Edges [0, edges) over vertices [0, nodes), in CSR form both ways.
struct BaseTopology {
  Csr csr;
  std::uint32_t nodes = 0;
  std::uint32_t edges = 0;
};

// Edges [first_edge, ...) added after the base was built, sorted by endpoint.
struct DeltaTopology {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;  // (from, edge)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> in;   // (to, edge)
  // Bit v set: v has an edge in `out` / `in`, so most nodes skip the search.
  std::vector<std::uint64_t> has_out;
  std::vector<std::uint64_t> has_in;

  static bool Has(const std::vector<std::uint64_t>& bits, std::uint32_t v) {
    return (v >> 6) < bits.size() && ((bits[v >> 6] >> (v & 63)) & 1) != 0;
  }
  // Sets the bits from `out` and `in`.
  void Mark() {
    for (const auto& [v, e] : out) {
      if ((v >> 6) >= has_out.size()) {
        has_out.resize((v >> 6) + 1, 0);
      }
      has_out[v >> 6] |= std::uint64_t{1} << (v & 63);
    }
    for (const auto& [v, e] : in) {
      if ((v >> 6) >= has_in.size()) {
        has_in.resize((v >> 6) + 1, 0);
      }
      has_in[v >> 6] |= std::uint64_t{1} << (v & 63);
    }
  }
};

enum class OwnerSource { kExplicit, kProduct, kRoute };
std::string_view ToString(OwnerSource source);  // "explicit" | "product" | "route"

struct Owner {
  std::string_view team;
  OwnerSource source;
};

using Routes = std::vector<std::pair<std::string, std::string>>;  // glob -> team

class GraphSnapshot {
 public:
  // Everything a snapshot shares; filled by LineageProjection::Publish().
  struct Parts {
    FrozenArena ids;
    NodeArray::Frozen nodes;
    EdgeArray::Frozen edges;
    IntervalArray::Frozen intervals;
    EdgeStateArray::Frozen edge_state;
    AttributeArray::Frozen attributes;
    std::shared_ptr<const NodeIndex> index;
    std::shared_ptr<const BaseTopology> base;
    std::shared_ptr<const DeltaTopology> delta;
    std::shared_ptr<const std::map<std::string, std::uint32_t, std::less<>>> products;
    std::shared_ptr<const Routes> routes;
    EventSeq applied_seq;
    std::uint64_t version = 0;
  };

  GraphSnapshot();  // empty
  explicit GraphSnapshot(Parts parts) : p_(std::move(parts)) {}

  std::uint32_t node_count() const { return static_cast<std::uint32_t>(p_.nodes.size()); }
  std::uint32_t edge_count() const { return static_cast<std::uint32_t>(p_.edges.size()); }
  // The last event applied before publication, and a counter of publications.
  EventSeq applied_seq() const { return p_.applied_seq; }
  std::uint64_t version() const { return p_.version; }

  // The node index of `id`, or kNone. "product:<name>" resolves to the
  // product's topic.
  std::uint32_t Find(std::string_view id) const;

  // REQUIRES for the accessors below: index < node_count() / edge_count().
  const NodeRecord& node(std::uint32_t v) const { return p_.nodes[v]; }
  std::string_view id(std::uint32_t v) const { return p_.ids.Get(p_.nodes[v].id); }
  // Null when the node has no attributes.
  const NodeAttributes* attributes(std::uint32_t v) const;
  const EdgeRecord& edge(std::uint32_t e) const { return p_.edges[e]; }
  // Hints that edge(e) / node(v) and its id are about to be read.
  void Prefetch(std::uint32_t e) const { __builtin_prefetch(&p_.edges[e]); }
  void PrefetchNode(std::uint32_t v) const { __builtin_prefetch(&p_.nodes[v]); }
  // Hints for a traversal about to expand v: first the bounds of its row of
  // out-edges, later (once those are loaded) the row itself.
  void PrefetchOutRow(std::uint32_t v) const {
    if (v < p_.base->nodes) {
      __builtin_prefetch(&p_.base->csr.m_forward.m_rowstart[v]);
    }
  }
  void PrefetchOutEdges(std::uint32_t v) const {
    const Csr& csr = p_.base->csr;
    if (v < p_.base->nodes) {
      const std::uint32_t first = csr.m_forward.m_rowstart[v];
      if (first != csr.m_forward.m_rowstart[v + 1]) {
        __builtin_prefetch(&csr.m_forward.m_column[first]);
        __builtin_prefetch(&csr[*boost::out_edges(v, csr).first]);
      }
    }
  }
  const Interval& interval(std::uint32_t i) const { return p_.intervals[i]; }
  // Open evidence bits | kProducesFlag; see EdgeStateArray.
  std::uint8_t edge_state(std::uint32_t e) const { return p_.edge_state[e]; }

  // Calls f(edge id) for each edge leaving / entering v, ended ones included.
  template <typename F>
  void ForEachOutEdge(std::uint32_t v, F&& f) const;
  template <typename F>
  void ForEachInEdge(std::uint32_t v, F&& f) const;
  // Calls f(edge id, the other endpoint) for each edge leaving / entering v;
  // the endpoint comes from the topology, not the edge record.
  template <typename F>
  void ForEachOutNeighbour(std::uint32_t v, F&& f) const;
  template <typename F>
  void ForEachInNeighbour(std::uint32_t v, F&& f) const;

  // The evidence bits of `e` valid at `t` (kNow: valid now).
  std::uint8_t EvidenceAt(const EdgeRecord& e, std::int64_t t) const;
  // Every evidence the edge has ever had.
  std::uint8_t EvidenceEver(const EdgeRecord& e) const;
  std::int64_t FirstSeen(const EdgeRecord& e) const;
  // When the last interval ended; nullopt while any interval is open.
  std::optional<std::int64_t> EndedAt(const EdgeRecord& e) const;

  // Ownership, in order: explicit assignment, the owner of the product on a
  // topic, the first matching [[routes]] glob. nullopt when none applies.
  std::optional<Owner> OwnerOf(std::uint32_t v) const;
  const Routes& routes() const { return *p_.routes; }

 private:
  Parts p_;
};

template <typename F>
void GraphSnapshot::ForEachOutEdge(std::uint32_t v, F&& f) const {
  const BaseTopology& base = *p_.base;
  if (v < base.nodes) {
    for (auto [it, end] = boost::out_edges(v, base.csr); it != end; ++it) {
      f(base.csr[*it].id);
    }
  }
  if (!DeltaTopology::Has(p_.delta->has_out, v)) {
    return;
  }
  const auto& out = p_.delta->out;
  auto it = std::lower_bound(out.begin(), out.end(), std::pair<std::uint32_t, std::uint32_t>{v, 0});
  for (; it != out.end() && it->first == v; ++it) {
    f(it->second);
  }
}

template <typename F>
void GraphSnapshot::ForEachInEdge(std::uint32_t v, F&& f) const {
  const BaseTopology& base = *p_.base;
  if (v < base.nodes) {
    for (auto [it, end] = boost::in_edges(v, base.csr); it != end; ++it) {
      f(base.csr[*it].id);
    }
  }
  if (!DeltaTopology::Has(p_.delta->has_in, v)) {
    return;
  }
  const auto& in = p_.delta->in;
  auto it = std::lower_bound(in.begin(), in.end(), std::pair<std::uint32_t, std::uint32_t>{v, 0});
  for (; it != in.end() && it->first == v; ++it) {
    f(it->second);
  }
}

template <typename F>
void GraphSnapshot::ForEachOutNeighbour(std::uint32_t v, F&& f) const {
  const BaseTopology& base = *p_.base;
  if (v < base.nodes) {
    for (auto [it, end] = boost::out_edges(v, base.csr); it != end; ++it) {
      f(base.csr[*it].id, static_cast<std::uint32_t>(boost::target(*it, base.csr)));
    }
  }
  if (!DeltaTopology::Has(p_.delta->has_out, v)) {
    return;
  }
  const auto& out = p_.delta->out;
  auto it = std::lower_bound(out.begin(), out.end(), std::pair<std::uint32_t, std::uint32_t>{v, 0});
  for (; it != out.end() && it->first == v; ++it) {
    f(it->second, p_.edges[it->second].to);
  }
}

template <typename F>
void GraphSnapshot::ForEachInNeighbour(std::uint32_t v, F&& f) const {
  const BaseTopology& base = *p_.base;
  if (v < base.nodes) {
    for (auto [it, end] = boost::in_edges(v, base.csr); it != end; ++it) {
      f(base.csr[*it].id, static_cast<std::uint32_t>(boost::source(*it, base.csr)));
    }
  }
  if (!DeltaTopology::Has(p_.delta->has_in, v)) {
    return;
  }
  const auto& in = p_.delta->in;
  auto it = std::lower_bound(in.begin(), in.end(), std::pair<std::uint32_t, std::uint32_t>{v, 0});
  for (; it != in.end() && it->first == v; ++it) {
    f(it->second, p_.edges[it->second].from);
  }
}

// Shared by writer and snapshot: builds the CSR of edges [0, count).
std::shared_ptr<const BaseTopology> BuildBaseTopology(const EdgeArray& edges, std::uint32_t count,
                                                      std::uint32_t nodes);
// The same from a frozen view of the edges (for a build off the writer thread).
std::shared_ptr<const BaseTopology> BuildBaseTopology(const EdgeArray::Frozen& edges,
                                                      std::uint32_t count, std::uint32_t nodes);

}  // namespace tributary::graph
