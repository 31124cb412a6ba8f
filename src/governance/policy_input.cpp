#include "governance/policy_input.h"

#include <algorithm>
#include <unordered_map>

#include "core/field_codec.h"
#include "governance/schema_fields.h"
#include "graph/graph_types.h"

namespace tributary::governance {
namespace {

using nlohmann::json;

bool AclCovers(const AclBinding& acl, const std::string& topic) {
  if (acl.pattern_type == "PREFIXED") {
    return topic.starts_with(acl.resource_name);
  }
  return acl.resource_name == "*" || acl.resource_name == topic;
}

// The cluster part of a topic node id "topic:<cluster>/<topic>".
std::string ClusterOfTopic(std::string_view id) {
  constexpr std::string_view kPrefix = "topic:";
  if (!id.starts_with(kPrefix)) {
    return "";
  }
  id.remove_prefix(kPrefix.size());
  return std::string(id.substr(0, id.find('/')));
}

std::string ClusterOfGroup(std::string_view id) {
  constexpr std::string_view kPrefix = "group:";
  if (!id.starts_with(kPrefix)) {
    return "";
  }
  id.remove_prefix(kPrefix.size());
  return std::string(id.substr(0, id.find('/')));
}

json Region(const std::map<std::string, std::string>& regions, const std::string& cluster) {
  auto it = regions.find(cluster);
  return it == regions.end() || it->second.empty() ? json(nullptr) : json(it->second);
}

bool Approved(const std::vector<Approval>& approvals, const std::string& product,
              const std::string& consumer) {
  return std::any_of(approvals.begin(), approvals.end(), [&](const Approval& a) {
    return a.product == product &&
           (a.principal == consumer || "principal:" + a.principal == consumer);
  });
}

json Consumers(const InputSources& s, const std::string& name, const ProductPublished& p) {
  json out = json::array();
  if (s.graph == nullptr) {
    return out;
  }
  const auto& g = *s.graph;
  const auto topic = NodeId::Topic(p.cluster, p.topic).str();
  const auto v = g.Find(topic);
  if (v == graph::kNone) {
    return out;
  }
  std::map<std::string, json> by_id;
  g.ForEachOutNeighbour(v, [&](std::uint32_t e, std::uint32_t to) {
    const auto& edge = g.edge(e);
    if (edge.kind != graph::EdgeKind::kConsumes ||
        (g.EvidenceAt(edge, graph::kNow) & (graph::kObserved | graph::kPermitted)) == 0) {
      return;
    }
    const std::string id(g.id(to));
    std::string cluster = p.cluster;
    if (id.starts_with("group:")) {
      cluster = ClusterOfGroup(id);
    } else if (id.starts_with("job:")) {
      // A job writing to another cluster (a mirror, a replicator) takes the data there.
      g.ForEachOutNeighbour(to, [&](std::uint32_t oe, std::uint32_t out_node) {
        const auto& out_edge = g.edge(oe);
        if (out_edge.kind != graph::EdgeKind::kProduces ||
            (g.EvidenceAt(out_edge, graph::kNow) & graph::kObserved) == 0) {
          return;
        }
        const auto c = ClusterOfTopic(g.id(out_node));
        if (!c.empty() && c != p.cluster) {
          cluster = c;
        }
      });
    }
    const auto owner = g.OwnerOf(to);
    by_id[id] = {{"id", id},
                 {"team", owner ? json(std::string(owner->team)) : json(nullptr)},
                 {"cluster", cluster},
                 {"region", Region(s.regions, cluster)},
                 {"approved", Approved(s.approvals, name, id)}};
  });
  for (auto& [id, c] : by_id) {
    out.push_back(std::move(c));
  }
  return out;
}

// The "fields" list of a schema. A product is evaluated again on every change
// that touches it (a consumer, an ACL, its catalog entry) while its schema
// rarely changes, so the lists of the schemas last read are kept: per thread
// (the writer thread, each HTTP thread) at most kCachedSchemas of them and
// kCachedBytes of schema text, all dropped together when either is reached.
const json& FieldsJson(const std::string& type, const std::string& schema) {
  constexpr std::size_t kCachedSchemas = 4096;
  constexpr std::size_t kCachedBytes = 64 << 20;
  thread_local std::unordered_map<std::string, json> cache;
  thread_local std::size_t cached_bytes = 0;
  std::string key;
  key.reserve(type.size() + 1 + schema.size());
  key.append(type).push_back('\0');
  key.append(schema);
  if (auto it = cache.find(key); it != cache.end()) {
    return it->second;
  }
  json list = json::array();
  if (auto fields = SchemaFields(type, schema); fields.ok()) {
    for (const auto& f : *fields) {
      list.push_back({{"path", f.path}, {"type", f.type}, {"tags", f.tags}});
    }
  }
  if (cache.size() >= kCachedSchemas || cached_bytes + key.size() > kCachedBytes) {
    cache.clear();
    cached_bytes = 0;
  }
  cached_bytes += key.size();
  return cache.emplace(std::move(key), std::move(list)).first->second;
}

}  // namespace

void AclIndex::Grant(const AclBinding& acl) {
  if (acl.resource_type != "TOPIC") {
    return;
  }
  auto& list = acl.pattern_type == "LITERAL" && acl.resource_name != "*"
                   ? literal[acl.cluster + "/" + acl.resource_name]
                   : patterns;
  if (std::find(list.begin(), list.end(), acl) == list.end()) {
    list.push_back(acl);
  }
}

void AclIndex::Revoke(const AclBinding& acl) {
  if (acl.resource_type != "TOPIC") {
    return;
  }
  if (acl.pattern_type == "LITERAL" && acl.resource_name != "*") {
    const auto key = acl.cluster + "/" + acl.resource_name;
    if (auto it = literal.find(key); it != literal.end()) {
      std::erase(it->second, acl);
      if (it->second.empty()) {
        literal.erase(it);
      }
    }
  } else {
    std::erase(patterns, acl);
  }
}

std::vector<AclBinding> AclIndex::Covering(const std::string& cluster,
                                           const std::string& topic) const {
  std::vector<AclBinding> out;
  if (auto it = literal.find(cluster + "/" + topic); it != literal.end()) {
    out = it->second;
  }
  for (const auto& acl : patterns) {
    if (acl.cluster == cluster && AclCovers(acl, topic)) {
      out.push_back(acl);
    }
  }
  return out;
}

std::string SubjectOf(const ProductPublished& product) {
  return product.schema_subject.value_or(product.topic + "-value");
}

json SchemaJson(const std::string& type, const std::string& schema, const std::string& subject,
                int version, const std::string& compatibility) {
  return {{"type", type},
          {"subject", subject},
          {"version", version == 0 ? json(nullptr) : json(version)},
          {"compatibility", compatibility},
          {"fields", FieldsJson(type, schema)}};
}

json BuildPolicyInput(const InputSources& s, const std::string& name, const ProductState& state,
                      const std::optional<CandidateSchema>& candidate) {
  const auto& p = state.published;
  json product = {{"name", name},
                  {"domain", p.domain},
                  {"owner", p.owner},
                  {"description", p.description},
                  {"quality", p.quality},
                  {"sla", p.sla},
                  {"tags", p.tags},
                  {"status", state.status},
                  {"allowed_regions", p.allowed_regions},
                  {"history", nullptr}};
  const auto subject = candidate && !candidate->subject.empty() ? candidate->subject : SubjectOf(p);
  json schema = nullptr;
  if (candidate) {
    schema = SchemaJson(candidate->type, candidate->schema, subject, 0, s.schemas.LevelOf(subject));
  } else if (auto it = s.schemas.subjects.find(subject); it != s.schemas.subjects.end()) {
    for (auto v = it->second.versions.rbegin(); v != it->second.versions.rend(); ++v) {
      if (!v->second.deleted) {
        schema = SchemaJson(v->second.schema_type, v->second.schema, subject, v->second.version,
                            s.schemas.LevelOf(subject));
        break;
      }
    }
  }
  json acls = json::array();
  if (s.acls != nullptr) {
    for (const auto& acl : s.acls->Covering(p.cluster, p.topic)) {
      acls.push_back(codec::ToJson(acl));
    }
  }
  return {{"product", std::move(product)},
          {"schema", std::move(schema)},
          {"consumers", Consumers(s, name, p)},
          {"acls", std::move(acls)},
          {"cluster", {{"name", p.cluster}, {"region", Region(s.regions, p.cluster)}}}};
}

}  // namespace tributary::governance
