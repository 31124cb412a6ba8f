// Folding __consumer_offsets records into facts (DESIGN.md §2 principle 3).

#include <catch2/catch.hpp>

#include "ingest/consumer_offsets/consumer_offsets_encoder.h"
#include "ingest/consumer_offsets/consumer_offsets_translator.h"
#include "support/recording_sink.h"

using namespace tributary;
using namespace tributary::ingest;
using namespace tributary::ingest::consumer_offsets;
namespace co = tributary::ingest::consumer_offsets;
using tributary::testing::RecordingSink;

namespace {

constexpr std::int64_t kMinute = 60 * 1000;

class Harness {
 public:
  Harness() : translator_(Options()) {}

  static ConsumerOffsetsOptions Options() {
    return {"local", std::chrono::minutes(15), std::chrono::minutes(10)};
  }

  template <typename R>
  void Feed(const R& record, std::int64_t timestamp_ms) {
    const auto encoded = Encode(record);
    RawRecord raw;
    raw.topic = "__consumer_offsets";
    raw.offset = next_offset_++;
    raw.timestamp_ms = timestamp_ms;
    raw.key = encoded.key;
    if (encoded.value) {
      raw.value = *encoded.value;
    }
    translator_.Translate(raw, sink);
    translator_.Flush(sink);
  }
  void FeedRaw(std::optional<std::string_view> key, std::optional<std::string_view> value) {
    RawRecord raw;
    raw.topic = "__consumer_offsets";
    raw.key = key;
    raw.value = value;
    translator_.Translate(raw, sink);
    translator_.Flush(sink);
  }
  void Tick(std::int64_t now_ms) {
    translator_.Tick(FromMillis(now_ms), sink);
    translator_.Flush(sink);
  }
  // A translator restarted from the persisted fold state.
  void Restart() {
    translator_ = ConsumerOffsetsTranslator(Options());
    REQUIRE(translator_.Restore(sink.FoldEntries()).ok());
  }

  ConsumerOffsetsTranslator& translator() { return translator_; }
  RecordingSink sink;

 private:
  ConsumerOffsetsTranslator translator_;
  std::int64_t next_offset_ = 0;
};

OffsetCommit Commit(std::string group, std::string topic, int partition, std::int64_t offset,
                    std::int64_t at_ms) {
  OffsetCommit c;
  c.group = std::move(group);
  c.topic = std::move(topic);
  c.partition = partition;
  c.offset = offset;
  c.commit_timestamp_ms = at_ms;
  return c;
}

co::GroupMember ClassicMember(std::string id, std::string client, std::vector<std::string> topics) {
  co::GroupMember m;
  m.member_id = std::move(id);
  m.client_id = std::move(client);
  m.client_host = "/10.0.0.1";
  m.session_timeout_ms = 45000;
  ConsumerSubscription sub;
  sub.topics = std::move(topics);
  m.subscription = sub;
  return m;
}

}  // namespace

TEST_CASE("offset commits fold into facts: started and progress and stopped") {
  Harness h;
  const auto group = NodeId::Group("local", "trending");
  const auto topic = NodeId::Topic("local", "stocktrades");

  SECTION("the first commit of a group on a topic starts a consumer, the rest are folded") {
    for (int i = 0; i < 100; ++i) {
      h.Feed(Commit("trending", "stocktrades", i % 6, 1000 + i, 1000 + i * 100), 1000 + i * 100);
    }
    const auto started = h.sink.Of<ConsumerStarted>();
    REQUIRE(started.size() == 1);
    CHECK(started[0].consumer == group);
    CHECK(started[0].topic == topic);
    CHECK(started[0].evidence == "observed");
    CHECK(h.sink.events.size() == 1);
  }
  SECTION("progress is sampled once per progress interval of event time") {
    std::int64_t t = 0;
    for (int i = 0; i <= 35; ++i) {  // a commit a minute for 35 minutes
      h.Feed(Commit("trending", "stocktrades", 0, 100 * i, t), t);
      t += kMinute;
    }
    const auto progress = h.sink.Of<ConsumerProgress>();
    REQUIRE(progress.size() == 3);  // at 10, 20 and 30 minutes
    CHECK(progress[0].committed_offsets == 1000);
    CHECK(progress[0].commits == 11);  // the commits of minutes 0 to 10
    CHECK(progress[1].commits == 10);  // minutes 11 to 20
    CHECK(h.sink.events[1].time == FromMillis(10 * kMinute));
  }
  SECTION("a consumer without commits for the idle time stops once, as a decision") {
    h.Feed(Commit("trending", "stocktrades", 0, 5, 0), 0);
    h.Tick(14 * kMinute);
    CHECK(h.sink.Of<ConsumerStopped>().empty());
    h.Tick(15 * kMinute);
    h.Tick(16 * kMinute);
    const auto stopped = h.sink.Of<ConsumerStopped>();
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0].reason == "idle");
    CHECK(stopped[0].last_read == FromMillis(0));
    CHECK(h.sink.events.back().dedup_key.has_value());
    SECTION("and starts again with its next commit") {
      h.Feed(Commit("trending", "stocktrades", 0, 6, 20 * kMinute), 20 * kMinute);
      CHECK(h.sink.Of<ConsumerStarted>().size() == 2);
    }
  }
  SECTION("deleting every offset of a topic stops the consumer") {
    h.Feed(Commit("trending", "stocktrades", 0, 5, 0), 0);
    h.Feed(Commit("trending", "stocktrades", 1, 5, 0), 0);
    h.Feed(OffsetCommitTombstone{1, "trending", "stocktrades", 0}, 1000);
    CHECK(h.sink.Of<ConsumerStopped>().empty());
    h.Feed(OffsetCommitTombstone{1, "trending", "stocktrades", 1}, 2000);
    REQUIRE(h.sink.Of<OffsetDeleted>().size() == 2);
    const auto stopped = h.sink.Of<ConsumerStopped>();
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0].reason == "offset_deleted");
    CHECK(h.sink.fold.empty());
  }
}

