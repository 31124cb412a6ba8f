// The wire form of a committed batch (log/replication/batch_codec): what a replica
// decodes is what the leader committed, field for field, and anything else is an
// error that names its place.

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_codec.h"
#include "core/msgpack.h"
#include "log/replication/batch_codec.h"
#include "support/sample_events.h"

using namespace tributary;
using tributary::log::replication::DecodeBatch;
using tributary::log::replication::EncodeBatch;

namespace {

const auto kRecordedAt = FromMillis(1764080206999);
const std::string kBinary("\0\xff\x00key\xc0\x80\xfe", 9);  // NUL, 0xff, invalid UTF-8

// Every event type, with source_key and dedup_key in all four combinations.
std::vector<NewEvent> EveryEventType() {
  std::vector<NewEvent> events;
  std::int64_t offset = 0;
  for (auto& event : testing::OneOfEachEventType()) {
    NewEvent e{std::move(event), FromMillis(1764080000000 + offset), "local/__consumer_offsets",
               std::nullopt, std::nullopt};
    if (offset % 2 == 0) {
      e.source_key = SourceKey{.partition = 49, .offset = (1LL << 40) + offset, .index = 2};
    }
    if (offset % 4 < 2) {
      e.dedup_key = "decision:" + std::to_string(offset);
    }
    events.push_back(std::move(e));
    ++offset;
  }
  events.back().source = "";
  return events;
}

std::vector<QuarantineRecord> Quarantined() {
  return {
      {"local/__consumer_offsets", "__consumer_offsets", 7, 1234567890123LL, kBinary,
       kBinary + std::string(300, '\xff'), "unknown key version 9"},
      {"http", "", std::nullopt, std::nullopt, "", "", "not JSON"},
      {"local/_schemas", "_schemas", -1, std::nullopt, std::string(1, '\0'), "", ""},
  };
}

std::vector<OutboxIntent> Intents() {
  OutboxIntent caused;
  caused.idempotency_key = "bc:stocktrades-value:3/analytics";
  caused.kind = "breaking_change";
  caused.team = "analytics";
  caused.channel = "analytics-slack";
  caused.severity = "critical";
  caused.facts = {
      {"subject", "stocktrades-value"},
      {"versions", {2, 3}},
      {"ratio", 0.25},
      {"negative", -7},
      {"big", 1ULL << 63},
      {"nested", {{"ok", true}, {"none", nullptr}, {"empty", nlohmann::json::object()}}}};
  caused.caused_by_event = 3;
  OutboxIntent plain;
  plain.idempotency_key = "reminder:1";
  plain.kind = "reminder";
  return {caused, plain};
}

std::vector<DeliveryRecord> Deliveries() {
  DeliveryRecord d{"reminder:1/ops-email",
                   42,
                   "reminder",
                   "ops",
                   "ops-email",
                   "warning",
                   "queued",
                   "Reminder: stocktrades",
                   "**body**",
                   "<p>b</p>",
                   "HTTP 503 once",
                   FromMillis(1764080300000)};
  DeliveryRecord dead = d;
  dead.idempotency_key = "reminder:1/ops-webhook";
  dead.status = "dead";
  dead.html = "";
  dead.next_attempt_at = FromMillis(-5);
  return {d, dead};
}

std::vector<DeliveryUpdate> Updates() {
  return {
      {"reminder:1/ops-email", "delivered", 3, FromMillis(1764080300000), FromMillis(1764080301234),
       ""},
      {"reminder:1/ops-webhook", "retrying", 1, FromMillis(1764080400000), std::nullopt,
       "HTTP 503"},
  };
}

// A batch with every field of every struct populated, optionals both set and unset.
Batch FullBatch() {
  Batch b;
  b.events = EveryEventType();
  b.offsets = {{"local/__consumer_offsets", 49, 1LL << 40}, {"http", 0, 0}};
  b.fold_state = {{"co/local/trending", kBinary},
                  {"co/local/gone", std::nullopt},
                  {"co/local/empty", std::string()}};
  b.quarantine = Quarantined();
  b.outbox = Intents();
  b.routed_intents = {1, 2, 1LL << 40};
  b.new_deliveries = Deliveries();
  b.delivery_updates = Updates();
  b.disabled_channels = {{"ops-webhook", "sha256:abc", "HTTP 410 Gone"}};
  return b;
}

std::string Encode(const Batch& b, Timestamp recorded_at = kRecordedAt) {
  std::string out;
  EncodeBatch(b, recorded_at, out);
  return out;
}

std::string ErrorOf(std::string_view bytes) {
  auto decoded = DecodeBatch(bytes);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().code() == ErrorCode::kCorruption);
  return decoded.status().message();
}

