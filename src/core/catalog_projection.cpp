#include "core/catalog_projection.h"

#include <algorithm>

#include <cstdio>

#include "core/field_codec.h"
#include "tributary/overloaded.h"

namespace tributary {
namespace {

nlohmann::json ProductToJson(const ProductState& p) {
  return {{"published", codec::ToJson(p.published)},
          {"status", p.status},
          {"deprecation", codec::ToJson(p.deprecation)},
          {"last_changed", p.last_changed.value()}};
}

Status ProductFromJson(const nlohmann::json& j, ProductState& p) {
  if (auto s = codec::FromJson(j.at("published"), p.published, "published"); !s.ok()) {
    return s;
  }
  p.status = j.at("status").get<std::string>();
  if (auto s = codec::FromJson(j.at("deprecation"), p.deprecation, "deprecation"); !s.ok()) {
    return s;
  }
  p.last_changed = EventSeq(j.at("last_changed").get<std::int64_t>());
  return Status::Ok();
}

nlohmann::json StateToJson(const CatalogState& state) {
  nlohmann::json products = nlohmann::json::object();
  for (const auto& [name, p] : state.products) {
    products[name] = ProductToJson(p);
  }
  nlohmann::json teams = nlohmann::json::object();
  for (const auto& [name, t] : state.teams) {
    teams[name] = {{"display_name", t.display_name}, {"contacts", t.contacts}};
  }
  nlohmann::json out = {{"products", products}, {"teams", teams}, {"owners", state.owners}};
  if (!state.subscriptions.empty()) {  // absent from older snapshots: keeps their digests
    out["subscriptions"] = state.subscriptions;
  }
  return out;
}

}  // namespace

// Merges the fields named in `changes` into `published`.
void MergeProductUpdate(ProductPublished& published, const nlohmann::json& changes) {
  if (!changes.is_object()) {
    return;
  }
  nlohmann::json merged = codec::ToJson(published);
  for (const auto& [key, value] : changes.items()) {
    if (key != "product" && merged.contains(key)) {
      merged[key] = value;
    }
  }
  ProductPublished updated;
  if (codec::FromJsonStruct(merged, updated, "").ok()) {
    published = std::move(updated);
  }
}

SnapshotImage JsonSnapshotImage(const nlohmann::json& state) {
  Fnv1a64 h;
  h.Add(state.dump());
  const auto bytes = nlohmann::json::to_msgpack(state);
  return {h.Hex(), std::string(bytes.begin(), bytes.end())};
}

std::string Fnv1a64::Hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
  return buf;
}

void CatalogProjection::Publish() {
  if (changed_) {
    published_.Set(state_);
    changed_ = false;
  }
}

std::shared_ptr<const CatalogState> CatalogProjection::published() const {
  return published_.Get();
}

void CatalogProjection::Apply(const EventRecord& record) {
  bool touched = true;
  std::visit(Overloaded{
                 [&](const ProductPublished& e) {
                   auto& p = state_.products[e.product];
                   p.published = e;
                   if (p.status == "retired") {
                     p.status = "active";  // republishing a retired product brings it back
                     p.deprecation.reset();
                   }
                   p.last_changed = record.seq;
                 },
                 [&](const ProductUpdated& e) {
                   auto it = state_.products.find(e.product);
                   if (it == state_.products.end()) {
                     return;
                   }
                   MergeProductUpdate(it->second.published, e.changes);
                   it->second.last_changed = record.seq;
                 },
                 [&](const ProductDeprecated& e) {
                   auto it = state_.products.find(e.product);
                   if (it == state_.products.end() || it->second.status == "retired") {
                     return;
                   }
                   it->second.status = "deprecated";
                   it->second.deprecation = e;
                   it->second.last_changed = record.seq;
                 },
                 [&](const ProductUndeprecated& e) {
                   auto it = state_.products.find(e.product);
                   if (it == state_.products.end() || it->second.status != "deprecated") {
                     return;
                   }
                   it->second.status = "active";
                   it->second.deprecation.reset();
                   it->second.last_changed = record.seq;
                 },
                 [&](const ProductRetired& e) {
                   auto it = state_.products.find(e.product);
                   if (it == state_.products.end()) {
                     return;
                   }
                   it->second.status = "retired";
                   it->second.last_changed = record.seq;
                 },
                 [&](const TeamUpserted& e) {
                   state_.teams[e.team] = TeamState{e.display_name, e.contacts};
                 },
                 [&](const OwnershipAssigned& e) { state_.owners[e.node.str()] = e.team; },
                 [&](const TeamSubscriptionsSet& e) {
                   auto products = e.products;
                   std::sort(products.begin(), products.end());
                   products.erase(std::unique(products.begin(), products.end()), products.end());
                   if (products.empty()) {
                     state_.subscriptions.erase(e.team);
                   } else {
                     state_.subscriptions[e.team] = std::move(products);
                   }
                 },
                 [&](const auto&) { touched = false; },
             },
             record.event);

  changed_ = changed_ || touched;
}

