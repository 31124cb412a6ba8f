#include "log/replication/batch_codec.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_codec.h"
#include "core/msgpack.h"

namespace tributary::log::replication {
namespace {

// The wire form, item by item (each an array, fields in commit.h's order):
//   event           [type, version, payload, event_time, source, source_key, dedup_key]
//   source_key      [partition, offset, index]                  (or nil)
//   offset          [source, partition, next_offset]
//   fold_state      [key, value (bin, or nil: erase)]
//   quarantine      [source, topic, partition, offset, key (bin), value (bin), reason]
//   outbox          [idempotency_key, kind, team, channel, severity, facts, caused_by_event]
//   routed_intents  intent ids (integers)
//   new_deliveries  [idempotency_key, intent_id, kind, team, channel, severity, status,
//                    subject, body, html, last_error, next_attempt_at]
//   delivery_update [idempotency_key, status, attempts, next_attempt_at, delivered_at,
//                    last_error]
//   disabled        [channel, fingerprint, reason]
// Timestamps are integers of milliseconds; facts are the MessagePack form of the JSON
// (as the store keeps them); absent optionals are nil.
constexpr std::int64_t kFormatVersion = 1;
constexpr std::uint32_t kBatchParts = 11;  // version, recorded_at and Batch's nine lists
constexpr std::uint32_t kEventFields = 7;
constexpr std::uint32_t kQuarantineFields = 7;
constexpr std::uint32_t kOutboxFields = 7;
constexpr std::uint32_t kDeliveryFields = 12;
constexpr std::uint32_t kUpdateFields = 6;

// ---- encoding ---------------------------------------------------------------------

template <typename T, typename F>
void EncodeList(const std::vector<T>& items, std::string& out, F encode_one) {
  msgpack::Writer(out).ArrayHeader(static_cast<std::uint32_t>(items.size()));
  for (const auto& item : items) {
    encode_one(item, out);
  }
}

template <typename T, typename F>
void EncodeOptional(msgpack::Writer& w, const std::optional<T>& value, F encode) {
  if (value) {
    encode(*value);
  } else {
    w.Nil();
  }
}

void EncodeEvent(const NewEvent& e, std::string& out) {
  msgpack::Writer w(out);
  const auto type = TypeName(e.event);
  w.ArrayHeader(kEventFields);
  w.String(type);
  w.Int(codec::CurrentVersion(type).value_or(0));
  codec::EncodePayload(e.event, out);
  w.Int(ToMillis(e.event_time));
  w.String(e.source);
  EncodeOptional(w, e.source_key, [&](const SourceKey& k) {
    w.ArrayHeader(3);
    w.Int(k.partition);
    w.Int(k.offset);
    w.Int(k.index);
  });
  EncodeOptional(w, e.dedup_key, [&](const std::string& k) { w.String(k); });
}

void EncodeOffset(const SourceOffset& o, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(3);
  w.String(o.source);
  w.Int(o.partition);
  w.Int(o.next_offset);
}

void EncodeFoldWrite(const FoldStateWrite& f, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(2);
  w.String(f.key);
  EncodeOptional(w, f.value, [&](const std::string& v) { w.Bin(v); });
}

void EncodeQuarantined(const QuarantineRecord& q, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(kQuarantineFields);
  w.String(q.source);
  w.String(q.topic);
  EncodeOptional(w, q.partition, [&](std::int32_t p) { w.Int(p); });
  EncodeOptional(w, q.offset, [&](std::int64_t o) { w.Int(o); });
  w.Bin(q.key);
  w.Bin(q.value);
  w.String(q.reason);
}

void EncodeIntent(const OutboxIntent& i, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(kOutboxFields);
  w.String(i.idempotency_key);
  w.String(i.kind);
  w.String(i.team);
  w.String(i.channel);
  w.String(i.severity);
  const auto facts = nlohmann::json::to_msgpack(i.facts);
  w.Raw(std::string_view(reinterpret_cast<const char*>(facts.data()), facts.size()));
  EncodeOptional(w, i.caused_by_event,
                 [&](std::size_t index) { w.Int(static_cast<std::int64_t>(index)); });
}

void EncodeDelivery(const DeliveryRecord& d, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(kDeliveryFields);
  w.String(d.idempotency_key);
  w.Int(d.intent_id);
  w.String(d.kind);
  w.String(d.team);
  w.String(d.channel);
  w.String(d.severity);
  w.String(d.status);
  w.String(d.subject);
  w.String(d.body);
  w.String(d.html);
  w.String(d.last_error);
  w.Int(ToMillis(d.next_attempt_at));
}

void EncodeUpdate(const DeliveryUpdate& u, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(kUpdateFields);
  w.String(u.idempotency_key);
  w.String(u.status);
  w.Int(u.attempts);
  w.Int(ToMillis(u.next_attempt_at));
  EncodeOptional(w, u.delivered_at, [&](Timestamp t) { w.Int(ToMillis(t)); });
  w.String(u.last_error);
}

void EncodeDisable(const ChannelDisable& c, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(3);
  w.String(c.channel);
  w.String(c.fingerprint);
  w.String(c.reason);
}

void EncodeRoutedIntent(std::int64_t id, std::string& out) { msgpack::Writer(out).Int(id); }

// ---- decoding ---------------------------------------------------------------------

// Reads the wire form and keeps the path to where it is, so that the first error
// names its place: "events[3].source_key: expected an array of 3 integers". After
// an error every read returns a neutral value and ok() stays false.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : r_(bytes), size_(bytes.size()) {}

