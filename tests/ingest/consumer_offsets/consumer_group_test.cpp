// KIP-848 consumer groups (key types 3, 4, 5, 8, 16; target assignments 6 and 7)
// and the share and streams group types Tributary skips. Fixtures are written by
// hand from the ConsumerGroup*Key/Value.json definitions (values flexible from v0).

#include <catch2/catch.hpp>

#include <cstdio>

#include "consumer_offsets_test_support.h"

namespace tributary::ingest::consumer_offsets {
namespace {

using testing::DecodeAs;
using testing::Hex;
using testing::RequireEncodes;

constexpr std::string_view kGroup = "000c 7061796d656e74732d617070";  // "payments-app"

std::string Key(std::string_view type_hex, std::string_view rest = "") {
  return std::string(type_hex) + std::string(kGroup) + std::string(rest);
}

// Topic id 00010203-0405-0607-0809-0a0b0c0d0e0f.
Uuid TopicId() { return *Uuid::FromString("AAECAwQFBgcICQoLDA0ODw"); }

TEST_CASE("a topic id reads and prints in Kafka's base64 form", "[consumer_offsets][uuid]") {
  Uuid id;
  for (std::size_t i = 0; i < 16; ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(i);
  }
  CHECK(id.ToString() == "AAECAwQFBgcICQoLDA0ODw");
  CHECK(Uuid::FromString("AAECAwQFBgcICQoLDA0ODw") == id);
  Uuid other;
  const std::string raw = Hex("fedcba98765432100123456789abcdef");
  for (std::size_t i = 0; i < 16; ++i) {
    other.bytes[i] = static_cast<std::uint8_t>(raw[i]);
  }
  CHECK(other.ToString() == "_ty6mHZUMhABI0VniavN7w");
  CHECK(Uuid::FromString(other.ToString()) == other);

  SECTION("anything but 22 base64url characters is not a topic id") {
    CHECK_FALSE(Uuid::FromString("").has_value());
    CHECK_FALSE(Uuid::FromString("AAECAwQFBgcICQoLDA0OD").has_value());
    CHECK_FALSE(Uuid::FromString("AAECAwQFBgcICQoLDA0ODw=").has_value());
    CHECK_FALSE(Uuid::FromString("AAECAwQFBgcICQoLDA0OD+").has_value());
    CHECK_FALSE(Uuid::FromString("AAECAwQFBgcICQoLDA0ODx").has_value());  // stray low bits
  }
}

TEST_CASE("consumer group metadata (type 3) carries the group epoch",
          "[consumer_offsets][consumer_group]") {
  const std::string key = Key("0003");
  SECTION("as written by Kafka 4.0") {
    constexpr std::string_view kValue = "0000 0000000a 00";  // v0, epoch 10, no tags
    ConsumerGroupMetadata want{0, "payments-app", 10, {}};
    CHECK(DecodeAs<ConsumerGroupMetadata>(key, kValue) == want);
    RequireEncodes(want, key, kValue);
  }
  SECTION("with Kafka 4.1's metadata hash in tag 0, kept as is") {
    constexpr std::string_view kValue = "0000 0000000a 01 00 08 0102030405060708";
    ConsumerGroupMetadata want{0, "payments-app", 10, {{0, Hex("0102030405060708")}}};
    CHECK(DecodeAs<ConsumerGroupMetadata>(key, kValue) == want);
    RequireEncodes(want, key, kValue);
  }
  SECTION("a null value deletes the group") {
    ConsumerGroupMetadataTombstone want{"payments-app"};
    CHECK(DecodeAs<ConsumerGroupMetadataTombstone>(key, std::nullopt) == want);
    RequireEncodes(want, key, std::nullopt);
  }
}

TEST_CASE("consumer group partition metadata (type 4) maps topic ids to names",
          "[consumer_offsets][consumer_group]") {
  const std::string key = Key("0004");
  constexpr std::string_view value =
      "0000"                              // v0
      "03"                                // 2 topics
      "000102030405060708090a0b0c0d0e0f"  //   topic id
      "07 6f7264657273"                   //   "orders"
      "00000003"                          //   3 partitions
      "01"                                //   no partition racks
      "00"                                //   topic tagged fields
      "fedcba98765432100123456789abcdef"  //   topic id
      "07 636c69636b73"                   //   "clicks"
      "00000001"                          //   1 partition
      "02"                                //   1 partition rack entry
      "00000000 02 07 7261636b2d61 00"    //     partition 0: ["rack-a"]
      "00"                                //   topic tagged fields
      "00";                               // tagged fields
  ConsumerGroupPartitionMetadata want;
  want.group = "payments-app";
  want.topics.push_back(TopicMetadata{TopicId(), "orders", 3, {}, {}});
  want.topics.push_back(TopicMetadata{*Uuid::FromString("_ty6mHZUMhABI0VniavN7w"),
                                      "clicks",
                                      1,
                                      {PartitionRacks{0, {"rack-a"}, {}}},
                                      {}});
  CHECK(DecodeAs<ConsumerGroupPartitionMetadata>(key, value) == want);
  RequireEncodes(want, key, value);

  SECTION("a null value deletes it") {
    ConsumerGroupPartitionMetadataTombstone tomb{"payments-app"};
    CHECK(DecodeAs<ConsumerGroupPartitionMetadataTombstone>(key, std::nullopt) == tomb);
    RequireEncodes(tomb, key, std::nullopt);
  }
}

TEST_CASE("consumer group member metadata (type 5) names what the member subscribes to",
          "[consumer_offsets][consumer_group]") {
  const std::string key = Key("0005", "0008 6d656d6265722d31");  // member "member-1"
  SECTION("a member subscribed to topic names") {
    constexpr std::string_view kValue =
        "0000"
        "00"                                  // instance id null
        "07 7261636b2d61"                     // rack "rack-a"
        "09 636c69656e742d31"                 // client id
        "0a 2f31302e302e302e31"               // client host
        "03 07 6f7264657273 07 636c69636b73"  // topics ["orders", "clicks"]
        "00"                                  // regex null
        "0000ea60"                            // rebalance timeout 60000
        "08 756e69666f726d"                   // server assignor "uniform"
        "00";
    ConsumerGroupMemberMetadata want;
    want.group = "payments-app";
    want.member_id = "member-1";
    want.rack_id = "rack-a";
    want.client_id = "client-1";
    want.client_host = "/10.0.0.1";
    want.subscribed_topic_names = {"orders", "clicks"};
    want.rebalance_timeout_ms = 60000;
    want.server_assignor = "uniform";
    CHECK(DecodeAs<ConsumerGroupMemberMetadata>(key, kValue) == want);
    RequireEncodes(want, key, kValue);
  }
  SECTION("a member with a regex subscription, still on the classic protocol (tag 0)") {
    constexpr std::string_view kValue =
        "0000"
        "07 696e73742d31"  // instance id "inst-1"
        "00"               // rack null
        "09 636c69656e742d31"
        "0a 2f31302e302e302e31"
        "01"                        // no topic names
        "06 6f72642e2a"             // regex "ord.*"
        "ffffffff"                  // rebalance timeout -1
        "00"                        // server assignor null
        "01 00 0e"                  // tag 0, 14 bytes: ClassicMemberMetadata
        "  00002710"                //   session timeout 10000
        "  02 06 72616e6765 01 00"  //   protocols [{"range", no metadata}]
        "  00";                     //   tagged fields
    ConsumerGroupMemberMetadata want;
    want.group = "payments-app";
    want.member_id = "member-1";
    want.instance_id = "inst-1";
    want.client_id = "client-1";
    want.client_host = "/10.0.0.1";
    want.subscribed_topic_regex = "ord.*";
    want.tagged_fields = {{0, Hex("00002710 02 06 72616e6765 01 00 00")}};
    CHECK(DecodeAs<ConsumerGroupMemberMetadata>(key, kValue) == want);
    RequireEncodes(want, key, kValue);
  }
  SECTION("a null value: the member left") {
    ConsumerGroupMemberMetadataTombstone tomb{"payments-app", "member-1"};
    CHECK(DecodeAs<ConsumerGroupMemberMetadataTombstone>(key, std::nullopt) == tomb);
    RequireEncodes(tomb, key, std::nullopt);
  }
}

TEST_CASE("a consumer group member's current assignment (type 8) names partitions by topic id",
          "[consumer_offsets][consumer_group]") {
  const std::string key = Key("0008", "0008 6d656d6265722d31");
  constexpr std::string_view value =
      "0000"                              // v0
      "00000005"                          // member epoch 5
      "00000004"                          // previous member epoch 4
      "00"                                // state: stable
      "02"                                // assigned: 1 topic
      "000102030405060708090a0b0c0d0e0f"  //   topic id
      "03 00000000 00000001"              //   partitions [0, 1]
      "00"                                //   tagged fields
      "02"                                // pending revocation: 1 topic
      "fedcba98765432100123456789abcdef"  //   topic id
      "02 00000002"                       //   partitions [2]
      "00"                                //   tagged fields
      "00";                               // tagged fields
  ConsumerGroupCurrentMemberAssignment want;
  want.group = "payments-app";
  want.member_id = "member-1";
  want.member_epoch = 5;
  want.previous_member_epoch = 4;
  want.assigned_partitions = {TopicIdPartitions{TopicId(), {0, 1}, {}}};
  want.partitions_pending_revocation = {
      TopicIdPartitions{*Uuid::FromString("_ty6mHZUMhABI0VniavN7w"), {2}, {}}};
  CHECK(DecodeAs<ConsumerGroupCurrentMemberAssignment>(key, value) == want);
  RequireEncodes(want, key, value);

  SECTION("a null value deletes it") {
    ConsumerGroupCurrentMemberAssignmentTombstone tomb{"payments-app", "member-1"};
    CHECK(DecodeAs<ConsumerGroupCurrentMemberAssignmentTombstone>(key, std::nullopt) == tomb);
    RequireEncodes(tomb, key, std::nullopt);
  }
}

TEST_CASE("a consumer group regular expression (type 16) lists the topics it matched",
          "[consumer_offsets][consumer_group]") {
  const std::string key = Key("0010", "0005 6f72642e2a");  // regex "ord.*"
  constexpr std::string_view kValue =
      "0000"
      "03 07 6f7264657273 0a 6f72646572732d7632"  // ["orders", "orders-v2"]
      "000000000000002a"                          // version 42
      "0000018bcfe56800"                          // timestamp
      "00";
  ConsumerGroupRegularExpression want{0,  "payments-app", "ord.*", {"orders", "orders-v2"},
                                      42, 1700000000000,  {}};
  CHECK(DecodeAs<ConsumerGroupRegularExpression>(key, kValue) == want);
  RequireEncodes(want, key, kValue);

  SECTION("a null value deletes it") {
    ConsumerGroupRegularExpressionTombstone tomb{"payments-app", "ord.*"};
    CHECK(DecodeAs<ConsumerGroupRegularExpressionTombstone>(key, std::nullopt) == tomb);
    RequireEncodes(tomb, key, std::nullopt);
  }
}

TEST_CASE("a KIP-848 value newer than v0 is read as v0", "[consumer_offsets][versions]") {
  const std::string key = Key("0003");
  // v1 adds a tagged field and bytes after the v0 layout.
  ConsumerGroupMetadata got =
      DecodeAs<ConsumerGroupMetadata>(key, "0001 0000000b 01 02 01 ff 0000000000000001");
  CHECK(got == ConsumerGroupMetadata{1, "payments-app", 11, {{2, Hex("ff")}}});
}

TEST_CASE(
    "target assignments (types 6 and 7) are encoded as brokers write them and skipped "
    "when read",
    "[consumer_offsets][consumer_group][skipped]") {
  SECTION("target assignment metadata") {
    const std::string key = Key("0006");
    constexpr std::string_view kValue = "0000 0000000a 00";  // assignment epoch 10
    RequireEncodes(ConsumerGroupTargetAssignmentMetadata{0, "payments-app", 10, {}}, key, kValue);
    CHECK(DecodeAs<SkippedRecord>(key, kValue) ==
          SkippedRecord{6, "consumer_group_target_assignment", "payments-app", false});
  }
  SECTION("target assignment member") {
    const std::string key = Key("0007", "0008 6d656d6265722d31");
    constexpr std::string_view value =
        "0000 02 000102030405060708090a0b0c0d0e0f 03 00000000 00000001 00 00";
    RequireEncodes(
        ConsumerGroupTargetAssignmentMember{
            0, "payments-app", "member-1", {{TopicId(), {0, 1}, {}}}, {}},
        key, value);
    CHECK(DecodeAs<SkippedRecord>(key, value) ==
          SkippedRecord{7, "consumer_group_target_assignment", "payments-app", false});
    CHECK(DecodeAs<SkippedRecord>(key, std::nullopt).tombstone);
  }
}

TEST_CASE("share group and streams group records are skipped with their kind and group",
          "[consumer_offsets][skipped]") {
  for (int type = 9; type <= 15; ++type) {
    char type_hex[5];
    std::snprintf(type_hex, sizeof type_hex, "%04x", type);
    INFO("type " << type);
    CHECK(DecodeAs<SkippedRecord>(Key(type_hex), "0000 ffff") ==
          SkippedRecord{static_cast<std::int16_t>(type), "share_group", "payments-app", false});
  }
  for (int type = 17; type <= 24; ++type) {
    char type_hex[5];
    std::snprintf(type_hex, sizeof type_hex, "%04x", type);
    INFO("type " << type);
    CHECK(DecodeAs<SkippedRecord>(Key(type_hex), std::nullopt) ==
          SkippedRecord{static_cast<std::int16_t>(type), "streams_group", "payments-app", true});
  }
}

TEST_CASE("every decoded record re-encodes through EncodeRecord", "[consumer_offsets][encoder]") {
  const std::string key = Hex(Key("0005", "0008 6d656d6265722d31"));
  auto decoded = Decode(key, std::nullopt);
  REQUIRE(decoded.ok());
  auto encoded = EncodeRecord(*decoded);
  REQUIRE(encoded.ok());
  CHECK(encoded->key == key);
  CHECK_FALSE(encoded->value.has_value());

  SECTION("but a skipped record has nothing to encode") {
    auto skipped = EncodeRecord(SkippedRecord{11, "share_group", "g", false});
    REQUIRE_FALSE(skipped.ok());
    CHECK(skipped.status().code() == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tributary::ingest::consumer_offsets