std::string CatalogProjection::Digest() const {
  Fnv1a64 h;
  h.Add(StateToJson(state_).dump());
  return h.Hex();
}

std::string CatalogProjection::Snapshot() const {
  const auto bytes = nlohmann::json::to_msgpack(StateToJson(state_));
  return std::string(bytes.begin(), bytes.end());
}

SnapshotJob CatalogProjection::CaptureSnapshot() const {
  return [state = std::make_shared<const CatalogState>(state_)] {
    return JsonSnapshotImage(StateToJson(*state));
  };
}

Status CatalogProjection::Restore(std::string_view snapshot) {
  auto j = nlohmann::json::from_msgpack(snapshot.begin(), snapshot.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("catalog snapshot is not valid MessagePack");
  }
  CatalogState state;
  try {
    for (const auto& [name, pj] : j.at("products").items()) {
      ProductState p;
      if (auto s = ProductFromJson(pj, p); !s.ok()) {
        return Corruption("catalog snapshot: product " + name + ": " + s.message());
      }
      state.products.emplace(name, std::move(p));
    }
    for (const auto& [name, tj] : j.at("teams").items()) {
      state.teams.emplace(name, TeamState{tj.at("display_name").get<std::string>(),
                                          tj.at("contacts").get<std::vector<std::string>>()});
    }
    state.owners = j.at("owners").get<std::map<std::string, std::string>>();
    if (j.contains("subscriptions")) {
      state.subscriptions =
          j.at("subscriptions").get<std::map<std::string, std::vector<std::string>>>();
    }
  } catch (const nlohmann::json::exception& e) {
    return Corruption(std::string("catalog snapshot: ") + e.what());
  }
  state_ = std::move(state);
  changed_ = true;
  return Status::Ok();
}

void EventCountsProjection::Apply(const EventRecord& record) {
  if (const auto* marker = std::get_if<LogCompacted>(&record.event)) {
    // The counts are of events ever recorded: the same whether this
    // projection saw the events a compaction removed or replays without them.
    for (const auto& t : marker->totals) {
      counts_.insert_or_assign(t.type, t.total);
    }
  }
  const auto type = TypeName(record.event);
  auto it = counts_.find(type);
  if (it == counts_.end()) {
    counts_.emplace(std::string(type), 1);
  } else {
    ++it->second;
  }
  last_seq_ = record.seq;
}

std::string EventCountsProjection::Digest() const {
  Fnv1a64 h;
  for (const auto& [type, n] : counts_) {
    h.Add(type);
    h.Add(static_cast<std::uint64_t>(n));
  }
  h.Add(static_cast<std::uint64_t>(last_seq_.value()));
  return h.Hex();
}

std::string EventCountsProjection::Snapshot() const {
  nlohmann::json j = {{"counts", counts_}, {"last_seq", last_seq_.value()}};
  const auto bytes = nlohmann::json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

Status EventCountsProjection::Restore(std::string_view snapshot) {
  auto j = nlohmann::json::from_msgpack(snapshot.begin(), snapshot.end(), true, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("event_counts snapshot is not valid MessagePack");
  }
  try {
    counts_.clear();
    for (const auto& [type, n] : j.at("counts").items()) {
      counts_.emplace(type, n.get<std::int64_t>());
    }
    last_seq_ = EventSeq(j.at("last_seq").get<std::int64_t>());
  } catch (const nlohmann::json::exception& e) {
    return Corruption(std::string("event_counts snapshot: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace tributary
