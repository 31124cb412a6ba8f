#pragma once
// The tracking projection's state and the tracker's options: what has been
// decided so far about each deprecated product (reminders fired, each
// consumer's migration status), built only from events in the log.
//
// Plain values: owned by the Tracker on the writer thread; readers get
// immutable published copies (Tracker::published()).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <functional>

#include "tributary/clock.h"
#include "tributary/events.h"
#include "tributary/ids.h"

namespace tributary::tracking {

struct TrackingOptions {
  // How long before a sunset reminders go out, e.g. 30d, 14d, 7d, 1d.
  std::vector<Duration> reminders_before_sunset = {std::chrono::days(30), std::chrono::days(14),
                                                   std::chrono::days(7), std::chrono::days(1)};
  // Cluster names, to find the topic of a subject named after it (<topic>-value).
  std::vector<std::string> clusters;
  // A versioned product's old topic without new writes this long while
  // consumers remain -> dual_support_broken (DESIGN.md §5).
  Duration dual_support_grace = std::chrono::hours(1);
  // When a topic (node id) last grew, from end-offset history (consumer
  // health), or nullopt when unknown; may be empty. The audit log's produce
  // records count too (the lineage graph's produces edges).
  std::function<std::optional<Timestamp>(const std::string& topic)> last_produced;
};

// Migration statuses.
inline constexpr const char* kNotStarted = "not_started";
inline constexpr const char* kDual = "dual";
inline constexpr const char* kMigrated = "migrated";
inline constexpr const char* kStopped = "stopped";

struct ConsumerTrack {
  std::string status;  // not_started | dual | migrated | stopped
  std::int32_t changes = 0;
  bool operator==(const ConsumerTrack&) const = default;
};

struct DeprecationTrack {
  EventSeq deprecated_seq;  // the product_deprecated event being tracked
  Timestamp deprecated_at;
  Timestamp sunset;
  std::string reason;
  std::optional<std::string> replacement;
  bool announced = false;
  bool retired = false;
  std::set<std::string> reminders_done;            // "30d", ... and "after" (the escalation)
  std::map<std::string, ConsumerTrack> consumers;  // by consumer node id
  bool dual_support_broken = false;                // told once per deprecation
  bool ready_to_retire = false;                    // told once per deprecation
  bool operator==(const DeprecationTrack&) const = default;
};

// A next version (product_versioned), by the product it replaces.
struct VersionedTrack {
  std::string product;  // the new version
  std::string schema_type;
  std::string schema;  // the new version's declared schema
  std::vector<FieldChange> diff;
  bool operator==(const VersionedTrack&) const = default;
};

struct TrackingState {
  std::map<std::string, DeprecationTrack> deprecations;  // by product
  std::map<std::string, VersionedTrack> versioned;       // by the old product
  bool operator==(const TrackingState&) const = default;
};

}  // namespace tributary::tracking
