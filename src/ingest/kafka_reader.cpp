#include "ingest/kafka_reader.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "ingest/kafka_conf.h"

namespace tributary::ingest {
namespace {

constexpr int kMetadataTimeoutMs = 5000;

// Appends the headers of `m` (views into the message, valid while it lives) to
// `out` and their range to `ranges`.
void AppendHeaders(const rd_kafka_message_t& m, std::vector<RecordHeader>& out,
                   std::vector<std::pair<std::size_t, std::size_t>>& ranges) {
  const std::size_t first = out.size();
  rd_kafka_headers_t* hdrs = nullptr;
  // librdkafka parses a record's headers on demand; _NOENT when it has none.
  if (rd_kafka_message_headers(&m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      RecordHeader h;
      h.name = name;
      if (value != nullptr) {
        h.value = std::string_view(static_cast<const char*>(value), size);
      }
      out.push_back(h);
    }
  }
  ranges.emplace_back(first, out.size() - first);
}

}  // namespace

struct KafkaReader::Handles {
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  std::vector<rd_kafka_message_t*> messages;
  ~Handles() {
    if (queue != nullptr) {
      rd_kafka_queue_destroy(queue);
    }
    if (rk != nullptr) {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  }
};

KafkaReader::KafkaReader(KafkaReaderOptions options)
    : options_(std::move(options)), handles_(std::make_unique<Handles>()) {}

KafkaReader::~KafkaReader() = default;

Result<std::unique_ptr<KafkaReader>> KafkaReader::Open(KafkaReaderOptions options) {
  std::unique_ptr<KafkaReader> reader(new KafkaReader(std::move(options)));
  auto& opts = reader->options_;
  // Defaults first, so the configured properties can override them.
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"client.id", "tributary"},
      // librdkafka's assign() needs a group id; with assign() the consumer never
      // joins the group and, without commits, never touches its offsets.
      {"group.id", "tributary"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"isolation.level", "read_committed"},
      // Out of range is reported, not silently reset: the reader records the
      // gap and moves on itself (RecoverOutOfRange).
      {"auto.offset.reset", "error"},
      // Looking for a source topic must never create it.
      {"allow.auto.create.topics", "false"},
      {"fetch.wait.max.ms", "50"},
      {"queued.min.messages", "200000"},
      {"check.crcs", "false"},
  };
  // Tributary manages auto commit and the isolation level itself.
  auto made = NewKafkaConf(opts.cluster, opts.bootstrap_servers, opts.properties, defaults,
                           {"enable.auto.commit", "isolation.level"});
  if (!made.ok()) {
    return made.status();
  }
  rd_kafka_conf_t* conf = *made;
  char errstr[512];
  reader->handles_->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (reader->handles_->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("cluster " + opts.cluster +
                           ": cannot create a Kafka consumer: " + errstr);
  }
  reader->handles_->queue = rd_kafka_queue_get_consumer(reader->handles_->rk);
  if (reader->handles_->queue == nullptr) {
    // Without a group the consumer queue is the main queue.
    reader->handles_->queue = rd_kafka_queue_get_main(reader->handles_->rk);
  }
  reader->handles_->messages.resize(opts.max_batch);
  for (const auto& [tp, offset] : opts.start_offsets) {
    reader->partitions_[tp].next_offset = offset;
  }
  if (auto s = reader->RefreshAssignment(); !s.ok()) {
    return s;
  }
  return reader;
}

