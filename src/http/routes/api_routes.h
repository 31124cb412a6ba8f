#pragma once
// The HTTP API of DESIGN.md §5: pure request -> response handlers over the
// published, immutable read models (lineage graph, catalog, schemas) and the
// event log (through the reader ports), registered on a Router. Every handler
// authenticates before it looks anything up; writes go through the Writer port.
//
// The context's functions are called from the server's threads and must be
// thread-safe; everything they return is immutable.

#include <functional>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "core/catalog_projection.h"
#include "core/schema_projection.h"
#include "governance/governance.h"
#include "graph/graph_snapshot.h"
#include "health/health_tracker.h"
#include "http/auth.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/session_store.h"
#include "schema/work_budget.h"
#include "tracking/tracker.h"
#include "tributary/catalog_writes.h"
#include "tributary/event_reader.h"
#include "tributary/lineage_intake.h"
#include "tributary/notification_reader.h"
#include "tributary/writer.h"

namespace tributary::http {

struct ApiContext {
  std::function<std::shared_ptr<const graph::GraphSnapshot>()> graph;
  std::function<std::shared_ptr<const CatalogState>()> catalog;
  std::function<std::shared_ptr<const SchemaState>()> schemas;
  // The change tracker's published state (deprecations and migrations); may be empty.
  std::function<std::shared_ptr<const tracking::TrackingState>()> tracking;
  // Consumer health's latest evaluation (DESIGN.md §10); may be empty.
  std::function<std::shared_ptr<const health::HealthView>()> health;
  bool health_enabled = false;
  EventReader* events = nullptr;                // the committed log
  NotificationReader* notifications = nullptr;  // the outbox and its deliveries
  const Clock* clock = nullptr;
  const Authenticator* auth = nullptr;
  Metrics* metrics = nullptr;  // may be null
  // Commits through the single writer; the result says which events were new.
  Writer* writer = nullptr;
  // Self-service catalog writes (publish, update, deprecate, retire): to the
  // catalog topic, or straight to the log without one. May be null (then the
  // writes go through `writer`).
  CatalogWrites* catalog_writes = nullptr;
  // POST /lineage: the OpenLineage source's decoding and fold.
  LineageIntake* lineage = nullptr;
  std::vector<std::string> clusters;  // configured cluster names, in config order
  std::function<bool()> ready;
  // GET /replica: this replica's role, epoch and how far it applied the log.
  std::function<nlohmann::json()> replica;
  // Source records lost to retention since start (shown by /readyz); may be empty.
  std::function<std::vector<SourceGap>()> source_gaps;
  // Why the event log cannot be written now (disk full, read-only file
  // system), or nullopt; /readyz answers 503 with it. May be empty.
  std::function<std::optional<std::string>()> storage_fault;
  // Teams of the config ([[teams]]: name -> contacts) and its [[routes]] (glob -> team).
  std::map<std::string, std::vector<std::string>> config_teams;
  std::vector<std::pair<std::string, std::string>> routes;
  // Governance (DESIGN.md §9): its published state (violations, proposals) and
  // options (policies compiled at load, regions, approvals, proposal TTL); may be empty.
  std::function<std::shared_ptr<const governance::GovernanceState>()> governance;
  const governance::GovernanceOptions* governance_options = nullptr;
  // Approved access requests on clusters with `acl_management = true`: creates
  // the ACL with the Admin API (CreateAcls). Empty: no cluster manages ACLs.
  std::function<Status(const AclBinding&)> create_acl;
  // The web UI's sign-in sessions (cookie + CSRF); null: the UI is read-only.
  // Only UI pages read the session cookie, never /api/v1.
  SessionStore* sessions = nullptr;
  // Whether the server answers over TLS (session cookies are then Secure).
  bool tls = false;
  // Next versions (POST /products/{name}/next-version): the old product's
  // sunset when none is given, and the new version's topic pattern.
  Duration default_deprecation_period = std::chrono::days(90);
  std::string next_version_topic = "{product}";
};

// What one POST /compatibility may spend before it is answered 422
// schema_too_complex.
inline constexpr schema::WorkLimits kCompatibilityBudget{2'000'000,
                                                         std::chrono::milliseconds(2000)};

// Registers every route; `context` must outlive the router. Heavy routes
// (schema checks, SVG lineage) are marked for the server's work pool.
void AddApiRoutes(Router& router, const ApiContext& context);

}  // namespace tributary::http
