#include "ingest/schema_registry/schemas_translator.h"

#include "ingest/schema_registry/registry_poller.h"
#include "ingest/schema_registry/schemas_decoder.h"

namespace tributary::ingest::schema_registry {

void SchemasTranslator::Translate(const RawRecord& record, TranslationSink& sink) {
  auto decoded = DecodeSchemasRecord(record.key, record.value);
  if (!decoded.ok()) {
    sink.Quarantine(decoded.status().message());
    return;
  }
  if (auto event = EventFor(*decoded)) {
    sink.Emit(std::move(*event), FromMillis(record.timestamp_ms));
  }
}

}  // namespace tributary::ingest::schema_registry
