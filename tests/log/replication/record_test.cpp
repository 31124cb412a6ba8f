// The records of the events topic and the commands topic (log/replication/record,
// commands): what a replica decodes is what the leader (or the sending replica)
// encoded, and a record that is anything else is a Corruption error that says
// what is wrong with it — never a crash, never a half-read record.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/msgpack.h"
#include "log/replication/commands.h"
#include "log/replication/record.h"

using namespace tributary;
using tributary::log::replication::Command;
using tributary::log::replication::CommandOutcome;
using tributary::log::replication::DecodeCommand;
using tributary::log::replication::DecodeRecord;
using tributary::log::replication::EncodeCommand;
using tributary::log::replication::EncodeRecord;
using tributary::log::replication::RecordKind;
using tributary::log::replication::TopicRecord;

namespace {

const std::string kBinary("\0\xff\x00piece\xc0\x80\xfe", 11);  // NUL, 0xff, invalid UTF-8

// One MessagePack value, written by `write`.
template <typename Fn>
std::string Value(Fn write) {
  std::string out;
  msgpack::Writer w(out);
  write(w);
  return out;
}
std::string Int(std::int64_t v) {
  return Value([&](msgpack::Writer& w) { w.Int(v); });
}
std::string Str(std::string_view v) {
  return Value([&](msgpack::Writer& w) { w.String(v); });
}
std::string Nil() {
  return Value([](msgpack::Writer& w) { w.Nil(); });
}

// An array of already encoded values.
std::string Array(const std::vector<std::string>& values) {
  std::string out;
  msgpack::Writer w(out);
  w.ArrayHeader(static_cast<std::uint32_t>(values.size()));
  for (const auto& v : values) {
    w.Raw(v);
  }
  return out;
}

// The nine values of a valid close record answering a command, one by one, to damage.
std::vector<std::string> CloseFields() {
  return {Int(1), Str("close"), Int(7),       Str("tributary-0"),      Int(3),
          Int(1), Str("bytes"), Str("cmd-1"), Str(R"({"recorded":1})")};
}

TopicRecord Decoded(const std::string& value) {
  auto decoded = DecodeRecord(value);
  INFO(decoded.status().ToString());
  REQUIRE(decoded.ok());
  return std::move(decoded).value();
}

std::string RecordError(std::string_view value) {
  auto decoded = DecodeRecord(value);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == ErrorCode::kCorruption);
  return decoded.status().message();
}

std::string CommandError(std::string_view value) {
  auto decoded = DecodeCommand(value);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == ErrorCode::kCorruption);
  return decoded.status().message();
}

TopicRecord FullClose(std::size_t bytes = 300) {
  TopicRecord r;
  r.kind = RecordKind::kClose;
  r.epoch = (1LL << 40) + 5;
  r.replica_id = "tributary-2";
  r.batch_id = (1ULL << 63) + 9;  // the counter's whole range
  r.index = 0xffffffffU;
  r.bytes = kBinary + std::string(bytes, '\xff');
  r.outcome = CommandOutcome{
      "tributary-1/00ff/42",
      {{"code", 1}, {"message", "no such product"}, {"nested", {{"list", {1, 2.5, nullptr}}}}}};
  return r;
}

}  // namespace

