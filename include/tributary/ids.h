#pragma once
// Strong identifiers: values that must not be mixed get their own types.
//
// NodeId is the stable string id of a lineage node (DESIGN.md §4):
//   topic:<cluster>/<topic>   group:<cluster>/<group>   principal:<principal>
//   job:<namespace>/<name>    team:<name>               dataset:<namespace>/<name>
// A dataset is named as OpenLineage names it (https://openlineage.io/docs/spec/naming):
// a namespace (the data source, often a URI such as s3://bucket or
// postgres://host:5432) and a name within it, kept apart. The namespace's '/' and
// '%' are written %2F and %25, so the name, as given, is all after the first '/':
//   s3://bucket + path/to/file  ->  dataset:s3:%2F%2Fbucket/path/to/file
//   file + /data/x              ->  dataset:file//data/x
// NodeIds are plain values; construct them with the factories (which cannot fail)
// or NodeId::Parse (which validates text from outside).

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "tributary/result.h"

namespace tributary {

// A number type that does not mix with other number types.
template <typename Tag, typename T>
class StrongInt {
 public:
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(T value) : value_(value) {}
  constexpr T value() const { return value_; }
  auto operator<=>(const StrongInt&) const = default;

 private:
  T value_{};
};

// The position of an event in the log; 1 is the first event, 0 means "before all".
using EventSeq = StrongInt<struct EventSeqTag, std::int64_t>;
// A Schema Registry schema id.
using SchemaId = StrongInt<struct SchemaIdTag, std::int32_t>;

enum class NodeKind { kTopic, kGroup, kPrincipal, kJob, kTeam, kDataset };
std::string_view ToString(NodeKind kind);  // the id prefix: "topic", "group", ...

class NodeId {
 public:
  NodeId() = default;

  static NodeId Topic(std::string_view cluster, std::string_view topic);
  static NodeId Group(std::string_view cluster, std::string_view group);
  static NodeId Principal(std::string_view principal);
  static NodeId Job(std::string_view job_namespace, std::string_view name);
  static NodeId Team(std::string_view name);
  static NodeId Dataset(std::string_view dataset_namespace, std::string_view name);

  // Validates an id from outside (API, events, config): a known kind prefix, a
  // non-empty body, valid UTF-8 without control characters, and for kinds with a
  // namespace a '/' separating two non-empty parts.
  static Result<NodeId> Parse(std::string_view text);
  // For ids already validated (read back from the event log).
  static NodeId FromTrusted(std::string text) { return NodeId(std::move(text)); }

  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }
  NodeKind kind() const;
  // What follows "<kind>:", e.g. "local/orders" for "topic:local/orders".
  std::string_view body() const;
  // The part after the first '/' for namespaced kinds (topic name, group name,
  // job name, dataset name as given), else the whole body.
  std::string_view name() const;
  // The part before the name for namespaced kinds (cluster, job namespace, a
  // dataset's namespace as given: "s3://bucket"); empty for the others.
  std::string space() const;

  auto operator<=>(const NodeId&) const = default;

 private:
  explicit NodeId(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// True when `text` is well-formed UTF-8 with no NUL or other C0 control characters.
bool IsCleanUtf8(std::string_view text);

}  // namespace tributary

template <>
struct std::hash<tributary::NodeId> {
  std::size_t operator()(const tributary::NodeId& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
