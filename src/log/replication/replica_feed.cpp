#include "log/replication/replica_feed.h"

#include <spdlog/spdlog.h>

namespace tributary::log::replication {
namespace {

constexpr std::chrono::milliseconds kFollowPoll{100};
constexpr std::chrono::milliseconds kCommandPoll{0};
constexpr std::chrono::seconds kElectTimeout{30};

}  // namespace

ReplicaFeed::ReplicaFeed(Elector& elector, EventsTopic& topic, CommandReader& commands,
                         LogWriter& writer, Feed& sources, ReplicaFeedHooks hooks)
    : elector_(elector),
      topic_(topic),
      commands_(commands),
      writer_(writer),
      sources_(sources),
      hooks_(std::move(hooks)) {}

Status ReplicaFeed::Pump() {
  const Leadership now = elector_.leadership();
  if (!leading_.load()) {
    // A member that has not yet heard that it lost the partition (it was
    // paused past the session timeout) still says it leads an epoch that a
    // newer one followed: it follows until the group tells it.
    if (now.leader && now.epoch >= topic_.epoch()) {
      return Lead(now.epoch);
    }
    return topic_.Pump(kFollowPoll);
  }
  if (!now.leader || now.epoch != topic_.leading_epoch()) {
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

Status ReplicaFeed::Lead(std::int64_t epoch) {
  if (auto s = topic_.Elect(epoch, kElectTimeout); !s.ok()) {
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
  ++elections_;
  spdlog::info("replication: leading epoch {} from events offset {}", epoch, topic_.next_offset());
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