TEST_CASE("every kind of events topic record round-trips") {
  SECTION("elected: the epoch and the new leader") {
    TopicRecord r;
    r.kind = RecordKind::kElected;
    r.epoch = 6;
    r.replica_id = "tributary-1";
    const auto d = Decoded(EncodeRecord(r));
    CHECK(d.kind == RecordKind::kElected);
    CHECK(d.epoch == 6);
    CHECK(d.replica_id == "tributary-1");
    CHECK(d.batch_id == 0);
    CHECK(d.index == 0);
    CHECK(d.bytes.empty());
    CHECK_FALSE(d.outcome.has_value());
  }
  SECTION("chunk: a piece of a batch's bytes, NUL and 0xff included") {
    TopicRecord r;
    r.kind = RecordKind::kChunk;
    r.epoch = 5;
    r.replica_id = "tributary-0";
    r.batch_id = 17;
    r.index = 3;
    r.bytes = kBinary;
    const auto d = Decoded(EncodeRecord(r));
    CHECK(d.kind == RecordKind::kChunk);
    CHECK(d.epoch == 5);
    CHECK(d.batch_id == 17);
    CHECK(d.index == 3);
    CHECK(d.bytes == kBinary);
    CHECK(d.bytes.size() == 11);
    CHECK_FALSE(d.outcome.has_value());
  }
  SECTION("close without a command") {
    TopicRecord r;
    r.kind = RecordKind::kClose;
    r.epoch = 1;
    r.batch_id = 1;
    r.index = 1;
    r.bytes = std::string(1, '\0');
    const auto d = Decoded(EncodeRecord(r));
    CHECK(d.kind == RecordKind::kClose);
    CHECK(d.replica_id.empty());
    CHECK(d.bytes == std::string(1, '\0'));
    CHECK_FALSE(d.outcome.has_value());
  }
  SECTION("close answering a command, with a result object, large values and binary bytes") {
    const auto r = FullClose(70000);  // str 32
    const auto d = Decoded(EncodeRecord(r));
    CHECK(d.kind == RecordKind::kClose);
    CHECK(d.epoch == r.epoch);
    CHECK(d.replica_id == r.replica_id);
    CHECK(d.batch_id == r.batch_id);
    CHECK(d.index == r.index);
    CHECK(d.bytes == r.bytes);
    REQUIRE(d.outcome.has_value());
    CHECK(d.outcome->command_id == "tributary-1/00ff/42");
    CHECK(d.outcome->result == r.outcome->result);
  }
  SECTION("close answering a command with an empty result") {
    TopicRecord r;
    r.kind = RecordKind::kClose;
    r.epoch = 2;
    r.index = 1;
    r.outcome = CommandOutcome{"a/b/1", nlohmann::json::object()};
    const auto d = Decoded(EncodeRecord(r));
    REQUIRE(d.outcome.has_value());
    CHECK(d.outcome->command_id == "a/b/1");
    CHECK(d.outcome->result == nlohmann::json::object());
  }
  // Regression: a refusal's message can quote what a client sent (an unknown
  // command kind, a lineage event's bytes). nlohmann's dump() threw on invalid
  // UTF-8, so the leader's writer thread died encoding the refusal.
  SECTION("a command result with invalid UTF-8 is encoded, the bad bytes replaced") {
    TopicRecord r;
    r.kind = RecordKind::kClose;
    r.epoch = 3;
    r.index = 1;
    r.outcome = CommandOutcome{
        "a/b/2", {{"code", 1}, {"message", std::string("unknown command kind \"\xff\xfe\"")}}};
    std::string encoded;
    REQUIRE_NOTHROW(encoded = EncodeRecord(r));
    const auto d = Decoded(encoded);
    REQUIRE(d.outcome.has_value());
    CHECK(d.outcome->result["code"] == 1);
    CHECK(d.outcome->result["message"] == "unknown command kind \"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  }
}

TEST_CASE("a damaged or foreign events topic record is a Corruption error, never a crash") {
  SECTION("every prefix of a real record is truncated") {
    const auto value = EncodeRecord(FullClose());
    CHECK_THAT(RecordError(""), Catch::Contains("not a replication record"));
    for (std::size_t n = 1; n < value.size(); ++n) {
      INFO("prefix of " << n << " of " << value.size() << " bytes");
      CHECK_THAT(RecordError(value.substr(0, n)), Catch::Contains("truncated"));
    }
    const auto small = Array(CloseFields());
    for (std::size_t n = 1; n < small.size(); ++n) {
      INFO("prefix of " << n << " of " << small.size() << " bytes");
      CHECK_THAT(RecordError(small.substr(0, n)), Catch::Contains("truncated"));
    }
  }
  SECTION("not an array of nine values") {
    auto fields = CloseFields();
    fields.pop_back();
    CHECK(RecordError(Array(fields)) == "not a replication record (expected an array of 9 values)");
    fields = CloseFields();
    fields.push_back(Nil());
    CHECK(RecordError(Array(fields)) == "not a replication record (expected an array of 9 values)");
    CHECK_THAT(RecordError("{\"kind\":\"close\"}"), Catch::Contains("not a replication record"));
    CHECK_THAT(RecordError(Str("close")), Catch::Contains("not a replication record"));
  }
  SECTION("a format this build does not know") {
    auto fields = CloseFields();
    fields[0] = Int(2);
    CHECK(RecordError(Array(fields)) ==
          "replication record format 2 is not known to this build (it reads format 1)");
  }
  SECTION("an unknown kind") {
    auto fields = CloseFields();
    fields[1] = Str("vote");
    CHECK_THAT(RecordError(Array(fields)), Catch::Contains("unknown kind"));
  }
  SECTION("a negative epoch or index, an index beyond 32 bits") {
    auto fields = CloseFields();
    fields[2] = Int(-1);
    CHECK_THAT(RecordError(Array(fields)), Catch::Contains("epoch"));
    fields = CloseFields();
    fields[5] = Int(-1);
    CHECK_THAT(RecordError(Array(fields)), Catch::Contains("index"));
    fields[5] = Int(1LL << 32);
    CHECK_THAT(RecordError(Array(fields)), Catch::Contains("index"));
  }
  SECTION("a command result that is not a JSON object") {
    for (const char* result : {"[1,2]", "\"done\"", "42", "null", "{\"open\":", "not json", ""}) {
      INFO(result);
      auto fields = CloseFields();
      fields[8] = Str(result);
      CHECK(RecordError(Array(fields)) ==
            "replication record: the command result is not a JSON object");
    }
  }
  SECTION("a value of the wrong type") {
    auto fields = CloseFields();
    fields[1] = Int(3);  // the kind
    CHECK_THAT(RecordError(Array(fields)),
               Catch::StartsWith("malformed replication record: expected a string"));
    fields = CloseFields();
    fields[2] = Str("7");  // the epoch
    CHECK_THAT(RecordError(Array(fields)), Catch::StartsWith("malformed replication record: "));
  }
  SECTION("a trailing byte") {
    CHECK(RecordError(Array(CloseFields()) + Nil()) ==
          "malformed replication record: trailing bytes");
    CHECK(RecordError(EncodeRecord(FullClose()) + std::string(1, '\0')) ==
          "malformed replication record: trailing bytes");
  }
  SECTION("the untouched fields decode: the damage above is what was refused") {
    const auto d = Decoded(Array(CloseFields()));
    CHECK(d.kind == RecordKind::kClose);
    CHECK(d.epoch == 7);
    CHECK(d.outcome->result == nlohmann::json{{"recorded", 1}});
  }
}

TEST_CASE("commands round-trip and damaged ones are Corruption errors") {
  const Command full{"tributary-1/0a0b0c0d/7", "batch", "api", kBinary + std::string(300, '\0'),
                     WriteGrant{"payments-ci", "payments"}};
  SECTION("every field round-trips, payload bytes and the grant included") {
    for (const auto& c :
         {full, Command{"", "", "", "", std::nullopt},
          Command{"x/y/1", "lineage", "http", "{}", WriteGrant{"ops", ""}},
          Command{"x/y/2", "lineage", "http", "{}", WriteGrant{"ci", std::nullopt}}}) {
      auto d = DecodeCommand(EncodeCommand(c));
      INFO(d.status().ToString());
      REQUIRE(d.ok());
      CHECK(d->id == c.id);
      CHECK(d->kind == c.kind);
      CHECK(d->source == c.source);
      CHECK(d->payload == c.payload);
      REQUIRE(d->grant.has_value() == c.grant.has_value());
      if (c.grant) {
        CHECK(d->grant->actor == c.grant->actor);
        CHECK(d->grant->team == c.grant->team);
      }
    }
  }
  SECTION("every prefix of a real command is truncated") {
    const auto value = EncodeCommand(full);
    CHECK_THAT(CommandError(""), Catch::Contains("not a command"));
    for (std::size_t n = 1; n < value.size(); ++n) {
      INFO("prefix of " << n << " of " << value.size() << " bytes");
      CHECK_THAT(CommandError(value.substr(0, n)), Catch::Contains("truncated"));
    }
  }
  SECTION("not an array of five values, a format 2, a trailing byte, a wrong type") {
    const std::vector<std::string> fields = {Int(1), Str("id"), Str("batch"), Str("api"),
                                             Str("payload")};
    auto four = fields;
    four.pop_back();
    CHECK(CommandError(Array(four)) == "not a command (expected an array of 5 or 7 values)");
    auto six = fields;
    six.push_back(Nil());
    CHECK(CommandError(Array(six)) == "not a command (expected an array of 5 or 7 values)");
    auto format = fields;
    format[0] = Int(2);
    CHECK(CommandError(Array(format)) == "command format 2 is not known to this build");
    CHECK(CommandError(Array(fields) + Nil()) == "malformed command: trailing bytes");
    auto typed = fields;
    typed[4] = Int(5);
    CHECK(CommandError(Array(typed)) == "malformed command: expected a string");
    CHECK_THAT(CommandError("GET / HTTP/1.1"), Catch::Contains("not a command"));
    auto ok = DecodeCommand(Array(fields));
    REQUIRE(ok.ok());
    CHECK(ok->payload == "payload");
    CHECK_FALSE(ok->grant.has_value());
    auto granted = fields;
    granted.push_back(Str("ops"));
    granted.push_back(Int(3));
    CHECK(CommandError(Array(granted)) == "malformed command: expected a string");
  }
}