TEST_CASE("group metadata yields member changes, not generation noise") {
  Harness h;
  GroupMetadata g;
  g.group = "trending";
  g.protocol_type = "consumer";
  g.protocol = "range";
  g.generation = 1;
  g.members = {ClassicMember("m-1", "app-1", {"stocktrades"})};
  h.Feed(g, 1000);
  REQUIRE(h.sink.Of<GroupMembersChanged>().size() == 1);
  CHECK(h.sink.Of<GroupMembersChanged>()[0].members[0].topics ==
        std::vector<std::string>{"stocktrades"});

  SECTION("a new generation with the same members is not a fact") {
    g.generation = 2;
    h.Feed(g, 2000);
    CHECK(h.sink.Of<GroupMembersChanged>().size() == 1);
  }
  SECTION("a member joining is") {
    g.generation = 2;
    g.members.push_back(ClassicMember("m-2", "app-2", {"stocktrades", "users"}));
    h.Feed(g, 2000);
    const auto changes = h.sink.Of<GroupMembersChanged>();
    REQUIRE(changes.size() == 2);
    CHECK(changes[1].members.size() == 2);
  }
  SECTION("a group tombstone deletes the group and stops what it read") {
    h.Feed(Commit("trending", "stocktrades", 0, 5, 1500), 1500);
    h.Feed(GroupMetadataTombstone{"trending"}, 3000);
    CHECK(h.sink.Of<GroupDeleted>().size() == 1);
    const auto stopped = h.sink.Of<ConsumerStopped>();
    REQUIRE(stopped.size() == 1);
    CHECK(stopped[0].reason == "group_deleted");
    CHECK(h.sink.fold.empty());
  }
  SECTION("non-consumer protocols are groups without topics") {
    GroupMetadata connect;
    connect.group = "connect-cluster";
    connect.protocol_type = "connect";
    connect.protocol = "sessioned";
    co::GroupMember worker;
    worker.member_id = "w-1";
    worker.client_id = "connect-1";
    worker.subscription_bytes = std::string("\x00\x01opaque", 8);
    connect.members = {worker};
    h.Feed(connect, 1000);
    const auto changes = h.sink.Of<GroupMembersChanged>();
    REQUIRE(changes.size() == 2);
    CHECK(changes[1].protocol_type == "connect");
    CHECK(changes[1].members[0].topics.empty());
  }
}

TEST_CASE("KIP-848 groups resolve assignments by topic id") {
  Harness h;
  ConsumerGroupMemberMetadata member;
  member.group = "fraud";
  member.member_id = "m-1";
  member.client_id = "fraud-app";
  member.client_host = "/10.0.0.2";
  member.subscribed_topic_names = {"payments"};
  h.Feed(member, 1000);
  auto changes = h.sink.Of<GroupMembersChanged>();
  REQUIRE_FALSE(changes.empty());
  CHECK(changes.back().members[0].topics == std::vector<std::string>{"payments"});

  ConsumerGroupCurrentMemberAssignment assignment;
  assignment.group = "fraud";
  assignment.member_id = "m-1";
  Uuid refunds_id;
  refunds_id.bytes[15] = 7;
  assignment.assigned_partitions = {{refunds_id, {0, 1}, {}}};
  h.Feed(assignment, 2000);
  // The id is not resolvable yet: the member still shows its subscription only.
  CHECK(h.sink.Of<GroupMembersChanged>().back().members[0].topics ==
        std::vector<std::string>{"payments"});

  ConsumerGroupPartitionMetadata metadata;
  metadata.group = "fraud";
  metadata.topics = {{refunds_id, "refunds", 2, {}, {}}};
  h.Feed(metadata, 3000);
  CHECK(h.sink.Of<GroupMembersChanged>().back().members[0].topics ==
        std::vector<std::string>{"payments", "refunds"});

  SECTION("a member tombstone is a member leaving") {
    h.Feed(ConsumerGroupMemberMetadataTombstone{"fraud", "m-1"}, 4000);
    CHECK(h.sink.Of<GroupMembersChanged>().back().members.empty());
  }
  SECTION("a consumer group tombstone deletes the group") {
    h.Feed(ConsumerGroupMetadataTombstone{"fraud"}, 4000);
    CHECK(h.sink.Of<GroupDeleted>().size() == 1);
  }
}

