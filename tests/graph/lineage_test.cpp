// The lineage projection and its queries on hand-built graphs.

#include <atomic>
#include <future>
#include <set>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "graph/glob.h"
#include "graph/lineage_projection.h"
#include "graph/queries.h"
#include "graph_test_support.h"

namespace tributary::graph {
namespace {

using testing::Acl;
using testing::Feed;
using testing::Group;
using testing::H;
using testing::Job;
using testing::Topic;
using testing::User;

std::set<std::string> NodeIds(const LineageResult& r) {
  std::set<std::string> out;
  for (const auto& n : r.nodes) {
    out.emplace(n.id);
  }
  return out;
}

std::set<std::string> Edges(const LineageResult& r) {
  std::set<std::string> out;
  for (const auto& e : r.edges) {
    out.emplace(std::string(e.from) + " -> " + std::string(e.to));
  }
  return out;
}

LineageResult Query(const GraphSnapshot& g, const NodeId& root,
                    Direction direction = Direction::kDownstream, int depth = 3,
                    std::optional<Timestamp> at = std::nullopt, std::uint8_t kinds = kAllKinds,
                    std::uint8_t evidence = kAllEvidence) {
  LineageQuery q;
  q.root = root.str();
  q.direction = direction;
  q.depth = depth;
  q.at = at;
  q.kinds = kinds;
  q.evidence = evidence;
  auto r = Lineage(g, q);
  REQUIRE(r.ok());
  return std::move(r).value();
}

// producer -> orders -> enrich (job) -> enriched -> aggregate (job) -> totals -> billing (group)
void FeedChain(Feed& feed) {
  feed(ProducerObserved{User("shop"), Topic("orders"), "audit_log"}, H(0));
  feed(JobObserved{Job("enrich"), "r1", "COMPLETE", {Topic("orders")}, {Topic("enriched")}}, H(0));
  feed(JobObserved{Job("aggregate"), "r1", "COMPLETE", {Topic("enriched")}, {Topic("totals")}},
       H(0));
  feed(ConsumerStarted{Group("billing"), Topic("totals"), "observed", "consumer_offsets"}, H(0));
}

TEST_CASE("a consumer reading a topic is an edge from the topic to the consumer") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("trending"), Topic("trades"), "observed", "consumer_offsets"}, H(0));
  p.Publish();
  const auto g = p.snapshot();
  const auto r = Query(*g, Topic("trades"));
  REQUIRE(r.edges.size() == 1);
  CHECK(r.edges[0].from == "topic:local/trades");
  CHECK(r.edges[0].to == "group:local/trending");
  CHECK(r.edges[0].kind == EdgeKind::kConsumes);
  CHECK(r.edges[0].evidence == kObserved);
  CHECK(r.edges[0].active);
  CHECK(r.edges[0].first_seen == H(0));
  CHECK(r.nodes.front().id == "topic:local/trades");
}

TEST_CASE("depth counts edges and limits how far lineage follows") {
  LineageProjection p;
  Feed feed(p);
  FeedChain(feed);
  p.Publish();
  const auto g = p.snapshot();
  CHECK(NodeIds(Query(*g, Topic("orders"), Direction::kDownstream, 1)) ==
        std::set<std::string>{"topic:local/orders", "job:flink/enrich"});
  CHECK(NodeIds(Query(*g, Topic("orders"), Direction::kDownstream, 2)).size() == 3);
  CHECK(NodeIds(Query(*g, Topic("orders"), Direction::kDownstream, 5)) ==
        std::set<std::string>{"topic:local/orders", "job:flink/enrich", "topic:local/enriched",
                              "job:flink/aggregate", "topic:local/totals", "group:local/billing"});
  CHECK(Query(*g, Topic("orders"), Direction::kDownstream, 2).edges.size() == 2);
}

TEST_CASE("depth outside 1 to 100 is rejected") {
  LineageProjection p;
  Feed feed(p);
  FeedChain(feed);
  p.Publish();
  LineageQuery q;
  q.root = Topic("orders").str();
  q.depth = 0;
  CHECK(Lineage(*p.snapshot(), q).status().code() == ErrorCode::kInvalidArgument);
  q.depth = 101;
  CHECK(Lineage(*p.snapshot(), q).status().code() == ErrorCode::kInvalidArgument);
  q.depth = 100;
  CHECK(Lineage(*p.snapshot(), q).ok());
}

TEST_CASE("an unknown root is not found") {
  LineageProjection p;
  p.Publish();
  LineageQuery q;
  q.root = "topic:local/nope";
  CHECK(Lineage(*p.snapshot(), q).status().code() == ErrorCode::kNotFound);
  CHECK(Impact(*p.snapshot(), "group:local/nope").status().code() == ErrorCode::kNotFound);
  CHECK(Node(*p.snapshot(), "group:local/nope").status().code() == ErrorCode::kNotFound);
}

