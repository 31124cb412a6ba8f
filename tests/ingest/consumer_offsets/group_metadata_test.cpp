// Classic groups (key type 2, GroupMetadataValue v0-v4) and the ConsumerProtocol
// subscription and assignment (v0-v3) their consumer members carry. Fixtures are
// written by hand from GroupMetadataKey/Value.json and
// ConsumerProtocolSubscription/Assignment.json.

#include <catch2/catch.hpp>

#include "consumer_offsets_test_support.h"

namespace tributary::ingest::consumer_offsets {
namespace {

using testing::DecodeAs;
using testing::DecodeHex;
using testing::Hex;
using testing::RequireEncodes;

constexpr std::string_view kKey =
    "0002"                            // record type 2 (GroupMetadataKey)
    "000c 7061796d656e74732d617070";  // group "payments-app"

GroupMember Member() {
  GroupMember m;
  m.member_id = "member-1";
  m.client_id = "client-1";
  m.client_host = "/10.0.0.1";
  m.session_timeout_ms = 10000;
  return m;
}

TEST_CASE(
    "a v3 consumer group written by a Kafka 2.3-3.x broker reads with its members' "
    "subscription and assignment",
    "[consumer_offsets][group_metadata]") {
  constexpr std::string_view kValue =
      "0003"                          // version 3
      "0008 636f6e73756d6572"         // protocol type "consumer"
      "00000004"                      // generation 4
      "0005 72616e6765"               // protocol "range"
      "0008 6d656d6265722d31"         // leader "member-1"
      "0000018bcfe56800"              // current state timestamp
      "00000001"                      // 1 member
      "0008 6d656d6265722d31"         //   member id "member-1"
      "ffff"                          //   group instance id null
      "0008 636c69656e742d31"         //   client id "client-1"
      "0009 2f31302e302e302e31"       //   client host "/10.0.0.1"
      "0000ea60"                      //   rebalance timeout 60000
      "00002710"                      //   session timeout 10000
      "0000002a"                      //   subscription: 42 bytes
      "  0001"                        //     ConsumerProtocolSubscription v1
      "  00000001 0006 6f7264657273"  //     topics ["orders"]
      "  ffffffff"                    //     user data null
      "  00000001"                    //     owned partitions: 1 topic
      "  0006 6f7264657273"           //       "orders"
      "  00000002 00000000 00000001"  //       [0, 1]
      "0000001e"                      //   assignment: 30 bytes
      "  0001"                        //     ConsumerProtocolAssignment v1
      "  00000001"                    //     1 topic
      "  0006 6f7264657273"           //       "orders"
      "  00000002 00000000 00000001"  //       [0, 1]
      "  ffffffff";                   //     user data null

  GroupMetadata want;
  want.value_version = 3;
  want.group = "payments-app";
  want.protocol_type = "consumer";
  want.generation = 4;
  want.protocol = "range";
  want.leader = "member-1";
  want.current_state_timestamp_ms = 1700000000000;
  GroupMember m = Member();
  m.rebalance_timeout_ms = 60000;
  m.subscription =
      ConsumerSubscription{1, {"orders"}, std::nullopt, {{"orders", {0, 1}}}, -1, std::nullopt};
  m.assignment = ConsumerAssignment{1, {{"orders", {0, 1}}}, std::nullopt};
  want.members.push_back(m);

  CHECK(DecodeAs<GroupMetadata>(kKey, kValue) == want);
  RequireEncodes(want, kKey, kValue);
}

TEST_CASE("group metadata values v0-v2 and v4 read in the layout of their version",
          "[consumer_offsets][group_metadata]") {
  SECTION("v0: no rebalance timeout, no state timestamp; ConsumerProtocol v0") {
    constexpr std::string_view kValue =
        "0000"
        "0008 636f6e73756d6572"    // "consumer"
        "00000001"                 // generation 1
        "0005 72616e6765"          // "range"
        "0008 6d656d6265722d31"    // leader
        "00000001"                 // 1 member
        "0008 6d656d6265722d31"    //   member id
        "0008 636c69656e742d31"    //   client id
        "0009 2f31302e302e302e31"  //   client host
        "00002710"                 //   session timeout
        "00000012"                 //   subscription: 18 bytes
        "  0000 00000001 0006 6f7264657273 ffffffff"
        "0000001a"  //   assignment: 26 bytes
        "  0000 00000001 0006 6f7264657273 00000001 00000000 ffffffff";
    GroupMetadata want;
    want.value_version = 0;
    want.group = "payments-app";
    want.protocol_type = "consumer";
    want.generation = 1;
    want.protocol = "range";
    want.leader = "member-1";
    GroupMember m = Member();
    m.subscription = ConsumerSubscription{0, {"orders"}, std::nullopt, {}, -1, std::nullopt};
    m.assignment = ConsumerAssignment{0, {{"orders", {0}}}, std::nullopt};
    want.members.push_back(m);
    CHECK(DecodeAs<GroupMetadata>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v1: a rebalance timeout; ConsumerProtocol v2 with a generation id") {
    constexpr std::string_view kValue =
        "0001"
        "0008 636f6e73756d6572"
        "00000004"
        "0005 72616e6765"
        "0008 6d656d6265722d31"
        "00000001"
        "0008 6d656d6265722d31"
        "0008 636c69656e742d31"
        "0009 2f31302e302e302e31"
        "0000ea60"  //   rebalance timeout 60000
        "00002710"
        "0000001a"  //   subscription: 26 bytes
        "  0002 00000001 0006 6f7264657273 ffffffff"
        "  00000000"                 //     no owned partitions
        "  00000004"                 //     generation id 4
        "0000000a"                   //   assignment: 10 bytes
        "  0002 00000000 ffffffff";  //     nothing assigned
    GroupMetadata want;
    want.value_version = 1;
    want.group = "payments-app";
    want.protocol_type = "consumer";
    want.generation = 4;
    want.protocol = "range";
    want.leader = "member-1";
    GroupMember m = Member();
    m.rebalance_timeout_ms = 60000;
    m.subscription = ConsumerSubscription{2, {"orders"}, std::nullopt, {}, 4, std::nullopt};
    m.assignment = ConsumerAssignment{2, {}, std::nullopt};
    want.members.push_back(m);
    CHECK(DecodeAs<GroupMetadata>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v2: a state timestamp; a connect group keeps its members' bytes unparsed") {
    constexpr std::string_view kValue =
        "0002"
        "0007 636f6e6e656374"  // protocol type "connect"
        "00000003"
        "0009 73657373696f6e6564"  // protocol "sessioned"
        "0008 776f726b65722d31"    // leader "worker-1"
        "0000018bcfe56800"         // state timestamp
        "00000001"
        "0008 776f726b65722d31"  //   member id "worker-1"
        "0008 636c69656e742d31"
        "0009 2f31302e302e302e31"
        "0000ea60"
        "00002710"
        "00000003 ffeedd"  //   subscription: Connect's own bytes
        "00000000";        //   assignment: empty
    GroupMetadata want;
    want.value_version = 2;
    want.group = "payments-app";
    want.protocol_type = "connect";
    want.generation = 3;
    want.protocol = "sessioned";
    want.leader = "worker-1";
    want.current_state_timestamp_ms = 1700000000000;
    GroupMember m = Member();
    m.member_id = "worker-1";
    m.rebalance_timeout_ms = 60000;
    m.subscription_bytes = Hex("ffeedd");
    want.members.push_back(m);
    CHECK(DecodeAs<GroupMetadata>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
  SECTION("v4 is flexible; ConsumerProtocol v3 carries the rack id") {
    constexpr std::string_view kValue =
        "0004"
        "09 636f6e73756d6572"                      // "consumer", compact
        "00000002"                                 // generation 2
        "13 636f6f70657261746976652d737469636b79"  // "cooperative-sticky"
        "09 6d656d6265722d31"                      // leader
        "0000018bcfe56800"
        "02"                                              // 1 member, compact
        "09 6d656d6265722d31"                             //   member id
        "07 696e73742d31"                                 //   group instance id "inst-1"
        "09 636c69656e742d31"                             //   client id
        "0a 2f31302e302e302e31"                           //   client host
        "0000ea60 00002710"                               //   timeouts
        "3b"                                              //   subscription: 58 bytes
        "  0003"                                          //     v3
        "  00000002 0006 6f7264657273 0006 636c69636b73"  // ["orders", "clicks"]
        "  ffffffff"                                      //     user data null
        "  00000001 0006 6f7264657273 00000001 00000002"  // owned orders:[2]
        "  00000007"                                      //     generation id 7
        "  0006 7261636b2d61"                             //     rack "rack-a"
        "2f"                                              //   assignment: 46 bytes
        "  0003 00000002"
        "  0006 6f7264657273 00000001 00000002"           //     orders:[2]
        "  0006 636c69636b73 00000002 00000000 00000001"  // clicks:[0,1]
        "  ffffffff"
        "00"   //   member tagged fields
        "00";  // tagged fields
    GroupMetadata want;
    want.value_version = 4;
    want.group = "payments-app";
    want.protocol_type = "consumer";
    want.generation = 2;
    want.protocol = "cooperative-sticky";
    want.leader = "member-1";
    want.current_state_timestamp_ms = 1700000000000;
    GroupMember m = Member();
    m.group_instance_id = "inst-1";
    m.rebalance_timeout_ms = 60000;
    m.subscription =
        ConsumerSubscription{3, {"orders", "clicks"}, std::nullopt, {{"orders", {2}}}, 7, "rack-a"};
    m.assignment = ConsumerAssignment{3, {{"orders", {2}}, {"clicks", {0, 1}}}, std::nullopt};
    want.members.push_back(m);
    CHECK(DecodeAs<GroupMetadata>(kKey, kValue) == want);
    RequireEncodes(want, kKey, kValue);
  }
}

TEST_CASE("an empty group has a null protocol and leader and no members",
          "[consumer_offsets][group_metadata]") {
  constexpr std::string_view kValue =
      "0003 0008 636f6e73756d6572 00000005"
      "ffff"  // protocol null
      "ffff"  // leader null
      "0000018bcfe56800"
      "00000000";  // no members
  GroupMetadata want;
  want.value_version = 3;
  want.group = "payments-app";
  want.protocol_type = "consumer";
  want.generation = 5;
  want.current_state_timestamp_ms = 1700000000000;
  GroupMetadata got = DecodeAs<GroupMetadata>(kKey, kValue);
  CHECK(got == want);
  CHECK_FALSE(got.protocol.has_value());
  RequireEncodes(want, kKey, kValue);
}

TEST_CASE("a consumer member without an assignment yet has empty assignment bytes",
          "[consumer_offsets][group_metadata]") {
  constexpr std::string_view kValue =
      "0003 0008 636f6e73756d6572 00000001 0005 72616e6765 0008 6d656d6265722d31"
      "0000018bcfe56800 00000001"
      "0008 6d656d6265722d31 ffff 0008 636c69656e742d31 0009 2f31302e302e302e31"
      "0000ea60 00002710"
      "00000012 0000 00000001 0006 6f7264657273 ffffffff"  // subscription v0
      "00000000";                                          // assignment: none
  GroupMetadata got = DecodeAs<GroupMetadata>(kKey, kValue);
  REQUIRE(got.members.size() == 1);
  CHECK(got.members[0].subscription.has_value());
  CHECK_FALSE(got.members[0].assignment.has_value());
  CHECK(got.members[0].assignment_bytes.empty());
  RequireEncodes(got, kKey, kValue);
}

TEST_CASE("a null group metadata value is the deletion of the group",
          "[consumer_offsets][group_metadata][tombstone]") {
  GroupMetadataTombstone want{"payments-app"};
  CHECK(DecodeAs<GroupMetadataTombstone>(kKey, std::nullopt) == want);
  RequireEncodes(want, kKey, std::nullopt);
}

TEST_CASE("a ConsumerProtocol version newer than 3 is read as v3",
          "[consumer_offsets][group_metadata][versions]") {
  SECTION("a v9 subscription with extra trailing fields reads as v3") {
    const std::string bytes =
        Hex("0009"                        // version 9
            "00000001 0006 6f7264657273"  // topics ["orders"]
            "00000002 abcd"               // user data 2 bytes
            "00000000"                    // no owned partitions
            "00000003"                    // generation id 3
            "ffff"                        // rack null
            "0004 00000001 deadbeef");    // fields v3 does not know
    auto sub = DecodeSubscription(bytes);
    INFO(sub.status().ToString());
    REQUIRE(sub.ok());
    CHECK(*sub == ConsumerSubscription{9, {"orders"}, Hex("abcd"), {}, 3, std::nullopt});
  }
  SECTION("a v4 assignment with a trailing field reads as v3") {
    const std::string bytes =
        Hex("0004 00000001 0006 6f7264657273 00000001 00000003 ffffffff"
            "0000002a");  // a field v3 does not know
    auto asg = DecodeAssignment(bytes);
    REQUIRE(asg.ok());
    CHECK(*asg == ConsumerAssignment{4, {{"orders", {3}}}, std::nullopt});
  }
  SECTION("inside a group: the member's subscription is read as v3") {
    constexpr std::string_view kValue =
        "0003 0008 636f6e73756d6572 00000001 0005 72616e6765 0008 6d656d6265722d31"
        "0000018bcfe56800 00000001"
        "0008 6d656d6265722d31 ffff 0008 636c69656e742d31 0009 2f31302e302e302e31"
        "0000ea60 00002710"
        "00000022"                                    // subscription: 34 bytes
        "  0009 00000001 0006 6f7264657273 ffffffff"  //   v9: topics, user data
        "  00000000 00000003 ffff"                    //   owned, generation, rack
        "  0002 0001 0000"                            //   newer fields
        "0000000a 0001 00000000 ffffffff";            // assignment v1, nothing
    GroupMetadata got = DecodeAs<GroupMetadata>(kKey, kValue);
    REQUIRE(got.members.size() == 1);
    REQUIRE(got.members[0].subscription.has_value());
    CHECK(got.members[0].subscription->version == 9);
    CHECK(got.members[0].subscription->topics == std::vector<std::string>{"orders"});
    CHECK(got.members[0].subscription->generation_id == 3);
  }
  SECTION("but a known version with trailing bytes is rejected") {
    auto sub = DecodeSubscription(Hex("0000 00000000 ffffffff 00"));
    REQUIRE_FALSE(sub.ok());
    CHECK(sub.status().message() ==
          "ConsumerProtocolSubscription v0: 1 trailing bytes after the last field (offset 10)");
  }
}

TEST_CASE("a group metadata value newer than v4 is read as v4",
          "[consumer_offsets][group_metadata][versions]") {
  constexpr std::string_view kValue =
      "0006"
      "09 636f6e73756d6572 00000005 00 00 0000018bcfe56800"  // protocol, leader null
      "01"                                                   // no members
      "01 03 01 2a"                                          // tagged field 3
      "0102";                                                // beyond the v4 layout
  GroupMetadata want;
  want.value_version = 6;
  want.group = "payments-app";
  want.protocol_type = "consumer";
  want.generation = 5;
  want.current_state_timestamp_ms = 1700000000000;
  want.tagged_fields = {{3, Hex("2a")}};
  CHECK(DecodeAs<GroupMetadata>(kKey, kValue) == want);
}

TEST_CASE(
    "a consumer member whose subscription bytes are malformed fails the record with the "
    "member named",
    "[consumer_offsets][group_metadata][bad_input]") {
  constexpr std::string_view kValue =
      "0001 0008 636f6e73756d6572 00000001 0005 72616e6765 0008 6d656d6265722d31"
      "00000001 0008 6d656d6265722d31 0008 636c69656e742d31 0009 2f31302e302e302e31"
      "0000ea60 00002710"
      "00000004 0001 0000"  // subscription v1 cut inside its topic count
      "00000000";
  auto result = DecodeHex(kKey, kValue);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() ==
        "GroupMetadataValue v1: group 'payments-app' member 'member-1' subscription: "
        "ConsumerProtocolSubscription v1: truncated at field topics (offset 2)");
}

}  // namespace
}  // namespace tributary::ingest::consumer_offsets
