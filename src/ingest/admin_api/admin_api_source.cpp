#include "ingest/admin_api/admin_api_source.h"

#include <librdkafka/rdkafka.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace tributary::ingest::admin_api {
namespace {

// Answers that mean "this broker does not implement the request".
bool IsUnsupported(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE ||
         err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION || err == RD_KAFKA_RESP_ERR_INVALID_REQUEST ||
         err == RD_KAFKA_RESP_ERR_SECURITY_DISABLED;
}

std::string Upper(const char* text) {
  std::string s = text == nullptr ? "" : text;
  for (auto& c : s) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return s;
}

AclBinding ToBinding(const std::string& cluster,
                     const decltype(AdminState::acls)::value_type& acl) {
  const auto& [principal, type, name, pattern, operation, permission, host] = acl;
  return AclBinding{cluster, principal, type, name, pattern, operation, permission, host};
}

}  // namespace

std::vector<DomainEvent> DiffAdminState(const std::string& cluster, const AdminState& before,
                                        const AdminState& after, bool groups_known,
                                        bool acls_known) {
  std::vector<DomainEvent> out;
  if (groups_known) {
    for (const auto& [group, topic] : after.group_topics) {
      if (!before.group_topics.contains({group, topic})) {
        out.emplace_back(ConsumerStarted{NodeId::Group(cluster, group),
                                         NodeId::Topic(cluster, topic), "observed", "admin_api"});
      }
    }
    for (const auto& [group, topic] : before.group_topics) {
      if (!after.group_topics.contains({group, topic})) {
        out.emplace_back(ConsumerStopped{NodeId::Group(cluster, group),
                                         NodeId::Topic(cluster, topic), "unassigned",
                                         std::nullopt});
      }
    }
  }
  if (acls_known) {
    for (const auto& acl : after.acls) {
      if (!before.acls.contains(acl)) {
        out.emplace_back(AclGranted{ToBinding(cluster, acl), "admin_api"});
      }
    }
    for (const auto& acl : before.acls) {
      if (!after.acls.contains(acl)) {
        out.emplace_back(AclRevoked{ToBinding(cluster, acl), "admin_api"});
      }
    }
  }
  return out;
}

struct AdminApiSource::Client {
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  ~Client() {
    if (queue != nullptr) {
      // Results of requests that timed out on our side may still arrive; take
      // them off the queue so nothing is left behind.
      for (int i = 0; i < 50; ++i) {
        rd_kafka_event_t* late = rd_kafka_queue_poll(queue, i == 0 ? 0 : 100);
        if (late == nullptr) {
          break;
        }
        rd_kafka_event_destroy(late);
      }
      rd_kafka_queue_destroy(queue);
    }
    if (rk != nullptr) {
      rd_kafka_destroy(rk);
    }
  }

  // Waits for the result event of one request; nullptr on timeout.
  rd_kafka_event_t* Wait(Duration timeout) {
    return rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()));
  }
};

AdminApiSource::AdminApiSource(AdminApiOptions options) : options_(std::move(options)) {}

AdminApiSource::~AdminApiSource() = default;

Status AdminApiSource::Connect() {
  if (client_) {
    return Status::Ok();
  }
  auto client = std::make_unique<Client>();
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    return rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) == RD_KAFKA_CONF_OK;
  };
  set("bootstrap.servers", options_.bootstrap_servers);
  set("client.id", "tributary-admin");
  set("log_level", "3");
  for (const auto& [k, v] : options_.properties) {
    if (!set(k, v)) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("cluster " + options_.cluster + ": librdkafka property " + k + ": " +
                             errstr);
    }
  }
  client->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (client->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("cluster " + options_.cluster + ": admin client: " + errstr);
  }
  client->queue = rd_kafka_queue_new(client->rk);
  client_ = std::move(client);
  return Status::Ok();
}

bool AdminApiSource::Reachable() {
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(client_->rk, 0, nullptr, &md, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return false;
  }
  rd_kafka_metadata_destroy(md);
  return true;
}

