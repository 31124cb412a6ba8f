#pragma once
// The migration board of DESIGN.md §5 (GET /deprecations/{product}, and the UI's
// deprecation pages) for one tracked product: reason, sunset, replacement,
// progress and each consumer with its team, status, last read of the old topic
// and first read of the new. A view over the tracker's state, the catalog and
// the lineage graph; pure.

#include <string>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "graph/graph_snapshot.h"
#include "tracking/tracking_state.h"

namespace tributary::http {

nlohmann::json DeprecationBoard(const std::string& product, const tracking::DeprecationTrack& track,
                                const CatalogState& catalog, const graph::GraphSnapshot& graph,
                                Timestamp now);

}  // namespace tributary::http
