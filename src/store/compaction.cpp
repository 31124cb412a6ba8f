#include "store/compaction.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/event_codec.h"
#include "tributary/overloaded.h"

namespace tributary::compaction {
namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
// A key's candidate is forgotten this many days of event time after the newest day seen.
constexpr std::int64_t kCandidateDays = 2;

struct Row {
  std::int64_t seq = 0;
  std::int64_t recorded_at = 0;
  std::int64_t event_time = 0;
  int version = 0;
  std::string payload;
};

struct Stored {
  std::int64_t counted_seq = 0;
  std::int64_t total = 0;
  std::int64_t removed = 0;
  std::int64_t scanned_seq = 0;
  std::int64_t target_seq = 0;
  std::int64_t cutoff = std::numeric_limits<std::int64_t>::min();
  std::int64_t max_day = std::numeric_limits<std::int64_t>::min();
};

std::optional<Stored> Load(SQLite::Database& db, std::string_view type) {
  SQLite::Statement q(
      db,
      "SELECT counted_seq, total, removed, scanned_seq, target_seq, cutoff, max_day "
      "FROM compaction_state WHERE type = ?");
  q.bind(1, std::string(type));
  if (!q.executeStep()) {
    return std::nullopt;
  }
  return Stored{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                q.getColumn(3).getInt64(), q.getColumn(4).getInt64(), q.getColumn(5).getInt64(),
                q.getColumn(6).getInt64()};
}

void Save(SQLite::Database& db, std::string_view type, const Stored& s) {
  SQLite::Statement u(db,
                      "INSERT OR REPLACE INTO compaction_state(type, counted_seq, total, removed, "
                      "scanned_seq, target_seq, cutoff, max_day) VALUES(?,?,?,?,?,?,?,?)");
  u.bind(1, std::string(type));
  u.bind(2, s.counted_seq);
  u.bind(3, s.total);
  u.bind(4, s.removed);
  u.bind(5, s.scanned_seq);
  u.bind(6, s.target_seq);
  u.bind(7, s.cutoff);
  u.bind(8, s.max_day);
  u.exec();
}

int CodeOf(std::string_view type) { return codec::TypeCode(type).value_or(-1); }

// The key under which later events supersede earlier ones; empty when the
// payload does not decode (such an event is kept).
std::string KeyOf(std::string_view type, const Row& row) {
  auto event = codec::DecodePayload(type, row.version, row.payload);
  if (!event.ok()) {
    return {};
  }
  return std::visit(
      Overloaded{[](const ConsumerProgress& e) { return e.consumer.str() + '\n' + e.topic.str(); },
                 [](const NotificationFailed& e) { return e.idempotency_key; },
                 [](const auto&) { return std::string(); }},
      *event);
}

std::int64_t DayOf(std::int64_t millis) {
  return millis >= 0 ? millis / kDayMs : (millis - kDayMs + 1) / kDayMs;
}

}  // namespace

