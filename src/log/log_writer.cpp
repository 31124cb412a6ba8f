#include "log/log_writer.h"

#include <spdlog/spdlog.h>

namespace tributary::log {

LogWriter::LogWriter(EventLog& log, ProjectionHost& projections)
    : log_(log), projections_(projections) {}

Result<std::vector<SourceOffset>> LogWriter::Offsets(const std::string& source) {
  return log_.Offsets(source);
}

Result<std::vector<std::pair<std::string, std::string>>> LogWriter::FoldState(
    const std::string& prefix) {
  return log_.FoldState(prefix);
}

Result<AppendResult> LogWriter::Commit(Batch batch) {
  if (batch.empty()) {
    return AppendResult{};
  }
  // The decider's cursor rides along when it moved without decisions of its own.
  const bool cursor_write = deciding_ && decided_seq_ > stored_cursor_;
  const EventSeq cursor = decided_seq_;
  if (cursor_write) {
    batch.fold_state.push_back({decider_->cursor_key(), std::to_string(cursor.value())});
  }
  auto result = AppendAndApply(batch);
  if (!result.ok()) {
    return result.status();
  }
  if (cursor_write) {
    stored_cursor_ = cursor;
  }
  auto records = EventLog::AppendedRecords(batch, *result);
  counters_.events += static_cast<std::int64_t>(result->appended);
  counters_.duplicates += static_cast<std::int64_t>(result->duplicates);
  counters_.quarantined += static_cast<std::int64_t>(result->quarantined);
  ++counters_.batches;
  if (auto s = Decide(std::move(records)); !s.ok()) {
    // The batch itself is committed; the decisions follow with the next one.
    spdlog::warn("decisions deferred: {}", s.message());
  }
  return result;
}

Result<AppendResult> LogWriter::AppendAndApply(const Batch& batch) {
  if (appender_ != nullptr) {
    return appender_->AppendAndApply(batch);
  }
  auto result = log_.Append(batch);
  if (result.ok()) {
    projections_.Apply(EventLog::AppendedRecords(batch, *result));
  }
  return result;
}

Status LogWriter::SetDecider(Decider& decider, bool deciding) {
  decider_ = &decider;
  deciding_ = false;
  return deciding ? ResumeDeciding() : Status::Ok();
}

Status LogWriter::ResumeDeciding() {
  if (decider_ == nullptr) {
    return Status::Ok();
  }
  Decider& decider = *decider_;
  auto stored = log_.FoldState(decider.cursor_key());
  if (!stored.ok()) {
    return stored.status();
  }
  std::optional<std::int64_t> cursor;
  for (const auto& [key, value] : *stored) {
    if (key == decider.cursor_key()) {
      try {
        cursor = std::stoll(value);
      } catch (const std::exception&) {
        return Corruption("fold state " + key + " is not a sequence number: " + value);
      }
    }
  }
  if (!cursor) {
    // First start with a decider: decide from the beginning of a new log, and
    // from now on for a log written before deciding existed (history is not
    // news to anyone).
    cursor = projections_.applied_seq().value();
    if (*cursor > 0) {
      spdlog::info("decisions start after event {}", *cursor);
    }
    Batch batch;
    batch.fold_state.push_back({decider.cursor_key(), std::to_string(*cursor)});
    if (auto r = AppendAndApply(batch); !r.ok()) {
      return r.status();
    }
  }
  decided_seq_ = stored_cursor_ = EventSeq(*cursor);
  deciding_ = true;
  return Decide({});
}

Status LogWriter::Decide(std::vector<EventRecord> fresh) {
  if (!deciding_) {
    return Status::Ok();
  }
  if (!fresh.empty() && fresh.front().seq.value() == decided_seq_.value() + 1) {
    Batch decisions;
    decider_->Decide(fresh, decisions);
    return CommitDecisions(decisions, fresh.back().seq);
  }
  // Behind (a restart, or decisions that failed to commit): catch up from the log.
  constexpr std::size_t kChunk = 10000;
  while (decided_seq_ < projections_.applied_seq()) {
    auto chunk = log_.Read(decided_seq_, kChunk);
    if (!chunk.ok()) {
      return chunk.status();
    }
    if (chunk->empty()) {
      break;
    }
    Batch decisions;
    decider_->Decide(*chunk, decisions);
    if (auto s = CommitDecisions(decisions, chunk->back().seq); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

Status LogWriter::CommitDecisions(Batch& decisions, EventSeq through) {
  if (decisions.empty()) {
    decided_seq_ = std::max(decided_seq_, through);  // stored with the next batch
    return Status::Ok();
  }
  decisions.fold_state.push_back({decider_->cursor_key(), std::to_string(through.value())});
  auto result = AppendAndApply(decisions);
  if (!result.ok()) {
    return result.status();
  }
  stored_cursor_ = through;
  counters_.events += static_cast<std::int64_t>(result->appended);
  // The decisions just appended need no decision about themselves.
  decided_seq_ = std::max(through, projections_.applied_seq());
  return Status::Ok();
}

Status LogWriter::Tick(Timestamp now) {
  if (!deciding_) {
    return Status::Ok();
  }
  Batch decisions;
  decider_->Tick(now, decisions);
  return CommitDecisions(decisions, decided_seq_);
}

}  // namespace tributary::log
