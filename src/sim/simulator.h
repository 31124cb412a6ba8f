#pragma once
// Simulator: the living data mesh of `tributary demo`. It writes every real
// input format Tributary reads, over the Kafka protocol, to a cluster's source
// topics (DefaultSourceTopics(): in the demo, librdkafka's mock cluster):
//
//   __consumer_offsets          classic group offset commits and group metadata,
//                               KIP-848 consumer-group records (incl. a regex group)
//   _schemas                    schema versions, compatibility configs, mode, NOOP
//   confluent-audit-log-events  kafka.Produce / kafka.FetchConsumer / kafka.CreateAcls
//   tributary.catalog           products, deprecations, retirements, teams with
//                               contacts, ownership, ACLs created and deleted
//   openlineage.events          stream jobs reading and writing topics
//   market-ticks                where it exists (the demo creates it): records
//                               for the consumer-health story, read by a laggard
//                               heading for data loss and by a stalled group
//
// The mesh is a stock-trading company (domains execution, marketing, users,
// analytics). A scripted storyline repeats on a simulated clock that starts at
// the real now and runs `speed` times faster than the wall clock; record
// timestamps, commit timestamps and event times follow it. README-style
// timeline (simulated time from the start of a cycle; at speed 60 a simulated
// minute is a real second):
//
//   +0      mesh online (first cycle) / next stocktrades generation published;
//           schemas declare personal data (`confluent:tags` PII): users,
//           accounts, and us_enriched_stock_trades, whose product lacks the
//           `pii` tag (a policy violation)
//   +5m     compatible evolution of users-value (an optional field)
//   +8m     (first cycle) campaign_clicks published without a description
//           (a required-field miss), described at +32m
//   +10m    pageviews-value set to compatibility NONE
//   +12m    breaking pageviews-value version (viewtime changes type)
//   +16m    (first cycle) user-identity proposes a breaking users-value schema
//           over the API (POST /api/v1/proposals); growth (+18m) and
//           customer-insights (+20m) approve, analytics-streaming (+22m) rejects
//   +26m    (first cycle) a MirrorMaker 2 job starts copying users to the US
//           cluster (OpenLineage; a locality breach: users stays in eu-west-1)
//   +20m    the current stocktrades generation deprecated, sunset +3 days,
//           replaced by the next generation
//   +25m..  its consumers migrate one by one (dual read, then stop the old)
//   +30m    a new consumer arrives on the deprecated product
//   +45m    READ revoked from a principal that is actively fetching
//   sunset+6h  the deprecated generation is retired; +12h the next cycle
//
// Consumer health (first cycle on, where market-ticks exists): the product
// market-ticks keeps 6 hours (declared); risk-replay starts 4h30m behind and
// falls further behind (WARN, a data-loss risk from about +30m);
// ticks-archiver commits the same offset while records arrive (STALLED, ERR).
//
// Deterministic for a given seed apart from wall-clock timing: the same seed
// yields the same records in the same order (only the wall clock decides how
// far the run gets).
//
// Lifetime and thread-safety: Start() returns once the cluster answered and the
// simulation thread runs; Stop() (also run by the destructor) ends the thread,
// flushes the producer and is idempotent. Storyline() and records_produced()
// are thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::sim {

// The topic of the consumer-health story and its partitions, for whoever
// creates the cluster's topics (the demo).
inline constexpr const char* kMarketTicksTopic = "market-ticks";
inline constexpr int kMarketTicksPartitions = 3;

struct SimulatorOptions {
  std::string bootstrap_servers;
  std::uint64_t seed = 1;
  double speed = 60;                           // simulated seconds per real second
  std::string cluster = "demo";                // Tributary's cluster name (catalog events, ACLs)
  std::string cluster_id = "lkc-demo";         // audit-log CRNs read kafka=<cluster_id>
  std::string webhook_channel = "demo-inbox";  // every team's contacts
  std::string email_channel = "demo-email";
  // The simulated clock's origin: simulated time `origin` at steady time
  // `origin_steady`; unset, the real now when Start runs. The demo passes its
  // service clock's, so that both read the same time.
  std::optional<Timestamp> origin;
  std::chrono::steady_clock::time_point origin_steady{};
  // The OpenLineage namespace of the cluster the mirror job writes to (a
  // cluster the service knows by that bootstrap address, in another region).
  std::string mirror_namespace = "kafka://us-east-1.demo.internal:9092";
  // The service's HTTP API as the teams' tooling calls it: POST `path` with a
  // JSON body and a bearer token, returning the status (0: no answer) and the
  // body. Called from the simulation thread. Null: the API steps of the
  // storyline (a schema proposal and its sign-off) are skipped.
  std::function<std::pair<int, std::string>(const std::string& path, const std::string& body,
                                            const std::string& token)>
      api_post;
  std::map<std::string, std::string> team_tokens;  // team -> an owner token of it
};

class Simulator {
 public:
  // REQUIRES: options.bootstrap_servers names a reachable cluster with the
  // DefaultSourceTopics(); 0 < speed <= 1e6.
  static Result<std::unique_ptr<Simulator>> Start(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Ends the simulation thread and flushes the producer. Thread-safe; idempotent.
  void Stop();
  // What has happened so far, oldest first: "<simulated RFC 3339 time>  <what>"
  // (the last 1000 lines).
  std::vector<std::string> Storyline() const;
  // Records the cluster acknowledged.
  std::int64_t records_produced() const;

 private:
  class Impl;
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary::sim
