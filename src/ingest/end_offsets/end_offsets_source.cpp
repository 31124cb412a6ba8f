#include "ingest/end_offsets/end_offsets_source.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "core/event_codec.h"
#include "ingest/kafka_conf.h"

namespace tributary::ingest::end_offsets {
namespace {

using json = nlohmann::json;
constexpr int kDescribeConfigsRetryEvery = 10;  // intervals

std::optional<std::int64_t> ParseInt(const char* text) {
  if (text == nullptr) {
    return std::nullopt;
  }
  std::int64_t v = 0;
  const std::string_view s(text);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

int Millis(Duration d) { return static_cast<int>(std::max<std::int64_t>(1, d.count())); }

}  // namespace

struct EndOffsetsSource::Client {
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* admin_queue = nullptr;
  // Partition -> leader broker id, from the last metadata read (for counting
  // the ListOffsets requests: one per leader).
  std::map<std::pair<std::string, std::int32_t>, std::int32_t> leaders;
  ~Client() {
    if (admin_queue != nullptr) {
      rd_kafka_queue_destroy(admin_queue);
    }
    if (rk != nullptr) {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  }
};

EndOffsetsSource::EndOffsetsSource(EndOffsetsOptions options, health::HealthModel& model)
    : options_(std::move(options)), model_(model) {}

EndOffsetsSource::~EndOffsetsSource() = default;

Duration EndOffsetsSource::interval() const {
  // Asked every second so that a partition first seen is fetched at once; a
  // full fetch runs every options_.interval (see Poll).
  return std::min<Duration>(options_.interval, std::chrono::seconds(1));
}

Status EndOffsetsSource::Restore(const std::vector<std::pair<std::string, std::string>>& entries) {
  facts_.clear();
  dirty_facts_.clear();
  const auto facts_prefix = fold_prefix() + "f/";
  std::vector<std::pair<std::string, std::string>> model_entries;
  for (const auto& [key, value] : entries) {
    if (key.rfind(facts_prefix, 0) == 0) {
      try {
        const auto j = json::parse(value);
        facts_[key.substr(facts_prefix.size())] = {j.at("f").dump(), j.at("n").get<std::int64_t>()};
      } catch (const std::exception& e) {
        return Corruption(std::string("topic facts fold state: ") + e.what());
      }
    } else {
      model_entries.emplace_back(key, value);
    }
  }
  return model_.Restore(model_entries);
}

void EndOffsetsSource::FlushObserved(TranslationSink& sink) {
  model_.Flush([&](std::string key, std::optional<std::string> value) {
    sink.WriteFold(std::move(key), std::move(value));
  });
}

void EndOffsetsSource::Flush(TranslationSink& sink) {
  FlushObserved(sink);
  for (const auto& topic : dirty_facts_) {
    const auto& [facts, n] = facts_[topic];
    sink.WriteFold(fold_prefix() + "f/" + topic, json{{"f", json::parse(facts)}, {"n", n}}.dump());
  }
  dirty_facts_.clear();
}

Status EndOffsetsSource::Connect() {
  if (client_) {
    return Status::Ok();
  }
  auto client = std::make_unique<Client>();
  // assign() needs a group id; with assign() the group is never joined and
  // nothing is committed. One record per partition is all a read needs.
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"client.id", "tributary-health"},      {"group.id", "tributary-health"},
      {"enable.auto.commit", "false"},        {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},       {"auto.offset.reset", "error"},
      {"fetch.max.bytes", "1048576"},         {"max.partition.fetch.bytes", "65536"},
      {"queued.max.messages.kbytes", "4096"},
  };
  auto made = NewKafkaConf(options_.cluster, options_.bootstrap_servers, options_.properties,
                           defaults, {"group.id", "enable.auto.commit", "auto.offset.reset"});
  if (!made.ok()) {
    return made.status();
  }
  rd_kafka_conf_t* conf = *made;
  char errstr[512];
  client->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (client->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("cluster " + options_.cluster + ": end-offsets client: " + errstr);
  }
  rd_kafka_poll_set_consumer(client->rk);
  client->admin_queue = rd_kafka_queue_new(client->rk);
  client_ = std::move(client);
  return Status::Ok();
}

Result<std::vector<health::EndOffset>> EndOffsetsSource::FetchEndOffsets(
    const std::vector<health::TopicPartition>& all) {
  std::vector<health::EndOffset> out;
  const std::size_t batch = std::max<std::size_t>(1, options_.list_offsets_batch);
  for (std::size_t from = 0; from < all.size(); from += batch) {
    const std::vector<health::TopicPartition> part(
        all.begin() + static_cast<std::ptrdiff_t>(from),
        all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), from + batch)));
    auto fetched = FetchEndOffsetsBatch(part);
    if (!fetched.ok()) {
      return fetched.status();
    }
    out.insert(out.end(), fetched->begin(), fetched->end());
  }
  return out;
}

