#pragma once
// The composition of ingestion: which translator reads which topic of which
// cluster, from the [clusters] and [sources] sections of the config. The only
// place that knows every source adapter.

#include <vector>

#include "app/config.h"
#include "ingest/kafka_reader.h"
#include "ingest/pipeline.h"

namespace tributary {

// Registers a translator for every configured topic source with `pipeline` and
// returns one reader configuration per cluster that has sources.
Result<std::vector<ingest::KafkaReaderOptions>> WireSources(const Config& config,
                                                            ingest::IngestPipeline& pipeline);

}  // namespace tributary