  // Names the part, field or list element that the reads inside it belong to.
  class Scope {
   public:
    Scope(WireReader& in, std::string_view field) : in_(in) { in_.path_.push_back({field, 0}); }
    Scope(WireReader& in, std::size_t index) : in_(in) { in_.path_.push_back({{}, index}); }
    ~Scope() { in_.path_.pop_back(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    WireReader& in_;
  };

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t Unread() const { return size_ - r_.position(); }

  // Records `why` at `field` of the current place (or the place itself), unless an
  // error came first.
  void Fail(std::string_view field, std::string_view why);

  // The value at `field` is an array; returns its length.
  std::uint32_t ArrayLength(std::string_view field);
  // The current value is an array of exactly `n` `what` ("fields", "integers").
  bool Tuple(std::uint32_t n, std::string_view what);
  // True, and moves past it, when the next value is nil (an absent optional).
  bool Nil();

  std::int64_t Int(std::string_view field = {});
  std::int32_t Int32(std::string_view field = {});
  Timestamp Time(std::string_view field = {}) { return FromMillis(Int(field)); }
  std::string String(std::string_view field = {});
  std::string Bin(std::string_view field = {});
  // The bytes of the next value, whatever it is (nested at most 64 deep).
  std::string_view Raw(std::string_view field = {});

 private:
  struct Step {
    std::string_view field;  // empty for a list element
    std::size_t index;
  };

  // Turns the MessagePack reader's error, if any, into ours.
  bool Check(std::string_view field);
  std::string PathTo(std::string_view field) const;

  msgpack::Reader r_;
  std::size_t size_;
  std::vector<Step> path_;
  std::string error_;
};

std::string WireReader::PathTo(std::string_view field) const {
  std::string path;
  auto add_field = [&path](std::string_view name) {
    if (!path.empty()) {
      path += '.';
    }
    path += name;
  };
  for (const auto& step : path_) {
    if (step.field.empty()) {
      path += '[' + std::to_string(step.index) + ']';
    } else {
      add_field(step.field);
    }
  }
  if (!field.empty()) {
    add_field(field);
  }
  return path;
}

void WireReader::Fail(std::string_view field, std::string_view why) {
  if (!ok()) {
    return;
  }
  const auto path = PathTo(field);
  error_ = path.empty() ? std::string(why) : path + ": " + std::string(why);
  r_.Fail("replicated batch error");  // later reads return neutral values
}

bool WireReader::Check(std::string_view field) {
  if (ok() && !r_.ok()) {
    Fail(field, r_.error());
  }
  return ok();
}

std::uint32_t WireReader::ArrayLength(std::string_view field) {
  const auto n = r_.ReadArrayHeader();
  return Check(field) ? n : 0;
}

bool WireReader::Tuple(std::uint32_t n, std::string_view what) {
  const auto got = r_.ReadArrayHeader();
  if (!ok()) {
    return false;
  }
  if (r_.truncated()) {
    return Check({});
  }
  if (!r_.ok() || got != n) {
    Fail({}, "expected an array of " + std::to_string(n) + " " + std::string(what));
  }
  return ok();
}

bool WireReader::Nil() {
  if (!r_.NextIsNil()) {
    return false;
  }
  r_.ReadNil();
  return true;
}

std::int64_t WireReader::Int(std::string_view field) {
  const auto v = r_.ReadInt();
  return Check(field) ? v : 0;
}

std::int32_t WireReader::Int32(std::string_view field) {
  const auto v = Int(field);
  if (v < std::numeric_limits<std::int32_t>::min() ||
      v > std::numeric_limits<std::int32_t>::max()) {
    Fail(field, std::to_string(v) + " is out of range for a 32-bit integer");
    return 0;
  }
  return static_cast<std::int32_t>(v);
}

std::string WireReader::String(std::string_view field) {
  const auto v = r_.ReadString();
  return Check(field) ? std::string(v) : std::string();
}

std::string WireReader::Bin(std::string_view field) {
  const auto v = r_.ReadBin();
  return Check(field) ? std::string(v) : std::string();
}

std::string_view WireReader::Raw(std::string_view field) {
  const auto v = r_.ReadRaw();
  return Check(field) ? v : std::string_view();
}

// Reads the list at `field`, one item per read_one(in) inside the item's scope.
template <typename T, typename F>
void ReadList(WireReader& in, std::string_view field, std::vector<T>& out, F read_one) {
  const auto n = in.ArrayLength(field);
  WireReader::Scope list(in, field);
  out.reserve(n < 1024 ? n : 1024);  // a corrupt length must not reserve gigabytes
  for (std::uint32_t i = 0; i < n && in.ok(); ++i) {
    WireReader::Scope item(in, i);
    out.push_back(read_one(in));
  }
}

// Reads the optional at `field`: nil is absent, anything else is read(in).
template <typename F>
auto ReadOptional(WireReader& in, std::string_view field, F read)
    -> std::optional<decltype(read(in))> {
  WireReader::Scope scope(in, field);
  if (in.Nil()) {
    return std::nullopt;
  }
  return read(in);
}

SourceKey ReadSourceKey(WireReader& in) {
  SourceKey k;
  if (in.Tuple(3, "integers")) {
    k.partition = in.Int32("partition");
    k.offset = in.Int("offset");
    k.index = in.Int32("index");
  }
  return k;
}

DomainEvent ReadDomainEvent(WireReader& in) {
  const auto type = in.String("type");
  const auto version = in.Int32("version");
  if (in.ok() && !codec::CurrentVersion(type)) {
    in.Fail("type", "unknown event type \"" + type + "\"");
  }
  const auto payload = in.Raw("event");
  if (!in.ok()) {
    return {};
  }
  auto event = codec::DecodePayload(type, version, payload);
  if (!event.ok()) {
    in.Fail("event", event.status().message());
    return {};
  }
  return std::move(*event);
}

NewEvent ReadEvent(WireReader& in) {
  NewEvent e;
  if (!in.Tuple(kEventFields, "fields")) {
    return e;
  }
  e.event = ReadDomainEvent(in);
  e.event_time = in.Time("event_time");
  e.source = in.String("source");
  e.source_key = ReadOptional(in, "source_key", ReadSourceKey);
  e.dedup_key = ReadOptional(in, "dedup_key", [](WireReader& r) { return r.String(); });
  return e;
}

SourceOffset ReadOffset(WireReader& in) {
  SourceOffset o;
  if (in.Tuple(3, "fields")) {
    o.source = in.String("source");
    o.partition = in.Int32("partition");
    o.next_offset = in.Int("next_offset");
  }
  return o;
}

FoldStateWrite ReadFoldWrite(WireReader& in) {
  FoldStateWrite f;
  if (in.Tuple(2, "fields")) {
    f.key = in.String("key");
    f.value = ReadOptional(in, "value", [](WireReader& r) { return r.Bin(); });
  }
  return f;
}

QuarantineRecord ReadQuarantined(WireReader& in) {
  QuarantineRecord q;
  if (!in.Tuple(kQuarantineFields, "fields")) {
    return q;
  }
  q.source = in.String("source");
  q.topic = in.String("topic");
  q.partition = ReadOptional(in, "partition", [](WireReader& r) { return r.Int32(); });
  q.offset = ReadOptional(in, "offset", [](WireReader& r) { return r.Int(); });
  q.key = in.Bin("key");
  q.value = in.Bin("value");
  q.reason = in.String("reason");
  return q;
}

nlohmann::json ReadFacts(WireReader& in) {
  const auto raw = in.Raw("facts");  // at most 64 deep: safe for the recursive parser
  if (!in.ok()) {
    return nlohmann::json::object();
  }
  auto facts = nlohmann::json::from_msgpack(raw.begin(), raw.end(), true, false);
  if (facts.is_discarded()) {
    in.Fail("facts", "not a MessagePack value that JSON can hold");
    return nlohmann::json::object();
  }
  return facts;
}

std::size_t ReadEventIndex(WireReader& in) {
  const auto v = in.Int();
  if (v < 0) {
    in.Fail({}, std::to_string(v) + " is not an index");
    return 0;
  }
  return static_cast<std::size_t>(v);
}

OutboxIntent ReadIntent(WireReader& in) {
  OutboxIntent i;
  if (!in.Tuple(kOutboxFields, "fields")) {
    return i;
  }
  i.idempotency_key = in.String("idempotency_key");
  i.kind = in.String("kind");
  i.team = in.String("team");
  i.channel = in.String("channel");
  i.severity = in.String("severity");
  i.facts = ReadFacts(in);
  i.caused_by_event = ReadOptional(in, "caused_by_event", ReadEventIndex);
  return i;
}

DeliveryRecord ReadDelivery(WireReader& in) {
  DeliveryRecord d;
  if (!in.Tuple(kDeliveryFields, "fields")) {
    return d;
  }
  d.idempotency_key = in.String("idempotency_key");
  d.intent_id = in.Int("intent_id");
  d.kind = in.String("kind");
  d.team = in.String("team");
  d.channel = in.String("channel");
  d.severity = in.String("severity");
  d.status = in.String("status");
  d.subject = in.String("subject");
  d.body = in.String("body");
  d.html = in.String("html");
  d.last_error = in.String("last_error");
  d.next_attempt_at = in.Time("next_attempt_at");
  return d;
}

DeliveryUpdate ReadUpdate(WireReader& in) {
  DeliveryUpdate u;
  if (!in.Tuple(kUpdateFields, "fields")) {
    return u;
  }
  u.idempotency_key = in.String("idempotency_key");
  u.status = in.String("status");
  u.attempts = in.Int32("attempts");
  u.next_attempt_at = in.Time("next_attempt_at");
  u.delivered_at = ReadOptional(in, "delivered_at", [](WireReader& r) { return r.Time(); });
  u.last_error = in.String("last_error");
  return u;
}

ChannelDisable ReadDisable(WireReader& in) {
  ChannelDisable c;
  if (in.Tuple(3, "fields")) {
    c.channel = in.String("channel");
    c.fingerprint = in.String("fingerprint");
    c.reason = in.String("reason");
  }
  return c;
}

std::int64_t ReadRoutedIntent(WireReader& in) { return in.Int(); }

// The array around the batch, its format version and recorded_at. The version
// comes before the length check: another version may have other parts.
void ReadHeader(WireReader& in, WireBatch& out) {
  const auto parts = in.ArrayLength({});
  if (in.ok() && parts == 0) {
    in.Fail({}, "expected an array starting with the format version");
  }
  const auto version = in.Int("version");
  if (in.ok() && version > kFormatVersion) {
    in.Fail("version", "format version " + std::to_string(version) +
                           " is newer than this build reads (" + std::to_string(kFormatVersion) +
                           "); upgrade Tributary");
  } else if (in.ok() && version != kFormatVersion) {
    in.Fail("version", "unknown format version " + std::to_string(version));
  }
  if (in.ok() && parts != kBatchParts) {
    in.Fail({}, "expected an array of " + std::to_string(kBatchParts) + " parts, got " +
                    std::to_string(parts));
  }
  out.recorded_at = in.Time("recorded_at");
}

void ReadBatchLists(WireReader& in, Batch& b) {
  ReadList(in, "events", b.events, ReadEvent);
  ReadList(in, "offsets", b.offsets, ReadOffset);
  ReadList(in, "fold_state", b.fold_state, ReadFoldWrite);
  ReadList(in, "quarantine", b.quarantine, ReadQuarantined);
  ReadList(in, "outbox", b.outbox, ReadIntent);
  ReadList(in, "routed_intents", b.routed_intents, ReadRoutedIntent);
  ReadList(in, "new_deliveries", b.new_deliveries, ReadDelivery);
  ReadList(in, "delivery_updates", b.delivery_updates, ReadUpdate);
  ReadList(in, "disabled_channels", b.disabled_channels, ReadDisable);
}

}  // namespace

void EncodeBatch(const Batch& batch, Timestamp recorded_at, std::string& out) {
  msgpack::Writer w(out);
  w.ArrayHeader(kBatchParts);
  w.Int(kFormatVersion);
  w.Int(ToMillis(recorded_at));
  EncodeList(batch.events, out, EncodeEvent);
  EncodeList(batch.offsets, out, EncodeOffset);
  EncodeList(batch.fold_state, out, EncodeFoldWrite);
  EncodeList(batch.quarantine, out, EncodeQuarantined);
  EncodeList(batch.outbox, out, EncodeIntent);
  EncodeList(batch.routed_intents, out, EncodeRoutedIntent);
  EncodeList(batch.new_deliveries, out, EncodeDelivery);
  EncodeList(batch.delivery_updates, out, EncodeUpdate);
  EncodeList(batch.disabled_channels, out, EncodeDisable);
}

Result<WireBatch> DecodeBatch(std::string_view bytes) {
  WireReader in(bytes);
  WireBatch out;
  ReadHeader(in, out);
  ReadBatchLists(in, out.batch);
  if (in.ok() && in.Unread() != 0) {
    in.Fail({}, std::to_string(in.Unread()) + " trailing byte(s) after the batch");
  }
  if (!in.ok()) {
    return Corruption("replicated batch: " + in.error());
  }
  return out;
}

}  // namespace tributary::log::replication
