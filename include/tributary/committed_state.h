#pragma once
// CommittedState: where the sources resume — the next offset of each partition
// and the folding state committed with the last batch (DESIGN.md §2 principles
// 2–3). Read by the ingest side at start and after a failed commit, to put its
// translators back exactly where the log is.
//
// Thread-safety: the implementation's; the log writer's is read on the writer
// thread.

#include <string>
#include <utility>
#include <vector>

#include "tributary/commit.h"
#include "tributary/result.h"

namespace tributary {

class CommittedState {
 public:
  virtual ~CommittedState() = default;
  // The stored next offsets of a source ("<cluster>/<topic>"), one per partition.
  virtual Result<std::vector<SourceOffset>> Offsets(const std::string& source) = 0;
  // Folding state under a key prefix ("" for all), ordered by key.
  virtual Result<std::vector<std::pair<std::string, std::string>>> FoldState(
      const std::string& prefix) = 0;
};

}  // namespace tributary
