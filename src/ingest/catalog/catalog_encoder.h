#pragma once
// CatalogEncoder: writes the native catalog CloudEvents of DESIGN.md §3 exactly
// as a catalog publisher would (structured JSON, CloudEvents 1.0). The inverse of
// DecodeCatalogEvent; used by tests and the demo simulator. Pure; thread-safe.

#include <string>

#include "tributary/clock.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary::ingest::catalog {

// The CloudEvent context of one event.
struct CatalogEnvelope {
  std::string id;
  std::string source = "/tributary/catalog";
  Timestamp time;
};

// The JSON record value for `event`. Only the catalog event types
// (ProductPublished ... AclRevoked) can be encoded; any other type is an
// InvalidArgument. For events with an `actor`, the actor is the envelope's
// source: the event's own actor field is not written.
Result<std::string> EncodeCatalogEvent(const CatalogEnvelope& envelope, const DomainEvent& event);

}  // namespace tributary::ingest::catalog
