#pragma once
// SchemaRegistrySnapshotDiff: what changed between two polls of a registry's
// REST API, as the same typed records the `_schemas` decoder yields, so a
// polled registry (Confluent Cloud hides `_schemas`) and the topic feed one
// translation.
//
//   a version that appears                 -> SchemaVersion (deleted as listed)
//   a version that becomes soft-deleted    -> SchemaVersion{deleted = true}
//   a version that comes back (undeleted)  -> SchemaVersion{deleted = false}
//   a version whose id or text changed     -> SchemaVersion (re-registered after a hard delete)
//   a version that vanishes                -> SchemaHardDeleted when the newer snapshot lists
//                                             soft-deleted versions (so vanished = permanent),
//                                             else SchemaVersion{deleted = true}
//   a global or subject level that changes -> ConfigChanged (level absent when unset)
//   the global mode that changes           -> ModeChanged
//
// Records come in a stable order: config and mode changes first (a new version
// is judged under the level in force), then subjects by name, versions
// ascending. Pure; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/schema_registry/schemas_decoder.h"

namespace tributary::ingest::schema_registry {

struct RegistrySnapshot {
  // subject -> version -> the version (with `deleted` for soft-deleted ones).
  std::map<std::string, std::map<std::int32_t, SchemaVersion>> subjects;
  // True when the poll listed soft-deleted versions too (?deleted=true).
  bool includes_deleted = false;
  std::optional<std::string> global_level;
  std::map<std::string, std::string> subject_levels;  // only subjects with their own level
  std::optional<std::string> global_mode;
  bool operator==(const RegistrySnapshot&) const = default;
};

std::vector<SchemasRecord> SchemaRegistrySnapshotDiff(const RegistrySnapshot& before,
                                                      const RegistrySnapshot& after);

}  // namespace tributary::ingest::schema_registry
