#include <catch2/catch.hpp>

#include "ingest/schema_registry/snapshot_diff.h"

using namespace tributary;
using namespace tributary::ingest::schema_registry;

namespace {

SchemaVersion V(const std::string& subject, std::int32_t version, std::int32_t id,
                bool deleted = false) {
  return SchemaVersion{subject, version, id, "AVRO", {}, "\"string\"", deleted};
}

RegistrySnapshot With(std::initializer_list<SchemaVersion> versions) {
  RegistrySnapshot s;
  s.includes_deleted = true;
  for (const auto& v : versions) {
    s.subjects[v.subject][v.version] = v;
  }
  return s;
}

}  // namespace

TEST_CASE("the snapshot diff yields the records the _schemas topic would have carried") {
  SECTION("identical snapshots yield nothing") {
    const auto s = With({V("a", 1, 1), V("a", 2, 2)});
    CHECK(SchemaRegistrySnapshotDiff(s, s).empty());
  }
  SECTION("new versions appear in subject and version order") {
    const auto before = With({V("b", 1, 1)});
    const auto after = With({V("b", 1, 1), V("b", 2, 3), V("a", 1, 2)});
    CHECK(SchemaRegistrySnapshotDiff(before, after) ==
          std::vector<SchemasRecord>{V("a", 1, 2), V("b", 2, 3)});
  }
  SECTION("a soft delete and an undelete re-send the version with its flag") {
    const auto before = With({V("a", 1, 1)});
    const auto after = With({V("a", 1, 1, true)});
    CHECK(SchemaRegistrySnapshotDiff(before, after) ==
          std::vector<SchemasRecord>{V("a", 1, 1, true)});
    CHECK(SchemaRegistrySnapshotDiff(after, before) == std::vector<SchemasRecord>{V("a", 1, 1)});
  }
  SECTION("a version that vanishes from a listing with deleted versions was hard-deleted") {
    const auto before = With({V("a", 1, 1, true), V("a", 2, 2)});
    const auto after = With({V("a", 2, 2)});
    CHECK(SchemaRegistrySnapshotDiff(before, after) ==
          std::vector<SchemasRecord>{SchemaHardDeleted{"a", 1}});
  }
  SECTION("without deleted versions listed, a vanished version counts as soft-deleted") {
    auto before = With({V("a", 1, 1), V("a", 2, 2)});
    auto after = With({V("a", 2, 2)});
    after.includes_deleted = false;
    CHECK(SchemaRegistrySnapshotDiff(before, after) ==
          std::vector<SchemasRecord>{V("a", 1, 1, true)});
  }
  SECTION("config and mode changes come first") {
    auto before = With({});
    before.global_level = "BACKWARD";
    before.subject_levels = {{"a", "FULL"}, {"b", "NONE"}};
    auto after = With({V("a", 1, 1)});
    after.global_level = "FORWARD";
    after.global_mode = "READONLY";
    after.subject_levels = {{"a", "FULL"}, {"c", "BACKWARD"}};
    CHECK(SchemaRegistrySnapshotDiff(before, after) ==
          std::vector<SchemasRecord>{ConfigChanged{std::nullopt, "FORWARD"},
                                     ModeChanged{std::nullopt, "READONLY"},
                                     ConfigChanged{std::string("b"), std::nullopt},
                                     ConfigChanged{std::string("c"), "BACKWARD"}, V("a", 1, 1)});
  }
  SECTION("the first poll against an empty state lists everything") {
    auto after = With({V("a", 1, 1)});
    after.global_level = "BACKWARD";
    CHECK(SchemaRegistrySnapshotDiff(RegistrySnapshot{}, after).size() == 2);
  }
}
