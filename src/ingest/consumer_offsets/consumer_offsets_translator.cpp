#include "ingest/consumer_offsets/consumer_offsets_translator.h"

#include <nlohmann/json.hpp>

#include "core/msgpack.h"
#include "ingest/consumer_offsets/consumer_offsets_decoder.h"
#include "tributary/overloaded.h"

namespace tributary::ingest::consumer_offsets {
namespace {

constexpr std::string_view kVia = "consumer_offsets";

std::string Bytes(const nlohmann::json& j) {
  const auto v = nlohmann::json::to_msgpack(j);
  return {v.begin(), v.end()};
}

}  // namespace

ConsumerOffsetsTranslator::ConsumerOffsetsTranslator(ConsumerOffsetsOptions options)
    : options_(std::move(options)) {}

std::string ConsumerOffsetsTranslator::TopicFoldKey(const TopicKey& key) const {
  // Topic names cannot contain '\n'; the group may, so the topic goes last.
  return fold_prefix() + "t/" + key.first + "\n" + key.second;
}

void ConsumerOffsetsTranslator::MarkDirty(const TopicKey& key, TopicFold* fold) {
  if (!fold->dirty) {
    fold->dirty = true;
    dirty_topics_.push_back(key);
  }
}

std::string ConsumerOffsetsTranslator::GroupFoldKey(const std::string& group) const {
  return fold_prefix() + "g/" + group;
}

Status ConsumerOffsetsTranslator::Restore(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  topics_.clear();
  topic_index_.clear();
  groups_.clear();
  dirty_topics_.clear();
  dirty_groups_.clear();
  topic_ids_.clear();
  dirty_topic_ids_.clear();
  const auto topic_prefix = fold_prefix() + "t/";
  const auto group_prefix = fold_prefix() + "g/";
  const auto ids_prefix = fold_prefix() + "i/";
  try {
    for (const auto& [key, value] : entries) {
      const auto j = nlohmann::json::from_msgpack(value);
      if (key.rfind(topic_prefix, 0) == 0) {
        TopicFold f;
        f.group = j.at("g").get<std::string>();
        f.topic = j.at("t").get<std::string>();
        for (const auto& po : j.at("o")) {
          f.offsets[po.at(0).get<std::int32_t>()] = po.at(1).get<std::int64_t>();
        }
        f.last_commit_ms = j.at("c").get<std::int64_t>();
        f.last_sample_ms = j.at("s").get<std::int64_t>();
        f.commits_since_sample = j.at("n").get<std::int64_t>();
        f.active = j.at("a").get<bool>();
        TopicKey topic_key{f.group, f.topic};
        AddTopic(std::move(topic_key), std::move(f));
      } else if (key.rfind(group_prefix, 0) == 0) {
        GroupFold g;
        g.group = j.at("g").get<std::string>();
        g.protocol_type = j.at("pt").get<std::string>();
        g.protocol = j.at("p").get<std::string>();
        g.generation = j.at("gen").get<std::int32_t>();
        g.kip848 = j.at("k").get<bool>();
        for (const auto& m : j.at("m")) {
          Member member;
          member.member_id = m.at("id").get<std::string>();
          member.client_id = m.at("c").get<std::string>();
          member.host = m.at("h").get<std::string>();
          member.topics = m.at("t").get<std::set<std::string>>();
          member.topic_ids = m.at("ti").get<std::set<std::string>>();
          g.members.emplace(member.member_id, std::move(member));
        }
        g.topic_names = j.at("tn").get<std::map<std::string, std::string>>();
        g.regex_topics = j.at("rx").get<std::map<std::string, std::set<std::string>>>();
        groups_.emplace(g.group, std::move(g));
      } else if (key.rfind(ids_prefix, 0) == 0) {
        Incarnations& i = topic_ids_[key.substr(ids_prefix.size())];
        i.current = j.at("c").get<std::string>();
        i.retired = j.at("r").get<std::set<std::string>>();
      }
    }
  } catch (const std::exception& e) {
    return Corruption(std::string("consumer offsets fold state: ") + e.what());
  }
  return Status::Ok();
}

void ConsumerOffsetsTranslator::Flush(TranslationSink& sink) {
  if (options_.observer != nullptr) {
    options_.observer->FlushObserved(sink);
  }
  std::string bytes;
  for (const auto& key : dirty_topics_) {
    auto it = topics_.find(key);
    if (it == topics_.end()) {
      sink.WriteFold(TopicFoldKey(key), std::nullopt);
      continue;
    }
    auto& f = it->second;
    f.dirty = false;
    // Written with the direct MessagePack writer: this runs for every
    // (group, topic) a batch touched, the hot path of the fold.
    bytes.clear();
    msgpack::Writer w(bytes);
    w.MapHeader(7);
    w.String("g");
    w.String(f.group);
    w.String("t");
    w.String(f.topic);
    w.String("o");
    w.ArrayHeader(static_cast<std::uint32_t>(f.offsets.size()));
    for (const auto& [p, o] : f.offsets) {
      w.ArrayHeader(2);
      w.Int(p);
      w.Int(o);
    }
    w.String("c");
    w.Int(f.last_commit_ms);
    w.String("s");
    w.Int(f.last_sample_ms);
    w.String("n");
    w.Int(f.commits_since_sample);
    w.String("a");
    w.Bool(f.active);
    sink.WriteFold(TopicFoldKey(key), bytes);
  }
  for (const auto& group : dirty_groups_) {
    auto it = groups_.find(group);
    if (it == groups_.end()) {
      sink.WriteFold(GroupFoldKey(group), std::nullopt);
      continue;
    }
    const auto& g = it->second;
    nlohmann::json members = nlohmann::json::array();
    for (const auto& [id, m] : g.members) {
      members.push_back({{"id", m.member_id},
                         {"c", m.client_id},
                         {"h", m.host},
                         {"t", m.topics},
                         {"ti", m.topic_ids}});
    }
    sink.WriteFold(GroupFoldKey(group), Bytes({{"g", g.group},
                                               {"pt", g.protocol_type},
                                               {"p", g.protocol},
                                               {"gen", g.generation},
                                               {"k", g.kip848},
                                               {"m", members},
                                               {"tn", g.topic_names},
                                               {"rx", g.regex_topics}}));
  }
  for (const auto& name : dirty_topic_ids_) {
    const auto& i = topic_ids_.at(name);
    sink.WriteFold(fold_prefix() + "i/" + name, Bytes({{"c", i.current}, {"r", i.retired}}));
  }
  dirty_topics_.clear();
  dirty_groups_.clear();
  dirty_topic_ids_.clear();
}

void ConsumerOffsetsTranslator::StopTopic(TopicFold& fold, const std::string& reason, Timestamp at,
                                          TranslationSink& sink, bool decision) {
  if (!fold.active) {
    return;
  }
  fold.active = false;
  ConsumerStopped stopped{NodeId::Group(options_.cluster, fold.group),
                          NodeId::Topic(options_.cluster, fold.topic), reason,
                          FromMillis(fold.last_commit_ms)};
  if (decision) {
    sink.EmitDecision(std::move(stopped), at,
                      "co-" + reason + "/" + options_.cluster + "/" + fold.group + "\n" +
                          fold.topic + "/" + std::to_string(fold.last_commit_ms));
  } else {
    sink.Emit(std::move(stopped), at);
  }
}

// The member topics of a group as a GroupMembersChanged event.
void ConsumerOffsetsTranslator::EmitMembers(const GroupFold& g, Timestamp at,
                                            TranslationSink& sink) {
  GroupMembersChanged event;
  event.group = NodeId::Group(options_.cluster, g.group);
  event.protocol_type = g.protocol_type;
  event.protocol = g.protocol;
  event.generation = g.generation;
  for (const auto& [id, m] : g.members) {
    tributary::GroupMember member{m.member_id, m.client_id, m.host, {}};
    std::set<std::string> topics = m.topics;
    for (const auto& topic_id : m.topic_ids) {
      if (auto it = g.topic_names.find(topic_id); it != g.topic_names.end()) {
        topics.insert(it->second);
      }
    }
    member.topics.assign(topics.begin(), topics.end());
    event.members.push_back(std::move(member));
  }
  sink.Emit(std::move(event), at);
}

void ConsumerOffsetsTranslator::DeleteGroup(const std::string& group, Timestamp at,
                                            TranslationSink& sink) {
  if (options_.observer != nullptr) {
    options_.observer->OnGroupDeleted(group);
  }
  // Every topic the group read stops, and its fold state goes.
  for (auto it = topics_.lower_bound(TopicKeyView(group, ""));
       it != topics_.end() && it->first.first == group;) {
    StopTopic(it->second, "group_deleted", at, sink, false);
    dirty_topics_.push_back(it->first);
    it = EraseTopic(it);
  }
  const bool known = groups_.erase(group) > 0;
  dirty_groups_.insert(group);
  (void)known;
  sink.Emit(GroupDeleted{NodeId::Group(options_.cluster, group)}, at);
}

ConsumerOffsetsTranslator::Topics::iterator ConsumerOffsetsTranslator::AddTopic(TopicKey key,
                                                                                TopicFold fold) {
  auto [it, inserted] = topics_.emplace(std::move(key), std::move(fold));
  if (inserted) {
    topic_index_.emplace(TopicKeyView(it->first.first, it->first.second), it);
  }
  return it;
}

ConsumerOffsetsTranslator::Topics::iterator ConsumerOffsetsTranslator::EraseTopic(
    Topics::iterator it) {
  topic_index_.erase(TopicKeyView(it->first.first, it->first.second));
  return topics_.erase(it);
}

void ConsumerOffsetsTranslator::FoldCommit(std::string_view group, std::string_view topic,
                                           std::int32_t partition, std::int64_t offset,
                                           std::int64_t commit_ms, TranslationSink& sink) {
  Topics::iterator it;
  if (auto found = topic_index_.find(TopicKeyView(group, topic)); found != topic_index_.end()) {
    it = found->second;
  } else {
    TopicFold fold;
    fold.group = group;
    fold.topic = topic;
    it = AddTopic(TopicKey{std::string(group), std::string(topic)}, std::move(fold));
  }
  auto& f = it->second;
  if (options_.observer != nullptr) {
    options_.observer->OnCommit(group, topic, partition, offset, commit_ms, f.observer_hint);
  }
  MarkDirty(it->first, &f);
  f.offsets[partition] = offset;
  f.last_commit_ms = std::max(f.last_commit_ms, commit_ms);
  ++f.commits_since_sample;
  if (!f.active) {
    f.active = true;
    f.last_sample_ms = commit_ms;
    f.commits_since_sample = 1;
    sink.Emit(
        ConsumerStarted{NodeId::Group(options_.cluster, group),
                        NodeId::Topic(options_.cluster, topic), "observed", std::string(kVia)},
        FromMillis(commit_ms));
    return;
  }
  if (commit_ms - f.last_sample_ms >= options_.progress_interval.count()) {
    std::int64_t sum = 0;
    for (const auto& [p, o] : f.offsets) {
      sum += o;
    }
    sink.Emit(ConsumerProgress{NodeId::Group(options_.cluster, group),
                               NodeId::Topic(options_.cluster, topic), sum,
                               static_cast<std::int32_t>(f.offsets.size()), f.commits_since_sample},
              FromMillis(commit_ms));
    f.last_sample_ms = commit_ms;
    f.commits_since_sample = 0;
  }
}

void ConsumerOffsetsTranslator::Translate(const RawRecord& record, TranslationSink& sink) {
  // The common case, offset commits, is read in place without allocating.
  if (record.key && record.value) {
    if (const auto c = PeekOffsetCommit(*record.key, *record.value)) {
      FoldCommit(c->group, c->topic, c->partition, c->offset,
                 c->commit_timestamp_ms > 0 ? c->commit_timestamp_ms : record.timestamp_ms, sink);
      return;
    }
  }
  auto decoded = Decode(record.key, record.value);
  if (!decoded.ok()) {
    sink.Quarantine(decoded.status().message());
    return;
  }
  const Timestamp at = FromMillis(record.timestamp_ms);
  std::visit(
      Overloaded{
          [&](const OffsetCommit& c) {
            FoldCommit(c.group, c.topic, c.partition, c.offset,
                       c.commit_timestamp_ms > 0 ? c.commit_timestamp_ms : record.timestamp_ms,
                       sink);
          },
          [&](const OffsetCommitTombstone& t) { FoldOffsetDeleted(t, at, sink); },
          [&](const GroupMetadata& m) { FoldClassicGroup(m, at, sink); },
          [&](const GroupMetadataTombstone& t) { DeleteGroup(t.group, at, sink); },
          [&](const ConsumerGroupMetadata& m) { FoldConsumerGroup(m, at, sink); },
          [&](const ConsumerGroupMetadataTombstone& t) { DeleteGroup(t.group, at, sink); },
          [&](const ConsumerGroupPartitionMetadata& m) { FoldTopicNames(m, at, sink); },
          [&](const ConsumerGroupPartitionMetadataTombstone& t) {
            if (auto it = groups_.find(t.group); it != groups_.end()) {
              it->second.topic_names.clear();
              dirty_groups_.insert(t.group);
            }
          },
          [&](const ConsumerGroupMemberMetadata& m) { FoldMember(m, at, sink); },
          [&](const ConsumerGroupMemberMetadataTombstone& t) {
            auto it = groups_.find(t.group);
            if (it != groups_.end() && it->second.members.erase(t.member_id) > 0) {
              dirty_groups_.insert(t.group);
              EmitMembers(it->second, at, sink);
            }
          },
          [&](const ConsumerGroupCurrentMemberAssignment& a) { FoldAssignment(a, at, sink); },
          [&](const ConsumerGroupCurrentMemberAssignmentTombstone& t) {
            FoldAssignmentDeleted(t, at, sink);
          },
          [&](const ConsumerGroupRegularExpression& r) {
            auto& g = groups_[r.group];
            g.group = r.group;
            g.kip848 = true;
            g.regex_topics[r.regex] = std::set<std::string>(r.topics.begin(), r.topics.end());
            dirty_groups_.insert(r.group);
          },
          [&](const ConsumerGroupRegularExpressionTombstone& t) {
            if (auto it = groups_.find(t.group); it != groups_.end()) {
              it->second.regex_topics.erase(t.regex);
              dirty_groups_.insert(t.group);
            }
          },
          [&](const SkippedRecord&) { ++skipped_; },
      },
      *decoded);
}

void ConsumerOffsetsTranslator::FoldOffsetDeleted(const OffsetCommitTombstone& t, Timestamp at,
                                                  TranslationSink& sink) {
  const TopicKeyView key{t.group, t.topic};
  if (options_.observer != nullptr) {
    options_.observer->OnOffsetDeleted(t.group, t.topic, t.partition);
  }
  sink.Emit(OffsetDeleted{NodeId::Group(options_.cluster, t.group),
                          NodeId::Topic(options_.cluster, t.topic), t.partition},
            at);
  auto it = topics_.find(key);
  if (it == topics_.end()) {
    return;
  }
  it->second.offsets.erase(t.partition);
  MarkDirty(it->first, &it->second);
  if (it->second.offsets.empty()) {
    StopTopic(it->second, "offset_deleted", at, sink, false);
    EraseTopic(it);
  }
}

void ConsumerOffsetsTranslator::FoldClassicGroup(const GroupMetadata& m, Timestamp at,
                                                 TranslationSink& sink) {
  auto& g = groups_[m.group];
  g.group = m.group;
  std::map<std::string, Member> members;
  for (const auto& gm : m.members) {
    Member member{gm.member_id, gm.client_id, gm.client_host, {}, {}};
    if (gm.subscription) {
      member.topics.insert(gm.subscription->topics.begin(), gm.subscription->topics.end());
    }
    if (gm.assignment) {
      for (const auto& tp : gm.assignment->assigned_partitions) {
        member.topics.insert(tp.topic);
      }
    }
    members.emplace(member.member_id, std::move(member));
  }
  const auto protocol = m.protocol.value_or("");
  const bool changed = members != g.members || m.protocol_type != g.protocol_type ||
                       protocol != g.protocol || g.kip848;
  const bool first = g.protocol_type.empty() && g.members.empty() && !g.kip848;
  g.protocol_type = m.protocol_type;
  g.protocol = protocol;
  g.generation = m.generation;
  g.kip848 = false;
  g.members = std::move(members);
  dirty_groups_.insert(m.group);
  if (changed || first) {
    EmitMembers(g, at, sink);
  }
}

void ConsumerOffsetsTranslator::FoldConsumerGroup(const ConsumerGroupMetadata& m, Timestamp at,
                                                  TranslationSink& sink) {
  auto& g = groups_[m.group];
  const bool first = g.group.empty();
  g.group = m.group;
  g.protocol_type = "consumer";
  g.kip848 = true;
  g.generation = m.epoch;
  dirty_groups_.insert(m.group);
  if (first) {
    EmitMembers(g, at, sink);
  }
}

ConsumerOffsetsTranslator::GroupFold& ConsumerOffsetsTranslator::Kip848Group(
    const std::string& group) {
  auto& g = groups_[group];
  g.group = group;
  g.kip848 = true;
  g.protocol_type = "consumer";
  return g;
}

void ConsumerOffsetsTranslator::FoldTopicIds(const ConsumerGroupPartitionMetadata& m, Timestamp at,
                                             TranslationSink& sink) {
  for (const auto& t : m.topics) {
    if (t.topic_name.empty()) {
      continue;
    }
    const std::string id = t.topic_id.ToString();
    auto [it, first] = topic_ids_.try_emplace(t.topic_name);
    Incarnations& i = it->second;
    if (first) {
      i.current = id;  // first sighting: nothing to compare with
      dirty_topic_ids_.insert(t.topic_name);
      continue;
    }
    if (i.current == id || i.retired.contains(id)) {
      continue;
    }
    i.retired.insert(i.current);
    i.current = id;
    dirty_topic_ids_.insert(t.topic_name);
    const auto topic = NodeId::Topic(options_.cluster, t.topic_name);
    sink.Emit(TopicDeleted{topic, "consumer_offsets", ""}, at);
    sink.Emit(TopicCreated{topic, "consumer_offsets", ""}, at);
  }
}

void ConsumerOffsetsTranslator::FoldTopicNames(const ConsumerGroupPartitionMetadata& m,
                                               Timestamp at, TranslationSink& sink) {
  FoldTopicIds(m, at, sink);
  auto& g = Kip848Group(m.group);
  const auto before = g.topic_names;
  for (const auto& t : m.topics) {
    g.topic_names[t.topic_id.ToString()] = t.topic_name;
  }
  dirty_groups_.insert(m.group);
  // Names may arrive after the assignments that use them.
  if (g.topic_names != before) {
    bool resolves = false;
    for (const auto& [id, member] : g.members) {
      for (const auto& topic_id : member.topic_ids) {
        resolves = resolves || (!before.contains(topic_id) && g.topic_names.contains(topic_id));
      }
    }
    if (resolves) {
      EmitMembers(g, at, sink);
    }
  }
}

void ConsumerOffsetsTranslator::FoldMember(const ConsumerGroupMemberMetadata& m, Timestamp at,
                                           TranslationSink& sink) {
  auto& g = Kip848Group(m.group);
  g.protocol = m.server_assignor.value_or(g.protocol);
  auto& member = g.members[m.member_id];
  Member updated = member;
  updated.member_id = m.member_id;
  updated.client_id = m.client_id;
  updated.host = m.client_host;
  updated.topics.clear();
  updated.topics.insert(m.subscribed_topic_names.begin(), m.subscribed_topic_names.end());
  if (m.subscribed_topic_regex) {
    if (auto it = g.regex_topics.find(*m.subscribed_topic_regex); it != g.regex_topics.end()) {
      updated.topics.insert(it->second.begin(), it->second.end());
    }
  }
  dirty_groups_.insert(m.group);
  if (!(updated == member)) {
    member = std::move(updated);
    EmitMembers(g, at, sink);
  }
}

void ConsumerOffsetsTranslator::FoldAssignment(const ConsumerGroupCurrentMemberAssignment& a,
                                               Timestamp at, TranslationSink& sink) {
  auto& g = Kip848Group(a.group);
  std::set<std::string> ids;
  for (const auto& tp : a.assigned_partitions) {
    if (!tp.partitions.empty()) {
      ids.insert(tp.topic_id.ToString());
    }
  }
  auto& member = g.members[a.member_id];
  member.member_id = a.member_id;
  dirty_groups_.insert(a.group);
  if (member.topic_ids != ids) {
    member.topic_ids = std::move(ids);
    EmitMembers(g, at, sink);
  }
}

void ConsumerOffsetsTranslator::FoldAssignmentDeleted(
    const ConsumerGroupCurrentMemberAssignmentTombstone& t, Timestamp at, TranslationSink& sink) {
  auto it = groups_.find(t.group);
  if (it == groups_.end()) {
    return;
  }
  auto m = it->second.members.find(t.member_id);
  if (m != it->second.members.end() && !m->second.topic_ids.empty()) {
    m->second.topic_ids.clear();
    dirty_groups_.insert(t.group);
    EmitMembers(it->second, at, sink);
  }
}

void ConsumerOffsetsTranslator::Tick(Timestamp now, TranslationSink& sink) {
  const auto now_ms = ToMillis(now);
  for (auto& [key, fold] : topics_) {
    if (fold.active && now_ms - fold.last_commit_ms >= options_.idle_after.count()) {
      StopTopic(fold, "idle", now, sink, true);
      MarkDirty(key, &fold);
    }
  }
}

}  // namespace tributary::ingest::consumer_offsets
