#pragma once
// Projections: state derived from the event log by applying events in order.
//
// A projection is a deterministic function of the events it has applied: the
// same events in the same order give the same Digest(), whether applied live,
// restored from a snapshot and then the tail, or replayed from zero (DESIGN.md §2
// principle 1). Projections are single-threaded: one writer applies events;
// readers get copies or immutable snapshots the projection publishes itself.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary {

// A projection's snapshot: the bytes Restore() takes, and Digest() of the state.
struct SnapshotImage {
  std::string digest;
  std::string state;
};

// Serializes a captured state; may run on any thread, after the projection has
// moved on.
using SnapshotJob = std::function<SnapshotImage()>;

// The image of a state kept as JSON: Fnv1a64 of its text as the digest, and
// its MessagePack encoding as the bytes.
SnapshotImage JsonSnapshotImage(const nlohmann::json& state);

class Projection {
 public:
  virtual ~Projection() = default;

  // Stable name, used as the snapshot key.
  virtual std::string_view name() const = 0;
  // Version of the Snapshot() format; a stored snapshot of another version is
  // ignored and the projection is rebuilt from the log.
  virtual int snapshot_version() const = 0;

  virtual void Apply(const EventRecord& record) = 0;
  // A digest of the whole state, as 16 hex digits.
  virtual std::string Digest() const = 0;
  virtual std::string Snapshot() const = 0;
  // Captures the state as it is now, cheaply (a copy, or immutable views that
  // share the projection's memory), for a snapshot serialized off the writer
  // thread: the job's image equals {Digest(), Snapshot()} at the capture. The
  // default serializes at once.
  virtual SnapshotJob CaptureSnapshot() const {
    return [image = SnapshotImage{Digest(), Snapshot()}] { return image; };
  }
  // Replaces the state with a snapshot taken by Snapshot().
  virtual Status Restore(std::string_view snapshot) = 0;
  // Back to the empty state.
  virtual void Reset() = 0;
};

// 64-bit FNV-1a, for projection digests. Not for security.
class Fnv1a64 {
 public:
  void Add(std::string_view bytes) {
    for (const char c : bytes) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 1099511628211ULL;
    }
  }
  void Add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xff;
      hash_ *= 1099511628211ULL;
    }
  }
  std::uint64_t value() const { return hash_; }
  std::string Hex() const;

 private:
  std::uint64_t hash_ = 14695981039346656037ULL;
};

}  // namespace tributary
