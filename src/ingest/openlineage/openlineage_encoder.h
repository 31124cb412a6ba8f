#pragma once
// OpenLineageEncoder: writes RunEvent, JobEvent and DatasetEvent documents as an
// OpenLineage client (spec 2-0-2) would, for tests and the demo simulator.
// The inverse of DecodeOpenLineageEvent. Pure; thread-safe.

#include <string>
#include <vector>

#include "tributary/clock.h"

namespace tributary::ingest::openlineage {

inline constexpr std::string_view kSpecBase = "https://openlineage.io/spec/2-0-2/OpenLineage.json";

struct LineageDataset {
  std::string dataset_namespace;  // e.g. kafka://broker-1:9092 or s3://bucket
  std::string name;               // e.g. the topic
};

struct RunEventSpec {
  std::string event_type = "START";  // START | RUNNING | COMPLETE | ABORT | FAIL | OTHER
  Timestamp time;
  std::string run_id;  // a UUID
  std::string job_namespace;
  std::string job_name;
  std::vector<LineageDataset> inputs;
  std::vector<LineageDataset> outputs;
  std::string producer = "https://github.com/OpenLineage/OpenLineage/tree/1.26.0/integration/flink";
};

struct JobEventSpec {
  Timestamp time;
  std::string job_namespace;
  std::string job_name;
  std::vector<LineageDataset> inputs;
  std::vector<LineageDataset> outputs;
  std::string producer = "https://github.com/OpenLineage/OpenLineage/tree/1.26.0/client/python";
};

struct DatasetEventSpec {
  Timestamp time;
  LineageDataset dataset;
  std::string producer = "https://github.com/OpenLineage/OpenLineage/tree/1.26.0/client/python";
};

std::string EncodeRunEvent(const RunEventSpec& spec);
std::string EncodeJobEvent(const JobEventSpec& spec);
std::string EncodeDatasetEvent(const DatasetEventSpec& spec);

}  // namespace tributary::ingest::openlineage
