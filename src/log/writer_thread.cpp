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
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  // Whatever was submitted and not run is refused, not left waiting.
  std::lock_guard lock(mu_);
  running_ = false;
  for (auto& p : pending_) {
    p.promise.set_value(Unavailable("the service is stopping"));
  }
  pending_.clear();
}

Result<AppendResult> WriterThread::Commit(Batch batch, std::chrono::milliseconds timeout) {
  if (std::this_thread::get_id() == writer_id_.load()) {
    // It would wait for itself: the feed and the deciders commit through the
    // LogWriter directly.
    return Internal("WriterThread::Commit called on the writer thread");
  }
  std::future<Result<AppendResult>> future;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    if (!running_ || !fatal_.ok()) {
      return Unavailable(fatal_.ok() ? "ingestion is not running"
                                     : "ingestion stopped: " + fatal_.message());
    }
    id = next_id_++;
    Pending pending{id, std::move(batch), {}};
    future = pending.promise.get_future();
    pending_.push_back(std::move(pending));
  }
  wake_.notify_all();
  if (future.wait_for(timeout) == std::future_status::ready) {
    return future.get();
  }
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->id == id) {
        pending_.erase(it);  // taken back: nothing of it is stored
        return Unavailable("the writer is busy; retry");
      }
    }
  }
  // Already running: one transaction and its decisions; its result is the answer.
  return future.get();
}

void WriterThread::RunCommits() {
  // One at a time, so a caller that gave up can still take back what has not
  // started.
  for (;;) {
    Pending next;
    {
      std::lock_guard lock(mu_);
      if (pending_.empty()) {
        return;
      }
      next = std::move(pending_.front());
      pending_.pop_front();
    }
    try {
      next.promise.set_value(writer_.Commit(std::move(next.batch)));
    } catch (const std::exception& e) {
      next.promise.set_value(Internal(e.what()));
    }
  }
}

void WriterThread::WaitRunningCommits(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_until(lock, deadline, [&] { return stop_.load() || !pending_.empty(); });
      if (stop_ || pending_.empty()) {
        return;  // stopping, or the backoff is over
      }
    }
    RunCommits();
    if (options_.idle) {
      options_.idle();
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
    for (auto& p : pending_) {
      p.promise.set_value(Unavailable("ingestion stopped: " + status.message()));
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
  auto status = feed_.Pump();
  if (options_.idle) {
    options_.idle();  // also while the feed fails: commits keep coming
  }
  if (!status.ok()) {
    if (status.code() != ErrorCode::kUnavailable) {
      Fail(status);
      return false;
    }
    spdlog::warn("ingest: {}; retrying in {} ms", status.message(), backoff.count());
    WaitRunningCommits(backoff);
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
  if (options_.housekeeping) {
    options_.housekeeping();
  }
  if (auto s =
          projections_.MaybeWriteSnapshots(options_.snapshot_every, options_.snapshot_interval);
      !s.ok()) {
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
