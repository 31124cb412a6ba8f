#pragma once
// AclAdministrator: applies approved access requests' ACLs with the Admin
// API's CreateAcls on the clusters configured with `acl_management = true`
// (DESIGN.md §5). One admin client per such cluster, made on first use and
// kept; each call waits for the broker's answer for at most `timeout`.
//
// Thread-safe: calls for one cluster are serialised.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/config.h"
#include "tributary/events.h"
#include "tributary/result.h"

namespace tributary {

class AclAdministrator {
 public:
  AclAdministrator(const std::vector<ClusterConfig>& clusters, Duration timeout);
  ~AclAdministrator();
  AclAdministrator(const AclAdministrator&) = delete;
  AclAdministrator& operator=(const AclAdministrator&) = delete;

  // Whether Tributary creates the ACLs of `cluster`.
  bool Manages(const std::string& cluster) const;

  // Creates `acl` (a TOPIC binding) on its cluster. Unavailable when the
  // broker cannot be reached, does not answer in time, or refuses (e.g.
  // SECURITY_DISABLED, CLUSTER_AUTHORIZATION_FAILED), with the broker's words.
  Status Create(const AclBinding& acl);

 private:
  struct Client;
  Result<Client*> ClientFor(const std::string& cluster);

  Duration timeout_;
  std::map<std::string, ClusterConfig> managed_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Client>> clients_;
};

}  // namespace tributary
