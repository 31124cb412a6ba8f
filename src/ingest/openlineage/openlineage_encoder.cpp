#include "ingest/openlineage/openlineage_encoder.h"

#include <nlohmann/json.hpp>

namespace tributary::ingest::openlineage {
namespace {

using ordered = nlohmann::ordered_json;

std::string SchemaUrl(std::string_view type) {
  return std::string(kSpecBase) + "#/$defs/" + std::string(type);
}

ordered Datasets(const std::vector<LineageDataset>& list, std::string_view io_facets_key) {
  auto out = ordered::array();
  for (const auto& d : list) {
    ordered item;
    item["namespace"] = d.dataset_namespace;
    item["name"] = d.name;
    item["facets"] = ordered::object();
    item[std::string(io_facets_key)] = ordered::object();
    out.push_back(std::move(item));
  }
  return out;
}

ordered Job(const std::string& ns, const std::string& name) {
  return ordered{{"namespace", ns}, {"name", name}, {"facets", ordered::object()}};
}

}  // namespace

std::string EncodeRunEvent(const RunEventSpec& spec) {
  ordered root;
  root["eventType"] = spec.event_type;
  root["eventTime"] = FormatRfc3339(spec.time);
  root["run"] = ordered{{"runId", spec.run_id}, {"facets", ordered::object()}};
  root["job"] = Job(spec.job_namespace, spec.job_name);
  root["inputs"] = Datasets(spec.inputs, "inputFacets");
  root["outputs"] = Datasets(spec.outputs, "outputFacets");
  root["producer"] = spec.producer;
  root["schemaURL"] = SchemaUrl("RunEvent");
  return root.dump();
}

std::string EncodeJobEvent(const JobEventSpec& spec) {
  ordered root;
  root["eventTime"] = FormatRfc3339(spec.time);
  root["job"] = Job(spec.job_namespace, spec.job_name);
  root["inputs"] = Datasets(spec.inputs, "inputFacets");
  root["outputs"] = Datasets(spec.outputs, "outputFacets");
  root["producer"] = spec.producer;
  root["schemaURL"] = SchemaUrl("JobEvent");
  return root.dump();
}

std::string EncodeDatasetEvent(const DatasetEventSpec& spec) {
  ordered root;
  root["eventTime"] = FormatRfc3339(spec.time);
  root["dataset"] = ordered{{"namespace", spec.dataset.dataset_namespace},
                            {"name", spec.dataset.name},
                            {"facets", ordered::object()}};
  root["producer"] = spec.producer;
  root["schemaURL"] = SchemaUrl("DatasetEvent");
  return root.dump();
}

}  // namespace tributary::ingest::openlineage
