#pragma once
// CatalogDecoder: the native catalog CloudEvents of DESIGN.md §3 (topic
// `tributary.catalog`, CloudEvents 1.0 in structured or binary content mode,
// ingest/cloudevents/cloudevents_envelope.h) into domain events.
//
//   tributary.product.published    -> ProductPublished
//   tributary.product.updated      -> ProductUpdated (changes = the published fields given)
//   tributary.product.deprecated   -> ProductDeprecated   (actor = the CloudEvent source)
//   tributary.product.undeprecated -> ProductUndeprecated (actor = source)
//   tributary.product.retired      -> ProductRetired      (actor = source)
//   tributary.team.upserted        -> TeamUpserted
//   tributary.ownership.assigned   -> OwnershipAssigned
//   tributary.acl.created/deleted  -> AclGranted / AclRevoked (actor = source)
//
// Every error is an InvalidArgument naming the type and the field, e.g.
// `tributary.product.deprecated: data.sunset: "next week" is not an RFC 3339 time ...`;
// the caller quarantines the record. Pure functions; thread-safe.

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ingest/raw_record.h"
#include "tributary/clock.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary::ingest::catalog {

struct DecodedCatalogEvent {
  std::string id;      // CloudEvent id (unique per source)
  std::string source;  // CloudEvent source, also the actor of catalog changes
  std::string type;    // e.g. tributary.product.published
  Timestamp time;      // CloudEvent time
  DomainEvent event;
};

// Decodes one record value with the record's headers (the attributes of a
// binary-mode event). Refuses values over 1 MiB.
Result<DecodedCatalogEvent> DecodeCatalogEvent(std::string_view value,
                                               std::span<const RecordHeader> headers = {});

// The event one catalog CloudEvent's `data` becomes (`actor`: its source),
// validated as DecodeCatalogEvent does; errors name the field ("data.owner: ...").
// The API's catalog writes use it so that they accept exactly what the topic does.
Result<DomainEvent> DecodeCatalogData(std::string_view type, const nlohmann::json& data,
                                      const std::string& actor);

// The CloudEvent types this decoder understands.
bool IsCatalogEventType(std::string_view type);

}  // namespace tributary::ingest::catalog
