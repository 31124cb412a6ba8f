#include "store/event_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sqlite3.h>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "core/event_codec.h"
#include "store/compaction.h"

namespace tributary {
namespace {

// "TRIB": marks the file as Tributary's (PRAGMA application_id).
constexpr int kApplicationId = 0x54524942;

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Append-only: never edit a migration that has shipped; add a new one.
constexpr std::array kMigrations{
    Migration{1, "event log, source offsets, fold state, quarantine, outbox, snapshots", R"sql(
CREATE TABLE schema_migrations(
  version     INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at  INTEGER NOT NULL
);
CREATE TABLE sources(
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE event_types(
  code INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE events(
  seq           INTEGER PRIMARY KEY,
  type          INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  event_time    INTEGER NOT NULL,
  recorded_at   INTEGER NOT NULL,
  source_id     INTEGER NOT NULL REFERENCES sources(id),
  src_partition INTEGER,
  src_offset    INTEGER,
  src_index     INTEGER,
  dedup_key     TEXT,
  payload       BLOB NOT NULL
);
CREATE UNIQUE INDEX events_by_source_key ON events(source_id, src_partition, src_offset, src_index)
  WHERE src_offset IS NOT NULL;
CREATE UNIQUE INDEX events_by_dedup_key ON events(dedup_key) WHERE dedup_key IS NOT NULL;
CREATE INDEX events_by_type ON events(type, seq);
CREATE VIEW events_readable AS
  SELECT e.seq, t.name AS type, e.version, e.event_time, e.recorded_at, s.name AS source,
         e.src_partition, e.src_offset, e.src_index, e.dedup_key, e.payload
  FROM events e JOIN event_types t ON t.code = e.type JOIN sources s ON s.id = e.source_id;
CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TABLE source_offsets(
  source      TEXT NOT NULL,
  partition   INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY(source, partition)
) WITHOUT ROWID;
CREATE TABLE fold_state(
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE quarantine(
  id            INTEGER PRIMARY KEY,
  source        TEXT NOT NULL,
  topic         TEXT NOT NULL,
  partition     INTEGER,
  record_offset INTEGER,
  record_key    BLOB,
  record_value  BLOB,
  reason        TEXT NOT NULL,
  recorded_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX quarantine_by_coordinates ON quarantine(source, partition, record_offset)
  WHERE partition IS NOT NULL AND record_offset IS NOT NULL;
CREATE TABLE outbox(
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  team            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  severity        TEXT NOT NULL,
  facts           BLOB NOT NULL,
  status          TEXT NOT NULL DEFAULT 'queued',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  last_error      TEXT,
  caused_by_seq   INTEGER
);
CREATE INDEX outbox_by_status ON outbox(status, next_attempt_at);
CREATE TABLE snapshots(
  projection     TEXT PRIMARY KEY,
  format_version INTEGER NOT NULL,
  seq            INTEGER NOT NULL,
  digest         TEXT NOT NULL,
  state          BLOB NOT NULL,
  written_at     INTEGER NOT NULL
);
)sql"},
    Migration{2, "notification deliveries and disabled channels", R"sql(
CREATE TABLE deliveries(
  id              INTEGER PRIMARY KEY,
  intent_id       INTEGER REFERENCES outbox(id),
  idempotency_key TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL,
  team            TEXT NOT NULL,
  channel         TEXT NOT NULL,
  severity        TEXT NOT NULL,
  status          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  last_error      TEXT NOT NULL DEFAULT '',
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  html            TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_by_team ON deliveries(team, id);
CREATE INDEX outbox_queued ON outbox(status, id);
CREATE TABLE disabled_channels(
  channel     TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  reason      TEXT NOT NULL,
  disabled_at INTEGER NOT NULL
);
)sql"},
    Migration{3, "compaction of superseded progress samples and delivery attempts", R"sql(
CREATE TABLE compaction_state(
  type        TEXT PRIMARY KEY,    -- a compactable event type
  counted_seq INTEGER NOT NULL,    -- `total` counts this type's events up to here
  total       INTEGER NOT NULL,    -- recorded up to counted_seq, removed ones included
  removed     INTEGER NOT NULL,    -- removed so far
  scanned_seq INTEGER NOT NULL,    -- considered up to here
  target_seq  INTEGER NOT NULL,    -- the newest marker's bound
  cutoff      INTEGER NOT NULL,    -- the newest marker's cutoff (recorded_at, ms)
  max_day     INTEGER NOT NULL     -- the newest event day considered
) WITHOUT ROWID;
CREATE TABLE compaction_candidates(
  type TEXT NOT NULL,
  key  TEXT NOT NULL,
  day  INTEGER NOT NULL,
  seq  INTEGER NOT NULL,
  PRIMARY KEY(type, key)
) WITHOUT ROWID;
CREATE INDEX compaction_candidates_by_day ON compaction_candidates(type, day);
CREATE TABLE compaction_lock(running INTEGER PRIMARY KEY);
DROP TRIGGER events_are_append_only_delete;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
  WHEN NOT EXISTS (SELECT 1 FROM compaction_lock)
    OR (SELECT name FROM event_types WHERE code = OLD.type)
       NOT IN ('consumer_progress', 'notification_failed')
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only (compaction removes only superseded progress samples and delivery attempts)'); END;
)sql"},
};

Status ErrorFor(const std::filesystem::path& path, const char* what, const std::exception& e) {
  int code = SQLITE_ERROR;
  if (const auto* se = dynamic_cast<const SQLite::Exception*>(&e)) {
    code = se->getErrorCode();
  }
  const std::string message = path.string() + ": " + what + ": " + e.what();
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    return Corruption(message + " (the file is damaged or not Tributary's; it is not recreated)");
  }
  if (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_CANTOPEN ||
      code == SQLITE_READONLY || code == SQLITE_PERM) {
    return IoError(message);
  }
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return Unavailable(message);
  }
  return Internal(message);
}

// Checks the first bytes before SQLite touches the file: SQLite would happily
// open a non-database file and fail later, or treat an empty file as new.
Status CheckHeader(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) {
    return Status::Ok();
  }
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() < 16 || std::memcmp(header, "SQLite format 3\0", 16) != 0) {
    return Corruption(path.string() +
                      ": not a SQLite database (foreign or corrupt file); refusing to start. "
                      "It is never recreated: move it away to start with an empty log.");
  }
  return Status::Ok();
}

// Each connection is used by one thread (see the header), so SQLite's own
// per-connection mutexes and its global memory statistics (a mutex per
// allocation) are pure overhead on the append path. Must run before SQLite
// initialises; later calls are refused by SQLite and harmless.
const bool kSqliteConfigured = [] {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  return true;
}();

}  // namespace

struct EventLog::Statements {
  explicit Statements(SQLite::Database& db)
      : insert_event(db,
                     "INSERT INTO events(type, version, event_time, recorded_at, source_id, "
                     "src_partition, src_offset, src_index, dedup_key, payload) "
                     "VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"),
        upsert_offset(db,
                      "INSERT INTO source_offsets(source, partition, next_offset, updated_at) "
                      "VALUES(?,?,?,?) ON CONFLICT(source, partition) DO UPDATE SET "
                      "next_offset=excluded.next_offset, updated_at=excluded.updated_at"),
        put_fold(db,
                 "INSERT INTO fold_state(key, value) VALUES(?,?) "
                 "ON CONFLICT(key) DO UPDATE SET value=excluded.value"),
        erase_fold(db, "DELETE FROM fold_state WHERE key=?"),
        insert_quarantine(db,
                          "INSERT INTO quarantine(source, topic, partition, record_offset, "
                          "record_key, record_value, reason, recorded_at) "
                          "VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"),
        insert_outbox(db,
                      "INSERT INTO outbox(idempotency_key, kind, team, channel, severity, facts, "
                      "next_attempt_at, created_at, caused_by_seq) VALUES(?,?,?,?,?,?,?,?,?) "
                      "ON CONFLICT DO NOTHING"),
        route_intent(db, "UPDATE outbox SET status = 'routed' WHERE id = ?"),
        insert_delivery(db,
                        "INSERT INTO deliveries(intent_id, idempotency_key, kind, team, channel, "
                        "severity, status, next_attempt_at, created_at, last_error, subject, body, "
                        "html) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"),
        update_delivery(db,
                        "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, "
                        "delivered_at = ?, last_error = ? WHERE idempotency_key = ?"),
        disable_channel(db,
                        "INSERT INTO disabled_channels(channel, fingerprint, reason, disabled_at) "
                        "VALUES(?,?,?,?) ON CONFLICT(channel) DO UPDATE SET "
                        "fingerprint = excluded.fingerprint, reason = excluded.reason, "
                        "disabled_at = excluded.disabled_at") {}

