#pragma once
// CatalogWrites: the API's self-service catalog writes (DESIGN.md §5: publish,
// update, deprecate, retire). The catalog topic stays the system of record:
// where one is configured, a write is produced to it as a structured-mode
// catalog CloudEvent (DESIGN.md §3), so other tools and every replica see it,
// and is answered once this replica's log has applied it (read-your-writes).
// Without a catalog topic the event goes straight to the log.
//
// The composition root (src/app) implements it over the catalog source's
// decoder and a Kafka producer; the HTTP routes only see this port.
// Thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tributary/events.h"
#include "tributary/result.h"
#include "tributary/writer.h"

namespace tributary {

class CatalogWrites {
 public:
  virtual ~CatalogWrites() = default;

  // The domain event that catalog event `type` (e.g.
  // "tributary.product.published") with `data` becomes, validated exactly as a
  // record on the catalog topic is: an InvalidArgument names the field.
  virtual Result<DomainEvent> Decode(std::string_view type, const nlohmann::json& data,
                                     const std::string& actor) const = 0;

  // Writes a catalog event (ProductPublished, ProductUpdated,
  // ProductDeprecated, ProductRetired) authorised as `grant`, and returns once
  // applied. kUnavailable when the catalog topic does not take it, or when it
  // was not applied in time (it may still be: a retry is safe).
  virtual Status Write(const DomainEvent& event, const WriteGrant& grant,
                       std::optional<std::string> dedup_key = std::nullopt) = 0;

  // "kafka:<cluster>/<topic>" where writes go, or "log".
  virtual std::string destination() const = 0;
};

}  // namespace tributary