Result<std::vector<health::EndOffset>> EndOffsetsSource::FetchEndOffsetsBatch(
    const std::vector<health::TopicPartition>& partitions) {
  std::vector<health::EndOffset> out;
  if (partitions.empty()) {
    return out;
  }
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  std::set<std::int32_t> leaders;
  bool unknown_leader = false;
  for (const auto& tp : partitions) {
    auto* p = rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition);
    p->offset = RD_KAFKA_OFFSET_END;  // the "latest" timestamp: ListOffsets(latest)
    auto l = client_->leaders.find({tp.topic, tp.partition});
    if (l == client_->leaders.end()) {
      unknown_leader = true;
    } else {
      leaders.insert(l->second);
    }
  }
  const auto err = rd_kafka_offsets_for_times(client_->rk, list, Millis(options_.request_timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
    rd_kafka_topic_partition_list_destroy(list);
    return Unavailable("cluster " + options_.cluster + ": ListOffsets: " + rd_kafka_err2str(err));
  }
  // librdkafka sends one ListOffsets request per leader broker.
  counters_.list_offsets_requests +=
      static_cast<std::int64_t>(leaders.size()) + (unknown_leader && leaders.empty() ? 1 : 0);
  for (int i = 0; i < list->cnt; ++i) {
    const auto& p = list->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR || p.offset < 0) {
      continue;  // unknown topic or partition: asked again next interval
    }
    out.push_back({p.topic, p.partition, p.offset});
  }
  rd_kafka_topic_partition_list_destroy(list);
  counters_.partitions_fetched += static_cast<std::int64_t>(out.size());
  return out;
}

std::vector<health::RecordTime> EndOffsetsSource::ReadRecordTimes(
    std::vector<health::RecordTime> wanted) {
  if (wanted.size() > options_.record_times_per_poll) {
    wanted.resize(options_.record_times_per_poll);
  }
  std::map<std::pair<std::string, std::int32_t>, std::size_t> pending;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(wanted.size()));
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    // One offset per (topic, partition) per read: the others wait for the next poll.
    if (!pending.emplace(std::pair{wanted[i].topic, wanted[i].partition}, i).second) {
      continue;
    }
    rd_kafka_topic_partition_list_add(list, wanted[i].topic.c_str(), wanted[i].partition)->offset =
        wanted[i].offset;
  }
  std::vector<health::RecordTime> out;
  if (rd_kafka_assign(client_->rk, list) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }
  rd_kafka_topic_partition_list_destroy(list);
  const auto deadline = std::chrono::steady_clock::now() + options_.record_time_budget;
  while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(client_->rk, 100);
    if (m == nullptr) {
      continue;
    }
    if (m->rkt != nullptr) {
      const std::pair<std::string, std::int32_t> key{rd_kafka_topic_name(m->rkt), m->partition};
      auto it = pending.find(key);
      if (it != pending.end()) {
        auto rt = wanted[it->second];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset == rt.offset) {
          rd_kafka_timestamp_type_t type;
          const auto ts = rd_kafka_message_timestamp(m, &type);
          if (ts >= 0) {
            rt.timestamp_ms = ts;
          }
          out.push_back(rt);
          pending.erase(it);
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR || m->offset > rt.offset) {
          out.push_back(rt);  // gone (retention, compaction) or not readable: interpolate
          pending.erase(it);
        }
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(client_->rk, nullptr);
  counters_.record_reads += static_cast<std::int64_t>(out.size());
  return out;
}