TEST_CASE("upstream follows the data backwards and both is the union of the two") {
  LineageProjection p;
  Feed feed(p);
  FeedChain(feed);
  p.Publish();
  const auto g = p.snapshot();
  CHECK(NodeIds(Query(*g, Topic("enriched"), Direction::kUpstream, 2)) ==
        std::set<std::string>{"topic:local/enriched", "job:flink/enrich", "topic:local/orders"});
  CHECK(NodeIds(Query(*g, Topic("enriched"), Direction::kDownstream, 2)) ==
        std::set<std::string>{"topic:local/enriched", "job:flink/aggregate", "topic:local/totals"});
  const auto both = Query(*g, Topic("enriched"), Direction::kBoth, 2);
  CHECK(NodeIds(both).size() == 5);
  CHECK(Edges(both).size() == 4);
  CHECK(both.nodes.front().id == "topic:local/enriched");
}

TEST_CASE("kind and evidence filters keep only matching edges") {
  LineageProjection p;
  Feed feed(p);
  feed(ProducerObserved{User("shop"), Topic("orders"), "audit_log"}, H(0));
  feed(ConsumerStarted{Group("billing"), Topic("orders"), "observed", "consumer_offsets"}, H(0));
  feed(AclGranted{Acl("analyst", "orders", "LITERAL", "READ"), "catalog"}, H(0));
  p.Publish();
  const auto g = p.snapshot();
  CHECK(Edges(Query(*g, Topic("orders"), Direction::kBoth, 1, std::nullopt, kProducesBit)) ==
        std::set<std::string>{"principal:User:shop -> topic:local/orders"});
  CHECK(
      Edges(Query(*g, Topic("orders"), Direction::kBoth, 1, std::nullopt, kAllKinds, kPermitted)) ==
      std::set<std::string>{"topic:local/orders -> principal:User:analyst"});
  CHECK(Edges(Query(*g, Topic("orders"), Direction::kDownstream, 1, std::nullopt, kConsumesBit,
                    kObserved)) ==
        std::set<std::string>{"topic:local/orders -> group:local/billing"});
  CHECK(ParseKinds("consumes,produces").value() == kAllKinds);
  CHECK(ParseEvidenceFilter("observed,declared").value() == (kObserved | kDeclared));
  CHECK_FALSE(ParseEvidenceFilter("rumoured").ok());
}

TEST_CASE("an edge that ended yesterday is visible an hour before it ended and not now") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("legacy"), Topic("orders"), "observed", "consumer_offsets"}, H(-72));
  feed(ConsumerStopped{Group("legacy"), Topic("orders"), "idle", H(-25)}, H(-24));
  p.Publish();
  const auto g = p.snapshot();
  const auto then = Query(*g, Topic("orders"), Direction::kDownstream, 3, H(-25));
  REQUIRE(then.edges.size() == 1);
  CHECK(then.edges[0].evidence == kObserved);
  CHECK_FALSE(then.edges[0].active);
  CHECK(then.edges[0].ended_at == H(-24));
  CHECK(then.edges[0].last_seen == H(-25));
  CHECK(Query(*g, Topic("orders")).edges.empty());
  CHECK(Query(*g, Topic("orders"), Direction::kDownstream, 3, H(-24)).edges.empty());
  // Before the node's first event it did not exist.
  LineageQuery before;
  before.root = Topic("orders").str();
  before.at = H(-100);
  CHECK(Lineage(*g, before).status().code() == ErrorCode::kNotFound);
}

TEST_CASE("an edge that restarts has two intervals and a gap between them") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("g"), Topic("t"), "observed", "consumer_offsets"}, H(0));
  feed(ConsumerStopped{Group("g"), Topic("t"), "idle", std::nullopt}, H(10));
  feed(ConsumerStarted{Group("g"), Topic("t"), "observed", "consumer_offsets"}, H(20));
  p.Publish();
  const auto g = p.snapshot();
  CHECK(Query(*g, Topic("t"), Direction::kDownstream, 1, H(5)).edges.size() == 1);
  CHECK(Query(*g, Topic("t"), Direction::kDownstream, 1, H(15)).edges.empty());
  CHECK(Query(*g, Topic("t"), Direction::kDownstream, 1, H(25)).edges.size() == 1);
  const auto now = Query(*g, Topic("t"));
  REQUIRE(now.edges.size() == 1);
  CHECK(now.edges[0].first_seen == H(0));
  CHECK(now.edges[0].last_seen == H(20));
  CHECK(now.edges[0].active);
}

