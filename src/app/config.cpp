#include "app/config.h"

#include <unistd.h>

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "notifiers/channel_registry.h"
#include "tributary/notification_kind.h"

extern char** environ;  // NOLINT: POSIX

namespace tributary {
namespace {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void Error(const toml::source_region& where, const std::string& key, const std::string& msg) {
    errors_.push_back(Format(where, key, msg));
  }
  void Warning(const toml::source_region& where, const std::string& key, const std::string& msg) {
    warnings_.push_back(Format(where, key, msg));
  }
  void MarkFromEnvironment(const std::string& key, const std::string& variable) {
    env_keys_[key] = variable;
  }

  const std::vector<std::string>& errors() const { return errors_; }
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }

 private:
  std::string Format(const toml::source_region& where, const std::string& key,
                     const std::string& msg) const {
    if (auto it = env_keys_.find(key); it != env_keys_.end()) {
      return "environment " + it->second + ": " + key + ": " + msg;
    }
    const auto line = where.begin.line == 0 ? 1 : where.begin.line;
    return file_ + ":" + std::to_string(line) + ": " + key + ": " + msg;
  }

  std::string file_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::map<std::string, std::string> env_keys_;
};

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

// Reads the keys of one table, remembering which it consumed so the rest can be
// reported as unknown.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Diagnostics& diag)
      : table_(table), path_(std::move(path)), diag_(diag) {}

  std::string Key(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const toml::node* Get(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    const toml::node* n = table_.get(key);
    if (n == nullptr && required) {
      diag_.Error(table_.source(), Key(key), "required key is missing");
    }
    return n;
  }

  void String(std::string_view key, std::string& out, bool required = false) {
    if (const auto* n = Get(key, required)) {
      if (const auto* s = n->as_string()) {
        out = s->get();
        if (required && out.empty()) {
          diag_.Error(n->source(), Key(key), "must not be empty");
        }
      } else {
        diag_.Error(n->source(), Key(key), "expected a string, found " + TypeName(*n));
      }
    }
  }

  void OneOf(std::string_view key, std::string& out,
             std::initializer_list<std::string_view> allowed, bool required = false) {
    OneOf(key, out, std::vector<std::string_view>(allowed), required);
  }

  void OneOf(std::string_view key, std::string& out, const std::vector<std::string_view>& allowed,
             bool required = false) {
    const toml::node* n = table_.get(key);
    String(key, out, required);
    if (n == nullptr || !n->is_string()) {
      return;
    }
    if (std::find(allowed.begin(), allowed.end(), out) == allowed.end()) {
      std::string list;
      for (const auto a : allowed) {
        list += (list.empty() ? "" : ", ") + std::string(a);
      }
      diag_.Error(n->source(), Key(key), "\"" + out + "\" is not one of: " + list);
    }
  }

  void Bool(std::string_view key, bool& out) {
    if (const auto* n = Get(key, false)) {
      if (const auto* b = n->as_boolean()) {
        out = b->get();
      } else {
        diag_.Error(n->source(), Key(key), "expected a boolean, found " + TypeName(*n));
      }
    }
  }

  void Int(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
    if (const auto* n = Get(key, false)) {
      if (const auto* i = n->as_integer()) {
        if (i->get() < min || i->get() > max) {
          diag_.Error(n->source(), Key(key),
                      "must be between " + std::to_string(min) + " and " + std::to_string(max));
        } else {
          out = i->get();
        }
      } else {
        diag_.Error(n->source(), Key(key), "expected an integer, found " + TypeName(*n));
      }
    }
  }

  // A number (an integer is taken as one) with min < value <= max.
  void Double(std::string_view key, double& out, double min, double max) {
    if (const auto* n = Get(key, false)) {
      std::optional<double> v;
      if (const auto* d = n->as_floating_point()) {
        v = d->get();
      } else if (const auto* i = n->as_integer()) {
        v = static_cast<double>(i->get());
      }
      if (!v) {
        diag_.Error(n->source(), Key(key), "expected a number, found " + TypeName(*n));
      } else if (!(*v > min && *v <= max)) {
        diag_.Error(n->source(), Key(key),
                    "must be greater than " + std::to_string(min).substr(0, 3) + " and at most " +
                        std::to_string(max).substr(0, 3));
      } else {
        out = *v;
      }
    }
  }

  void DurationValue(const toml::node& n, const std::string& key, Duration& out) {
    if (const auto* s = n.as_string()) {
      auto d = ParseDuration(s->get());
      if (d.ok()) {
        out = *d;
      } else {
        diag_.Error(n.source(), key, d.status().message());
      }
    } else {
      diag_.Error(n.source(), key, "expected a duration string like \"15m\", found " + TypeName(n));
    }
  }

  void DurationField(std::string_view key, Duration& out) {
    if (const auto* n = Get(key, false)) {
      DurationValue(*n, Key(key), out);
    }
  }

  void DurationList(std::string_view key, std::vector<Duration>& out) {
    if (const auto* n = Get(key, false)) {
      const auto* arr = n->as_array();
      if (arr == nullptr) {
        diag_.Error(n->source(), Key(key), "expected an array of durations, found " + TypeName(*n));
        return;
      }
      out.clear();
      for (std::size_t i = 0; i < arr->size(); ++i) {
        Duration d{};
        DurationValue(*arr->get(i), Key(key) + "[" + std::to_string(i) + "]", d);
        out.push_back(d);
      }
    }
  }

  void StringList(std::string_view key, std::vector<std::string>& out) {
    if (const auto* n = Get(key, false)) {
      const auto* arr = n->as_array();
      if (arr == nullptr) {
        diag_.Error(n->source(), Key(key), "expected an array of strings, found " + TypeName(*n));
        return;
      }
      out.clear();
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto* item = arr->get(i);
        if (const auto* s = item->as_string()) {
          out.push_back(s->get());
        } else {
          diag_.Error(item->source(), Key(key) + "[" + std::to_string(i) + "]",
                      "expected a string, found " + TypeName(*item));
        }
      }
    }
  }

  const toml::table* Table(std::string_view key) {
    if (const auto* n = Get(key, false)) {
      if (const auto* t = n->as_table()) {
        return t;
      }
      diag_.Error(n->source(), Key(key), "expected a table, found " + TypeName(*n));
    }
    return nullptr;
  }

  // An array of tables ([[name]]); reports items that are not tables.
  std::vector<const toml::table*> Tables(std::string_view key) {
    std::vector<const toml::table*> out;
    if (const auto* n = Get(key, false)) {
      const auto* arr = n->as_array();
      if (arr == nullptr) {
        diag_.Error(
            n->source(), Key(key),
            "expected an array of tables ([[" + std::string(key) + "]]), found " + TypeName(*n));
        return out;
      }
      for (std::size_t i = 0; i < arr->size(); ++i) {
        if (const auto* t = arr->get(i)->as_table()) {
          out.push_back(t);
        } else {
          diag_.Error(arr->get(i)->source(), Key(key) + "[" + std::to_string(i) + "]",
                      "expected a table");
        }
      }
    }
    return out;
  }

  // Reports every key of the table that no reader asked for.
  void RejectUnknown() {
    for (const auto& [k, v] : table_) {
      if (!seen_.contains(std::string(k.str()))) {
        diag_.Error(v.source(), Key(k.str()), "unknown key");
      }
    }
  }

  const toml::table& table() const { return table_; }

 private:
  const toml::table& table_;
  std::string path_;
  Diagnostics& diag_;
  std::set<std::string> seen_;
};

