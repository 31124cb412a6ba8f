#include "ingest/source_feed.h"

#include <thread>

#include <spdlog/spdlog.h>

namespace tributary::ingest {

SourceFeed::SourceFeed(SourceFeedOptions options, IngestPipeline& pipeline, Writer& writer,
                       const Clock& clock)
    : options_(std::move(options)), pipeline_(pipeline), writer_(writer), clock_(clock) {}

SourceFeed::~SourceFeed() { Stop(); }

Status SourceFeed::Start() {
  for (auto& cluster : options_.clusters) {
    auto offsets = pipeline_.StartOffsets(cluster.cluster);
    if (!offsets.ok()) {
      return offsets.status();
    }
    cluster.start_offsets = std::move(offsets).value();
    auto reader = KafkaReader::Open(cluster);
    if (!reader.ok()) {
      return reader.status();
    }
    readers_.push_back(std::move(reader).value());
  }
  caught_up_ = readers_.empty();
  return Status::Ok();
}

void SourceFeed::Stop() { readers_.clear(); }

std::map<std::string, std::int64_t> SourceFeed::lag_by_source() const {
  std::lock_guard lock(mu_);
  return lag_by_source_;
}

std::vector<SourceGap> SourceFeed::gaps() const {
  std::lock_guard lock(mu_);
  return gaps_;
}

Status SourceFeed::RecordGaps(const std::string& cluster, std::vector<ReadGap> gaps) {
  Batch batch;
  for (const auto& g : gaps) {
    SourceGap fact{cluster, g.topic, g.partition, g.from_offset, g.to_offset};
    // Found again after a crash (the resume position had not moved yet): the
    // same start offset is the same gap.
    std::string key = "source_gap:" + cluster + "/" + g.topic + "/" + std::to_string(g.partition) +
                      "/" + std::to_string(g.from_offset);
    batch.events.push_back(
        NewEvent{fact, clock_.Now(), cluster + "/" + g.topic, std::nullopt, std::move(key)});
    gap_records_ += g.to_offset - g.from_offset;
    std::lock_guard lock(mu_);
    gaps_.push_back(fact);
    if (gaps_.size() > 100) {
      gaps_.erase(gaps_.begin());
    }
  }
  auto committed = writer_.Commit(std::move(batch));
  return committed.ok() ? Status::Ok() : committed.status();
}

Status SourceFeed::Pump() {
  if (readers_.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // no topic to read
    return Status::Ok();
  }
  // A cluster that is down does not hold up the others: each is polled, and
  // the first transient failure is reported after all were.
  Status unavailable;
  for (std::size_t i = 0; i < readers_.size(); ++i) {
    auto& reader = *readers_[i];
    const auto& cluster = options_.clusters[i].cluster;
    auto status = reader.Poll(
        options_.poll_timeout / static_cast<int>(readers_.size()),
        [&](std::span<const RawRecord> records) { return pipeline_.Process(cluster, records); });
    if (auto gaps = reader.TakeGaps(); !gaps.empty()) {
      if (auto s = RecordGaps(cluster, std::move(gaps)); !s.ok()) {
        return s.code() == ErrorCode::kUnavailable ? Internal(s.message()) : s;
      }
    }
    if (status.ok()) {
      continue;
    }
    if (status.code() != ErrorCode::kUnavailable) {
      return status;
    }
    if (unavailable.ok()) {
      unavailable = Unavailable(cluster + ": " + status.message());
    }
  }
  if (!unavailable.ok()) {
    return unavailable;
  }
  UpdatePosition();
  return Status::Ok();
}

void SourceFeed::UpdatePosition() {
  bool all_caught_up = true;
  std::int64_t lag = 0;
  std::map<std::string, std::int64_t> by_source;
  for (std::size_t i = 0; i < readers_.size(); ++i) {
    all_caught_up = all_caught_up && readers_[i]->CaughtUp();
    for (const auto& [topic, behind] : readers_[i]->LagByTopic()) {
      by_source[options_.clusters[i].cluster + "/" + topic] += behind;
      lag += behind;
    }
  }
  {
    std::lock_guard lock(mu_);
    lag_by_source_ = std::move(by_source);
  }
  if (all_caught_up && !caught_up_) {
    spdlog::info("ingest: every source has caught up");
  }
  caught_up_ = all_caught_up;
  lag_ = lag;
}

Result<Timestamp> SourceFeed::Tick(Timestamp now) {
  const auto timers = caught_up_ ? now : pipeline_.latest_event_time();
  if (auto s = pipeline_.PollSources(now); !s.ok()) {
    if (s.code() != ErrorCode::kUnavailable) {
      return s;
    }
    spdlog::warn("ingest: polled sources: {}", s.message());
  }
  if (auto s = pipeline_.Tick(timers); !s.ok()) {
    return s;
  }
  return timers;
}

}  // namespace tributary::ingest
