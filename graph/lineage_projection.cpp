#include "graph/lineage_projection.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "core/msgpack.h"
#include "graph/glob.h"
#include "tributary/overloaded.h"

namespace tributary::graph {
namespace {

constexpr std::uint8_t kRead = 1;
constexpr std::uint8_t kWrite = 2;
// The delta of edges not in the CSR is folded into a new CSR once it exceeds
// max(kMinDelta, edges / kDeltaFraction).
constexpr std::uint32_t kMinDelta = 8192;
constexpr std::uint32_t kDeltaFraction = 32;

std::uint8_t OperationBits(std::string_view operation) {
  if (operation == "READ") {
    return kRead;
  }
  if (operation == "WRITE") {
    return kWrite;
  }
  if (operation == "ALL") {
    return kRead | kWrite;
  }
  return 0;  // DESCRIBE, ALTER, ...: no data flows
}

// "cluster/name" of a topic id body.
std::pair<std::string_view, std::string_view> SplitTopic(std::string_view id) {
  const std::size_t colon = id.find(':');
  const std::string_view body = id.substr(colon + 1);
  const std::size_t slash = body.find('/');
  if (slash == std::string_view::npos) {
    return {body, {}};
  }
  return {body.substr(0, slash), body.substr(slash + 1)};
}

// A DENY for `rule` (e.g. "User:*") applies to `principal`.
bool PrincipalMatches(std::string_view rule, std::string_view principal) {
  if (rule == principal) {
    return true;
  }
  if (rule.size() >= 2 && rule.ends_with(":*")) {
    return principal.starts_with(rule.substr(0, rule.size() - 1));
  }
  return false;
}

std::string Pack(const nlohmann::json& j) {
  if (j.empty()) {
    return {};
  }
  const auto bytes = nlohmann::json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

nlohmann::json Unpack(std::string_view packed) {
  if (packed.empty()) {
    return nlohmann::json::object();
  }
  auto j = nlohmann::json::from_msgpack(packed.begin(), packed.end(), true, false);
  return j.is_object() ? j : nlohmann::json::object();
}

Status CorruptSnapshot(const std::string& why) { return Corruption("lineage snapshot: " + why); }

}  // namespace

LineageProjection::LineageProjection(Routes routes)
    : routes_(std::make_shared<const Routes>(std::move(routes))),
      base_(std::make_shared<BaseTopology>()),
      published_(std::make_shared<const GraphSnapshot>()) {
  published_delta_ = std::make_shared<DeltaTopology>();
}

LineageProjection::~LineageProjection() = default;

// ---- nodes and edges ------------------------------------------------------------

std::uint32_t LineageProjection::FindNode(std::string_view id) const {
  return index_.Find(id, [this](std::uint32_t v) { return IdOf(v); });
}

std::uint32_t LineageProjection::EnsureNode(const NodeId& id, std::int64_t t) {
  const std::uint32_t found = FindNode(id.str());
  if (found != kNone) {
    if (t < nodes_[found].created) {
      nodes_.Mutable(found).created = t;  // an event from before the first one seen
    }
    return found;
  }
  NodeRecord rec;
  rec.id = ids_.Append(id.str());
  rec.created = t;
  rec.kind = id.kind();
  for (std::size_t i = 0; i < routes_->size() && i < 0xffff; ++i) {
    if (GlobMatch((*routes_)[i].first, id.str())) {
      rec.route = static_cast<std::uint16_t>(i);
      break;
    }
  }
  const auto v = static_cast<std::uint32_t>(nodes_.PushBack(rec));
  index_.Insert(IdOf(v), v, [this](std::uint32_t x) { return IdOf(x); });
  index_dirty_ = true;
  if (rec.kind == NodeKind::kTopic) {
    const auto [cluster, topic] = SplitTopic(IdOf(v));
    auto it = topics_.find(cluster);
    if (it == topics_.end()) {
      it = topics_.emplace(std::string(cluster), ClusterTopics{}).first;
    }
    it->second.nodes.push_back(v);
    if (acls_.contains(cluster)) {
      ReconcileTopicAcls(v, t);
    }
  }
  return v;
}

std::size_t LineageProjection::OutDegree(std::uint32_t v) const {
  std::size_t d = v < base_->nodes ? boost::out_degree(v, base_->csr) : 0;
  d += delta_out_.Count(v);
  return d;
}

std::size_t LineageProjection::InDegree(std::uint32_t v) const {
  std::size_t d = v < base_->nodes ? boost::in_degree(v, base_->csr) : 0;
  d += delta_in_.Count(v);
  return d;
}

std::uint32_t LineageProjection::FindEdge(std::uint32_t from, std::uint32_t to) const {
  std::uint32_t found = kNone;
  if (OutDegree(from) <= InDegree(to)) {
    ForEachOut(from, [&](std::uint32_t e) {
      if (edges_[e].to == to) {
        found = e;
      }
    });
  } else {
    ForEachIn(to, [&](std::uint32_t e) {
      if (edges_[e].from == from) {
        found = e;
      }
    });
  }
  return found;
}

std::uint32_t LineageProjection::EnsureEdge(std::uint32_t from, std::uint32_t to, EdgeKind kind,
                                            std::uint8_t ev, std::int64_t t) {
  std::uint32_t e = FindEdge(from, to);
  if (e != kNone) {
    OpenEvidence(e, ev, t, true);
    return e;
  }
  EdgeRecord r;
  r.from = from;
  r.to = to;
  r.start0 = t;
  r.end0 = kOpen;
  r.last_seen = t;
  r.kind = kind;
  r.evidence0 = ev;
  e = static_cast<std::uint32_t>(edges_.PushBack(r));
  edge_state_.PushBack(0);
  UpdateState(e);
  delta_out_.Add(from, e);
  delta_in_.Add(to, e);
  return e;
}

bool LineageProjection::HasOpen(const EdgeRecord& r, std::uint8_t ev) const {
  if (r.evidence0 == ev && r.end0 == kOpen) {
    return true;
  }
  for (std::uint32_t i = r.extra; i != kNone; i = intervals_[i].next) {
    if (intervals_[i].evidence == ev && intervals_[i].end == kOpen) {
      return true;
    }
  }
  return false;
}

void LineageProjection::UpdateState(std::uint32_t e) {
  const EdgeRecord& r = edges_[e];
  std::uint8_t bits = r.kind == EdgeKind::kProduces ? kProducesFlag : 0;
  if (r.end0 == kOpen) {
    bits |= r.evidence0;
  }
  for (std::uint32_t i = r.extra; i != kNone; i = intervals_[i].next) {
    if (intervals_[i].end == kOpen) {
      bits |= intervals_[i].evidence;
    }
  }
  if (edge_state_[e] != bits) {
    edge_state_.Mutable(e) = bits;
  }
}

void LineageProjection::OpenEvidence(std::uint32_t e, std::uint8_t ev, std::int64_t t,
                                     bool refresh) {
  const EdgeRecord& r = edges_[e];
  if (HasOpen(r, ev)) {
    if (refresh && t > r.last_seen) {
      edges_.Mutable(e).last_seen = t;
    }
    return;
  }
  Interval iv;
  iv.start = t;
  iv.end = kOpen;
  iv.evidence = ev;
  iv.next = r.extra;
  const auto i = static_cast<std::uint32_t>(intervals_.PushBack(iv));
  EdgeRecord& w = edges_.Mutable(e);
  w.extra = i;
  w.last_seen = std::max(w.last_seen, t);
  UpdateState(e);
}

void LineageProjection::CloseEvidence(std::uint32_t e, std::uint8_t mask, std::int64_t t) {
  const EdgeRecord& r = edges_[e];
  if ((r.evidence0 & mask) != 0 && r.end0 == kOpen) {
    EdgeRecord& w = edges_.Mutable(e);
    w.end0 = std::max(t, w.start0);
  }
  for (std::uint32_t i = r.extra; i != kNone; i = intervals_[i].next) {
    const Interval& iv = intervals_[i];
    if ((iv.evidence & mask) != 0 && iv.end == kOpen) {
      Interval& w = intervals_.Mutable(i);
      w.end = std::max(t, w.start);
    }
  }
  UpdateState(e);
}

template <typename F>
void LineageProjection::ForEachOut(std::uint32_t v, F&& f) const {
  if (v < base_->nodes) {
    for (auto [it, end] = boost::out_edges(v, base_->csr); it != end; ++it) {
      f(base_->csr[*it].id);
    }
  }
  delta_out_.ForEach(v, f);
}

template <typename F>
void LineageProjection::ForEachIn(std::uint32_t v, F&& f) const {
  if (v < base_->nodes) {
    for (auto [it, end] = boost::in_edges(v, base_->csr); it != end; ++it) {
      f(base_->csr[*it].id);
    }
  }
  delta_in_.ForEach(v, f);
}

NodeAttributes LineageProjection::AttributesOf(std::uint32_t v) const {
  const std::uint32_t a = nodes_[v].attributes;
  return a == kNone ? NodeAttributes{} : *attributes_[a];
}

void LineageProjection::SetAttributes(std::uint32_t v, NodeAttributes attributes) {
  auto shared = std::make_shared<const NodeAttributes>(std::move(attributes));
  const bool owner = !shared->explicit_owner.empty() || !shared->product_owner.empty();
  if (nodes_[v].attribute_owner != owner) {
    nodes_.Mutable(v).attribute_owner = owner;
  }
  const std::uint32_t a = nodes_[v].attributes;
  if (a == kNone) {
    nodes_.Mutable(v).attributes = static_cast<std::uint32_t>(attributes_.PushBack(shared));
  } else {
    attributes_.Mutable(a) = std::move(shared);
  }
}

// ---- ACLs -----------------------------------------------------------------------

std::vector<const LineageProjection::AclRule*> LineageProjection::CoveringRules(
    std::string_view cluster, std::string_view name) const {
  std::vector<const AclRule*> rules;
  const auto it = acls_.find(cluster);
  if (it == acls_.end()) {
    return rules;
  }
  const ClusterAcls& c = it->second;
  for (const AclRule& r : c.any) {
    rules.push_back(&r);
  }
  if (const auto lit = c.literal.find(name); lit != c.literal.end()) {
    for (const AclRule& r : lit->second) {
      rules.push_back(&r);
    }
  }
  if (!c.prefixed.empty()) {
    for (std::size_t len = 1; len <= name.size(); ++len) {
      if (const auto pit = c.prefixed.find(name.substr(0, len)); pit != c.prefixed.end()) {
        for (const AclRule& r : pit->second) {
          rules.push_back(&r);
        }
      }
    }
  }
  return rules;
}

bool LineageProjection::AclPermits(std::uint32_t topic, std::string_view principal,
                                   std::uint8_t op) const {
  const auto [cluster, name] = SplitTopic(IdOf(topic));
  bool allowed = false;
  for (const AclRule* r : CoveringRules(cluster, name)) {
    if ((r->ops & op) == 0) {
      continue;
    }
    if (r->deny && PrincipalMatches(r->principal, principal)) {
      return false;
    }
    if (!r->deny && r->principal == principal) {
      allowed = true;
    }
  }
  return allowed;
}

void LineageProjection::ReconcileTopicAcls(std::uint32_t topic, std::int64_t t) {
  const auto [cluster, name] = SplitTopic(IdOf(topic));
  const std::vector<const AclRule*> rules = CoveringRules(cluster, name);
  // principal -> operations allowed and not denied
  std::map<std::string, std::uint8_t> allowed;
  for (const AclRule* r : rules) {
    if (!r->deny) {
      allowed[r->principal] |= r->ops;
    }
  }
  for (const AclRule* r : rules) {
    if (r->deny) {
      for (auto& [principal, ops] : allowed) {
        if (PrincipalMatches(r->principal, principal)) {
          ops &= static_cast<std::uint8_t>(~r->ops);
        }
      }
    }
  }
  constexpr std::string_view kPrefix = "principal:";
  const auto wanted = [&](std::uint32_t node, std::uint8_t op) {
    const std::string_view id = IdOf(node);
    if (!id.starts_with(kPrefix)) {
      return true;  // only principals carry ACL evidence; leave others alone
    }
    const auto it = allowed.find(std::string(id.substr(kPrefix.size())));
    return it != allowed.end() && (it->second & op) != 0;
  };
  std::vector<std::uint32_t> to_close;
  ForEachOut(topic, [&](std::uint32_t e) {
    const EdgeRecord& r = edges_[e];
    if (HasOpen(r, kPermitted) && !wanted(r.to, kRead)) {
      to_close.push_back(e);
    }
  });
  ForEachIn(topic, [&](std::uint32_t e) {
    const EdgeRecord& r = edges_[e];
    if (HasOpen(r, kPermitted) && !wanted(r.from, kWrite)) {
      to_close.push_back(e);
    }
  });
  for (const std::uint32_t e : to_close) {
    CloseEvidence(e, kPermitted, t);
  }
  for (const auto& [principal, ops] : allowed) {
    if (ops == 0) {
      continue;
    }
    const std::uint32_t p = EnsureNode(NodeId::Principal(principal), t);
    if ((ops & kRead) != 0) {
      const std::uint32_t e = FindEdge(topic, p);
      if (e == kNone) {
        EnsureEdge(topic, p, EdgeKind::kConsumes, kPermitted, t);
      } else {
        OpenEvidence(e, kPermitted, t, false);
      }
    }
    if ((ops & kWrite) != 0) {
      const std::uint32_t e = FindEdge(p, topic);
      if (e == kNone) {
        EnsureEdge(p, topic, EdgeKind::kProduces, kPermitted, t);
      } else {
        OpenEvidence(e, kPermitted, t, false);
      }
    }
  }
}

void LineageProjection::ApplyAcl(const AclBinding& acl, bool granted, std::int64_t t) {
  if (acl.resource_type != "TOPIC" || acl.cluster.empty() || acl.resource_name.empty()) {
    return;
  }
  const std::uint8_t ops = OperationBits(acl.operation);
  if (ops == 0 || (acl.permission != "ALLOW" && acl.permission != "DENY")) {
    return;
  }
  enum class Pattern { kLiteral, kPrefixed, kAny } pattern;
  if (acl.pattern_type == "LITERAL") {
    pattern = acl.resource_name == "*" ? Pattern::kAny : Pattern::kLiteral;
  } else if (acl.pattern_type == "PREFIXED") {
    pattern = Pattern::kPrefixed;
  } else {
    return;  // MATCH and ANY are filters, never stored bindings
  }
  const AclRule rule{acl.principal, ops, acl.permission == "DENY"};
  ClusterAcls& c = acls_[acl.cluster];
  std::vector<AclRule>& bucket = pattern == Pattern::kAny       ? c.any
                                 : pattern == Pattern::kLiteral ? c.literal[acl.resource_name]
                                                                : c.prefixed[acl.resource_name];
  const auto it = std::find(bucket.begin(), bucket.end(), rule);
  if (granted == (it != bucket.end())) {
    return;  // already granted, or revoking what was never granted
  }
  if (granted) {
    bucket.push_back(rule);
  } else {
    bucket.erase(it);
    if (bucket.empty() && pattern == Pattern::kLiteral) {
      c.literal.erase(acl.resource_name);
    } else if (bucket.empty() && pattern == Pattern::kPrefixed) {
      c.prefixed.erase(acl.resource_name);
    }
  }
  const auto topics = topics_.find(acl.cluster);
  if (topics == topics_.end()) {
    return;
  }
  std::vector<std::uint32_t> affected;
  ClusterTopics& ct = topics->second;
  if (pattern == Pattern::kAny) {
    affected = ct.nodes;
  } else if (pattern == Pattern::kLiteral) {
    const std::uint32_t v = FindNode(NodeId::Topic(acl.cluster, acl.resource_name).str());
    if (v != kNone) {
      affected.push_back(v);
    }
  } else {
    const auto by_id = [this](std::uint32_t a, std::uint32_t b) { return IdOf(a) < IdOf(b); };
    if (ct.sorted != ct.nodes.size()) {
      const auto middle = ct.nodes.begin() + static_cast<std::ptrdiff_t>(ct.sorted);
      std::sort(middle, ct.nodes.end(), by_id);
      std::inplace_merge(ct.nodes.begin(), middle, ct.nodes.end(), by_id);
      ct.sorted = ct.nodes.size();
    }
    // Topic ids of one cluster share "topic:<cluster>/", so id order is name order.
    const std::string prefix = NodeId::Topic(acl.cluster, acl.resource_name).str();
    auto n =
        std::lower_bound(ct.nodes.begin(), ct.nodes.end(), prefix,
                         [this](std::uint32_t v, const std::string& p) { return IdOf(v) < p; });
    for (; n != ct.nodes.end() && IdOf(*n).starts_with(prefix); ++n) {
      affected.push_back(*n);
    }
  }
  for (const std::uint32_t v : affected) {
    ReconcileTopicAcls(v, t);
  }
}

// ---- catalog --------------------------------------------------------------------

void LineageProjection::SetProductAttributes(std::uint32_t topic, const std::string& product,
                                             const nlohmann::json& fields) {
  NodeAttributes a = AttributesOf(topic);
  a.product_owner = fields.value("owner", std::string());
  a.packed = Pack(fields);
  SetAttributes(topic, std::move(a));
  products_[product] = topic;
  products_dirty_ = true;
}

// ---- Apply ----------------------------------------------------------------------

void LineageProjection::Apply(const EventRecord& record) {
  const std::int64_t t = ToMillis(record.event_time);
  applied_seq_ = record.seq;
  std::visit(Overloaded{
                 [&](const ConsumerStarted& e) { ApplyConsumerStarted(e, t); },
                 [&](const ConsumerStopped& e) { ApplyConsumerStopped(e, t); },
                 [&](const ConsumerProgress& e) { ApplyConsumerProgress(e, t); },
                 [&](const GroupMembersChanged& e) { ApplyGroupMembersChanged(e, t); },
                 [&](const GroupDeleted& e) { ApplyGroupDeleted(e, t); },
                 [&](const TopicDeleted& e) { ApplyTopicIncarnation(e.topic, "deleted", t); },
                 [&](const TopicCreated& e) { ApplyTopicIncarnation(e.topic, "created", t); },
                 [&](const ProducerObserved& e) { ApplyProducerObserved(e, t); },
                 [&](const ProducerStopped& e) { ApplyProducerStopped(e, t); },
                 [&](const AclGranted& e) { ApplyAcl(e.acl, true, t); },
                 [&](const AclRevoked& e) { ApplyAcl(e.acl, false, t); },
                 [&](const JobObserved& e) { ApplyJobObserved(e, t); },
                 [&](const ProductPublished& e) { ApplyProductPublished(e, t); },
                 [&](const ProductUpdated& e) { ApplyProductUpdated(e, t); },
                 [&](const ProductDeprecated& e) { ApplyProductDeprecated(e); },
                 [&](const ProductUndeprecated& e) { ApplyProductUndeprecated(e); },
                 [&](const ProductRetired& e) { ApplyProductRetired(e); },
                 [&](const TeamUpserted& e) { ApplyTeamUpserted(e, t); },
                 [&](const OwnershipAssigned& e) { ApplyOwnershipAssigned(e, t); },
                 [](const auto&) {},
             },
             record.event);
}

// ---- consumers and producers ----------------------------------------------------

void LineageProjection::ApplyConsumerStarted(const ConsumerStarted& e, std::int64_t t) {
  std::uint8_t ev = ParseEvidence(e.evidence);
  if (ev == 0) {
    ev = kObserved;
  }
  const std::uint32_t topic = EnsureNode(e.topic, t);
  const std::uint32_t consumer = EnsureNode(e.consumer, t);
  EnsureEdge(topic, consumer, EdgeKind::kConsumes, ev, t);
}

void LineageProjection::ApplyConsumerStopped(const ConsumerStopped& e, std::int64_t t) {
  const std::uint32_t topic = FindNode(e.topic.str());
  const std::uint32_t consumer = FindNode(e.consumer.str());
  if (topic == kNone || consumer == kNone) {
    return;
  }
  const std::uint32_t edge = FindEdge(topic, consumer);
  if (edge == kNone) {
    return;
  }
  // A principal whose ACLs still allow reading keeps its permitted evidence.
  std::uint8_t mask = kObserved | kDeclared;
  if (e.consumer.kind() != NodeKind::kPrincipal || !AclPermits(topic, e.consumer.body(), kRead)) {
    mask |= kPermitted;
  }
  CloseEvidence(edge, mask, t);
  if (e.last_read && ToMillis(*e.last_read) > edges_[edge].last_seen) {
    edges_.Mutable(edge).last_seen = ToMillis(*e.last_read);
  }
}

void LineageProjection::ApplyConsumerProgress(const ConsumerProgress& e, std::int64_t t) {
  const std::uint32_t topic = FindNode(e.topic.str());
  const std::uint32_t consumer = FindNode(e.consumer.str());
  const std::uint32_t edge =
      topic == kNone || consumer == kNone ? kNone : FindEdge(topic, consumer);
  if (edge == kNone) {
    return;
  }
  if (!HasOpen(edges_[edge], kObserved) && t > TopicDeletedAt(topic)) {
    // Commits after the topic was deleted are reads of the topic created again
    // under its name: a new edge of the new incarnation.
    EnsureEdge(topic, consumer, EdgeKind::kConsumes, kObserved, t);
  }
  if (t > edges_[edge].last_seen && HasOpen(edges_[edge], kObserved)) {
    edges_.Mutable(edge).last_seen = t;
  }
}

// When a topic's name was last deleted, or never (the minimum).
std::int64_t LineageProjection::TopicDeletedAt(std::uint32_t topic) const {
  const auto& packed = AttributesOf(topic).packed;
  if (packed.empty()) {
    return std::numeric_limits<std::int64_t>::max();
  }
  const auto fields = Unpack(packed);
  const auto it = fields.find("incarnations");
  if (it == fields.end() || !it->is_array()) {
    return std::numeric_limits<std::int64_t>::max();
  }
  for (auto i = it->rbegin(); i != it->rend(); ++i) {
    if (i->contains("deleted")) {
      return (*i)["deleted"].get<std::int64_t>();
    }
  }
  return std::numeric_limits<std::int64_t>::max();
}

// A topic deleted or created (the audit log): what was observed of the old
// incarnation ends at the deletion (ACLs and catalog declarations are not the
// topic's and stay); the attributes list each incarnation's created/deleted
// times, which time travel shows.
void LineageProjection::ApplyTopicIncarnation(const NodeId& id, std::string_view what,
                                              std::int64_t t) {
  const std::uint32_t topic = EnsureNode(id, t);
  NodeAttributes a = AttributesOf(topic);
  nlohmann::json fields = a.packed.empty() ? nlohmann::json::object() : Unpack(a.packed);
  auto& incarnations = fields["incarnations"];
  if (!incarnations.is_array()) {
    incarnations = nlohmann::json::array();
  }
  if (what == "created") {
    if (incarnations.empty() || incarnations.back().contains("deleted")) {
      incarnations.push_back({{"created", t}});
    }
  } else {
    if (incarnations.empty() || incarnations.back().contains("deleted")) {
      incarnations.push_back(nlohmann::json::object());
    }
    incarnations.back()["deleted"] = t;
    std::vector<std::uint32_t> incident;
    ForEachOut(topic, [&](std::uint32_t x) { incident.push_back(x); });
    ForEachIn(topic, [&](std::uint32_t x) { incident.push_back(x); });
    for (const std::uint32_t x : incident) {
      CloseEvidence(x, kObserved, t);
    }
  }
  a.packed = Pack(fields);
  SetAttributes(topic, std::move(a));
}

void LineageProjection::ApplyGroupMembersChanged(const GroupMembersChanged& e, std::int64_t t) {
  const std::uint32_t group = EnsureNode(e.group, t);
  std::set<std::string> clients;
  for (const GroupMember& m : e.members) {
    clients.insert(m.client_id);
  }
  NodeAttributes a = AttributesOf(group);
  a.packed = Pack({{"protocol_type", e.protocol_type},
                   {"protocol", e.protocol},
                   {"generation", e.generation},
                   {"members", e.members.size()},
                   {"client_ids", clients}});
  SetAttributes(group, std::move(a));
}

void LineageProjection::ApplyGroupDeleted(const GroupDeleted& e, std::int64_t t) {
  const std::uint32_t group = FindNode(e.group.str());
  if (group == kNone) {
    return;
  }
  std::vector<std::uint32_t> incident;
  ForEachOut(group, [&](std::uint32_t x) { incident.push_back(x); });
  ForEachIn(group, [&](std::uint32_t x) { incident.push_back(x); });
  for (const std::uint32_t x : incident) {
    CloseEvidence(x, kAllEvidence, t);
  }
}

void LineageProjection::ApplyProducerObserved(const ProducerObserved& e, std::int64_t t) {
  const std::uint8_t ev = e.via == "catalog" ? kDeclared : kObserved;
  const std::uint32_t producer = EnsureNode(e.producer, t);
  const std::uint32_t topic = EnsureNode(e.topic, t);
  EnsureEdge(producer, topic, EdgeKind::kProduces, ev, t);
}

void LineageProjection::ApplyProducerStopped(const ProducerStopped& e, std::int64_t t) {
  const std::uint32_t producer = FindNode(e.producer.str());
  const std::uint32_t topic = FindNode(e.topic.str());
  const std::uint32_t edge =
      producer == kNone || topic == kNone ? kNone : FindEdge(producer, topic);
  if (edge == kNone) {
    return;
  }
  CloseEvidence(edge, kObserved | kDeclared, t);
  if (e.last_seen && ToMillis(*e.last_seen) > edges_[edge].last_seen) {
    edges_.Mutable(edge).last_seen = ToMillis(*e.last_seen);
  }
}

// ---- jobs -----------------------------------------------------------------------

// A job run lists all its datasets: edges to datasets it no longer reads or
// writes lose their observed evidence.
void LineageProjection::ApplyJobObserved(const JobObserved& e, std::int64_t t) {
  const std::uint32_t job = EnsureNode(e.job, t);
  if (e.inputs.empty() && e.outputs.empty()) {
    return;  // e.g. a RUNNING event without datasets: says nothing about them
  }
  std::set<std::uint32_t> inputs;
  std::set<std::uint32_t> outputs;
  for (const NodeId& in : e.inputs) {
    const std::uint32_t v = EnsureNode(in, t);
    inputs.insert(v);
    EnsureEdge(v, job, EdgeKind::kConsumes, kObserved, t);
  }
  for (const NodeId& out : e.outputs) {
    const std::uint32_t v = EnsureNode(out, t);
    outputs.insert(v);
    EnsureEdge(job, v, EdgeKind::kProduces, kObserved, t);
  }
  std::vector<std::uint32_t> gone;
  ForEachIn(job, [&](std::uint32_t x) {
    if (!inputs.contains(edges_[x].from)) {
      gone.push_back(x);
    }
  });
  ForEachOut(job, [&](std::uint32_t x) {
    if (!outputs.contains(edges_[x].to)) {
      gone.push_back(x);
    }
  });
  for (const std::uint32_t x : gone) {
    CloseEvidence(x, kObserved, t);
  }
}

// ---- data products --------------------------------------------------------------

// The topic a product moved away from no longer describes it.
void LineageProjection::ClearProductAttributes(std::uint32_t topic) {
  NodeAttributes old = AttributesOf(topic);
  old.product_owner.clear();
  const auto fields = old.packed.empty() ? nlohmann::json::object() : Unpack(old.packed);
  old.packed.clear();
  if (fields.contains("incarnations")) {
    old.packed = Pack({{"incarnations", fields["incarnations"]}});
  }
  SetAttributes(topic, std::move(old));
}

void LineageProjection::ApplyProductPublished(const ProductPublished& e, std::int64_t t) {
  const std::uint32_t topic = EnsureNode(NodeId::Topic(e.cluster, e.topic), t);
  nlohmann::json fields = nlohmann::json::object();
  if (const auto it = products_.find(e.product); it != products_.end()) {
    if (it->second != topic) {
      ClearProductAttributes(it->second);
    } else {
      fields = Unpack(AttributesOf(topic).packed);
    }
  }
  const std::string status = fields.value("status", std::string("active"));
  nlohmann::json next = {{"product", e.product}, {"domain", e.domain},
                         {"owner", e.owner},     {"description", e.description},
                         {"quality", e.quality}, {"sla", e.sla},
                         {"tags", e.tags},       {"status", "active"}};
  if (e.schema_subject) {
    next["schema_subject"] = *e.schema_subject;
  }
  if (status == "deprecated") {  // republishing keeps a deprecation, not a retirement
    next["status"] = status;
    for (const char* key : {"reason", "sunset", "replacement"}) {
      if (fields.contains(key)) {
        next[key] = fields[key];
      }
    }
  }
  // The topic's own history outlives the products published on it.
  if (const auto& packed = AttributesOf(topic).packed; !packed.empty()) {
    if (auto current = Unpack(packed); current.contains("incarnations")) {
      next["incarnations"] = current["incarnations"];
    }
  }
  SetProductAttributes(topic, e.product, next);
}

void LineageProjection::ApplyProductUpdated(const ProductUpdated& e, std::int64_t t) {
  const auto it = products_.find(e.product);
  if (it == products_.end() || !e.changes.is_object()) {
    return;
  }
  std::uint32_t topic = it->second;
  nlohmann::json fields = Unpack(AttributesOf(topic).packed);
  const auto [cluster, name] = SplitTopic(IdOf(topic));
  std::string new_cluster(cluster);
  std::string new_name(name);
  for (const auto& [key, value] : e.changes.items()) {
    if (key == "cluster" && value.is_string()) {
      new_cluster = value.get<std::string>();
    } else if (key == "topic" && value.is_string()) {
      new_name = value.get<std::string>();
    } else if (key == "domain" || key == "owner" || key == "description" || key == "quality" ||
               key == "sla" || key == "tags" || key == "schema_subject") {
      fields[key] = value;
    }
  }
  if (new_cluster != cluster || new_name != name) {
    ClearProductAttributes(topic);
    topic = EnsureNode(NodeId::Topic(new_cluster, new_name), t);
  }
  SetProductAttributes(topic, e.product, fields);
}

void LineageProjection::ApplyProductDeprecated(const ProductDeprecated& e) {
  const auto it = products_.find(e.product);
  if (it == products_.end()) {
    return;
  }
  nlohmann::json fields = Unpack(AttributesOf(it->second).packed);
  if (fields.value("status", std::string()) == "retired") {
    return;
  }
  fields["status"] = "deprecated";
  fields["reason"] = e.reason;
  fields["sunset"] = FormatRfc3339(e.sunset);
  if (e.replacement) {
    fields["replacement"] = *e.replacement;
  } else {
    fields.erase("replacement");
  }
  SetProductAttributes(it->second, e.product, fields);
}

void LineageProjection::ApplyProductUndeprecated(const ProductUndeprecated& e) {
  const auto it = products_.find(e.product);
  if (it == products_.end()) {
    return;
  }
  nlohmann::json fields = Unpack(AttributesOf(it->second).packed);
  if (fields.value("status", std::string()) != "deprecated") {
    return;
  }
  fields["status"] = "active";
  fields.erase("reason");
  fields.erase("sunset");
  fields.erase("replacement");
  SetProductAttributes(it->second, e.product, fields);
}

void LineageProjection::ApplyProductRetired(const ProductRetired& e) {
  const auto it = products_.find(e.product);
  if (it == products_.end()) {
    return;
  }
  nlohmann::json fields = Unpack(AttributesOf(it->second).packed);
  fields["status"] = "retired";
  SetProductAttributes(it->second, e.product, fields);
}

// ---- teams and ownership --------------------------------------------------------

void LineageProjection::ApplyTeamUpserted(const TeamUpserted& e, std::int64_t t) {
  const std::uint32_t team = EnsureNode(NodeId::Team(e.team), t);
  NodeAttributes a = AttributesOf(team);
  a.packed = Pack({{"display_name", e.display_name}, {"contacts", e.contacts}});
  SetAttributes(team, std::move(a));
}

void LineageProjection::ApplyOwnershipAssigned(const OwnershipAssigned& e, std::int64_t t) {
  const std::uint32_t v = EnsureNode(e.node, t);
  NodeAttributes a = AttributesOf(v);
  a.explicit_owner = e.team;
  SetAttributes(v, std::move(a));
}

// ---- publication ----------------------------------------------------------------

void LineageProjection::AdoptBase(std::shared_ptr<const BaseTopology> base) {
  base_ = std::move(base);
  ++base_rebuilds_;
  delta_out_.Reset(base_->edges);
  delta_in_.Reset(base_->edges);
  for (auto e = base_->edges; e < edges_.size(); ++e) {
    const EdgeRecord& r = edges_[e];
    delta_out_.Add(r.from, e);
    delta_in_.Add(r.to, e);
  }
  // The published delta is rebuilt below from the edges the new base lacks.
  published_delta_ = std::make_shared<DeltaTopology>();
  published_delta_edges_ = base_->edges;
}

void LineageProjection::PublishSettled() {
  if (pending_base_.valid()) {
    pending_base_.wait();
  }
  Publish();
}

void LineageProjection::Publish() {
  const auto m = static_cast<std::uint32_t>(edges_.size());
  const auto n = static_cast<std::uint32_t>(nodes_.size());
  if (pending_base_.valid() &&
      pending_base_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    AdoptBase(pending_base_.get());
  }
  const std::uint32_t delta = m - base_->edges;
  if (!pending_base_.valid() && delta > std::max(kMinDelta, base_->edges / kDeltaFraction)) {
    // The build reads a frozen view: the writer's later writes copy the chunks
    // they touch instead of changing what the builder sees.
    pending_base_ = std::async(std::launch::async, [edges = edges_.Freeze(), m, n] {
      return BuildBaseTopology(edges, m, n);
    });
  }
  if (published_delta_edges_ != m) {
    // Merge the edges added since the last publication into the sorted delta.
    const std::uint32_t from = std::max(published_delta_edges_, base_->edges);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> in;
    for (std::uint32_t e = from; e < m; ++e) {
      const EdgeRecord& r = edges_[e];
      out.emplace_back(r.from, e);
      in.emplace_back(r.to, e);
    }
    std::sort(out.begin(), out.end());
    std::sort(in.begin(), in.end());
    auto next = std::make_shared<DeltaTopology>();
    const DeltaTopology& prev = *published_delta_;
    const bool reuse = published_delta_edges_ >= base_->edges;
    if (reuse) {
      next->out.reserve(prev.out.size() + out.size());
      next->in.reserve(prev.in.size() + in.size());
      std::merge(prev.out.begin(), prev.out.end(), out.begin(), out.end(),
                 std::back_inserter(next->out));
      std::merge(prev.in.begin(), prev.in.end(), in.begin(), in.end(),
                 std::back_inserter(next->in));
    } else {
      next->out = std::move(out);
      next->in = std::move(in);
    }
    next->Mark();
    published_delta_ = std::move(next);
    published_delta_edges_ = m;
  }
  if (index_dirty_ || !published_index_) {
    published_index_ = std::make_shared<const NodeIndex>(index_);
    index_dirty_ = false;
  }
  if (products_dirty_ || !published_products_) {
    published_products_ =
        std::make_shared<const std::map<std::string, std::uint32_t, std::less<>>>(products_);
    products_dirty_ = false;
  }
  GraphSnapshot::Parts parts;
  parts.ids = ids_.Freeze();
  parts.nodes = nodes_.Freeze();
  parts.edges = edges_.Freeze();
  parts.intervals = intervals_.Freeze();
  parts.edge_state = edge_state_.Freeze();
  parts.attributes = attributes_.Freeze();
  parts.index = published_index_;
  parts.base = base_;
  parts.delta = published_delta_;
  parts.products = published_products_;
  parts.routes = routes_;
  parts.applied_seq = applied_seq_;
  parts.version = ++version_;
  auto next = std::make_shared<const GraphSnapshot>(std::move(parts));
  {
    std::lock_guard lock(published_mu_);
    published_.swap(next);
  }
  // `next` now holds the previous snapshot; it is released outside the lock.
}

LineageProjection::Stats LineageProjection::stats() const {
  Stats s;
  s.nodes = static_cast<std::uint32_t>(nodes_.size());
  s.edges = static_cast<std::uint32_t>(edges_.size());
  s.extra_intervals = static_cast<std::uint32_t>(intervals_.size());
  s.delta_edges = s.edges - base_->edges;
  s.base_rebuilds = base_rebuilds_;
  s.storage_bytes = ids_.capacity_bytes() + nodes_.capacity_bytes() + edges_.capacity_bytes() +
                    intervals_.capacity_bytes() + attributes_.capacity_bytes() +
                    edge_state_.capacity_bytes() + index_.capacity_bytes() +
                    delta_out_.capacity_bytes() + delta_in_.capacity_bytes() +
                    std::size_t{base_->edges} * 16 + std::size_t{base_->nodes} * 8;
  return s;
}

// ---- Snapshot, Restore, Digest, Reset ---------------------------------------------

// What Snapshot() writes, frozen: the arrays share the writer's chunks (which
// it copies before changing them), the maps are copies.
struct LineageProjection::FrozenState {
  FrozenArena ids;
  NodeArray::Frozen nodes;
  EdgeArray::Frozen edges;
  IntervalArray::Frozen intervals;
  AttributeArray::Frozen attributes;
  std::map<std::string, ClusterAcls, std::less<>> acls;
  std::map<std::string, std::uint32_t, std::less<>> products;
  EventSeq applied_seq;
};

std::shared_ptr<const LineageProjection::FrozenState> LineageProjection::Freeze() const {
  return std::make_shared<const FrozenState>(
      FrozenState{ids_.Freeze(), nodes_.Freeze(), edges_.Freeze(), intervals_.Freeze(),
                  attributes_.Freeze(), acls_, products_, applied_seq_});
}

std::string LineageProjection::Snapshot() const { return Serialize(*Freeze()); }

SnapshotJob LineageProjection::CaptureSnapshot() const {
  return [frozen = Freeze()] {
    auto bytes = Serialize(*frozen);
    Fnv1a64 h;
    h.Add(bytes);
    return SnapshotImage{h.Hex(), std::move(bytes)};
  };
}

// Format (MessagePack, version 1): an array of
//   1, applied_seq,
//   [nodes: id, created, explicit_owner, product_owner, packed attributes] (flat),
//   [edges: from, to, kind, last_seen, interval count, (evidence, start, end)...] (flat),
//   [acls: cluster, pattern (0 literal, 1 prefixed, 2 any), name, principal, ops, deny] (flat),
//   [products: name, topic] (flat)
// Nodes and edges in index order; intervals in chain order; maps in key order.
std::string LineageProjection::Serialize(const FrozenState& f) {
  std::string out;
  msgpack::Writer w(out);
  w.ArrayHeader(6);
  w.Int(1);
  w.Int(f.applied_seq.value());
  w.ArrayHeader(static_cast<std::uint32_t>(f.nodes.size() * 5));
  for (std::uint32_t v = 0; v < f.nodes.size(); ++v) {
    const NodeRecord& n = f.nodes[v];
    w.String(f.ids.Get(n.id));
    w.Int(n.created);
    if (n.attributes == kNone) {
      w.String("");
      w.String("");
      w.String("");
    } else {
      const NodeAttributes& a = *f.attributes[n.attributes];
      w.String(a.explicit_owner);
      w.String(a.product_owner);
      w.String(a.packed);
    }
  }
  std::vector<const Interval*> chain;
  std::string edges;
  msgpack::Writer ew(edges);
  std::uint32_t edge_values = 0;
  for (std::uint32_t e = 0; e < f.edges.size(); ++e) {
    const EdgeRecord& r = f.edges[e];
    chain.clear();
    for (std::uint32_t i = r.extra; i != kNone; i = f.intervals[i].next) {
      chain.push_back(&f.intervals[i]);
    }
    ew.Int(r.from);
    ew.Int(r.to);
    ew.Int(static_cast<int>(r.kind));
    ew.Int(r.last_seen);
    ew.Int(static_cast<std::int64_t>(chain.size() + 1));
    ew.Int(r.evidence0);
    ew.Int(r.start0);
    ew.Int(r.end0);
    // Chain order is newest first; written oldest first so Restore can append.
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      ew.Int((*it)->evidence);
      ew.Int((*it)->start);
      ew.Int((*it)->end);
    }
    edge_values += 5 + 3 * static_cast<std::uint32_t>(chain.size() + 1);
  }
  w.ArrayHeader(edge_values);
  w.Raw(edges);
  std::uint32_t acl_values = 0;
  std::string acls;
  msgpack::Writer aw(acls);
  const auto write_rules = [&](const std::string& cluster, int pattern, const std::string& name,
                               const std::vector<AclRule>& rules) {
    for (const AclRule& r : rules) {
      aw.String(cluster);
      aw.Int(pattern);
      aw.String(name);
      aw.String(r.principal);
      aw.Int(r.ops);
      aw.Bool(r.deny);
      acl_values += 6;
    }
  };
  for (const auto& [cluster, c] : f.acls) {
    for (const auto& [name, rules] : c.literal) {
      write_rules(cluster, 0, name, rules);
    }
    for (const auto& [name, rules] : c.prefixed) {
      write_rules(cluster, 1, name, rules);
    }
    write_rules(cluster, 2, "*", c.any);
  }
  w.ArrayHeader(acl_values);
  w.Raw(acls);
  w.ArrayHeader(static_cast<std::uint32_t>(f.products.size() * 2));
  for (const auto& [name, topic] : f.products) {
    w.String(name);
    w.Int(topic);
  }
  return out;
}

std::string LineageProjection::Digest() const {
  Fnv1a64 h;
  h.Add(Snapshot());
  return h.Hex();
}

void LineageProjection::ClearState() {
  if (pending_base_.valid()) {
    pending_base_.wait();  // its result describes the old state
    pending_base_ = {};
  }
  ids_.Clear();
  nodes_.Clear();
  index_.Clear();
  edges_.Clear();
  intervals_.Clear();
  edge_state_.Clear();
  attributes_.Clear();
  products_.clear();
  topics_.clear();
  acls_.clear();
  applied_seq_ = EventSeq();
  base_ = std::make_shared<BaseTopology>();
  delta_out_.Reset(0);
  delta_in_.Reset(0);
  published_delta_ = std::make_shared<DeltaTopology>();
  published_delta_edges_ = 0;
  index_dirty_ = true;
  products_dirty_ = true;
}

void LineageProjection::Reset() { ClearState(); }

// ---- restore, one step per table ------------------------------------------------

Status LineageProjection::Restore(std::string_view snapshot) {
  msgpack::Reader r(snapshot);
  if (r.ReadArrayHeader() != 6 || r.ReadInt() != 1) {
    ClearState();
    return CorruptSnapshot("unknown format");
  }
  ClearState();
  applied_seq_ = EventSeq(r.ReadInt());
  Status status = RestoreNodes(r);
  if (status.ok()) {
    status = RestoreEdges(r);
  }
  if (status.ok()) {
    status = RestoreAcls(r);
  }
  if (status.ok()) {
    status = RestoreProducts(r);
  }
  if (status.ok() && (!r.ok() || !r.AtEnd())) {
    status = CorruptSnapshot(r.ok() ? "trailing bytes" : r.error());
  }
  if (!status.ok()) {
    ClearState();
    return status;
  }
  // Every edge goes into the CSR at once; nothing is left in the delta.
  base_ = BuildBaseTopology(edges_, static_cast<std::uint32_t>(edges_.size()),
                            static_cast<std::uint32_t>(nodes_.size()));
  ++base_rebuilds_;
  delta_out_.Reset(base_->edges);
  delta_in_.Reset(base_->edges);
  published_delta_edges_ = static_cast<std::uint32_t>(edges_.size());
  return Status::Ok();
}

// Nodes: [id, created, explicit_owner, product_owner, packed] per node.
Status LineageProjection::RestoreNodes(msgpack::Reader& r) {
  const std::uint32_t node_values = r.ReadArrayHeader();
  if (node_values % 5 != 0) {
    return CorruptSnapshot("bad node table");
  }
  for (std::uint32_t i = 0; i < node_values / 5 && r.ok(); ++i) {
    const std::string_view text = r.ReadString();
    // Ids were validated when their events were; the snapshot is our own data.
    const NodeId id = NodeId::FromTrusted(std::string(text));
    const std::int64_t created = r.ReadInt();
    NodeAttributes a;
    a.explicit_owner = std::string(r.ReadString());
    a.product_owner = std::string(r.ReadString());
    a.packed = std::string(r.ReadString());
    if (id.empty() || FindNode(id.str()) != kNone) {
      return CorruptSnapshot("bad node id");
    }
    // EnsureNode would evaluate ACLs; none are loaded yet, so it only indexes.
    const std::uint32_t v = EnsureNode(id, created);
    if (!a.explicit_owner.empty() || !a.product_owner.empty() || !a.packed.empty()) {
      SetAttributes(v, std::move(a));
    }
  }
  return Status::Ok();
}

// Edges: [from, to, kind, last_seen, count] and `count` intervals of
// [evidence, start, end] per edge.
Status LineageProjection::RestoreEdges(msgpack::Reader& r) {
  const std::uint32_t edge_values = r.ReadArrayHeader();
  std::uint32_t read = 0;
  const auto n = static_cast<std::int64_t>(nodes_.size());
  while (read < edge_values && r.ok()) {
    const std::int64_t from = r.ReadInt();
    const std::int64_t to = r.ReadInt();
    const std::int64_t kind = r.ReadInt();
    const std::int64_t last_seen = r.ReadInt();
    const std::int64_t count = r.ReadInt();
    if (from < 0 || from >= n || to < 0 || to >= n || kind < 0 || kind > 1 || count < 1 ||
        count > edge_values) {
      return CorruptSnapshot("bad edge");
    }
    EdgeRecord e;
    e.from = static_cast<std::uint32_t>(from);
    e.to = static_cast<std::uint32_t>(to);
    e.kind = static_cast<EdgeKind>(kind);
    e.last_seen = last_seen;
    e.evidence0 = static_cast<std::uint8_t>(r.ReadInt());
    e.start0 = r.ReadInt();
    e.end0 = r.ReadInt();
    for (std::int64_t k = 1; k < count; ++k) {
      Interval iv;
      iv.evidence = static_cast<std::uint8_t>(r.ReadInt());
      iv.start = r.ReadInt();
      iv.end = r.ReadInt();
      iv.next = e.extra;
      e.extra = static_cast<std::uint32_t>(intervals_.PushBack(iv));
    }
    const auto id = static_cast<std::uint32_t>(edges_.PushBack(e));
    edge_state_.PushBack(0);
    UpdateState(id);
    read += 5 + 3 * static_cast<std::uint32_t>(count);
  }
  if (read != edge_values) {
    return CorruptSnapshot("bad edge table");
  }
  return Status::Ok();
}

// ACL rules: [cluster, pattern (0 literal, 1 prefixed, 2 any), name, principal,
// ops, deny] per rule.
Status LineageProjection::RestoreAcls(msgpack::Reader& r) {
  const std::uint32_t acl_values = r.ReadArrayHeader();
  if (acl_values % 6 != 0) {
    return CorruptSnapshot("bad acl table");
  }
  for (std::uint32_t i = 0; i < acl_values / 6 && r.ok(); ++i) {
    std::string cluster(r.ReadString());
    const std::int64_t pattern = r.ReadInt();
    std::string name(r.ReadString());
    AclRule rule;
    rule.principal = std::string(r.ReadString());
    rule.ops = static_cast<std::uint8_t>(r.ReadInt());
    rule.deny = r.ReadBool();
    ClusterAcls& c = acls_[cluster];
    if (pattern == 0) {
      c.literal[name].push_back(std::move(rule));
    } else if (pattern == 1) {
      c.prefixed[name].push_back(std::move(rule));
    } else if (pattern == 2) {
      c.any.push_back(std::move(rule));
    } else {
      return CorruptSnapshot("bad acl pattern");
    }
  }
  return Status::Ok();
}

// Products: [name, topic node] per product.
Status LineageProjection::RestoreProducts(msgpack::Reader& r) {
  const std::uint32_t product_values = r.ReadArrayHeader();
  const auto n = static_cast<std::int64_t>(nodes_.size());
  for (std::uint32_t i = 0; i < product_values / 2 && r.ok(); ++i) {
    std::string name(r.ReadString());
    const std::int64_t topic = r.ReadInt();
    if (topic < 0 || topic >= n) {
      return CorruptSnapshot("bad product");
    }
    products_[name] = static_cast<std::uint32_t>(topic);
  }
  return Status::Ok();
}

}  // namespace tributary::graph
