#pragma once
// The service configuration (TOML, DESIGN.md §5) and its validation.
//
// LoadConfig reads a file, applies TRIBUTARY_<SECTION>_<KEY> environment
// overrides, and validates every key. All problems are reported together, one
// per line, as `FILE:LINE: KEY: message`; nothing connects to anything here.
// Unset `*_env` variables are warnings, not errors (they may be set where the
// service runs).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "governance/policy_set.h"
#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary {

struct ServiceConfig {
  std::string data_dir = "./data";
  std::string http_listen = "127.0.0.1:8080";
  std::string http_host = "127.0.0.1";  // parsed from http_listen
  std::uint16_t http_port = 8080;
  std::string tls_cert;
  std::string tls_key;
  std::string log_format = "text";       // text | json
  std::string log_level = "info";        // trace | debug | info | warn | error
  std::int64_t snapshot_every = 100000;  // events between projection snapshots
  // ... or this long, when fewer events arrived (a restart replays at most the tail)
  Duration snapshot_interval = std::chrono::minutes(10);
  // Where users reach the UI (links in notifications); default: http(s)://http_listen.
  std::string public_url;
  // This replica's id with [replication] (default: the host name).
  std::string replica_id;
  // How long a write on a replica waits to be applied before 503 (DESIGN.md §8).
  Duration write_timeout = std::chrono::seconds(10);
};

// [replication] (DESIGN.md §8): absent, one node and the SQLite file is the log.
struct ReplicationConfig {
  bool enabled = false;
  std::string cluster;  // holds Tributary's own topics (default: the first)
  std::string events_topic = "tributary.events";
  std::string commands_topic = "tributary.commands";
  std::string group_id = "tributary";
  Duration session_timeout = std::chrono::seconds(6);
  Duration heartbeat_interval = std::chrono::seconds(1);
};

struct ClusterConfig {
  std::string name;
  std::string id;
  std::string bootstrap_servers;
  std::string region;                             // optional: for locality policies (DESIGN.md §9)
  std::map<std::string, std::string> properties;  // passed to librdkafka as is
  bool acl_management = false;  // approved access requests are applied with CreateAcls
};

struct TopicSourceConfig {
  std::string topic;
  std::string cluster;  // defaults to the first cluster
};

struct SchemaSourceConfig {
  std::string topic;         // the _schemas topic, or
  std::string registry_url;  // a Schema Registry REST endpoint
  std::string credentials_env;
  Duration poll_interval = std::chrono::seconds(30);
  std::string cluster;
};

struct AdminApiSourceConfig {
  Duration poll_interval = std::chrono::seconds(60);
  std::string cluster;
};

struct SourcesConfig {
  std::optional<TopicSourceConfig> consumer_offsets;
  std::optional<SchemaSourceConfig> schemas;
  std::optional<TopicSourceConfig> audit_log;
  std::optional<TopicSourceConfig> catalog;
  std::optional<TopicSourceConfig> openlineage;
  std::optional<AdminApiSourceConfig> admin_api;
};

struct TrackingConfig {
  Duration consumer_idle_after = std::chrono::minutes(15);
  Duration progress_interval = std::chrono::minutes(10);
  std::vector<Duration> reminders_before_sunset = {std::chrono::days(30), std::chrono::days(14),
                                                   std::chrono::days(7), std::chrono::days(1)};
  // Next versions (DESIGN.md §5): the old product's sunset when none is given,
  // how long its topic may go without writes while consumers remain, and the
  // new version's topic ({product}, {base}, {n}).
  Duration default_deprecation_period = std::chrono::days(90);
  Duration dual_support_grace = std::chrono::hours(1);
  std::string next_version_topic = "{product}";
};

// [health] (DESIGN.md §10).
struct HealthConfig {
  bool enabled = true;
  Duration offsets_interval = std::chrono::seconds(30);
  std::int64_t window = 10;
  Duration alert_after = std::chrono::minutes(10);
  double risk_ratio = 0.8;
  // At most this many (cluster, group, topic) series per lag metric.
  std::int64_t metrics_series_cap = 10000;
};

