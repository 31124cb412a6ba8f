#include "tracking/migration_detector.h"

#include <set>
#include <string>

namespace tributary::tracking {
namespace {

// The consumers observed reading `product` now (none for an unknown product).
std::set<std::string> ObservedReaders(const DecisionContext& ctx, const ProductState* product) {
  std::set<std::string> out;
  if (product == nullptr) {
    return out;
  }
  for (const auto& r : ctx.Readers(TopicOf(*product))) {
    if (r.observed) {
      out.insert(r.id);
    }
  }
  return out;
}

void DetectProductMigrations(DecisionContext& ctx, const std::string& product,
                             const DeprecationTrack& track, Timestamp time) {
  const auto* old_product = ctx.Product(product);
  if (old_product == nullptr) {
    return;
  }
  const auto* new_product = track.replacement ? ctx.Product(*track.replacement) : nullptr;
  const auto reads_old = ObservedReaders(ctx, old_product);
  const auto reads_new = ObservedReaders(ctx, new_product);
  std::set<std::string> candidates = reads_old;
  for (const auto& [id, c] : track.consumers) {
    candidates.insert(id);
  }
  for (const auto& id : candidates) {
    const char* status = MigrationStatus(reads_old.contains(id), reads_new.contains(id));
    auto it = track.consumers.find(id);
    const std::string from = it == track.consumers.end() ? "" : it->second.status;
    if (from == status) {
      continue;
    }
    const int n = it == track.consumers.end() ? 0 : it->second.changes;
    const std::string key = "migration:" + product + ":" +
                            std::to_string(track.deprecated_seq.value()) + ":" + id + ":" +
                            std::to_string(n);
    ctx.Record(MigrationStatusChanged{product, NodeId::FromTrusted(id), from, status}, time, key);
  }
}

}  // namespace

const char* MigrationStatus(bool reads_old, bool reads_replacement) {
  if (reads_old) {
    return reads_replacement ? kDual : kNotStarted;
  }
  return reads_replacement ? kMigrated : kStopped;
}

void DetectMigrations(DecisionContext& ctx, Timestamp time) {
  for (const auto& [product, track] : ctx.tracking().deprecations) {
    if (!track.retired) {
      DetectProductMigrations(ctx, product, track, time);
    }
  }
}

}  // namespace tributary::tracking
