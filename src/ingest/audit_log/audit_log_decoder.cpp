#include "ingest/audit_log/audit_log_decoder.h"

#include <array>
#include <utility>

#include "core/text_codec.h"
#include "ingest/cloudevents/cloudevents_envelope.h"
#include "ingest/json_input.h"

namespace tributary::ingest::audit_log {
namespace {

namespace js = ::tributary::ingest::json;
using nlohmann::json;
using ::tributary::ingest::cloudevents::CloudEventsEnvelope;

constexpr std::string_view kAuthorizationType = "io.confluent.kafka.server/authorization";
constexpr std::string_view kRequestType = "io.confluent.kafka.server/request";

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = a[i];
    auto y = b[i];
    x = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
    y = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
    if (x != y) {
      return false;
    }
  }
  return true;
}

struct CrnSegment {
  std::string key;
  std::string value;
};

// "crn://<authority>/k1=v1/k2=v2" -> [{k1,v1},{k2,v2}]; nullopt when not a CRN.
std::optional<std::vector<CrnSegment>> ParseCrn(std::string_view crn) {
  constexpr std::string_view kScheme = "crn://";
  if (crn.substr(0, kScheme.size()) != kScheme) {
    return std::nullopt;
  }
  auto rest = crn.substr(kScheme.size());
  const auto slash = rest.find('/');
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  std::vector<CrnSegment> out;
  while (!rest.empty()) {
    const auto next = rest.find('/');
    const auto seg = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    const auto eq = seg.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    out.push_back({std::string(seg.substr(0, eq)), PercentDecodeLenient(seg.substr(eq + 1))});
  }
  return out;
}

// "TransactionalId" -> "TRANSACTIONAL_ID", "Read" -> "READ", "LITERAL" stays.
std::string UpperSnake(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0 && text[i - 1] >= 'a' && text[i - 1] <= 'z') {
      out.push_back('_');
    }
    out.push_back(c == '-' ? '_' : c);
  }
  return js::Upper(out);
}

