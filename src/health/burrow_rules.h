#pragma once
// Burrow's evaluation rules (DESIGN.md §10; src/health/README.md cites them):
// the status of one (group, partition) from the window of its last commits and
// the partition's end offset, and a group's status from its partitions'.
//
// Pure functions over plain values; thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tributary::health {

enum class PartitionStatus : std::uint8_t { kOk, kWarning, kStalled, kStopped, kRewind };
enum class GroupStatus : std::uint8_t { kOk, kWarn, kErr };

std::string_view ToString(PartitionStatus status);
std::string_view ToString(GroupStatus status);
std::optional<PartitionStatus> ParsePartitionStatus(std::string_view name);
std::optional<GroupStatus> ParseGroupStatus(std::string_view name);

// One offset commit kept in a window. `lag` is the end offset known when it
// was committed minus the offset (never below 0), or kUnknownLag while no end
// offset of the partition was known (filled in once one is).
inline constexpr std::int64_t kUnknownLag = -1;
struct CommitSample {
  std::int64_t offset = 0;
  std::int64_t time_ms = 0;
  std::int64_t lag = kUnknownLag;
  bool operator==(const CommitSample&) const = default;
};

// The status of a partition, the first rule that applies, in this order:
//   OK       any (known) lag in the window is 0, or the newest commit is at the
//            end offset, or no end offset is known yet
//   REWIND   a committed offset went backwards within the window
//   STOPPED  now - newest commit time > newest - oldest commit time, with lag > 0
//   STALLED  the committed offset did not change over a full window (`window_size`
//            commits) while lag > 0
//   WARNING  the offsets advance but the lag never decreased over the window
//   OK       otherwise
// `window` holds the commits oldest first (at most `window_size` of them); an
// empty window is OK. Lag here is `end_offset` - the newest committed offset.
PartitionStatus EvaluatePartition(std::span<const CommitSample> window, std::size_t window_size,
                                  std::optional<std::int64_t> end_offset, std::int64_t now_ms);

// OK when every partition is OK, WARN when the worst is WARNING, ERR when any
// is STOPPED, STALLED or REWIND.
GroupStatus GroupStatusOf(std::span<const PartitionStatus> partitions);
// Folds one more partition into a running group status (start with kOk).
GroupStatus Worse(GroupStatus group, PartitionStatus partition);

}  // namespace tributary::health
