#include "health/burrow_rules.h"

#include <array>

namespace tributary::health {
namespace {

constexpr std::array<std::string_view, 5> kPartitionNames = {"OK", "WARNING", "STALLED", "STOPPED",
                                                             "REWIND"};
constexpr std::array<std::string_view, 3> kGroupNames = {"OK", "WARN", "ERR"};

}  // namespace

std::string_view ToString(PartitionStatus status) {
  return kPartitionNames[static_cast<std::size_t>(status)];
}

std::string_view ToString(GroupStatus status) {
  return kGroupNames[static_cast<std::size_t>(status)];
}

std::optional<PartitionStatus> ParsePartitionStatus(std::string_view name) {
  for (std::size_t i = 0; i < kPartitionNames.size(); ++i) {
    if (kPartitionNames[i] == name) {
      return static_cast<PartitionStatus>(i);
    }
  }
  return std::nullopt;
}

std::optional<GroupStatus> ParseGroupStatus(std::string_view name) {
  for (std::size_t i = 0; i < kGroupNames.size(); ++i) {
    if (kGroupNames[i] == name) {
      return static_cast<GroupStatus>(i);
    }
  }
  return std::nullopt;
}

PartitionStatus EvaluatePartition(std::span<const CommitSample> window, std::size_t window_size,
                                  std::optional<std::int64_t> end_offset, std::int64_t now_ms) {
  if (window.empty() || !end_offset) {
    return PartitionStatus::kOk;
  }
  const auto& oldest = window.front();
  const auto& newest = window.back();
  const std::int64_t lag = *end_offset - newest.offset;
  // Rule 1: caught up at some point in the window, or now.
  if (lag <= 0) {
    return PartitionStatus::kOk;
  }
  for (const auto& c : window) {
    if (c.lag == 0) {
      return PartitionStatus::kOk;
    }
  }
  // Rule 2: the consumer went back.
  for (std::size_t i = 1; i < window.size(); ++i) {
    if (window[i].offset < window[i - 1].offset) {
      return PartitionStatus::kRewind;
    }
  }
  // Rule 3: no commit for longer than the window spans.
  if (now_ms - newest.time_ms > newest.time_ms - oldest.time_ms) {
    return PartitionStatus::kStopped;
  }
  // Rule 4: committing, but always the same offset, over a full window.
  if (window.size() >= window_size && oldest.offset == newest.offset) {
    return PartitionStatus::kStalled;
  }
  // Rule 5: moving, but never gaining on the end.
  if (newest.offset > oldest.offset) {
    bool decreased = false;
    std::int64_t previous = kUnknownLag;
    std::size_t known = 0;
    for (const auto& c : window) {
      if (c.lag == kUnknownLag) {
        continue;
      }
      if (previous != kUnknownLag && c.lag < previous) {
        decreased = true;
        break;
      }
      previous = c.lag;
      ++known;
    }
    if (!decreased && known >= 2) {
      return PartitionStatus::kWarning;
    }
  }
  return PartitionStatus::kOk;
}

GroupStatus Worse(GroupStatus group, PartitionStatus partition) {
  switch (partition) {
    case PartitionStatus::kOk:
      return group;
    case PartitionStatus::kWarning:
      return group == GroupStatus::kErr ? GroupStatus::kErr : GroupStatus::kWarn;
    case PartitionStatus::kStalled:
    case PartitionStatus::kStopped:
    case PartitionStatus::kRewind:
      return GroupStatus::kErr;
  }
  return group;
}

GroupStatus GroupStatusOf(std::span<const PartitionStatus> partitions) {
  GroupStatus out = GroupStatus::kOk;
  for (const auto p : partitions) {
    out = Worse(out, p);
  }
  return out;
}

}  // namespace tributary::health
