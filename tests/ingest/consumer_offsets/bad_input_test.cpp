// Bad input: every malformed record is an InvalidArgument with a one-line reason
// naming the record type and field; nothing reads out of bounds, and no length
// read from the input allocates more than the input could hold. Run this binary
// under -fsanitize=address,undefined.

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "consumer_offsets_test_support.h"

namespace tributary::ingest::consumer_offsets {
namespace {

using testing::DecodeError;
using testing::DecodeHexError;
using testing::Hex;

// One valid record of each decoded type, the nested ones included.
std::vector<EncodedRecord> Samples() {
  std::vector<EncodedRecord> out;
  OffsetCommit commit;
  commit.group = "payments-app";
  commit.topic = "orders";
  commit.partition = 7;
  commit.offset = 8000;
  commit.leader_epoch = 5;
  commit.metadata = "m";
  commit.commit_timestamp_ms = 1700000000000;
  for (std::int16_t v = 0; v <= 4; ++v) {
    commit.value_version = v;
    out.push_back(Encode(commit));
  }
  commit.tagged_fields = {{5, "abc"}};
  out.push_back(Encode(commit));

  GroupMetadata group;
  group.group = "payments-app";
  group.protocol_type = "consumer";
  group.generation = 3;
  group.protocol = "range";
  group.leader = "member-1";
  GroupMember member;
  member.member_id = "member-1";
  member.group_instance_id = "inst-1";
  member.client_id = "client-1";
  member.client_host = "/10.0.0.1";
  member.rebalance_timeout_ms = 60000;
  member.session_timeout_ms = 10000;
  member.subscription =
      ConsumerSubscription{3, {"orders", "clicks"}, "ud", {{"orders", {0, 1}}}, 3, "rack-a"};
  member.assignment = ConsumerAssignment{3, {{"orders", {0, 1}}}, "ud"};
  group.members = {member, member};
  for (std::int16_t v = 0; v <= 4; ++v) {
    group.value_version = v;
    for (GroupMember& m : group.members) {
      m.subscription->version = static_cast<std::int16_t>(v > 3 ? 3 : v);
      m.assignment->version = static_cast<std::int16_t>(v > 3 ? 3 : v);
    }
    out.push_back(Encode(group));
  }

  Uuid id;
  id.bytes[3] = 7;
  out.push_back(Encode(ConsumerGroupMetadata{0, "payments-app", 10, {{0, "12345678"}}}));
  out.push_back(Encode(ConsumerGroupPartitionMetadata{
      0, "payments-app", {{id, "orders", 3, {{0, {"rack-a", "rack-b"}, {}}}, {}}}, {}}));
  ConsumerGroupMemberMetadata m5;
  m5.group = "payments-app";
  m5.member_id = "member-1";
  m5.instance_id = "inst-1";
  m5.rack_id = "rack-a";
  m5.client_id = "client-1";
  m5.client_host = "/10.0.0.1";
  m5.subscribed_topic_names = {"orders", "clicks"};
  m5.subscribed_topic_regex = "ord.*";
  m5.server_assignor = "uniform";
  out.push_back(Encode(m5));
  out.push_back(Encode(ConsumerGroupCurrentMemberAssignment{
      0, "payments-app", "member-1", 5, 4, 0, {{id, {0, 1}, {}}}, {{id, {2}, {}}}, {}}));
  out.push_back(Encode(ConsumerGroupRegularExpression{
      0, "payments-app", "ord.*", {"orders", "orders-v2"}, 42, 1700000000000, {}}));
  return out;
}

TEST_CASE("a record cut short at any byte is an InvalidArgument naming the record type",
          "[consumer_offsets][bad_input]") {
  for (const EncodedRecord& sample : Samples()) {
    REQUIRE(Decode(sample.key, sample.value).ok());
    for (std::size_t len = 0; len < sample.value->size(); ++len) {
      INFO("value " << testing::ToHex(*sample.value) << " cut at " << len);
      const std::string message =
          DecodeError(sample.key, std::string_view(*sample.value).substr(0, len));
      CHECK(message.find("Value") != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
    }
    for (std::size_t len = 0; len < sample.key.size(); ++len) {
      INFO("key " << testing::ToHex(sample.key) << " cut at " << len);
      DecodeError(std::string_view(sample.key).substr(0, len), sample.value);
    }
  }
}

TEST_CASE("the reason names the record type with its version and the field with its offset",
          "[consumer_offsets][bad_input]") {
  constexpr std::string_view kKey = "0001 0002 6731 0006 6f7264657273 00000000";
  CHECK(DecodeHexError(kKey, "0003 0000000000001f40 00000005 0000 0000018b") ==
        "OffsetCommitValue v3: truncated at field commit_timestamp (offset 16)");
  CHECK(DecodeHexError(kKey, "") == "OffsetCommitValue: truncated at field version (offset 0)");
  CHECK(DecodeHexError("0001 0002 67", "0000") ==
        "OffsetCommitKey: length 2 at field group exceeds the 1 bytes left (offset 2)");
}

TEST_CASE("negative lengths are rejected", "[consumer_offsets][bad_input]") {
  constexpr std::string_view kKey = "0001 0002 6731 0006 6f7264657273 00000000";
  SECTION("a string length") {
    CHECK(DecodeHexError("0001 fffe 6731 0006 6f7264657273 00000000", std::nullopt) ==
          "OffsetCommitKey: negative length -2 at field group (offset 2)");
    CHECK(DecodeHexError(kKey, "0003 0000000000001f40 00000005 ffff 0000018bcfe56800") ==
          "OffsetCommitValue v3: negative length -1 at field metadata (offset 14)");
  }
  SECTION("an array length") {
    CHECK(DecodeHexError("0002 0002 6731", "0000 0000 00000001 ffff ffff ffffffff") ==
          "GroupMetadataValue v0: negative array length -1 at field members (offset 12)");
  }
  SECTION("a byte array length") {
    CHECK(DecodeHexError("0002 0002 6731",
                         "0000 0007 636f6e6e656374 00000001 ffff ffff 00000001"
                         "0001 61 0001 62 0001 63 00002710 fffffffb 00000000") ==
          "GroupMetadataValue v0: negative length -5 at field subscription (offset 36)");
  }
  SECTION("an array length inside a subscription") {
    CHECK_FALSE(DecodeSubscription(Hex("0001 fffffffd")).ok());
    CHECK(DecodeSubscription(Hex("0001 fffffffd")).status().message() ==
          "ConsumerProtocolSubscription v1: negative array length -3 at field topics (offset 2)");
  }
  SECTION("a negative value version") {
    CHECK(DecodeHexError(kKey, "ffff 0000000000001f40") ==
          "OffsetCommitValue: negative version -1");
  }
}

TEST_CASE("huge lengths are rejected before anything is allocated",
          "[consumer_offsets][bad_input]") {
  SECTION("INT32_MAX group members") {
    CHECK(DecodeHexError("0002 0002 6731", "0000 0000 00000001 ffff ffff 7fffffff 00") ==
          "GroupMetadataValue v0: array length 2147483647 at field members exceeds what the 1 "
          "bytes left can hold (offset 12)");
  }
  SECTION("INT32_MAX subscription bytes") {
    CHECK(DecodeHexError("0002 0002 6731",
                         "0000 0007 636f6e6e656374 00000001 ffff ffff 00000001"
                         "0001 61 0001 62 0001 63 00002710 7fffffff 00000000") ==
          "GroupMetadataValue v0: length 2147483647 at field subscription exceeds the 4 bytes "
          "left (offset 36)");
  }
  SECTION("INT32_MAX owned partitions and partition indexes") {
    CHECK_FALSE(DecodeSubscription(Hex("0001 00000000 ffffffff 7fffffff")).ok());
    CHECK(DecodeSubscription(Hex("0001 00000000 ffffffff 00000001 0001 61 7fffffff"))
              .status()
              .message() ==
          "ConsumerProtocolSubscription v1: array length 2147483647 at field partitions exceeds "
          "what the 0 bytes left can hold (offset 17)");
    CHECK_FALSE(DecodeAssignment(Hex("0000 7fffffff")).ok());
  }
  SECTION("a string length of INT16_MAX") {
    CHECK(DecodeHexError("0002 7fff 6731", std::nullopt) ==
          "GroupMetadataKey: length 32767 at field group exceeds the 2 bytes left (offset 2)");
  }
  SECTION("compact lengths up to UINT32_MAX") {
    const std::string key = "0003 000c 7061796d656e74732d617070";
    CHECK(DecodeHexError("0004 000c 7061796d656e74732d617070", "0000 ffffffff0f") ==
          "ConsumerGroupPartitionMetadataValue v0: array length 4294967294 at field topics "
          "exceeds what the 0 bytes left can hold (offset 2)");
    CHECK(DecodeHexError("0005 0002 6731 0002 6732", "0000 00 00 ffffffff0f") ==
          "ConsumerGroupMemberMetadataValue v0: length 4294967294 at field client_id exceeds "
          "the 0 bytes left (offset 4)");
    CHECK(DecodeHexError(key, "0000 0000000a ffffffff0f") ==
          "ConsumerGroupMetadataValue v0: tagged field count 4294967295 at field tagged_fields "
          "exceeds what the 0 bytes left can hold (offset 6)");
    CHECK(DecodeHexError(key, "0000 0000000a 01 00 ffffff7f 00") ==
          "ConsumerGroupMetadataValue v0: tagged field 0 size 268435455 at field tagged_fields "
          "exceeds the 1 bytes left (offset 8)");
  }
  SECTION("a varint longer than 32 bits") {
    CHECK(DecodeHexError("0003 0002 6731", "0000 0000000a ffffffffff01") ==
          "ConsumerGroupMetadataValue v0: varint longer than 32 bits at field tagged_fields "
          "(offset 6)");
  }
}

TEST_CASE("unknown record types and keys without a type are rejected",
          "[consumer_offsets][bad_input]") {
  CHECK(DecodeHexError("0019 0002 6731", "0000") == "unknown __consumer_offsets record type 25");
  CHECK(DecodeHexError("7fff", std::nullopt) == "unknown __consumer_offsets record type 32767");
  CHECK(DecodeHexError("ffff 0002 6731", "0000") == "unknown __consumer_offsets record type -1");
  CHECK(DecodeHexError("00", "0000") == "record key: truncated at field type (offset 0)");
  CHECK(DecodeError("", std::nullopt) == "record key: truncated at field type (offset 0)");
  auto no_key = Decode(std::nullopt, std::string_view("\0\0", 2));
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.status().message() == "__consumer_offsets record without a key");
  CHECK(DecodeHexError("000b", std::nullopt) ==
        "record type 11 (share_group) key: truncated at field group_id (offset 2)");
}

TEST_CASE("trailing bytes after a known version's last field are rejected",
          "[consumer_offsets][bad_input]") {
  constexpr std::string_view kKey = "0001 0002 6731 0006 6f7264657273 00000000";
  CHECK(DecodeHexError("0001 0002 6731 0006 6f7264657273 00000000 00", std::nullopt) ==
        "OffsetCommitKey: 1 trailing bytes after the last field (offset 18)");
  CHECK(DecodeHexError(kKey, "0003 0000000000001f40 00000005 0000 0000018bcfe56800 abcd") ==
        "OffsetCommitValue v3: 2 trailing bytes after the last field (offset 24)");
  CHECK(DecodeHexError("0003 0002 6731", "0000 0000000a 00 00") ==
        "ConsumerGroupMetadataValue v0: 1 trailing bytes after the last field (offset 7)");
  SECTION("and a null where the spec does not allow one") {
    CHECK(DecodeHexError(kKey, "0004 0000000000001f40 00000005 00 0000018bcfe56800 00") ==
          "OffsetCommitValue v4: null at non-nullable field metadata (offset 14)");
  }
}

TEST_CASE("random bytes and mutated records never crash the decoder",
          "[consumer_offsets][bad_input]") {
  std::mt19937 rng(20240601);
  auto check = [](std::string_view key, std::optional<std::string_view> value) {
    auto result = Decode(key, value);
    if (!result.ok()) {
      REQUIRE(result.status().code() == ErrorCode::kInvalidArgument);
      REQUIRE_FALSE(result.status().message().empty());
    }
  };
  SECTION("random keys and values") {
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> size(0, 64);
    std::uniform_int_distribution<int> type(0, 26);
    for (int i = 0; i < 20000; ++i) {
      std::string key(static_cast<std::size_t>(size(rng)), '\0');
      std::string value(static_cast<std::size_t>(size(rng)), '\0');
      for (char& c : key) {
        c = static_cast<char>(byte(rng));
      }
      for (char& c : value) {
        c = static_cast<char>(byte(rng));
      }
      if (key.size() >= 2 && i % 2 == 0) {
        key[0] = 0;
        key[1] = static_cast<char>(type(rng));
      }
      if (value.size() >= 2 && i % 3 == 0) {
        value[0] = 0;
        value[1] = static_cast<char>(i % 6);
      }
      check(key, value);
    }
  }
  SECTION("valid records with one byte changed") {
    std::uniform_int_distribution<int> byte(0, 255);
    for (const EncodedRecord& sample : Samples()) {
      for (std::size_t pos = 0; pos < sample.value->size(); ++pos) {
        std::string value = *sample.value;
        value[pos] = static_cast<char>(byte(rng));
        check(sample.key, value);
        value[pos] = static_cast<char>(0xff);
        check(sample.key, value);
      }
    }
  }
}

}  // namespace
}  // namespace tributary::ingest::consumer_offsets
