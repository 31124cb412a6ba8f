#include "graph/graph_snapshot.h"

#include <algorithm>

namespace tributary::graph {

std::string_view ToString(EdgeKind kind) {
  return kind == EdgeKind::kConsumes ? "consumes" : "produces";
}

std::string_view EvidenceName(std::uint8_t evidence) {
  switch (evidence) {
    case kObserved:
      return "observed";
    case kPermitted:
      return "permitted";
    case kDeclared:
      return "declared";
    default:
      return "unknown";
  }
}

std::uint8_t ParseEvidence(std::string_view name) {
  if (name == "observed") {
    return kObserved;
  }
  if (name == "permitted") {
    return kPermitted;
  }
  if (name == "declared") {
    return kDeclared;
  }
  return 0;
}

std::string_view ToString(OwnerSource source) {
  switch (source) {
    case OwnerSource::kExplicit:
      return "explicit";
    case OwnerSource::kProduct:
      return "product";
    case OwnerSource::kRoute:
      return "route";
  }
  return "unknown";
}

GraphSnapshot::GraphSnapshot() {
  p_.index = std::make_shared<NodeIndex>();
  p_.base = std::make_shared<BaseTopology>();
  p_.delta = std::make_shared<DeltaTopology>();
  p_.products = std::make_shared<std::map<std::string, std::uint32_t, std::less<>>>();
  p_.routes = std::make_shared<Routes>();
}

std::uint32_t GraphSnapshot::Find(std::string_view text) const {
  constexpr std::string_view kProduct = "product:";
  if (text.starts_with(kProduct)) {
    const auto it = p_.products->find(text.substr(kProduct.size()));
    return it == p_.products->end() ? kNone : it->second;
  }
  return p_.index->Find(text, [this](std::uint32_t v) { return id(v); });
}

const NodeAttributes* GraphSnapshot::attributes(std::uint32_t v) const {
  const std::uint32_t a = p_.nodes[v].attributes;
  return a == kNone ? nullptr : p_.attributes[a].get();
}

std::uint8_t GraphSnapshot::EvidenceAt(const EdgeRecord& e, std::int64_t t) const {
  std::uint8_t bits = 0;
  if (e.start0 <= t && t < e.end0) {
    bits |= e.evidence0;
  }
  for (std::uint32_t i = e.extra; i != kNone;) {
    const Interval& iv = p_.intervals[i];
    if (iv.start <= t && t < iv.end) {
      bits |= iv.evidence;
    }
    i = iv.next;
  }
  return bits;
}

std::uint8_t GraphSnapshot::EvidenceEver(const EdgeRecord& e) const {
  std::uint8_t bits = e.evidence0;
  for (std::uint32_t i = e.extra; i != kNone;) {
    const Interval& iv = p_.intervals[i];
    bits |= iv.evidence;
    i = iv.next;
  }
  return bits;
}

std::int64_t GraphSnapshot::FirstSeen(const EdgeRecord& e) const {
  std::int64_t first = e.start0;
  for (std::uint32_t i = e.extra; i != kNone;) {
    const Interval& iv = p_.intervals[i];
    first = std::min(first, iv.start);
    i = iv.next;
  }
  return first;
}

std::optional<std::int64_t> GraphSnapshot::EndedAt(const EdgeRecord& e) const {
  if (e.end0 == kOpen) {
    return std::nullopt;
  }
  std::int64_t ended = e.end0;
  for (std::uint32_t i = e.extra; i != kNone;) {
    const Interval& iv = p_.intervals[i];
    if (iv.end == kOpen) {
      return std::nullopt;
    }
    ended = std::max(ended, iv.end);
    i = iv.next;
  }
  return ended;
}

std::optional<Owner> GraphSnapshot::OwnerOf(std::uint32_t v) const {
  const NodeRecord& n = p_.nodes[v];
  if (const NodeAttributes* a = n.attribute_owner ? attributes(v) : nullptr; a != nullptr) {
    if (!a->explicit_owner.empty()) {
      return Owner{a->explicit_owner, OwnerSource::kExplicit};
    }
    if (!a->product_owner.empty()) {
      return Owner{a->product_owner, OwnerSource::kProduct};
    }
  }
  if (n.route < p_.routes->size()) {
    return Owner{(*p_.routes)[n.route].second, OwnerSource::kRoute};
  }
  return std::nullopt;
}

namespace {

template <typename Edges>
std::shared_ptr<const BaseTopology> BuildBase(const Edges& edges, std::uint32_t count,
                                              std::uint32_t nodes) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  std::vector<EdgeRef> refs;
  pairs.reserve(count);
  refs.reserve(count);
  for (std::uint32_t e = 0; e < count; ++e) {
    const EdgeRecord& r = edges[e];
    pairs.emplace_back(r.from, r.to);
    refs.push_back(EdgeRef{e});
  }
  auto base = std::make_shared<BaseTopology>();
  base->csr =
      Csr(boost::edges_are_unsorted_multi_pass, pairs.begin(), pairs.end(), refs.begin(), nodes);
  base->nodes = nodes;
  base->edges = count;
  return base;
}

}  // namespace

std::shared_ptr<const BaseTopology> BuildBaseTopology(const EdgeArray& edges, std::uint32_t count,
                                                      std::uint32_t nodes) {
  return BuildBase(edges, count, nodes);
}

std::shared_ptr<const BaseTopology> BuildBaseTopology(const EdgeArray::Frozen& edges,
                                                      std::uint32_t count, std::uint32_t nodes) {
  return BuildBase(edges, count, nodes);
}

}  // namespace tributary::graph
