#pragma once
// Governance: policies evaluated on every relevant event, and sign-off of
// breaking changes (DESIGN.md §9; src/governance/README.md).
//
// Like the Tracker it is two things:
//   * a projection ("governance"): the violations opened and resolved, the
//     proposals with their decisions, and the ACL bindings the policies read,
//     built only from events in the log, so replay rebuilds it and never
//     re-decides;
//   * a Decider: for each batch it re-evaluates the products the batch touched
//     (never the whole estate), opens and resolves violations (events with
//     deterministic dedup keys, one outbox intent per team told), requests
//     sign-off of breaking proposals, closes proposals that reached their
//     outcome or their TTL, and escalates breaking schemas registered without
//     an approved proposal of the same fingerprint.
//
// Single-threaded (the writer thread); published() may be read from any thread.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/catalog_projection.h"
#include "core/projection.h"
#include "core/published.h"
#include "core/schema_projection.h"
#include "governance/policy_input.h"
#include "governance/policy_set.h"
#include "graph/graph_snapshot.h"
#include "tributary/decider.h"

namespace tributary::governance {

struct GovernanceOptions {
  std::string team;  // escalations go here too ("" none)
  std::vector<std::string> pii_tags = {"PII"};
  Duration proposal_ttl = std::chrono::days(14);
  std::map<std::string, std::string> regions;  // cluster -> region
  std::vector<Approval> approvals;
  std::shared_ptr<const PolicySet> policies;     // null: no policies
  std::set<std::string> acl_managed_clusters;    // [[clusters]] acl_management = true
  std::map<std::string, std::string> bootstrap;  // cluster -> bootstrap.servers (ACL commands)
};

// One violation, from its opening to its resolution.
struct ViolationRecord {
  std::string id;  // the opening's decision key
  std::string policy;
  std::string kind;
  std::string severity;
  std::string product;
  std::string domain;
  std::string subject;
  std::string message;
  Timestamp first_seen;
  std::optional<Timestamp> resolved_at;
  bool operator==(const ViolationRecord&) const = default;
};

struct ProposalDecision {
  std::string team;
  std::string decision;  // approve | reject
  std::string by;
  Timestamp at;
  std::string comment;
  bool operator==(const ProposalDecision&) const = default;
};

struct ProposalState {
  ProposalOpened opened;
  Timestamp opened_at;
  std::string status;  // not_needed | pending | approved | rejected | expired | versioned
  std::vector<ProposalDecision> decisions;
  bool closed = false;  // proposal_closed recorded
  bool operator==(const ProposalState&) const = default;
};

// One access request, from its asking to its ACL (DESIGN.md §5).
struct AccessRequestState {
  AccessRequested requested;
  Timestamp requested_at;
  std::string status = "pending";  // pending | approved | denied | applied
  std::string decided_by;
  std::optional<Timestamp> decided_at;
  std::string comment;
  std::optional<AclBinding> acl;  // the binding observed or created, once applied
  std::string applied_via;        // create_acls | observed
  std::optional<Timestamp> applied_at;
  bool operator==(const AccessRequestState&) const = default;
};

struct GovernanceState {
  std::vector<ViolationRecord> violations;         // every opening, oldest first
  std::map<std::string, std::size_t> open;         // violation key -> index in violations
  std::map<std::string, std::int32_t> openings;    // violation key -> times opened
  std::map<std::string, ProposalState> proposals;  // by id
  std::map<std::string, AccessRequestState> access_requests;  // by id
  bool operator==(const GovernanceState&) const = default;
};

// The ACL an approved access request needs: ALLOW READ on the product's topic
// (LITERAL) for the principal, from any host.
AclBinding RequiredAcl(const AccessRequested& request);

// The kafka-acls command line that creates `acl` on `bootstrap` (for clusters
// where Tributary does not manage ACLs); "BOOTSTRAP" when that is unknown.
std::string AclCommand(const AclBinding& acl, const std::string& bootstrap);

// Whether `acl` grants what RequiredAcl(request) grants: an ALLOW of READ (or
// ALL) on a TOPIC of the request's cluster whose LITERAL name is the topic, or
// "*", or whose PREFIXED name starts it, for the principal or User:*.
bool Covers(const AclBinding& acl, const AccessRequested& request);

// The approvals the `pii` policy reads: the configured [[approvals]] and every
// approved (or applied) access request.
std::vector<Approval> ApprovalsOf(const GovernanceState& state,
                                  const std::vector<Approval>& configured);

// The key of a violation: "<product>\x1f<policy>\x1f<subject>".
std::string ViolationKey(const std::string& product, const std::string& policy,
                         const std::string& subject);

// A proposal's status from its opening and its decisions so far.
std::string ProposalStatus(const ProposalOpened& opened,
                           const std::vector<ProposalDecision>& decisions);

// SHA-256 (hex) of a schema's type and canonical form: equal for the same
// schema however it is laid out. Falls back to the raw text when it does not parse.
std::string SchemaFingerprint(const std::string& type, const std::string& schema);

class Governance final : public Projection, public Decider {
 public:
  using GraphSource = std::function<std::shared_ptr<const graph::GraphSnapshot>()>;
  // The projections and `graph` must outlive it and be applied before it.
  Governance(GovernanceOptions options, const CatalogProjection& catalog,
             const SchemaProjection& schemas, GraphSource graph);

