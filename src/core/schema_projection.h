#pragma once
// SchemaProjection: every subject's schema versions, compatibility level and
// mode, from schema_registered / schema_deleted / compatibility_level_changed /
// schema_mode_changed. Single-threaded like every projection; readers get the
// immutable copy the writer publishes (see published()).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/projection.h"
#include "core/published.h"

namespace tributary {

struct SubjectVersion {
  std::int32_t version = 0;
  std::int32_t id = 0;
  std::string schema_type;
  std::string schema;
  std::vector<SchemaRef> references;
  bool deleted = false;
  Timestamp registered_at;
  bool operator==(const SubjectVersion&) const = default;
};

struct SubjectState {
  std::map<std::int32_t, SubjectVersion> versions;  // hard-deleted versions are gone
  std::optional<std::string> level;                 // the subject's own level
  std::optional<std::string> mode;
  bool operator==(const SubjectState&) const = default;
};

struct SchemaState {
  std::map<std::string, SubjectState> subjects;
  std::string global_level = "BACKWARD";  // Schema Registry's default
  std::string global_mode = "READWRITE";
  bool operator==(const SchemaState&) const = default;

  // The level that applies to `subject` (its own, else the global one).
  std::string LevelOf(const std::string& subject) const;
};

class SchemaProjection final : public Projection {
 public:
  std::string_view name() const override { return "schemas"; }
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

  const SchemaState& state() const { return state_; }
  // Publishes a copy for readers when something changed since the last call.
  void Publish();
  // Thread-safe: the latest published copy (never null).
  std::shared_ptr<const SchemaState> published() const;

 private:
  SchemaState state_;
  bool changed_ = true;
  Published<SchemaState> published_;
};

}  // namespace tributary
