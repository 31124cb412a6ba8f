#include "ingest/schema_registry/schemas_translator.h"

#include "ingest/schema_registry/schemas_decoder.h"

namespace tributary::ingest::schema_registry {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace

void SchemasTranslator::Translate(const RawRecord& record, TranslationSink& sink) {
  auto decoded = DecodeSchemasRecord(record.key, record.value);
  if (!decoded.ok()) {
    sink.Quarantine(decoded.status().message());
    return;
  }
  const auto at = FromMillis(record.timestamp_ms);
  std::visit(Overloaded{
                 [&](const SchemaVersion& v) {
                   if (v.deleted) {
                     sink.Emit(SchemaDeleted{v.subject, v.version, false}, at);
                     return;
                   }
                   sink.Emit(SchemaRegistered{v.subject, v.version, v.id, v.schema_type, v.schema,
                                              v.references},
                             at);
                 },
                 [&](const SchemaHardDeleted& d) {
                   sink.Emit(SchemaDeleted{d.subject, d.version, true}, at);
                 },
                 [&](const ConfigChanged& c) {
                   sink.Emit(CompatibilityLevelChanged{c.subject, c.level.value_or("")}, at);
                 },
                 [&](const ModeChanged& m) {
                   sink.Emit(SchemaModeChanged{m.subject, m.mode.value_or("")}, at);
                 },
                 [&](const SubjectDeleted& d) {
                   sink.Emit(SchemaDeleted{d.subject, std::nullopt, false}, at);
                 },
                 [&](const SubjectCleared& c) {
                   sink.Emit(SchemaDeleted{c.subject, std::nullopt, true}, at);
                 },
                 [](const Noop&) {},
             },
             *decoded);
}

}  // namespace tributary::ingest::schema_registry
