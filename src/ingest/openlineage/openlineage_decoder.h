#pragma once
// OpenLineageDecoder: OpenLineage RunEvent, JobEvent and DatasetEvent documents
// (spec 2-0-x; from the `openlineage.events` topic or POST /api/v1/lineage)
// into lineage facts with node ids.
//
//   RunEvent      {eventType?, eventTime, run{runId}, job{namespace,name}, inputs[], outputs[],
//   producer, schemaURL} JobEvent      {eventTime, job{namespace,name}, inputs[], outputs[],
//   producer, schemaURL} (no run) DatasetEvent  {eventTime, dataset{namespace,name}, producer,
//   schemaURL}
//
// Datasets in a Kafka namespace (`kafka://host:port`, several comma-separated
// bootstrap addresses allowed) become topic:<cluster>/<name> when one of the
// addresses is in a configured cluster's bootstrap list; every other dataset
// (including unmatched Kafka namespaces) becomes NodeId::Dataset(namespace, name):
// namespace and name kept apart and the name as given, as the OpenLineage naming
// spec has them (s3://bucket + path/to/file, postgres://host:5432 +
// db.schema.table, file + /data/x; tributary/ids.h).
//
// Errors are InvalidArgument naming the field ("job.name: missing"); the caller
// quarantines the record or answers 400. Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/cluster_directory.h"
#include "tributary/clock.h"
#include "tributary/ids.h"
#include "tributary/result.h"

namespace tributary::ingest::openlineage {

enum class LineageEventKind { kRun, kJob, kDataset };
std::string_view ToString(LineageEventKind kind);  // "RunEvent" | "JobEvent" | "DatasetEvent"

struct DecodedLineageEvent {
  LineageEventKind kind = LineageEventKind::kRun;
  Timestamp time;
  std::string event_type;  // RunEvent: START | RUNNING | COMPLETE | ABORT | FAIL | OTHER; else ""
  std::optional<NodeId> job;  // RunEvent and JobEvent: job:<namespace>/<name>
  std::string run_id;         // RunEvent only
  std::vector<NodeId> inputs;
  std::vector<NodeId> outputs;
  std::optional<NodeId> dataset;  // DatasetEvent only
  std::string producer;           // may be empty
};

// Decodes one document. Refuses documents over 1 MiB.
Result<DecodedLineageEvent> DecodeOpenLineageEvent(std::string_view value,
                                                   const ClusterDirectory& clusters);

// The node of a dataset: a topic of the matching cluster for Kafka namespaces
// (`kafka://h1:9092,h2:9092`), else NodeId::Dataset(namespace, name).
// REQUIRES: `dataset_namespace` and `name` are non-empty.
NodeId DatasetNode(std::string_view dataset_namespace, std::string_view name,
                   const ClusterDirectory& clusters);

// The idempotency key of an event for POST /api/v1/lineage and topic re-delivery:
// equal for re-sent copies of one event, different for different events, e.g.
// "run/<runId>/<eventType>/<eventTime>/<job id>".
std::string LineageIdempotencyKey(const DecodedLineageEvent& event);

}  // namespace tributary::ingest::openlineage
