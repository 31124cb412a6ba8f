// A writer killed with SIGKILL in the middle of appending loses no committed
// batch, duplicates nothing, and leaves a sound database file.

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstring>

#include "store/event_log.h"
#include "support/temp_dir.h"

using namespace tributary;
using tributary::testing::TempDir;

namespace {

constexpr std::int64_t kBatchSize = 100;

// The child: resumes from the stored offset (re-delivering the last 150
// records, as an at-least-once consumer would) and appends batches forever,
// reporting each committed next offset through `report_fd`.
[[noreturn]] void AppendForever(const std::filesystem::path& dir, int report_fd) {
  SystemClock clock;
  auto log = EventLog::Open(dir, clock);
  if (!log.ok()) {
    _exit(3);
  }
  const auto offsets = (*log)->Offsets("src");
  if (!offsets.ok()) {
    _exit(4);
  }
  std::int64_t next = offsets->empty() ? 0 : offsets->front().next_offset;
  next = std::max<std::int64_t>(0, next - 150);
  const std::string padding(150, 'x');
  for (;;) {
    Batch batch;
    for (std::int64_t o = next; o < next + kBatchSize; ++o) {
      NewEvent e;
      e.event = ConsumerProgress{NodeId::Group("c", padding), NodeId::Topic("c", "t"), o, 1, 1};
      e.event_time = FromMillis(o);
      e.source = "src";
      e.source_key = SourceKey{0, o, 0};
      batch.events.push_back(std::move(e));
    }
    next += kBatchSize;
    batch.offsets = {{"src", 0, next}};
    batch.fold_state = {{"fold/next", std::to_string(next)}};
    if (!(*log)->Append(batch).ok()) {
      _exit(5);
    }
    if (write(report_fd, &next, sizeof next) != sizeof next) {
      _exit(6);
    }
  }
}

// Runs a child until it has committed at least `batches` batches, then kills
// it with SIGKILL; returns the highest next offset it reported.
std::int64_t RunAndKill(const std::filesystem::path& dir, int batches) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    AppendForever(dir, fds[1]);
  }
  close(fds[1]);
  std::int64_t last = -1;
  for (int seen = 0; seen < batches;) {
    std::int64_t value = 0;
    const auto n = read(fds[0], &value, sizeof value);
    if (n != sizeof value) {
      break;  // the child died on its own; the checks below will say why
    }
    last = value;
    ++seen;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // The child may have gone on committing (and reporting) before the signal
  // landed: the reports still in the pipe are the latest it made.
  for (std::int64_t value = 0; read(fds[0], &value, sizeof value) == sizeof value;) {
    last = value;
  }
  close(fds[0]);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  return last;
}

void CheckExactlyOnce(const std::filesystem::path& dir, std::int64_t reported) {
  SystemClock clock;
  auto log = EventLog::Open(dir, clock);
  REQUIRE(log.ok());
  CHECK(*(*log)->IntegrityCheck() == "ok");
  const auto offsets = *(*log)->Offsets("src");
  REQUIRE(offsets.size() == 1);
  const auto stored = offsets[0].next_offset;
  // Nothing committed is lost: the store is at or beyond what the child reported
  // (it may have committed one more batch before it could report it).
  CHECK(stored >= reported);
  CHECK(stored <= reported + kBatchSize);
  // Every source offset below the stored one is in the log exactly once.
  auto& db = (*log)->database();
  CHECK(db.execAndGet("SELECT count(*) FROM events").getInt64() == stored);
  CHECK(db.execAndGet("SELECT count(DISTINCT src_offset) FROM events").getInt64() == stored);
  CHECK(db.execAndGet("SELECT coalesce(max(src_offset), -1) FROM events").getInt64() == stored - 1);
  // The folding state committed with the offsets agrees with them.
  const auto fold = *(*log)->FoldState("fold/");
  REQUIRE(fold.size() == 1);
  CHECK(fold[0].second == std::to_string(stored));
}

}  // namespace

TEST_CASE("a writer killed with SIGKILL loses no committed batch and duplicates nothing") {
  TempDir dir;
  {
    SystemClock clock;
    REQUIRE(EventLog::Open(dir.path(), clock).ok());  // create the file before forking
  }
  for (int round = 1; round <= 3; ++round) {
    INFO("round " << round);
    const auto reported = RunAndKill(dir.path(), 20 + round * 7);
    REQUIRE(reported > 0);
    CheckExactlyOnce(dir.path(), reported);
  }
}
