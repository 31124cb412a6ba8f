#pragma once
// The policy input: one JSON document per product, the only thing policies
// read (DESIGN.md §9):
//
//   {"product":  {"name","domain","owner","description","quality","sla","tags",
//                 "status","allowed_regions","history"},
//    "schema":   {"type","subject","version","compatibility","fields":[{"path","type","tags"}]}
//                or null,
//    "consumers":[{"id","team","cluster","region","approved"}],
//    "acls":     [{"cluster","principal","resource_type","resource_name","pattern_type",
//                  "operation","permission","host"}],
//    "cluster":  {"name","region"}}
//
// `schema` is the latest live version of the product's subject (its
// schema_subject, else <topic>-value), or a candidate's (proposals,
// check-policy); `compatibility` is the level that applies to the subject.
// `consumers` are the direct readers of the product's topic with an edge valid
// now (observed or permitted); a job's cluster is the cluster it writes to
// when that is another one (a mirror or replicator), else the topic's.
// `approved`: an [[approvals]] entry (or an approved access request) names the
// consumer (its node id, or the principal) for the product. `acls` are the
// ALLOW/DENY TOPIC bindings that cover the topic. `region` is the cluster's
// configured region, or null.
//
// Pure functions over the states they are given; thread-compatible.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "graph/graph_snapshot.h"
#include "tributary/events.h"

namespace tributary::governance {

// An approval made outside Tributary ([[approvals]]).
struct Approval {
  std::string principal;  // a principal ("User:x"), or a node id ("group:local/x")
  std::string product;
};

// The ACL bindings seen (acl_granted minus acl_revoked), indexed for lookups by topic.
struct AclIndex {
  std::map<std::string, std::vector<AclBinding>> literal;  // "<cluster>/<topic>" -> bindings
  std::vector<AclBinding> patterns;                        // PREFIXED and "*" bindings
  void Grant(const AclBinding& acl);
  void Revoke(const AclBinding& acl);
  // The TOPIC bindings of `cluster` that cover `topic`.
  std::vector<AclBinding> Covering(const std::string& cluster, const std::string& topic) const;
  bool operator==(const AclIndex&) const = default;
};

// A schema standing in for the registered one (a proposal's candidate).
struct CandidateSchema {
  std::string type;  // AVRO | JSON | PROTOBUF
  std::string schema;
  std::string subject;
};

struct InputSources {
  const CatalogState& catalog;
  const SchemaState& schemas;
  const graph::GraphSnapshot* graph = nullptr;  // null: no consumers known (offline)
  const AclIndex* acls = nullptr;
  std::map<std::string, std::string> regions;  // cluster name -> region
  std::vector<Approval> approvals;
};

// The subject that describes a product's values.
std::string SubjectOf(const ProductPublished& product);

// The policy input of `product` (named `name`).
nlohmann::json BuildPolicyInput(const InputSources& sources, const std::string& name,
                                const ProductState& product,
                                const std::optional<CandidateSchema>& candidate = std::nullopt);

// The "schema" member for a schema text (fields and tags read from it); null
// when it does not parse.
nlohmann::json SchemaJson(const std::string& type, const std::string& schema,
                          const std::string& subject, int version,
                          const std::string& compatibility);

}  // namespace tributary::governance
