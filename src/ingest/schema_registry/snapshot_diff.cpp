#include "ingest/schema_registry/snapshot_diff.h"

#include <set>

namespace tributary::ingest::schema_registry {

std::vector<SchemasRecord> SchemaRegistrySnapshotDiff(const RegistrySnapshot& before,
                                                      const RegistrySnapshot& after) {
  std::vector<SchemasRecord> out;

  if (before.global_level != after.global_level) {
    out.emplace_back(ConfigChanged{std::nullopt, after.global_level});
  }
  if (before.global_mode != after.global_mode) {
    out.emplace_back(ModeChanged{std::nullopt, after.global_mode});
  }
  std::set<std::string> level_subjects;
  for (const auto& [subject, level] : before.subject_levels) {
    level_subjects.insert(subject);
  }
  for (const auto& [subject, level] : after.subject_levels) {
    level_subjects.insert(subject);
  }
  for (const auto& subject : level_subjects) {
    const auto b = before.subject_levels.find(subject);
    const auto a = after.subject_levels.find(subject);
    const auto old_level =
        b == before.subject_levels.end() ? std::nullopt : std::optional<std::string>(b->second);
    const auto new_level =
        a == after.subject_levels.end() ? std::nullopt : std::optional<std::string>(a->second);
    if (old_level != new_level) {
      out.emplace_back(ConfigChanged{subject, new_level});
    }
  }

  std::set<std::string> subjects;
  for (const auto& [subject, versions] : before.subjects) {
    subjects.insert(subject);
  }
  for (const auto& [subject, versions] : after.subjects) {
    subjects.insert(subject);
  }
  static const std::map<std::int32_t, SchemaVersion> kNone;
  for (const auto& subject : subjects) {
    const auto b = before.subjects.find(subject);
    const auto a = after.subjects.find(subject);
    const auto& old_versions = b == before.subjects.end() ? kNone : b->second;
    const auto& new_versions = a == after.subjects.end() ? kNone : a->second;
    std::set<std::int32_t> numbers;
    for (const auto& [n, v] : old_versions) {
      numbers.insert(n);
    }
    for (const auto& [n, v] : new_versions) {
      numbers.insert(n);
    }
    for (const auto n : numbers) {
      const auto o = old_versions.find(n);
      const auto w = new_versions.find(n);
      if (w != new_versions.end()) {
        if (o == old_versions.end() || !(o->second == w->second)) {
          out.emplace_back(w->second);
        }
        continue;
      }
      // Vanished from the newer listing.
      if (after.includes_deleted) {
        out.emplace_back(SchemaHardDeleted{subject, n});
      } else if (!o->second.deleted) {
        auto gone = o->second;
        gone.deleted = true;
        out.emplace_back(std::move(gone));
      }
    }
  }
  return out;
}

}  // namespace tributary::ingest::schema_registry