  SQLite::Statement insert_event;
  SQLite::Statement upsert_offset;
  SQLite::Statement put_fold;
  SQLite::Statement erase_fold;
  SQLite::Statement insert_quarantine;
  SQLite::Statement insert_outbox;
  SQLite::Statement route_intent;
  SQLite::Statement insert_delivery;
  SQLite::Statement update_delivery;
  SQLite::Statement disable_channel;

  // One step per table that Append writes, each inside Append's transaction and
  // in this order (outbox intents refer to the events' sequence numbers).
  // `recorded_at` is the batch's append time in ms; each step adds what it wrote
  // to `result`.
  void InsertEvents(const Batch& batch, std::int64_t recorded_at, EventLog& log,
                    AppendResult& result);
  void UpsertOffsets(const Batch& batch, std::int64_t recorded_at);
  void WriteFoldState(const std::vector<FoldStateWrite>& writes);
  void InsertQuarantine(const Batch& batch, std::int64_t recorded_at, AppendResult& result);
  void InsertOutbox(const Batch& batch, std::int64_t recorded_at, AppendResult& result);
  void RouteIntents(const Batch& batch);
  void InsertDeliveries(const Batch& batch, std::int64_t recorded_at, AppendResult& result);
  void UpdateDeliveries(const Batch& batch);
  void DisableChannels(const Batch& batch, std::int64_t recorded_at);
  // A failed statement keeps its error until reset; resets every statement
  // without throwing it again.
  void ResetAfterFailure();
};

int EventLog::LatestSchemaVersion() { return kMigrations.back().version; }

EventLog::EventLog(std::filesystem::path path, std::unique_ptr<SQLite::Database> db,
                   const Clock& clock)
    : path_(std::move(path)), db_(std::move(db)), clock_(clock) {}

EventLog::~EventLog() = default;

Result<std::unique_ptr<EventLog>> EventLog::Open(const std::filesystem::path& data_dir,
                                                 const Clock& clock, EventLogOptions options) {
  return OpenFile(data_dir / kFileName, clock, options);
}

Result<std::unique_ptr<EventLog>> EventLog::OpenFile(const std::filesystem::path& path,
                                                     const Clock& clock, EventLogOptions options) {
  const auto data_dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  // Opened as it is, schema checked, nothing written on opening.
  const bool as_is = options.read_only || options.snapshots_only;
  if (!as_is) {
    // The log holds who reads what and every message sent: owner-only,
    // whatever the umask (a directory that exists keeps its mode; the service
    // reports a looser one at start).
    if (!std::filesystem::exists(data_dir, ec)) {
      std::filesystem::create_directories(data_dir, ec);
      if (!ec) {
        std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace, ec);
      }
      if (ec) {
        return IoError(data_dir.string() + ": cannot create the data directory: " + ec.message());
      }
    }
    // SQLite creates the file 0644 less the umask, and its -wal and -shm files
    // with the main file's mode: create it 0600 first.
    if (!std::filesystem::exists(path, ec)) {
      const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST) {
        return IoError(path.string() + ": cannot create the event log: " + std::strerror(errno));
      }
      if (fd >= 0) {
        ::fchmod(fd, 0600);
        ::close(fd);
      }
    }
  } else if (!std::filesystem::exists(path, ec)) {
    return NotFound(path.string() + ": no event log here");
  }
  if (auto s = CheckHeader(path); !s.ok()) {
    return s;
  }
  std::unique_ptr<SQLite::Database> db;
  try {
    const int flags = SQLITE_OPEN_NOMUTEX |
                      (options.read_only        ? SQLite::OPEN_READONLY
                       : options.snapshots_only ? SQLite::OPEN_READWRITE
                                                : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE));
    db = std::make_unique<SQLite::Database>(path.string(), flags, 5000);
  } catch (const std::exception& e) {
    return ErrorFor(path, "cannot open", e);
  }
  std::unique_ptr<EventLog> log(new EventLog(path, std::move(db), clock));
  auto status = log->Wrap(
      [&] {
        auto& d = *log->db_;
        const int app_id = d.execAndGet("PRAGMA application_id").getInt();
        const int objects = d.execAndGet("SELECT count(*) FROM sqlite_master").getInt();
        if (app_id != kApplicationId && (app_id != 0 || objects != 0)) {
          throw SQLite::Exception(
              "another application's database (application_id " + std::to_string(app_id) + ", " +
                  std::to_string(objects) +
                  " schema objects); refusing to start. It is never recreated: point "
                  "service.data_dir elsewhere or move the file away",
              SQLITE_NOTADB);
        }
        if (options.snapshots_only) {
          d.exec("PRAGMA synchronous=FULL");
        } else if (!options.read_only) {
          d.exec("PRAGMA journal_mode=WAL");
          d.exec("PRAGMA synchronous=FULL");
          // A 64 MiB page cache keeps the indexes' hot pages in memory; fewer,
          // larger checkpoints keep appends off the main file's random writes.
          d.exec("PRAGMA cache_size=-65536");
          d.exec("PRAGMA wal_autocheckpoint=10000");
        }
      },
      "cannot open the event log");
  if (!status.ok()) {
    return status;
  }
  if (as_is) {
    auto version = log->SchemaVersion();
    if (!version.ok()) {
      return version.status();
    }
    if (*version != LatestSchemaVersion()) {
      return Corruption(path.string() + ": schema version " + std::to_string(*version) +
                        ", this build reads version " + std::to_string(LatestSchemaVersion()));
    }
  } else if (auto s = log->Migrate(); !s.ok()) {
    return s;
  } else if (auto r = log->RegisterEventTypes(); !r.ok()) {
    return r;
  }
  if (!as_is) {
    if (auto s = log->PrepareStatements(); !s.ok()) {
      return s;
    }
  }
  return log;
}

