#include "log/replication/kafka_config.h"

#include "ingest/kafka_conf.h"

namespace tributary::log::replication {

Result<rd_kafka_conf_s*> MakeKafkaConf(
    const KafkaClientConfig& client,
    const std::vector<std::pair<std::string, std::string>>& defaults,
    const std::vector<std::string>& reserved) {
  auto conf = ingest::NewKafkaConf(client.cluster, client.bootstrap_servers, client.properties,
                                   defaults, reserved);
  if (!conf.ok()) {
    return Status(conf.status().code(), "replication: " + conf.status().message());
  }
  return conf;
}

}  // namespace tributary::log::replication
