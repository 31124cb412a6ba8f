#include "ingest/openlineage/openlineage_decoder.h"

#include <utility>

#include "ingest/json_input.h"

namespace tributary::ingest::openlineage {
namespace {

namespace js = ::tributary::ingest::json;
using nlohmann::json;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '/')) {
    s.remove_suffix(1);
  }
  return s;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    auto c = text[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

// The cluster of a `kafka://host:port[,host:port...]` namespace, if any address
// is a configured bootstrap address. An address without a port is tried with
// Kafka's default port 9092.
std::optional<std::string> KafkaCluster(std::string_view ns, const ClusterDirectory& clusters) {
  constexpr std::string_view kScheme = "kafka://";
  if (!StartsWithNoCase(ns, kScheme)) {
    return std::nullopt;
  }
  auto rest = ns.substr(kScheme.size());
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    rest = rest.substr(0, slash);
  }
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto address = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (address.empty()) {
      continue;
    }
    if (auto c = clusters.ByBootstrap(address)) {
      return c;
    }
    // "host" alone (no ':' or a bracketed IPv6 literal without a port).
    if (address.find(':') == std::string_view::npos ||
        (address.front() == '[' && address.back() == ']')) {
      if (auto c = clusters.ByBootstrap(std::string(address) + ":9092")) {
        return c;
      }
    }
  }
  return std::nullopt;
}

// {namespace, name} of a job or dataset object at `path`.
Result<std::pair<std::string, std::string>> NamespaceAndName(const json& obj,
                                                             std::string_view path) {
  if (auto s = js::RequireObject(obj, path); !s.ok()) {
    return s;
  }
  auto ns = js::Name(obj, "namespace", path);
  if (!ns.ok()) {
    return ns.status();
  }
  auto name = js::Name(obj, "name", path);
  if (!name.ok()) {
    return name.status();
  }
  return std::pair{std::move(ns).value(), std::move(name).value()};
}

Result<std::vector<NodeId>> Datasets(const json& root, std::string_view key,
                                     const ClusterDirectory& clusters) {
  std::vector<NodeId> out;
  const auto* list = js::Find(root, key);
  if (list == nullptr) {
    return out;
  }
  if (!list->is_array()) {
    return js::Expected(key, "an array", *list);
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto nn = NamespaceAndName((*list)[i], std::string(key) + "[" + std::to_string(i) + "]");
    if (!nn.ok()) {
      return nn.status();
    }
    auto node = DatasetNode(nn->first, nn->second, clusters);
    bool seen = false;
    for (const auto& existing : out) {
      seen = seen || existing == node;
    }
    if (!seen) {
      out.push_back(std::move(node));
    }
  }
  return out;
}

Result<DecodedLineageEvent> Decode(std::string_view value, const ClusterDirectory& clusters) {
  auto parsed = js::Parse(value, "OpenLineage event");
  if (!parsed.ok()) {
    return parsed.status();
  }
  const json& root = *parsed;
  if (auto s = js::RequireObject(root, "OpenLineage event"); !s.ok()) {
    return s;
  }
  DecodedLineageEvent out;
  const auto* run = js::Find(root, "run");
  const auto* job = js::Find(root, "job");
  const auto* dataset = js::Find(root, "dataset");
  if (run != nullptr) {
    out.kind = LineageEventKind::kRun;
  } else if (job != nullptr) {
    out.kind = LineageEventKind::kJob;
  } else if (dataset != nullptr) {
    out.kind = LineageEventKind::kDataset;
  } else {
    return InvalidArgument(
        "OpenLineage event: has none of run (RunEvent), job (JobEvent) or dataset (DatasetEvent)");
  }
  auto time = js::Time(root, "eventTime", "");
  if (!time.ok()) {
    return time.status();
  }
  out.time = *time;
  auto producer = js::OptionalString(root, "producer", "");
  if (!producer.ok()) {
    return producer.status();
  }
  out.producer = producer->value_or("");

  if (out.kind == LineageEventKind::kDataset) {
    auto nn = NamespaceAndName(*dataset, "dataset");
    if (!nn.ok()) {
      return nn.status();
    }
    out.dataset = DatasetNode(nn->first, nn->second, clusters);
    return out;
  }

  if (job == nullptr) {
    return js::Missing("job");
  }
  auto job_nn = NamespaceAndName(*job, "job");
  if (!job_nn.ok()) {
    return job_nn.status();
  }
  out.job = NodeId::Job(job_nn->first, job_nn->second);

  if (out.kind == LineageEventKind::kRun) {
    if (auto s = js::RequireObject(*run, "run"); !s.ok()) {
      return s;
    }
    auto run_id = js::Name(*run, "runId", "run");
    if (!run_id.ok()) {
      return run_id.status();
    }
    out.run_id = std::move(run_id).value();
    // eventType is optional in the spec; a run event without one is OTHER.
    auto type = js::OptionalString(root, "eventType", "");
    if (!type.ok()) {
      return type.status();
    }
    out.event_type = type->value_or("OTHER");
    if (auto s = js::OneOf(out.event_type,
                           {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}, "eventType");
        !s.ok()) {
      return s;
    }
  }
  auto inputs = Datasets(root, "inputs", clusters);
  if (!inputs.ok()) {
    return inputs.status();
  }
  out.inputs = std::move(inputs).value();
  auto outputs = Datasets(root, "outputs", clusters);
  if (!outputs.ok()) {
    return outputs.status();
  }
  out.outputs = std::move(outputs).value();
  return out;
}

}  // namespace

std::string_view ToString(LineageEventKind kind) {
  switch (kind) {
    case LineageEventKind::kRun:
      return "RunEvent";
    case LineageEventKind::kJob:
      return "JobEvent";
    case LineageEventKind::kDataset:
      return "DatasetEvent";
  }
  return "RunEvent";
}

NodeId DatasetNode(std::string_view dataset_namespace, std::string_view name,
                   const ClusterDirectory& clusters) {
  if (auto cluster = KafkaCluster(dataset_namespace, clusters)) {
    return NodeId::Topic(*cluster, name);
  }
  return NodeId::Dataset(dataset_namespace, name);
}

Result<DecodedLineageEvent> DecodeOpenLineageEvent(std::string_view value,
                                                   const ClusterDirectory& clusters) {
  try {
    return Decode(value, clusters);
  } catch (const std::exception& e) {
    // Not expected: every access is checked. A record must never stop the pipeline.
    return InvalidArgument(std::string("OpenLineage event could not be decoded: ") + e.what());
  }
}

std::string LineageIdempotencyKey(const DecodedLineageEvent& event) {
  std::string key;
  const auto time = FormatRfc3339(event.time);
  switch (event.kind) {
    case LineageEventKind::kRun:
      key.append("run/").append(event.run_id).append("/").append(event.event_type);
      key.append("/").append(time).append("/").append(event.job ? event.job->str() : "");
      break;
    case LineageEventKind::kJob:
      key.append("job/").append(event.job ? event.job->str() : "").append("/").append(time);
      break;
    case LineageEventKind::kDataset:
      key.append("dataset/")
          .append(event.dataset ? event.dataset->str() : "")
          .append("/")
          .append(time);
      break;
  }
  return key;
}

}  // namespace tributary::ingest::openlineage
