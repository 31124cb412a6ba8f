#pragma once
// CommitObserver: sees every offset commit the consumer_offsets translator folds
// (consumer health keeps the last commits of each partition, src/health/). Its
// state is fold state too: Flush() writes what changed with the same batch as
// the commits, through the translator's sink.
//
// Called on the single writer thread only.

#include <cstdint>
#include <string_view>

#include "ingest/translator.h"

namespace tributary::ingest::consumer_offsets {

class CommitObserver {
 public:
  // Kept by the translator with its own state of each (group, topic) and
  // handed back with every commit of it: the observer may note its own entry
  // there and skip looking it up (it checks the epoch: it may have dropped it).
  struct Hint {
    void* entry = nullptr;
    std::uint64_t epoch = 0;
  };

  virtual ~CommitObserver() = default;
  virtual void OnCommit(std::string_view group, std::string_view topic, std::int32_t partition,
                        std::int64_t offset, std::int64_t commit_ms, Hint& hint) = 0;
  virtual void OnOffsetDeleted(std::string_view group, std::string_view topic,
                               std::int32_t partition) = 0;
  virtual void OnGroupDeleted(std::string_view group) = 0;
  // Writes the observer's changed fold state with the translator's batch.
  virtual void FlushObserved(TranslationSink& sink) = 0;
};

}  // namespace tributary::ingest::consumer_offsets
