#pragma once
// The JSON of consumer health (DESIGN.md §5 `/consumers`) and of a product's
// `stream` block, shared by the API and the UI (internal to src/http).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "health/health_tracker.h"

namespace tributary::http {

// {"id","team","status","total_lag","max_lag_seconds","partitions":[…],"evaluated_at","at_risk"}
nlohmann::json ConsumerJson(const health::ConsumerView& c, std::int64_t evaluated_at_ms);

// The consumers sorted by risk: an open data-loss risk first, then ERR, WARN,
// OK, then by lag in seconds and in offsets, largest first.
std::vector<const health::ConsumerView*> ByRisk(const health::HealthView& view);

// The `stream` block of a product: plain values, observed where the broker
// answered, else declared by the catalog, else null; `sources` says which.
nlohmann::json StreamJson(const health::HealthView* view, const ProductState& product);

// "keeps 7 days" / "compacted snapshot" / "all events" / "" (unknown), from a stream block.
std::string HistoryText(const nlohmann::json& stream);

}  // namespace tributary::http
