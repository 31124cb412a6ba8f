#pragma once
// The replica's parts with `[replication]` (DESIGN.md §8), wired by the
// Service: the group member that says who leads, the events topic (the log),
// the commands (API writes from any replica) and the writer thread's feed.
// Without `[replication]` none of this exists and the SQLite file is the log.

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "app/config.h"
#include "ingest/cluster_directory.h"
#include "ingest/openlineage/openlineage_intake.h"
#include "log/log_writer.h"
#include "log/replication/commands.h"
#include "log/replication/elector.h"
#include "log/replication/events_topic.h"
#include "log/replication/replica_feed.h"
#include "store/event_log.h"
#include "store/projection_host.h"
#include "tributary/lineage_intake.h"

namespace tributary {

// POST /lineage on a replica: decoded and authorised here, carried out by the leader.
class ReplicatedLineageIntake final : public LineageIntake {
 public:
  ReplicatedLineageIntake(ingest::ClusterDirectory clusters,
                          log::replication::CommandClient& client)
      : clusters_(std::move(clusters)), client_(client) {}
  Result<LineagePosted> Post(std::string_view body, const std::string& source,
                             const Authorize& authorize) override;

 private:
  ingest::ClusterDirectory clusters_;
  log::replication::CommandClient& client_;
};

class Replica {
 public:
  // Opens the events topic and the command producer, and joins the group.
  // `sources` is the single-node feed the leader pumps; `lead` reopens it
  // where the log stands, `follow` closes it. `authorize` is the leader's
  // second check of a command's grant against its own tokens.
  using Authorize = std::function<Status(const WriteGrant& grant)>;
  static Result<std::unique_ptr<Replica>> Open(const Config& config, EventLog& log,
                                               ProjectionHost& projections, log::LogWriter& writer,
                                               Feed& sources,
                                               log::replication::ReplicaFeedHooks hooks,
                                               Authorize authorize, const Clock& clock);
  ~Replica();

  Feed& feed() { return *feed_; }
  Writer& api_writer() { return *client_; }
  LineageIntake& lineage_intake() { return *api_intake_; }
  bool leading() const { return feed_->leading(); }
  bool caught_up() const { return topic_->caught_up(); }
  // GET /api/v1/replica.
  nlohmann::json Describe() const;
  // Leaves the group (before the writer thread stops: the leadership moves at once).
  void Leave();

 private:
  Replica(const Config& config, log::LogWriter& writer) : config_(config), writer_(writer) {}
  Status Execute(const log::replication::Command& command, const SourceOffset& next);
  Status Refuse(const log::replication::Command& command, const SourceOffset& next,
                const Status& why);

  const Config& config_;
  log::LogWriter& writer_;
  Authorize authorize_;
  std::unique_ptr<log::replication::EventsTopic> topic_;
  std::unique_ptr<log::replication::CommandClient> client_;
  std::unique_ptr<log::replication::CommandReader> commands_;
  std::unique_ptr<log::replication::Elector> elector_;
  std::unique_ptr<log::replication::ReplicaFeed> feed_;
  std::unique_ptr<ingest::openlineage::OpenLineageIntake> leader_intake_;
  std::unique_ptr<ReplicatedLineageIntake> api_intake_;
};

}  // namespace tributary