bool IsCompactable(std::string_view type) {
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

LogCompacted Prepare(SQLite::Database& db, const LogCompacted& marker, std::int64_t bound,
                     const std::map<std::string, std::int64_t, std::less<>>& in_batch) {
  LogCompacted filled{marker.cutoff, {}};
  for (const auto type : kTypes) {
    Stored s = Load(db, type).value_or(Stored{});
    SQLite::Statement count(db,
                            "SELECT COUNT(*) FROM events WHERE type = ? AND seq > ? AND seq <= ?");
    count.bind(1, CodeOf(type));
    count.bind(2, s.counted_seq);
    count.bind(3, bound);
    count.executeStep();
    s.total += count.getColumn(0).getInt64();
    s.counted_seq = std::max(s.counted_seq, bound);
    s.target_seq = std::max(s.target_seq, bound);
    s.cutoff = std::max(s.cutoff, ToMillis(marker.cutoff));
    Save(db, type, s);
    const auto extra = in_batch.find(type);
    filled.totals.push_back(
        TypeTotal{std::string(type), s.total + (extra == in_batch.end() ? 0 : extra->second)});
  }
  return filled;
}

StepResult Step(SQLite::Database& db, std::size_t budget) {
  StepResult result;
  db.exec("INSERT OR IGNORE INTO compaction_lock(running) VALUES(1)");
  for (const auto type : kTypes) {
    auto stored = Load(db, type);
    if (!stored || stored->scanned_seq >= stored->target_seq) {
      continue;
    }
    if (budget == 0) {
      result.more = true;  // this type's turn comes with the next step
      continue;
    }
    Stored s = *stored;
    const std::string name(type);
    std::vector<Row> rows;
    {
      SQLite::Statement q(db,
                          "SELECT seq, recorded_at, event_time, version, payload FROM events "
                          "WHERE type = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?");
      q.bind(1, CodeOf(type));
      q.bind(2, s.scanned_seq);
      q.bind(3, s.target_seq);
      q.bind(4, static_cast<std::int64_t>(budget));
      while (q.executeStep()) {
        const auto payload = q.getColumn(4);
        rows.push_back(Row{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(),
                           q.getColumn(2).getInt64(), q.getColumn(3).getInt(),
                           std::string(static_cast<const char*>(payload.getBlob()),
                                       static_cast<std::size_t>(payload.getBytes()))});
      }
    }
    SQLite::Statement find(db,
                           "SELECT day, seq FROM compaction_candidates WHERE type = ? AND key = ?");
    SQLite::Statement remember(
        db, "INSERT OR REPLACE INTO compaction_candidates(type, key, day, seq) VALUES(?,?,?,?)");
    SQLite::Statement remove(db, "DELETE FROM events WHERE seq = ?");
    SQLite::Statement forget(db, "DELETE FROM compaction_candidates WHERE type = ? AND day < ?");
    bool waiting = false;
    std::size_t used = 0;
    for (const Row& row : rows) {
      ++used;
      if (row.recorded_at >= s.cutoff) {
        waiting = true;  // recorded after the cutoff: the next marker goes on from here
        break;
      }
      ++result.considered;
      s.scanned_seq = row.seq;
      const std::string key = KeyOf(type, row);
      if (key.empty()) {
        continue;
      }
      const std::int64_t day = DayOf(row.event_time);
      if (day > s.max_day) {
        s.max_day = day;
        forget.reset();
        forget.bind(1, name);
        forget.bind(2, day - kCandidateDays);
        forget.exec();
      }
      find.reset();
      find.bind(1, name);
      find.bind(2, key);
      if (find.executeStep() && find.getColumn(0).getInt64() == day) {
        remove.reset();
        remove.bind(1, find.getColumn(1).getInt64());
        const int removed = remove.exec();
        result.removed += removed;
        s.removed += removed;
      }
      find.reset();
      if (day >= s.max_day - kCandidateDays) {
        remember.reset();
        remember.bind(1, name);
        remember.bind(2, key);
        remember.bind(3, day);
        remember.bind(4, row.seq);
        remember.exec();
      }
    }
    if (!waiting && rows.size() < budget) {
      s.scanned_seq = s.target_seq;  // none of this type is left up to the marker
    }
    budget -= std::min<std::size_t>(budget, used);
    Save(db, type, s);
    result.more = result.more || (!waiting && s.scanned_seq < s.target_seq);
  }
  db.exec("DELETE FROM compaction_lock");
  return result;
}

std::map<std::string, TypeState> State(SQLite::Database& db) {
  std::map<std::string, TypeState> out;
  SQLite::Statement q(db,
                      "SELECT type, total, removed, scanned_seq, target_seq FROM compaction_state");
  while (q.executeStep()) {
    TypeState t{q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                q.getColumn(3).getInt64() < q.getColumn(4).getInt64()};
    out.emplace(t.type, t);
  }
  return out;
}

}  // namespace tributary::compaction
