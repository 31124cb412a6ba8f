#include "store/projection_host.h"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>

namespace tributary {

namespace {

using Steady = std::chrono::steady_clock;

std::chrono::microseconds Micros(Steady::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d);
}

}  // namespace

ProjectionHost::ProjectionHost(EventLog& log, std::vector<Projection*> projections)
    : log_(log), projections_(std::move(projections)), projection_seq_(projections_.size()) {}

ProjectionHost::~ProjectionHost() {
  if (pending_.valid()) {
    pending_.wait();
  }
}

Status ProjectionHost::Recover() {
  EventSeq lowest(INT64_MAX);
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    auto& p = *projections_[i];
    p.Reset();
    projection_seq_[i] = EventSeq(0);
    auto snap = log_.LoadSnapshot(std::string(p.name()));
    if (!snap.ok()) {
      return snap.status();
    }
    if (*snap && (*snap)->format_version == p.snapshot_version()) {
      if (auto s = p.Restore((*snap)->state); s.ok()) {
        projection_seq_[i] = (*snap)->seq;
      } else {
        p.Reset();  // an unreadable snapshot only costs a rebuild from the log
      }
    }
    lowest = std::min(lowest, projection_seq_[i]);
  }
  if (projections_.empty()) {
    lowest = EventSeq(0);
  }
  snapshot_seq_ = lowest;
  return ApplyFrom(lowest);
}

Status ProjectionHost::Replay() {
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    projections_[i]->Reset();
    projection_seq_[i] = EventSeq(0);
  }
  return ApplyFrom(EventSeq(0));
}

Status ProjectionHost::ApplyFrom(EventSeq after) {
  applied_seq_ = after;
  auto s = log_.ForEach(after, [&](const EventRecord& r) {
    for (std::size_t i = 0; i < projections_.size(); ++i) {
      if (r.seq > projection_seq_[i]) {
        projections_[i]->Apply(r);
        projection_seq_[i] = r.seq;
      }
    }
    applied_seq_ = r.seq;
    return true;
  });
  if (!s.ok()) {
    return s;
  }
  // Projections whose snapshot was ahead of the log's end (impossible unless the
  // log was replaced) still report the log's position.
  for (auto& seq : projection_seq_) {
    seq = std::max(seq, applied_seq_);
  }
  if (after_apply_) {
    after_apply_();
  }
  return Status::Ok();
}

void ProjectionHost::Apply(const std::vector<EventRecord>& records) {
  for (const auto& r : records) {
    if (r.seq <= applied_seq_) {
      continue;
    }
    for (std::size_t i = 0; i < projections_.size(); ++i) {
      projections_[i]->Apply(r);
      projection_seq_[i] = r.seq;
    }
    applied_seq_ = r.seq;
  }
  if (after_apply_ && !records.empty()) {
    after_apply_();
  }
}

Status ProjectionHost::CatchUp() { return ApplyFrom(applied_seq_); }

std::vector<std::function<StoredSnapshot()>> ProjectionHost::Capture() const {
  std::vector<std::function<StoredSnapshot()>> jobs;
  jobs.reserve(projections_.size());
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    const auto& p = *projections_[i];
    jobs.push_back([job = p.CaptureSnapshot(), name = std::string(p.name()),
                    version = p.snapshot_version(), seq = projection_seq_[i]] {
      auto image = job();
      return StoredSnapshot{name, version, seq, std::move(image.digest), std::move(image.state)};
    });
  }
  return jobs;
}

Status ProjectionHost::WriteSnapshots() {
  if (auto s = FinishSnapshots(); !s.ok()) {
    spdlog::warn("background snapshot: {}", s.message());  // superseded by this one
  }
  const auto start = Steady::now();
  auto jobs = Capture();
  const auto captured = Steady::now();
  std::vector<StoredSnapshot> snaps;
  snaps.reserve(jobs.size());
  std::size_t bytes = 0;
  for (auto& job : jobs) {
    snaps.push_back(job());
    bytes += snaps.back().state.size();
  }
  if (auto s = log_.SaveSnapshots(snaps); !s.ok()) {
    return s;
  }
  snapshot_seq_ = applied_seq_;
  snapshot_at_ = start;
  last_snapshot_ = SnapshotWritten{applied_seq_, start, Micros(captured - start),
                                   Micros(Steady::now() - captured), bytes};
  return Status::Ok();
}

Status ProjectionHost::MaybeWriteSnapshots(std::int64_t every, std::chrono::milliseconds interval) {
  if (pending_.valid() && pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return Status::Ok();  // one at a time
  }
  const auto now = Steady::now();
  auto collected = FinishSnapshots();
  if (failed_) {
    // Failed (reported here or by FinishSnapshots): pause before the next try.
    failed_ = false;
    retry_at_ = now + std::min<std::chrono::milliseconds>(interval, std::chrono::minutes(1));
  }
  if (!collected.ok()) {
    return collected;
  }
  const auto since = applied_seq_.value() - snapshot_seq_.value();
  if (since <= 0 || now < retry_at_) {
    return Status::Ok();
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - snapshot_at_);
  if (since < every && elapsed < interval) {
    return Status::Ok();
  }
  auto jobs = Capture();
  SnapshotWritten written{applied_seq_, now, Micros(Steady::now() - now), {}, 0};
  pending_ = std::async(std::launch::async, [jobs = std::move(jobs), written, path = log_.path(),
                                             &clock = log_.clock()]() mutable {
    const auto start = Steady::now();
    Pending out{Status::Ok(), written};
    try {
      std::vector<StoredSnapshot> snaps;
      snaps.reserve(jobs.size());
      for (auto& job : jobs) {
        snaps.push_back(job());
        out.written.bytes += snaps.back().state.size();
      }
      // A connection of its own: the writer's is not thread-safe. WAL lets
      // the two take turns; each waits for the other's transaction.
      auto log = EventLog::OpenFile(path, clock, EventLogOptions{.snapshots_only = true});
      out.status = log.ok() ? (*log)->SaveSnapshots(snaps) : log.status();
    } catch (const std::exception& e) {
      out.status = Internal(std::string("cannot write snapshots: ") + e.what());
    }
    out.written.write = Micros(Steady::now() - start);
    return out;
  });
  return Status::Ok();
}

Status ProjectionHost::FinishSnapshots() {
  if (!pending_.valid()) {
    return Status::Ok();
  }
  auto done = pending_.get();
  if (!done.status.ok()) {
    failed_ = true;
    return done.status;
  }
  snapshot_seq_ = done.written.seq;
  snapshot_at_ = done.written.captured_at;
  last_snapshot_ = done.written;
  spdlog::debug(
      "snapshots at event {}: writer paused {} us, written in the background in {} ms "
      "({} bytes)",
      done.written.seq.value(), done.written.capture.count(), done.written.write.count() / 1000,
      done.written.bytes);
  return Status::Ok();
}

std::map<std::string, std::string> ProjectionHost::Digests() const {
  std::map<std::string, std::string> out;
  for (const auto* p : projections_) {
    out.emplace(std::string(p->name()), p->Digest());
  }
  return out;
}

}  // namespace tributary
