#include "ingest/audit_log/audit_log_translator.h"

#include "ingest/audit_log/audit_log_decoder.h"

namespace tributary::ingest::audit_log {

AuditLogTranslator::AuditLogTranslator(AuditLogOptions options)
    : options_(std::move(options)),
      edges_("al/" + options_.cluster + "/", "audit_log", options_.idle_after) {}

void AuditLogTranslator::Translate(const RawRecord& record, TranslationSink& sink) {
  if (!record.value) {
    return;
  }
  auto decoded =
      DecodeAuditLogEvent(*record.value, options_.clusters, options_.cluster, record.headers);
  if (!decoded.ok()) {
    sink.Quarantine(decoded.status().message());
    return;
  }
  const auto& e = *decoded;
  if (!e.granted) {
    return;
  }
  switch (e.action) {
    case AuditAction::kProduce:
    case AuditAction::kConsume:
      if (e.topic && !e.principal.empty()) {
        edges_.Observe(
            e.action == AuditAction::kProduce ? EdgeKind::kProduces : EdgeKind::kConsumes,
            NodeId::Principal(e.principal), *e.topic, e.time, sink);
      }
      break;
    case AuditAction::kAclChange: {
      const bool create = e.method == "kafka.CreateAcls";
      for (const auto& binding : e.acl_bindings) {
        if (create) {
          sink.Emit(AclGranted{binding, "audit_log:" + e.principal}, e.time);
        } else {
          sink.Emit(AclRevoked{binding, "audit_log:" + e.principal}, e.time);
        }
      }
      if (options_.request_acl_reconcile) {
        options_.request_acl_reconcile(e.cluster);
      }
      break;
    }
    case AuditAction::kTopicDeleted:
      if (e.topic) {
        sink.Emit(TopicDeleted{*e.topic, "audit_log", e.principal}, e.time);
        edges_.Forget(*e.topic);
      }
      break;
    case AuditAction::kTopicCreated:
      if (e.topic) {
        sink.Emit(TopicCreated{*e.topic, "audit_log", e.principal}, e.time);
      }
      break;
    case AuditAction::kConfigChange:
      if (options_.request_topic_facts) {
        options_.request_topic_facts(e.cluster, e.topic ? std::string(e.topic->name()) : "");
      }
      break;
    case AuditAction::kOther:
      break;
  }
}

}  // namespace tributary::ingest::audit_log