std::string Indexed(std::string_view name, std::size_t i) {
  return std::string(name) + "[" + std::to_string(i) + "]";
}

bool ParseListen(const std::string& text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return false;
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned value = 0;
  const auto* begin = text.data() + colon + 1;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

void WarnIfUnset(Diagnostics& diag, const Environment& env, const toml::table& t,
                 const std::string& key, const std::string& variable) {
  if (!variable.empty() && !env(variable)) {
    const auto* n = t.get(key.substr(key.rfind('.') + 1));
    diag.Warning(n ? n->source() : t.source(), key,
                 "environment variable " + variable + " is not set");
  }
}

void ReadTopicSource(TableReader& sources, std::string_view key,
                     std::optional<TopicSourceConfig>& out, Diagnostics& diag) {
  if (const auto* t = sources.Table(key)) {
    TableReader r(*t, sources.Key(key), diag);
    TopicSourceConfig cfg;
    r.String("topic", cfg.topic, true);
    r.String("cluster", cfg.cluster);
    r.RejectUnknown();
    out = cfg;
  }
}

// Applies TRIBUTARY_<SECTION>_<KEY>=value to the parsed table. A value that
// parses as a TOML value (true, 30, "x") is taken as that; anything else as a string.
void ApplyOverrides(toml::table& root, const Environment& env,
                    const std::vector<std::string>& names, Diagnostics& diag) {
  static const std::set<std::string, std::less<>> kSections = {
      "service",       "store", "tracking",    "health",
      "notifications", "auth",  "replication", "governance"};
  for (const auto& name : names) {
    constexpr std::string_view kPrefix = "TRIBUTARY_";
    if (name.rfind(kPrefix, 0) != 0) {
      continue;
    }
    auto rest = name.substr(kPrefix.size());
    std::transform(rest.begin(), rest.end(), rest.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto underscore = rest.find('_');
    if (underscore == std::string::npos || !kSections.contains(rest.substr(0, underscore))) {
      continue;  // not a config override (e.g. TRIBUTARY_TEST_BINARY_DIR)
    }
    const auto section = rest.substr(0, underscore);
    const auto key = rest.substr(underscore + 1);
    const auto value = env(name);
    if (!value) {
      continue;
    }
    auto* table = root.get_as<toml::table>(section);
    if (table == nullptr) {
      root.insert_or_assign(section, toml::table{});
      table = root.get_as<toml::table>(section);
    }
    diag.MarkFromEnvironment(section + "." + key, name);
    bool as_toml = false;
    try {
      toml::table parsed = toml::parse("v = " + *value);
      if (const auto* v = parsed.get("v")) {
        table->insert_or_assign(key, *v);
        as_toml = true;
      }
    } catch (const toml::parse_error&) {
      // not a TOML value: taken as a string below
    }
    if (!as_toml) {
      table->insert_or_assign(key, *value);
    }
  }
}

void ValidateService(TableReader& top, ServiceConfig& service, Diagnostics& diag) {
  const auto* t = top.Table("service");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "service", diag);
  r.String("data_dir", service.data_dir);
  if (const auto* n = t->get("http_listen")) {
    r.String("http_listen", service.http_listen);
    if (n->is_string() && !ParseListen(service.http_listen, service.http_host, service.http_port)) {
      diag.Error(n->source(), "service.http_listen",
                 "\"" + service.http_listen + "\" is not HOST:PORT (e.g. 127.0.0.1:8080)");
    }
  } else {
    r.Get("http_listen", false);
  }
  r.String("tls_cert", service.tls_cert);
  r.String("tls_key", service.tls_key);
  if (service.tls_cert.empty() != service.tls_key.empty()) {
    diag.Error(t->source(), "service.tls_cert", "tls_cert and tls_key must be given together");
  }
  r.OneOf("log_format", service.log_format, {"text", "json"});
  r.OneOf("log_level", service.log_level, {"trace", "debug", "info", "warn", "error"});
  r.Int("snapshot_every", service.snapshot_every, 1, INT64_MAX);
  r.DurationField("snapshot_interval", service.snapshot_interval);
  r.String("public_url", service.public_url);
  r.String("replica_id", service.replica_id);
  r.DurationField("write_timeout", service.write_timeout);
  if (!service.public_url.empty() && service.public_url.rfind("http://", 0) != 0 &&
      service.public_url.rfind("https://", 0) != 0) {
    diag.Error(t->get("public_url")->source(), "service.public_url",
               "must start with http:// or https://");
  }
  r.RejectUnknown();
}

// librdkafka takes every property as a string; TOML integers and booleans are
// spelled the way librdkafka reads them.
void ReadClusterProperties(TableReader& r, ClusterConfig& cluster, Diagnostics& diag) {
  const auto* props = r.Table("properties");
  if (props == nullptr) {
    return;
  }
  for (const auto& [k, v] : *props) {
    if (const auto* s = v.as_string()) {
      cluster.properties[std::string(k.str())] = s->get();
    } else if (v.is_integer() || v.is_boolean()) {
      std::ostringstream os;
      if (v.is_integer()) {
        os << v.as_integer()->get();
      } else {
        os << (v.as_boolean()->get() ? "true" : "false");
      }
      cluster.properties[std::string(k.str())] = os.str();
    } else {
      diag.Error(v.source(), r.Key("properties") + "." + std::string(k.str()),
                 "librdkafka properties are strings, numbers or booleans");
    }
  }
}

// Returns the names of the clusters read, for the sources to refer to.
std::set<std::string> ValidateClusters(TableReader& top, std::vector<ClusterConfig>& out,
                                       Diagnostics& diag) {
  std::set<std::string> cluster_names;
  const auto clusters = top.Tables("clusters");
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    TableReader r(*clusters[i], Indexed("clusters", i), diag);
    ClusterConfig cluster;
    r.String("name", cluster.name, true);
    r.String("id", cluster.id);
    r.String("bootstrap_servers", cluster.bootstrap_servers, true);
    r.String("region", cluster.region);
    r.Bool("acl_management", cluster.acl_management);
    ReadClusterProperties(r, cluster, diag);
    r.RejectUnknown();
    if (!cluster.name.empty() && !cluster_names.insert(cluster.name).second) {
      diag.Error(clusters[i]->source(), r.Key("name"),
                 "duplicate cluster name \"" + cluster.name + "\"");
    }
    out.push_back(std::move(cluster));
  }
  return cluster_names;
}

