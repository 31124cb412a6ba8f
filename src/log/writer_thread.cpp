#include "log/writer_thread.h"

#include <spdlog/spdlog.h>

namespace tributary::log {

WriterThread::WriterThread(WriterThreadOptions options, LogWriter& writer,
                           ProjectionHost& projections, Feed& feed, const Clock& clock,
                           std::function<void(const Status&)> on_fatal)
    : options_(options),
      writer_(writer),
      projections_(projections),
      feed_(feed),
      clock_(clock),
      on_fatal_(std::move(on_fatal)) {}

WriterThread::~WriterThread() { Stop(); }

Status WriterThread::Start() {
  {
    std::lock_guard lock(mu_);
    running_ = true;
  }
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void WriterThread::Stop() {
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  // Whatever was submitted and not run is refused, not left waiting.
  std::lock_guard lock(mu_);
  running_ = false;
  for (auto& [batch, promise] : pending_) {
    promise.set_value(Unavailable("the service is stopping"));
  }
  pending_.clear();
}

Result<AppendResult> WriterThread::Commit(Batch batch, std::chrono::milliseconds timeout) {
  if (std::this_thread::get_id() == writer_id_.load()) {
    // It would wait for itself: the feed and the deciders commit through the
    // LogWriter directly.
    return Internal("WriterThread::Commit called on the writer thread");
  }
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  {
    std::lock_guard lock(mu_);
    if (!running_ || !fatal_.ok()) {
      return Unavailable(fatal_.ok() ? "ingestion is not running"
                                     : "ingestion stopped: " + fatal_.message());
    }
    pending_.emplace_back(std::move(batch), std::move(promise));
  }
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Unavailable("the writer is busy; retry");
  }
  return future.get();
}

void WriterThread::RunCommits() {
  std::deque<Pending> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  for (auto& [work, promise] : batch) {
    try {
      promise.set_value(writer_.Commit(std::move(work)));
    } catch (const std::exception& e) {
      promise.set_value(Internal(e.what()));
    }
  }
}

Status WriterThread::fatal() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

void WriterThread::Fail(const Status& status) {
  {
    std::lock_guard lock(mu_);
    fatal_ = status;
    running_ = false;
    for (auto& [batch, promise] : pending_) {
      promise.set_value(Unavailable("ingestion stopped: " + status.message()));
    }
    pending_.clear();
  }
  spdlog::critical("ingestion stopped: {}", status.ToString());
  if (on_fatal_) {
    on_fatal_(status);
  }
}

bool WriterThread::Step(std::chrono::steady_clock::time_point& next_tick,
                        std::chrono::milliseconds& backoff) {
  RunCommits();
  if (auto status = feed_.Pump(); !status.ok()) {
    if (status.code() != ErrorCode::kUnavailable) {
      Fail(status);
      return false;
    }
    spdlog::warn("ingest: {}; retrying in {} ms", status.message(), backoff.count());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    return true;
  }
  backoff = std::chrono::milliseconds(100);
  if (std::chrono::steady_clock::now() < next_tick) {
    return true;
  }
  next_tick = std::chrono::steady_clock::now() + options_.tick_interval;
  auto timers = feed_.Tick(clock_.Now());
  if (!timers.ok()) {
    if (timers.status().code() != ErrorCode::kUnavailable) {
      Fail(timers.status());
      return false;
    }
    spdlog::warn("ingest: timers: {}", timers.status().message());
    return true;
  }
  if (auto s = writer_.Tick(*timers); !s.ok()) {
    if (s.code() != ErrorCode::kUnavailable) {
      Fail(s);
      return false;
    }
    spdlog::warn("ingest: timers: {}", s.message());
  }
  if (auto s = projections_.MaybeWriteSnapshots(options_.snapshot_every); !s.ok()) {
    spdlog::warn("ingest: snapshots: {}", s.message());
  }
  return true;
}

void WriterThread::Run() {
  writer_id_ = std::this_thread::get_id();
  auto next_tick = std::chrono::steady_clock::now();
  std::chrono::milliseconds backoff{100};
  while (!stop_ && Step(next_tick, backoff)) {
  }
}

}  // namespace tributary::log