void CheckSameEvents(const std::vector<NewEvent>& a, const std::vector<NewEvent>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("events[" << i << "] " << TypeName(a[i].event));
    CHECK(a[i].event == b[i].event);
    CHECK(a[i].event_time == b[i].event_time);
    CHECK(a[i].source == b[i].source);
    CHECK(a[i].source_key == b[i].source_key);
    CHECK(a[i].dedup_key == b[i].dedup_key);
  }
}

void CheckSameSourceParts(const Batch& a, const Batch& b) {
  REQUIRE(a.offsets.size() == b.offsets.size());
  for (std::size_t i = 0; i < a.offsets.size(); ++i) {
    CHECK(a.offsets[i].source == b.offsets[i].source);
    CHECK(a.offsets[i].partition == b.offsets[i].partition);
    CHECK(a.offsets[i].next_offset == b.offsets[i].next_offset);
  }
  REQUIRE(a.fold_state.size() == b.fold_state.size());
  for (std::size_t i = 0; i < a.fold_state.size(); ++i) {
    CHECK(a.fold_state[i].key == b.fold_state[i].key);
    CHECK(a.fold_state[i].value == b.fold_state[i].value);
  }
  REQUIRE(a.quarantine.size() == b.quarantine.size());
  for (std::size_t i = 0; i < a.quarantine.size(); ++i) {
    const auto &x = a.quarantine[i], &y = b.quarantine[i];
    CHECK(x.source == y.source);
    CHECK(x.topic == y.topic);
    CHECK(x.partition == y.partition);
    CHECK(x.offset == y.offset);
    CHECK(x.key == y.key);
    CHECK(x.value == y.value);
    CHECK(x.reason == y.reason);
  }
}

void CheckSameOutbox(const Batch& a, const Batch& b) {
  REQUIRE(a.outbox.size() == b.outbox.size());
  for (std::size_t i = 0; i < a.outbox.size(); ++i) {
    const auto &x = a.outbox[i], &y = b.outbox[i];
    CHECK(x.idempotency_key == y.idempotency_key);
    CHECK(x.kind == y.kind);
    CHECK(x.team == y.team);
    CHECK(x.channel == y.channel);
    CHECK(x.severity == y.severity);
    CHECK(x.facts == y.facts);
    CHECK(x.facts.dump() == y.facts.dump());
    CHECK(x.caused_by_event == y.caused_by_event);
  }
  CHECK(a.routed_intents == b.routed_intents);
}

