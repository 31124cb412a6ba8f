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
  // `fold_prefix` keeps apart the state of two translators in one log (the
  // topic's and POST /lineage's).
  explicit OpenLineageTranslator(ClusterDirectory clusters, std::string fold_prefix = "ol/")
      : clusters_(std::move(clusters)), fold_prefix_(std::move(fold_prefix)) {}

  std::string fold_prefix() const override { return fold_prefix_; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override;
  void Translate(const RawRecord& record, TranslationSink& sink) override;
  void Flush(TranslationSink& sink) override;

  // The fact a decoded event contributes, if any, updating the folded state; the
  // HTTP ingest endpoint uses the same path.
  std::optional<JobObserved> Fold(const DecodedLineageEvent& event);
  // The folded state of one job, encoded as Flush writes it (nullopt: unknown),
  // and its reinstatement: a fold undone after a commit that failed.
  std::optional<std::string> SavedJob(const std::string& job) const;
  void ReinstateJob(const std::string& job, const std::optional<std::string>& saved);

 private:
  struct JobState {
    std::string run_id;
    std::set<std::string> inputs;
    std::set<std::string> outputs;
  };
  ClusterDirectory clusters_;
  std::string fold_prefix_;
  std::map<std::string, JobState> jobs_;  // by job node id
  std::set<std::string> dirty_;
};

}  // namespace tributary::ingest::openlineage