  // Projection
  std::string_view name() const override { return "governance"; }
  int snapshot_version() const override { return 2; }
  void Apply(const EventRecord& record) override;
  std::string Digest() const override;
  std::string Snapshot() const override;
  SnapshotJob CaptureSnapshot() const override;
  Status Restore(std::string_view snapshot) override;
  void Reset() override;

  // Decider (in a DeciderSet: it decides after the tracker, over the same batch)
  std::string cursor_key() const override { return "governance/cursor"; }
  void Decide(const std::vector<EventRecord>& records, Batch& out) override;
  void Tick(Timestamp now, Batch& out) override;

  // Evaluates every product (after a full replay, for the figures and the
  // first start over an existing log); returns the violations found, without
  // recording anything.
  std::size_t EvaluateAll() const;

  const GovernanceState& state() const { return state_; }
  const GovernanceOptions& options() const { return options_; }
  // Publishes the state for readers: throttled once copies take 1 ms or more
  // (PublishThrottle); call it again when idle to publish what was skipped.
  void Publish();
  std::shared_ptr<const GovernanceState> published() const { return published_.Get(); }

  // The policy input of a product as it stands (null when unknown).
  nlohmann::json InputOf(const std::string& product) const;

 private:
  void EnsureIndex() const;
  void IndexProduct(const std::string& name, const ProductPublished& p) const;
  void Touch(const DomainEvent& event, std::set<std::string>& touched) const;
  void EvaluateProduct(const std::string& name, Timestamp time, Batch& out) const;
  void DecideProposal(const std::string& id, Timestamp time, Batch& out) const;
  void EscalateBreaking(const std::vector<EventRecord>& records, Batch& out) const;
  void DecideAccess(const std::vector<EventRecord>& records, Batch& out) const;
  InputSources Sources(const graph::GraphSnapshot* graph) const;

  GovernanceOptions options_;
  const CatalogProjection& catalog_;
  const SchemaProjection& schemas_;
  GraphSource graph_;
  GovernanceState state_;
  AclIndex acls_;  // not published: only the policies read it
  bool changed_ = true;
  Published<GovernanceState> published_;
  PublishThrottle throttle_;
  // Indexes over the catalog (derived, rebuilt after Restore/Reset).
  mutable bool index_dirty_ = true;
  mutable std::map<std::string, std::set<std::string>> by_topic_;  // topic node id -> products
  // The inputs each job was last seen reading (from job_observed), and the
  // topics some job stopped reading since the last Decide: their products are
  // evaluated again (a violation the job caused there resolves).
  std::map<std::string, std::vector<NodeId>> job_inputs_;
  std::set<std::string> dropped_inputs_;
  mutable std::map<std::string, std::set<std::string>> by_subject_;  // subject -> products
  mutable std::map<std::string, std::pair<std::string, std::string>> indexed_;  // product -> keys
  mutable std::shared_ptr<const graph::GraphSnapshot> graph_now_;               // during one Decide
};

}  // namespace tributary::governance