TEST_CASE(
    "KIP-848: a known topic name under a new topic id is the topic deleted and created again, "
    "once, across a restart, and a group's stale metadata changes nothing") {
  Harness h;
  Uuid first;
  first.bytes[15] = 1;
  Uuid second;
  second.bytes[15] = 2;
  const auto metadata = [](std::string group, Uuid id) {
    ConsumerGroupPartitionMetadata m;
    m.group = std::move(group);
    m.topics = {{id, "payments", 3, {}, {}}};
    return m;
  };
  h.Feed(metadata("fraud", first), 1000);
  h.Feed(metadata("billing", first), 1500);  // another group, the same topic
  CHECK(h.sink.Of<TopicDeleted>().empty());
  CHECK(h.sink.Of<TopicCreated>().empty());

  h.Feed(metadata("fraud", second), 5000);
  REQUIRE(h.sink.Of<TopicDeleted>().size() == 1);
  REQUIRE(h.sink.Of<TopicCreated>().size() == 1);
  CHECK(h.sink.Of<TopicDeleted>()[0].topic.str() == "topic:local/payments");
  CHECK(h.sink.Of<TopicDeleted>()[0].via == "consumer_offsets");
  CHECK(h.sink.Of<TopicCreated>()[0].topic.str() == "topic:local/payments");
  for (const auto& e : h.sink.events) {
    if (std::holds_alternative<TopicDeleted>(e.event) ||
        std::holds_alternative<TopicCreated>(e.event)) {
      CHECK(ToMillis(e.time) == 5000);  // the record's time
    }
  }

  // billing's metadata still names the old id, then catches up: nothing more.
  h.Feed(metadata("billing", first), 5200);
  h.Feed(metadata("billing", second), 5400);
  CHECK(h.sink.Of<TopicDeleted>().size() == 1);
  // After a restart the ids are remembered: no first sighting again.
  h.Restart();
  h.sink.ClearEvents();
  h.Feed(metadata("fraud", second), 6000);
  h.Feed(metadata("fraud", first), 6100);
  CHECK(h.sink.Of<TopicDeleted>().empty());
  // A third incarnation is a deletion again.
  Uuid third;
  third.bytes[15] = 3;
  h.Feed(metadata("fraud", third), 9000);
  CHECK(h.sink.Of<TopicDeleted>().size() == 1);
  CHECK(h.sink.Of<TopicCreated>().size() == 1);
}

TEST_CASE("records Tributary does not use are skipped and broken ones quarantined") {
  Harness h;
  ConsumerGroupTargetAssignmentMetadata target;
  target.group = "fraud";
  target.assignment_epoch = 3;
  h.Feed(target, 1000);
  CHECK(h.sink.events.empty());
  CHECK(h.sink.quarantined.empty());
  CHECK(h.translator().skipped() == 1);

  h.FeedRaw(std::string_view("\x00\x01\x00", 3), std::string_view("\x00\x03", 2));
  h.FeedRaw(std::string_view("\x7f\x7f", 2), std::nullopt);
  h.FeedRaw(std::nullopt, std::nullopt);
  CHECK(h.sink.quarantined.size() == 3);
  CHECK(h.sink.events.empty());
}

TEST_CASE("the fold state restores exactly after a restart") {
  Harness h;
  h.Feed(Commit("trending", "stocktrades", 0, 5, 0), 0);
  GroupMetadata g;
  g.group = "trending";
  g.protocol_type = "consumer";
  g.protocol = "range";
  g.members = {ClassicMember("m-1", "app-1", {"stocktrades"})};
  h.Feed(g, 0);
  h.Restart();
  h.sink.ClearEvents();

  SECTION("a known consumer does not start again") {
    h.Feed(Commit("trending", "stocktrades", 0, 6, kMinute), kMinute);
    CHECK(h.sink.events.empty());
  }
  SECTION("known members are not reported again") {
    g.generation = 9;
    h.Feed(g, kMinute);
    CHECK(h.sink.events.empty());
  }
  SECTION("timers continue where they were") {
    h.Tick(15 * kMinute);
    CHECK(h.sink.Of<ConsumerStopped>().size() == 1);
  }
}
