#pragma once
// PolledSource: a source that is asked, not read — a REST API or the Kafka
// Admin API polled every `interval()`. What changed since the previous poll is
// emitted as timer decisions (idempotent by a dedup key); the state a poll is
// compared with is fold state, committed in the same transaction as the events,
// so a crash can neither lose nor repeat a change.
//
// Used on the single writer thread only.

#include <string>

#include "ingest/translator.h"

namespace tributary::ingest {

class PolledSource : public SourceTranslator {
 public:
  // The source name in the log, e.g. "registry:https://sr.example.com".
  virtual std::string name() const = 0;
  virtual Duration interval() const = 0;
  // Fetches and emits what changed. On an error nothing of the poll is kept
  // (the pipeline restores the fold state) and it is retried at the next interval.
  virtual Status Poll(Timestamp now, TranslationSink& sink) = 0;

  // Polled sources have no records.
  void Translate(const RawRecord&, TranslationSink&) override {}
};

}  // namespace tributary::ingest