void CheckSameDeliveries(const Batch& a, const Batch& b) {
  REQUIRE(a.new_deliveries.size() == b.new_deliveries.size());
  for (std::size_t i = 0; i < a.new_deliveries.size(); ++i) {
    const auto &x = a.new_deliveries[i], &y = b.new_deliveries[i];
    CHECK(x.idempotency_key == y.idempotency_key);
    CHECK(x.intent_id == y.intent_id);
    CHECK(x.kind == y.kind);
    CHECK(x.team == y.team);
    CHECK(x.channel == y.channel);
    CHECK(x.severity == y.severity);
    CHECK(x.status == y.status);
    CHECK(x.subject == y.subject);
    CHECK(x.body == y.body);
    CHECK(x.html == y.html);
    CHECK(x.last_error == y.last_error);
    CHECK(x.next_attempt_at == y.next_attempt_at);
  }
  REQUIRE(a.delivery_updates.size() == b.delivery_updates.size());
  for (std::size_t i = 0; i < a.delivery_updates.size(); ++i) {
    const auto &x = a.delivery_updates[i], &y = b.delivery_updates[i];
    CHECK(x.idempotency_key == y.idempotency_key);
    CHECK(x.status == y.status);
    CHECK(x.attempts == y.attempts);
    CHECK(x.next_attempt_at == y.next_attempt_at);
    CHECK(x.delivered_at == y.delivered_at);
    CHECK(x.last_error == y.last_error);
  }
  REQUIRE(a.disabled_channels.size() == b.disabled_channels.size());
  for (std::size_t i = 0; i < a.disabled_channels.size(); ++i) {
    CHECK(a.disabled_channels[i].channel == b.disabled_channels[i].channel);
    CHECK(a.disabled_channels[i].fingerprint == b.disabled_channels[i].fingerprint);
    CHECK(a.disabled_channels[i].reason == b.disabled_channels[i].reason);
  }
}

void CheckSame(const Batch& a, const Batch& b) {
  CheckSameEvents(a.events, b.events);
  CheckSameSourceParts(a, b);
  CheckSameOutbox(a, b);
  CheckSameDeliveries(a, b);
}

// A batch whose events part is `events` (already-encoded items), the rest empty.
std::string BatchWithEvents(std::uint32_t count, const std::string& events) {
  std::string out;
  msgpack::Writer w(out);
  w.ArrayHeader(11);
  w.Int(1);
  w.Int(ToMillis(kRecordedAt));
  w.ArrayHeader(count);
  w.Raw(events);
  for (int part = 0; part < 8; ++part) {
    w.ArrayHeader(0);
  }
  return out;
}

// One event item as EncodeBatch writes it, with `source_key` written by the caller.
std::string EventItem(std::string_view type, const DomainEvent& event,
                      void (*source_key)(msgpack::Writer&)) {
  std::string out;
  msgpack::Writer w(out);
  w.ArrayHeader(7);
  w.String(type);
  w.Int(1);
  codec::EncodePayload(event, out);
  w.Int(0);
  w.String("test");
  source_key(w);
  w.Nil();
  return out;
}

}  // namespace

TEST_CASE("a replica decodes exactly the batch the leader committed") {
  const auto batch = FullBatch();
  REQUIRE(batch.events.size() == std::variant_size_v<DomainEvent>);
  const auto bytes = Encode(batch);
  auto decoded = DecodeBatch(bytes);
  REQUIRE(decoded.ok());

  SECTION("every field of every part, optionals set and unset, raw bytes byte-exact") {
    CheckSame(decoded->batch, batch);
    CHECK(decoded->batch.quarantine[0].key.size() == kBinary.size());
    CHECK_FALSE(decoded->batch.fold_state[1].value.has_value());  // erase stays erase
    CHECK(decoded->batch.fold_state[2].value == std::string());   // empty stays a value
  }
  SECTION("the leader's recorded_at survives") {
    CHECK(decoded->recorded_at == kRecordedAt);
    auto negative = DecodeBatch(Encode(batch, FromMillis(-1)));
    REQUIRE(negative.ok());
    CHECK(negative->recorded_at == FromMillis(-1));
  }
  SECTION("re-encoding the decoded batch gives the same bytes") {
    CHECK(Encode(decoded->batch, decoded->recorded_at) == bytes);
  }
  SECTION("encoding is deterministic") { CHECK(Encode(FullBatch()) == bytes); }
  SECTION("the form is standard MessagePack: the version first, then recorded_at") {
    const auto generic = nlohmann::json::from_msgpack(bytes);
    REQUIRE(generic.is_array());
    CHECK(generic.size() == 11);
    CHECK(generic[0] == 1);
    CHECK(generic[1] == ToMillis(kRecordedAt));
    CHECK(generic[2].size() == batch.events.size());
  }
}