Status EventLog::Wrap(const std::function<void()>& body, const char* what) {
  try {
    body();
    return Status::Ok();
  } catch (const std::exception& e) {
    return ErrorFor(path_, what, e);
  }
}

Result<int> EventLog::SchemaVersion() {
  int version = 0;
  auto s = Wrap([&] { version = db_->execAndGet("PRAGMA user_version").getInt(); },
                "cannot read the schema version");
  if (!s.ok()) {
    return s;
  }
  return version;
}

// Records the name of every type code this build writes, so the file stays
// readable with plain SQL (the events_readable view) and a reordering of the
// codes (a bug) is caught before anything is written.
Status EventLog::RegisterEventTypes() {
  Status mismatch;
  auto s = Wrap(
      [&] {
        SQLite::Statement insert(*db_,
                                 "INSERT OR IGNORE INTO event_types(code, name) VALUES(?, ?)");
        SQLite::Statement check(*db_, "SELECT name FROM event_types WHERE code = ?");
        for (int code = 0; code < codec::TypeCount(); ++code) {
          const std::string name(codec::TypeNameOfCode(code));
          insert.reset();
          insert.bind(1, code);
          insert.bind(2, name);
          insert.exec();
          check.reset();
          check.bind(1, code);
          if (check.executeStep() && check.getColumn(0).getString() != name) {
            mismatch = Corruption(path_.string() + ": event type code " + std::to_string(code) +
                                  " is \"" + check.getColumn(0).getString() +
                                  "\" in the file but \"" + name + "\" in this build");
            return;
          }
        }
      },
      "cannot register event types");
  return s.ok() ? mismatch : s;
}

