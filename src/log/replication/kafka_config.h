#pragma once
// The librdkafka settings the replication module's clients share: the cluster's
// bootstrap servers and configured properties (security, timeouts), over
// defaults chosen per client.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tributary/result.h"

struct rd_kafka_conf_s;

namespace tributary::log::replication {

struct KafkaClientConfig {
  std::string cluster;  // for messages
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;  // the cluster's, passed as is
};

// A new librdkafka configuration: `defaults`, then the cluster's properties
// (except the keys in `reserved`, which the client manages itself). The caller
// owns the result; errors name the cluster and the property.
Result<rd_kafka_conf_s*> MakeKafkaConf(
    const KafkaClientConfig& client,
    const std::vector<std::pair<std::string, std::string>>& defaults,
    const std::vector<std::string>& reserved);

}  // namespace tributary::log::replication
