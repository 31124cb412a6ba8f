#include "ingest/openlineage/openlineage_intake.h"

namespace tributary::ingest::openlineage {
namespace {

// Collects the translator's fold-state writes into the batch.
class FoldSink final : public TranslationSink {
 public:
  explicit FoldSink(Batch& batch) : batch_(batch) {}
  void Emit(DomainEvent, Timestamp) override {}
  void EmitDecision(DomainEvent, Timestamp, std::string) override {}
  void Quarantine(std::string) override {}
  void WriteFold(std::string key, std::optional<std::string> value) override {
    batch_.fold_state.push_back({std::move(key), std::move(value)});
  }

 private:
  Batch& batch_;
};

}  // namespace

OpenLineageIntake::OpenLineageIntake(ClusterDirectory clusters, Writer& writer)
    : clusters_(clusters), writer_(writer), translator_(std::move(clusters), kFoldPrefix) {}

Status OpenLineageIntake::Restore(CommittedState& committed) {
  auto entries = committed.FoldState(kFoldPrefix);
  if (!entries.ok()) {
    return entries.status();
  }
  std::lock_guard lock(mu_);
  return translator_.Restore(*entries);
}

Result<LineagePosted> OpenLineageIntake::Post(std::string_view body, const std::string& source,
                                              const Authorize& authorize) {
  auto decoded = DecodeOpenLineageEvent(body, clusters_);
  if (!decoded.ok()) {
    return decoded.status();
  }
  if (!decoded->job || decoded->kind == LineageEventKind::kDataset) {
    return LineagePosted{};  // no job, no edge
  }
  if (auto grant = authorize(*decoded->job); !grant.ok()) {
    return grant.status();
  }
  std::unique_lock lock(mu_, kWaitForTurn);
  if (!lock.owns_lock()) {
    return Unavailable("lineage writes are queued up behind the writer; retry");
  }
  const std::string job = decoded->job->str();
  const auto saved = translator_.SavedJob(job);
  auto fact = translator_.Fold(*decoded);
  if (!fact) {
    return LineagePosted{};  // nothing the job is not known for already
  }
  Batch batch;
  batch.events.push_back(NewEvent{std::move(*fact), decoded->time, source, std::nullopt,
                                  LineageIdempotencyKey(*decoded)});
  FoldSink sink(batch);
  translator_.Flush(sink);
  auto committed = writer_.Commit(std::move(batch));
  if (!committed.ok()) {
    translator_.ReinstateJob(job, saved);
    return committed.status();
  }
  return LineagePosted{committed->appended == 1, committed->duplicates == 1};
}

}  // namespace tributary::ingest::openlineage
