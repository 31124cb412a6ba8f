#include "ingest/kafka_conf.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace tributary::ingest {
namespace {

void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const char* name = rd_kafka_name(rk);
  if (level <= 3) {
    spdlog::error("librdkafka {} {}: {}", name, facility, message);
  } else if (level <= 4) {
    spdlog::warn("librdkafka {} {}: {}", name, facility, message);
  } else {
    spdlog::debug("librdkafka {} {}: {}", name, facility, message);
  }
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void*) {
  // Broker loss and transport errors are transient: librdkafka retries.
  spdlog::warn("kafka: {}: {} ({})", rd_kafka_name(rk), reason,
               rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
}

}  // namespace

Result<rd_kafka_conf_s*> NewKafkaConf(
    const std::string& cluster, const std::string& bootstrap_servers,
    const std::map<std::string, std::string>& properties,
    const std::vector<std::pair<std::string, std::string>>& defaults,
    const std::vector<std::string>& reserved) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& name, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return InvalidArgument("cluster " + cluster + ": librdkafka property " + name + ": " +
                             errstr);
    }
    return Status::Ok();
  };
  auto status = set("bootstrap.servers", bootstrap_servers);
  for (const auto& [k, v] : defaults) {
    if (status.ok()) {
      status = set(k, v);
    }
  }
  for (const auto& [k, v] : properties) {
    if (status.ok() && std::find(reserved.begin(), reserved.end(), k) == reserved.end()) {
      status = set(k, v);
    }
  }
  if (!status.ok()) {
    rd_kafka_conf_destroy(conf);
    return status;
  }
  rd_kafka_conf_set_log_cb(conf, &LogCallback);
  rd_kafka_conf_set_error_cb(conf, &ErrorCallback);
  return conf;
}

}  // namespace tributary::ingest