// Kafka's AclBinding enums by wire code (org.apache.kafka.common.acl/resource).
std::optional<std::string> EnumByCode(std::string_view field, std::int64_t code) {
  static constexpr std::array<std::string_view, 8> kResource{
      "", "", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN", "USER"};
  static constexpr std::array<std::string_view, 15> kOperation{"",
                                                               "",
                                                               "ALL",
                                                               "READ",
                                                               "WRITE",
                                                               "CREATE",
                                                               "DELETE",
                                                               "ALTER",
                                                               "DESCRIBE",
                                                               "CLUSTER_ACTION",
                                                               "DESCRIBE_CONFIGS",
                                                               "ALTER_CONFIGS",
                                                               "IDEMPOTENT_WRITE",
                                                               "CREATE_TOKENS",
                                                               "DESCRIBE_TOKENS"};
  auto pick = [&](auto& table) -> std::optional<std::string> {
    if (code < 0 || code >= static_cast<std::int64_t>(table.size()) ||
        table[static_cast<std::size_t>(code)].empty()) {
      return std::nullopt;
    }
    return std::string(table[static_cast<std::size_t>(code)]);
  };
  if (field == "resource_type") {
    return pick(kResource);
  }
  if (field == "operation") {
    return pick(kOperation);
  }
  if (field == "pattern_type") {
    return code == 3   ? std::optional<std::string>("LITERAL")
           : code == 4 ? std::optional<std::string>("PREFIXED")
                       : std::nullopt;
  }
  if (field == "permission") {
    return code == 3   ? std::optional<std::string>("ALLOW")
           : code == 2 ? std::optional<std::string>("DENY")
                       : std::nullopt;
  }
  return std::nullopt;
}

// The first of `names` present in `obj` as a string or integer code.
std::optional<std::string> AclField(const json& obj, std::string_view field,
                                    std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    const auto* v = js::Find(obj, name);
    if (v == nullptr) {
      continue;
    }
    if (v->is_string()) {
      return v->get<std::string>();
    }
    if (v->is_number_integer()) {
      return EnumByCode(field, v->get<std::int64_t>());
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// A binding named by a CreateAcls creation or a DeleteAcls filter; nullopt when
// an entry is incomplete or a filter is a pattern (ANY, MATCH, null) rather than
// one binding. Best effort: the ACL reconcile that follows is authoritative.
std::optional<AclBinding> BindingOf(const json& entry, const std::string& cluster) {
  if (!entry.is_object()) {
    return std::nullopt;
  }
  AclBinding b;
  b.cluster = cluster;
  auto resource_type =
      AclField(entry, "resource_type", {"resourceType", "resource_type", "ResourceType"});
  auto resource_name = AclField(entry, "", {"resourceName", "resource_name", "ResourceName"});
  auto pattern_type = AclField(
      entry, "pattern_type",
      {"patternType", "resourcePatternType", "pattern_type", "ResourcePatternType", "PatternType"});
  auto principal = AclField(entry, "", {"principal", "Principal"});
  auto host = AclField(entry, "", {"host", "Host"});
  auto operation = AclField(entry, "operation", {"operation", "Operation"});
  auto permission = AclField(entry, "permission",
                             {"permissionType", "permission", "permission_type", "PermissionType"});
  if (!resource_type || !resource_name || !principal || !operation || !permission ||
      resource_name->empty() || principal->empty() || !IsCleanUtf8(*resource_name) ||
      !IsCleanUtf8(*principal)) {
    return std::nullopt;
  }
  b.resource_type = UpperSnake(*resource_type);
  b.resource_name = *resource_name;
  b.pattern_type = UpperSnake(pattern_type.value_or("LITERAL"));
  b.principal = *principal;
  b.host = host && !host->empty() && IsCleanUtf8(*host) ? *host : "*";
  b.operation = UpperSnake(*operation);
  b.permission = UpperSnake(*permission);
  if (b.resource_type == "ANY" || b.resource_type == "UNKNOWN" || b.operation == "ANY" ||
      b.operation == "UNKNOWN" || b.permission == "ANY" || b.permission == "UNKNOWN" ||
      (b.pattern_type != "LITERAL" && b.pattern_type != "PREFIXED")) {
    return std::nullopt;
  }
  return b;
}

std::vector<AclBinding> RequestBindings(const json& data, const std::string& cluster,
                                        bool creating) {
  std::vector<AclBinding> out;
  const auto* request = js::Find(data, "request");
  if (request == nullptr || !request->is_object()) {
    return out;
  }
  const json* holder = request;
  if (const auto* inner = js::Find(*request, "data"); inner != nullptr && inner->is_object()) {
    holder = inner;
  }
  static constexpr std::array<std::string_view, 2> kCreations{"creations", "Creations"};
  static constexpr std::array<std::string_view, 2> kFilters{"filters", "Filters"};
  for (const auto name : creating ? kCreations : kFilters) {
    const auto* list = js::Find(*holder, name);
    if (list == nullptr || !list->is_array()) {
      continue;
    }
    for (const auto& entry : *list) {
      if (auto b = BindingOf(entry, cluster)) {
        out.push_back(std::move(*b));
      }
    }
  }
  return out;
}

bool IsConsumeMethod(std::string_view method) {
  return method == "kafka.FetchConsumer" || method == "kafka.Fetch" ||
         method == "kafka.OffsetCommit" || method == "kafka.TxnOffsetCommit";
}

bool IsKnownType(std::string_view type) {
  return type == kAuthorizationType || type == kRequestType;
}

// The context attributes read only to find the cluster.
struct CrnAttributes {
  std::string source;
  std::optional<std::string> subject;
};

Result<CrnAttributes> ReadContext(const CloudEventsEnvelope& envelope, AuditLogEvent& out) {
  auto id = envelope.Id();
  if (!id.ok()) {
    return id.status();
  }
  out.id = std::move(id).value();
  auto source = envelope.Source();
  if (!source.ok()) {
    return source.status();
  }
  auto type = envelope.Type();
  if (!type.ok()) {
    return type.status();
  }
  out.type = std::move(type).value();
  auto time = envelope.Time();
  if (!time.ok()) {
    return time.status();
  }
  out.time = *time;
  auto subject = envelope.Subject();
  if (!subject.ok()) {
    return subject.status();
  }
  return CrnAttributes{std::move(source).value(), std::move(subject).value()};
}

Status ReadMethod(const json& data, AuditLogEvent& out) {
  auto method = js::OptionalName(data, "methodName", "data");
  if (!method.ok()) {
    return method.status();
  }
  if (IsKnownType(out.type) && !method->has_value()) {
    return js::Missing("data.methodName");
  }
  out.method = method->value_or("");
  return Status::Ok();
}

// The cluster: the first CRN (resource, subject, source) naming kafka=<id>,
// mapped to a configured cluster, else the default. Returns the segments of the
// first CRN, which name the resource when authorizationInfo does not.
Result<std::vector<CrnSegment>> ResolveCluster(const json& data, const CrnAttributes& context,
                                               const ClusterDirectory& clusters,
                                               std::string_view default_cluster,
                                               AuditLogEvent& out) {
  auto resource_crn = js::OptionalString(data, "resourceName", "data");
  if (!resource_crn.ok()) {
    return resource_crn.status();
  }
  std::vector<CrnSegment> resource_segments;
  const std::array<const std::string*, 3> crns{
      resource_crn->has_value() ? &**resource_crn : nullptr,
      context.subject.has_value() ? &*context.subject : nullptr, &context.source};
  for (const auto* crn : crns) {
    if (crn == nullptr) {
      continue;
    }
    auto segments = ParseCrn(*crn);
    if (!segments) {
      continue;
    }
    if (resource_segments.empty()) {
      resource_segments = *segments;
    }
    for (const auto& seg : *segments) {
      if (seg.key == "kafka" && out.cluster_id.empty()) {
        out.cluster_id = seg.value;
      }
    }
  }
  out.cluster = std::string(default_cluster);
  if (!out.cluster_id.empty()) {
    if (auto c = clusters.ByClusterId(out.cluster_id)) {
      out.cluster = *c;
    }
  }
  return resource_segments;
}

Status ReadPrincipal(const json& data, AuditLogEvent& out) {
  const auto* authn = js::Find(data, "authenticationInfo");
  if (authn == nullptr) {
    return Status::Ok();
  }
  if (!authn->is_object()) {
    return js::Expected("data.authenticationInfo", "an object", *authn);
  }
  auto principal = js::OptionalName(*authn, "principal", "data.authenticationInfo");
  if (!principal.ok()) {
    return principal.status();
  }
  out.principal = principal->value_or("");
  return Status::Ok();
}

Status ReadAuthorizationInfo(const json& authz, AuditLogEvent& out) {
  const std::string path = "data.authorizationInfo";
  if (!authz.is_object()) {
    return js::Expected(path, "an object", authz);
  }
  const auto* granted = js::Find(authz, "granted");
  if (granted == nullptr) {
    return js::Missing(path + ".granted");
  }
  if (!granted->is_boolean()) {
    return js::Expected(path + ".granted", "a boolean", *granted);
  }
  out.granted = granted->get<bool>();
  for (const auto& [key, member] : {std::pair{"operation", &AuditLogEvent::operation},
                                    std::pair{"resourceType", &AuditLogEvent::resource_type},
                                    std::pair{"resourceName", &AuditLogEvent::resource_name}}) {
    auto v = js::OptionalString(authz, key, path);
    if (!v.ok()) {
      return v.status();
    }
    out.*member = v->value_or("");
  }
  return Status::Ok();
}

// Whether the request was allowed: authorizationInfo, or the outcome that
// Confluent Cloud request events report instead.
Status ReadOutcome(const json& data, AuditLogEvent& out) {
  if (const auto* authz = js::Find(data, "authorizationInfo"); authz != nullptr) {
    return ReadAuthorizationInfo(*authz, out);
  }
  if (const auto* result = js::Find(data, "result"); result != nullptr && result->is_object()) {
    auto status = js::OptionalString(*result, "status", "data.result");
    if (!status.ok()) {
      return status.status();
    }
    out.granted = status->value_or("") == "SUCCESS";
  }
  return Status::Ok();
}

// Without authorizationInfo, the resource is the last segment of the resource CRN.
void InferResourceFromCrn(const std::vector<CrnSegment>& resource_segments, AuditLogEvent& out) {
  if (!out.resource_type.empty() || resource_segments.empty()) {
    return;
  }
  const auto& last = resource_segments.back();
  if (last.key == "topic") {
    out.resource_type = "Topic";
  } else if (last.key == "group") {
    out.resource_type = "Group";
  } else if (last.key == "transactional-id") {
    out.resource_type = "TransactionalId";
  } else if (last.key == "kafka") {
    out.resource_type = "Cluster";
  }
  if (!out.resource_type.empty()) {
    out.resource_name = last.value;
  }
}

// Sets `out.action` (and the topic or ACL bindings it needs) for a granted
// request of a known type; everything else stays kOther.
Status Classify(const json& data, const std::vector<CrnSegment>& resource_segments,
                AuditLogEvent& out) {
  if (!IsKnownType(out.type) || !out.granted) {
    return Status::Ok();  // kOther: denied requests never yield observed edges
  }
  if (out.method == "kafka.CreateAcls" || out.method == "kafka.DeleteAcls") {
    out.action = AuditAction::kAclChange;
    out.acl_bindings = RequestBindings(data, out.cluster, out.method == "kafka.CreateAcls");
    return Status::Ok();
  }
  const bool produce = out.method == "kafka.Produce";
  const bool topic_change =
      out.method == "kafka.CreateTopics" || out.method == "kafka.DeleteTopics";
  const bool config_change =
      out.method == "kafka.AlterConfigs" || out.method == "kafka.IncrementalAlterConfigs";
  if (!produce && !topic_change && !config_change && !IsConsumeMethod(out.method)) {
    return Status::Ok();
  }
  // The topic: authorizationInfo when it names a topic, else the resource CRN.
  std::string topic;
  if (EqualsNoCase(out.resource_type, "topic")) {
    topic = out.resource_name;
  }
  if (topic.empty()) {
    for (const auto& seg : resource_segments) {
      if (seg.key == "topic") {
        topic = seg.value;
      }
    }
  }
  if (config_change) {
    // A broker's configs (resource Cluster) may change a topic's defaults:
    // no topic named, every topic's facts are read again.
    out.action = AuditAction::kConfigChange;
  }
  if (topic.empty()) {
    return Status::Ok();  // e.g. OffsetCommit authorized on the group
  }
  if (auto s = js::CheckName(topic, "data.authorizationInfo.resourceName"); !s.ok()) {
    return s;
  }
  if (config_change) {
    out.topic = NodeId::Topic(out.cluster, topic);
    return Status::Ok();
  }
  if (topic_change) {
    // The same name created again after a deletion is a new topic.
    out.action = out.method == "kafka.CreateTopics" ? AuditAction::kTopicCreated
                                                    : AuditAction::kTopicDeleted;
    out.topic = NodeId::Topic(out.cluster, topic);
    return Status::Ok();
  }
  if (out.principal.empty()) {
    return js::Missing("data.authenticationInfo.principal");
  }
  out.action = produce ? AuditAction::kProduce : AuditAction::kConsume;
  out.topic = NodeId::Topic(out.cluster, topic);
  return Status::Ok();
}

Result<AuditLogEvent> Decode(std::string_view value, const ClusterDirectory& clusters,
                             std::string_view default_cluster,
                             std::span<const RecordHeader> headers) {
  auto envelope = CloudEventsEnvelope::Parse(value, headers, "audit log event");
  if (!envelope.ok()) {
    return envelope.status();
  }
  AuditLogEvent out;
  auto context = ReadContext(*envelope, out);
  if (!context.ok()) {
    return context.status();
  }
  auto data_member = envelope->Data();
  if (!data_member.ok()) {
    return data_member.status();
  }
  const json& data = **data_member;
  if (auto s = ReadMethod(data, out); !s.ok()) {
    return s;
  }
  auto resource_segments = ResolveCluster(data, *context, clusters, default_cluster, out);
  if (!resource_segments.ok()) {
    return resource_segments.status();
  }
  if (auto s = ReadPrincipal(data, out); !s.ok()) {
    return s;
  }
  if (auto s = ReadOutcome(data, out); !s.ok()) {
    return s;
  }
  InferResourceFromCrn(*resource_segments, out);
  if (auto s = Classify(data, *resource_segments, out); !s.ok()) {
    return s;
  }
  return out;
}

}  // namespace

std::string_view ToString(AuditAction action) {
  switch (action) {
    case AuditAction::kAclChange:
      return "acl_change";
    case AuditAction::kProduce:
      return "produce";
    case AuditAction::kConsume:
      return "consume";
    case AuditAction::kTopicCreated:
      return "topic_created";
    case AuditAction::kTopicDeleted:
      return "topic_deleted";
    case AuditAction::kConfigChange:
      return "config_change";
    case AuditAction::kOther:
      return "other";
  }
  return "other";
}

Result<AuditLogEvent> DecodeAuditLogEvent(std::string_view value, const ClusterDirectory& clusters,
                                          std::string_view default_cluster,
                                          std::span<const RecordHeader> headers) {
  try {
    return Decode(value, clusters, default_cluster, headers);
  } catch (const std::exception& e) {
    // Not expected: every access is checked. A record must never stop the pipeline.
    return InvalidArgument(std::string("audit log event could not be decoded: ") + e.what());
  }
}

}  // namespace tributary::ingest::audit_log