Status EventLog::Migrate() {
  auto current = SchemaVersion();
  if (!current.ok()) {
    return current.status();
  }
  if (*current > LatestSchemaVersion()) {
    return Corruption(path_.string() + ": written by a newer Tributary (schema version " +
                      std::to_string(*current) + ", this build knows up to " +
                      std::to_string(LatestSchemaVersion()) + "); refusing to start");
  }
  for (const auto& m : kMigrations) {
    if (m.version <= *current) {
      continue;
    }
    auto s = Wrap(
        [&] {
          db_->exec("BEGIN IMMEDIATE");
          try {
            db_->exec(m.sql);
            SQLite::Statement record(
                *db_,
                "INSERT INTO schema_migrations(version, description, applied_at) VALUES(?,?,?)");
            record.bind(1, m.version);
            record.bind(2, m.description);
            record.bind(3, static_cast<std::int64_t>(ToMillis(clock_.Now())));
            record.exec();
            db_->exec("PRAGMA application_id=" + std::to_string(kApplicationId));
            db_->exec("PRAGMA user_version=" + std::to_string(m.version));
            db_->exec("COMMIT");
          } catch (...) {
            db_->exec("ROLLBACK");
            throw;
          }
        },
        "schema migration failed");
    if (!s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status EventLog::PrepareStatements() {
  return Wrap([&] { stmts_ = std::make_unique<Statements>(*db_); }, "cannot prepare statements");
}

// ---- Append, one step per table --------------------------------------------------

void EventLog::Statements::InsertEvents(const Batch& batch, std::int64_t recorded_at, EventLog& log,
                                        AppendResult& result) {
  std::string payload;
  auto& ins = insert_event;
  for (std::size_t i = 0; i < batch.events.size(); ++i) {
    const auto& e = batch.events[i];
    payload.clear();
    if (const auto* marker = std::get_if<LogCompacted>(&e.event)) {
      // The store completes a compaction marker (src/store/compaction.h).
      auto filled = log.PrepareCompaction(*marker, batch, i, result);
      codec::EncodePayload(filled, payload);
      result.completed.emplace_back(i, DomainEvent(std::move(filled)));
    } else {
      codec::EncodePayload(e.event, payload);
    }
    ins.reset();
    ins.bind(1, static_cast<int>(e.event.index()));
    ins.bind(
        2, std::visit([](const auto& v) { return std::decay_t<decltype(v)>::kVersion; }, e.event));
    ins.bind(3, static_cast<std::int64_t>(ToMillis(e.event_time)));
    ins.bind(4, recorded_at);
    ins.bind(5, static_cast<std::int64_t>(log.SourceIdInTransaction(e.source)));
    if (e.source_key) {
      ins.bind(6, e.source_key->partition);
      ins.bind(7, static_cast<std::int64_t>(e.source_key->offset));
      ins.bind(8, e.source_key->index);
    } else {
      ins.bind(6);
      ins.bind(7);
      ins.bind(8);
    }
    if (e.dedup_key) {
      ins.bindNoCopy(9, *e.dedup_key);
    } else {
      ins.bind(9);
    }
    ins.bindNoCopy(10, payload.data(), static_cast<int>(payload.size()));
    if (ins.exec() == 1) {
      result.seqs.emplace_back(log.db_->getLastInsertRowid());
      ++result.appended;
    } else {
      result.seqs.emplace_back(0);
      ++result.duplicates;
    }
  }
}

void EventLog::Statements::UpsertOffsets(const Batch& batch, std::int64_t recorded_at) {
  auto& off = upsert_offset;
  for (const auto& o : batch.offsets) {
    off.reset();
    off.bindNoCopy(1, o.source);
    off.bind(2, o.partition);
    off.bind(3, static_cast<std::int64_t>(o.next_offset));
    off.bind(4, recorded_at);
    off.exec();
  }
}

void EventLog::Statements::WriteFoldState(const std::vector<FoldStateWrite>& writes) {
  for (const auto& f : writes) {
    if (f.value) {
      auto& put = put_fold;
      put.reset();
      put.bindNoCopy(1, f.key);
      put.bindNoCopy(2, f.value->data(), static_cast<int>(f.value->size()));
      put.exec();
    } else {
      auto& erase = erase_fold;
      erase.reset();
      erase.bindNoCopy(1, f.key);
      erase.exec();
    }
  }
}

void EventLog::Statements::InsertQuarantine(const Batch& batch, std::int64_t recorded_at,
                                            AppendResult& result) {
  auto& q = insert_quarantine;
  for (const auto& r : batch.quarantine) {
    q.reset();
    q.bindNoCopy(1, r.source);
    q.bindNoCopy(2, r.topic);
    r.partition ? q.bind(3, *r.partition) : q.bind(3);
    r.offset ? q.bind(4, static_cast<std::int64_t>(*r.offset)) : q.bind(4);
    q.bindNoCopy(5, r.key.data(), static_cast<int>(r.key.size()));
    q.bindNoCopy(6, r.value.data(), static_cast<int>(r.value.size()));
    q.bindNoCopy(7, r.reason);
    q.bind(8, recorded_at);
    result.quarantined += static_cast<std::size_t>(q.exec());
  }
}

// REQUIRES: InsertEvents ran, so `result.seqs` holds the events' sequence numbers.
void EventLog::Statements::InsertOutbox(const Batch& batch, std::int64_t recorded_at,
                                        AppendResult& result) {
  auto& ob = insert_outbox;
  for (const auto& i : batch.outbox) {
    const auto facts = nlohmann::json::to_msgpack(i.facts);
    ob.reset();
    ob.bindNoCopy(1, i.idempotency_key);
    ob.bindNoCopy(2, i.kind);
    ob.bindNoCopy(3, i.team);
    ob.bindNoCopy(4, i.channel);
    ob.bindNoCopy(5, i.severity);
    ob.bind(6, facts.data(), static_cast<int>(facts.size()));
    ob.bind(7, recorded_at);
    ob.bind(8, recorded_at);
    if (i.caused_by_event && *i.caused_by_event < result.seqs.size() &&
        result.seqs[*i.caused_by_event].value() != 0) {
      ob.bind(9, static_cast<std::int64_t>(result.seqs[*i.caused_by_event].value()));
    } else {
      ob.bind(9);
    }
    result.intents += static_cast<std::size_t>(ob.exec());
  }
}

void EventLog::Statements::RouteIntents(const Batch& batch) {
  for (const auto id : batch.routed_intents) {
    auto& st = route_intent;
    st.reset();
    st.bind(1, static_cast<std::int64_t>(id));
    st.exec();
  }
}

void EventLog::Statements::InsertDeliveries(const Batch& batch, std::int64_t recorded_at,
                                            AppendResult& result) {
  for (const auto& d : batch.new_deliveries) {
    auto& st = insert_delivery;
    st.reset();
    d.intent_id != 0 ? st.bind(1, static_cast<std::int64_t>(d.intent_id)) : st.bind(1);
    st.bindNoCopy(2, d.idempotency_key);
    st.bindNoCopy(3, d.kind);
    st.bindNoCopy(4, d.team);
    st.bindNoCopy(5, d.channel);
    st.bindNoCopy(6, d.severity);
    st.bindNoCopy(7, d.status);
    st.bind(8, static_cast<std::int64_t>(ToMillis(d.next_attempt_at)));
    st.bind(9, recorded_at);
    st.bindNoCopy(10, d.last_error);
    st.bindNoCopy(11, d.subject);
    st.bindNoCopy(12, d.body);
    st.bindNoCopy(13, d.html);
    result.deliveries += static_cast<std::size_t>(st.exec());
  }
}

void EventLog::Statements::UpdateDeliveries(const Batch& batch) {
  for (const auto& u : batch.delivery_updates) {
    auto& st = update_delivery;
    st.reset();
    st.bindNoCopy(1, u.status);
    st.bind(2, u.attempts);
    st.bind(3, static_cast<std::int64_t>(ToMillis(u.next_attempt_at)));
    u.delivered_at ? st.bind(4, static_cast<std::int64_t>(ToMillis(*u.delivered_at))) : st.bind(4);
    st.bindNoCopy(5, u.last_error);
    st.bindNoCopy(6, u.idempotency_key);
    st.exec();
  }
}

void EventLog::Statements::DisableChannels(const Batch& batch, std::int64_t recorded_at) {
  for (const auto& c : batch.disabled_channels) {
    auto& st = disable_channel;
    st.reset();
    st.bindNoCopy(1, c.channel);
    st.bindNoCopy(2, c.fingerprint);
    st.bindNoCopy(3, c.reason);
    st.bind(4, recorded_at);
    st.exec();
  }
}

void EventLog::Statements::ResetAfterFailure() {
  for (auto* st :
       {&insert_event, &upsert_offset, &put_fold, &erase_fold, &insert_quarantine, &insert_outbox,
        &route_intent, &insert_delivery, &update_delivery, &disable_channel}) {
    st->tryReset();
  }
}

Result<AppendResult> EventLog::Append(const Batch& batch, const AppendOptions& options) {
  if (!stmts_) {
    return Internal(path_.string() + ": the event log was opened read-only");
  }
  AppendResult result;
  result.recorded_at = options.recorded_at.value_or(clock_.Now());
  result.seqs.reserve(batch.events.size());
  const auto recorded_at = static_cast<std::int64_t>(ToMillis(result.recorded_at));
  auto status = Wrap(
      [&] {
        db_->exec("BEGIN IMMEDIATE");
        try {
          stmts_->InsertEvents(batch, recorded_at, *this, result);
          stmts_->UpsertOffsets(batch, recorded_at);
          stmts_->WriteFoldState(batch.fold_state);
          stmts_->WriteFoldState(options.fold_state);
          stmts_->InsertQuarantine(batch, recorded_at, result);
          stmts_->InsertOutbox(batch, recorded_at, result);
          stmts_->RouteIntents(batch);
          stmts_->InsertDeliveries(batch, recorded_at, result);
          stmts_->UpdateDeliveries(batch);
          stmts_->DisableChannels(batch, recorded_at);
          db_->exec("COMMIT");
          for (auto& [name, id] : pending_source_ids_) {
            source_ids_.emplace(std::move(name), id);
          }
          pending_source_ids_.clear();
        } catch (...) {
          pending_source_ids_.clear();
          // Roll the whole batch back.
          stmts_->ResetAfterFailure();
          try {
            db_->exec("ROLLBACK");
          } catch (...) {
          }
          throw;
        }
      },
      "append failed");
  if (status.code() == ErrorCode::kIoError) {
    // Nothing was stored (the transaction rolled back): the same batch can be
    // appended again once there is room, or the file system is writable.
    // What /readyz says, without the file's path (it answers anyone).
    const auto& m = status.message();
    std::string reason = m.find("is full") != std::string::npos
                             ? "the disk holding the event log is full"
                         : m.find("readonly") != std::string::npos
                             ? "the event log's file system is read-only"
                             : "the event log cannot be written (I/O error; see the service log)";
    {
      std::lock_guard lock(fault_mu_);
      storage_fault_ = std::move(reason);
    }
    faulted_ = true;
    return Unavailable(status.message() + "; appends are paused and retried until one succeeds");
  }
  if (!status.ok()) {
    return status;
  }
  if (faulted_.exchange(false)) {
    std::lock_guard lock(fault_mu_);
    storage_fault_.reset();
  }
  return result;
}

LogCompacted EventLog::PrepareCompaction(const LogCompacted& marker, const Batch& batch,
                                         std::size_t index, const AppendResult& so_far) {
  // The bound is the last event stored before this batch; the batch's own
  // compactable events before the marker count into its totals.
  std::int64_t bound = 0;
  std::map<std::string, std::int64_t, std::less<>> in_batch;
  bool first = true;
  for (std::size_t k = 0; k < index; ++k) {
    const auto seq = so_far.seqs[k].value();
    if (seq == 0) {
      continue;
    }
    if (first) {
      bound = seq - 1;
      first = false;
    }
    const auto type = TypeName(batch.events[k].event);
    if (compaction::IsCompactable(type)) {
      ++in_batch[std::string(type)];
    }
  }
  if (first) {
    bound = db_->execAndGet("SELECT COALESCE(MAX(seq), 0) FROM events").getInt64();
  }
  compaction_idle_ = false;
  return compaction::Prepare(*db_, marker, bound, in_batch);
}

Result<compaction::StepResult> EventLog::CompactStep(std::size_t budget) {
  compaction::StepResult step;
  if (!stmts_ || compaction_idle_) {
    return step;
  }
  auto status = Wrap(
      [&] {
        db_->exec("BEGIN IMMEDIATE");
        try {
          step = compaction::Step(*db_, budget);
          db_->exec("COMMIT");
        } catch (...) {
          try {
            db_->exec("ROLLBACK");
          } catch (...) {
          }
          throw;
        }
      },
      "compaction step failed");
  if (!status.ok()) {
    return status;
  }
  compaction_idle_ = !step.more;
  removed_by_compaction_ += step.removed;
  return step;
}

Result<std::map<std::string, compaction::TypeState>> EventLog::CompactionState() {
  std::map<std::string, compaction::TypeState> out;
  auto s = Wrap([&] { out = compaction::State(*db_); }, "cannot read the compaction state");
  if (!s.ok()) {
    return s;
  }
  return out;
}

std::optional<std::string> EventLog::StorageFault() const {
  if (!faulted_.load()) {
    return std::nullopt;
  }
  std::lock_guard lock(fault_mu_);
  return storage_fault_;
}

std::vector<EventRecord> EventLog::AppendedRecords(const Batch& batch, const AppendResult& result) {
  std::vector<EventRecord> records;
  records.reserve(result.appended);
  for (std::size_t i = 0; i < batch.events.size() && i < result.seqs.size(); ++i) {
    if (result.seqs[i].value() == 0) {
      continue;
    }
    const auto& e = batch.events[i];
    records.push_back(
        EventRecord{result.seqs[i], e.event_time, result.recorded_at, e.source, e.event});
  }
  for (const auto& [index, event] : result.completed) {
    for (auto& r : records) {
      if (r.seq == result.seqs[index]) {
        r.event = event;
      }
    }
  }
  return records;
}

Status EventLog::ForEach(EventSeq after, const std::function<bool(const EventRecord&)>& fn,
                         std::size_t limit, const std::optional<std::string>& type) {
  Status decode_error;
  auto status = Wrap(
      [&] {
        std::string sql =
            "SELECT seq, type, version, event_time, recorded_at, source_id, payload FROM events "
            "WHERE seq > ?";
        std::optional<int> code;
        if (type) {
          code = codec::TypeCode(*type);
          if (!code) {
            decode_error = InvalidArgument("unknown event type \"" + *type + "\"");
            return;
          }
          sql += " AND type = ?";
        }
        sql += " ORDER BY seq";
        if (limit > 0) {
          sql += " LIMIT " + std::to_string(limit);
        }
        // The hot path of replay: the raw API avoids a copy per column.
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(db_->getHandle(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
          throw SQLite::Exception(db_->getHandle(), sqlite3_errcode(db_->getHandle()));
        }
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(raw, &sqlite3_finalize);
        sqlite3_bind_int64(raw, 1, after.value());
        if (code) {
          sqlite3_bind_int(raw, 2, *code);
        }
        EventRecord record;
        for (;;) {
          const int rc = sqlite3_step(raw);
          if (rc == SQLITE_DONE) {
            break;
          }
          if (rc != SQLITE_ROW) {
            throw SQLite::Exception(db_->getHandle(), rc);
          }
          const auto seq = sqlite3_column_int64(raw, 0);
          const int type_code = sqlite3_column_int(raw, 1);
          const auto type_name = codec::TypeNameOfCode(type_code);
          if (type_name.empty()) {
            decode_error = Corruption(path_.string() + ": event " + std::to_string(seq) +
                                      " has type code " + std::to_string(type_code) +
                                      ", unknown to this build; upgrade Tributary");
            return;
          }
          const int version = sqlite3_column_int(raw, 2);
          const auto* blob = static_cast<const char*>(sqlite3_column_blob(raw, 6));
          const std::string_view payload(blob == nullptr ? "" : blob,
                                         static_cast<std::size_t>(sqlite3_column_bytes(raw, 6)));
          auto event = codec::DecodePayload(type_name, version, payload);
          if (!event.ok()) {
            decode_error = Corruption(path_.string() + ": event " + std::to_string(seq) + ": " +
                                      event.status().message());
            return;
          }
          record.seq = EventSeq(seq);
          record.event_time = FromMillis(sqlite3_column_int64(raw, 3));
          record.recorded_at = FromMillis(sqlite3_column_int64(raw, 4));
          record.source = SourceName(sqlite3_column_int64(raw, 5));
          record.event = std::move(event).value();
          if (!fn(record)) {
            return;
          }
        }
      },
      "cannot read events");
  if (!status.ok()) {
    return status;
  }
  return decode_error;
}

Result<std::vector<EventRecord>> EventLog::Read(EventSeq after, std::size_t limit,
                                                std::optional<std::string> type) {
  std::vector<EventRecord> out;
  auto s = ForEach(
      after,
      [&](const EventRecord& r) {
        out.push_back(r);
        return true;
      },
      limit, std::move(type));
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<EventSeq> EventLog::LastSeq() {
  std::int64_t seq = 0;
  auto s =
      Wrap([&] { seq = db_->execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64(); },
           "cannot read the last sequence number");
  if (!s.ok()) {
    return s;
  }
  return EventSeq(seq);
}

Result<std::int64_t> EventLog::CountEvents() {
  std::int64_t n = 0;
  auto s = Wrap([&] { n = db_->execAndGet("SELECT count(*) FROM events").getInt64(); },
                "cannot count events");
  if (!s.ok()) {
    return s;
  }
  return n;
}

std::int64_t EventLog::SourceIdInTransaction(const std::string& source) {
  if (auto it = source_ids_.find(source); it != source_ids_.end()) {
    return it->second;
  }
  SQLite::Statement find(*db_, "SELECT id FROM sources WHERE name = ?");
  find.bind(1, source);
  std::int64_t id = 0;
  if (find.executeStep()) {
    id = find.getColumn(0).getInt64();
  } else {
    SQLite::Statement add(*db_, "INSERT INTO sources(name) VALUES(?)");
    add.bind(1, source);
    add.exec();
    id = db_->getLastInsertRowid();
  }
  // Cached only once the row is committed: a rolled-back batch forgets it.
  pending_source_ids_.emplace_back(source, id);
  return id;
}

const std::string& EventLog::SourceName(std::int64_t id) {
  if (auto it = source_names_.find(id); it != source_names_.end()) {
    return it->second;
  }
  SQLite::Statement all(*db_, "SELECT id, name FROM sources");
  while (all.executeStep()) {
    source_names_[all.getColumn(0).getInt64()] = all.getColumn(1).getString();
  }
  return source_names_[id];
}

Result<std::vector<SourceOffset>> EventLog::Offsets(const std::string& source) {
  std::vector<SourceOffset> out;
  auto s = Wrap(
      [&] {
        SQLite::Statement q(*db_,
                            "SELECT partition, next_offset FROM source_offsets WHERE source = ? "
                            "ORDER BY partition");
        q.bind(1, source);
        while (q.executeStep()) {
          out.push_back({source, q.getColumn(0).getInt(), q.getColumn(1).getInt64()});
        }
      },
      "cannot read source offsets");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> EventLog::FoldState(
    const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  auto s = Wrap(
      [&] {
        SQLite::Statement q(*db_,
                            "SELECT key, value FROM fold_state WHERE substr(key, 1, ?) = ? "
                            "ORDER BY key");
        q.bind(1, static_cast<int>(prefix.size()));
        q.bind(2, prefix);
        while (q.executeStep()) {
          const auto value = q.getColumn(1);
          out.emplace_back(q.getColumn(0).getString(),
                           std::string(static_cast<const char*>(value.getBlob()),
                                       static_cast<std::size_t>(value.getBytes())));
        }
      },
      "cannot read fold state");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Result<std::vector<StoredQuarantineRecord>> EventLog::Quarantine(std::int64_t after_id,
                                                                 std::size_t limit) {
  std::vector<StoredQuarantineRecord> out;
  auto s = Wrap(
      [&] {
        SQLite::Statement q(*db_,
                            "SELECT id, source, topic, partition, record_offset, record_key, "
                            "record_value, reason, recorded_at FROM quarantine WHERE id > ? "
                            "ORDER BY id LIMIT ?");
        q.bind(1, static_cast<std::int64_t>(after_id));
        q.bind(2, static_cast<std::int64_t>(limit));
        auto blob = [](const SQLite::Column& c) {
          return std::string(static_cast<const char*>(c.getBlob()),
                             static_cast<std::size_t>(c.getBytes()));
        };
        while (q.executeStep()) {
          StoredQuarantineRecord r;
          r.id = q.getColumn(0).getInt64();
          r.record.source = q.getColumn(1).getString();
          r.record.topic = q.getColumn(2).getString();
          if (!q.getColumn(3).isNull()) {
            r.record.partition = q.getColumn(3).getInt();
          }
          if (!q.getColumn(4).isNull()) {
            r.record.offset = q.getColumn(4).getInt64();
          }
          r.record.key = blob(q.getColumn(5));
          r.record.value = blob(q.getColumn(6));
          r.record.reason = q.getColumn(7).getString();
          r.recorded_at = FromMillis(q.getColumn(8).getInt64());
          out.push_back(std::move(r));
        }
      },
      "cannot read the quarantine");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Status EventLog::SaveSnapshots(const std::vector<StoredSnapshot>& snapshots) {
  return Wrap(
      [&] {
        db_->exec("BEGIN IMMEDIATE");
        try {
          SQLite::Statement put(
              *db_,
              "INSERT INTO snapshots(projection, format_version, seq, digest, state, written_at) "
              "VALUES(?,?,?,?,?,?) ON CONFLICT(projection) DO UPDATE SET "
              "format_version=excluded.format_version, seq=excluded.seq, digest=excluded.digest, "
              "state=excluded.state, written_at=excluded.written_at");
          for (const auto& snap : snapshots) {
            put.reset();
            put.bind(1, snap.projection);
            put.bind(2, snap.format_version);
            put.bind(3, static_cast<std::int64_t>(snap.seq.value()));
            put.bind(4, snap.digest);
            put.bindNoCopy(5, snap.state.data(), static_cast<int>(snap.state.size()));
            put.bind(6, static_cast<std::int64_t>(ToMillis(clock_.Now())));
            put.exec();
          }
          db_->exec("COMMIT");
        } catch (...) {
          try {
            db_->exec("ROLLBACK");
          } catch (...) {
          }
          throw;
        }
      },
      "cannot save snapshots");
}

Result<std::optional<StoredSnapshot>> EventLog::LoadSnapshot(const std::string& projection) {
  std::optional<StoredSnapshot> out;
  auto s = Wrap(
      [&] {
        SQLite::Statement q(*db_,
                            "SELECT format_version, seq, digest, state FROM snapshots "
                            "WHERE projection = ?");
        q.bind(1, projection);
        if (q.executeStep()) {
          const auto state = q.getColumn(3);
          out = StoredSnapshot{projection, q.getColumn(0).getInt(),
                               EventSeq(q.getColumn(1).getInt64()), q.getColumn(2).getString(),
                               std::string(static_cast<const char*>(state.getBlob()),
                                           static_cast<std::size_t>(state.getBytes()))};
        }
      },
      "cannot load a snapshot");
  if (!s.ok()) {
    return s;
  }
  return out;
}

Status EventLog::BackupTo(const std::filesystem::path& out) {
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    return Status(ErrorCode::kAlreadyExists,
                  out.string() + ": exists; a backup never overwrites a file");
  }
  const auto partial = std::filesystem::path(out.string() + ".partial");
  std::filesystem::remove(partial, ec);
  try {
    SQLite::Database copy(partial.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Backup backup(copy, *db_);
    // All pages in one step: one read transaction, one consistent copy. Busy
    // only while another connection holds a lock it cannot share.
    for (int attempt = 0;; ++attempt) {
      const int rc = backup.executeStep(-1);
      if (rc == SQLITE_DONE) {
        break;
      }
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt == 300) {
        throw SQLite::Exception("the copy did not complete", rc);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } catch (const std::exception& e) {
    std::filesystem::remove(partial, ec);
    return IoError("cannot back up " + path_.string() + " to " + partial.string() + ": " +
                   e.what());
  }
  const int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);
  }
  if (!synced) {
    std::filesystem::remove(partial, ec);
    return IoError(partial.string() + ": cannot sync the backup: " + std::strerror(errno));
  }
  std::filesystem::rename(partial, out, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    return IoError(out.string() + ": cannot move the backup into place: " + ec.message());
  }
  const auto dir = out.has_parent_path() ? out.parent_path() : std::filesystem::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Result<std::string> EventLog::IntegrityCheck() {
  std::string verdict;
  auto s = Wrap([&] { verdict = db_->execAndGet("PRAGMA integrity_check").getString(); },
                "integrity check failed");
  if (!s.ok()) {
    return s;
  }
  return verdict;
}

}  // namespace tributary
