#pragma once
// EventLog: the durable, append-only domain event log in <data_dir>/tributary.db.
//
// SQLite in WAL mode with synchronous=FULL. One Append() is one transaction: the
// batch's events, the source offsets they advance, the folding state they
// changed, quarantined records and notification intents land together or not at
// all, so a restart resumes exactly after the last committed batch.
// Re-delivered records are idempotent: an event whose source key (or dedup key)
// is already stored is skipped, not stored twice.
//
// A file that is not Tributary's (not SQLite, another application's database,
// or written by a newer Tributary) is refused with an error naming it; it is
// never recreated.
//
// Thread-safety: an EventLog is one SQLite connection and is not thread-safe;
// use one per thread (WAL lets readers on their own connections run while the
// writer appends). Open() with `read_only` for readers.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/clock.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tributary {

// The next offset to read for one partition of one source.
struct SourceOffset {
  std::string source;
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;
};

// A folding-state entry written with a batch; no value erases the key.
struct FoldStateWrite {
  std::string key;
  std::optional<std::string> value;
};

// A record that could not be decoded, kept with its coordinates and the reason.
struct QuarantineRecord {
  std::string source;  // e.g. "local/__consumer_offsets", "http"
  std::string topic;
  std::optional<std::int32_t> partition;
  std::optional<std::int64_t> offset;
  std::string key;    // raw bytes
  std::string value;  // raw bytes
  std::string reason;
};

struct StoredQuarantineRecord {
  std::int64_t id = 0;
  QuarantineRecord record;
  Timestamp recorded_at;
};

// A notification intent for the outbox (delivered by the notifier).
struct OutboxIntent {
  std::string idempotency_key;
  std::string kind;  // breaking_change | deprecation | reminder | ...
  std::string team;
  std::string channel;
  std::string severity = "info";
  nlohmann::json facts = nlohmann::json::object();
  // Index into Batch::events of the event that caused the intent, if any.
  std::optional<std::size_t> caused_by_event;
};

// One notification for one channel, created when an intent is routed and
// rendered (the `deliveries` table; see notifiers/README.md).
struct DeliveryRecord {
  std::string idempotency_key;  // "<intent key>/<channel>": the webhook-id / Message-ID seed
  std::int64_t intent_id = 0;   // the outbox row it came from
  std::string kind;
  std::string team;
  std::string channel;
  std::string severity;
  std::string status = "queued";  // queued, or dead when it cannot be delivered at all
  std::string subject;
  std::string body;  // plain text / Markdown as rendered
  std::string html;  // email only
  std::string last_error;
  Timestamp next_attempt_at;
};

// A delivery's state after an attempt (or a retry request).
struct DeliveryUpdate {
  std::string idempotency_key;
  std::string status;  // queued | retrying | delivered | dead
  std::int32_t attempts = 0;
  Timestamp next_attempt_at;
  std::optional<Timestamp> delivered_at;
  std::string last_error;
};

// A channel endpoint switched off (HTTP 410): deliveries to it end dead until its
// configured address changes (`fingerprint`).
struct ChannelDisable {
  std::string channel;
  std::string fingerprint;
  std::string reason;
};

struct Batch {
  std::vector<NewEvent> events;
  std::vector<SourceOffset> offsets;
  std::vector<FoldStateWrite> fold_state;
  std::vector<QuarantineRecord> quarantine;
  std::vector<OutboxIntent> outbox;
  // Notification delivery state (the dispatcher's writes, through the writer).
  std::vector<std::int64_t> routed_intents;  // outbox rows now routed
  std::vector<DeliveryRecord> new_deliveries;
  std::vector<DeliveryUpdate> delivery_updates;
  std::vector<ChannelDisable> disabled_channels;

  bool empty() const {
    return events.empty() && offsets.empty() && fold_state.empty() && quarantine.empty() &&
           outbox.empty() && routed_intents.empty() && new_deliveries.empty() &&
           delivery_updates.empty() && disabled_channels.empty();
  }
};