void ReadSchemaSource(TableReader& sources, SourcesConfig& out, Diagnostics& diag,
                      const Environment& env) {
  const auto* s = sources.Table("schemas");
  if (s == nullptr) {
    return;
  }
  TableReader sr(*s, "sources.schemas", diag);
  SchemaSourceConfig cfg;
  sr.String("topic", cfg.topic);
  sr.String("registry_url", cfg.registry_url);
  sr.String("credentials_env", cfg.credentials_env);
  sr.DurationField("poll_interval", cfg.poll_interval);
  sr.String("cluster", cfg.cluster);
  sr.RejectUnknown();
  if (cfg.topic.empty() == cfg.registry_url.empty()) {
    diag.Error(s->source(), "sources.schemas",
               "give exactly one of topic (the _schemas topic) or registry_url");
  }
  if (!cfg.registry_url.empty() && cfg.registry_url.rfind("http://", 0) != 0 &&
      cfg.registry_url.rfind("https://", 0) != 0) {
    diag.Error(s->source(), "sources.schemas.registry_url", "must be an http:// or https:// URL");
  }
  WarnIfUnset(diag, env, *s, "sources.schemas.credentials_env", cfg.credentials_env);
  out.schemas = cfg;
}

void ReadAdminApiSource(TableReader& sources, SourcesConfig& out, Diagnostics& diag) {
  const auto* a = sources.Table("admin_api");
  if (a == nullptr) {
    return;
  }
  TableReader ar(*a, "sources.admin_api", diag);
  AdminApiSourceConfig cfg;
  ar.DurationField("poll_interval", cfg.poll_interval);
  ar.String("cluster", cfg.cluster);
  ar.RejectUnknown();
  out.admin_api = cfg;
}

