#pragma once
// Lineage queries: pure functions over an immutable GraphSnapshot.
//
// Results hold string_views into the snapshot (node ids, names): keep the
// snapshot's shared_ptr alive while a result is used. The functions are
// thread-safe (each thread keeps its own traversal scratch space) and never
// modify the snapshot.
//
// "Downstream" follows the data: producer -> topic -> consumer, and a job ->
// its output topics -> their consumers. Each traversal visits a node once, so
// cycles (a job reading and writing the same topic) never loop. `at` absent
// means "now": only edges with an interval that has not ended; `at` = T sees
// the edges with an interval [start, end) containing T.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/graph_snapshot.h"
#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::graph {

enum class Direction { kDownstream, kUpstream, kBoth };
// "downstream" | "upstream" | "both"
Result<Direction> ParseDirection(std::string_view text);

// Edge kind filter bits.
inline constexpr std::uint8_t kConsumesBit = 1;
inline constexpr std::uint8_t kProducesBit = 2;
inline constexpr std::uint8_t kAllKinds = kConsumesBit | kProducesBit;
// A comma-separated list ("consumes,produces"; empty: all) into bits.
Result<std::uint8_t> ParseKinds(std::string_view text);
// A comma-separated list ("observed,permitted,declared"; empty: all) into bits.
Result<std::uint8_t> ParseEvidenceFilter(std::string_view text);

inline constexpr int kMaxDepth = 100;

struct NodeView {
  std::uint32_t index = kNone;
  std::string_view id;
  NodeKind kind = NodeKind::kTopic;
  std::string_view name;  // the part after "<cluster>/" or "<namespace>/", else the body
};

struct EdgeView {
  std::uint32_t index = kNone;
  std::string_view from;
  std::string_view to;
  EdgeKind kind = EdgeKind::kConsumes;
  std::uint8_t evidence = 0;  // valid at the query's instant
  Timestamp first_seen;
  Timestamp last_seen;
  bool active = false;                // valid now, whatever `at` was
  std::optional<Timestamp> ended_at;  // when no interval is open
};

struct LineageQuery {
  std::string root;  // a node id, or product:<name>
  Direction direction = Direction::kDownstream;
  int depth = 3;  // in edges, 1..kMaxDepth
  std::optional<Timestamp> at;
  std::uint8_t kinds = kAllKinds;
  std::uint8_t evidence = kAllEvidence;
};

struct LineageResult {
  std::string_view root;  // the resolved root id
  std::optional<Timestamp> at;
  std::vector<NodeView> nodes;  // root first, then in traversal order
  std::vector<EdgeView> edges;
};

// InvalidArgument for a depth outside 1..100 or empty filters; NotFound for an
// unknown root or one that did not exist yet at `at`.
Result<LineageResult> Lineage(const GraphSnapshot& g, const LineageQuery& query);

struct ImpactConsumer {
  NodeView node;
  std::optional<std::string_view> team;  // nullopt: ownership unresolved
  int depth = 0;
  std::uint32_t path_offset =
      0;  // the consumer's position in the traversal; see ImpactResult::path()
};

struct ImpactTeam {
  std::string team;
  std::vector<std::string_view> consumers;  // consumer ids
  std::vector<std::string> contacts;        // from team_upserted
};

struct ImpactResult {
  std::string_view root;
  std::vector<ImpactConsumer> consumers;     // by depth (breadth-first order)
  std::vector<ImpactTeam> teams;             // by team name
  std::vector<std::string_view> unresolved;  // consumers without a team, breadth-first

  // The consumer's path, root .. consumer inclusive (depth + 1 ids), built on
  // demand from the traversal below (the snapshot must still be alive).
  std::vector<std::string_view> path(const ImpactConsumer& c) const;

  // The breadth-first traversal: per position, the node reached and the
  // position of the node it was reached from (kNone for the root at 0).
  const GraphSnapshot* graph = nullptr;
  std::vector<std::uint32_t> reached;
  std::vector<std::uint32_t> parent;
};

// Every transitive downstream consumer (group, principal or job; topics and
// datasets are passed through) with its shortest depth and path.
Result<ImpactResult> Impact(const GraphSnapshot& g, std::string_view root,
                            std::optional<Timestamp> at = std::nullopt,
                            std::uint8_t evidence = kAllEvidence);

// The shortest path from `from` to `to` following `direction` (kBoth: either
// way along each edge); nullopt when none. NotFound for an unknown endpoint.
Result<std::optional<std::vector<std::string_view>>> Path(
    const GraphSnapshot& g, std::string_view from, std::string_view to,
    std::optional<Timestamp> at = std::nullopt, Direction direction = Direction::kDownstream);

struct SearchQuery {
  std::optional<NodeKind> kind;
  std::string q;            // case-insensitive substring of the id; empty matches all
  std::size_t limit = 100;  // the caller validates its range
};
// Matching nodes, at most `limit`, ranked: those whose name is the query
// first, then those whose name starts with it, then the rest (by SearchRank);
// by id within a rank.
std::vector<NodeView> Search(const GraphSnapshot& g, const SearchQuery& query);
// The rank of a search match, shared by every search (the API's nodes, the
// UI's products and teams): 0 when `name` is the query, 1 when it starts with
// it, 2 when `text` holds it anywhere else, -1 when neither does; all case-
// insensitive (ASCII). `lowered_needle` is the query in lower case; empty
// ranks everything 2.
int SearchRank(std::string_view name, std::string_view text, std::string_view lowered_needle);
Result<NodeView> Node(const GraphSnapshot& g, std::string_view id);

// Every node other than a team that no ownership rule resolves (never guessed).
std::vector<std::string_view> UnresolvedOwnership(const GraphSnapshot& g);
// The contacts of a team from its team_upserted event; empty when unknown.
std::vector<std::string> TeamContacts(const GraphSnapshot& g, std::string_view team);

NodeView ViewNode(const GraphSnapshot& g, std::uint32_t v);

// JSON in the shapes of DESIGN.md §5. Node attributes are the catalog or
// membership attributes plus "team" and "team_source" when ownership resolves
// and "first_seen".
nlohmann::json NodeToJson(const GraphSnapshot& g, const NodeView& node);
nlohmann::json EdgeToJson(const EdgeView& edge);
// {"root","at","nodes":[...],"edges":[...]}
nlohmann::json ToJson(const GraphSnapshot& g, const LineageResult& result);
// The same document written straight into `out` as text (keys in the same
// order as ToJson's dump), without building a JSON tree: the HTTP hot path.
void AppendJson(const GraphSnapshot& g, const LineageResult& result, std::string& out);
// {"root","consumers":[...],"teams":[...]}
nlohmann::json ToJson(const ImpactResult& result);
// {"nodes":[...]}
nlohmann::json NodesToJson(const GraphSnapshot& g, const std::vector<NodeView>& nodes);

}  // namespace tributary::graph