Status KafkaReader::RefreshAssignment() {
  bool changed = false;
  bool incomplete = false;
  auto apply = [&](const rd_kafka_metadata_t& md) {
    for (int t = 0; t < md.topic_cnt; ++t) {
      const auto& mt = md.topics[t];
      const std::string topic = mt.topic;
      if (mt.err != RD_KAFKA_RESP_ERR_NO_ERROR ||
          std::find(options_.topics.begin(), options_.topics.end(), topic) ==
              options_.topics.end()) {
        continue;  // not ours, or not created yet: counts as caught up
      }
      existing_topics_.insert(topic);
      for (int p = 0; p < mt.partition_cnt; ++p) {
        const TopicPartition tp{topic, mt.partitions[p].id};
        if (assigned_.contains(tp)) {
          continue;
        }
        std::int64_t low = 0;
        std::int64_t high = 0;
        if (rd_kafka_query_watermark_offsets(handles_->rk, topic.c_str(), tp.second, &low, &high,
                                             kMetadataTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          incomplete = true;  // the leader is unreachable now: assign it on a later refresh
          continue;
        }
        auto& progress = partitions_[tp];  // keeps a stored resume position
        progress.start_watermark = high;
        progress.high_watermark = high;
        if (progress.next_offset < low) {
          if (progress.next_offset > 0) {
            spdlog::warn(
                "kafka {}: {}[{}] resumes at {} but the earliest kept offset is {}: {} records "
                "were deleted by retention before they were read",
                options_.cluster, topic, tp.second, progress.next_offset, low,
                low - progress.next_offset);
            gaps_.push_back({topic, tp.second, progress.next_offset, low});
          }
          progress.next_offset = low;
        }
        assigned_.insert(tp);
        changed = true;
      }
    }
  };
  // A metadata request that names a missing topic may create it (brokers with
  // auto.create.topics.enable, the mock cluster): missing topics are looked for
  // in the cluster-wide list instead; topics that exist are asked for by name,
  // to see new partitions.
  const bool all_exist = existing_topics_.size() == options_.topics.size();
  if (!all_exist) {
    const rd_kafka_metadata_t* md = nullptr;
    const auto err = rd_kafka_metadata(handles_->rk, 1, nullptr, &md, kMetadataTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka {}: metadata unavailable: {}", options_.cluster, rd_kafka_err2str(err));
      incomplete = true;
    } else {
      apply(*md);
      rd_kafka_metadata_destroy(md);
    }
  } else {
    for (const auto& topic : options_.topics) {
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(handles_->rk, topic.c_str(), nullptr);
      const rd_kafka_metadata_t* md = nullptr;
      const auto err = rd_kafka_metadata(handles_->rk, 0, rkt, &md, kMetadataTimeoutMs);
      rd_kafka_topic_destroy(rkt);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // The cluster is unreachable for now: keep what is assigned, retry later.
        spdlog::warn("kafka {}: metadata for {} unavailable: {}", options_.cluster, topic,
                     rd_kafka_err2str(err));
        continue;
      }
      apply(*md);
      rd_kafka_metadata_destroy(md);
    }
  }
  // A partition that exists but could not be assigned yet is not caught up;
  // a topic that does not exist yet is.
  unassigned_partitions_ = incomplete;
  // Look again soon while something is missing, at the configured pace after.
  incomplete = incomplete || existing_topics_.size() < options_.topics.size();
  next_refresh_ = std::chrono::steady_clock::now() +
                  (incomplete ? std::min<std::chrono::milliseconds>(options_.metadata_refresh,
                                                                    std::chrono::seconds(1))
                              : options_.metadata_refresh);
  if (changed) {
    return Assign();
  }
  return Status::Ok();
}