TEST_CASE("a PREFIXED ACL covers existing topics and topics created after it") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("g"), Topic("stock.trades"), "observed", "consumer_offsets"}, H(0));
  feed(ConsumerStarted{Group("g"), Topic("bonds"), "observed", "consumer_offsets"}, H(0));
  feed(AclGranted{Acl("trending", "stock.", "PREFIXED", "READ"), "audit_log"}, H(1));
  feed(ConsumerStarted{Group("g"), Topic("stock.quotes"), "observed", "consumer_offsets"}, H(5));
  p.Publish();
  const auto g = p.snapshot();
  const auto up = Query(*g, User("trending"), Direction::kUpstream, 1);
  CHECK(Edges(up) == std::set<std::string>{"topic:local/stock.trades -> principal:User:trending",
                                           "topic:local/stock.quotes -> principal:User:trending"});
  for (const auto& e : up.edges) {
    CHECK(e.evidence == kPermitted);
    CHECK(e.first_seen == (e.from == "topic:local/stock.trades" ? H(1) : H(5)));
  }
}

TEST_CASE("a LITERAL wildcard ACL covers every topic of its own cluster only") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("g"), Topic("a"), "observed", "consumer_offsets"}, H(0));
  feed(ConsumerStarted{NodeId::Group("other", "g"), NodeId::Topic("other", "a"), "observed",
                       "consumer_offsets"},
       H(0));
  feed(AclGranted{Acl("ops", "*", "LITERAL", "ALL"), "catalog"}, H(1));
  feed(ConsumerStarted{Group("g"), Topic("b"), "observed", "consumer_offsets"}, H(2));
  p.Publish();
  const auto g = p.snapshot();
  CHECK(Edges(Query(*g, User("ops"), Direction::kBoth, 1)) ==
        std::set<std::string>{
            "topic:local/a -> principal:User:ops", "topic:local/b -> principal:User:ops",
            "principal:User:ops -> topic:local/a", "principal:User:ops -> topic:local/b"});
}

TEST_CASE("a WRITE ACL is a permitted produces edge and a DESCRIBE ACL is no edge") {
  LineageProjection p;
  Feed feed(p);
  feed(AclGranted{Acl("shop", "orders", "LITERAL", "WRITE"), "catalog"}, H(0));
  feed(AclGranted{Acl("browser", "orders", "LITERAL", "DESCRIBE"), "catalog"}, H(0));
  feed(ConsumerStarted{Group("g"), Topic("orders"), "observed", "consumer_offsets"}, H(1));
  p.Publish();
  const auto g = p.snapshot();
  CHECK(Edges(Query(*g, Topic("orders"), Direction::kUpstream, 1)) ==
        std::set<std::string>{"principal:User:shop -> topic:local/orders"});
  CHECK(g->Find("principal:User:browser") == kNone);
}

TEST_CASE("DENY overrides ALLOW and revoking the DENY permits again") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("g"), Topic("pay.cards"), "observed", "consumer_offsets"}, H(0));
  feed(ConsumerStarted{Group("g"), Topic("pay.refunds"), "observed", "consumer_offsets"}, H(0));
  feed(AclGranted{Acl("fraud", "pay.", "PREFIXED", "READ"), "catalog"}, H(1));
  feed(AclGranted{Acl("fraud", "pay.cards", "LITERAL", "READ", "DENY"), "catalog"}, H(2));
  p.Publish();
  const auto denied = p.snapshot();
  CHECK(Edges(Query(*denied, User("fraud"), Direction::kUpstream, 1)) ==
        std::set<std::string>{"topic:local/pay.refunds -> principal:User:fraud"});
  CHECK(Query(*denied, User("fraud"), Direction::kUpstream, 1, H(1)).edges.size() == 2);
  feed(AclRevoked{Acl("fraud", "pay.cards", "LITERAL", "READ", "DENY"), "catalog"}, H(3));
  p.Publish();
  CHECK(Query(*p.snapshot(), User("fraud"), Direction::kUpstream, 1).edges.size() == 2);
  // A wildcard principal DENY applies to every user.
  feed(AclGranted{AclBinding{"local", "User:*", "TOPIC", "pay.", "PREFIXED", "ALL", "DENY", "*"},
                  "catalog"},
       H(4));
  p.Publish();
  CHECK(Query(*p.snapshot(), User("fraud"), Direction::kUpstream, 1).edges.empty());
}

TEST_CASE("revoking an ACL ends the permitted interval but not observed reads") {
  LineageProjection p;
  Feed feed(p);
  feed(AclGranted{Acl("svc", "orders", "LITERAL", "READ"), "catalog"}, H(0));
  feed(ConsumerStarted{User("svc"), Topic("orders"), "observed", "audit_log"}, H(1));
  feed(AclRevoked{Acl("svc", "orders", "LITERAL", "READ"), "catalog"}, H(2));
  p.Publish();
  const auto g = p.snapshot();
  const auto now = Query(*g, Topic("orders"));
  REQUIRE(now.edges.size() == 1);
  CHECK(now.edges[0].evidence == kObserved);
  const auto before = Query(*g, Topic("orders"), Direction::kDownstream, 1, H(1));
  REQUIRE(before.edges.size() == 1);
  CHECK(before.edges[0].evidence == (kObserved | kPermitted));
}

