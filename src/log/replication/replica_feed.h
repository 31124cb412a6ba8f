#pragma once
// ReplicaFeed: the writer thread's Feed with `[replication]` (DESIGN.md §8).
//
// A follower applies the events topic. When the elector says this replica
// leads, it appends its elected record, applies the topic up to it, and only
// then leads: it resumes deciding, opens the sources and the commands at what
// the log holds, and pumps them (the LogWriter appends through the events
// topic). When the elector says otherwise, or a batch comes back fenced, it
// steps down at once: sources and commands closed, no more decisions.
//
// Called on the writer thread; role() and epoch() from any.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "log/log_writer.h"
#include "log/replication/commands.h"
#include "log/replication/elector.h"
#include "log/replication/events_topic.h"
#include "tributary/feed.h"

namespace tributary::log::replication {

struct ReplicaFeedOptions {
  std::string replica_id;
  // The group's session timeout: a member whose generation went back waits
  // twice this long before it leads (see EpochFor).
  std::chrono::milliseconds session_timeout{6000};
};

struct ReplicaFeedHooks {
  // After the log is the leader's: open the sources where it stands, reload
  // state kept outside the log (translators, intakes).
  std::function<Status()> lead;
  // Close the sources.
  std::function<void()> follow;
};

class ReplicaFeed final : public Feed {
 public:
  // Everything must outlive the feed; `sources` is the single-node feed.
  ReplicaFeed(ReplicaFeedOptions options, Elector& elector, EventsTopic& topic,
              CommandReader& commands, LogWriter& writer, Feed& sources, ReplicaFeedHooks hooks);

  Status Pump() override;
  Result<Timestamp> Tick(Timestamp now) override;

  bool leading() const { return leading_.load(); }
  std::int64_t epoch() const { return topic_.epoch(); }
  // Times this replica became leader / stepped down since start.
  std::int64_t elections() const { return elections_.load(); }

 private:
  // The epoch to lead with in group generation `generation`, or none yet.
  // Epochs grow with generations: epoch - generation stays constant while the
  // group lives, so a later generation always has the larger epoch. A
  // generation at or below the newest applied one is either a member not yet
  // told it lost the partition (paused past the session timeout) or a group
  // Kafka deleted while it was empty and created anew: it leads with the next
  // epoch only once the coordinator kept it in place for two session timeouts.
  std::optional<std::int64_t> EpochFor(std::int64_t generation);
  Status Lead(std::int64_t epoch, std::int64_t generation);
  void Follow(const char* why);

  ReplicaFeedOptions options_;
  Elector& elector_;
  EventsTopic& topic_;
  CommandReader& commands_;
  LogWriter& writer_;
  Feed& sources_;
  ReplicaFeedHooks hooks_;
  std::atomic<bool> leading_{false};
  std::int64_t led_generation_ = 0;  // where this process last led
  std::int64_t led_epoch_ = 0;
  std::int64_t held_generation_ = 0;  // a generation that went back, held since:
  std::chrono::steady_clock::time_point held_since_;
  std::atomic<std::int64_t> elections_{0};
};

}  // namespace tributary::log::replication
