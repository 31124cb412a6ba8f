#include "store/projection_host.h"

#include <algorithm>

namespace tributary {

ProjectionHost::ProjectionHost(EventLog& log, std::vector<Projection*> projections)
    : log_(log), projections_(std::move(projections)), projection_seq_(projections_.size()) {}

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

Status ProjectionHost::WriteSnapshots() {
  std::vector<StoredSnapshot> snaps;
  snaps.reserve(projections_.size());
  for (std::size_t i = 0; i < projections_.size(); ++i) {
    const auto& p = *projections_[i];
    snaps.push_back(StoredSnapshot{std::string(p.name()), p.snapshot_version(), projection_seq_[i],
                                   p.Digest(), p.Snapshot()});
  }
  if (auto s = log_.SaveSnapshots(snaps); !s.ok()) {
    return s;
  }
  snapshot_seq_ = applied_seq_;
  snapshot_at_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status ProjectionHost::MaybeWriteSnapshots(std::int64_t every, std::chrono::milliseconds interval) {
  const auto since = applied_seq_.value() - snapshot_seq_.value();
  if (since <= 0) {
    return Status::Ok();
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - snapshot_at_);
  if (since < every && elapsed < interval) {
    return Status::Ok();
  }
  return WriteSnapshots();
}

std::map<std::string, std::string> ProjectionHost::Digests() const {
  std::map<std::string, std::string> out;
  for (const auto* p : projections_) {
    out.emplace(std::string(p->name()), p->Digest());
  }
  return out;
}

}  // namespace tributary
