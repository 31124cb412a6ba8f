#pragma once
// LineageProjection: the writer side of the lineage graph (DESIGN.md §4).
//
// Applies domain events to a mutable graph of nodes (topics, groups,
// principals, jobs, teams, datasets) and edges that follow the data
// (producer -> topic -> consumer). Edges are never removed: each carries, per
// kind of evidence, the intervals [start, end) during which it was valid, so a
// query at any past instant sees exactly the edges valid then. ACL bindings are
// kept and evaluated against every topic of their cluster, including topics
// that appear later. See graph/README.md for the invariants.
//
// Publication: Publish() freezes the state applied so far into an immutable
// GraphSnapshot (sharing unchanged storage chunks, so it costs roughly one
// pointer per chunk plus the edges added since the last publication) and swaps
// it in under a mutex held only for the pointer swap. Readers call snapshot()
// (a pointer copy) and never wait for the writer's work nor
// see a half-applied batch.
//
// Thread-safety: Apply, Publish, Snapshot, Restore, Reset and Digest belong to
// the single writer thread. snapshot() may be called from any thread.

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/projection.h"
#include "graph/graph_snapshot.h"

namespace tributary::msgpack {
class Reader;
}  // namespace tributary::msgpack

namespace tributary::graph {

// The writer's lists of the edges added since the base CSR, per endpoint,
// without an allocation per node: an open-addressing table from node to its
// first and last edge, and per edge the next one of the same node (id order).
class DeltaLists {
 public:
  DeltaLists() { Reset(0); }
  // Empty, for edges from `first_edge` on.
  void Reset(std::uint32_t first_edge) {
    first_ = first_edge;
    next_.clear();
    next_.shrink_to_fit();
    slots_.assign(kInitialSlots, Slot{});
    used_ = 0;
  }
  // REQUIRES: e is the next edge id (first_edge, first_edge + 1, ...).
  void Add(std::uint32_t v, std::uint32_t e) {
    next_.push_back(kNone);
    if ((used_ + 1) * 2 > slots_.size()) {
      Grow();
    }
    Slot& s = slots_[Probe(v)];
    if (s.node == kNone) {
      s = Slot{v, e, e, 1};
      ++used_;
      return;
    }
    next_[s.tail - first_] = e;
    s.tail = e;
    ++s.count;
  }
  std::uint32_t Count(std::uint32_t v) const { return slots_[Probe(v)].count; }
  template <typename F>
  void ForEach(std::uint32_t v, F&& f) const {
    const Slot& s = slots_[Probe(v)];
    if (s.node == kNone) {
      return;
    }
    for (std::uint32_t e = s.head; e != kNone; e = next_[e - first_]) {
      f(e);
    }
  }
  std::size_t capacity_bytes() const {
    return slots_.capacity() * sizeof(Slot) + next_.capacity() * sizeof(std::uint32_t);
  }

 private:
  static constexpr std::size_t kInitialSlots = 1024;
  struct Slot {
    std::uint32_t node = kNone;
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
    std::uint32_t count = 0;
  };
  // The slot of v, or the empty slot where it would go.
  std::size_t Probe(std::uint32_t v) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = ((std::uint64_t{v} * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (slots_[i].node != kNone && slots_[i].node != v) {
      i = (i + 1) & mask;
    }
    return i;
  }
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{});
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.node != kNone) {
        slots_[Probe(s.node)] = s;
      }
    }
  }

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
  std::vector<std::uint32_t> next_;  // by edge id - first_
  std::uint32_t first_ = 0;
};

class LineageProjection final : public Projection {
 public:
  // `routes`: [[routes]] rules in config order, glob over node ids -> team.
  explicit LineageProjection(Routes routes = {});
  LineageProjection(const LineageProjection&) = delete;
  LineageProjection& operator=(const LineageProjection&) = delete;
  ~LineageProjection() override;

