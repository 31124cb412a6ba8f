#pragma once
// Migrations (src/tracking/README.md, "Migration statuses"): for every tracked,
// unretired deprecation, each consumer that reads the old product (observed,
// now) or was tracked before gets a status from what it reads now; a status
// that differs from the tracked one -> migration_status_changed (no intents;
// the board shows it).
//
// Pure functions of the DecisionContext; they add to its batch only.

#include "tracking/decision_context.h"

namespace tributary::tracking {

// The status of a consumer that reads (or not) the old product and its replacement:
// not_started, dual, migrated or stopped.
const char* MigrationStatus(bool reads_old, bool reads_replacement);

// Records every consumer's status change, at `time`.
void DetectMigrations(DecisionContext& ctx, Timestamp time);

}  // namespace tributary::tracking
