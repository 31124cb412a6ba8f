#pragma once
// AdminApiSource: periodic reconciliation through the Kafka Admin API, for
// clusters that hide __consumer_offsets (managed Kafka) and to catch ACL
// changes the audit log only hints at.
//
// Every interval: ListConsumerGroups + ListConsumerGroupOffsets (which groups
// have committed offsets on which topics) and DescribeAcls. The differences
// from the previous poll (kept as fold state under "aa/<cluster>/") become
// consumer_started / consumer_stopped (via admin_api) and acl_granted /
// acl_revoked events. A broker that does not answer a request (librdkafka's mock
// cluster answers neither the group nor the ACL requests) is detected once,
// logged once, and that request is skipped from then on.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ingest/polled_source.h"

namespace tributary::ingest::admin_api {

struct AdminApiOptions {
  std::string cluster;
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
  Duration interval = std::chrono::seconds(60);
  Duration request_timeout = std::chrono::seconds(10);
};

// What the Admin API reported in one poll.
struct AdminState {
  std::set<std::pair<std::string, std::string>> group_topics;  // (group, topic)
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string,
                      std::string>>
      acls;  // principal, resource_type, resource_name, pattern_type, operation, permission, host
  bool operator==(const AdminState&) const = default;
};

// The events that turn `before` into `after` (pure). Only the parts marked as
// known in `after` are compared: a request that failed changes nothing.
std::vector<DomainEvent> DiffAdminState(const std::string& cluster, const AdminState& before,
                                        const AdminState& after, bool groups_known,
                                        bool acls_known);

class AdminApiSource final : public PolledSource {
 public:
  explicit AdminApiSource(AdminApiOptions options);
  ~AdminApiSource() override;

  std::string name() const override { return options_.cluster + "/admin_api"; }
  Duration interval() const override { return options_.interval; }
  std::string fold_prefix() const override { return "aa/" + options_.cluster + "/"; }
  Status Restore(const std::vector<std::pair<std::string, std::string>>& entries) override;
  Status Poll(Timestamp now, TranslationSink& sink) override;
  void Flush(TranslationSink& sink) override;

  bool groups_supported() const { return groups_supported_; }
  bool acls_supported() const { return acls_supported_; }

 private:
  struct Client;
  Status Connect();
  // True when the cluster answers a metadata request now.
  bool Reachable();

  // Poll's requests. Each returns whether its part of the picture is complete,
  // and sets `failure` to what to report when a request failed.
  struct Requests;
  // The ids of every group, complete or not.
  bool ListGroups(Requests& requests, std::vector<std::string>& groups, Status& failure);
  // Replaces state.group_topics with the topics on which `groups` have offsets.
  bool ReadGroupTopics(Requests& requests, const std::vector<std::string>& groups,
                       AdminState& state, Status& failure);
  // Replaces state.acls with every ACL binding of the cluster.
  bool DescribeAcls(Requests& requests, AdminState& state, Status& failure);

  AdminApiOptions options_;
  std::unique_ptr<Client> client_;
  AdminState previous_;
  std::optional<AdminState> pending_;
  bool groups_supported_ = true;
  bool acls_supported_ = true;
};

}  // namespace tributary::ingest::admin_api
