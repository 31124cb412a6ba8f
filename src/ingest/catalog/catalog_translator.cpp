#include "ingest/catalog/catalog_translator.h"

#include "ingest/catalog/catalog_decoder.h"

namespace tributary::ingest::catalog {

void CatalogTranslator::Translate(const RawRecord& record, TranslationSink& sink) {
  if (!record.value) {
    // Compaction tombstones carry no event.
    return;
  }
  auto decoded = DecodeCatalogEvent(*record.value, record.headers);
  if (!decoded.ok()) {
    sink.Quarantine(decoded.status().message());
    return;
  }
  sink.Emit(std::move(decoded->event), decoded->time);
}

}  // namespace tributary::ingest::catalog