// Every source names an existing cluster; empty means the first one.
void ResolveSourceClusters(const toml::table& t, Config& c,
                           const std::set<std::string>& cluster_names, Diagnostics& diag) {
  auto check_cluster = [&](std::string& cluster, const char* key) {
    const auto* node = t.at_path(std::string(key) + ".cluster").node();
    if (cluster.empty()) {
      if (c.clusters.empty()) {
        diag.Error(node ? node->source() : t.source(), std::string("sources.") + key,
                   "a source needs a cluster: add a [[clusters]] table");
      } else {
        cluster = c.clusters.front().name;
      }
    } else if (!cluster_names.contains(cluster)) {
      diag.Error(node ? node->source() : t.source(), std::string("sources.") + key + ".cluster",
                 "no [[clusters]] entry is named \"" + cluster + "\"");
    }
  };
  for (auto* src : {&c.sources.consumer_offsets, &c.sources.audit_log, &c.sources.catalog,
                    &c.sources.openlineage}) {
    if (*src) {
      const char* key = src == &c.sources.consumer_offsets ? "consumer_offsets"
                        : src == &c.sources.audit_log      ? "audit_log"
                        : src == &c.sources.catalog        ? "catalog"
                                                           : "openlineage";
      check_cluster((*src)->cluster, key);
    }
  }
  if (c.sources.schemas && !c.sources.schemas->topic.empty()) {
    check_cluster(c.sources.schemas->cluster, "schemas");
  }
  if (c.sources.admin_api) {
    check_cluster(c.sources.admin_api->cluster, "admin_api");
  }
}

void ValidateSources(TableReader& top, Config& c, const std::set<std::string>& cluster_names,
                     Diagnostics& diag, const Environment& env) {
  const auto* t = top.Table("sources");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "sources", diag);
  ReadTopicSource(r, "consumer_offsets", c.sources.consumer_offsets, diag);
  ReadTopicSource(r, "audit_log", c.sources.audit_log, diag);
  ReadTopicSource(r, "catalog", c.sources.catalog, diag);
  ReadTopicSource(r, "openlineage", c.sources.openlineage, diag);
  ReadSchemaSource(r, c.sources, diag, env);
  ReadAdminApiSource(r, c.sources, diag);
  r.RejectUnknown();
  ResolveSourceClusters(*t, c, cluster_names, diag);
}

void ValidateStore(TableReader& top, StoreConfig& store, Diagnostics& diag) {
  const auto* t = top.Table("store");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "store", diag);
  if (const auto* n = r.Get("compact_after", false)) {
    const auto* text = n->as_string();
    auto d = text != nullptr ? ParseDuration(text->get()) : Result<Duration>(Duration{0});
    if (text == nullptr) {
      diag.Error(n->source(), "store.compact_after",
                 "expected a duration like \"90d\", or \"off\"");
    } else if (text->get() == "off") {
      store.compact_after = Duration{0};
    } else if (!d.ok()) {
      diag.Error(n->source(), "store.compact_after", d.status().message());
    } else if (*d < std::chrono::hours(24)) {
      diag.Error(n->source(), "store.compact_after",
                 "at least \"1d\" (samples are kept one per day), or \"off\"");
    } else {
      store.compact_after = *d;
    }
  }
  r.RejectUnknown();
}

