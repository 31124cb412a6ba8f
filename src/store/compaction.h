#pragma once
// Compaction of superseded high-volume events (`[store] compact_after`).
//
// Two event types grow with time rather than with the estate: progress samples
// (`consumer_progress`, one per group and topic every progress_interval) and
// delivery attempts (`notification_failed`, one per retry). Compaction thins
// them; every other type (facts and decisions) is never removed, and the
// table's delete trigger refuses any other deletion.
//
// The rule, a function of the log alone so that every replica's copy ends the
// same: among the events of a compactable type recorded before a
// `log_compacted` marker's cutoff, an event is removed when a later event of the
// same key and the same UTC day of event time follows it (key: consumer and
// topic for progress; the notification's idempotency key for attempts). What
// stays is the last sample of each day (so the newest sample of every key
// stays, and with it the lineage's last_seen) and the last attempt of each day.
// Events are considered in log order; a key's candidate is forgotten two days
// of event time after the newest day considered, so a late event older than
// that is kept.
//
// Appending the marker records the cutoff and the totals (EventLog::Append
// fills `LogCompacted::totals`); the removal runs afterwards in small steps
// (EventLog::CompactStep), each its own transaction, so appends go on.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tributary/events.h"

namespace SQLite {
class Database;
}  // namespace SQLite

namespace tributary::compaction {

inline constexpr std::array<std::string_view, 2> kTypes{"consumer_progress", "notification_failed"};

bool IsCompactable(std::string_view type);

// Within the open transaction that appends `marker`: its totals, and the
// removal it asks for recorded as pending. `bound` is the last seq stored
// before the batch; `in_batch` counts the compactable events of the batch
// that precede the marker.
LogCompacted Prepare(SQLite::Database& db, const LogCompacted& marker, std::int64_t bound,
                     const std::map<std::string, std::int64_t, std::less<>>& in_batch);

struct StepResult {
  std::int64_t considered = 0;
  std::int64_t removed = 0;
  bool more = false;  // pending work is left
};

// One step within an open transaction: at most `budget` events considered.
StepResult Step(SQLite::Database& db, std::size_t budget);

struct TypeState {
  std::string type;
  std::int64_t total = 0;    // recorded before the newest marker
  std::int64_t removed = 0;  // removed so far
  bool pending = false;
};
std::map<std::string, TypeState> State(SQLite::Database& db);

}  // namespace tributary::compaction