TEST_CASE("a job reading and writing the same topic does not loop") {
  LineageProjection p;
  Feed feed(p);
  feed(JobObserved{Job("dedupe"), "r", "COMPLETE", {Topic("events")}, {Topic("events")}}, H(0));
  feed(ConsumerStarted{Group("g"), Topic("events"), "observed", "consumer_offsets"}, H(0));
  p.Publish();
  const auto g = p.snapshot();
  const auto r = Query(*g, Topic("events"), Direction::kBoth, 100);
  CHECK(NodeIds(r).size() == 3);
  CHECK(r.edges.size() == 3);
  const auto impact = Impact(*g, Topic("events").str());
  REQUIRE(impact.ok());
  CHECK(impact->consumers.size() == 2);
}

TEST_CASE("job_observed ends the edges no longer in the job's inputs or outputs") {
  LineageProjection p;
  Feed feed(p);
  feed(JobObserved{Job("j"), "r1", "COMPLETE", {Topic("a"), Topic("b")}, {Topic("out")}}, H(0));
  feed(JobObserved{Job("j"), "r2", "RUNNING", {}, {}}, H(1));  // says nothing about datasets
  feed(JobObserved{Job("j"), "r3", "COMPLETE", {Topic("a")}, {Topic("out2")}}, H(2));
  p.Publish();
  const auto g = p.snapshot();
  CHECK(Edges(Query(*g, Job("j"), Direction::kBoth, 1)) ==
        std::set<std::string>{"topic:local/a -> job:flink/j", "job:flink/j -> topic:local/out2"});
  CHECK(Query(*g, Job("j"), Direction::kBoth, 1, H(1)).edges.size() == 3);
}

TEST_CASE("group_deleted ends every edge of the group") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("g"), Topic("a"), "observed", "consumer_offsets"}, H(0));
  feed(ConsumerStarted{Group("g"), Topic("b"), "observed", "consumer_offsets"}, H(0));
  feed(GroupMembersChanged{Group("g"), "consumer", "range", 3, {{"m1", "app-1", "/h", {"a"}}}},
       H(0));
  feed(GroupDeleted{Group("g")}, H(1));
  p.Publish();
  const auto g = p.snapshot();
  CHECK(Query(*g, Group("g"), Direction::kUpstream, 1).edges.empty());
  CHECK(Query(*g, Group("g"), Direction::kUpstream, 1, H(0)).edges.size() == 2);
  const auto node = Node(*g, Group("g").str());
  REQUIRE(node.ok());
  const auto j = NodeToJson(*g, *node);
  CHECK(j["attributes"]["members"] == 1);
  CHECK(j["attributes"]["client_ids"] == nlohmann::json::array({"app-1"}));
  CHECK(j["attributes"]["protocol_type"] == "consumer");
}

TEST_CASE("ownership is explicit assignment then product owner then the first matching route") {
  LineageProjection p({{"group:*/payments-*", "payments"},
                       {"group:*", "platform"},
                       {"topic:local/ord??s", "orders-route"}});
  Feed feed(p);
  feed(ConsumerStarted{Group("payments-ledger"), Topic("orders"), "observed", "co"}, H(0));
  feed(ConsumerStarted{Group("search"), Topic("orders"), "observed", "co"}, H(0));
  feed(ConsumerStarted{Group("payments-explicit"), Topic("orders"), "observed", "co"}, H(0));
  feed(OwnershipAssigned{Group("payments-explicit"), "risk"}, H(1));
  p.Publish();
  auto g = p.snapshot();
  const auto owner = [&](const NodeId& id) {
    const auto o = g->OwnerOf(g->Find(id.str()));
    return o ? std::string(o->team) + "/" + std::string(ToString(o->source)) : std::string("-");
  };
  CHECK(owner(Group("payments-ledger")) == "payments/route");
  CHECK(owner(Group("search")) == "platform/route");
  CHECK(owner(Group("payments-explicit")) == "risk/explicit");
  CHECK(owner(Topic("orders")) == "orders-route/route");
  feed(ProductPublished{"orders",
                        "local",
                        "orders",
                        "sales",
                        "sales-team",
                        "Orders",
                        "curated",
                        "tier-1",
                        {},
                        std::nullopt},
       H(2));
  p.Publish();
  g = p.snapshot();
  CHECK(owner(Topic("orders")) == "sales-team/product");
  feed(OwnershipAssigned{Topic("orders"), "data-platform"}, H(3));
  p.Publish();
  g = p.snapshot();
  CHECK(owner(Topic("orders")) == "data-platform/explicit");
}

