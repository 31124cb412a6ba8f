#pragma once
// CatalogProjection: data products, teams and ownership as the catalog events
// (and API writes) describe them. Single-threaded like every projection; copy
// `state()` to hand it to another thread.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/projection.h"
#include "core/published.h"

namespace tributary {

struct ProductState {
  ProductPublished published;     // the latest published fields, updates merged in
  std::string status = "active";  // active | deprecated | retired
  std::optional<ProductDeprecated> deprecation;
  EventSeq last_changed;
  bool operator==(const ProductState&) const = default;
};

struct TeamState {
  std::string display_name;
  std::vector<std::string> contacts;
  bool operator==(const TeamState&) const = default;
};

struct CatalogState {
  std::map<std::string, ProductState> products;  // by product name
  std::map<std::string, TeamState> teams;        // by team name
  std::map<std::string, std::string> owners;     // node id -> team (explicit assignments)
  // team -> the products it subscribed to explicitly (sorted, no duplicates)
  std::map<std::string, std::vector<std::string>> subscriptions;
  bool operator==(const CatalogState&) const = default;
};

// Merges the published fields named in `changes` (a product_updated's) into
// `published`; unknown keys and `product` are ignored.
void MergeProductUpdate(ProductPublished& published, const nlohmann::json& changes);

class CatalogProjection final : public Projection {
 public:
  std::string_view name() const override { return "catalog"; }
  int snapshot_version() const override { return 1; }
  void Apply(const EventRecord& record) override;
  std::string Digest() const override;
  std::string Snapshot() const override;
  SnapshotJob CaptureSnapshot() const override;
  Status Restore(std::string_view snapshot) override;
  void Reset() override {
    state_ = {};
    changed_ = true;
  }

  const CatalogState& state() const { return state_; }
  // Publishes a copy for readers when something changed since the last call.
  void Publish();
  // Thread-safe: the latest published copy (never null).
  std::shared_ptr<const CatalogState> published() const;

 private:
  CatalogState state_;
  bool changed_ = true;
  Published<CatalogState> published_;
};

// Counts of applied events per type and the last sequence number applied.
class EventCountsProjection final : public Projection {
 public:
  std::string_view name() const override { return "event_counts"; }
  int snapshot_version() const override { return 1; }
  void Apply(const EventRecord& record) override;
  std::string Digest() const override;
  std::string Snapshot() const override;
  Status Restore(std::string_view snapshot) override;
  void Reset() override {
    counts_ = {};
    last_seq_ = EventSeq();
  }

  const std::map<std::string, std::int64_t, std::less<>>& counts() const { return counts_; }
  EventSeq last_seq() const { return last_seq_; }

 private:
  std::map<std::string, std::int64_t, std::less<>> counts_;
  EventSeq last_seq_;
};

}  // namespace tributary
