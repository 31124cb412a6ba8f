#include "health/health_model.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/msgpack.h"

namespace tributary::health {
namespace {

using SV = std::pair<std::string_view, std::string_view>;
constexpr char kSep = '\x1f';
constexpr std::int64_t kRateWindowMs = 5 * 60 * 1000;

void Thin(std::vector<EndSample>& h, std::size_t cap) {
  if (h.size() <= cap || cap < 4) {
    if (h.size() > cap) {
      h.erase(h.begin());
    }
    return;
  }
  // Drop every other sample of the older half: the history keeps its newest
  // samples dense and reaches twice as far back.
  const std::size_t half = h.size() / 2;
  std::vector<EndSample> out;
  out.reserve(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (i < half && i % 2 == 1) {
      continue;
    }
    out.push_back(h[i]);
  }
  h = std::move(out);
}

}  // namespace

std::optional<double> InterpolateLagSeconds(std::span<const EndSample> history,
                                            std::int64_t committed, std::int64_t now_ms) {
  if (history.empty()) {
    return std::nullopt;
  }
  const auto& last = history.back();
  if (committed >= last.end_offset) {
    return 0.0;
  }
  double produced_ms = 0;
  std::size_t i = 0;
  while (i < history.size() && history[i].end_offset <= committed) {
    ++i;
  }
  if (i == 0) {
    // Older than the history: extrapolate at the history's average rate, or
    // at least as old as the first sample.
    const auto& first = history.front();
    if (last.end_offset > first.end_offset && last.time_ms > first.time_ms) {
      const double per_ms = static_cast<double>(last.end_offset - first.end_offset) /
                            static_cast<double>(last.time_ms - first.time_ms);
      produced_ms = static_cast<double>(first.time_ms) -
                    static_cast<double>(first.end_offset - committed) / per_ms;
    } else {
      produced_ms = static_cast<double>(first.time_ms);
    }
  } else {
    const auto& a = history[i - 1];
    const auto& b = history[i];
    const double fraction = static_cast<double>(committed - a.end_offset) /
                            static_cast<double>(b.end_offset - a.end_offset);
    produced_ms =
        static_cast<double>(a.time_ms) + fraction * static_cast<double>(b.time_ms - a.time_ms);
  }
  return std::max(0.0, (static_cast<double>(now_ms) - produced_ms) / 1000.0);
}

HealthModel::HealthModel(HealthModelOptions options)
    : options_(std::move(options)), prefix_("health/" + options_.cluster + "/") {
  options_.window = std::max<std::size_t>(options_.window, 1);
}

HealthModel::ReadersMap::iterator HealthModel::AddReaders(Key key, Readers r) {
  auto [it, inserted] = readers_.emplace(std::move(key), std::move(r));
  if (inserted) {
    index_.emplace(KeyView(it->first.first, it->first.second), it);
  }
  return it;
}

HealthModel::ReadersMap::iterator HealthModel::EraseReaders(ReadersMap::iterator it) {
  ++erase_epoch_;
  index_.erase(KeyView(it->first.first, it->first.second));
  return readers_.erase(it);
}

std::int64_t HealthModel::JournalId(Readers& r) {
  if (r.journal_epoch != journal_epoch_) {
    r.journal_epoch = journal_epoch_;
    r.journal_id = journal_ids_++;
    msgpack::Writer w(journal_);
    w.Int(kKeyOp);
    w.Int(r.journal_id);
    w.String(r.group);
    w.String(r.topic);
  }
  return r.journal_id;
}

const std::vector<EndSample>* HealthModel::Ends(std::string_view topic,
                                                std::int32_t partition) const {
  auto t = ends_.find(topic);
  if (t == ends_.end()) {
    return nullptr;
  }
  auto p = t->second.partitions.find(partition);
  return p == t->second.partitions.end() || p->second.empty() ? nullptr : &p->second;
}

std::span<const EndSample> HealthModel::History(std::string_view topic,
                                                std::int32_t partition) const {
  const auto* h = Ends(topic, partition);
  return h == nullptr ? std::span<const EndSample>() : std::span<const EndSample>(*h);
}

void HealthModel::OnCommit(std::string_view group, std::string_view topic, std::int32_t partition,
                           std::int64_t offset, std::int64_t commit_ms, void** entry,
                           std::uint64_t* epoch) {
  Readers* found = nullptr;
  if (entry != nullptr && *entry != nullptr && *epoch == erase_epoch_) {
    found = static_cast<Readers*>(*entry);
  } else if (auto f = index_.find(KeyView(group, topic)); f != index_.end()) {
    found = &f->second->second;
  } else {
    Readers fresh;
    fresh.group = group;
    fresh.topic = topic;
    found = &AddReaders(Key{std::string(group), std::string(topic)}, std::move(fresh))->second;
  }
  if (entry != nullptr) {
    *entry = found;
    *epoch = erase_epoch_;
  }
  auto& r = *found;
  auto [pit, inserted] = r.partitions.try_emplace(partition);
  auto& state = pit->second;
  if (state.ends == nullptr) {
    state.ends = Ends(topic, partition);
    if (inserted && state.ends == nullptr) {
      unfetched_.insert(TopicPartition{std::string(topic), partition});
    }
  }
  std::int64_t lag = kUnknownLag;
  if (state.ends != nullptr && !state.ends->empty()) {
    lag = std::max<std::int64_t>(0, state.ends->back().end_offset - offset);
  }
  const auto id = JournalId(r);
  // Offset and time against the partition's newest commit (both sides of the
  // journal know it), so that a commit takes a few bytes.
  const auto& window = state.window;
  const auto base_offset = window.empty() ? 0 : window.back().offset;
  const auto base_ms = window.empty() ? 0 : window.back().time_ms;
  msgpack::Writer w(journal_);
  w.Int(kCommitOp);
  w.Int(id);
  w.Int(partition);
  w.Int(offset - base_offset);
  w.Int(commit_ms - base_ms);
  w.Int(lag);
  ApplyCommit(r, partition, offset, commit_ms, lag);
}

void HealthModel::ApplyCommit(Readers& r, std::int32_t partition, std::int64_t offset,
                              std::int64_t commit_ms, std::int64_t lag) {
  auto& w = r.partitions[partition].window;
  if (w.capacity() == 0) {
    w.reserve(options_.window + 1);  // one allocation for the window's life
  }
  const CommitSample c{offset, commit_ms, lag};
  if (!w.empty() && commit_ms >= w.back().time_ms &&
      commit_ms - w.back().time_ms < options_.min_distance.count() && offset >= w.back().offset &&
      w.size() > 1) {
    w.back() = c;  // too close to the newest: it moves instead of filling the window
  } else {
    w.push_back(c);
    if (w.size() > options_.window) {
      w.erase(w.begin());
    }
  }
}

void HealthModel::OnOffsetDeleted(std::string_view group, std::string_view topic,
                                  std::int32_t partition) {
  auto found = index_.find(KeyView(group, topic));
  if (found == index_.end()) {
    return;
  }
  msgpack::Writer w(journal_);
  const auto id = JournalId(found->second->second);
  w.Int(kDeletedOp);
  w.Int(id);
  w.Int(partition);
  ApplyOffsetDeleted(found->second, partition);
}

void HealthModel::ApplyOffsetDeleted(ReadersMap::iterator it, std::int32_t partition) {
  it->second.partitions.erase(partition);
  if (it->second.partitions.empty()) {
    EraseReaders(it);
  }
}

void HealthModel::OnGroupDeleted(std::string_view group) {
  auto it = readers_.lower_bound(SV(group, std::string_view()));
  if (it == readers_.end() || it->first.first != group) {
    return;
  }
  msgpack::Writer w(journal_);
  w.Int(kGroupGoneOp);
  w.String(group);
  ApplyGroupDeleted(group);
}

void HealthModel::ApplyGroupDeleted(std::string_view group) {
  auto it = readers_.lower_bound(SV(group, std::string_view()));
  while (it != readers_.end() && it->first.first == group) {
    it = EraseReaders(it);
  }
}

void HealthModel::ObserveEndOffsets(std::span<const EndOffset> offsets, std::int64_t at_ms) {
  for (const auto& e : offsets) {
    auto t = ends_.find(e.topic);
    if (t == ends_.end()) {
      t = ends_.emplace(e.topic, TopicEnds{}).first;
    }
    auto& h = t->second.partitions[e.partition];
    if (!h.empty() && e.end_offset < h.back().end_offset) {
      // The end of a partition never moves back while the topic lives: this is
      // a new topic of the same name (deleted and re-created) or a truncated
      // one. The old history says nothing about its rate.
      h.clear();
    }
    if (!h.empty() && h.back().time_ms >= at_ms) {
      h.back() = {std::max(h.back().time_ms, at_ms), e.end_offset};
    } else {
      h.push_back({at_ms, e.end_offset});
      Thin(h, options_.history);
    }
    t->second.dirty = true;
    dirty_ends_.insert(e.topic);
    unfetched_.erase(TopicPartition{e.topic, e.partition});
  }
  ++generation_;
}

void HealthModel::ObserveRecordTimes(std::span<const RecordTime> times) {
  std::map<std::tuple<std::string_view, std::int32_t, std::int64_t>, std::int64_t> known;
  for (const auto& t : times) {
    known[{t.topic, t.partition, t.offset}] = t.timestamp_ms ? *t.timestamp_ms : -2;
  }
  for (auto& [key, r] : readers_) {
    for (auto& [partition, p] : r.partitions) {
      if (p.window.empty()) {
        continue;
      }
      const auto offset = p.window.back().offset;
      auto k = known.find({std::string_view(r.topic), partition, offset});
      if (k != known.end() && (p.record_offset != offset || p.record_time_ms != k->second)) {
        p.record_offset = offset;
        p.record_time_ms = k->second;
        const auto id = JournalId(r);
        msgpack::Writer w(journal_);
        w.Int(kRecordTimeOp);
        w.Int(id);
        w.Int(partition);
        w.Int(offset);
        w.Int(k->second);
      }
    }
  }
}

std::vector<TopicPartition> HealthModel::ReadPartitions() const {
  std::set<TopicPartition> out;
  for (const auto& [key, r] : readers_) {
    for (const auto& [partition, p] : r.partitions) {
      out.insert(TopicPartition{r.topic, partition});
    }
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> HealthModel::ReadTopics() const {
  std::set<std::string> out;
  for (const auto& [key, r] : readers_) {
    out.insert(r.topic);
  }
  return {out.begin(), out.end()};
}

std::vector<TopicPartition> HealthModel::TakeUnfetched() {
  std::vector<TopicPartition> out(unfetched_.begin(), unfetched_.end());
  unfetched_.clear();
  return out;
}

std::vector<RecordTime> HealthModel::RecordTimesWanted() const {
  std::set<std::tuple<std::string, std::int32_t, std::int64_t>> out;
  for (const auto& [key, r] : readers_) {
    for (const auto& [partition, p] : r.partitions) {
      if (p.window.empty()) {
        continue;
      }
      const auto* h = Ends(r.topic, partition);
      const auto offset = p.window.back().offset;
      if (h == nullptr || h->back().end_offset <= offset) {
        continue;  // not lagging
      }
      if (p.record_offset == offset) {
        continue;  // known, or known not to be readable
      }
      out.insert({r.topic, partition, offset});
    }
  }
  std::vector<RecordTime> wanted;
  wanted.reserve(out.size());
  for (const auto& [topic, partition, offset] : out) {
    wanted.push_back({topic, partition, offset, std::nullopt});
  }
  return wanted;
}

Evaluation HealthModel::Evaluate(std::int64_t now_ms) {
  Evaluation ev;
  ev.cluster = options_.cluster;
  ev.evaluated_at_ms = now_ms;
  GroupHealth* group = nullptr;
  const std::map<std::int32_t, std::vector<EndSample>>* topic_ends = nullptr;
  std::string_view ends_topic;
  ev.groups.reserve(readers_.size());
  for (auto& [key, r] : readers_) {
    if (group == nullptr || group->group != key.first) {
      group = &ev.groups.emplace_back();
      group->group = key.first;
    }
    group->partitions.reserve(group->partitions.size() + r.partitions.size());
    for (auto& [partition, p] : r.partitions) {
      if (p.window.empty()) {
        continue;
      }
      if (p.ends == nullptr) {
        if (topic_ends == nullptr || ends_topic != r.topic) {
          auto t = ends_.find(r.topic);
          topic_ends = t == ends_.end() ? nullptr : &t->second.partitions;
          ends_topic = r.topic;
        }
        if (topic_ends != nullptr) {
          if (auto it = topic_ends->find(partition); it != topic_ends->end()) {
            p.ends = &it->second;
          }
        }
      }
      const std::vector<EndSample>* h = p.ends != nullptr && !p.ends->empty() ? p.ends : nullptr;
      if (h != nullptr) {
        for (auto& c : p.window) {
          if (c.lag != kUnknownLag) {
            continue;
          }
          // Kept until an end offset was known: the first one observed at or
          // after the commit (else the newest).
          auto s =
              std::lower_bound(h->begin(), h->end(), c.time_ms,
                               [](const EndSample& e, std::int64_t t) { return e.time_ms < t; });
          const auto end = s == h->end() ? h->back().end_offset : s->end_offset;
          c.lag = std::max<std::int64_t>(0, end - c.offset);
          const auto id = JournalId(r);
          msgpack::Writer w(journal_);
          w.Int(kLagOp);
          w.Int(id);
          w.Int(partition);
          w.Int(c.time_ms);
          w.Int(c.offset);
          w.Int(c.lag);
        }
      }
      const auto& newest = p.window.back();
      PartitionHealth ph;
      ph.topic = r.topic;
      ph.partition = partition;
      ph.offset = newest.offset;
      ph.last_commit_ms = newest.time_ms;
      std::optional<std::int64_t> end;
      if (h != nullptr) {
        end = h->back().end_offset;
        ph.end_offset = end;
        ph.lag = std::max<std::int64_t>(0, *end - newest.offset);
      }
      ph.status = EvaluatePartition(p.window, options_.window, end, now_ms);
      if (ph.lag) {
        if (*ph.lag == 0) {
          ph.lag_seconds = 0.0;
          ph.lag_seconds_source = "caught_up";
        } else if (p.record_offset == newest.offset && p.record_time_ms >= 0) {
          ph.lag_seconds = std::max(0.0, static_cast<double>(now_ms - p.record_time_ms) / 1000.0);
          ph.lag_seconds_source = "record_timestamp";
        } else if (auto s = InterpolateLagSeconds(*h, newest.offset, now_ms)) {
          ph.lag_seconds = *s;
          ph.lag_seconds_source = "interpolated";
        }
        group->total_lag += *ph.lag;
      }
      if (ph.lag_seconds &&
          (!group->max_lag_seconds || *ph.lag_seconds > *group->max_lag_seconds)) {
        group->max_lag_seconds = ph.lag_seconds;
      }
      group->status = Worse(group->status, ph.status);
      group->partitions.push_back(std::move(ph));
    }
  }
  for (const auto& [topic, te] : ends_) {
    TopicStream ts;
    ts.topic = topic;
    double rate = 0;
    bool rated = false;
    for (const auto& [partition, h] : te.partitions) {
      if (h.empty()) {
        continue;
      }
      ++ts.partitions_seen;
      const auto& last = h.back();
      ts.end_offsets += last.end_offset;
      if (h.size() < 2) {
        continue;
      }
      // The rate over the last few minutes (at least the last two samples).
      std::size_t from = h.size() - 2;
      while (from > 0 && last.time_ms - h[from - 1].time_ms <= kRateWindowMs) {
        --from;
      }
      if (last.time_ms > h[from].time_ms) {
        rate += static_cast<double>(last.end_offset - h[from].end_offset) * 1000.0 /
                static_cast<double>(last.time_ms - h[from].time_ms);
        rated = true;
      }
      // Produced last between the last sample before the end moved and the
      // first that shows it moved.
      std::size_t i = h.size() - 1;
      while (i > 0 && h[i - 1].end_offset == last.end_offset) {
        --i;
      }
      if (i > 0 && (!ts.last_produced_ms || h[i].time_ms > *ts.last_produced_ms)) {
        ts.last_produced_ms = h[i].time_ms;
      }
    }
    if (rated) {
      ts.messages_per_second = rate;
    }
    ev.topics.push_back(std::move(ts));
  }
  return ev;
}

std::string HealthModel::ReadersKey(const Key& key) const {
  std::string k = fold_prefix() + "w/";
  k += key.first;
  k += kSep;
  k += key.second;
  return k;
}

std::string HealthModel::EndsKey(const std::string& topic) const {
  return fold_prefix() + "e/" + topic;
}

void HealthModel::WriteCheckpoint(const FoldWriter& write) {
  std::string bytes;
  std::set<std::string> written;
  std::size_t total = 0;
  for (const auto& [key, r] : readers_) {
    bytes.clear();
    msgpack::Writer w(bytes);
    w.ArrayHeader(3);
    w.String(r.group);
    w.String(r.topic);
    w.ArrayHeader(static_cast<std::uint32_t>(r.partitions.size()));
    for (const auto& [partition, p] : r.partitions) {
      w.ArrayHeader(4);
      w.Int(partition);
      w.Int(p.record_offset);
      w.Int(p.record_time_ms);
      // Flat and delta-coded (each commit against the one before).
      w.ArrayHeader(static_cast<std::uint32_t>(p.window.size() * 3));
      std::int64_t offset = 0;
      std::int64_t time = 0;
      for (const auto& c : p.window) {
        w.Int(c.offset - offset);
        w.Int(c.time_ms - time);
        w.Int(c.lag);
        offset = c.offset;
        time = c.time_ms;
      }
    }
    auto k = ReadersKey(key);
    total += bytes.size();
    write(k, bytes);
    written.insert(std::move(k));
  }
  for (const auto& k : checkpointed_) {
    if (!written.contains(k)) {
      write(k, std::nullopt);
    }
  }
  for (auto& k : journal_keys_) {
    write(std::move(k), std::nullopt);
  }
  journal_keys_.clear();
  journal_bytes_ = 0;
  checkpointed_ = std::move(written);
  checkpoint_bytes_ = total;
}

void HealthModel::Flush(const FoldWriter& write) {
  if (!journal_.empty()) {
    if (journal_bytes_ + journal_.size() > std::max(options_.checkpoint_bytes, checkpoint_bytes_)) {
      WriteCheckpoint(write);
    } else {
      char seq[24];
      std::snprintf(seq, sizeof seq, "%020llu", static_cast<unsigned long long>(journal_seq_++));
      auto key = prefix_ + "j/" + seq;
      journal_bytes_ += journal_.size();
      write(key, journal_);
      journal_keys_.push_back(std::move(key));
    }
    journal_.clear();
    ++journal_epoch_;
    journal_ids_ = 0;
  }
  std::string bytes;
  for (const auto& topic : dirty_ends_) {
    auto it = ends_.find(topic);
    if (it == ends_.end()) {
      write(EndsKey(topic), std::nullopt);
      continue;
    }
    it->second.dirty = false;
    bytes.clear();
    msgpack::Writer w(bytes);
    w.ArrayHeader(2);
    w.String(topic);
    w.ArrayHeader(static_cast<std::uint32_t>(it->second.partitions.size()));
    for (const auto& [partition, h] : it->second.partitions) {
      w.ArrayHeader(2);
      w.Int(partition);
      w.ArrayHeader(static_cast<std::uint32_t>(h.size()));
      for (const auto& s : h) {
        w.ArrayHeader(2);
        w.Int(s.time_ms);
        w.Int(s.end_offset);
      }
    }
    write(EndsKey(topic), bytes);
  }
  dirty_ends_.clear();
}

Status HealthModel::Replay(const std::string& key, std::string_view entry) {
  msgpack::Reader in(entry);
  std::vector<Key> ids;  // looked up at each op: an op may have removed it
  const auto named = [&](std::int64_t id) -> Readers* {
    if (id < 0 || static_cast<std::size_t>(id) >= ids.size()) {
      return nullptr;
    }
    const auto& k = ids[static_cast<std::size_t>(id)];
    auto it = index_.find(KeyView(k.first, k.second));
    return it == index_.end() ? nullptr : &it->second->second;
  };
  while (in.ok() && !in.AtEnd()) {
    const auto op = in.ReadInt();
    const auto at = in.position();
    if (op == kGroupGoneOp) {
      const auto group = in.ReadString();
      if (in.ok()) {
        ApplyGroupDeleted(group);
      }
      continue;
    }
    const auto id = in.ReadInt();
    if (op == kKeyOp) {
      std::string group(in.ReadString());
      std::string topic(in.ReadString());
      if (!in.ok()) {
        break;
      }
      if (id != static_cast<std::int64_t>(ids.size())) {
        return Corruption("health journal " + key + ": id " + std::to_string(id) +
                          " out of sequence at byte " + std::to_string(at));
      }
      if (!index_.contains(KeyView(group, topic))) {
        Readers r;
        r.group = group;
        r.topic = topic;
        AddReaders(Key{group, topic}, std::move(r));
      }
      ids.emplace_back(std::move(group), std::move(topic));
      continue;
    }
    auto* r = named(id);
    const auto partition = static_cast<std::int32_t>(in.ReadInt());
    if (r == nullptr || !in.ok()) {
      return Corruption("health journal " + key + ": an op at byte " + std::to_string(at) +
                        " names no (group, topic)");
    }
    switch (op) {
      case kCommitOp: {
        const auto& window = r->partitions[partition].window;
        const auto offset = in.ReadInt() + (window.empty() ? 0 : window.back().offset);
        const auto ms = in.ReadInt() + (window.empty() ? 0 : window.back().time_ms);
        const auto lag = in.ReadInt();
        if (in.ok()) {
          ApplyCommit(*r, partition, offset, ms, lag);
        }
        break;
      }
      case kDeletedOp:
        if (auto it = index_.find(KeyView(r->group, r->topic)); it != index_.end()) {
          ApplyOffsetDeleted(it->second, partition);
        }
        break;
      case kRecordTimeOp: {
        const auto offset = in.ReadInt();
        const auto ms = in.ReadInt();
        if (auto p = r->partitions.find(partition); in.ok() && p != r->partitions.end()) {
          p->second.record_offset = offset;
          p->second.record_time_ms = ms;
        }
        break;
      }
      case kLagOp: {
        const auto ms = in.ReadInt();
        const auto offset = in.ReadInt();
        const auto lag = in.ReadInt();
        if (auto p = r->partitions.find(partition); in.ok() && p != r->partitions.end()) {
          for (auto& c : p->second.window) {
            if (c.time_ms == ms && c.offset == offset && c.lag == kUnknownLag) {
              c.lag = lag;
            }
          }
        }
        break;
      }
      default:
        return Corruption("health journal " + key + ": unknown op " + std::to_string(op) +
                          " at byte " + std::to_string(at));
    }
  }
  if (!in.ok()) {
    return Corruption("health journal " + key + ": " + in.error());
  }
  return Status::Ok();
}

Status HealthModel::Restore(const std::vector<std::pair<std::string, std::string>>& entries) {
  readers_.clear();
  index_.clear();
  ++erase_epoch_;
  ends_.clear();
  unfetched_.clear();
  dirty_ends_.clear();
  journal_.clear();
  ++journal_epoch_;
  journal_ids_ = 0;
  journal_seq_ = 0;
  journal_keys_.clear();
  journal_bytes_ = 0;
  checkpoint_bytes_ = 0;
  checkpointed_.clear();
  const auto readers_prefix = fold_prefix() + "w/";
  const auto ends_prefix = fold_prefix() + "e/";
  const auto journal_prefix = fold_prefix() + "j/";
  std::vector<std::pair<std::string_view, std::string_view>> journal;
  try {
    for (const auto& [key, value] : entries) {
      if (key.starts_with(journal_prefix)) {
        journal.emplace_back(key, value);
        continue;
      }
      const auto j = nlohmann::json::from_msgpack(value);
      if (key.rfind(readers_prefix, 0) == 0) {
        checkpointed_.insert(key);
        checkpoint_bytes_ += value.size();
        Readers r;
        r.group = j.at(0).get<std::string>();
        r.topic = j.at(1).get<std::string>();
        for (const auto& pj : j.at(2)) {
          PartitionState p;
          p.record_offset = pj.at(1).get<std::int64_t>();
          p.record_time_ms = pj.at(2).get<std::int64_t>();
          const auto& flat = pj.at(3);
          std::int64_t offset = 0;
          std::int64_t time = 0;
          for (std::size_t i = 0; i + 2 < flat.size(); i += 3) {
            offset += flat.at(i).get<std::int64_t>();
            time += flat.at(i + 1).get<std::int64_t>();
            p.window.push_back({offset, time, flat.at(i + 2).get<std::int64_t>()});
          }
          r.partitions.emplace(pj.at(0).get<std::int32_t>(), std::move(p));
        }
        Key k{r.group, r.topic};
        AddReaders(std::move(k), std::move(r));
      } else if (key.rfind(ends_prefix, 0) == 0) {
        TopicEnds te;
        const auto topic = j.at(0).get<std::string>();
        for (const auto& pj : j.at(1)) {
          auto& h = te.partitions[pj.at(0).get<std::int32_t>()];
          for (const auto& s : pj.at(1)) {
            h.push_back({s.at(0).get<std::int64_t>(), s.at(1).get<std::int64_t>()});
          }
        }
        ends_.emplace(topic, std::move(te));
      }
    }
  } catch (const std::exception& e) {
    return Corruption(std::string("health fold state: ") + e.what());
  }
  // The journal after the checkpoint, in order (the sequence is zero-padded).
  std::sort(journal.begin(), journal.end());
  for (const auto& [key, value] : journal) {
    if (auto s = Replay(std::string(key), value); !s.ok()) {
      return s;
    }
    journal_keys_.emplace_back(key);
    journal_bytes_ += value.size();
    const auto digits = key.substr(journal_prefix.size());
    std::uint64_t seq = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    journal_seq_ = seq + 1;
  }
  // Partitions read whose end offsets were never fetched: fetch them first.
  for (const auto& [key, r] : readers_) {
    for (const auto& [partition, p] : r.partitions) {
      if (Ends(r.topic, partition) == nullptr) {
        unfetched_.insert(TopicPartition{r.topic, partition});
      }
    }
  }
  ++generation_;
  return Status::Ok();
}

}  // namespace tributary::health
