#pragma once
// CatalogTranslator: the native catalog CloudEvents (DESIGN.md §3) become their
// domain events one for one; an undecodable record is quarantined. Stateless.

#include "ingest/translator.h"

namespace tributary::ingest::catalog {

class CatalogTranslator final : public SourceTranslator {
 public:
  std::string fold_prefix() const override { return ""; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>&) override {
    return Status::Ok();
  }
  void Translate(const RawRecord& record, TranslationSink& sink) override;
};

}  // namespace tributary::ingest::catalog