TEST_CASE("nodes no rule owns are reported as unresolved and never guessed") {
  LineageProjection p(Routes{{"group:local/known-*", "known"}});
  Feed feed(p);
  feed(ConsumerStarted{Group("known-1"), Topic("t"), "observed", "co"}, H(0));
  feed(ConsumerStarted{Group("stray"), Topic("t"), "observed", "co"}, H(0));
  feed(TeamUpserted{"known", "Known", {"known-slack"}}, H(0));
  p.Publish();
  const auto g = p.snapshot();
  const auto unresolved = UnresolvedOwnership(*g);
  CHECK(std::set<std::string_view>(unresolved.begin(), unresolved.end()) ==
        std::set<std::string_view>{"group:local/stray", "topic:local/t"});
  const auto impact = Impact(*g, Topic("t").str());
  REQUIRE(impact.ok());
  REQUIRE(impact->consumers.size() == 2);
  CHECK(impact->unresolved == std::vector<std::string_view>{"group:local/stray"});
  const auto j = ToJson(*impact);
  CHECK(j["consumers"][1]["team"].is_null());
}

TEST_CASE("glob star matches any run of characters including slashes and question mark one") {
  CHECK(GlobMatch("group:*/payments-*", "group:local/payments-ledger"));
  CHECK(GlobMatch("*", "anything/at/all"));
  CHECK(GlobMatch("topic:a/b?", "topic:a/bc"));
  CHECK_FALSE(GlobMatch("topic:a/b?", "topic:a/b"));
  CHECK(GlobMatch("job:*", "job:ns/deep/name"));
  CHECK_FALSE(GlobMatch("group:*/payments-*", "topic:local/payments-x"));
  CHECK(GlobMatch("a*b*c", "aXXbYYc"));
  CHECK_FALSE(GlobMatch("a*b*c", "aXXbYY"));
  CHECK(GlobMatch("", ""));
}

TEST_CASE("impact lists every transitive consumer with depth path and team contacts") {
  LineageProjection p({{"group:*", "analytics"}, {"job:*", "streaming"}});
  Feed feed(p);
  FeedChain(feed);
  feed(TeamUpserted{"analytics", "Analytics", {"analytics-slack", "analytics-email"}}, H(0));
  p.Publish();
  const auto g = p.snapshot();
  const auto r = Impact(*g, "topic:local/orders");
  REQUIRE(r.ok());
  REQUIRE(r->consumers.size() == 3);
  CHECK(r->consumers[0].node.id == "job:flink/enrich");
  CHECK(r->consumers[0].depth == 1);
  CHECK(r->consumers[2].node.id == "group:local/billing");
  CHECK(r->consumers[2].depth == 5);
  const auto path = r->path(r->consumers[2]);
  CHECK(std::vector<std::string_view>(path.begin(), path.end()) ==
        std::vector<std::string_view>{"topic:local/orders", "job:flink/enrich",
                                      "topic:local/enriched", "job:flink/aggregate",
                                      "topic:local/totals", "group:local/billing"});
  REQUIRE(r->teams.size() == 2);
  CHECK(r->teams[0].team == "analytics");
  CHECK(r->teams[0].contacts == std::vector<std::string>{"analytics-slack", "analytics-email"});
  CHECK(r->teams[1].team == "streaming");
  CHECK(r->teams[1].consumers.size() == 2);
  const auto j = ToJson(*r);
  CHECK(j["root"] == "topic:local/orders");
  CHECK(j["consumers"][0].contains("path"));
  CHECK(j["teams"][0]["contacts"].size() == 2);
}

TEST_CASE("path finds the shortest path along the data or reports none") {
  LineageProjection p;
  Feed feed(p);
  FeedChain(feed);
  p.Publish();
  const auto g = p.snapshot();
  auto r = Path(*g, "principal:User:shop", "group:local/billing");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->size() == 7);
  r = Path(*g, "group:local/billing", "principal:User:shop");
  REQUIRE(r.ok());
  CHECK_FALSE(r->has_value());
  r = Path(*g, "group:local/billing", "principal:User:shop", std::nullopt, Direction::kUpstream);
  REQUIRE(r.ok());
  CHECK(r->has_value());
  CHECK(Path(*g, "group:local/none", "topic:local/orders").status().code() == ErrorCode::kNotFound);
}

TEST_CASE(
    "search ranks the exact name first, then names that start with the query, then the rest") {
  LineageProjection p;
  Feed feed(p);
  for (const auto* topic : {"archive.orders", "orders.v2", "orders", "Orders-EU"}) {
    feed(
        ProductPublished{
            topic, "local", topic, "sales", "sales", "", "raw", "tier-2", {}, std::nullopt},
        H(0));
  }
  p.Publish();
  const auto g = p.snapshot();
  SearchQuery q;
  q.kind = NodeKind::kTopic;
  q.q = "orders";
  const auto r = Search(*g, q);
  std::vector<std::string> ids;
  for (const auto& n : r) {
    ids.emplace_back(n.id);
  }
  // Exact, then the prefixes by id ("Orders-EU" < "orders.v2": ids compare as
  // bytes), then the substring.
  CHECK(ids == std::vector<std::string>{"topic:local/orders", "topic:local/Orders-EU",
                                        "topic:local/orders.v2", "topic:local/archive.orders"});
  q.limit = 1;
  REQUIRE(Search(*g, q).size() == 1);
  CHECK(Search(*g, q)[0].id == "topic:local/orders");  // the limit keeps the best
  CHECK(SearchRank("orders", "orders", "orders") == 0);
  CHECK(SearchRank("ORDERS", "ORDERS", "orders") == 0);
  CHECK(SearchRank("orders.v2", "orders.v2", "orders") == 1);
  CHECK(SearchRank("trades", "trades every order", "order") == 2);
  CHECK(SearchRank("trades", "trades", "order") == -1);
  CHECK(SearchRank("trades", "trades", "") == 2);
}