void ValidateTracking(TableReader& top, TrackingConfig& tracking, Diagnostics& diag) {
  const auto* t = top.Table("tracking");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "tracking", diag);
  r.DurationField("consumer_idle_after", tracking.consumer_idle_after);
  r.DurationField("progress_interval", tracking.progress_interval);
  r.DurationList("reminders_before_sunset", tracking.reminders_before_sunset);
  r.DurationField("default_deprecation_period", tracking.default_deprecation_period);
  r.DurationField("dual_support_grace", tracking.dual_support_grace);
  r.String("next_version_topic", tracking.next_version_topic);
  // Only the three placeholders; what is left must be a valid topic name.
  std::string rest = tracking.next_version_topic;
  for (const char* p : {"{product}", "{base}", "{n}"}) {
    for (auto at = rest.find(p); at != std::string::npos; at = rest.find(p)) {
      rest.replace(at, std::string_view(p).size(), "x");
    }
  }
  const bool valid =
      !rest.empty() && rest.size() <= 249 && std::all_of(rest.begin(), rest.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  if (!valid) {
    diag.Error(t->source(), r.Key("next_version_topic"),
               "a topic name (letters, digits, '.', '_', '-') with the placeholders {product}, "
               "{base} and {n} only");
  }
  r.RejectUnknown();
}

void ValidateHealth(TableReader& top, HealthConfig& health, Diagnostics& diag) {
  const auto* t = top.Table("health");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "health", diag);
  r.Bool("enabled", health.enabled);
  r.DurationField("offsets_interval", health.offsets_interval);
  if (const auto* n = t->get("offsets_interval");
      n != nullptr && health.offsets_interval < std::chrono::seconds(1)) {
    diag.Error(n->source(), "health.offsets_interval", "must be at least 1s");
  }
  r.Int("window", health.window, 2, 1000);
  r.DurationField("alert_after", health.alert_after);
  r.Double("risk_ratio", health.risk_ratio, 0.0, 1.0);
  r.Int("metrics_series_cap", health.metrics_series_cap, 0, 10'000'000);
  r.RejectUnknown();
}

void ValidateNotifications(TableReader& top, NotificationsConfig& notifications,
                           Diagnostics& diag) {
  const auto* t = top.Table("notifications");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "notifications", diag);
  r.String("templates_dir", notifications.templates_dir);
  r.String("fallback_channel", notifications.fallback_channel);
  r.DurationField("digest_window", notifications.digest_window);
  r.StringList("allow_hosts", notifications.allow_hosts);
  r.Int("max_attempts", notifications.max_attempts, 1, 100);
  r.RejectUnknown();
}

void CheckEmailChannel(const toml::table& t, const std::string& path, const ChannelConfig& ch,
                       Diagnostics& diag, const Environment& env) {
  if (ch.smtp_url.empty()) {
    diag.Error(t.source(), path + ".smtp_url", "an email channel needs smtp_url");
  } else if (ch.smtp_url.rfind("smtp://", 0) != 0 && ch.smtp_url.rfind("smtps://", 0) != 0) {
    diag.Error(t.get("smtp_url")->source(), path + ".smtp_url",
               "must start with smtps:// or smtp:// (upgraded with STARTTLS)");
  }
  if (ch.from.empty()) {
    diag.Error(t.source(), path + ".from", "an email channel needs a from address");
  }
  if (ch.to.empty()) {
    diag.Error(t.source(), path + ".to", "an email channel needs at least one to address");
  }
  WarnIfUnset(diag, env, t, path + ".username_env", ch.username_env);
  WarnIfUnset(diag, env, t, path + ".password_env", ch.password_env);
}

// Chat and webhook channels post to one URL, given exactly one way.
void CheckUrlChannel(const toml::table& t, const std::string& path, const ChannelConfig& ch,
                     Diagnostics& diag, const Environment& env) {
  const int given = !ch.url_env.empty() + !ch.url_file.empty() + !ch.url.empty();
  if (given != 1) {
    diag.Error(t.source(), path + ".url_env",
               "give exactly one of url_env, url_file or url (url only for non-secret dev "
               "endpoints)");
  }
  WarnIfUnset(diag, env, t, path + ".url_env", ch.url_env);
  const auto* type = notifiers::FindChannelType(ch.type);
  if (!ch.secret_env.empty() && type != nullptr &&
      type->shape != notifiers::ChannelShape::kSignedUrl) {
    diag.Error(t.get("secret_env")->source(), path + ".secret_env",
               "only webhook channels are signed");
  }
  WarnIfUnset(diag, env, t, path + ".secret_env", ch.secret_env);
}

