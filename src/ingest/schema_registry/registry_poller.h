#pragma once
// RegistryPoller: Schema Registry over REST for managed registries that hide
// the `_schemas` topic (Confluent Cloud). Every interval it fetches the
// registry's state, diffs it with the state of the previous poll (fold state
// under "sr/<url>/") and emits the same domain events as the `_schemas` topic.

#include <memory>

#include "ingest/polled_source.h"
#include "ingest/schema_registry/schema_registry_client.h"

namespace tributary::ingest::schema_registry {

// The domain event a `_schemas` record (or a REST diff entry) stands for;
// nullopt for NOOP. Shared by the topic translator and the poller.
std::optional<DomainEvent> EventFor(const SchemasRecord& record);

class RegistryPoller final : public PolledSource {
 public:
  RegistryPoller(std::unique_ptr<SchemaRegistryClient> client, std::string url, Duration interval);

  std::string name() const override { return "registry:" + url_; }
  Duration interval() const override { return interval_; }
  std::string fold_prefix() const override { return "sr/" + url_ + "/"; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override;
  Status Poll(Timestamp now, TranslationSink& sink) override;
  void Flush(TranslationSink& sink) override;

 private:
  std::unique_ptr<SchemaRegistryClient> client_;
  std::string url_;
  Duration interval_;
  RegistrySnapshot previous_;
  std::optional<RegistrySnapshot> pending_;  // polled, not yet flushed
};

}  // namespace tributary::ingest::schema_registry
