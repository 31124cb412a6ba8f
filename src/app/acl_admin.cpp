#include "app/acl_admin.h"

#include <librdkafka/rdkafka.h>

namespace tributary {
namespace {

rd_kafka_ResourcePatternType_t PatternOf(const std::string& pattern) {
  return pattern == "PREFIXED" ? RD_KAFKA_RESOURCE_PATTERN_PREFIXED
                               : RD_KAFKA_RESOURCE_PATTERN_LITERAL;
}

rd_kafka_AclOperation_t OperationOf(const std::string& operation) {
  if (operation == "WRITE") {
    return RD_KAFKA_ACL_OPERATION_WRITE;
  }
  if (operation == "DESCRIBE") {
    return RD_KAFKA_ACL_OPERATION_DESCRIBE;
  }
  if (operation == "ALL") {
    return RD_KAFKA_ACL_OPERATION_ALL;
  }
  return RD_KAFKA_ACL_OPERATION_READ;
}

}  // namespace

struct AclAdministrator::Client {
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  std::mutex mu;  // one CreateAcls at a time on the queue
  ~Client() {
    if (queue != nullptr) {
      rd_kafka_queue_destroy(queue);
    }
    if (rk != nullptr) {
      rd_kafka_destroy(rk);
    }
  }
};

AclAdministrator::AclAdministrator(const std::vector<ClusterConfig>& clusters, Duration timeout)
    : timeout_(timeout) {
  for (const auto& c : clusters) {
    if (c.acl_management) {
      managed_.emplace(c.name, c);
    }
  }
}

AclAdministrator::~AclAdministrator() = default;

bool AclAdministrator::Manages(const std::string& cluster) const {
  return managed_.contains(cluster);
}

Result<AclAdministrator::Client*> AclAdministrator::ClientFor(const std::string& cluster) {
  std::lock_guard lock(mu_);
  if (auto it = clients_.find(cluster); it != clients_.end()) {
    return it->second.get();
  }
  auto m = managed_.find(cluster);
  if (m == managed_.end()) {
    return InvalidArgument("cluster " + cluster + " does not have acl_management = true");
  }
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    return rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK;
  };
  set("bootstrap.servers", m->second.bootstrap_servers);
  set("client.id", "tributary-acl-admin");
  set("log_level", "3");
  for (const auto& [k, v] : m->second.properties) {
    if (!set(k, v)) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("cluster " + cluster + ": librdkafka property " + k + ": " + errstr);
    }
  }
  auto client = std::make_unique<Client>();
  client->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (client->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("cluster " + cluster + ": admin client: " + errstr);
  }
  client->queue = rd_kafka_queue_new(client->rk);
  auto* raw = client.get();
  clients_.emplace(cluster, std::move(client));
  return raw;
}

Status AclAdministrator::Create(const AclBinding& acl) {
  auto client = ClientFor(acl.cluster);
  if (!client.ok()) {
    return client.status();
  }
  Client& c = **client;
  std::lock_guard lock(c.mu);
  char errstr[512];
  rd_kafka_AclBinding_t* binding = rd_kafka_AclBinding_new(
      RD_KAFKA_RESOURCE_TOPIC, acl.resource_name.c_str(), PatternOf(acl.pattern_type),
      acl.principal.c_str(), acl.host.empty() ? "*" : acl.host.c_str(), OperationOf(acl.operation),
      acl.permission == "DENY" ? RD_KAFKA_ACL_PERMISSION_TYPE_DENY
                               : RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
      errstr, sizeof errstr);
  if (binding == nullptr) {
    return InvalidArgument("ACL binding: " + std::string(errstr));
  }
  const auto ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout_).count());
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(c.rk, RD_KAFKA_ADMIN_OP_CREATEACLS);
  rd_kafka_AdminOptions_set_request_timeout(options, ms, errstr, sizeof errstr);
  rd_kafka_CreateAcls(c.rk, &binding, 1, options, c.queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_AclBinding_destroy(binding);
  const std::string where = "kafka " + acl.cluster + ": CreateAcls: ";
  // The request timeout bounds the answer; the margin covers the queue hop.
  rd_kafka_event_t* ev = nullptr;
  while (true) {
    ev = rd_kafka_queue_poll(c.queue, ms + 2000);
    if (ev == nullptr) {
      return Unavailable(where + "no answer in time");
    }
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_CREATEACLS_RESULT) {
      break;
    }
    rd_kafka_event_destroy(ev);  // an unrelated event (an error, a log line)
  }
  Status status = Status::Ok();
  if (const auto err = rd_kafka_event_error(ev); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Unavailable(where + rd_kafka_event_error_string(ev));
  } else {
    std::size_t n = 0;
    const rd_kafka_acl_result_t** results =
        rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
    for (std::size_t i = 0; i < n && status.ok(); ++i) {
      if (const rd_kafka_error_t* e = rd_kafka_acl_result_error(results[i])) {
        status = Unavailable(where + rd_kafka_error_name(e) + ": " + rd_kafka_error_string(e));
      }
    }
    if (n == 0) {
      status = Unavailable(where + "the broker answered no result");
    }
  }
  rd_kafka_event_destroy(ev);
  return status;
}

}  // namespace tributary