TEST_CASE("search matches kind and a case-insensitive substring sorted by id") {
  LineageProjection p;
  Feed feed(p);
  FeedChain(feed);
  feed(
      ProductPublished{
          "Orders", "local", "orders", "sales", "sales", "", "raw", "tier-2", {}, std::nullopt},
      H(0));
  p.Publish();
  const auto g = p.snapshot();
  SearchQuery q;
  q.kind = NodeKind::kTopic;
  q.q = "ORDER";
  auto r = Search(*g, q);
  REQUIRE(r.size() == 1);
  CHECK(r[0].id == "topic:local/orders");
  CHECK(r[0].name == "orders");
  q.kind.reset();
  q.q = "r";
  q.limit = 2;
  r = Search(*g, q);
  REQUIRE(r.size() == 2);
  CHECK(r[0].id < r[1].id);
  const auto product = Node(*g, "product:Orders");
  REQUIRE(product.ok());
  CHECK(product->id == "topic:local/orders");
  const auto j = NodesToJson(*g, {*product});
  CHECK(j["nodes"][0]["attributes"]["product"] == "Orders");
  CHECK(j["nodes"][0]["attributes"]["status"] == "active");
  CHECK(j["nodes"][0]["kind"] == "topic");
}

// Regression: a dataset in a URI namespace was shown as "/demo-lake/daily_pnl".
TEST_CASE("a dataset node is shown by its OpenLineage name, as given") {
  LineageProjection p;
  Feed feed(p);
  const auto lake = NodeId::Dataset("s3://demo-lake", "daily_pnl");
  const auto file = NodeId::Dataset("file", "/data/x");
  const auto table = NodeId::Dataset("postgres://db:5432", "shop.public.orders");
  feed(JobObserved{Job("pnl"), "r1", "COMPLETE", {Topic("trades"), table}, {lake, file}}, H(0));
  p.Publish();
  const auto g = p.snapshot();
  const auto name_of = [&](const NodeId& id) {
    const auto node = Node(*g, id.str());
    REQUIRE(node.ok());
    return NodeToJson(*g, *node)["name"].get<std::string>();
  };
  CHECK(name_of(lake) == "daily_pnl");
  CHECK(name_of(file) == "/data/x");
  CHECK(name_of(table) == "shop.public.orders");
  const auto j = ToJson(*g, Query(*g, Job("pnl"), Direction::kDownstream, 1));
  std::set<std::string> names;
  for (const auto& n : j["nodes"]) {
    names.insert(n["name"].get<std::string>());
  }
  CHECK(names == std::set<std::string>{"pnl", "daily_pnl", "/data/x"});
}

TEST_CASE("product lifecycle events set the topic's status attributes") {
  LineageProjection p;
  Feed feed(p);
  feed(
      ProductPublished{
          "orders", "local", "orders", "sales", "sales", "", "raw", "tier-2", {}, std::nullopt},
      H(0));
  feed(ProductDeprecated{"orders", "replaced", H(100), std::string("orders.v2"), "ops"}, H(1));
  p.Publish();
  auto attrs = [&] {
    const auto g = p.snapshot();
    return NodeToJson(*g, *Node(*g, "product:orders"))["attributes"];
  };
  CHECK(attrs()["status"] == "deprecated");
  CHECK(attrs()["replacement"] == "orders.v2");
  feed(ProductUndeprecated{"orders", "ops"}, H(2));
  p.Publish();
  CHECK(attrs()["status"] == "active");
  CHECK_FALSE(attrs().contains("sunset"));
  feed(ProductUpdated{"orders", {{"owner", "billing"}}}, H(3));
  feed(ProductRetired{"orders", "ops"}, H(4));
  p.Publish();
  CHECK(attrs()["status"] == "retired");
  CHECK(attrs()["owner"] == "billing");
  CHECK(attrs()["team"] == "billing");
}

TEST_CASE("lineage JSON has exactly the fields of the API") {
  LineageProjection p;
  Feed feed(p);
  FeedChain(feed);
  p.Publish();
  const auto g = p.snapshot();
  const auto j = ToJson(*g, Query(*g, Topic("orders"), Direction::kDownstream, 1, H(1)));
  CHECK(j["root"] == "topic:local/orders");
  CHECK(j["at"] == FormatRfc3339(H(1)));
  std::set<std::string> node_keys;
  for (const auto& [k, v] : j["nodes"][0].items()) {
    node_keys.insert(k);
  }
  CHECK(node_keys == std::set<std::string>{"id", "kind", "name", "attributes"});
  std::set<std::string> edge_keys;
  for (const auto& [k, v] : j["edges"][0].items()) {
    edge_keys.insert(k);
  }
  CHECK(edge_keys == std::set<std::string>{"from", "to", "kind", "evidence", "first_seen",
                                           "last_seen", "active"});
  CHECK(j["edges"][0]["evidence"] == nlohmann::json::array({"observed"}));
  CHECK(j["edges"][0]["kind"] == "consumes");
}

