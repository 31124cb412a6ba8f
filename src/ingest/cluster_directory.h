#pragma once
// ClusterDirectory: which configured cluster a record belongs to. An audit-log
// CRN `.../kafka=<id>/...` maps to the cluster whose config `id` matches; an
// OpenLineage `kafka://host:port` namespace maps to the cluster whose bootstrap
// list contains `host:port`. Immutable after construction; thread-safe.

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tributary::ingest {

struct ClusterInfo {
  std::string name;                    // used in node ids: topic:<name>/<topic>
  std::string id;                      // Kafka cluster id, may be empty
  std::vector<std::string> bootstrap;  // "host:port" entries, lower-cased hosts
};

class ClusterDirectory {
 public:
  ClusterDirectory() = default;
  explicit ClusterDirectory(std::vector<ClusterInfo> clusters) : clusters_(std::move(clusters)) {}

  // The cluster whose `id` is `cluster_id`.
  std::optional<std::string> ByClusterId(std::string_view cluster_id) const {
    for (const auto& c : clusters_) {
      if (!c.id.empty() && c.id == cluster_id) {
        return c.name;
      }
    }
    return std::nullopt;
  }

  // The cluster whose bootstrap list contains `host_port` (host compared
  // case-insensitively).
  std::optional<std::string> ByBootstrap(std::string_view host_port) const {
    std::string wanted(host_port);
    for (auto& ch : wanted) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    for (const auto& c : clusters_) {
      for (const auto& b : c.bootstrap) {
        if (b == wanted) {
          return c.name;
        }
      }
    }
    return std::nullopt;
  }

  const std::vector<ClusterInfo>& clusters() const { return clusters_; }

 private:
  std::vector<ClusterInfo> clusters_;
};

}  // namespace tributary::ingest
