// Change-tracking figure (issue: change tracking): deciding a breaking change on
// a topic with 10k downstream consumers across 1k teams, intents committed.
//
// One timed step is what the writer thread does when a schema version arrives:
// append the schema_registered event, apply it to every projection (catalog,
// schemas, lineage, tracker), decide (FULL_TRANSITIVE check, impact over the
// graph, one intent per team) and commit the decision and its 1,000 intents in
// one transaction (synchronous=FULL). Prints the median and the slowest run.
// Usage: tracking_bench [--consumers N] [--teams T] [--runs R] [--dir D]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "graph/lineage_projection.h"
#include "log/log_writer.h"
#include "store/projection_host.h"
#include "tracking/tracker.h"

using namespace tributary;
using Stopwatch = std::chrono::steady_clock;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Schema(int version) {
  // The price field flips between double and string: every version breaks.
  return std::string(
             R"({"type":"record","name":"Trade","fields":[{"name":"symbol","type":"string"},)") +
         R"({"name":"price","type":")" + (version % 2 == 0 ? "string" : "double") + R"("}]})";
}

Batch Events(std::vector<NewEvent> events) {
  Batch batch;
  batch.events = std::move(events);
  return batch;
}

NewEvent Api(DomainEvent event, std::int64_t ms) {
  return NewEvent{std::move(event), FromMillis(ms), "bench", std::nullopt, std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
  int consumers = 10000;
  int teams = 1000;
  int runs = 15;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "tributary-tracking-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--consumers") {
      consumers = std::atoi(argv[i + 1]);
    } else if (flag == "--teams") {
      teams = std::atoi(argv[i + 1]);
    } else if (flag == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (flag == "--dir") {
      dir = argv[i + 1];
    }
  }
  std::filesystem::remove_all(dir);
  SystemClock clock;
  auto log = std::move(EventLog::Open(dir, clock)).value();
  CatalogProjection catalog;
  SchemaProjection schemas;
  graph::LineageProjection lineage;
  tracking::TrackingOptions options;
  options.clusters = {"prod"};
  tracking::Tracker tracker(options, catalog, schemas, [&] { return lineage.snapshot(); });
  ProjectionHost host(*log, {&catalog, &schemas, &lineage, &tracker});
  host.SetAfterApply([&] {
    lineage.Publish();
    tracker.Publish();
  });
  if (!host.Recover().ok()) {
    return 1;
  }
  log::LogWriter writer(*log, host);
  if (!writer.SetDecider(tracker).ok()) {
    return 1;
  }

  // The estate: one product, its first schema, 10k consumer groups, each owned
  // by one of 1k teams, under NONE (the registry lets anything in).
  std::int64_t t = 1764080206000;
  const auto topic = NodeId::Topic("prod", "stocktrades");
  std::vector<NewEvent> setup;
  ProductPublished product;
  product.product = "stocktrades";
  product.cluster = "prod";
  product.topic = "stocktrades";
  product.owner = "execution";
  product.schema_subject = "stocktrades-value";
  setup.push_back(Api(product, t));
  setup.push_back(Api(CompatibilityLevelChanged{std::string("stocktrades-value"), "NONE"}, t));
  setup.push_back(Api(SchemaRegistered{"stocktrades-value", 1, 1, "AVRO", Schema(1), {}}, t));
  for (int i = 0; i < consumers; ++i) {
    const auto group = NodeId::Group("prod", "consumer-" + std::to_string(i));
    setup.push_back(Api(ConsumerStarted{group, topic, "observed", "consumer_offsets"}, t));
    setup.push_back(Api(OwnershipAssigned{group, "team-" + std::to_string(i % teams)}, t));
  }
  if (auto r = writer.Commit(Events(std::move(setup))); !r.ok()) {
    std::fprintf(stderr, "setup: %s\n", r.status().ToString().c_str());
    return 1;
  }

  std::vector<double> ms;
  std::int64_t intents_before = 0;
  for (int run = 0; run < runs; ++run) {
    const int version = run + 2;
    std::vector<NewEvent> change;
    change.push_back(
        Api(SchemaRegistered{"stocktrades-value", version, version, "AVRO", Schema(version), {}},
            t + version));
    const auto start = Stopwatch::now();
    auto r = writer.Commit(Events(std::move(change)));
    const auto elapsed = std::chrono::duration<double, std::milli>(Stopwatch::now() - start);
    if (!r.ok()) {
      std::fprintf(stderr, "run %d: %s\n", run, r.status().ToString().c_str());
      return 1;
    }
    const auto intents = log->database().execAndGet("SELECT count(*) FROM outbox").getInt64();
    if (intents - intents_before != teams) {
      std::fprintf(stderr, "run %d: expected %d intents, got %lld\n", run, teams,
                   static_cast<long long>(intents - intents_before));
      return 1;
    }
    intents_before = intents;
    ms.push_back(elapsed.count());
  }
  std::printf(
      "breaking change, %d consumers across %d teams, %d intents committed: median %.1f ms,"
      " slowest %.1f ms (%d runs; target < 100 ms)\n",
      consumers, teams, teams, Median(ms), *std::max_element(ms.begin(), ms.end()), runs);
  std::filesystem::remove_all(dir);
  return 0;
}
