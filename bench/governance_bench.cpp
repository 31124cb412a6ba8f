// governance_bench: what policies cost (issue 15, "What must be shown").
//
//   governance_bench [PRODUCTS=100000] [RUNS=3] [evaluate]
//
// 1. The ingest path, policies on vs off: the same backlog (per product: a
//    product_published, a schema_registered with a PII-tagged Avro field, a
//    consumer_started), committed in batches of 1000 through the real log
//    writer (SQLite, every projection, the tracker and the governance
//    decider), once with 10 policies (every built-in kind and three jq
//    expressions) and once with none; the median of RUNS runs of each,
//    interleaved in the same process.
// 2. Evaluating every product against the 10 policies after a full replay
//    (Governance::EvaluateAll over the rebuilt projections), median of RUNS.
//
// With `evaluate`, only 2.: the backlog is appended to the log as it is (no
// projections, no deciders: the ingest comparison is skipped), then replayed
// and evaluated with the 10 policies.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "governance/governance.h"
#include "graph/lineage_projection.h"
#include "log/log_writer.h"
#include "store/event_log.h"
#include "store/projection_host.h"
#include "support/temp_dir.h"
#include "ten_policies.h"
#include "tracking/tracker.h"

using namespace tributary;
using Steady = std::chrono::steady_clock;

namespace {

std::vector<Batch> Backlog(int products) {
  std::vector<Batch> out;
  const Timestamp t0 = FromMillis(1'700'000'000'000);
  Batch b;
  for (int i = 0; i < products; ++i) {
    const auto name = "product-" + std::to_string(i);
    ProductPublished p;
    p.product = name;
    p.cluster = "local";
    p.topic = name;
    p.domain = "domain-" + std::to_string(i % 20);
    p.owner = "team-" + std::to_string(i % 50);
    p.description = "product number " + std::to_string(i);
    p.quality = "curated";
    p.sla = i % 3 == 0 ? "tier-1" : "tier-2";
    if (i % 2 == 0) {
      p.tags = {"pii"};
    }
    p.allowed_regions = {"eu-west-1"};
    SchemaRegistered s;
    s.subject = name + "-value";
    s.version = 1;
    s.schema_id = i + 1;
    // A schema of its own per product, as in an estate (no two evaluations
    // share a parsed schema by accident).
    s.schema = R"({"type":"record","name":"R)" + std::to_string(i) +
               R"(","fields":[{"name":"id","type":"string"},)"
               R"({"name":"email","type":"string","confluent:tags":["PII"]}]})";
    ConsumerStarted c{NodeId::FromTrusted("group:local/reader-" + std::to_string(i)),
                      NodeId::Topic("local", name), "observed", "consumer_offsets"};
    const auto t = t0 + std::chrono::milliseconds(i);
    b.events.push_back({p, t, "bench", std::nullopt, std::nullopt});
    b.events.push_back({s, t, "bench", std::nullopt, std::nullopt});
    b.events.push_back({c, t, "bench", std::nullopt, std::nullopt});
    if (b.events.size() >= 1000) {
      out.push_back(std::move(b));
      b = Batch{};
    }
  }
  if (!b.events.empty()) {
    out.push_back(std::move(b));
  }
  return out;
}

