#include "ingest/catalog/catalog_encoder.h"

#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace tributary::ingest::catalog {
namespace {

using ordered = nlohmann::ordered_json;

ordered AclData(const AclBinding& acl) {
  ordered d;
  d["cluster"] = acl.cluster;
  d["principal"] = acl.principal;
  d["resource_type"] = acl.resource_type;
  d["resource_name"] = acl.resource_name;
  d["pattern_type"] = acl.pattern_type;
  d["operation"] = acl.operation;
  d["permission"] = acl.permission;
  d["host"] = acl.host;
  return d;
}

// The CloudEvent type and data of a catalog event; nullopt for other events.
std::optional<std::pair<std::string, ordered>> TypeAndData(const DomainEvent& event) {
  return std::visit(
      [](const auto& e) -> std::optional<std::pair<std::string, ordered>> {
        using T = std::decay_t<decltype(e)>;
        ordered d;
        if constexpr (std::is_same_v<T, ProductPublished>) {
          d["product"] = e.product;
          d["cluster"] = e.cluster;
          d["topic"] = e.topic;
          d["domain"] = e.domain;
          d["owner"] = e.owner;
          d["description"] = e.description;
          d["quality"] = e.quality;
          d["sla"] = e.sla;
          d["tags"] = e.tags;
          if (e.schema_subject) {
            d["schema_subject"] = *e.schema_subject;
          }
          if (!e.allowed_regions.empty()) {
            d["allowed_regions"] = e.allowed_regions;
          }
          if (e.history) {
            d["history"] = *e.history;
          }
          if (e.retention_ms) {
            d["retention_ms"] = *e.retention_ms;
          }
          return std::pair{std::string("tributary.product.published"), std::move(d)};
        } else if constexpr (std::is_same_v<T, ProductUpdated>) {
          d["product"] = e.product;
          if (e.changes.is_object()) {
            for (const auto& [key, value] : e.changes.items()) {
              d[key] = ordered::parse(value.dump());
            }
          }
          return std::pair{std::string("tributary.product.updated"), std::move(d)};
        } else if constexpr (std::is_same_v<T, ProductDeprecated>) {
          d["product"] = e.product;
          d["reason"] = e.reason;
          d["sunset"] = FormatRfc3339(e.sunset);
          if (e.replacement) {
            d["replacement"] = *e.replacement;
          }
          return std::pair{std::string("tributary.product.deprecated"), std::move(d)};
        } else if constexpr (std::is_same_v<T, ProductUndeprecated>) {
          d["product"] = e.product;
          return std::pair{std::string("tributary.product.undeprecated"), std::move(d)};
        } else if constexpr (std::is_same_v<T, ProductRetired>) {
          d["product"] = e.product;
          return std::pair{std::string("tributary.product.retired"), std::move(d)};
        } else if constexpr (std::is_same_v<T, TeamUpserted>) {
          d["team"] = e.team;
          d["display_name"] = e.display_name;
          d["contacts"] = e.contacts;
          return std::pair{std::string("tributary.team.upserted"), std::move(d)};
        } else if constexpr (std::is_same_v<T, OwnershipAssigned>) {
          d["node"] = e.node.str();
          d["team"] = e.team;
          return std::pair{std::string("tributary.ownership.assigned"), std::move(d)};
        } else if constexpr (std::is_same_v<T, AclGranted>) {
          return std::pair{std::string("tributary.acl.created"), AclData(e.acl)};
        } else if constexpr (std::is_same_v<T, AclRevoked>) {
          return std::pair{std::string("tributary.acl.deleted"), AclData(e.acl)};
        } else {
          return std::nullopt;
        }
      },
      event);
}

}  // namespace

Result<std::string> EncodeCatalogEvent(const CatalogEnvelope& envelope, const DomainEvent& event) {
  auto type_and_data = TypeAndData(event);
  if (!type_and_data) {
    return InvalidArgument("\"" + std::string(TypeName(event)) + "\" is not a catalog event type");
  }
  ordered root;
  root["specversion"] = "1.0";
  root["id"] = envelope.id;
  root["source"] = envelope.source;
  root["type"] = type_and_data->first;
  root["time"] = FormatRfc3339(envelope.time);
  root["datacontenttype"] = "application/json";
  root["data"] = std::move(type_and_data->second);
  return root.dump();
}

}  // namespace tributary::ingest::catalog
