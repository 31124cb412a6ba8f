#pragma once
// OpenLineageIntake: POST /api/v1/lineage (tributary/lineage_intake.h). Each event
// goes through the OpenLineage source's decoding and fold (OpenLineageTranslator,
// state under "ol-http/"), so a posted event and the same event on the
// OpenLineage topic have the same effect; the fact and the fold state are
// committed in one batch, with the event's idempotency key.
//
// Thread-safety: Post() from any thread (posts are folded and committed one at
// a time; a post that cannot get its turn within `kWaitForTurn` is answered
// kUnavailable, so a slow writer never queues up the HTTP threads behind it);
// Restore() before the first Post().

#include <chrono>
#include <mutex>

#include "ingest/openlineage/openlineage_translator.h"
#include "tributary/committed_state.h"
#include "tributary/lineage_intake.h"
#include "tributary/writer.h"

namespace tributary::ingest::openlineage {

class OpenLineageIntake final : public LineageIntake {
 public:
  static constexpr const char* kFoldPrefix = "ol-http/";
  static constexpr std::chrono::seconds kWaitForTurn{1};
  // `writer` must outlive the intake.
  OpenLineageIntake(ClusterDirectory clusters, Writer& writer);

  // Loads the committed fold state.
  Status Restore(CommittedState& committed);

  Result<LineagePosted> Post(std::string_view body, const std::string& source,
                             const Authorize& authorize) override;

 private:
  ClusterDirectory clusters_;
  Writer& writer_;
  std::timed_mutex mu_;  // guards translator_ across fold and commit
  OpenLineageTranslator translator_;
};

}  // namespace tributary::ingest::openlineage