struct AppendResult {
  // One per Batch::events entry: the assigned sequence number, or EventSeq(0)
  // for an event skipped as a duplicate.
  std::vector<EventSeq> seqs;
  std::size_t appended = 0;
  std::size_t duplicates = 0;
  std::size_t quarantined = 0;  // new quarantine rows (re-deliveries are not counted)
  std::size_t intents = 0;      // new outbox rows
  std::size_t deliveries = 0;   // new delivery rows
  Timestamp recorded_at;
};

struct StoredSnapshot {
  std::string projection;
  int format_version = 0;
  EventSeq seq;
  std::string digest;
  std::string state;
};

struct EventLogOptions {
  bool read_only = false;
};

class EventLog {
 public:
  static constexpr const char* kFileName = "tributary.db";
  // The latest schema migration this build knows.
  static int LatestSchemaVersion();

  // Opens (creating when absent, unless read_only) <data_dir>/tributary.db and
  // applies pending migrations. `clock` stamps recorded_at and must outlive the log.
  static Result<std::unique_ptr<EventLog>> Open(const std::filesystem::path& data_dir,
                                                const Clock& clock, EventLogOptions options = {});
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Appends a batch in one transaction. On error nothing of the batch is stored.
  Result<AppendResult> Append(const Batch& batch);

  // The events appended by `batch`, as records, in order (duplicates left out).
  static std::vector<EventRecord> AppendedRecords(const Batch& batch, const AppendResult& result);

  // Calls `fn` for each event with seq > `after` in order, at most `limit`
  // (0: no limit), only of `type` when given; stops early when `fn` returns false.
  Status ForEach(EventSeq after, const std::function<bool(const EventRecord&)>& fn,
                 std::size_t limit = 0, std::optional<std::string> type = std::nullopt);
  Result<std::vector<EventRecord>> Read(EventSeq after, std::size_t limit,
                                        std::optional<std::string> type = std::nullopt);
  Result<EventSeq> LastSeq();
  Result<std::int64_t> CountEvents();

  // The stored next offsets of a source, one per partition.
  Result<std::vector<SourceOffset>> Offsets(const std::string& source);
  // Folding state under a key prefix ("" for all), ordered by key.
  Result<std::vector<std::pair<std::string, std::string>>> FoldState(const std::string& prefix);

  Result<std::vector<StoredQuarantineRecord>> Quarantine(std::int64_t after_id, std::size_t limit);

  // Projection snapshots: all written in one transaction, replacing older ones.
  Status SaveSnapshots(const std::vector<StoredSnapshot>& snapshots);
  Result<std::optional<StoredSnapshot>> LoadSnapshot(const std::string& projection);

  // PRAGMA integrity_check; "ok" when the file is sound.
  Result<std::string> IntegrityCheck();
  // The schema version recorded in the file.
  Result<int> SchemaVersion();

  // The underlying connection, for the modules that own further tables
  // (outbox delivery) and for tests. Not for event writes.
  SQLite::Database& database() { return *db_; }

 private:
  EventLog(std::filesystem::path path, std::unique_ptr<SQLite::Database> db, const Clock& clock);
  Status PrepareStatements();
  Status Migrate();
  Status RegisterEventTypes();
  Status Wrap(const std::function<void()>& body, const char* what);
  // The id of a source name, registered within the open transaction if new.
  std::int64_t SourceIdInTransaction(const std::string& source);
  const std::string& SourceName(std::int64_t id);

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> db_;
  const Clock& clock_;
  struct Statements;
  std::unique_ptr<Statements> stmts_;
  std::map<std::string, std::int64_t, std::less<>> source_ids_;  // committed names
  std::vector<std::pair<std::string, std::int64_t>> pending_source_ids_;
  std::map<std::int64_t, std::string> source_names_;
};

}  // namespace tributary
