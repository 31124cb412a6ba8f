#pragma once
// LineageIntake: OpenLineage events posted over HTTP (POST /api/v1/lineage), taken
// in exactly as the OpenLineage topic's records are — the same decoding, the
// same fold (a job_observed fact only when a job's inputs or outputs change or
// a new run starts) — and committed through the writer. The ingest side
// implements it; the HTTP API calls it.
//
// Thread-safety: Post() may be called from any thread.

#include <functional>
#include <string>
#include <string_view>

#include "tributary/ids.h"
#include "tributary/result.h"
#include "tributary/writer.h"

namespace tributary {

struct LineagePosted {
  bool recorded = false;   // a job_observed fact was committed
  bool duplicate = false;  // the same event was committed before
};

class LineageIntake {
 public:
  virtual ~LineageIntake() = default;
  // Decodes `body`; for an event about a job, asks `authorize` first (nothing is
  // written when it refuses, and its error is returned), then folds and
  // commits. `source` names the writer in the log ("api:<token>"); the grant
  // `authorize` answers is what the write was authorised as (tributary/writer.h).
  using Authorize = std::function<Result<WriteGrant>(const NodeId& job)>;
  virtual Result<LineagePosted> Post(std::string_view body, const std::string& source,
                                     const Authorize& authorize) = 0;
};

}  // namespace tributary
