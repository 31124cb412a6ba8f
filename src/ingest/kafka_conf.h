#pragma once
// The librdkafka configuration every Kafka client of Tributary starts from: a
// cluster's bootstrap servers, the client's defaults, then the cluster's
// configured properties (security, timeouts), and librdkafka's log and error
// reports routed to the service's log with the client's name.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tributary/result.h"

struct rd_kafka_conf_s;

namespace tributary::ingest {

// A new configuration: `defaults`, then `properties` except the keys in
// `reserved` (which the client manages itself). The caller owns the result;
// errors name the cluster and the property.
Result<rd_kafka_conf_s*> NewKafkaConf(
    const std::string& cluster, const std::string& bootstrap_servers,
    const std::map<std::string, std::string>& properties,
    const std::vector<std::pair<std::string, std::string>>& defaults,
    const std::vector<std::string>& reserved);

}  // namespace tributary::ingest