// ---- determinism and publication --------------------------------------------------

// A mixed history touching every event type the projection reads.
void FeedHistory(Feed& feed) {
  FeedChain(feed);
  feed(AclGranted{Acl("svc", "ord", "PREFIXED", "READ"), "catalog"}, H(1));
  feed(AclGranted{Acl("svc", "orders", "LITERAL", "READ", "DENY"), "catalog"}, H(2));
  feed(ConsumerStarted{Group("a"), Topic("orders.v2"), "observed", "co"}, H(2));
  feed(ProductPublished{"orders",
                        "local",
                        "orders",
                        "sales",
                        "sales",
                        "d",
                        "raw",
                        "tier-1",
                        {"pii"},
                        std::string("orders-value")},
       H(3));
  feed(ProductDeprecated{"orders", "old", H(200), std::nullopt, "ops"}, H(4));
  feed(TeamUpserted{"sales", "Sales", {"sales-slack"}}, H(4));
  feed(OwnershipAssigned{Group("billing"), "finance"}, H(5));
  feed(GroupMembersChanged{Group("billing"), "consumer", "range", 1, {}}, H(5));
  feed(ConsumerStopped{Group("billing"), Topic("totals"), "idle", H(5)}, H(6));
  feed(ConsumerStarted{Group("billing"), Topic("totals"), "observed", "co"}, H(7));
  feed(JobObserved{Job("enrich"), "r2", "COMPLETE", {Topic("orders.v2")}, {Topic("enriched")}},
       H(8));
  feed(AclRevoked{Acl("svc", "ord", "PREFIXED", "READ"), "catalog"}, H(9));
  feed(GroupDeleted{Group("a")}, H(10));
}

TEST_CASE("restoring a snapshot gives the same digest and the same answers") {
  LineageProjection live(Routes{{"group:*", "platform"}});
  Feed feed(live);
  FeedHistory(feed);
  live.Publish();
  LineageProjection restored(Routes{{"group:*", "platform"}});
  REQUIRE(restored.Restore(live.Snapshot()).ok());
  restored.Publish();
  CHECK(restored.Digest() == live.Digest());
  const auto a = ToJson(*live.snapshot(),
                        Query(*live.snapshot(), Topic("orders"), Direction::kBoth, 10, H(3)));
  const auto b = ToJson(*restored.snapshot(),
                        Query(*restored.snapshot(), Topic("orders"), Direction::kBoth, 10, H(3)));
  CHECK(a == b);
  // ACLs survive the snapshot: a topic created after restore is covered.
  Feed more_live(live);
  Feed more_restored(restored);
  const ConsumerStarted later{Group("z"), Topic("orders.eu"), "observed", "co"};
  live.Apply(EventRecord{EventSeq(100), H(11), H(11), "t", later});
  restored.Apply(EventRecord{EventSeq(100), H(11), H(11), "t", later});
  CHECK(restored.Digest() == live.Digest());
  CHECK_FALSE(restored.Restore("not a snapshot").ok());
}

TEST_CASE("a captured snapshot is the state at the capture, whatever the writer does after") {
  LineageProjection live(Routes{{"group:*", "platform"}});
  Feed feed(live);
  FeedHistory(feed);
  const auto at_capture = live.Snapshot();
  const auto digest_at_capture = live.Digest();
  const auto job = live.CaptureSnapshot();
  // The writer goes on: new nodes and edges, ended intervals, changed
  // attributes and ACLs, in the chunks the capture shares.
  feed(ConsumerStopped{Group("billing"), Topic("totals"), "idle", H(20)}, H(20));
  feed(OwnershipAssigned{Group("billing"), "sales"}, H(21));
  feed(AclGranted{Acl("svc2", "tot", "PREFIXED", "READ"), "catalog"}, H(22));
  for (int i = 0; i < 300; ++i) {
    feed(ConsumerStarted{Group("new-" + std::to_string(i)), Topic("orders"), "observed", "co"},
         H(23));
  }
  live.Publish();
  REQUIRE(live.Digest() != digest_at_capture);
  // Serialized on another thread, as the background writer does.
  const auto image = std::async(std::launch::async, job).get();
  CHECK(image.state == at_capture);
  CHECK(image.digest == digest_at_capture);
  LineageProjection restored(Routes{{"group:*", "platform"}});
  REQUIRE(restored.Restore(image.state).ok());
  CHECK(restored.Digest() == digest_at_capture);
}

