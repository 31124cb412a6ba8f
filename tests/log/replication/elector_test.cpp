// Leadership from the group coordinator (log/replication/elector), against
// librdkafka's mock cluster: exactly one member of the group leads, its epoch
// is the group generation, and when it leaves another member leads with a
// strictly larger epoch (the fencing token every replica compares).

#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "log/replication/elector.h"
#include "sim/mock_kafka.h"
#include "support/process.h"

using namespace tributary;
using namespace std::chrono_literals;
using tributary::log::replication::Elector;
using tributary::log::replication::ElectorOptions;
using tributary::log::replication::Leadership;
using tributary::testing::WaitUntil;

namespace {

// A plain librdkafka group member subscribed to `topic`.
class Member {
 public:
  Member(const std::string& bootstrap, const std::string& group, const std::string& topic) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [k, v] :
         std::vector<std::pair<std::string, std::string>>{{"bootstrap.servers", bootstrap},
                                                          {"group.id", group},
                                                          {"session.timeout.ms", "3000"},
                                                          {"heartbeat.interval.ms", "300"},
                                                          {"enable.auto.commit", "false"},
                                                          {"log_level", "3"}}) {
      REQUIRE(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) ==
              RD_KAFKA_CONF_OK);
    }
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    REQUIRE(rk_ != nullptr);
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    REQUIRE(rd_kafka_subscribe(rk_, topics) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);
  }
  ~Member() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  void Poll() {
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 20)) {
      rd_kafka_message_destroy(m);
    }
  }
  std::int32_t Generation() {
    auto g = Elector::GenerationOf(rk_);
    REQUIRE(g.ok());
    return *g;
  }
  rd_kafka_t* handle() { return rk_; }

 private:
  rd_kafka_t* rk_ = nullptr;
};

ElectorOptions Options(const std::string& bootstrap, const std::string& replica_id) {
  ElectorOptions o;
  o.kafka = {"local", bootstrap, {{"log_level", "3"}}};
  o.group_id = "tributary-test";
  o.commands_topic = "cmds";
  o.replica_id = replica_id;
  // Small, so that the mock coordinator's rebalance delays (about the session
  // timeout) keep the test short; heartbeat a tenth of it.
  o.session_timeout = 3000ms;
  o.heartbeat_interval = 300ms;
  return o;
}

}  // namespace

TEST_CASE("GenerationOf reads the generation of a real group member") {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"cmds", 1}})).value();

  SECTION("a member that has not joined yet has no generation; joining gives one") {
    Member first(kafka->bootstrap_servers(), "g", "cmds");
    CHECK(first.Generation() < 1);
    REQUIRE(WaitUntil(
        [&] {
          first.Poll();
          return first.Generation() > 0;
        },
        20s));
    const auto joined = first.Generation();

    // A second member makes the coordinator begin a new generation; both are in it.
    Member second(kafka->bootstrap_servers(), "g", "cmds");
    REQUIRE(WaitUntil(
        [&] {
          first.Poll();
          second.Poll();
          return second.Generation() > 0 && second.Generation() == first.Generation();
        },
        20s));
    CHECK(first.Generation() > joined);
  }
  SECTION("a client that is not a group member is an error, not a crash") {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", kafka->bootstrap_servers().c_str(), errstr,
                      sizeof errstr);
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    REQUIRE(producer != nullptr);
    auto g = Elector::GenerationOf(producer);
    rd_kafka_destroy(producer);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("not a group member"));
  }
}

TEST_CASE("one of two electors leads, and when it leaves the other leads with a larger epoch") {
  auto kafka = std::move(sim::MockKafka::Start(1, {{"cmds", 1}})).value();
  std::vector<std::unique_ptr<Elector>> electors;
  for (const char* id : {"tributary-0", "tributary-1"}) {
    auto e = Elector::Start(Options(kafka->bootstrap_servers(), id));
    INFO(e.status().ToString());
    REQUIRE(e.ok());
    electors.push_back(std::move(e).value());
  }
  const auto leaders = [&] {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < electors.size(); ++i) {
      if (electors[i] && electors[i]->leadership().leader) {
        out.push_back(i);
      }
    }
    return out;
  };

  REQUIRE(WaitUntil([&] { return leaders().size() == 1; }, 20s));
  // Never two at once, while the second member's join settles (a rebalance).
  bool never_two = true;
  WaitUntil(
      [&] {
        never_two = never_two && leaders().size() <= 1;
        return false;
      },
      3s);
  CHECK(never_two);
  REQUIRE(leaders().size() == 1);
  const std::size_t first = leaders().front();
  const std::size_t other = 1 - first;
  const Leadership led = electors[first]->leadership();
  CHECK(led.generation > 0);
  CHECK(electors[other]->leadership() == Leadership{false, 0});

  electors[first]->Stop();
  CHECK(electors[first]->leadership() == Leadership{false, 0});
  REQUIRE(WaitUntil([&] { return electors[other]->leadership().leader; }, 30s));
  const Leadership next = electors[other]->leadership();
  CHECK(next.generation > led.generation);
  CHECK_FALSE(electors[first]->leadership().leader);
}
