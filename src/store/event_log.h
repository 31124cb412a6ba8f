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

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/compaction.h"
#include "tributary/clock.h"
#include "tributary/commit.h"
#include "tributary/committed_state.h"
#include "tributary/event_reader.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace tributary {

struct StoredSnapshot {
  std::string projection;
  int format_version = 0;
  EventSeq seq;
  std::string digest;
  std::string state;
};

struct EventLogOptions {
  bool read_only = false;
  // A second connection that only stores snapshots (SaveSnapshots), as the
  // background snapshot writer opens: the log must exist at this build's
  // schema; nothing is created, migrated or registered.
  bool snapshots_only = false;
};

class EventLog final : public CommittedState, public EventReader {
 public:
  static constexpr const char* kFileName = "tributary.db";
  // The latest schema migration this build knows.
  static int LatestSchemaVersion();

  // Opens (creating when absent, unless read_only) <data_dir>/tributary.db and
  // applies pending migrations. `clock` stamps recorded_at and must outlive the log.
  static Result<std::unique_ptr<EventLog>> Open(const std::filesystem::path& data_dir,
                                                const Clock& clock, EventLogOptions options = {});
  // The same for a log file by its own name (a backup's copy).
  static Result<std::unique_ptr<EventLog>> OpenFile(const std::filesystem::path& file,
                                                    const Clock& clock,
                                                    EventLogOptions options = {});
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const Clock& clock() const { return clock_; }

  // How a batch is appended. A replica (DESIGN.md §8) stores the leader's
  // recorded_at and where it stands in the events topic with each batch.
  struct AppendOptions {
    std::optional<Timestamp> recorded_at;    // default: the clock's now
    std::vector<FoldStateWrite> fold_state;  // written after the batch's own
  };

  // Appends a batch in one transaction. On error nothing of the batch is stored.
  // A storage failure (disk full, read-only or failing file system) is
  // kUnavailable: the caller retries, and StorageFault() says why until an
  // append succeeds again.
  Result<AppendResult> Append(const Batch& batch) { return Append(batch, AppendOptions{}); }
  Result<AppendResult> Append(const Batch& batch, const AppendOptions& options);

  // The events appended by `batch`, as records, in order (duplicates left out).
  static std::vector<EventRecord> AppendedRecords(const Batch& batch, const AppendResult& result);

  // Calls `fn` for each event with seq > `after` in order, at most `limit`
  // (0: no limit), only of `type` when given; stops early when `fn` returns false.
  Status ForEach(EventSeq after, const std::function<bool(const EventRecord&)>& fn,
                 std::size_t limit = 0,
                 const std::optional<std::string>& type = std::nullopt) override;
  Result<std::vector<EventRecord>> Read(EventSeq after, std::size_t limit,
                                        std::optional<std::string> type = std::nullopt);
  Result<EventSeq> LastSeq() override;
  Result<std::int64_t> CountEvents();

  // The stored next offsets of a source, one per partition.
  Result<std::vector<SourceOffset>> Offsets(const std::string& source) override;
  // Folding state under a key prefix ("" for all), ordered by key.
  Result<std::vector<std::pair<std::string, std::string>>> FoldState(
      const std::string& prefix) override;

  Result<std::vector<StoredQuarantineRecord>> Quarantine(std::int64_t after_id,
                                                         std::size_t limit) override;

  // Projection snapshots: all written in one transaction, replacing older ones.
  Status SaveSnapshots(const std::vector<StoredSnapshot>& snapshots);
  Result<std::optional<StoredSnapshot>> LoadSnapshot(const std::string& projection);

  // A consistent copy of the whole file at `out` (SQLite's online backup, in one
  // read transaction: appends by the running service go on meanwhile and are
  // not in the copy). `out` must not exist; the copy is written next to it
  // and renamed into place once complete and synced, so a crash leaves no
  // half-written `out`. Restoring is copying it to <data_dir>/tributary.db.
  Status BackupTo(const std::filesystem::path& out);

  // One step of the compaction that appended `log_compacted` markers asked
  // for (src/store/compaction.h): at most `budget` events considered, in its
  // own transaction. Cheap once nothing is left to do until the next marker.
  Result<compaction::StepResult> CompactStep(std::size_t budget);
  // Per compactable type: recorded, removed, and whether removal is pending.
  Result<std::map<std::string, compaction::TypeState>> CompactionState();
  // Events removed by this process's compaction steps.
  std::int64_t removed_by_compaction() const { return removed_by_compaction_.load(); }

  // Why the last append could not be written (disk full, read-only file
  // system, I/O error); nullopt once an append succeeded. Any thread.
  std::optional<std::string> StorageFault() const;

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
  // Within the append transaction: a compaction marker's totals (compaction.h).
  LogCompacted PrepareCompaction(const LogCompacted& marker, const Batch& batch, std::size_t index,
                                 const AppendResult& so_far);
  Status Wrap(const std::function<void()>& body, const char* what);
  // The id of a source name, registered within the open transaction if new.
  std::int64_t SourceIdInTransaction(const std::string& source);
  const std::string& SourceName(std::int64_t id);

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> db_;
  mutable std::mutex fault_mu_;
  std::optional<std::string> storage_fault_;
  std::atomic<bool> faulted_{false};
  bool compaction_idle_ = false;  // nothing to remove until the next marker
  std::atomic<std::int64_t> removed_by_compaction_{0};
  const Clock& clock_;
  struct Statements;
  std::unique_ptr<Statements> stmts_;
  std::map<std::string, std::int64_t, std::less<>> source_ids_;  // committed names
  std::vector<std::pair<std::string, std::int64_t>> pending_source_ids_;
  std::map<std::int64_t, std::string> source_names_;
};

}  // namespace tributary
