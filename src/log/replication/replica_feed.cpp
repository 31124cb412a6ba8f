#include "log/replication/replica_feed.h"

#include <spdlog/spdlog.h>

namespace tributary::log::replication {
namespace {

constexpr std::chrono::milliseconds kFollowPoll{100};
constexpr std::chrono::milliseconds kCommandPoll{0};
constexpr std::chrono::seconds kElectTimeout{30};

}  // namespace

ReplicaFeed::ReplicaFeed(ReplicaFeedOptions options, Elector& elector, EventsTopic& topic,
                         CommandReader& commands, LogWriter& writer, Feed& sources,
                         ReplicaFeedHooks hooks)
    : options_(std::move(options)),
      elector_(elector),
      topic_(topic),
      commands_(commands),
      writer_(writer),
      sources_(sources),
      hooks_(std::move(hooks)) {}

Status ReplicaFeed::Pump() {
  const Leadership now = elector_.leadership();
  if (!leading_.load()) {
    if (now.leader) {
      if (const auto epoch = EpochFor(now.generation)) {
        return Lead(*epoch, now.generation);
      }
    }
    return topic_.Pump(kFollowPoll);
  }
  if (!now.leader || now.generation != led_generation_) {
    Follow(now.leader ? "a new epoch" : "the group moved the leadership");
    return Status::Ok();
  }
  auto status = commands_.Pump(kCommandPoll);
  if (status.ok()) {
    status = sources_.Pump();
  }
  if (!status.ok() && topic_.leading_epoch() == 0) {
    Follow("a newer leader fenced this one");
    return Status::Ok();
  }
  return status;
}

std::optional<std::int64_t> ReplicaFeed::EpochFor(std::int64_t generation) {
  const std::int64_t last_epoch = topic_.epoch();
  const std::int64_t last_generation = topic_.generation();
  if (generation > last_generation) {
    held_generation_ = 0;
    return last_epoch + (generation - last_generation);
  }
  if (generation == last_generation && generation == led_generation_ && last_epoch == led_epoch_) {
    return last_epoch;  // this process's own epoch, after a step down in the same generation
  }
  const auto now = std::chrono::steady_clock::now();
  if (held_generation_ != generation) {
    held_generation_ = generation;
    held_since_ = now;
    spdlog::warn(
        "replication: assigned the commands partition in generation {}, but generation "
        "{} already led: waiting {} s before leading (a new group, or this member was "
        "paused and has not heard it lost the partition)",
        generation, last_generation, 2 * options_.session_timeout.count() / 1000);
  }
  if (now - held_since_ < 2 * options_.session_timeout) {
    return std::nullopt;
  }
  return last_epoch + 1;
}

Status ReplicaFeed::Lead(std::int64_t epoch, std::int64_t generation) {
  if (auto s = topic_.Elect(epoch, generation, kElectTimeout); !s.ok()) {
    spdlog::warn("replication: cannot lead epoch {}: {}", epoch, s.message());
    topic_.Depose();
    return s.code() == ErrorCode::kUnavailable ? Status::Ok() : s;
  }
  auto status = writer_.ResumeDeciding();
  if (status.ok()) {
    status = commands_.Start(writer_);
  }
  if (status.ok() && hooks_.lead) {
    status = hooks_.lead();
  }
  if (!status.ok()) {
    Follow("it could not resume");
    return status;
  }
  leading_ = true;
  led_generation_ = generation;
  led_epoch_ = epoch;
  held_generation_ = 0;
  ++elections_;
  spdlog::info("replication: leading epoch {} (generation {}) from events offset {}", epoch,
               generation, topic_.next_offset());
  return Status::Ok();
}

void ReplicaFeed::Follow(const char* why) {
  const bool was = leading_.exchange(false);
  topic_.Depose();
  writer_.PauseDeciding();
  commands_.Stop();
  if (hooks_.follow) {
    hooks_.follow();
  }
  if (was) {
    spdlog::info("replication: following ({})", why);
  }
}

Result<Timestamp> ReplicaFeed::Tick(Timestamp now) {
  if (!leading_.load()) {
    return now;  // a follower's timers are the leader's decisions, applied
  }
  return sources_.Tick(now);
}

}  // namespace tributary::log::replication