  std::string_view name() const override { return "lineage"; }
  int snapshot_version() const override { return 1; }
  void Apply(const EventRecord& record) override;
  // Hash of Snapshot(): equal states give equal digests.
  std::string Digest() const override;
  std::string Snapshot() const override;
  // Freezes the state (shares the arrays' chunks, copies the small maps);
  // the job serializes it on whatever thread runs it.
  SnapshotJob CaptureSnapshot() const override;
  // Replaces the state; call Publish() afterwards to make it visible.
  Status Restore(std::string_view snapshot) override;
  // Back to empty; call Publish() afterwards to make it visible.
  void Reset() override;

  // Makes everything applied so far visible to readers, all at once. When the
  // edges not in the CSR pass a threshold, a new CSR is built off the writer
  // thread; a later Publish() adopts it once it is ready.
  void Publish();
  // Waits for a CSR build in flight, then publishes (tests and benchmarks that
  // want the topology settled).
  void PublishSettled();
  // The latest published snapshot; never null (empty before the first Publish).
  std::shared_ptr<const GraphSnapshot> snapshot() const {
    std::lock_guard lock(published_mu_);  // held for a pointer copy only
    return published_;
  }

  struct Stats {
    std::uint32_t nodes = 0;
    std::uint32_t edges = 0;
    std::uint32_t extra_intervals = 0;
    std::uint32_t delta_edges = 0;    // edges not yet in the base CSR
    std::uint64_t base_rebuilds = 0;  // CSR rebuilds so far
    std::size_t storage_bytes = 0;    // chunks, indexes and CSR held by the writer
  };
  Stats stats() const;

 private:
  struct AclRule {
    std::string principal;
    std::uint8_t ops = 0;  // kRead | kWrite
    bool deny = false;
    bool operator==(const AclRule&) const = default;
  };
  struct ClusterAcls {
    std::map<std::string, std::vector<AclRule>, std::less<>> literal;
    std::map<std::string, std::vector<AclRule>, std::less<>> prefixed;
    std::vector<AclRule> any;  // LITERAL "*"
  };

  struct FrozenState;
  std::shared_ptr<const FrozenState> Freeze() const;
  static std::string Serialize(const FrozenState& f);

  std::string_view IdOf(std::uint32_t v) const { return ids_.Get(nodes_[v].id); }
  std::uint32_t FindNode(std::string_view id) const;
  std::uint32_t EnsureNode(const NodeId& id, std::int64_t t);
  // Scans the smaller of from's out-edges and to's in-edges.
  std::uint32_t FindEdge(std::uint32_t from, std::uint32_t to) const;
  std::size_t OutDegree(std::uint32_t v) const;
  std::size_t InDegree(std::uint32_t v) const;
  std::uint32_t EnsureEdge(std::uint32_t from, std::uint32_t to, EdgeKind kind, std::uint8_t ev,
                           std::int64_t t);
  // Opens an interval of `ev` unless one is open; `refresh` bumps last_seen.
  void OpenEvidence(std::uint32_t e, std::uint8_t ev, std::int64_t t, bool refresh);
  void CloseEvidence(std::uint32_t e, std::uint8_t mask, std::int64_t t);
  bool HasOpen(const EdgeRecord& r, std::uint8_t ev) const;
  // Recomputes edge_state_[e] from the record.
  void UpdateState(std::uint32_t e);
  template <typename F>
  void ForEachOut(std::uint32_t v, F&& f) const;
  template <typename F>
  void ForEachIn(std::uint32_t v, F&& f) const;

  NodeAttributes AttributesOf(std::uint32_t v) const;
  void SetAttributes(std::uint32_t v, NodeAttributes attributes);

  void ApplyAcl(const AclBinding& acl, bool granted, std::int64_t t);
  // Brings the topic's permitted edges in line with the ACLs covering it.
  void ReconcileTopicAcls(std::uint32_t topic, std::int64_t t);
  std::vector<const AclRule*> CoveringRules(std::string_view cluster, std::string_view name) const;
  bool AclPermits(std::uint32_t topic, std::string_view principal, std::uint8_t op) const;

  void SetProductAttributes(std::uint32_t topic, const std::string& product,
                            const nlohmann::json& fields);
  void ClearProductAttributes(std::uint32_t topic);

