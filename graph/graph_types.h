#pragma once
// The lineage graph's storage records, shared by the writer (LineageProjection)
// and the immutable snapshots it publishes (GraphSnapshot). Plain values, no
// behaviour beyond small helpers; see graph/README.md for the invariants.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "graph/chunked.h"
#include "tributary/ids.h"

namespace tributary::graph {

enum class EdgeKind : std::uint8_t { kConsumes = 0, kProduces = 1 };
std::string_view ToString(EdgeKind kind);

// Evidence is a bit set so filters are masks.
enum Evidence : std::uint8_t {
  kObserved = 1,   // offsets, audit log, OpenLineage
  kPermitted = 2,  // an ALLOW ACL
  kDeclared = 4,   // the catalog
};
inline constexpr std::uint8_t kAllEvidence = kObserved | kPermitted | kDeclared;
// "observed" | "permitted" | "declared"; REQUIRES: a single bit.
std::string_view EvidenceName(std::uint8_t evidence);
// 0 for an unknown name.
std::uint8_t ParseEvidence(std::string_view name);

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
// The end of an interval that has not ended.
inline constexpr std::int64_t kOpen = std::numeric_limits<std::int64_t>::max();

// One validity interval [start, end) of one kind of evidence, in milliseconds.
struct Interval {
  std::int64_t start = 0;
  std::int64_t end = kOpen;
  std::uint32_t next = kNone;  // the edge's next extra interval in the pool
  std::uint8_t evidence = 0;
};

// An edge. The first interval is stored inline; further intervals (another kind
// of evidence, or the same evidence again after a gap) chain through the pool.
struct EdgeRecord {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::int64_t start0 = 0;
  std::int64_t end0 = kOpen;
  std::int64_t last_seen = 0;
  std::uint32_t extra = kNone;  // first extra interval in the pool
  EdgeKind kind = EdgeKind::kConsumes;
  std::uint8_t evidence0 = 0;
};

// Catalog and membership data of a node. Immutable once shared.
struct NodeAttributes {
  std::string explicit_owner;  // ownership_assigned
  std::string product_owner;   // topics: the owner of the product published on it
  std::string packed;          // MessagePack of the attributes JSON object
};

struct NodeRecord {
  ArenaRef id;
  std::int64_t created = 0;          // the time of the node's first event
  std::uint32_t attributes = kNone;  // index into the attributes array
  std::uint16_t route = 0xffff;      // first matching [[routes]] rule, 0xffff for none
  NodeKind kind = NodeKind::kTopic;
  // The attributes name an explicit or product owner (so ownership by route
  // needs no look at them).
  bool attribute_owner = false;
};

// Chunk sizes trade publish cost (one pointer per chunk) against the copy a
// write to a shared chunk makes.
using NodeArray = ChunkedArray<NodeRecord, 8>;
using EdgeArray = ChunkedArray<EdgeRecord, 7>;
using IntervalArray = ChunkedArray<Interval, 7>;
using AttributeArray = ChunkedArray<std::shared_ptr<const NodeAttributes>, 8>;
// Per edge, a byte summarising its state now: the evidence bits with an open
// interval, plus kProducesFlag for produces edges. A dense 1 byte per edge, so
// traversals "now" read it instead of the 40-byte record.
inline constexpr std::uint8_t kProducesFlag = 0x80;
using EdgeStateArray = ChunkedArray<std::uint8_t, 12>;

}  // namespace tributary::graph