ChannelConfig ReadChannel(const toml::table& t, const std::string& path, Diagnostics& diag) {
  TableReader r(t, path, diag);
  ChannelConfig ch;
  r.String("name", ch.name, true);
  std::vector<std::string_view> types;
  for (const auto& known : notifiers::ChannelTypes()) {
    types.push_back(known.type);
  }
  r.OneOf("type", ch.type, types, true);
  r.String("url_env", ch.url_env);
  r.String("url_file", ch.url_file);
  r.String("url", ch.url);
  r.String("secret_env", ch.secret_env);
  r.String("smtp_url", ch.smtp_url);
  r.Bool("require_tls", ch.require_tls);
  r.String("from", ch.from);
  r.StringList("to", ch.to);
  r.String("username_env", ch.username_env);
  r.String("password_env", ch.password_env);
  r.String("ca_file", ch.ca_file);
  r.RejectUnknown();
  return ch;
}

// Returns the names of the channels read, for the teams and the fallback to refer to.
std::set<std::string> ValidateChannels(TableReader& top, std::vector<ChannelConfig>& out,
                                       Diagnostics& diag, const Environment& env) {
  std::set<std::string> channel_names;
  const auto channels = top.Tables("channels");
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const auto& t = *channels[i];
    const auto path = Indexed("channels", i);
    ChannelConfig ch = ReadChannel(t, path, diag);
    if (!ch.name.empty() && !channel_names.insert(ch.name).second) {
      diag.Error(t.source(), path + ".name", "duplicate channel name \"" + ch.name + "\"");
    }
    if (const auto* type = notifiers::FindChannelType(ch.type); type == nullptr) {
      // Reported by ReadChannel.
    } else if (type->shape == notifiers::ChannelShape::kEmail) {
      CheckEmailChannel(t, path, ch, diag, env);
    } else {
      CheckUrlChannel(t, path, ch, diag, env);
    }
    out.push_back(std::move(ch));
  }
  return channel_names;
}

void CheckFallbackChannel(const toml::table& root, const NotificationsConfig& notifications,
                          const std::set<std::string>& channel_names, Diagnostics& diag) {
  if (!notifications.fallback_channel.empty() &&
      !channel_names.contains(notifications.fallback_channel)) {
    const auto* n = root.at_path("notifications.fallback_channel").node();
    diag.Error(n ? n->source() : root.source(), "notifications.fallback_channel",
               "no [[channels]] entry is named \"" + notifications.fallback_channel + "\"");
  }
}

void CheckTeamReferences(const toml::table& t, const std::string& path, const TeamConfig& team,
                         const std::set<std::string>& channel_names, Diagnostics& diag) {
  for (const auto& kind : team.kinds) {
    if (!ParseNotificationKind(kind)) {
      diag.Error(t.get("kinds")->source(), path + ".kinds",
                 "unknown notification kind \"" + kind + "\"");
    }
  }
  for (const auto& contact : team.contacts) {
    if (!channel_names.contains(contact)) {
      diag.Error(t.get("contacts")->source(), path + ".contacts",
                 "no [[channels]] entry is named \"" + contact + "\"");
    }
  }
}

void ValidateTeams(TableReader& top, std::vector<TeamConfig>& out,
                   const std::set<std::string>& channel_names, Diagnostics& diag) {
  const auto teams = top.Tables("teams");
  for (std::size_t i = 0; i < teams.size(); ++i) {
    const auto path = Indexed("teams", i);
    TableReader r(*teams[i], path, diag);
    TeamConfig team;
    r.String("name", team.name, true);
    r.StringList("contacts", team.contacts);
    r.StringList("kinds", team.kinds);
    r.OneOf("min_severity", team.min_severity, {"info", "warning", "high", "critical"});
    if (teams[i]->contains("digest_window")) {
      Duration window{0};
      r.DurationField("digest_window", window);
      team.digest_window = window;
    }
    r.RejectUnknown();
    CheckTeamReferences(*teams[i], path, team, channel_names, diag);
    out.push_back(std::move(team));
  }
}

