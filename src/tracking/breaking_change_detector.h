#pragma once
// Breaking schema changes (src/tracking/README.md, the rules on schemas).
//
//   * a version registered: checked FULL_TRANSITIVE against every earlier live
//     version; compatible -> compatible_change_recorded; otherwise
//     breaking_change_detected (incompatible_schema, schema_type_changed or
//     invalid_schema) and a critical `breaking_change` intent per team of a
//     transitive downstream consumer, plus the product's subscribers;
//   * a subject, its latest version, or any version hard-deleted while observed
//     consumers read the topic -> breaking_change_detected (schema_deleted or
//     schema_hard_deleted), told the same way.
//
// Pure functions of the DecisionContext; they add to its batch only.

#include <optional>
#include <vector>

#include "core/schema_projection.h"
#include "tracking/decision_context.h"
#include "tributary/events.h"

namespace tributary::tracking {

// Decides about a schema version registered by `record`.
void DetectSchemaChange(DecisionContext& ctx, const EventRecord& record,
                        const SchemaRegistered& registered);

// Decides about a schema (or one of its versions) deleted by `record`.
void DetectSchemaDeletion(DecisionContext& ctx, const EventRecord& record,
                          const SchemaDeleted& deleted);

// Why `current` breaks the subject's consumers, given its earlier versions
// (`history`, deleted ones included, oldest first; `previous` the latest live
// one): the cause and its incompatibilities, or nullopt when every reader can
// read every writer's data (FULL_TRANSITIVE).
struct SchemaVerdict {
  std::string cause;  // incompatible_schema | schema_type_changed | invalid_schema
  std::vector<SchemaIncompatibility> incompatibilities;
};
std::optional<SchemaVerdict> JudgeSchemaChange(const SchemaState& schemas,
                                               const std::vector<const SubjectVersion*>& history,
                                               const SubjectVersion& previous,
                                               const SubjectVersion& current);

}  // namespace tributary::tracking
