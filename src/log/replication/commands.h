#pragma once
// Commands: API writes on any replica (DESIGN.md §8). The receiving replica
// checks the request and authorises it, then produces a command to the
// commands topic (one partition) and waits until it has applied the leader's
// answer itself (read-your-writes), or until `write_timeout` (then
// kUnavailable: retry). The leader reads the commands in order from the offset
// stored in the log, turns each into a batch, and commits it with the
// commands' next offset and the command's outcome: every command is carried
// out once, by one leader, whatever fails.
//
// A command's value is one MessagePack array:
//   [1, id, kind, source, payload, actor, team]
//   kind "batch":   payload is an encoded Batch (batch_codec.h) to commit as is;
//   kind "lineage": payload is an OpenLineage event for the leader's intake;
//   actor, team:    the WriteGrant the receiving replica authorised the write
//                   as (team nil: no team's resource). The leader checks it
//                   again against its own tokens before it carries it out.
// A command without the last two (5 values) has no grant: the leader refuses it.
// The id is "<replica id>/<boot nonce>/<n>": only the replica that sent it waits for it.
//
// CommandClient: thread-safe. CommandReader: the writer thread's.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "log/replication/kafka_config.h"
#include "log/replication/record.h"
#include "tributary/commit.h"
#include "tributary/committed_state.h"
#include "tributary/result.h"
#include "tributary/writer.h"

struct rd_kafka_s;

namespace tributary::ingest {
class KafkaReader;
}  // namespace tributary::ingest

namespace tributary::log::replication {

struct Command {
  std::string id;
  std::string kind;  // batch | lineage
  std::string source;
  std::string payload;
  std::optional<WriteGrant> grant;
};

std::string EncodeCommand(const Command& command);
Result<Command> DecodeCommand(std::string_view value);

// What a command came to, as the sending replica applied it.
struct CommandAnswer {
  AppendResult appended;
  nlohmann::json result = nlohmann::json::object();
};

// The result of a command the leader refused: {"code","message"}.
nlohmann::json RefusalResult(const Status& status);

struct CommandClientOptions {
  KafkaClientConfig kafka;
  std::string topic = "tributary.commands";
  std::string replica_id;
  std::chrono::milliseconds write_timeout{10000};
};

class CommandClient final : public Writer {
 public:
  static Result<std::unique_ptr<CommandClient>> Open(CommandClientOptions options);
  ~CommandClient() override;
  CommandClient(const CommandClient&) = delete;
  CommandClient& operator=(const CommandClient&) = delete;

  // Sends a command and waits for this replica to apply its answer. A refused
  // command is the leader's error; no answer in time is kUnavailable.
  Result<CommandAnswer> Send(const std::string& kind, const std::string& source,
                             std::string payload, std::optional<WriteGrant> grant);
  // Writer: a batch as a "batch" command. Without a grant the leader refuses
  // it: every write sent to the leader is an authorised API write.
  Result<AppendResult> Commit(Batch batch) override;
  Result<AppendResult> CommitAs(Batch batch, const WriteGrant& grant) override;

  // The events topic's observer: a command's batch was applied here.
  void Answer(const CommandOutcome& outcome, const AppendResult& appended);

  const CommandClientOptions& options() const { return options_; }

 private:
  explicit CommandClient(CommandClientOptions options);
  struct Waiter {
    bool done = false;
    CommandAnswer answer;
  };

  CommandClientOptions options_;
  std::string nonce_;
  rd_kafka_s* producer_ = nullptr;
  std::mutex produce_mu_;  // one produce (and its delivery wait) at a time
  std::mutex mu_;
  std::condition_variable answered_;
  std::uint64_t next_ = 0;
  std::map<std::string, std::shared_ptr<Waiter>> waiting_;
};

// Carries out one command on the leader: commits what it comes to through the
// writer, the last commit with `offsets` (the commands' next offset) and the
// outcome (see EventsTopic::AnswerWithNextAppend). Returns kUnavailable when
// it must be tried again (nothing stored).
using CommandExecutor = std::function<Status(const Command& command, const SourceOffset& next)>;

struct CommandReaderOptions {
  KafkaClientConfig kafka;
  std::string topic = "tributary.commands";
};

class CommandReader {
 public:
  // The source name of the commands' offsets in the log.
  static std::string SourceName(const CommandReaderOptions& options);

  CommandReader(CommandReaderOptions options, CommandExecutor executor);
  ~CommandReader();

  // Opens the reader at the offset stored in `committed` (a new leader).
  Status Start(CommittedState& committed);
  void Stop();
  // Carries out the commands that arrive within `timeout`.
  Status Pump(std::chrono::milliseconds timeout);

 private:
  CommandReaderOptions options_;
  CommandExecutor executor_;
  std::unique_ptr<ingest::KafkaReader> reader_;
  std::int64_t next_ = 0;  // the next command to carry out
};

}  // namespace tributary::log::replication
