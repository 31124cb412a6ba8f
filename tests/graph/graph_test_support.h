#pragma once
// Test support for the lineage graph: feeding events with times and sequence
// numbers, and short-hand node ids.

#include <cstdint>
#include <string>

#include "graph/lineage_projection.h"
#include "tributary/events.h"

namespace tributary::graph::testing {

// An hour-granular clock: H(0) is a fixed instant, H(-24) a day before it.
inline Timestamp H(int hours) {
  return FromMillis(1'764'000'000'000LL + std::int64_t{hours} * 3'600'000LL);
}

inline NodeId Topic(const std::string& name) { return NodeId::Topic("local", name); }
inline NodeId Group(const std::string& name) { return NodeId::Group("local", name); }
inline NodeId Job(const std::string& name) { return NodeId::Job("flink", name); }
inline NodeId User(const std::string& name) { return NodeId::Principal("User:" + name); }

inline AclBinding Acl(std::string principal, std::string name, std::string pattern,
                      std::string operation, std::string permission = "ALLOW",
                      std::string cluster = "local") {
  return AclBinding{
      std::move(cluster),   "User:" + principal,   "TOPIC", std::move(name), std::move(pattern),
      std::move(operation), std::move(permission), "*"};
}

// Applies events in order with increasing sequence numbers.
class Feed {
 public:
  explicit Feed(LineageProjection& projection) : projection_(projection) {}
  void operator()(DomainEvent event, Timestamp t) {
    EventRecord record{EventSeq(++seq_), t, t, "test", std::move(event)};
    projection_.Apply(record);
    records_.push_back(std::move(record));
  }
  const std::vector<EventRecord>& records() const { return records_; }

 private:
  LineageProjection& projection_;
  std::int64_t seq_ = 0;
  std::vector<EventRecord> records_;
};

}  // namespace tributary::graph::testing