void ValidateRoutes(TableReader& top, std::vector<RouteConfig>& out, Diagnostics& diag) {
  const auto routes = top.Tables("routes");
  for (std::size_t i = 0; i < routes.size(); ++i) {
    TableReader r(*routes[i], Indexed("routes", i), diag);
    RouteConfig route;
    r.String("match", route.match, true);
    r.String("team", route.team, true);
    r.RejectUnknown();
    out.push_back(std::move(route));
  }
}

// The config holds a token's SHA-256 (lower-cased), never the token itself.
void CheckTokenDigest(const toml::table& t, const std::string& path, TokenConfig& token,
                      Diagnostics& diag) {
  const bool hex = token.sha256.size() == 64 &&
                   std::all_of(token.sha256.begin(), token.sha256.end(), [](char ch) {
                     return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
                   });
  if (!token.sha256.empty() && !hex) {
    diag.Error(t.get("sha256")->source(), path + ".sha256",
               "must be the 64 hex digits of the token's SHA-256 (never the token itself)");
  }
  std::transform(token.sha256.begin(), token.sha256.end(), token.sha256.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
}

TokenConfig ReadToken(const toml::table& t, const std::string& path, Diagnostics& diag) {
  TableReader tr(t, path, diag);
  TokenConfig token;
  tr.String("name", token.name, true);
  tr.String("sha256", token.sha256, true);
  tr.OneOf("role", token.role, {"reader", "owner", "admin"}, true);
  tr.String("team", token.team);
  std::string expires;
  tr.String("expires", expires);
  tr.StringList("lineage_namespaces", token.lineage_namespaces);
  tr.RejectUnknown();
  CheckTokenDigest(t, path, token, diag);
  if (token.role == "owner" && token.team.empty()) {
    diag.Error(t.source(), path + ".team", "an owner token needs a team");
  }
  if (!expires.empty()) {
    auto when = ParseRfc3339(expires);
    if (when.ok()) {
      token.expires = *when;
    } else {
      diag.Error(t.get("expires")->source(), path + ".expires", when.status().message());
    }
  }
  return token;
}

void ValidateAuth(TableReader& top, AuthConfig& auth, Diagnostics& diag) {
  const auto* t = top.Table("auth");
  if (t == nullptr) {
    return;
  }
  TableReader r(*t, "auth", diag);
  r.Bool("anonymous_read", auth.anonymous_read);
  const auto tokens = r.Tables("tokens");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    auth.tokens.push_back(ReadToken(*tokens[i], "auth." + Indexed("tokens", i), diag));
  }
  r.RejectUnknown();
}

void ValidateReplication(TableReader& top, Config& c, const std::set<std::string>& cluster_names,
                         Diagnostics& diag) {
  const auto* t = top.Table("replication");
  if (t == nullptr) {
    return;
  }
  auto& rep = c.replication;
  rep.enabled = true;
  TableReader r(*t, "replication", diag);
  r.String("cluster", rep.cluster);
  r.String("events_topic", rep.events_topic);
  r.String("commands_topic", rep.commands_topic);
  r.String("group_id", rep.group_id);
  r.DurationField("session_timeout", rep.session_timeout);
  r.DurationField("heartbeat_interval", rep.heartbeat_interval);
  r.RejectUnknown();
  if (rep.cluster.empty()) {
    if (c.clusters.empty()) {
      diag.Error(t->source(), "replication",
                 "replication needs a cluster: add a [[clusters]] table");
    } else {
      rep.cluster = c.clusters.front().name;
    }
  } else if (!cluster_names.contains(rep.cluster)) {
    diag.Error(t->get("cluster")->source(), "replication.cluster",
               "no [[clusters]] entry is named \"" + rep.cluster + "\"");
  }
  if (rep.events_topic.empty() || rep.commands_topic.empty() || rep.group_id.empty() ||
      rep.events_topic == rep.commands_topic) {
    diag.Error(t->source(), "replication",
               "events_topic, commands_topic and group_id must be set, the topics distinct");
  }
  if (rep.heartbeat_interval * 3 > rep.session_timeout) {
    diag.Error(t->source(), "replication.heartbeat_interval",
               "must be at most a third of session_timeout");
  }
  if (c.service.replica_id.empty()) {
    char host[256] = {};
    c.service.replica_id = ::gethostname(host, sizeof host - 1) == 0 ? host : "tributary";
  }
}

// One [[policies]] entry's keys; the kind-specific checks and the compilation
// of its expression follow in ValidatePolicies.
governance::PolicySpec ReadPolicy(const toml::table& t, const std::string& path,
                                  Diagnostics& diag) {
  TableReader r(t, path, diag);
  governance::PolicySpec spec;
  r.String("id", spec.id, true);
  std::vector<std::string_view> kinds;
  for (const auto& k : governance::PolicyKinds()) {
    kinds.push_back(k);
  }
  r.OneOf("kind", spec.kind, kinds, true);
  r.OneOf("severity", spec.severity, {"info", "warn", "block"});
  r.String("scope", spec.scope);
  r.String("message", spec.message);
  r.StringList("fields", spec.fields);
  r.String("pattern", spec.pattern);
  r.StringList("allowed", spec.allowed);
  r.String("level", spec.level);
  r.String("expression", spec.expression);
  r.RejectUnknown();
  return spec;
}

