#pragma once
// AuditLogTranslator: Confluent audit-log CloudEvents become observed edges.
// A granted kafka.Produce is "principal produces to topic", a granted fetch by a
// consumer is "principal consumes topic" (folded by ObservedEdges: facts only on
// first sight and after idleness). ACL changes that name their bindings become
// acl_granted / acl_revoked; every ACL change also asks for a reconcile (the
// Admin API source, where the broker supports it); a config change
// (AlterConfigs, IncrementalAlterConfigs) asks for the topic facts to be read
// again (the end-offsets source). Denied requests never make edges. State
// lives under "al/<cluster>/". Single-threaded.

#include <functional>

#include "ingest/cluster_directory.h"
#include "ingest/observed_edges.h"

namespace tributary::ingest::audit_log {

struct AuditLogOptions {
  std::string cluster;  // the source's cluster, for CRNs that name no known cluster
  ClusterDirectory clusters;
  Duration idle_after = std::chrono::minutes(15);
  std::function<void(const std::string& cluster)> request_acl_reconcile;  // may be empty
  // A granted AlterConfigs / IncrementalAlterConfigs: the cluster, and the
  // topic's name (empty for a broker's configs). May be empty.
  std::function<void(const std::string& cluster, const std::string& topic)> request_topic_facts;
};

class AuditLogTranslator final : public SourceTranslator {
 public:
  explicit AuditLogTranslator(AuditLogOptions options);

  std::string fold_prefix() const override { return edges_.prefix(); }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override {
    return edges_.Restore(entries);
  }
  void Translate(const RawRecord& record, TranslationSink& sink) override;
  void Tick(Timestamp now, TranslationSink& sink) override { edges_.Tick(now, sink); }
  void Flush(TranslationSink& sink) override { edges_.Flush(sink); }

 private:
  AuditLogOptions options_;
  ObservedEdges edges_;
};

}  // namespace tributary::ingest::audit_log