Status KafkaReader::Assign() {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions_.size()));
  for (const auto& [tp, progress] : partitions_) {
    if (!assigned_.contains(tp)) {
      continue;
    }
    rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset =
        progress.next_offset;
  }
  const auto err = rd_kafka_assign(handles_->rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("kafka " + options_.cluster +
                       ": cannot assign partitions: " + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

Status KafkaReader::Poll(std::chrono::milliseconds timeout, const BatchHandler& handler) {
  if (std::chrono::steady_clock::now() >= next_refresh_) {
    if (auto s = RefreshAssignment(); !s.ok()) {
      return s;
    }
  }
  auto& msgs = handles_->messages;
  const auto n = rd_kafka_consume_batch_queue(handles_->queue, static_cast<int>(timeout.count()),
                                              msgs.data(), msgs.size());
  if (n < 0) {
    return Unavailable("kafka " + options_.cluster +
                       ": poll failed: " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  std::vector<RawRecord> records;
  records.reserve(static_cast<std::size_t>(n));
  // The headers of every record of the batch, in one vector; each record's
  // span is set once the vector no longer grows.
  std::vector<RecordHeader> headers;
  std::vector<std::pair<std::size_t, std::size_t>> header_ranges;  // per record: first, count
  header_ranges.reserve(static_cast<std::size_t>(n));
  std::map<TopicPartition, std::int64_t> advanced;
  std::vector<std::pair<TopicPartition, std::int64_t>> out_of_range;  // with the position
  const rd_kafka_topic_t* last_topic = nullptr;
  std::int32_t last_partition = -1;
  std::int64_t* last_next = nullptr;
  for (ssize_t i = 0; i < n; ++i) {
    const rd_kafka_message_t* m = msgs[static_cast<std::size_t>(i)];
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        char reason[512];
        rd_kafka_fatal_error(handles_->rk, reason, sizeof reason);
        for (ssize_t j = 0; j < n; ++j) {
          rd_kafka_message_destroy(msgs[static_cast<std::size_t>(j)]);
        }
        return Internal("kafka " + options_.cluster + ": fatal error: " + reason);
      }
      if ((m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
           m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) &&
          m->rkt != nullptr) {
        const TopicPartition tp{rd_kafka_topic_name(m->rkt), m->partition};
        const auto it = advanced.find(tp);
        out_of_range.emplace_back(tp,
                                  it != advanced.end() ? it->second : partitions_[tp].next_offset);
        continue;
      }
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        spdlog::warn("kafka {}: {}", options_.cluster, rd_kafka_message_errstr(m));
      }
      continue;
    }
    RawRecord r;
    r.topic = rd_kafka_topic_name(m->rkt);
    r.partition = m->partition;
    r.offset = m->offset;
    rd_kafka_timestamp_type_t ts_type;
    r.timestamp_ms = rd_kafka_message_timestamp(m, &ts_type);
    if (m->key != nullptr) {
      r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    }
    if (m->payload != nullptr) {
      r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
    }
    AppendHeaders(*m, headers, header_ranges);
    records.push_back(r);
    // Records arrive in runs of one partition: look the partition up once a run.
    if (last_topic != m->rkt || last_partition != m->partition) {
      last_topic = m->rkt;
      last_partition = m->partition;
      last_next = &advanced[{std::string(r.topic), r.partition}];
    }
    *last_next = r.offset + 1;
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto [first, count] = header_ranges[i];
    records[i].headers = std::span<const RecordHeader>(headers.data() + first, count);
  }
  Status status;
  if (!records.empty()) {
    status = handler(std::span<const RawRecord>(records));
  }
  for (ssize_t i = 0; i < n; ++i) {
    rd_kafka_message_destroy(msgs[static_cast<std::size_t>(i)]);
  }
  if (!status.ok()) {
    // Nothing of this batch was committed: deliver it again from the last
    // committed positions.
    if (auto s = Assign(); !s.ok()) {
      spdlog::warn("{}", s.message());
    }
    return status;
  }
  for (const auto& [tp, next] : advanced) {
    auto& p = partitions_[tp];
    p.next_offset = next;
    p.high_watermark = std::max(p.high_watermark, next);
  }
  for (const auto& [tp, position] : out_of_range) {
    RecoverOutOfRange(tp, position);
  }
  if (!out_of_range.empty()) {
    if (auto s = Assign(); !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

void KafkaReader::RecoverOutOfRange(const TopicPartition& tp, std::int64_t position) {
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (rd_kafka_query_watermark_offsets(handles_->rk, tp.first.c_str(), tp.second, &low, &high,
                                       kMetadataTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn(
        "kafka {}: {}[{}]: offset {} is out of range and the earliest offset is "
        "unknown; retrying",
        options_.cluster, tp.first, tp.second, position);
    return;  // Assign() repeats the position; the error comes back until it is known
  }
  auto& p = partitions_[tp];
  if (position < low) {
    spdlog::warn(
        "kafka {}: {}[{}]: records {} to {} were deleted by retention before they were "
        "read ({} records lost); reading on from {}",
        options_.cluster, tp.first, tp.second, position, low - 1, low - position, low);
    gaps_.push_back({tp.first, tp.second, position, low});
    p.next_offset = low;
  } else if (position > high) {
    // Ahead of the log (the topic was re-created or truncated): read it again.
    spdlog::warn("kafka {}: {}[{}]: offset {} is past the end ({}); reading from {}",
                 options_.cluster, tp.first, tp.second, position, high, low);
    p.next_offset = low;
  } else {
    p.next_offset = position;
  }
}

std::vector<ReadGap> KafkaReader::TakeGaps() {
  std::vector<ReadGap> out;
  out.swap(gaps_);
  return out;
}

bool KafkaReader::CaughtUp() const {
  if (unassigned_partitions_) {
    return false;
  }
  for (const auto& [tp, p] : partitions_) {
    if (assigned_.contains(tp) && p.next_offset < p.start_watermark) {
      return false;
    }
  }
  return true;
}

std::int64_t KafkaReader::Lag() const {
  std::int64_t lag = 0;
  for (const auto& [topic, behind] : LagByTopic()) {
    lag += behind;
  }
  return lag;
}

std::map<std::string, std::int64_t> KafkaReader::LagByTopic() const {
  std::map<std::string, std::int64_t> lag;
  for (const auto& [tp, p] : partitions_) {
    rd_kafka_t* rk = handles_->rk;
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (rd_kafka_get_watermark_offsets(rk, tp.first.c_str(), tp.second, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        high > 0) {
      lag[tp.first] += std::max<std::int64_t>(0, high - p.next_offset);
    } else {
      lag[tp.first] += std::max<std::int64_t>(0, p.high_watermark - p.next_offset);
    }
  }
  return lag;
}

}  // namespace tributary::ingest