void EndOffsetsSource::ReadTopicFacts(Timestamp now, TranslationSink& sink) {
  std::set<std::string> topics;
  for (auto& t : model_.ReadTopics()) {
    topics.insert(std::move(t));
  }
  if (options_.product_topics) {
    for (auto& t : options_.product_topics()) {
      topics.insert(std::move(t));
    }
  }
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(client_->rk, 1, nullptr, &md, Millis(options_.request_timeout)) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return;
  }
  std::map<std::string, json> facts;
  client_->leaders.clear();
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    for (int p = 0; p < t.partition_cnt; ++p) {
      client_->leaders[{t.topic, t.partitions[p].id}] = t.partitions[p].leader;
    }
    if (!topics.contains(t.topic)) {
      continue;
    }
    auto& f = facts[t.topic];
    f["partitions"] = t.partition_cnt;
    f["replication_factor"] =
        t.partition_cnt > 0 ? json(t.partitions[0].replica_cnt) : json(nullptr);
  }
  rd_kafka_metadata_destroy(md);

  // DescribeConfigs is asked without waiting (a broker that does not answer it
  // would hold the writer thread for a whole request timeout): the answer is
  // taken at a later poll (TakeDescribeConfigs) and merged from then on.
  // A refresh (RefreshTopicFacts, a topic first read) asks even a broker that
  // did not answer before; one that waits for an answer to an earlier request
  // is asked once that answer is taken (refresh_facts_ stays set until then).
  if (facts.empty()) {
    refresh_facts_ = false;
  } else if (!describe_in_flight_ &&
             (refresh_facts_ || describe_configs_supported_ || --describe_configs_skip_ <= 0)) {
    refresh_facts_ = false;
    std::vector<rd_kafka_ConfigResource_t*> resources;
    for (const auto& [topic, f] : facts) {
      resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
    }
    rd_kafka_AdminOptions_t* opts =
        rd_kafka_AdminOptions_new(client_->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    char errstr[256];
    rd_kafka_AdminOptions_set_request_timeout(opts, Millis(options_.request_timeout), errstr,
                                              sizeof errstr);
    rd_kafka_DescribeConfigs(client_->rk, resources.data(), resources.size(), opts,
                             client_->admin_queue);
    rd_kafka_AdminOptions_destroy(opts);
    for (auto* r : resources) {
      rd_kafka_ConfigResource_destroy(r);
    }
    describe_in_flight_ = true;
    describe_sent_ = std::chrono::steady_clock::now();
  }
  for (auto& [topic, f] : facts) {
    if (auto c = configs_.find(topic); c != configs_.end()) {
      for (const auto& [k, v] : c->second.items()) {
        f[k] = v;
      }
    }
  }
  RecordFacts(facts, now, sink);
}

