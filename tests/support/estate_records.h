#pragma once
// Records of an estate's metadata topics for end-to-end tests: a one-field
// Avro schema and catalog CloudEvents produced to `tributary.catalog`.

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "ingest/catalog/catalog_encoder.h"
#include "support/kafka_producer.h"
#include "tributary/clock.h"

namespace tributary::testing {

// {"type":"record","name":"Trade","fields":[{"name":"price","type":<price_type>}]}
inline std::string Trade(const std::string& price_type) {
  return R"({"type":"record","name":"Trade","fields":[{"name":"price","type":")" + price_type +
         R"("}]})";
}

// The catalog event `event` as CloudEvent "c-<n>" on partition 0 of tributary.catalog.
inline void Catalog(KafkaProducer& p, int n, const DomainEvent& event) {
  auto value = ingest::catalog::EncodeCatalogEvent(
      {"c-" + std::to_string(n), "/catalog", SystemClock().Now()}, event);
  REQUIRE(value.ok());
  p.Produce("tributary.catalog", 0, std::nullopt, *value);
}

}  // namespace tributary::testing
