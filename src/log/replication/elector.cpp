#include "log/replication/elector.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <cstring>

namespace tributary::log::replication {
namespace {

// librdkafka's serialised consumer group metadata: "CGMDv2:", the generation
// id (int32, host order), then the group and member ids.
constexpr char kMagic[] = "CGMDv2:";
constexpr std::size_t kMagicSize = sizeof kMagic - 1;

Result<std::int32_t> ReadGeneration(const rd_kafka_consumer_group_metadata_t* md) {
  void* buffer = nullptr;
  std::size_t size = 0;
  if (rd_kafka_error_t* error = rd_kafka_consumer_group_metadata_write(md, &buffer, &size)) {
    std::string message = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    return Internal("replication: cannot read the group generation: " + message);
  }
  std::int32_t generation = 0;
  const bool ok =
      size >= kMagicSize + sizeof generation && std::memcmp(buffer, kMagic, kMagicSize) == 0;
  if (ok) {
    std::memcpy(&generation, static_cast<const char*>(buffer) + kMagicSize, sizeof generation);
  }
  rd_kafka_mem_free(nullptr, buffer);
  if (!ok) {
    return Internal("replication: this librdkafka's group metadata is not CGMDv2");
  }
  return generation;
}

// The layout read above, checked on a value whose generation is known.
Status CheckGenerationLayout() {
  constexpr std::int32_t kKnown = 0x01020304;
  auto* md = rd_kafka_consumer_group_metadata_new_with_genid("g", kKnown, "m", nullptr);
  auto generation = ReadGeneration(md);
  rd_kafka_consumer_group_metadata_destroy(md);
  if (!generation.ok()) {
    return generation.status();
  }
  if (*generation != kKnown) {
    return Internal("replication: cannot read group generations from this librdkafka");
  }
  return Status::Ok();
}

bool HoldsPartitionZero(const rd_kafka_topic_partition_list_t* parts, const std::string& topic) {
  for (int i = 0; i < parts->cnt; ++i) {
    if (topic == parts->elems[i].topic && parts->elems[i].partition == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::int32_t> Elector::GenerationOf(rd_kafka_s* rk) {
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk);
  if (md == nullptr) {
    return Internal("replication: not a group member");
  }
  auto generation = ReadGeneration(md);
  rd_kafka_consumer_group_metadata_destroy(md);
  return generation;
}

Result<std::unique_ptr<Elector>> Elector::Start(ElectorOptions options) {
  if (auto s = CheckGenerationLayout(); !s.ok()) {
    return s;
  }
  std::unique_ptr<Elector> elector(new Elector(std::move(options)));
  const auto& o = elector->options_;
  auto conf =
      MakeKafkaConf(o.kafka,
                    {{"client.id", "tributary-" + o.replica_id},
                     {"group.id", o.group_id},
                     {"session.timeout.ms", std::to_string(o.session_timeout.count())},
                     {"heartbeat.interval.ms", std::to_string(o.heartbeat_interval.count())},
                     // The coordinator waits this long for members to rejoin a rebalance
                     // (librdkafka sends it as the rebalance timeout); the member polls
                     // every 100 ms, so twice the session timeout bounds a failover that
                     // begins during a rebalance without ever expiring a live member.
                     {"max.poll.interval.ms", std::to_string(2 * o.session_timeout.count())},
                     {"partition.assignment.strategy", "cooperative-sticky"},
                     {"enable.auto.commit", "false"},
                     {"enable.auto.offset.store", "false"},
                     {"allow.auto.create.topics", "false"}},
                    {"group.id", "partition.assignment.strategy", "enable.auto.commit",
                     "session.timeout.ms", "heartbeat.interval.ms"});
  if (!conf.ok()) {
    return conf.status();
  }
  rd_kafka_conf_set_opaque(*conf, elector.get());
  rd_kafka_conf_set_rebalance_cb(
      *conf, [](rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                void* opaque) { RebalanceCallback(rk, err, parts, opaque); });
  char errstr[512];
  elector->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, errstr, sizeof errstr);
  if (elector->rk_ == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return InvalidArgument("replication: cannot create the group member: " + std::string(errstr));
  }
  rd_kafka_poll_set_consumer(elector->rk_);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, o.commands_topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(elector->rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("replication: cannot join group " + o.group_id + ": " +
                       rd_kafka_err2str(err));
  }
  elector->thread_ = std::thread([e = elector.get()] { e->Run(); });
  return elector;
}

Elector::~Elector() {
  Stop();
  if (rk_ != nullptr && !leak_) {
    rd_kafka_destroy(rk_);
  }
}

void Elector::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + options_.session_timeout + std::chrono::seconds(10);
  while (rk_ != nullptr && thread_.joinable() && !assigned_once_.load() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
  if (rk_ != nullptr && !assigned_once_.load()) {
    spdlog::warn(
        "replication: {} never got its first assignment from group {}; its client is "
        "left as is (librdkafka 2.0.2 aborts destroying such a member)",
        options_.replica_id, options_.group_id);
    leak_ = true;
  } else if (rk_ != nullptr) {
    rd_kafka_consumer_close(rk_);  // leaves the group: the partition moves now
  }
  leader_ = false;
  generation_ = 0;
}

Leadership Elector::leadership() const {
  // The generation is written before leader_ turns true.
  Leadership l;
  l.leader = leader_.load();
  l.generation = l.leader ? generation_.load() : 0;
  return l;
}

void Elector::Run() {
  while (!stop_.load()) {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100)) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        spdlog::warn("replication: group {}: {}", options_.group_id, rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
  }
}

void Elector::RebalanceCallback(rd_kafka_s* rk, int err, void* partitions, void* opaque) {
  (void)rk;
  static_cast<Elector*>(opaque)->OnRebalance(err, partitions);
}

void Elector::OnRebalance(int err, void* partitions) {
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(partitions);
  const bool ours = HoldsPartitionZero(parts, options_.commands_topic);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    assigned_once_ = true;
    if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, parts)) {
      spdlog::warn("replication: assign: {}", rd_kafka_error_string(e));
      rd_kafka_error_destroy(e);
    }
    // Held, never fetched.
    rd_kafka_pause_partitions(rk_, parts);
    if (ours) {
      auto generation = GenerationOf(rk_);
      if (!generation.ok()) {
        spdlog::error("{}", generation.status().message());
        return;
      }
      generation_ = *generation;
      leader_ = true;
      spdlog::info("replication: {} holds the commands partition (generation {})",
                   options_.replica_id, *generation);
    }
    return;
  }
  if (ours) {
    leader_ = false;
    spdlog::info("replication: {} no longer holds the commands partition (generation {}{})",
                 options_.replica_id, generation_.load(),
                 rd_kafka_assignment_lost(rk_) ? ", membership lost" : "");
  }
  if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, parts)) {
    spdlog::warn("replication: unassign: {}", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  }
}

}  // namespace tributary::log::replication