Status AdminApiSource::Restore(const std::vector<std::pair<std::string, std::string>>& entries) {
  previous_ = {};
  pending_.reset();
  try {
    for (const auto& [key, value] : entries) {
      if (key != fold_prefix() + "state") {
        continue;
      }
      const auto j = nlohmann::json::from_msgpack(value);
      for (const auto& gt : j.at("groups")) {
        previous_.group_topics.emplace(gt.at(0).get<std::string>(), gt.at(1).get<std::string>());
      }
      for (const auto& a : j.at("acls")) {
        previous_.acls.emplace(a.at(0).get<std::string>(), a.at(1).get<std::string>(),
                               a.at(2).get<std::string>(), a.at(3).get<std::string>(),
                               a.at(4).get<std::string>(), a.at(5).get<std::string>(),
                               a.at(6).get<std::string>());
      }
    }
  } catch (const std::exception& e) {
    return Corruption("admin api poll state: " + std::string(e.what()));
  }
  return Status::Ok();
}

// The options of one poll's admin requests (the request timeout), shared by
// every request of the poll.
struct AdminApiSource::Requests {
  Requests(rd_kafka_t* rk, Duration timeout)
      : options(rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY)) {
    char errstr[256];
    rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), errstr,
                                              sizeof errstr);
  }
  ~Requests() { rd_kafka_AdminOptions_destroy(options); }
  Requests(const Requests&) = delete;
  Requests& operator=(const Requests&) = delete;

  rd_kafka_AdminOptions_t* options;
};

Status AdminApiSource::Poll(Timestamp now, TranslationSink& sink) {
  if (!groups_supported_ && !acls_supported_) {
    return Status::Ok();
  }
  if (auto s = Connect(); !s.ok()) {
    return s;
  }
  AdminState state = previous_;
  bool groups_known = false;
  bool acls_known = false;
  Status failure;
  {
    Requests requests(client_->rk, options_.request_timeout);
    if (groups_supported_) {
      std::vector<std::string> groups;
      groups_known = ListGroups(requests, groups, failure);
      if (groups_known) {
        groups_known = ReadGroupTopics(requests, groups, state, failure);
      }
    }
    if (acls_supported_) {
      acls_known = DescribeAcls(requests, state, failure);
    }
  }

  std::size_t index = 0;
  const auto key = name() + "/" + std::to_string(ToMillis(now)) + "/";
  for (auto& event : DiffAdminState(options_.cluster, previous_, state, groups_known, acls_known)) {
    sink.EmitDecision(std::move(event), now, key + std::to_string(index++));
  }
  if (groups_known || acls_known) {
    pending_ = std::move(state);
  }
  // Part of the picture failed: what did arrive is kept, the rest is retried.
  if (!failure.ok()) {
    spdlog::warn("{}", failure.message());
  }
  return Status::Ok();
}

bool AdminApiSource::ListGroups(Requests& requests, std::vector<std::string>& groups,
                                Status& failure) {
  rd_kafka_ListConsumerGroups(client_->rk, requests.options, client_->queue);
  rd_kafka_event_t* ev = client_->Wait(options_.request_timeout + std::chrono::seconds(1));
  const auto err = ev == nullptr ? RD_KAFKA_RESP_ERR__TIMED_OUT : rd_kafka_event_error(ev);
  bool groups_known = false;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const auto* result = rd_kafka_event_ListConsumerGroups_result(ev);
    std::size_t count = 0;
    const auto** listings = rd_kafka_ListConsumerGroups_result_valid(result, &count);
    std::size_t error_count = 0;
    const auto** errors = rd_kafka_ListConsumerGroups_result_errors(result, &error_count);
    if (count == 0 && error_count > 0 && IsUnsupported(rd_kafka_error_code(errors[0]))) {
      groups_supported_ = false;
      spdlog::warn(
          "kafka {}: the broker does not answer ListConsumerGroups ({}); groups come "
          "from __consumer_offsets only",
          options_.cluster, rd_kafka_error_string(errors[0]));
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        groups.emplace_back(rd_kafka_ConsumerGroupListing_group_id(listings[i]));
      }
      groups_known = error_count == 0;
    }
  } else if (IsUnsupported(err)) {
    groups_supported_ = false;
    spdlog::warn(
        "kafka {}: the broker does not answer ListConsumerGroups ({}); groups come from "
        "__consumer_offsets only",
        options_.cluster, rd_kafka_err2str(err));
  } else {
    failure =
        Unavailable("kafka " + options_.cluster + ": ListConsumerGroups: " + rd_kafka_err2str(err));
  }
  if (ev != nullptr) {
    rd_kafka_event_destroy(ev);
  }
  return groups_known;
}

