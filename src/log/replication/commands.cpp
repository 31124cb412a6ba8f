#include "log/replication/commands.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <random>

#include "core/msgpack.h"
#include "core/text_codec.h"
#include "ingest/kafka_reader.h"
#include "log/replication/batch_codec.h"

namespace tributary::log::replication {
namespace {

constexpr std::int64_t kCommandFormat = 1;

struct Delivered {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void OnCommandDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  auto* d = static_cast<Delivered*>(m->_private);
  d->err = m->err;
  d->done = true;
}

std::string Nonce() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return HexEncode(std::string_view(reinterpret_cast<const char*>(&v), sizeof v));
}

}  // namespace

std::string EncodeCommand(const Command& command) {
  std::string out;
  msgpack::Writer w(out);
  w.ArrayHeader(command.grant ? 7 : 5);
  w.Int(kCommandFormat);
  w.String(command.id);
  w.String(command.kind);
  w.String(command.source);
  w.String(command.payload);
  if (command.grant) {
    w.String(command.grant->actor);
    if (command.grant->team) {
      w.String(*command.grant->team);
    } else {
      w.Nil();
    }
  }
  return out;
}

Result<Command> DecodeCommand(std::string_view value) {
  msgpack::Reader r(value);
  const auto size = r.ReadArrayHeader();
  if ((size != 5 && size != 7) || !r.ok()) {
    return Corruption("not a command (expected an array of 5 or 7 values)");
  }
  const auto format = r.ReadInt();
  if (!r.ok()) {
    return Corruption(std::string("malformed command: ") + r.error());
  }
  if (format != kCommandFormat) {
    return Corruption("command format " + std::to_string(format) + " is not known to this build");
  }
  Command c;
  c.id = std::string(r.ReadString());
  c.kind = std::string(r.ReadString());
  c.source = std::string(r.ReadString());
  c.payload = std::string(r.ReadString());
  if (size == 7) {
    WriteGrant grant;
    grant.actor = std::string(r.ReadString());
    if (r.NextIsNil()) {
      r.ReadNil();
    } else {
      grant.team = std::string(r.ReadString());
    }
    c.grant = std::move(grant);
  }
  if (!r.ok() || !r.AtEnd()) {
    return Corruption(std::string("malformed command: ") + (r.ok() ? "trailing bytes" : r.error()));
  }
  return c;
}

nlohmann::json RefusalResult(const Status& status) {
  return {{"code", static_cast<int>(status.code())}, {"message", status.message()}};
}

CommandClient::CommandClient(CommandClientOptions options)
    : options_(std::move(options)), nonce_(Nonce()) {}

CommandClient::~CommandClient() {
  if (producer_ != nullptr) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
}

Result<std::unique_ptr<CommandClient>> CommandClient::Open(CommandClientOptions options) {
  std::unique_ptr<CommandClient> client(new CommandClient(std::move(options)));
  auto conf = MakeKafkaConf(
      client->options_.kafka,
      {{"client.id", "tributary-" + client->options_.replica_id},
       {"enable.idempotence", "true"},
       {"acks", "all"},
       {"linger.ms", "0"},
       {"message.timeout.ms", std::to_string(client->options_.write_timeout.count())}},
      {"enable.idempotence", "acks", "transactional.id"});
  if (!conf.ok()) {
    return conf.status();
  }
  rd_kafka_conf_set_dr_msg_cb(*conf, &OnCommandDelivery);
  char errstr[512];
  client->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, errstr, sizeof errstr);
  if (client->producer_ == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return InvalidArgument("replication: cannot create the command producer: " +
                           std::string(errstr));
  }
  return client;
}