void EndOffsetsSource::TakeDescribeConfigs(Timestamp now, TranslationSink& sink) {
  if (!describe_in_flight_) {
    return;
  }
  rd_kafka_event_t* ev = rd_kafka_queue_poll(client_->admin_queue, 0);
  if (ev == nullptr) {
    if (std::chrono::steady_clock::now() - describe_sent_ <
        options_.request_timeout + std::chrono::seconds(5)) {
      return;
    }
  }
  describe_in_flight_ = false;
  bool answered = false;
  std::map<std::string, json> changed;
  if (ev != nullptr && rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (const auto* result = rd_kafka_event_DescribeConfigs_result(ev)) {
      size_t count = 0;
      const auto** rs = rd_kafka_DescribeConfigs_result_resources(result, &count);
      for (size_t i = 0; i < count; ++i) {
        if (rd_kafka_ConfigResource_error(rs[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          continue;
        }
        answered = true;
        json c = json::object();
        size_t n = 0;
        const auto** entries = rd_kafka_ConfigResource_configs(rs[i], &n);
        for (size_t e = 0; e < n; ++e) {
          const std::string_view key = rd_kafka_ConfigEntry_name(entries[e]);
          const char* value = rd_kafka_ConfigEntry_value(entries[e]);
          if (key == "retention.ms") {
            if (auto v = ParseInt(value)) {
              c["retention_ms"] = *v;
            }
          } else if (key == "retention.bytes") {
            if (auto v = ParseInt(value)) {
              c["retention_bytes"] = *v;
            }
          } else if (key == "cleanup.policy" && value != nullptr) {
            c["cleanup_policy"] = value;
          }
        }
        const std::string topic = rd_kafka_ConfigResource_name(rs[i]);
        configs_[topic] = c;
        // Merged with the last facts recorded (partitions, replication factor).
        json merged = json::object();
        if (auto f = facts_.find(topic); f != facts_.end()) {
          merged = json::parse(f->second.first);
        }
        for (const auto& [k, v] : c.items()) {
          merged[k] = v;
        }
        changed[topic] = std::move(merged);
      }
    }
  }
  if (!answered && describe_configs_supported_) {
    spdlog::info(
        "{}: the cluster does not answer DescribeConfigs ({}); topic retention comes "
        "from the catalog",
        name(), ev == nullptr ? "timed out" : rd_kafka_event_error_string(ev));
  }
  describe_configs_supported_ = answered;
  describe_configs_skip_ = answered ? 0 : kDescribeConfigsRetryEvery;
  if (ev != nullptr) {
    rd_kafka_event_destroy(ev);
  }
  RecordFacts(changed, now, sink);
}

void EndOffsetsSource::RecordFacts(std::map<std::string, json>& facts, Timestamp now,
                                   TranslationSink& sink) {
  for (auto& [topic, f] : facts) {
    const auto text = f.dump();
    auto& [stored, n] = facts_[topic];
    if (stored == text) {
      continue;
    }
    stored = text;
    ++n;
    dirty_facts_.insert(topic);
    ++counters_.facts_changed;
    json data = f;
    data["topic"] = NodeId::Topic(options_.cluster, topic).str();
    auto event = codec::EventFromJson(TopicFactsObserved::kType, data);
    if (!event.ok()) {
      spdlog::warn("{}: topic facts of {}: {}", name(), topic, event.status().message());
      continue;
    }
    sink.EmitDecision(std::move(event).value(), now,
                      "topic_facts/" + options_.cluster + "/" + topic + "/" + std::to_string(n));
  }
}

Status EndOffsetsSource::Poll(Timestamp now, TranslationSink& sink) {
  const auto steady = std::chrono::steady_clock::now();
  const bool full = steady >= next_full_;
  std::vector<health::TopicPartition> partitions;
  if (full) {
    partitions = model_.ReadPartitions();
    model_.TakeUnfetched();
  } else {
    partitions = model_.TakeUnfetched();
  }
  if (!full && partitions.empty() && !refresh_facts_) {
    if (client_) {
      TakeDescribeConfigs(now, sink);
    }
    return Status::Ok();
  }
  if (auto s = Connect(); !s.ok()) {
    return s;
  }
  if (full) {
    // The pipeline asks about once a second: a little slack keeps a 1 s
    // interval from becoming 2 s.
    next_full_ = steady + options_.interval -
                 std::min<Duration>(options_.interval / 5, std::chrono::milliseconds(300));
  }
  ++counters_.polls;
  TakeDescribeConfigs(now, sink);
  if (!full && !refresh_facts_) {
    // The facts of a topic first read are read at once, as its end offsets
    // are (a full poll reads every topic's).
    for (const auto& tp : partitions) {
      if (!facts_.contains(tp.topic)) {
        refresh_facts_ = true;
        break;
      }
    }
  }
  if (full || (refresh_facts_ && !describe_in_flight_)) {
    ReadTopicFacts(now, sink);
  }
  auto ends = FetchEndOffsets(partitions);
  if (!ends.ok()) {
    next_full_ = {};  // retried at the next poll
    return ends.status();
  }
  if (!partitions.empty()) {
    model_.ObserveEndOffsets(*ends, ToMillis(now));
  }
  if (full) {
    auto wanted = model_.RecordTimesWanted();
    if (!wanted.empty()) {
      const auto times = ReadRecordTimes(std::move(wanted));
      model_.ObserveRecordTimes(times);
    }
  }
  return Status::Ok();
}

}  // namespace tributary::ingest::end_offsets