bool AdminApiSource::ReadGroupTopics(Requests& requests, const std::vector<std::string>& groups,
                                     AdminState& state, Status& failure) {
  state.group_topics.clear();
  for (const auto& group : groups) {
    rd_kafka_ListConsumerGroupOffsets_t* request =
        rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
    rd_kafka_ListConsumerGroupOffsets(client_->rk, &request, 1, requests.options, client_->queue);
    rd_kafka_ListConsumerGroupOffsets_destroy(request);
    rd_kafka_event_t* oev = client_->Wait(options_.request_timeout + std::chrono::seconds(1));
    if (oev == nullptr || rd_kafka_event_error(oev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // An incomplete picture must not stop consumers.
      failure = Unavailable("kafka " + options_.cluster + ": ListConsumerGroupOffsets(" + group +
                            ") failed");
      if (oev != nullptr) {
        rd_kafka_event_destroy(oev);
      }
      return false;
    }
    std::size_t n = 0;
    const auto** results = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(oev), &n);
    for (std::size_t g = 0; g < n; ++g) {
      const auto* partitions = rd_kafka_group_result_partitions(results[g]);
      for (int p = 0; partitions != nullptr && p < partitions->cnt; ++p) {
        if (partitions->elems[p].offset >= 0) {
          state.group_topics.emplace(group, partitions->elems[p].topic);
        }
      }
    }
    rd_kafka_event_destroy(oev);
  }
  return true;
}

bool AdminApiSource::DescribeAcls(Requests& requests, AdminState& state, Status& failure) {
  char errstr[256];
  rd_kafka_AclBindingFilter_t* filter = rd_kafka_AclBindingFilter_new(
      RD_KAFKA_RESOURCE_ANY, nullptr, RD_KAFKA_RESOURCE_PATTERN_ANY, nullptr, nullptr,
      RD_KAFKA_ACL_OPERATION_ANY, RD_KAFKA_ACL_PERMISSION_TYPE_ANY, errstr, sizeof errstr);
  rd_kafka_DescribeAcls(client_->rk, filter, requests.options, client_->queue);
  rd_kafka_AclBinding_destroy(filter);
  rd_kafka_event_t* ev = client_->Wait(options_.request_timeout + std::chrono::seconds(1));
  const auto err = ev == nullptr ? RD_KAFKA_RESP_ERR__TIMED_OUT : rd_kafka_event_error(ev);
  bool acls_known = false;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    state.acls.clear();
    std::size_t n = 0;
    const auto** acls =
        rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto* a = acls[i];
      state.acls.emplace(
          rd_kafka_AclBinding_principal(a),
          Upper(rd_kafka_ResourceType_name(rd_kafka_AclBinding_restype(a))),
          rd_kafka_AclBinding_name(a),
          Upper(rd_kafka_ResourcePatternType_name(rd_kafka_AclBinding_resource_pattern_type(a))),
          Upper(rd_kafka_AclOperation_name(rd_kafka_AclBinding_operation(a))),
          Upper(rd_kafka_AclPermissionType_name(rd_kafka_AclBinding_permission_type(a))),
          rd_kafka_AclBinding_host(a));
    }
    acls_known = true;
  } else if (IsUnsupported(err) || (err == RD_KAFKA_RESP_ERR__TIMED_OUT && Reachable())) {
    // A broker that answers metadata at once but lets DescribeAcls time out
    // does not implement it (librdkafka's mock cluster, for one).
    acls_supported_ = false;
    spdlog::warn(
        "kafka {}: the broker does not answer DescribeAcls ({}); ACLs come from the "
        "audit log and the catalog only",
        options_.cluster, rd_kafka_err2str(err));
  } else if (failure.ok()) {
    failure = Unavailable("kafka " + options_.cluster + ": DescribeAcls: " + rd_kafka_err2str(err));
  }
  if (ev != nullptr) {
    rd_kafka_event_destroy(ev);
  }
  return acls_known;
}

void AdminApiSource::Flush(TranslationSink& sink) {
  if (!pending_ || *pending_ == previous_) {
    pending_.reset();
    return;
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& [g, t] : pending_->group_topics) {
    groups.push_back({g, t});
  }
  nlohmann::json acls = nlohmann::json::array();
  for (const auto& [p, ty, n, pt, op, perm, h] : pending_->acls) {
    acls.push_back({p, ty, n, pt, op, perm, h});
  }
  const auto bytes = nlohmann::json::to_msgpack({{"groups", groups}, {"acls", acls}});
  sink.WriteFold(fold_prefix() + "state", std::string(bytes.begin(), bytes.end()));
  previous_ = std::move(*pending_);
  pending_.reset();
}

}  // namespace tributary::ingest::admin_api