struct NotificationsConfig {
  std::string templates_dir;
  std::string fallback_channel;
  Duration digest_window{0};
  std::vector<std::string> allow_hosts;
  std::int64_t max_attempts = 8;  // then a notification is dead (retryable by hand)
};

struct ChannelConfig {
  std::string name;
  std::string type;  // email | slack | teams | discord | mattermost | googlechat | webhook
  std::string url_env;
  std::string url_file;
  std::string url;
  std::string secret_env;
  std::string smtp_url;
  bool require_tls = true;
  std::string from;
  std::vector<std::string> to;
  std::string username_env;
  std::string password_env;
  std::string ca_file;  // email: trust anchors for the SMTP server's certificate (optional)
};

struct TeamConfig {
  std::string name;
  std::vector<std::string> contacts;
  // Preferences: the notification kinds the team wants (empty: all), the least
  // severity it wants (info | warning | high | critical), and its own digest
  // window (unset: notifications.digest_window).
  std::vector<std::string> kinds;
  std::string min_severity = "info";
  std::optional<Duration> digest_window;
};

struct RouteConfig {
  std::string match;  // glob over node ids
  std::string team;
};

struct TokenConfig {
  std::string name;
  std::string sha256;  // lower-case hex
  std::string role;    // reader | owner | admin
  std::string team;
  std::optional<Timestamp> expires;
  // OpenLineage job namespaces an owner token may write lineage for while no
  // team owns the job yet (jobs its team owns it may always write).
  std::vector<std::string> lineage_namespaces;
};

// [store]: what the event log keeps.
struct StoreConfig {
  // Progress samples and delivery attempts recorded longer ago than this are
  // thinned to the last of each day (src/store/compaction.h); 0: kept forever.
  Duration compact_after{0};
};

struct AuthConfig {
  bool anonymous_read = true;
  std::vector<TokenConfig> tokens;
};

// An approval made outside Tributary ([[approvals]]): `principal` may read `product`.
struct ApprovalConfig {
  std::string principal;
  std::string product;
};

// [governance], [[policies]] and [[approvals]] (DESIGN.md §9).
struct GovernanceConfig {
  std::string team;  // escalations go here too
  std::vector<std::string> pii_tags = {"PII"};
  Duration proposal_ttl = std::chrono::days(14);
  std::vector<governance::PolicySpec> policies;
  std::vector<ApprovalConfig> approvals;
  // The policies compiled once at load (jq programs included); never null.
  std::shared_ptr<const governance::PolicySet> compiled;
};

struct Config {
  std::filesystem::path file;
  ServiceConfig service;
  StoreConfig store;
  std::vector<ClusterConfig> clusters;
  ReplicationConfig replication;
  SourcesConfig sources;
  TrackingConfig tracking;
  HealthConfig health;
  NotificationsConfig notifications;
  std::vector<ChannelConfig> channels;
  std::vector<TeamConfig> teams;
  std::vector<RouteConfig> routes;
  AuthConfig auth;
  GovernanceConfig governance;
};

struct LoadedConfig {
  Config config;
  std::vector<std::string> warnings;  // same FILE:LINE: KEY: message form
};

// Looks up an environment variable; injectable for tests.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment ProcessEnvironment();

// All errors in one InvalidArgument, one `FILE:LINE: KEY: message` per line.
Result<LoadedConfig> LoadConfig(const std::filesystem::path& file, const Environment& env);
// The same for text already read; `file_name` is used in messages.
// `env_names` lists the environment variable names to consider as overrides
// (all TRIBUTARY_* variables of the process for LoadConfig).
Result<LoadedConfig> ParseConfig(std::string_view text, const std::string& file_name,
                                 const Environment& env,
                                 const std::vector<std::string>& env_names = {});

}  // namespace tributary
