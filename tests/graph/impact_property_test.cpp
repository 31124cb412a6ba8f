// Property: on random DAGs, Impact finds exactly the consumers a plain BFS over
// the test's own adjacency finds, at the same depths.

#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "graph/lineage_projection.h"
#include "graph/queries.h"
#include "graph_test_support.h"

namespace tributary::graph {
namespace {

using testing::Feed;
using testing::H;

struct Model {
  // Edges valid now, by source id, following the data.
  std::map<std::string, std::set<std::string>> out;
  std::vector<std::string> topics;
};

// The test's own reachability: every non-topic node downstream of root with its
// shortest distance.
std::map<std::string, int> Bfs(const Model& m, const std::string& root) {
  std::map<std::string, int> dist{{root, 0}};
  std::deque<std::string> queue{root};
  while (!queue.empty()) {
    const std::string v = queue.front();
    queue.pop_front();
    const auto it = m.out.find(v);
    if (it == m.out.end()) {
      continue;
    }
    for (const std::string& w : it->second) {
      if (dist.emplace(w, dist[v] + 1).second) {
        queue.push_back(w);
      }
    }
  }
  std::map<std::string, int> consumers;
  for (const auto& [id, d] : dist) {
    if (id != root && !id.starts_with("topic:")) {
      consumers.emplace(id, d);
    }
  }
  return consumers;
}

// Topics are ordered; a job reads topics before the ones it writes, so the
// graph is acyclic. Some edges are ended again so "now" differs from history.
void BuildRandomDag(std::uint32_t seed, LineageProjection& p, Model& m) {
  std::mt19937 rng(seed);
  Feed feed(p);
  const int topics = 1500;
  const int jobs = 600;
  const int groups = 900;
  const int principals = 300;
  for (int i = 0; i < topics; ++i) {
    m.topics.push_back(testing::Topic("t" + std::to_string(i)).str());
  }
  const auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int hour = 0;
  int events = 0;
  const auto publish_sometimes = [&] {
    if (++events % 97 == 0) {
      p.Publish();
    }
  };
  for (int j = 0; j < jobs; ++j) {
    const NodeId job = testing::Job("j" + std::to_string(j));
    const int split = pick(1, topics - 2);
    std::vector<NodeId> in;
    std::vector<NodeId> out;
    for (int k = pick(1, 3); k > 0; --k) {
      in.push_back(testing::Topic("t" + std::to_string(pick(0, split - 1))));
    }
    for (int k = pick(1, 3); k > 0; --k) {
      out.push_back(testing::Topic("t" + std::to_string(pick(split, topics - 1))));
    }
    feed(JobObserved{job, "r", "COMPLETE", in, out}, H(++hour));
    publish_sometimes();
    for (const auto& t : in) {
      m.out[t.str()].insert(job.str());
    }
    for (const auto& t : out) {
      m.out[job.str()].insert(t.str());
    }
  }
  for (int g = 0; g < groups; ++g) {
    const NodeId group = testing::Group("g" + std::to_string(g));
    for (int k = pick(1, 4); k > 0; --k) {
      const NodeId topic = testing::Topic("t" + std::to_string(pick(0, topics - 1)));
      feed(ConsumerStarted{group, topic, "observed", "co"}, H(++hour));
      publish_sometimes();
      if (pick(0, 4) == 0) {
        feed(ConsumerStopped{group, topic, "idle", std::nullopt}, H(++hour));
        publish_sometimes();
        m.out[topic.str()].erase(group.str());
      } else {
        m.out[topic.str()].insert(group.str());
      }
    }
  }
  for (int u = 0; u < principals; ++u) {
    const NodeId user = testing::User("u" + std::to_string(u));
    for (int k = pick(1, 3); k > 0; --k) {
      const NodeId topic = testing::Topic("t" + std::to_string(pick(0, topics - 1)));
      feed(ConsumerStarted{user, topic, "observed", "audit_log"}, H(++hour));
      publish_sometimes();
      m.out[topic.str()].insert(user.str());
    }
  }
  p.Publish();
}

TEST_CASE("impact equals the reachable set of an independent BFS on random DAGs") {
  for (const std::uint32_t seed : {1u, 2u, 3u}) {
    LineageProjection p;
    Model m;
    BuildRandomDag(seed, p, m);
    const auto g = p.snapshot();
    std::mt19937 rng(seed * 7919);
    for (int probe = 0; probe < 60; ++probe) {
      const std::string& root =
          m.topics[std::uniform_int_distribution<std::size_t>(0, m.topics.size() - 1)(rng)];
      if (g->Find(root) == kNone) {
        continue;  // a topic no event mentioned
      }
      const auto expected = Bfs(m, root);
      const auto impact = Impact(*g, root);
      REQUIRE(impact.ok());
      std::map<std::string, int> actual;
      for (const auto& c : impact->consumers) {
        actual.emplace(std::string(c.node.id), c.depth);
        const auto path = impact->path(c);
        REQUIRE(static_cast<int>(path.size()) == c.depth + 1);
        CHECK(path.front() == root);
        CHECK(path.back() == c.node.id);
        for (std::size_t k = 1; k < path.size(); ++k) {
          CHECK(m.out.at(std::string(path[k - 1])).contains(std::string(path[k])));
        }
      }
      INFO("seed " << seed << " root " << root);
      CHECK(actual == expected);
    }
  }
}

TEST_CASE("downstream lineage at full depth reaches the same nodes as impact") {
  LineageProjection p;
  Model m;
  BuildRandomDag(11, p, m);
  const auto g = p.snapshot();
  for (std::size_t i = 0; i < m.topics.size(); i += 37) {
    if (g->Find(m.topics[i]) == kNone) {
      continue;
    }
    LineageQuery q;
    q.root = m.topics[i];
    q.depth = kMaxDepth;
    const auto lineage = Lineage(*g, q);
    REQUIRE(lineage.ok());
    std::set<std::string> reached;
    for (const auto& n : lineage->nodes) {
      if (!n.id.starts_with("topic:")) {
        reached.emplace(n.id);
      }
    }
    std::set<std::string> expected;
    for (const auto& [id, d] : Bfs(m, m.topics[i])) {
      expected.insert(id);
    }
    CHECK(reached == expected);
  }
}

}  // namespace
}  // namespace tributary::graph
