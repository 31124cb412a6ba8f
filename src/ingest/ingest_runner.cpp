#include "ingest/ingest_runner.h"

#include <spdlog/spdlog.h>

namespace tributary::ingest {

IngestRunner::IngestRunner(IngestRunnerOptions options, IngestPipeline& pipeline,
                           ProjectionHost& projections, const Clock& clock,
                           std::function<void(const Status&)> on_fatal)
    : options_(std::move(options)),
      pipeline_(pipeline),
      projections_(projections),
      clock_(clock),
      on_fatal_(std::move(on_fatal)) {}

IngestRunner::~IngestRunner() { Stop(); }

Status IngestRunner::Start() {
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
  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void IngestRunner::Stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  readers_.clear();
  // Whatever was submitted and not run is refused, not left waiting.
  std::lock_guard lock(mu_);
  running_ = false;
  for (auto& [work, promise] : submitted_) {
    promise.set_value(Unavailable("the service is stopping"));
  }
  submitted_.clear();
}

std::future<Status> IngestRunner::Submit(std::function<Status()> work) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  std::lock_guard lock(mu_);
  if (!running_ || !fatal_.ok()) {
    promise.set_value(Unavailable(fatal_.ok() ? "ingestion is not running"
                                              : "ingestion stopped: " + fatal_.message()));
    return future;
  }
  submitted_.emplace_back(std::move(work), std::move(promise));
  return future;
}

void IngestRunner::RunSubmitted() {
  std::deque<std::pair<std::function<Status()>, std::promise<Status>>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(submitted_);
  }
  for (auto& [work, promise] : batch) {
    Status status;
    try {
      status = work();
    } catch (const std::exception& e) {
      status = Internal(e.what());
    }
    promise.set_value(status);
  }
}

std::vector<SourceGap> IngestRunner::gaps() const {
  std::lock_guard lock(mu_);
  return gaps_;
}

Status IngestRunner::RecordGaps(const std::string& cluster, std::vector<ReadGap> gaps) {
  std::vector<NewEvent> events;
  for (const auto& g : gaps) {
    SourceGap fact{cluster, g.topic, g.partition, g.from_offset, g.to_offset};
    // Found again after a crash (the resume position had not moved yet): the
    // same start offset is the same gap.
    std::string key = "source_gap:" + cluster + "/" + g.topic + "/" + std::to_string(g.partition) +
                      "/" + std::to_string(g.from_offset);
    events.push_back(
        NewEvent{fact, clock_.Now(), cluster + "/" + g.topic, std::nullopt, std::move(key)});
    gap_records_ += g.to_offset - g.from_offset;
    std::lock_guard lock(mu_);
    gaps_.push_back(fact);
    if (gaps_.size() > 100) {
      gaps_.erase(gaps_.begin());
    }
  }
  auto appended = pipeline_.AppendEvents(std::move(events));
  return appended.ok() ? Status::Ok() : appended.status();
}

Status IngestRunner::fatal() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

void IngestRunner::Fail(const Status& status) {
  {
    std::lock_guard lock(mu_);
    fatal_ = status;
    running_ = false;
    for (auto& [work, promise] : submitted_) {
      promise.set_value(Unavailable("ingestion stopped: " + status.message()));
    }
    submitted_.clear();
  }
  spdlog::critical("ingestion stopped: {}", status.ToString());
  if (on_fatal_) {
    on_fatal_(status);
  }
}

void IngestRunner::Run() {
  auto next_tick = std::chrono::steady_clock::now();
  std::chrono::milliseconds backoff{100};
  while (!stop_) {
    RunSubmitted();
    if (readers_.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // no topic to read
    }
    bool failed = false;
    for (std::size_t i = 0; i < readers_.size() && !stop_; ++i) {
      auto& reader = *readers_[i];
      const auto& cluster = options_.clusters[i].cluster;
      auto status = reader.Poll(
          options_.poll_timeout / static_cast<int>(readers_.size()),
          [&](std::span<const RawRecord> records) { return pipeline_.Process(cluster, records); });
      if (auto gaps = reader.TakeGaps(); !gaps.empty()) {
        if (auto s = RecordGaps(cluster, std::move(gaps)); !s.ok()) {
          Fail(s);
          return;
        }
      }
      if (status.ok()) {
        continue;
      }
      if (status.code() == ErrorCode::kUnavailable) {
        spdlog::warn("ingest {}: {}; retrying in {} ms", cluster, status.message(),
                     backoff.count());
        failed = true;
        continue;
      }
      Fail(status);
      return;
    }
    if (failed) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);

    bool all_caught_up = true;
    std::int64_t lag = 0;
    for (const auto& reader : readers_) {
      all_caught_up = all_caught_up && reader->CaughtUp();
      lag += reader->Lag();
    }
    if (all_caught_up && !caught_up_) {
      spdlog::info("ingest: every source has caught up ({} events in the log)",
                   projections_.applied_seq().value());
    }
    caught_up_ = all_caught_up;
    lag_ = lag;

    if (std::chrono::steady_clock::now() >= next_tick) {
      next_tick = std::chrono::steady_clock::now() + options_.tick_interval;
      const auto now = all_caught_up ? clock_.Now() : pipeline_.latest_event_time();
      if (auto s = pipeline_.PollSources(clock_.Now()); !s.ok()) {
        if (s.code() != ErrorCode::kUnavailable) {
          Fail(s);
          return;
        }
        spdlog::warn("ingest: polled sources: {}", s.message());
      }
      if (auto s = pipeline_.Tick(now); !s.ok()) {
        if (s.code() != ErrorCode::kUnavailable) {
          Fail(s);
          return;
        }
        spdlog::warn("ingest: timers: {}", s.message());
      }
      if (auto s = projections_.MaybeWriteSnapshots(options_.snapshot_every); !s.ok()) {
        spdlog::warn("ingest: snapshots: {}", s.message());
      }
    }
  }
}

}  // namespace tributary::ingest