struct Stack {
  explicit Stack(const std::filesystem::path& dir, std::shared_ptr<const governance::PolicySet> p)
      : log(std::move(EventLog::Open(dir, clock)).value()),
        lineage(graph::Routes{}),
        tracker({}, catalog, schemas, [this] { return lineage.snapshot(); }),
        governance(Options(std::move(p)), catalog, schemas, [this] { return lineage.snapshot(); }),
        chain({&tracker, &governance}),
        host(*log, {&catalog, &schemas, &lineage, &tracker, &governance}),
        writer(*log, host) {
    host.SetAfterApply([this] {
      lineage.Publish();
      catalog.Publish();
      governance.Publish();
    });
    (void)host.Recover();
    (void)writer.SetDecider(chain);
  }
  static governance::GovernanceOptions Options(std::shared_ptr<const governance::PolicySet> p) {
    governance::GovernanceOptions o;
    o.team = "governance";
    o.regions = {{"local", "eu-west-1"}};
    o.policies = std::move(p);
    return o;
  }
  FakeClock clock{FromMillis(1'700'000'000'000)};
  std::unique_ptr<EventLog> log;
  CatalogProjection catalog;
  SchemaProjection schemas;
  graph::LineageProjection lineage;
  tracking::Tracker tracker;
  governance::Governance governance;
  DeciderSet chain;
  ProjectionHost host;
  log::LogWriter writer;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Seconds(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Replays `log` from zero into fresh projections, then evaluates every
// product against `policies`: the seconds the evaluation took (not the
// replay), and the violations found. Negative seconds: the replay failed.
double EvaluateAfterReplay(EventLog& log, std::shared_ptr<const governance::PolicySet> policies,
                           std::size_t& violations) {
  CatalogProjection catalog;
  SchemaProjection schemas;
  graph::LineageProjection lineage(graph::Routes{});
  governance::Governance rebuilt(Stack::Options(std::move(policies)), catalog, schemas,
                                 [&] { return lineage.snapshot(); });
  ProjectionHost host(log, {&catalog, &schemas, &lineage, &rebuilt});
  if (!host.Replay().ok()) {
    return -1;
  }
  lineage.Publish();
  const auto e0 = Steady::now();
  violations = rebuilt.EvaluateAll();
  return Seconds(e0, Steady::now());
}

}  // namespace

int main(int argc, char** argv) {
  const int products = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
  const bool evaluate_only = argc > 3 && std::string(argv[3]) == "evaluate";
  const auto policies = bench::TenPolicies();
  if (!policies) {
    std::fprintf(stderr, "policies do not compile\n");
    return 1;
  }
  const auto none = governance::PolicySet::Compile({}, {}).value();
  std::vector<double> on, off, full;
  std::size_t violations = 0;
  std::size_t opened = 0;
  std::int64_t events = 0;
  if (evaluate_only) {
    std::printf("governance_bench: %d products x %zu policies, evaluation only, %d runs\n",
                products, policies->size(), runs);
    for (int run = 0; run < runs; ++run) {
      // The backlog appended to the log as it is (no projections, no
      // deciders): only the replay and the evaluation matter here.
      testing::TempDir dir;
      FakeClock clock{FromMillis(1'700'000'000'000)};
      auto log = std::move(EventLog::Open(dir.path(), clock)).value();
      for (const auto& b : Backlog(products)) {
        if (!log->Append(b).ok()) {
          std::fprintf(stderr, "append failed\n");
          return 1;
        }
      }
      const double s = EvaluateAfterReplay(*log, policies, violations);
      if (s < 0) {
        std::fprintf(stderr, "replay failed\n");
        return 1;
      }
      full.push_back(s);
      std::printf("  run %d: %.0f ms\n", run + 1, s * 1e3);
      std::fflush(stdout);
    }
    std::printf(
        "full evaluation after replay: %.0f ms for %d products x %zu policies (%.2f us/product), "
        "%zu violations\n",
        Median(full) * 1e3, products, policies->size(), Median(full) * 1e6 / products, violations);
    return 0;
  }
  std::printf("governance_bench: %d products x %zu policies, %d runs\n", products, policies->size(),
              runs);
  for (int run = 0; run < runs; ++run) {
    for (const bool with : {true, false}) {
      testing::TempDir dir;
      auto backlog = Backlog(products);
      std::size_t n = 0;
      for (const auto& b : backlog) {
        n += b.events.size();
      }
      events = static_cast<std::int64_t>(n);
      Stack stack(dir.path(), with ? policies : none);
      const auto a = Steady::now();
      for (auto& b : backlog) {
        if (!stack.writer.Commit(std::move(b)).ok()) {
          std::fprintf(stderr, "commit failed\n");
          return 1;
        }
      }
      const auto z = Steady::now();
      (with ? on : off).push_back(Seconds(a, z));
      if (with) {
        opened = stack.governance.state().violations.size();
        // A full replay, then every product against every policy.
        const double s = EvaluateAfterReplay(*stack.log, policies, violations);
        if (s < 0) {
          std::fprintf(stderr, "replay failed\n");
          return 1;
        }
        full.push_back(s);
      }
    }
  }
  const double m_on = Median(on);
  const double m_off = Median(off);
  std::printf("ingest, policies off: %.2f s for %lld events (%.1f us/event)\n", m_off,
              static_cast<long long>(events), m_off * 1e6 / static_cast<double>(events));
  std::printf(
      "ingest, policies on : %.2f s for %lld events (%.1f us/event), %zu violations opened\n", m_on,
      static_cast<long long>(events), m_on * 1e6 / static_cast<double>(events), opened);
  std::printf("policy overhead on the ingest path: %+.1f%% (target <= 10%%)\n",
              (m_on / m_off - 1.0) * 100.0);
  std::printf(
      "full evaluation after replay: %.0f ms for %d products x %zu policies (%.2f us/product), %zu "
      "violations\n",
      Median(full) * 1e3, products, policies->size(), Median(full) * 1e6 / products, violations);
  return 0;
}