void ValidateGovernance(TableReader& top, GovernanceConfig& g, Diagnostics& diag) {
  if (const auto* t = top.Table("governance")) {
    TableReader r(*t, "governance", diag);
    r.String("team", g.team);
    r.StringList("pii_tags", g.pii_tags);
    r.DurationField("proposal_ttl", g.proposal_ttl);
    r.RejectUnknown();
  }
  const auto policies = top.Tables("policies");
  for (std::size_t i = 0; i < policies.size(); ++i) {
    g.policies.push_back(ReadPolicy(*policies[i], Indexed("policies", i), diag));
  }
  // Each policy is compiled once, here (regular expressions, jq programs); a
  // broken one stops the start with the key at fault.
  std::vector<std::pair<std::size_t, governance::PolicyError>> errors;
  g.compiled = governance::PolicySet::CompileAll(g.policies, g.pii_tags, errors);
  for (const auto& [i, error] : errors) {
    const auto* n = policies[i]->get(error.field);
    const auto key = Indexed("policies", i) + "." + error.field;
    if (error.field == "kind" || error.field == "severity") {
      continue;  // already reported by ReadPolicy's OneOf
    }
    if (error.field == "id" && policies[i]->get("id") == nullptr) {
      continue;  // reported as missing
    }
    diag.Error(n != nullptr ? n->source() : policies[i]->source(), key, error.message);
  }
  if (!g.compiled) {
    g.compiled = std::make_shared<governance::PolicySet>();
  }
  const auto approvals = top.Tables("approvals");
  for (std::size_t i = 0; i < approvals.size(); ++i) {
    TableReader r(*approvals[i], Indexed("approvals", i), diag);
    ApprovalConfig a;
    r.String("principal", a.principal, true);
    r.String("product", a.product, true);
    r.RejectUnknown();
    g.approvals.push_back(std::move(a));
  }
}

// Reads every section in file order, so errors are reported in that order.
void Validate(const toml::table& root, Config& c, Diagnostics& diag, const Environment& env) {
  TableReader top(root, "", diag);
  ValidateService(top, c.service, diag);
  const auto cluster_names = ValidateClusters(top, c.clusters, diag);
  ValidateReplication(top, c, cluster_names, diag);
  ValidateSources(top, c, cluster_names, diag, env);
  ValidateStore(top, c.store, diag);
  ValidateTracking(top, c.tracking, diag);
  ValidateHealth(top, c.health, diag);
  ValidateNotifications(top, c.notifications, diag);
  const auto channel_names = ValidateChannels(top, c.channels, diag, env);
  CheckFallbackChannel(root, c.notifications, channel_names, diag);
  ValidateTeams(top, c.teams, channel_names, diag);
  ValidateRoutes(top, c.routes, diag);
  ValidateAuth(top, c.auth, diag);
  ValidateGovernance(top, c.governance, diag);
  top.RejectUnknown();
}

}  // namespace

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) {
      return std::string(v);
    }
    return std::nullopt;
  };
}

Result<LoadedConfig> ParseConfig(std::string_view text, const std::string& file_name,
                                 const Environment& env,
                                 const std::vector<std::string>& env_names) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& err) {
    return InvalidArgument(file_name + ":" + std::to_string(err.source().begin.line) +
                           ": (syntax): " + std::string(err.description()));
  }
  Diagnostics diag(file_name);
  ApplyOverrides(root, env, env_names, diag);
  LoadedConfig loaded;
  loaded.config.file = file_name;
  Validate(root, loaded.config, diag, env);
  if (!diag.errors().empty()) {
    std::string all;
    for (const auto& e : diag.errors()) {
      all += (all.empty() ? "" : "\n") + e;
    }
    return InvalidArgument(all);
  }
  loaded.warnings = diag.TakeWarnings();
  return loaded;
}

Result<LoadedConfig> LoadConfig(const std::filesystem::path& file, const Environment& env) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return InvalidArgument(file.string() + ": cannot read the config file");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("TRIBUTARY_", 0) == 0) {
      names.emplace_back(entry.substr(0, entry.find('=')));
    }
  }
  return ParseConfig(buffer.str(), file.string(), env, names);
}

}  // namespace tributary
