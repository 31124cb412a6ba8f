#pragma once
// OpenLineageTranslator: OpenLineage run and job events become job_observed
// facts (a job with its input and output datasets; Kafka datasets are topic
// nodes of the matching cluster). Runs repeat themselves (START, RUNNING,
// COMPLETE, every schedule); a fact is recorded only when a job's inputs or
// outputs change, or a new run of it starts. DatasetEvents carry no edge and are
// skipped. State lives under "ol/". Single-threaded.

#include <map>
#include <set>

#include "ingest/cluster_directory.h"
#include "ingest/openlineage/openlineage_decoder.h"
#include "ingest/translator.h"

namespace tributary::ingest::openlineage {

class OpenLineageTranslator final : public SourceTranslator {
 public:
  explicit OpenLineageTranslator(ClusterDirectory clusters) : clusters_(std::move(clusters)) {}

  std::string fold_prefix() const override { return "ol/"; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override;
  void Translate(const RawRecord& record, TranslationSink& sink) override;
  void Flush(TranslationSink& sink) override;

  // The fact a decoded event contributes, if any, updating the folded state; the
  // HTTP ingest endpoint uses the same path.
  std::optional<JobObserved> Fold(const DecodedLineageEvent& event);

 private:
  struct JobState {
    std::string run_id;
    std::set<std::string> inputs;
    std::set<std::string> outputs;
  };
  ClusterDirectory clusters_;
  std::map<std::string, JobState> jobs_;  // by job node id
  std::set<std::string> dirty_;
};

}  // namespace tributary::ingest::openlineage