  // One handler per event kind that changes the graph; `t` is the event time in ms.
  void ApplyConsumerStarted(const ConsumerStarted& e, std::int64_t t);
  void ApplyConsumerStopped(const ConsumerStopped& e, std::int64_t t);
  void ApplyConsumerProgress(const ConsumerProgress& e, std::int64_t t);
  void ApplyGroupMembersChanged(const GroupMembersChanged& e, std::int64_t t);
  void ApplyGroupDeleted(const GroupDeleted& e, std::int64_t t);
  void ApplyTopicIncarnation(const NodeId& topic, std::string_view what, std::int64_t t);
  std::int64_t TopicDeletedAt(std::uint32_t topic) const;
  void ApplyProducerObserved(const ProducerObserved& e, std::int64_t t);
  void ApplyProducerStopped(const ProducerStopped& e, std::int64_t t);
  void ApplyJobObserved(const JobObserved& e, std::int64_t t);
  void ApplyProductPublished(const ProductPublished& e, std::int64_t t);
  void ApplyProductUpdated(const ProductUpdated& e, std::int64_t t);
  void ApplyProductDeprecated(const ProductDeprecated& e);
  void ApplyProductUndeprecated(const ProductUndeprecated& e);
  void ApplyProductRetired(const ProductRetired& e);
  void ApplyTeamUpserted(const TeamUpserted& e, std::int64_t t);
  void ApplyOwnershipAssigned(const OwnershipAssigned& e, std::int64_t t);
  void ClearState();
  // Restore's steps, one per table of the snapshot, in its order.
  Status RestoreNodes(msgpack::Reader& r);
  Status RestoreEdges(msgpack::Reader& r);
  Status RestoreAcls(msgpack::Reader& r);
  Status RestoreProducts(msgpack::Reader& r);

  std::shared_ptr<const Routes> routes_;
  StringArena ids_;
  NodeArray nodes_;
  NodeIndex index_;
  EdgeArray edges_;
  IntervalArray intervals_;
  EdgeStateArray edge_state_;
  AttributeArray attributes_;
  std::map<std::string, std::uint32_t, std::less<>> products_;  // product name -> topic
  // cluster -> its topic nodes; sorted by id up to `sorted`, the rest appended
  // since (sorted on demand by the next prefix lookup).
  struct ClusterTopics {
    std::vector<std::uint32_t> nodes;
    std::size_t sorted = 0;
  };
  std::map<std::string, ClusterTopics, std::less<>> topics_;
  std::map<std::string, ClusterAcls, std::less<>> acls_;
  EventSeq applied_seq_;

  // Topology: the CSR of edges [0, base_->edges) and the writer's own view of
  // the edges added since.
  std::shared_ptr<const BaseTopology> base_;
  DeltaLists delta_out_;
  DeltaLists delta_in_;
  std::uint64_t base_rebuilds_ = 0;
  // A CSR being built off the writer thread from a frozen view of the edges.
  std::future<std::shared_ptr<const BaseTopology>> pending_base_;
  // Makes `base` the CSR; the edges it lacks become the delta.
  void AdoptBase(std::shared_ptr<const BaseTopology> base);

  // Publication state: what the last snapshot shares, to reuse it unchanged.
  std::shared_ptr<const DeltaTopology> published_delta_;
  std::uint32_t published_delta_edges_ = 0;
  std::shared_ptr<const NodeIndex> published_index_;
  std::shared_ptr<const std::map<std::string, std::uint32_t, std::less<>>> published_products_;
  bool index_dirty_ = true;
  bool products_dirty_ = true;
  std::uint64_t version_ = 0;
  // A mutex-guarded pointer swap rather than std::atomic<std::shared_ptr>:
  // the critical sections are a reference-count increment, and libstdc++ 12's
  // atomic shared_ptr is opaque to ThreadSanitizer.
  mutable std::mutex published_mu_;
  std::shared_ptr<const GraphSnapshot> published_;
};

}  // namespace tributary::graph
