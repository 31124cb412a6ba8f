#pragma once
// SourceTranslator: turns the records of one source into domain events.
//
// Translators fold noise into facts (DESIGN.md §2 principle 3): they keep state
// between records and emit an event only when a fact changes. Their state is
// persisted as fold-state entries written in the same transaction as the events
// and source offsets of a batch, under keys that start with the translator's
// prefix; Restore() rebuilds the state from those entries after a restart.
//
// Translators are used on the single writer thread only.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ingest/raw_record.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary::ingest {

// Collects what a translator produced for the record being translated (or for
// a timer). Owned by the pipeline.
class TranslationSink {
 public:
  virtual ~TranslationSink() = default;
  // An event derived from the current record; re-delivery of the record is
  // idempotent (its source key is the record's coordinates and this call's index).
  virtual void Emit(DomainEvent event, Timestamp event_time) = 0;
  // An event decided by a timer, idempotent by `dedup_key`.
  virtual void EmitDecision(DomainEvent event, Timestamp event_time, std::string dedup_key) = 0;
  // The current record cannot be used: keep it in the quarantine with `reason`.
  virtual void Quarantine(std::string reason) = 0;
  // Persist (or, without a value, erase) a fold-state entry with this batch.
  virtual void WriteFold(std::string key, std::optional<std::string> value) = 0;
};

class SourceTranslator {
 public:
  virtual ~SourceTranslator() = default;
  // The prefix of every fold-state key this translator writes ("" when stateless).
  virtual std::string fold_prefix() const = 0;
  virtual Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) = 0;
  virtual void Translate(const RawRecord& record, TranslationSink& sink) = 0;
  // Fires timers due at `now` (event time while catching up, the wall clock after).
  virtual void Tick(Timestamp now, TranslationSink& sink) { (void)now, (void)sink; }
  // Writes the fold state changed since the last flush; called at the end of
  // every batch, so state is serialised once per batch, not once per record.
  virtual void Flush(TranslationSink& sink) { (void)sink; }
};

}  // namespace tributary::ingest