TEST_CASE("an empty batch round-trips") {
  const auto bytes = Encode(Batch{});
  auto decoded = DecodeBatch(bytes);
  REQUIRE(decoded.ok());
  CHECK(decoded->batch.empty());
  CHECK(decoded->recorded_at == kRecordedAt);
  CHECK(Encode(decoded->batch) == bytes);
}

TEST_CASE("damaged input is a Corruption error, never a crash or a guess") {
  const auto bytes = Encode(FullBatch());

  SECTION("every truncation of a real encoding is an error") {
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
      INFO("cut at " << cut << " of " << bytes.size());
      auto decoded = DecodeBatch(std::string_view(bytes).substr(0, cut));
      REQUIRE_FALSE(decoded.ok());
      CHECK(decoded.status().code() == ErrorCode::kCorruption);
      CHECK_THAT(decoded.status().message(), Catch::StartsWith("replicated batch: "));
    }
  }
  SECTION("a trailing byte is an error") {
    CHECK_THAT(ErrorOf(bytes + '\0'), Catch::Contains("1 trailing byte"));
  }
  SECTION("format version 2 is refused and the error says so") {
    auto v2 = bytes;
    REQUIRE(v2[1] == '\x01');
    v2[1] = '\x02';
    CHECK(ErrorOf(v2) ==
          "replicated batch: version: format version 2 is newer than this build reads (1); "
          "upgrade Tributary");
  }
  SECTION("an unknown event type is an error naming it and the event") {
    auto renamed = Encode(Batch{.events = {NewEvent{ConsumerStarted{}, kRecordedAt, "test"}}});
    const auto at = renamed.find("consumer_started");
    REQUIRE(at != std::string::npos);
    renamed.replace(at, 16, "consumer_startex");
    CHECK(ErrorOf(renamed) ==
          "replicated batch: events[0].type: unknown event type \"consumer_startex\"");
  }
  SECTION("a malformed item names the part, the index and the field") {
    const auto good = EventItem("group_deleted", GroupDeleted{}, [](msgpack::Writer& w) {
      w.ArrayHeader(3);
      w.Int(0);
      w.Int(1);
      w.Int(2);
    });
    const auto bad = EventItem("group_deleted", GroupDeleted{}, [](msgpack::Writer& w) {
      w.ArrayHeader(2);
      w.Int(0);
      w.Int(1);
    });
    REQUIRE(DecodeBatch(BatchWithEvents(1, good)).ok());
    CHECK(ErrorOf(BatchWithEvents(4, good + good + good + bad)) ==
          "replicated batch: events[3].source_key: expected an array of 3 integers");
  }
  SECTION("a partition beyond 32 bits is refused, not truncated") {
    const auto wide = EventItem("group_deleted", GroupDeleted{}, [](msgpack::Writer& w) {
      w.ArrayHeader(3);
      w.Int(1LL << 32);
      w.Int(1);
      w.Int(2);
    });
    CHECK_THAT(ErrorOf(BatchWithEvents(1, wide)),
               Catch::StartsWith("replicated batch: events[0].source_key.partition: 4294967296"));
  }
  SECTION("text where raw bytes belong is an error") {
    Batch b;
    b.quarantine = {{"http", "", std::nullopt, std::nullopt, "k", "v", "r"}};
    auto bytes_as_str = Encode(b);
    const auto at = bytes_as_str.find(std::string("\xc4\x01k", 3));
    REQUIRE(at != std::string::npos);
    bytes_as_str.replace(at, 3, "\xa1k");
    CHECK(ErrorOf(bytes_as_str) == "replicated batch: quarantine[0].key: expected binary data");
  }
  SECTION("what is not a batch at all") {
    CHECK_THAT(ErrorOf(""), Catch::StartsWith("replicated batch: "));
    CHECK_THAT(ErrorOf("\x90"), Catch::Contains("format version"));
    CHECK_THAT(ErrorOf("\x92\x01"), Catch::Contains("expected an array of 11 parts, got 2"));
    CHECK_THAT(ErrorOf("\xc1"), Catch::StartsWith("replicated batch: "));
  }
}
