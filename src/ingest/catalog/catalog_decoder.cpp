#include "ingest/catalog/catalog_decoder.h"

#include "core/input_rules.h"

#include <array>
#include <utility>

#include "ingest/cloudevents/cloudevents_envelope.h"
#include "ingest/json_input.h"

namespace tributary::ingest::catalog {
namespace {

namespace js = ::tributary::ingest::json;
using nlohmann::json;
using ::tributary::ingest::cloudevents::CloudEventsEnvelope;

constexpr std::string_view kPublished = "tributary.product.published";
constexpr std::string_view kUpdated = "tributary.product.updated";
constexpr std::string_view kDeprecated = "tributary.product.deprecated";
constexpr std::string_view kUndeprecated = "tributary.product.undeprecated";
constexpr std::string_view kRetired = "tributary.product.retired";
constexpr std::string_view kTeamUpserted = "tributary.team.upserted";
constexpr std::string_view kOwnershipAssigned = "tributary.ownership.assigned";
constexpr std::string_view kAclCreated = "tributary.acl.created";
constexpr std::string_view kAclDeleted = "tributary.acl.deleted";

constexpr std::array<std::string_view, 9> kTypes{kPublished,         kUpdated,    kDeprecated,
                                                 kUndeprecated,      kRetired,    kTeamUpserted,
                                                 kOwnershipAssigned, kAclCreated, kAclDeleted};

// Kafka's legal topic names: 1-249 characters of [a-zA-Z0-9._-].
Status CheckTopicName(std::string_view topic, std::string_view where) {
  bool legal = !topic.empty() && topic.size() <= 249 && topic != "." && topic != "..";
  for (const char c : topic) {
    legal = legal && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-');
  }
  if (!legal) {
    return InvalidArgument(std::string(where) + ": " + js::Quote(topic) +
                           " is not a legal Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)");
  }
  return Status::Ok();
}

// A cluster name becomes the namespace of topic ids, so it cannot hold '/'.
Status CheckClusterName(std::string_view cluster, std::string_view where) {
  if (auto s = js::CheckName(cluster, where); !s.ok()) {
    return s;
  }
  if (cluster.find('/') != std::string_view::npos) {
    return InvalidArgument(std::string(where) + ": " + js::Quote(cluster) +
                           " must not contain '/'");
  }
  return Status::Ok();
}

// A product or team name (core/input_rules.h: Kafka's topic charset).
Result<std::string> EntityName(const json& data, std::string_view key) {
  auto name = js::String(data, key, "data");
  if (!name.ok()) {
    return name;
  }
  if (auto s = CheckEntityName(*name, js::Join("data", key)); !s.ok()) {
    return s;
  }
  return name;
}

// The fields of ProductPublished other than `product`, validated one by one so
// product.updated can check exactly the fields it is given.
Status CheckPublishedField(std::string_view key, const json& value, std::string_view where) {
  auto string_value = [&]() -> Result<std::string> {
    if (!value.is_string()) {
      return js::Expected(where, "a string", value);
    }
    return value.get<std::string>();
  };
  if (key == "tags" || key == "allowed_regions") {
    if (!value.is_array()) {
      return js::Expected(where, "an array of strings", value);
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto item_where = std::string(where) + "[" + std::to_string(i) + "]";
      if (!value[i].is_string()) {
        return js::Expected(item_where, "a string", value[i]);
      }
      if (auto s = js::CheckName(value[i].get_ref<const std::string&>(), item_where); !s.ok()) {
        return s;
      }
      if (auto s =
              CheckText(value[i].get_ref<const std::string&>(), item_where, kMaxShortTextBytes);
          !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  }
  if ((key == "schema_subject" || key == "history" || key == "retention_ms") && value.is_null()) {
    return Status::Ok();  // clears the explicit subject, the declared history or retention
  }
  if (key == "retention_ms") {
    if (!value.is_number_integer() || value.get<std::int64_t>() < -1) {
      return js::Expected(where, "an integer of milliseconds (-1: infinite)", value);
    }
    return Status::Ok();
  }
  auto s = string_value();
  if (!s.ok()) {
    return s.status();
  }
  if (key == "description") {
    return CheckText(*s, where, kMaxFreeTextBytes, /*multiline=*/true);
  }
  if (key == "owner") {
    return CheckEntityName(*s, where);
  }
  if (key == "cluster") {
    return CheckClusterName(*s, where);
  }
  if (key == "topic") {
    return CheckTopicName(*s, where);
  }
  if (key == "quality") {
    return js::OneOf(*s, {"authoritative", "curated", "raw"}, where);
  }
  if (key == "sla") {
    return js::OneOf(*s, {"tier-1", "tier-2", "tier-3"}, where);
  }
  if (key == "history") {
    return js::OneOf(*s, {"recent", "compacted", "all"}, where);
  }
  if (key == "domain") {
    if (auto st = CheckText(*s, where, kMaxShortTextBytes); !st.ok()) {
      return st;
    }
  }
  return js::CheckName(*s, where);  // domain, schema_subject
}

constexpr std::array<std::string_view, 12> kPublishedFields{
    "cluster", "topic", "domain",         "owner",           "description", "quality",
    "sla",     "tags",  "schema_subject", "allowed_regions", "history",     "retention_ms"};

Result<DomainEvent> DecodePublished(const json& data) {
  ProductPublished e;
  auto product = EntityName(data, "product");
  if (!product.ok()) {
    return product.status();
  }
  e.product = std::move(product).value();
  for (const auto key : kPublishedFields) {
    const auto where = js::Join("data", key);
    const auto* v = js::Find(data, key);
    const bool optional = key == "description" || key == "tags" || key == "schema_subject" ||
                          key == "allowed_regions" || key == "history" || key == "retention_ms";
    if (v == nullptr) {
      if (optional) {
        continue;
      }
      return js::Missing(where);
    }
    if (auto s = CheckPublishedField(key, *v, where); !s.ok()) {
      return s;
    }
  }
  e.cluster = data["cluster"].get<std::string>();
  e.topic = data["topic"].get<std::string>();
  e.domain = data["domain"].get<std::string>();
  e.owner = data["owner"].get<std::string>();
  e.quality = data["quality"].get<std::string>();
  e.sla = data["sla"].get<std::string>();
  if (const auto* v = js::Find(data, "description")) {
    e.description = v->get<std::string>();
  }
  if (const auto* v = js::Find(data, "tags")) {
    for (const auto& t : *v) {
      e.tags.push_back(t.get<std::string>());
    }
  }
  if (const auto* v = js::Find(data, "schema_subject")) {
    e.schema_subject = v->get<std::string>();
  }
  if (const auto* v = js::Find(data, "allowed_regions")) {
    for (const auto& r : *v) {
      e.allowed_regions.push_back(r.get<std::string>());
    }
  }
  if (const auto* v = js::Find(data, "history"); v != nullptr && !v->is_null()) {
    e.history = v->get<std::string>();
  }
  if (const auto* v = js::Find(data, "retention_ms"); v != nullptr && !v->is_null()) {
    e.retention_ms = v->get<std::int64_t>();
  }
  return DomainEvent(std::move(e));
}

Result<DomainEvent> DecodeUpdated(const json& data) {
  ProductUpdated e;
  auto product = EntityName(data, "product");
  if (!product.ok()) {
    return product.status();
  }
  e.product = std::move(product).value();
  for (const auto key : kPublishedFields) {
    const auto it = data.find(key);
    if (it == data.end() ||
        (it->is_null() && key != "schema_subject" && key != "history" && key != "retention_ms")) {
      continue;
    }
    if (auto s = CheckPublishedField(key, *it, js::Join("data", key)); !s.ok()) {
      return s;
    }
    e.changes[std::string(key)] = *it;
  }
  if (e.changes.empty()) {
    return InvalidArgument(
        "data: names no field to change (cluster, topic, domain, owner, description, quality, "
        "sla, tags, schema_subject, allowed_regions, history, retention_ms)");
  }
  return DomainEvent(std::move(e));
}

Result<DomainEvent> DecodeDeprecated(const json& data, const std::string& actor) {
  ProductDeprecated e;
  e.actor = actor;
  auto product = EntityName(data, "product");
  if (!product.ok()) {
    return product.status();
  }
  e.product = std::move(product).value();
  auto reason = js::String(data, "reason", "data");
  if (!reason.ok()) {
    return reason.status();
  }
  e.reason = std::move(reason).value();
  if (auto s = CheckText(e.reason, "data.reason", kMaxFreeTextBytes, /*multiline=*/true); !s.ok()) {
    return s;
  }
  auto sunset = js::Time(data, "sunset", "data");
  if (!sunset.ok()) {
    return sunset.status();
  }
  e.sunset = *sunset;
  auto replacement = js::OptionalName(data, "replacement", "data");
  if (!replacement.ok()) {
    return replacement.status();
  }
  e.replacement = std::move(replacement).value();
  if (e.replacement) {
    if (auto s = CheckEntityName(*e.replacement, "data.replacement"); !s.ok()) {
      return s;
    }
  }
  return DomainEvent(std::move(e));
}

template <typename Event>
Result<DomainEvent> DecodeProductOnly(const json& data, const std::string& actor) {
  Event e;
  e.actor = actor;
  auto product = EntityName(data, "product");
  if (!product.ok()) {
    return product.status();
  }
  e.product = std::move(product).value();
  return DomainEvent(std::move(e));
}

Result<DomainEvent> DecodeTeam(const json& data) {
  TeamUpserted e;
  auto team = EntityName(data, "team");
  if (!team.ok()) {
    return team.status();
  }
  e.team = std::move(team).value();
  auto display = js::OptionalString(data, "display_name", "data");
  if (!display.ok()) {
    return display.status();
  }
  e.display_name = display->value_or(e.team);
  if (auto s = CheckText(e.display_name, "data.display_name", kMaxShortTextBytes); !s.ok()) {
    return s;
  }
  auto contacts = js::NameList(data, "contacts", "data");
  if (!contacts.ok()) {
    return contacts.status();
  }
  e.contacts = std::move(contacts).value();
  return DomainEvent(std::move(e));
}

Result<DomainEvent> DecodeOwnership(const json& data) {
  OwnershipAssigned e;
  auto node = js::String(data, "node", "data");
  if (!node.ok()) {
    return node.status();
  }
  auto id = NodeId::Parse(*node);
  if (!id.ok()) {
    return InvalidArgument("data.node: " + id.status().message());
  }
  e.node = std::move(id).value();
  auto team = EntityName(data, "team");
  if (!team.ok()) {
    return team.status();
  }
  e.team = std::move(team).value();
  return DomainEvent(std::move(e));
}

Result<AclBinding> DecodeAcl(const json& data) {
  AclBinding acl;
  struct Part {
    std::string_view key;
    std::string AclBinding::*member;
  };
  for (const Part& p :
       {Part{"cluster", &AclBinding::cluster}, Part{"principal", &AclBinding::principal},
        Part{"resource_type", &AclBinding::resource_type},
        Part{"resource_name", &AclBinding::resource_name},
        Part{"pattern_type", &AclBinding::pattern_type}, Part{"operation", &AclBinding::operation},
        Part{"permission", &AclBinding::permission}}) {
    auto s = js::Name(data, p.key, "data");
    if (!s.ok()) {
      return s.status();
    }
    acl.*(p.member) = std::move(s).value();
  }
  auto host = js::OptionalName(data, "host", "data");
  if (!host.ok()) {
    return host.status();
  }
  acl.host = host->value_or("*");
  if (auto s = CheckClusterName(acl.cluster, "data.cluster"); !s.ok()) {
    return s;
  }
  acl.resource_type = js::Upper(acl.resource_type);
  acl.operation = js::Upper(acl.operation);
  acl.pattern_type = js::Upper(acl.pattern_type);
  acl.permission = js::Upper(acl.permission);
  if (auto s =
          js::OneOf(acl.resource_type,
                    {"TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"},
                    "data.resource_type");
      !s.ok()) {
    return s;
  }
  if (auto s = js::OneOf(acl.pattern_type, {"LITERAL", "PREFIXED"}, "data.pattern_type"); !s.ok()) {
    return s;
  }
  if (auto s = js::OneOf(acl.operation,
                         {"ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE",
                          "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE",
                          "CREATE_TOKENS", "DESCRIBE_TOKENS"},
                         "data.operation");
      !s.ok()) {
    return s;
  }
  if (auto s = js::OneOf(acl.permission, {"ALLOW", "DENY"}, "data.permission"); !s.ok()) {
    return s;
  }
  return acl;
}

Result<DomainEvent> DecodeData(std::string_view type, const json& data, const std::string& actor) {
  if (type == kPublished) {
    return DecodePublished(data);
  }
  if (type == kUpdated) {
    return DecodeUpdated(data);
  }
  if (type == kDeprecated) {
    return DecodeDeprecated(data, actor);
  }
  if (type == kUndeprecated) {
    return DecodeProductOnly<ProductUndeprecated>(data, actor);
  }
  if (type == kRetired) {
    return DecodeProductOnly<ProductRetired>(data, actor);
  }
  if (type == kTeamUpserted) {
    return DecodeTeam(data);
  }
  if (type == kOwnershipAssigned) {
    return DecodeOwnership(data);
  }
  auto acl = DecodeAcl(data);
  if (!acl.ok()) {
    return acl.status();
  }
  if (type == kAclCreated) {
    return DomainEvent(AclGranted{std::move(acl).value(), actor});
  }
  return DomainEvent(AclRevoked{std::move(acl).value(), actor});
}

Result<DecodedCatalogEvent> Decode(std::string_view value, std::span<const RecordHeader> headers) {
  auto envelope = CloudEventsEnvelope::Parse(value, headers, "catalog event");
  if (!envelope.ok()) {
    return envelope.status();
  }
  DecodedCatalogEvent out{};
  auto type = envelope->Type();
  if (!type.ok()) {
    return type.status();
  }
  out.type = std::move(type).value();
  if (!IsCatalogEventType(out.type)) {
    return InvalidArgument("type: " + js::Quote(out.type) + " is not a catalog event type");
  }
  // From here on every message starts with the type.
  auto fail = [&](const Status& s) { return InvalidArgument(out.type + ": " + s.message()); };
  auto id = envelope->Id();
  if (!id.ok()) {
    return fail(id.status());
  }
  out.id = std::move(id).value();
  auto source = envelope->Source();
  if (!source.ok()) {
    return fail(source.status());
  }
  out.source = std::move(source).value();
  auto time = envelope->Time();
  if (!time.ok()) {
    return fail(time.status());
  }
  out.time = *time;
  if (auto s = envelope->CheckDataContentType(); !s.ok()) {
    return fail(s);
  }
  auto data = envelope->Data();
  if (!data.ok()) {
    return fail(data.status());
  }
  auto event = DecodeData(out.type, **data, out.source);
  if (!event.ok()) {
    return fail(event.status());
  }
  out.event = std::move(event).value();
  return out;
}

}  // namespace

bool IsCatalogEventType(std::string_view type) {
  for (const auto t : kTypes) {
    if (t == type) {
      return true;
    }
  }
  return false;
}

Result<DomainEvent> DecodeCatalogData(std::string_view type, const json& data,
                                      const std::string& actor) {
  if (!IsCatalogEventType(type)) {
    return InvalidArgument("type: " + js::Quote(type) + " is not a catalog event type");
  }
  if (!data.is_object()) {
    return js::Expected("data", "an object", data);
  }
  return DecodeData(type, data, actor);
}

Result<DecodedCatalogEvent> DecodeCatalogEvent(std::string_view value,
                                               std::span<const RecordHeader> headers) {
  try {
    return Decode(value, headers);
  } catch (const std::exception& e) {
    // Not expected: every access above is checked. A record must never stop the pipeline.
    return InvalidArgument(std::string("catalog event could not be decoded: ") + e.what());
  }
}

}  // namespace tributary::ingest::catalog