Result<CommandAnswer> CommandClient::Send(const std::string& kind, const std::string& source,
                                          std::string payload, std::optional<WriteGrant> grant) {
  Command command{"", kind, source, std::move(payload), std::move(grant)};
  auto waiter = std::make_shared<Waiter>();
  {
    std::lock_guard lock(mu_);
    command.id = options_.replica_id + "/" + nonce_ + "/" + std::to_string(++next_);
    waiting_[command.id] = waiter;
  }
  const auto forget = [&] {
    std::lock_guard lock(mu_);
    waiting_.erase(command.id);
  };
  const auto deadline = std::chrono::steady_clock::now() + options_.write_timeout;
  {
    std::lock_guard produce(produce_mu_);
    const std::string value = EncodeCommand(command);
    Delivered delivered;
    const auto err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(options_.topic.c_str()), RD_KAFKA_V_PARTITION(0),
        RD_KAFKA_V_KEY(options_.replica_id.data(), options_.replica_id.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&delivered), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      forget();
      return Unavailable("replication: cannot send the write to " + options_.topic + ": " +
                         rd_kafka_err2str(err) + "; retry");
    }
    while (!delivered.done) {  // reported within message.timeout.ms
      rd_kafka_poll(producer_, 5);
    }
    if (delivered.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      forget();
      return Unavailable("replication: the broker did not take the write: " +
                         std::string(rd_kafka_err2str(delivered.err)) + "; retry");
    }
  }
  std::unique_lock lock(mu_);
  answered_.wait_until(lock, deadline, [&] { return waiter->done; });
  waiting_.erase(command.id);
  if (!waiter->done) {
    return Unavailable("replication: the write was not applied within " +
                       std::to_string(options_.write_timeout.count() / 1000) +
                       " s (no leader, or the leader is behind); it may still be applied later");
  }
  const auto& result = waiter->answer.result;
  if (result.contains("code")) {
    const int code = result["code"].is_number_integer() ? result["code"].get<int>() : 0;
    const bool known = code > 0 && code <= static_cast<int>(ErrorCode::kResourceExhausted);
    return Status(known ? static_cast<ErrorCode>(code) : ErrorCode::kInternal,
                  result.value("message", std::string("the leader refused the write")));
  }
  return waiter->answer;
}

Result<AppendResult> CommandClient::Commit(Batch batch) {
  std::string payload;
  EncodeBatch(batch, Timestamp{}, payload);
  auto answer = Send("batch", "", std::move(payload), std::nullopt);
  if (!answer.ok()) {
    return answer.status();
  }
  return answer->appended;
}

Result<AppendResult> CommandClient::CommitAs(Batch batch, const WriteGrant& grant) {
  std::string payload;
  EncodeBatch(batch, Timestamp{}, payload);
  auto answer = Send("batch", "", std::move(payload), grant);
  if (!answer.ok()) {
    return answer.status();
  }
  return answer->appended;
}

void CommandClient::Answer(const CommandOutcome& outcome, const AppendResult& appended) {
  std::lock_guard lock(mu_);
  auto it = waiting_.find(outcome.command_id);
  if (it == waiting_.end()) {
    return;  // another replica's command, or one given up on
  }
  it->second->done = true;
  it->second->answer = CommandAnswer{appended, outcome.result};
  answered_.notify_all();
}

std::string CommandReader::SourceName(const CommandReaderOptions& options) {
  return options.kafka.cluster + "/" + options.topic;
}

CommandReader::CommandReader(CommandReaderOptions options, CommandExecutor executor)
    : options_(std::move(options)), executor_(std::move(executor)) {}

CommandReader::~CommandReader() = default;

Status CommandReader::Start(CommittedState& committed) {
  reader_.reset();
  auto stored = committed.Offsets(SourceName(options_));
  if (!stored.ok()) {
    return stored.status();
  }
  ingest::KafkaReaderOptions o;
  o.cluster = options_.kafka.cluster;
  o.bootstrap_servers = options_.kafka.bootstrap_servers;
  o.properties = options_.kafka.properties;
  o.topics = {options_.topic};
  o.start_offsets[{options_.topic, 0}] = 0;
  for (const auto& s : *stored) {
    if (s.partition == 0) {
      o.start_offsets[{options_.topic, 0}] = s.next_offset;
    }
  }
  next_ = o.start_offsets[{options_.topic, 0}];
  o.max_batch = 1000;
  auto reader = ingest::KafkaReader::Open(std::move(o));
  if (!reader.ok()) {
    return reader.status();
  }
  reader_ = std::move(reader).value();
  return Status::Ok();
}

void CommandReader::Stop() { reader_.reset(); }

Status CommandReader::Pump(std::chrono::milliseconds timeout) {
  if (!reader_) {
    return Status::Ok();
  }
  const std::string source = SourceName(options_);
  return reader_->Poll(timeout, [&](std::span<const ingest::RawRecord> records) {
    for (const auto& r : records) {
      if (r.offset < next_) {
        continue;  // carried out before a failure rewound the reader
      }
      auto command = DecodeCommand(r.value.value_or(std::string_view()));
      if (!command.ok()) {
        spdlog::error("replication: {} offset {}: {}; skipped", options_.topic, r.offset,
                      command.status().message());
        command = Command{"", "malformed", "", command.status().message(), std::nullopt};
      }
      if (auto s = executor_(*command, SourceOffset{source, 0, r.offset + 1}); !s.ok()) {
        return s;
      }
      next_ = r.offset + 1;
    }
    return Status::Ok();
  });
}

}  // namespace tributary::log::replication
