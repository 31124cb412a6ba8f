#pragma once
// The composition of ingestion: which translator reads which topic of which
// cluster, from the [clusters] and [sources] sections of the config. The only
// place that knows every source adapter.

#include <functional>
#include <string>
#include <vector>

#include "app/config.h"
#include "health/health_model.h"
#include "ingest/cluster_directory.h"
#include "ingest/kafka_reader.h"
#include "ingest/pipeline.h"

namespace tributary {

namespace ingest::end_offsets {
class EndOffsetsSource;
}

// Consumer health (DESIGN.md §10): the model of the consumer_offsets source's
// cluster, fed by its commits and an end-offsets source. Null model: health off.
struct HealthWiring {
  health::HealthModel* model = nullptr;
  // The catalog's product topics on the model's cluster (their facts are read too).
  std::function<std::vector<std::string>()> product_topics;
};

struct WiredSources {
  ingest::end_offsets::EndOffsetsSource* end_offsets = nullptr;  // owned by the pipeline
  std::vector<ingest::KafkaReaderOptions> readers;  // one per cluster with topic sources
  std::size_t polled = 0;                           // polled sources (REST, Admin API)
  bool empty() const { return readers.empty() && polled == 0; }
};

// The configured clusters with their bootstrap addresses normalised (host:port,
// lower-case, scheme dropped), to attribute audit-log CRNs and OpenLineage namespaces.
std::vector<ingest::ClusterInfo> ClusterInfos(const Config& config);

// Registers a translator for every configured source with `pipeline` and
// returns what the sources feed must read.
Result<WiredSources> WireSources(const Config& config, ingest::IngestPipeline& pipeline,
                                 const HealthWiring& health = {});

}  // namespace tributary
