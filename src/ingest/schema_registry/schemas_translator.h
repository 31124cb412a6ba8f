#pragma once
// SchemasTranslator: the records of Schema Registry's `_schemas` topic become
// schema_registered, schema_deleted (soft, hard, whole subject),
// compatibility_level_changed and schema_mode_changed events. NOOP records
// carry nothing; unknown key types are quarantined. Stateless.

#include "ingest/translator.h"

namespace tributary::ingest::schema_registry {

class SchemasTranslator final : public SourceTranslator {
 public:
  std::string fold_prefix() const override { return ""; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>&) override {
    return Status::Ok();
  }
  void Translate(const RawRecord& record, TranslationSink& sink) override;
};

}  // namespace tributary::ingest::schema_registry
