// Lineage graph benchmark: a synthetic estate of 100k topics, 50k consumer
// groups, 20k principals and about 1M edges, applied as domain events in
// batches with a Publish() after each. Prints memory per edge, Publish() time,
// downstream lineage (depth 3) latency over random roots, and the transitive
// impact of a hub topic.
//
// Usage: graph_bench [--edges N] [--seed N]

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "graph/lineage_projection.h"
#include "graph/queries.h"
#include "http/routes/graph_render.h"

namespace {

using namespace tributary;
using namespace tributary::graph;
using SteadyClock = std::chrono::steady_clock;

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  return -1;
}

double Micros(SteadyClock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Estate {
  int topics = 100'000;
  int groups = 50'000;
  int principals = 20'000;
  int jobs = 5'000;
  long target_edges = 1'000'000;
};

std::string TopicName(int i) {
  return "domain" + std::to_string(i % 40) + ".events.v" + std::to_string(i);
}

}  // namespace

int main(int argc, char** argv) {
  Estate estate;
  std::uint32_t seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--edges") == 0) {
      estate.target_edges = std::atol(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--seed") == 0) {
      seed = static_cast<std::uint32_t>(std::atol(argv[i + 1]));
    }
  }
  std::mt19937_64 rng(seed);
  const auto uniform = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  // Popular topics are read more: index = n * u^2 skews towards low indices.
  const auto skewed = [&](int n) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::min(n - 1, static_cast<int>(n * u * u));
  };
  const auto topic = [&](int i) { return NodeId::Topic("prod", TopicName(i)); };
  const auto group = [&](int i) { return NodeId::Group("prod", "app-" + std::to_string(i)); };
  const auto principal = [&](int i) { return NodeId::Principal("User:svc-" + std::to_string(i)); };
  const auto job = [&](int i) { return NodeId::Job("flink", "job-" + std::to_string(i)); };

  malloc_trim(0);
  const long rss_before = RssKb();

  LineageProjection projection(
      {{"group:*/app-1*", "team-one"}, {"principal:User:svc-2*", "team-two"}});
  std::int64_t seq = 0;
  std::int64_t now_ms = 1'700'000'000'000;
  std::vector<double> publish_us;
  std::size_t in_batch = 0;
  std::size_t events = 0;
  const std::size_t batch = 5'000;
  const auto apply = [&](DomainEvent e) {
    now_ms += 1000;
    projection.Apply(EventRecord{EventSeq(++seq), FromMillis(now_ms), FromMillis(now_ms), "bench",
                                 std::move(e)});
    ++events;
    if (++in_batch == batch) {
      const auto t0 = SteadyClock::now();
      projection.Publish();
      publish_us.push_back(Micros(SteadyClock::now() - t0));
      in_batch = 0;
    }
  };
  const auto load_start = SteadyClock::now();

  // Catalog: teams and a product on every tenth topic.
  for (int t = 0; t < 50; ++t) {
    apply(TeamUpserted{"team-" + std::to_string(t),
                       "Team " + std::to_string(t),
                       {"team-" + std::to_string(t) + "-slack"}});
  }
  for (int i = 0; i < estate.topics; i += 10) {
    apply(ProductPublished{"product-" + std::to_string(i),
                           "prod",
                           TopicName(i),
                           "domain",
                           "team-" + std::to_string(i % 50),
                           "",
                           "curated",
                           "tier-2",
                           {},
                           std::nullopt});
  }
  // Producers: every topic has a producing principal.
  for (int i = 0; i < estate.topics; ++i) {
    apply(ProducerObserved{principal(uniform(estate.principals)), topic(i), "audit_log"});
  }
  // ACLs: a READ per principal on a popular topic, and some PREFIXED ones.
  for (int p = 0; p < estate.principals; ++p) {
    AclBinding acl{"prod",    "User:svc-" + std::to_string(p),
                   "TOPIC",   TopicName(skewed(estate.topics)),
                   "LITERAL", "READ",
                   "ALLOW",   "*"};
    if (p % 100 == 0) {
      acl.pattern_type = "PREFIXED";
      acl.resource_name = "domain" + std::to_string(p % 40) + ".events.v99";
    }
    apply(AclGranted{acl, "admin_api"});
  }
  // Jobs: read popular topics, write others.
  for (int j = 0; j < estate.jobs; ++j) {
    std::vector<NodeId> in;
    std::vector<NodeId> out;
    for (int k = 0; k < 3; ++k) {
      in.push_back(topic(k == 0 && j < 200 ? 0 : skewed(estate.topics)));
    }
    for (int k = 0; k < 2; ++k) {
      out.push_back(topic(uniform(estate.topics)));
    }
    apply(JobObserved{job(j), "run", "COMPLETE", in, out});
  }
  // Group membership.
  for (int g = 0; g < estate.groups; ++g) {
    std::vector<GroupMember> members;
    for (int m = 0; m < 3; ++m) {
      members.push_back(GroupMember{"member-" + std::to_string(m),
                                    "client-" + std::to_string(g),
                                    "/10.0.0." + std::to_string(m),
                                    {}});
    }
    apply(GroupMembersChanged{group(g), "consumer", "range", 1, members});
  }
  // Principals reading through the audit log.
  for (int p = 0; p < estate.principals; ++p) {
    for (int k = 0; k < 5; ++k) {
      apply(ConsumerStarted{principal(p), topic(skewed(estate.topics)), "observed", "audit_log"});
    }
  }
  // The hub: 3000 groups read topic 0.
  for (int g = 0; g < 3000; ++g) {
    apply(ConsumerStarted{group(g * 16), topic(0), "observed", "consumer_offsets"});
  }
  // Groups read topics until the estate has the target edge count; one read in
  // ten stops again and one in thirty of those restarts (time-travel intervals).
  while (projection.stats().edges < estate.target_edges) {
    const NodeId g = group(uniform(estate.groups));
    const NodeId t = topic(skewed(estate.topics));
    apply(ConsumerStarted{g, t, "observed", "consumer_offsets"});
    if (uniform(10) == 0) {
      apply(ConsumerStopped{g, t, "idle", std::nullopt});
      if (uniform(30) == 0) {
        apply(ConsumerStarted{g, t, "observed", "consumer_offsets"});
      }
    }
  }
  {
    const auto t0 = SteadyClock::now();
    projection.Publish();
    publish_us.push_back(Micros(SteadyClock::now() - t0));
  }
  const double load_s = std::chrono::duration<double>(SteadyClock::now() - load_start).count();
  // Let a CSR build still running off the writer thread finish, so the memory
  // figures are those of the settled graph.
  projection.PublishSettled();
  const long rss_loaded = RssKb();
  malloc_trim(0);
  const long rss_after = RssKb();
  const auto stats = projection.stats();
  const auto g = projection.snapshot();

  std::printf("graph_bench: estate of %u nodes, %u edges (%u extra intervals), %zu events\n",
              stats.nodes, stats.edges, stats.extra_intervals, events);
  std::printf("load: %.2f s (%.0f events/s), %llu CSR rebuilds\n", load_s,
              static_cast<double>(events) / load_s,
              static_cast<unsigned long long>(stats.base_rebuilds));
  std::printf("rss before: %ld KiB, after load: %ld KiB, after malloc_trim: %ld KiB\n", rss_before,
              rss_loaded, rss_after);
  std::printf("bytes per edge all-in: %.1f (target <= 100); writer storage estimate %.1f\n",
              static_cast<double>(rss_after - rss_before) * 1024.0 / stats.edges,
              static_cast<double>(stats.storage_bytes) / stats.edges);
  std::printf("publish after each %zu-event batch: p50 %.0f us, p99 %.0f us, max %.0f us (%zu)\n",
              batch, Percentile(publish_us, 0.5), Percentile(publish_us, 0.99),
              Percentile(publish_us, 1.0), publish_us.size());

  // Lineage, downstream, depth 3, over random roots.
  const auto lineage_latency = [&](const char* label, std::optional<Timestamp> at,
                                   bool topics_only) {
    std::vector<double> us;
    std::size_t nodes = 0;
    std::size_t largest = 0;
    std::mt19937 pick(7);
    LineageQuery q;
    q.depth = 3;
    q.at = at;
    for (int i = 0; i < 10'000; ++i) {
      std::uint32_t v = std::uniform_int_distribution<std::uint32_t>(0, g->node_count() - 1)(pick);
      if (topics_only) {
        while (g->node(v).kind != NodeKind::kTopic) {
          v = std::uniform_int_distribution<std::uint32_t>(0, g->node_count() - 1)(pick);
        }
      }
      q.root = std::string(g->id(v));
      const auto t0 = SteadyClock::now();
      const auto r = Lineage(*g, q);
      us.push_back(Micros(SteadyClock::now() - t0));
      if (r.ok()) {
        nodes += r->nodes.size();
        largest = std::max(largest, r->nodes.size());
      }
    }
    std::printf(
        "lineage %s depth 3: p50 %.1f us, p99 %.1f us (target < 50), max %.0f us; "
        "mean %.1f nodes, largest %zu\n",
        label, Percentile(us, 0.5), Percentile(us, 0.99), Percentile(us, 1.0),
        static_cast<double>(nodes) / 10'000.0, largest);
  };
  lineage_latency("downstream, random nodes, now", std::nullopt, false);
  lineage_latency("downstream, random topics, now", std::nullopt, true);
  lineage_latency("downstream, random topics, at mid-load", FromMillis(now_ms - 600'000'000), true);

  // Search (GET /api/v1/nodes?q=, the UI's /ui/search): the first 3 to 8
  // characters of a random node's name, ranked, at most 200 results.
  {
    std::vector<double> ms;
    std::size_t results = 0;
    std::mt19937 pick(11);
    SearchQuery q;
    q.limit = 200;
    for (int i = 0; i < 1'000; ++i) {
      const std::uint32_t v =
          std::uniform_int_distribution<std::uint32_t>(0, g->node_count() - 1)(pick);
      const auto name = ViewNode(*g, v).name;
      const auto length = std::uniform_int_distribution<std::size_t>(3, 8)(pick);
      q.q = std::string(name.substr(0, std::min(length, name.size())));
      const auto t0 = SteadyClock::now();
      results += Search(*g, q).size();
      ms.push_back(Micros(SteadyClock::now() - t0) / 1000.0);
    }
    std::printf(
        "search over %u nodes (a random name's first 3-8 characters, ranked, <= 200 results): "
        "p50 %.1f ms, p99 %.1f ms (target < 50), max %.1f ms; mean %.0f results\n",
        g->node_count(), Percentile(ms, 0.5), Percentile(ms, 0.99), Percentile(ms, 1.0),
        static_cast<double>(results) / 1'000.0);
  }

  // The hub's lineage picture (UI and format=svg): more than 150 nodes, so it
  // is drawn collapsed by team; the DOT and Graphviz's layout, timed apart.
  {
    LineageQuery q;
    q.root = topic(0).str();
    q.direction = Direction::kBoth;
    q.depth = 2;
    const auto result = Lineage(*g, q);
    std::vector<double> dot_ms;
    std::vector<double> svg_ms;
    std::size_t boxes = 0;
    for (int i = 0; i < 10; ++i) {
      const auto t0 = SteadyClock::now();
      const auto dot = http::LineageToDot(*g, *result);
      const auto t1 = SteadyClock::now();
      const auto svg = http::DotToSvg(dot);
      const auto t2 = SteadyClock::now();
      dot_ms.push_back(Micros(t1 - t0) / 1000.0);
      svg_ms.push_back(Micros(t2 - t1) / 1000.0);
      boxes = static_cast<std::size_t>(std::count(dot.begin(), dot.end(), '\n'));
      if (!svg.ok()) {
        std::printf("hub picture: %s\n", svg.status().ToString().c_str());
        break;
      }
    }
    std::printf(
        "hub picture (lineage of %s, both ways, depth 2: %zu nodes, %zu edges), collapsed by "
        "team to %zu DOT lines: DOT p50 %.1f ms, layout and SVG p50 %.1f ms\n",
        q.root.c_str(), result->nodes.size(), result->edges.size(), boxes, Percentile(dot_ms, 0.5),
        Percentile(svg_ms, 0.5));
  }

  // Impact of the hub.
  {
    const std::string hub = topic(0).str();
    std::vector<double> ms;
    std::size_t consumers = 0;
    std::size_t teams = 0;
    for (int i = 0; i < 20; ++i) {
      const auto t0 = SteadyClock::now();
      const auto r = Impact(*g, hub);
      ms.push_back(Micros(SteadyClock::now() - t0) / 1000.0);
      consumers = r->consumers.size();
      teams = r->teams.size();
    }
    std::printf(
        "impact of hub %s: %zu consumers, %zu teams; p50 %.2f ms, max %.2f ms "
        "(target < 20)\n",
        hub.c_str(), consumers, teams, Percentile(ms, 0.5), Percentile(ms, 1.0));
  }

  // Snapshot size and restore time, for the projection host.
  {
    auto t0 = SteadyClock::now();
    const std::string bytes = projection.Snapshot();
    const double snap_ms = Micros(SteadyClock::now() - t0) / 1000.0;
    LineageProjection restored;
    t0 = SteadyClock::now();
    const Status s = restored.Restore(bytes);
    const double restore_ms = Micros(SteadyClock::now() - t0) / 1000.0;
    std::printf("snapshot: %.1f MiB in %.0f ms; restore %s in %.0f ms\n",
                static_cast<double>(bytes.size()) / (1024.0 * 1024.0), snap_ms,
                s.ok() ? "ok" : s.ToString().c_str(), restore_ms);
  }
  return 0;
}
