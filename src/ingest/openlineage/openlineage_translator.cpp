#include "ingest/openlineage/openlineage_translator.h"

#include <nlohmann/json.hpp>

#include "ingest/openlineage/openlineage_decoder.h"

namespace tributary::ingest::openlineage {

namespace {

std::string Encode(const auto& state) {
  const auto bytes =
      nlohmann::json::to_msgpack({{"r", state.run_id}, {"i", state.inputs}, {"o", state.outputs}});
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

Status OpenLineageTranslator::Restore(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  jobs_.clear();
  dirty_.clear();
  try {
    for (const auto& [key, value] : entries) {
      const auto j = nlohmann::json::from_msgpack(value);
      jobs_[key.substr(fold_prefix().size())] =
          JobState{j.at("r").get<std::string>(), j.at("i").get<std::set<std::string>>(),
                   j.at("o").get<std::set<std::string>>()};
    }
  } catch (const std::exception& e) {
    return Corruption(std::string("openlineage fold state: ") + e.what());
  }
  return Status::Ok();
}

std::optional<std::string> OpenLineageTranslator::SavedJob(const std::string& job) const {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) {
    return std::nullopt;
  }
  return Encode(it->second);
}

void OpenLineageTranslator::ReinstateJob(const std::string& job,
                                         const std::optional<std::string>& saved) {
  dirty_.erase(job);
  if (!saved) {
    jobs_.erase(job);
    return;
  }
  const auto j = nlohmann::json::from_msgpack(*saved);
  jobs_[job] = JobState{j.at("r").get<std::string>(), j.at("i").get<std::set<std::string>>(),
                        j.at("o").get<std::set<std::string>>()};
}

std::optional<JobObserved> OpenLineageTranslator::Fold(const DecodedLineageEvent& event) {
  if (!event.job || event.kind == LineageEventKind::kDataset) {
    return std::nullopt;
  }
  std::set<std::string> inputs;
  std::set<std::string> outputs;
  for (const auto& n : event.inputs) {
    inputs.insert(n.str());
  }
  for (const auto& n : event.outputs) {
    outputs.insert(n.str());
  }
  // A run without datasets (e.g. a RUNNING heartbeat) adds nothing to what the
  // job is known to read and write; a job is kept only once it adds something.
  static const JobState kUnknown;
  auto found = jobs_.find(event.job->str());
  const JobState& known = found == jobs_.end() ? kUnknown : found->second;
  const bool new_run = !event.run_id.empty() && event.run_id != known.run_id;
  const bool io_changed =
      (!inputs.empty() || !outputs.empty()) && (inputs != known.inputs || outputs != known.outputs);
  if (!new_run && !io_changed) {
    return std::nullopt;
  }
  auto& state = found == jobs_.end() ? jobs_[event.job->str()] : found->second;
  if (!event.run_id.empty()) {
    state.run_id = event.run_id;
  }
  if (io_changed) {
    state.inputs = std::move(inputs);
    state.outputs = std::move(outputs);
  }
  dirty_.insert(event.job->str());
  JobObserved fact{*event.job, event.run_id, event.event_type, {}, {}};
  for (const auto& n : state.inputs) {
    fact.inputs.push_back(NodeId::FromTrusted(n));
  }
  for (const auto& n : state.outputs) {
    fact.outputs.push_back(NodeId::FromTrusted(n));
  }
  return fact;
}

void OpenLineageTranslator::Translate(const RawRecord& record, TranslationSink& sink) {
  if (!record.value) {
    return;
  }
  auto decoded = DecodeOpenLineageEvent(*record.value, clusters_);
  if (!decoded.ok()) {
    sink.Quarantine(decoded.status().message());
    return;
  }
  if (auto fact = Fold(*decoded)) {
    sink.Emit(std::move(*fact), decoded->time);
  }
}

void OpenLineageTranslator::Flush(TranslationSink& sink) {
  for (const auto& job : dirty_) {
    sink.WriteFold(fold_prefix() + job, Encode(jobs_.at(job)));
  }
  dirty_.clear();
}

}  // namespace tributary::ingest::openlineage
