#include "app/sources.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>

#include "ingest/admin_api/admin_api_source.h"
#include "ingest/audit_log/audit_log_translator.h"
#include "ingest/catalog/catalog_translator.h"
#include "ingest/cluster_directory.h"
#include "ingest/consumer_offsets/consumer_offsets_translator.h"
#include "ingest/end_offsets/end_offsets_source.h"
#include "ingest/openlineage/openlineage_translator.h"
#include "ingest/schema_registry/registry_poller.h"
#include "ingest/schema_registry/schemas_translator.h"

namespace tributary {
namespace {

std::vector<std::string> SplitBootstrap(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) {
      comma = list.size();
    }
    std::string item = list.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    // Drop a scheme such as PLAINTEXT:// or SASL_SSL://.
    if (auto scheme = item.find("://"); scheme != std::string::npos) {
      item = item.substr(scheme + 3);
    }
    for (auto& c : item) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!item.empty()) {
      out.push_back(item);
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::vector<ingest::ClusterInfo> ClusterInfos(const Config& config) {
  std::vector<ingest::ClusterInfo> infos;
  for (const auto& c : config.clusters) {
    infos.push_back({c.name, c.id, SplitBootstrap(c.bootstrap_servers)});
  }
  return infos;
}

Result<WiredSources> WireSources(const Config& config, ingest::IngestPipeline& pipeline,
                                 const HealthWiring& health) {
  WiredSources wired;
  const ingest::ClusterDirectory directory(ClusterInfos(config));

  std::map<std::string, ingest::KafkaReaderOptions> readers;
  auto add = [&](const std::string& cluster, const std::string& topic,
                 std::unique_ptr<ingest::SourceTranslator> translator) -> Status {
    if (auto s = pipeline.AddSource(cluster, topic, std::move(translator)); !s.ok()) {
      return s;
    }
    auto& reader = readers[cluster];
    if (reader.cluster.empty()) {
      for (const auto& c : config.clusters) {
        if (c.name == cluster) {
          reader.cluster = c.name;
          reader.bootstrap_servers = c.bootstrap_servers;
          reader.properties = c.properties;
        }
      }
    }
    reader.topics.push_back(topic);
    return Status::Ok();
  };

  const auto& s = config.sources;
  if (s.consumer_offsets) {
    ingest::consumer_offsets::ConsumerOffsetsOptions options{s.consumer_offsets->cluster,
                                                             config.tracking.consumer_idle_after,
                                                             config.tracking.progress_interval};
    if (health.model != nullptr) {
      // Consumer health: the commits feed the model; end offsets are polled.
      ingest::end_offsets::EndOffsetsOptions eo;
      eo.cluster = s.consumer_offsets->cluster;
      eo.interval = config.health.offsets_interval;
      eo.product_topics = health.product_topics;
      for (const auto& c : config.clusters) {
        if (c.name == eo.cluster) {
          eo.bootstrap_servers = c.bootstrap_servers;
          eo.properties = c.properties;
        }
      }
      auto source =
          std::make_unique<ingest::end_offsets::EndOffsetsSource>(std::move(eo), *health.model);
      options.observer = source.get();
      wired.end_offsets = source.get();
      if (auto st = pipeline.AddPolledSource(std::move(source)); !st.ok()) {
        return st;
      }
      ++wired.polled;
    }
    if (auto st =
            add(s.consumer_offsets->cluster, s.consumer_offsets->topic,
                std::make_unique<ingest::consumer_offsets::ConsumerOffsetsTranslator>(options));
        !st.ok()) {
      return st;
    }
  }
  if (s.schemas && !s.schemas->topic.empty()) {
    if (auto st = add(s.schemas->cluster, s.schemas->topic,
                      std::make_unique<ingest::schema_registry::SchemasTranslator>());
        !st.ok()) {
      return st;
    }
  }
  if (s.schemas && !s.schemas->registry_url.empty()) {
    ingest::schema_registry::SchemaRegistryClientOptions options;
    options.url = s.schemas->registry_url;
    if (!s.schemas->credentials_env.empty()) {
      // "key:secret" (a Confluent API key) is basic auth; anything else a bearer token.
      const char* value = std::getenv(s.schemas->credentials_env.c_str());
      const std::string kind =
          value != nullptr && std::string_view(value).find(':') != std::string_view::npos
              ? "basic"
              : "bearer";
      auto auth =
          ingest::schema_registry::RegistryAuthFromEnvironment(kind, s.schemas->credentials_env);
      if (!auth.ok()) {
        return InvalidArgument("sources.schemas.credentials_env: " + auth.status().message());
      }
      options.auth = *auth;
    }
    auto client = ingest::schema_registry::SchemaRegistryClient::Create(options);
    if (!client.ok()) {
      return client.status();
    }
    if (auto st =
            pipeline.AddPolledSource(std::make_unique<ingest::schema_registry::RegistryPoller>(
                std::move(client).value(), s.schemas->registry_url, s.schemas->poll_interval));
        !st.ok()) {
      return st;
    }
    ++wired.polled;
  }
  if (s.audit_log) {
    ingest::audit_log::AuditLogOptions options{
        s.audit_log->cluster, directory, config.tracking.consumer_idle_after, {}, {}};
    if (auto* end_offsets = wired.end_offsets) {
      // A config change on the health cluster: its topic facts are read again
      // at the source's next poll (both run on the writer thread).
      options.request_topic_facts = [end_offsets, cluster = s.consumer_offsets->cluster](
                                        const std::string& on, const std::string&) {
        if (on == cluster) {
          end_offsets->RefreshTopicFacts();
        }
      };
    }
    if (auto st = add(s.audit_log->cluster, s.audit_log->topic,
                      std::make_unique<ingest::audit_log::AuditLogTranslator>(options));
        !st.ok()) {
      return st;
    }
  }
  if (s.catalog) {
    if (auto st = add(s.catalog->cluster, s.catalog->topic,
                      std::make_unique<ingest::catalog::CatalogTranslator>());
        !st.ok()) {
      return st;
    }
  }
  if (s.openlineage) {
    if (auto st = add(s.openlineage->cluster, s.openlineage->topic,
                      std::make_unique<ingest::openlineage::OpenLineageTranslator>(directory));
        !st.ok()) {
      return st;
    }
  }
  if (s.admin_api) {
    ingest::admin_api::AdminApiOptions options;
    options.cluster = s.admin_api->cluster;
    options.interval = s.admin_api->poll_interval;
    for (const auto& c : config.clusters) {
      if (c.name == options.cluster) {
        options.bootstrap_servers = c.bootstrap_servers;
        options.properties = c.properties;
      }
    }
    if (auto st = pipeline.AddPolledSource(
            std::make_unique<ingest::admin_api::AdminApiSource>(std::move(options)));
        !st.ok()) {
      return st;
    }
    ++wired.polled;
  }
  for (auto& [name, reader] : readers) {
    wired.readers.push_back(std::move(reader));
  }
  return wired;
}

}  // namespace tributary
