#pragma once
// CatalogWriter: the CatalogWrites port (tributary/catalog_writes.h) of the
// composition root. With a catalog topic it produces each write as a
// structured-mode catalog CloudEvent (ingest/catalog/catalog_encoder.h: the id
// is random, the source is the token's name, which the catalog decoder makes
// the event's actor), keyed by the product so that one product's changes keep
// their order, with an idempotent producer and acks=all; then it waits until
// the log's stored offsets of the catalog source pass the record (the catalog
// source applied it, on this replica too), at most `timeout`. Without a
// catalog topic it commits the event through the API writer.
//
// Thread-safe: one producer shared by the HTTP threads.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "log/replication/kafka_config.h"
#include "tributary/catalog_writes.h"
#include "tributary/clock.h"
#include "tributary/commit.h"
#include "tributary/writer.h"

struct rd_kafka_s;

namespace tributary {

struct CatalogWriterOptions {
  // The catalog topic and its cluster; no topic: writes go to the log.
  std::optional<log::replication::KafkaClientConfig> kafka;
  std::string topic;
  std::chrono::milliseconds timeout{10000};
};

class CatalogWriter final : public CatalogWrites {
 public:
  // `offsets(source)`: the log's stored next offsets of a source
  // ("<cluster>/<topic>"), read from any thread. `writer`: the API writer.
  using OffsetsFn = std::function<Result<std::vector<SourceOffset>>(const std::string&)>;
  static Result<std::unique_ptr<CatalogWriter>> Open(CatalogWriterOptions options, Writer& writer,
                                                     OffsetsFn offsets, const Clock& clock);
  ~CatalogWriter() override;
  CatalogWriter(const CatalogWriter&) = delete;
  CatalogWriter& operator=(const CatalogWriter&) = delete;

  Result<DomainEvent> Decode(std::string_view type, const nlohmann::json& data,
                             const std::string& actor) const override;
  Status Write(const DomainEvent& event, const WriteGrant& grant,
               std::optional<std::string> dedup_key) override;
  std::string destination() const override;

 private:
  CatalogWriter(CatalogWriterOptions options, Writer& writer, OffsetsFn offsets,
                const Clock& clock);
  Status Produce(const DomainEvent& event, const WriteGrant& grant);

  CatalogWriterOptions options_;
  Writer& writer_;
  OffsetsFn offsets_;
  const Clock& clock_;
  std::string source_;  // "<cluster>/<topic>": the catalog source's offsets key
  rd_kafka_s* producer_ = nullptr;
  std::mutex produce_mu_;
};

}  // namespace tributary
