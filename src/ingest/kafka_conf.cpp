#include "ingest/kafka_conf.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace tributary::ingest {
namespace {

// True the first time `client` reports `facility`. Client names are unique in
// the process (librdkafka numbers its instances), so the set grows by one entry
// per client at most.
bool FirstReport(std::string_view client, std::string_view facility) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> seen;
  std::string key(client);
  key.append("/").append(facility);
  std::lock_guard lock(mu);
  return seen.insert(std::move(key)).second;
}

// librdkafka's log callback (its own threads).
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  const char* name = rd_kafka_name(rk);
  if (std::string_view(facility) == "AUTOCREATE") {
    // "allow.auto.create.topics=false not supported by broker": brokers before
    // 0.11 and librdkafka's mock cluster (tributary devbroker) cannot be asked
    // not to create topics, and librdkafka says so at metadata refreshes. The
    // reader never names a missing topic in a metadata request, so nothing is
    // created by it: said once per client at info, then at debug.
    if (FirstReport(name, facility)) {
      spdlog::info("librdkafka {} {}: {} (said once per client)", name, facility, message);
    } else {
      spdlog::debug("librdkafka {} {}: {}", name, facility, message);
    }
    return;
  }
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
