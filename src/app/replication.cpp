#include "app/replication.h"

#include <spdlog/spdlog.h>

#include "app/sources.h"
#include "ingest/openlineage/openlineage_decoder.h"
#include "log/replication/batch_codec.h"

namespace tributary {
namespace {

using log::replication::Command;
using log::replication::CommandOutcome;

log::replication::KafkaClientConfig ClientConfig(const Config& config) {
  for (const auto& c : config.clusters) {
    if (c.name == config.replication.cluster) {
      return {c.name, c.bootstrap_servers, c.properties};
    }
  }
  return {config.replication.cluster, "", {}};
}

std::chrono::milliseconds Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace

Result<LineagePosted> ReplicatedLineageIntake::Post(std::string_view body,
                                                    const std::string& source,
                                                    const Authorize& authorize) {
  auto decoded = ingest::openlineage::DecodeOpenLineageEvent(body, clusters_);
  if (!decoded.ok()) {
    return decoded.status();
  }
  if (!decoded->job || decoded->kind == ingest::openlineage::LineageEventKind::kDataset) {
    return LineagePosted{};  // no job, no edge
  }
  auto grant = authorize(*decoded->job);
  if (!grant.ok()) {
    return grant.status();
  }
  auto answer = client_.Send("lineage", source, std::string(body), *grant);
  if (!answer.ok()) {
    return answer.status();
  }
  return LineagePosted{answer->result.value("recorded", false),
                       answer->result.value("duplicate", false)};
}

Result<std::unique_ptr<Replica>> Replica::Open(const Config& config, EventLog& log,
                                               ProjectionHost& projections, log::LogWriter& writer,
                                               Feed& sources,
                                               log::replication::ReplicaFeedHooks hooks,
                                               Authorize authorize, const Clock& clock) {
  std::unique_ptr<Replica> replica(new Replica(config, writer));
  replica->authorize_ = std::move(authorize);
  const auto kafka = ClientConfig(config);
  const auto& rep = config.replication;
  log::replication::EventsTopicOptions topic_options;
  topic_options.kafka = kafka;
  topic_options.topic = rep.events_topic;
  topic_options.replica_id = config.service.replica_id;
  auto topic = log::replication::EventsTopic::Open(topic_options, log, projections, clock);
  if (!topic.ok()) {
    return topic.status();
  }
  replica->topic_ = std::move(topic).value();
  writer.SetAppender(replica->topic_.get());

  auto client = log::replication::CommandClient::Open(
      {kafka, rep.commands_topic, config.service.replica_id, Millis(config.service.write_timeout)});
  if (!client.ok()) {
    return client.status();
  }
  replica->client_ = std::move(client).value();
  replica->topic_->SetCommandObserver(
      [c = replica->client_.get()](const CommandOutcome& outcome, const AppendResult& appended) {
        c->Answer(outcome, appended);
      });
  const ingest::ClusterDirectory clusters(ClusterInfos(config));
  replica->api_intake_ = std::make_unique<ReplicatedLineageIntake>(clusters, *replica->client_);
  replica->leader_intake_ =
      std::make_unique<ingest::openlineage::OpenLineageIntake>(clusters, writer);
  replica->commands_ = std::make_unique<log::replication::CommandReader>(
      log::replication::CommandReaderOptions{kafka, rep.commands_topic},
      [r = replica.get()](const Command& c, const SourceOffset& next) {
        return r->Execute(c, next);
      });

  auto elector = log::replication::Elector::Start(
      {kafka, rep.group_id, rep.commands_topic, config.service.replica_id,
       Millis(rep.session_timeout), Millis(rep.heartbeat_interval)});
  if (!elector.ok()) {
    return elector.status();
  }
  replica->elector_ = std::move(elector).value();
  // The leader's intake keeps fold state outside the log: reloaded on leading.
  auto lead = [r = replica.get(), inner = std::move(hooks.lead)]() -> Status {
    if (auto s = r->leader_intake_->Restore(r->writer_); !s.ok()) {
      return s;
    }
    return inner ? inner() : Status::Ok();
  };
  replica->feed_ = std::make_unique<log::replication::ReplicaFeed>(
      log::replication::ReplicaFeedOptions{config.service.replica_id, Millis(rep.session_timeout)},
      *replica->elector_, *replica->topic_, *replica->commands_, writer, sources,
      log::replication::ReplicaFeedHooks{std::move(lead), std::move(hooks.follow)});
  return replica;
}

Replica::~Replica() { Leave(); }

void Replica::Leave() {
  if (elector_) {
    elector_->Stop();
  }
}

Status Replica::Execute(const Command& command, const SourceOffset& next) {
  if (command.kind == "malformed") {
    return Refuse(command, next, InvalidArgument(command.payload));
  }
  // Checked on the replica that took the write, and again here: the leader's
  // tokens are the ones that count (one revoked during a rolling change of
  // the configuration writes nothing), and a command nobody authorised is
  // not carried out.
  if (!command.grant) {
    return Refuse(
        command, next,
        Status(ErrorCode::kPermissionDenied,
               "the write carries no grant: only an authorised API write is carried out"));
  }
  if (auto s = authorize_(*command.grant); !s.ok()) {
    return Refuse(command, next,
                  Status(s.code(), "the leader " + config_.service.replica_id +
                                       " refused the write: " + s.message()));
  }
  if (command.kind == "batch") {
    auto wire = log::replication::DecodeBatch(command.payload);
    if (!wire.ok()) {
      return Refuse(command, next, wire.status());
    }
    Batch batch = std::move(wire->batch);
    batch.offsets.push_back(next);
    topic_->AnswerWithNextAppend({command.id, nlohmann::json::object()});
    auto committed = writer_.Commit(std::move(batch));
    if (committed.ok() || committed.status().code() == ErrorCode::kUnavailable) {
      return committed.ok() ? Status::Ok() : committed.status();
    }
    return Refuse(command, next, committed.status());
  }
  if (command.kind == "lineage") {
    // The grant was checked above, for the team the receiving replica found.
    auto posted =
        leader_intake_->Post(command.payload, command.source,
                             [&](const NodeId&) -> Result<WriteGrant> { return *command.grant; });
    if (!posted.ok()) {
      if (posted.status().code() == ErrorCode::kUnavailable) {
        return posted.status();
      }
      return Refuse(command, next, posted.status());
    }
    Batch batch;
    batch.offsets.push_back(next);
    topic_->AnswerWithNextAppend(
        {command.id, {{"recorded", posted->recorded}, {"duplicate", posted->duplicate}}});
    auto committed = writer_.Commit(std::move(batch));
    return committed.ok() ? Status::Ok() : committed.status();
  }
  return Refuse(command, next, InvalidArgument("unknown command kind \"" + command.kind + "\""));
}

Status Replica::Refuse(const Command& command, const SourceOffset& next, const Status& why) {
  spdlog::warn("replication: command {} refused: {}", command.id, why.message());
  Batch batch;
  batch.offsets.push_back(next);
  if (!command.id.empty()) {
    topic_->AnswerWithNextAppend({command.id, log::replication::RefusalResult(why)});
  }
  auto committed = writer_.Commit(std::move(batch));
  return committed.ok() ? Status::Ok() : committed.status();
}

nlohmann::json Replica::Describe() const {
  const bool leading = feed_->leading();
  const std::int64_t end = std::max(topic_->end_offset(), topic_->read_offset());
  return {{"replica_id", config_.service.replica_id},
          {"role", leading ? "leader" : "follower"},
          {"epoch", topic_->epoch()},
          {"leader", topic_->leader()},
          {"applied_offset", topic_->next_offset()},
          {"resumed_from_offset", topic_->resumed_from()},
          {"read_offset", topic_->read_offset()},
          {"end_offset", end},
          {"apply_lag", end - topic_->read_offset()},
          {"caught_up", topic_->caught_up()},
          {"skipped_batches", topic_->counters().skipped.load()},
          {"elections", feed_->elections()}};
}

}  // namespace tributary
