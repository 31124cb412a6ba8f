// Offset commits (key types 0 and 1, OffsetCommitValue v0-v4): byte-exact
// fixtures written by hand from OffsetCommitKey.json / OffsetCommitValue.json.

#include <catch2/catch.hpp>

#include "consumer_offsets_test_support.h"

namespace tributary::ingest::consumer_offsets {
namespace {

using testing::DecodeAs;
using testing::DecodeHex;
using testing::Hex;
using testing::RequireEncodes;

// OffsetCommitKey: type 1, group "payments-app", topic "orders", partition 7.
constexpr std::string_view kKey =
    "0001"                           // record type 1 (OffsetCommitKey)
    "000c 7061796d656e74732d617070"  // group "payments-app"
    "0006 6f7264657273"              // topic "orders"
    "00000007";                      // partition 7

OffsetCommit Expected(std::int16_t value_version) {
  OffsetCommit rec;
  rec.key_version = 1;
  rec.value_version = value_version;
  rec.group = "payments-app";
  rec.topic = "orders";
  rec.partition = 7;
  rec.commit_timestamp_ms = 1700000000000;
  return rec;
}

TEST_CASE("an offset commit value is read in the layout of its version",
          "[consumer_offsets][offset_commit]") {
  SECTION("v0 has offset, metadata and commit timestamp") {
    constexpr std::string_view kValue =
        "0000"               // version 0
        "000000000000002a"   // offset 42
        "0002 6f6b"          // metadata "ok"
        "0000018bcfe56800";  // commit timestamp 1700000000000
    OffsetCommit want = Expected(0);
    want.offset = 42;
    want.metadata = "ok";
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v1 adds an expire timestamp") {
    constexpr std::string_view kValue =
        "0001"
        "000000000000002a"   // offset 42
        "0000"               // metadata ""
        "0000018bcfe56800"   // commit timestamp
        "0000018bd50bc400";  // expire timestamp 1700086400000
    OffsetCommit want = Expected(1);
    want.offset = 42;
    want.expire_timestamp_ms = 1700086400000;
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v2 drops the expire timestamp again") {
    constexpr std::string_view kValue =
        "0002"
        "000000000000002a"
        "0000"
        "0000018bcfe56800";
    OffsetCommit want = Expected(2);
    want.offset = 42;
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v3, as Kafka 2.1-3.x brokers write it, adds the leader epoch") {
    constexpr std::string_view kValue =
        "0003"
        "0000000000001f40"   // offset 8000
        "00000005"           // leader epoch 5
        "0000"               // metadata ""
        "0000018bcfe56800";  // commit timestamp
    OffsetCommit want = Expected(3);
    want.offset = 8000;
    want.leader_epoch = 5;
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v3 with no leader epoch carries -1") {
    constexpr std::string_view kValue = "0003 0000000000001f40 ffffffff 0000 0000018bcfe56800";
    OffsetCommit want = Expected(3);
    want.offset = 8000;
    want.leader_epoch = -1;
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v4 is flexible: a compact metadata string and tagged fields") {
    constexpr std::string_view kValue =
        "0004"
        "0000000000001f40"  // offset 8000
        "00000005"          // leader epoch 5
        "03 6f6b"           // metadata "ok", compact (length + 1)
        "0000018bcfe56800"  // commit timestamp
        "00";               // no tagged fields
    OffsetCommit want = Expected(4);
    want.offset = 8000;
    want.leader_epoch = 5;
    want.metadata = "ok";
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v4 keeps a tagged field it does not know and writes it back") {
    constexpr std::string_view kValue =
        "0004"
        "0000000000001f40"
        "00000005"
        "01"  // metadata ""
        "0000018bcfe56800"
        "01"             // one tagged field
        "05 03 010203";  // tag 5, size 3, bytes 01 02 03
    OffsetCommit want = Expected(4);
    want.offset = 8000;
    want.leader_epoch = 5;
    want.tagged_fields = {{5, Hex("010203")}};
    CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
}

TEST_CASE("key version 0 (old brokers) is an offset commit with the same key",
          "[consumer_offsets][offset_commit]") {
  constexpr std::string_view kKey0 = "0000 0002 6731 0006 6f7264657273 00000000";
  constexpr std::string_view kValue = "0000 000000000000002a 0000 0000018bcfe56800";
  OffsetCommit want;
  want.key_version = 0;
  want.value_version = 0;
  want.group = "g1";
  want.topic = "orders";
  want.partition = 0;
  want.offset = 42;
  want.commit_timestamp_ms = 1700000000000;
  CHECK(DecodeAs<OffsetCommit>(kKey0, kValue) == want);
  RequireEncodes(want, kKey0, kValue);
}

TEST_CASE("a null offset commit value is the deletion of that offset",
          "[consumer_offsets][offset_commit][tombstone]") {
  OffsetCommitTombstone want{1, "payments-app", "orders", 7};
  CHECK(DecodeAs<OffsetCommitTombstone>(kKey, std::nullopt) == want);
  RequireEncodes(want, kKey, std::nullopt);
}

TEST_CASE("an offset commit value newer than v4 is read as v4",
          "[consumer_offsets][offset_commit][versions]") {
  // KIP-915: from v4 on, new fields are tagged, so a newer version reads as v4;
  // what follows the v4 fields is ignored.
  constexpr std::string_view kValue =
      "0005"              // version 5
      "0000000000001f40"  // offset 8000
      "00000005"          // leader epoch
      "01"                // metadata ""
      "0000018bcfe56800"  // commit timestamp
      "01 07 02 abcd"     // a tagged field v4 does not define
      "ffee";             // bytes after the v4 layout
  OffsetCommit want = Expected(5);
  want.offset = 8000;
  want.leader_epoch = 5;
  want.tagged_fields = {{7, Hex("abcd")}};
  CHECK(DecodeAs<OffsetCommit>(kKey, kValue) == want);

  SECTION("and is written back as version 5 in the v4 layout") {
    RequireEncodes(want, kKey, "0005 0000000000001f40 00000005 01 0000018bcfe56800 01 07 02 abcd");
  }
  SECTION("but a newer version too short for the v4 layout is rejected") {
    auto result = DecodeHex(kKey, "0009 0000000000001f40 00000005");
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().message() ==
          "OffsetCommitValue v9: truncated at field metadata (offset 14)");
  }
}

TEST_CASE("the in-place offset commit reader agrees with the decoder or steps aside") {
  for (const std::int16_t key_version : {0, 1}) {
    for (const std::int16_t value_version : {0, 1, 2, 3, 4}) {
      OffsetCommit c;
      c.key_version = key_version;
      c.value_version = value_version;
      c.group = "payments-settlement-consumer";
      c.topic = "payments.settlements.v2";
      c.partition = 17;
      c.offset = 123456789012;
      c.leader_epoch = value_version >= 3 ? 7 : -1;
      c.metadata = "meta";
      c.commit_timestamp_ms = 1764080206123;
      c.expire_timestamp_ms = value_version == 1 ? 1764080306123 : -1;
      const auto rec = Encode(c);
      INFO("key v" << key_version << " value v" << value_version);
      const auto peeked = PeekOffsetCommit(rec.key, *rec.value);
      if (value_version == 4) {
        CHECK(!peeked);  // flexible versions go through the full decoder
        continue;
      }
      REQUIRE(peeked);
      CHECK(peeked->group == c.group);
      CHECK(peeked->topic == c.topic);
      CHECK(peeked->partition == c.partition);
      CHECK(peeked->offset == c.offset);
      CHECK(peeked->commit_timestamp_ms == c.commit_timestamp_ms);
      // Truncated or padded bytes are left to the decoder, which explains them.
      CHECK(!PeekOffsetCommit(rec.key, rec.value->substr(0, rec.value->size() - 1)));
      CHECK(!PeekOffsetCommit(rec.key, *rec.value + "x"));
      CHECK(!PeekOffsetCommit(rec.key.substr(0, rec.key.size() - 2), *rec.value));
    }
  }
  GroupMetadata g;
  g.group = "g";
  const auto group_record = Encode(g);
  CHECK(!PeekOffsetCommit(group_record.key, group_record.value.value_or("")));
}

}  // namespace
}  // namespace tributary::ingest::consumer_offsets