TEST_CASE("replaying the log from zero gives the same digest as applying it live") {
  LineageProjection live;
  Feed feed(live);
  FeedHistory(feed);
  // The live writer published between events; replay applies them in one go.
  LineageProjection replay;
  for (const auto& record : feed.records()) {
    replay.Apply(record);
  }
  CHECK(replay.Digest() == live.Digest());
  LineageProjection interleaved;
  for (const auto& record : feed.records()) {
    interleaved.Apply(record);
    interleaved.Publish();
  }
  CHECK(interleaved.Digest() == live.Digest());
  // Restoring a mid-way snapshot and applying the tail gives the same state.
  LineageProjection half;
  const auto& records = feed.records();
  for (std::size_t i = 0; i < records.size() / 2; ++i) {
    half.Apply(records[i]);
  }
  LineageProjection resumed;
  REQUIRE(resumed.Restore(half.Snapshot()).ok());
  for (std::size_t i = records.size() / 2; i < records.size(); ++i) {
    resumed.Apply(records[i]);
  }
  CHECK(resumed.Digest() == live.Digest());
  live.Reset();
  LineageProjection empty;
  CHECK(live.Digest() == empty.Digest());
}

TEST_CASE("a published snapshot never changes while the writer goes on") {
  LineageProjection p;
  Feed feed(p);
  feed(ConsumerStarted{Group("g"), Topic("t"), "observed", "co"}, H(0));
  p.Publish();
  const auto before = p.snapshot();
  feed(ConsumerStopped{Group("g"), Topic("t"), "idle", std::nullopt}, H(1));
  feed(ConsumerStarted{Group("h"), Topic("t"), "observed", "co"}, H(1));
  CHECK(Query(*before, Topic("t")).edges.size() == 1);
  CHECK(p.snapshot() == before);  // nothing visible until Publish
  p.Publish();
  CHECK(Query(*before, Topic("t")).edges.size() == 1);
  CHECK(Edges(Query(*before, Topic("t"))) ==
        std::set<std::string>{"topic:local/t -> group:local/g"});
  CHECK(Edges(Query(*p.snapshot(), Topic("t"))) ==
        std::set<std::string>{"topic:local/t -> group:local/h"});
}

TEST_CASE("readers on other threads see every batch whole while the writer publishes") {
  LineageProjection p;
  Feed feed(p);
  p.Publish();
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      const auto g = p.snapshot();
      // Each batch adds a group reading both topics; a whole batch has equal counts.
      const std::uint32_t a = g->Find("topic:local/a");
      const std::uint32_t b = g->Find("topic:local/b");
      if (a == kNone || b == kNone) {
        continue;
      }
      LineageQuery qa;
      qa.root = "topic:local/a";
      qa.depth = 1;
      LineageQuery qb = qa;
      qb.root = "topic:local/b";
      if (Lineage(*g, qa)->edges.size() != Lineage(*g, qb)->edges.size()) {
        ++torn;
      }
      ++reads;
    }
  });
  for (int i = 0; i < 3000; ++i) {
    const NodeId group = Group("g" + std::to_string(i));
    feed(ConsumerStarted{group, Topic("a"), "observed", "co"}, H(i));
    feed(ConsumerStarted{group, Topic("b"), "observed", "co"}, H(i));
    p.Publish();
  }
  done = true;
  reader.join();
  CHECK(torn.load() == 0);
  CHECK(reads.load() > 0);
  CHECK(Query(*p.snapshot(), Topic("a"), Direction::kDownstream, 1).edges.size() == 3000);
}

TEST_CASE("the lineage JSON written as text is byte for byte the JSON tree's dump") {
  LineageProjection p(Routes{{"group:*", "analytics"}});
  Feed feed(p);
  FeedChain(feed);
  feed(ProductPublished{"orders",
                        "local",
                        "orders",
                        "sales",
                        "sales-team",
                        "Orders \"quoted\"\n",
                        "curated",
                        "tier-1",
                        {"a", "b"},
                        std::nullopt},
       H(1));
  feed(ConsumerStarted{Group("reporting"), Topic("orders"), "observed", "consumer_offsets"}, H(2));
  feed(ConsumerStopped{Group("reporting"), Topic("orders"), "idle", H(3)}, H(4));
  p.Publish();
  const auto g = p.snapshot();
  for (const auto direction : {Direction::kDownstream, Direction::kUpstream, Direction::kBoth}) {
    for (const auto at :
         {std::optional<Timestamp>{}, std::optional<Timestamp>{H(2) + std::chrono::minutes(1)}}) {
      LineageQuery q;
      q.root = "topic:local/orders";
      q.direction = direction;
      q.depth = 6;
      q.at = at;
      const auto r = Lineage(*g, q);
      REQUIRE(r.ok());
      std::string text;
      AppendJson(*g, *r, text);
      CHECK(text == ToJson(*g, *r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
}

}  // namespace
}  // namespace tributary::graph
