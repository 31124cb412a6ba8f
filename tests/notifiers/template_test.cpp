// The notification templates (templates/) and their renderer. The golden files
// under tests/fixtures/templates/ are the specification of the default messages:
// run with TRIBUTARY_UPDATE_GOLDENS=1 to rewrite them after a deliberate change,
// then read the diff.

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "notifiers//templates/template_set.h"
#include "notifiers/channel_registry.h"
#include "support/temp_dir.h"
#include "tributary/notification_kind.h"

namespace tributary::notifiers {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(TRIBUTARY_SOURCE_DIR) / "tests/fixtures/templates";

// The channel a team's messages go to; the fallback channel for no team.
std::string ChannelOf(const std::string& team) {
  return team.empty() ? "platform-fallback" : team + "-alerts";
}

// What the dispatcher adds to every context (RenderContext in notifiers/core).
json Common(const std::string& kind, const std::string& team, const std::string& severity,
            const std::string& decision_key, const std::string& ui_path) {
  return {{"kind", kind},
          {"team", team},
          {"team_display_name",
           team.empty() ? "" : std::string(1, char(std::toupper(team[0]))) + team.substr(1)},
          {"severity", severity},
          {"event_time", "2026-03-10T11:00:00Z"},
          {"decision_key", decision_key},
          {"idempotency_key", decision_key + "/" + team + "/" + ChannelOf(team)},
          {"ui_url", "https://tributary.example.com" + ui_path},
          {"channel", ChannelOf(team)}};
}

json Merge(json base, const json& facts) {
  for (const auto& [k, v] : facts.items()) {
    base[k] = v;
  }
  return base;
}

json Consumers(std::initializer_list<std::pair<const char*, int>> list) {
  json out = json::array();
  for (const auto& [id, depth] : list) {
    out.push_back({{"id", id}, {"depth", depth}});
  }
  return out;
}

const json kConsumersByTeam = json::array({
    {{"id", "group:local/analytics-daily-orders"}, {"team", ""}, {"depth", 1}},
    {{"id", "group:local/payments-refunds"}, {"team", "payments"}, {"depth", 1}},
    {{"id", "group:local/payments-settlement"}, {"team", "payments"}, {"depth", 1}},
});

// The facts of a deprecated product, as the tracker records them.
json DeprecatedOrders() {
  return {{"product", "orders"},
          {"owner", "checkout"},
          {"topic", "topic:local/shop.orders.v1"},
          {"reason", "Replaced by orders-v2, which has one record per line item."},
          {"sunset", "2026-06-30T00:00:00Z"},
          {"replacement", "orders-v2"}};
}

struct Example {
  std::string kind;
  std::string variant;  // "" for the one rendered for every channel type
  json context;
};

// A realistic context per kind (the facts src/tracking/tracker.cpp records,
// plus the dispatcher's fields), and the role variants that read differently.
std::vector<Example> Examples() {
  std::vector<Example> out;

  const json breaking = {{"subject", "shop.orders.v1-value"},
                         {"topic", "topic:local/shop.orders.v1"},
                         {"product", "orders"},
                         {"owner", "checkout"},
                         {"from_version", 3},
                         {"to_version", 4},
                         {"level", "BACKWARD"},
                         {"mode", "READWRITE"},
                         {"cause", "incompatible_schema"},
                         {"incompatibilities",
                          {{{"type", "READER_FIELD_MISSING_DEFAULT_VALUE"},
                            {"path", "/fields/5"},
                            {"message", "field `currency` was added without a default"},
                            {"version", 3}},
                           {{"type", "TYPE_MISMATCH"},
                            {"path", "/fields/2/type"},
                            {"message", "field `amount` changed from int to string"},
                            {"version", 3}}}},
                         {"consumers", Consumers({{"group:local/payments-settlement", 1},
                                                  {"job:flink/payments-ledger-rollup", 2}})}};
  const auto breaking_common = Common("breaking_change", "payments", "critical",
                                      "schema:shop.orders.v1-value:4:1042", "/products/orders");
  out.push_back({"breaking_change", "", Merge(breaking_common, breaking)});
  out.push_back({"breaking_change", "subscriber",
                 Merge(Merge(Common("breaking_change", "risk", "critical",
                                    "schema:shop.orders.v1-value:4:1042", "/products/orders"),
                             breaking),
                       {{"consumers", json::array()}, {"role", "subscriber"}})});
  // A whole subject soft-deleted under a topic that is no catalog product.
  out.push_back({"breaking_change", "subject_deleted",
                 Merge(Common("breaking_change", "payments", "critical",
                              "schema-deleted:shop.returns-value:all:soft:2210",
                              "/lineage?node=topic:local/shop.returns"),
                       {{"subject", "shop.returns-value"},
                        {"topic", "topic:local/shop.returns"},
                        {"from_version", 0},
                        {"to_version", 0},
                        {"level", "BACKWARD"},
                        {"mode", "READWRITE"},
                        {"cause", "schema_deleted"},
                        {"incompatibilities", json::array()},
                        {"consumers", Consumers({{"group:local/payments-returns", 1}})}})});
  out.push_back(
      {"breaking_change", "hard_deleted_fallback",
       Merge(Merge(Common("breaking_change", "", "critical",
                          "schema-deleted:shop.orders.v1-value:3:hard:2211", "/products/orders"),
                   breaking),
             {{"cause", "schema_hard_deleted"},
              {"from_version", 3},
              {"to_version", 3},
              {"incompatibilities", json::array()},
              {"consumers", Consumers({{"group:local/orders-archiver", 1}})},
              {"fallback", true},
              {"fallback_reason", "team \"\" has no reachable contact"}})});

  const auto deprecation = Merge(DeprecatedOrders(), {{"actor", "checkout-ci"}});
  out.push_back({"deprecation", "",
                 Merge(Merge(Common("deprecation", "payments", "warning", "deprecation:orders:1877",
                                    "/deprecations/orders"),
                             deprecation),
                       {{"role", "consumer"},
                        {"consumers", Consumers({{"group:local/payments-refunds", 1},
                                                 {"group:local/payments-settlement", 1}})}})});
  out.push_back({"deprecation", "owner",
                 Merge(Merge(Common("deprecation", "checkout", "warning", "deprecation:orders:1877",
                                    "/deprecations/orders"),
                             deprecation),
                       {{"role", "owner"}, {"consumers_by_team", kConsumersByTeam}})});
  out.push_back({"deprecation", "subscriber_no_replacement",
                 Merge(Merge(Common("deprecation", "risk", "warning", "deprecation:orders:1877",
                                    "/deprecations/orders"),
                             deprecation),
                       {{"role", "subscriber"}, {"replacement", nullptr}})});

  out.push_back({"reminder", "",
                 Merge(Merge(Common("reminder", "payments", "warning", "reminder:orders:1877:7d",
                                    "/deprecations/orders"),
                             DeprecatedOrders()),
                       {{"before", "7d"},
                        {"days_to_sunset", 7},
                        {"consumers", Consumers({{"group:local/payments-settlement", 1}})}})});
  out.push_back({"reminder", "last_day_no_replacement",
                 Merge(Merge(Common("reminder", "payments", "warning", "reminder:orders:1877:1d",
                                    "/deprecations/orders"),
                             DeprecatedOrders()),
                       {{"before", "1d"},
                        {"days_to_sunset", 1},
                        {"replacement", nullptr},
                        {"consumers", Consumers({{"group:local/payments-settlement", 1}})}})});

  out.push_back({"sunset_escalation", "",
                 Merge(Merge(Common("sunset_escalation", "payments", "high",
                                    "reminder:orders:1877:after", "/deprecations/orders"),
                             DeprecatedOrders()),
                       {{"consumer_count", 3},
                        {"role", "consumer"},
                        {"consumers", Consumers({{"group:local/payments-refunds", 1},
                                                 {"group:local/payments-settlement", 1}})}})});
  out.push_back(
      {"sunset_escalation", "owner",
       Merge(Merge(Common("sunset_escalation", "checkout", "high", "reminder:orders:1877:after",
                          "/deprecations/orders"),
                   DeprecatedOrders()),
             {{"consumer_count", 3}, {"role", "owner"}, {"consumers_by_team", kConsumersByTeam}})});

  const json new_consumer = Merge(DeprecatedOrders(), {{"consumer", "group:local/payments-fraud"},
                                                       {"consumer_team", "payments"}});
  const std::string new_consumer_key = "new-consumer:orders:group:local/payments-fraud:2301";
  out.push_back({"new_consumer_on_deprecated", "",
                 Merge(Merge(Common("new_consumer_on_deprecated", "payments", "warning",
                                    new_consumer_key, "/deprecations/orders"),
                             new_consumer),
                       {{"role", "consumer"}})});
  out.push_back({"new_consumer_on_deprecated", "owner",
                 Merge(Merge(Common("new_consumer_on_deprecated", "checkout", "warning",
                                    new_consumer_key, "/deprecations/orders"),
                             new_consumer),
                       {{"role", "owner"}})});

  const json retired = {{"product", "orders"},
                        {"owner", "checkout"},
                        {"topic", "topic:local/shop.orders.v1"},
                        {"actor", "checkout-ci"},
                        {"consumer_count", 3}};
  out.push_back({"retired_with_consumers", "",
                 Merge(Merge(Common("retired_with_consumers", "payments", "critical",
                                    "retired:orders:2405", "/products/orders"),
                             retired),
                       {{"consumers", Consumers({{"group:local/payments-refunds", 1},
                                                 {"group:local/payments-settlement", 1}})}})});
  out.push_back({"retired_with_consumers", "owner",
                 Merge(Merge(Common("retired_with_consumers", "checkout", "critical",
                                    "retired:orders:2405", "/products/orders"),
                             retired),
                       {{"consumers_by_team", kConsumersByTeam}})});

  out.push_back(
      {"access_revoked", "",
       Merge(
           Common("access_revoked", "payments", "critical", "access:User:svc-settlement:READ:2512",
                  "/lineage?node=principal:User:svc-settlement"),
           {{"principal", "principal:User:svc-settlement"},
            {"operation", "READ"},
            {"cause", "acl_revoked"},
            {"topics", {"topic:local/shop.orders.v1", "topic:local/shop.orders.v1-retry"}},
            {"acl",
             {{"cluster", "local"},
              {"resource_type", "TOPIC"},
              {"resource_name", "shop.orders."},
              {"pattern_type", "PREFIXED"},
              {"operation", "READ"},
              {"permission", "ALLOW"}}}})});
  out.push_back(
      {"access_revoked", "deny_write",
       Merge(Common("access_revoked", "payments", "critical", "access:User:svc-ledger:WRITE:2513",
                    "/lineage?node=principal:User:svc-ledger"),
             {{"principal", "principal:User:svc-ledger"},
              {"operation", "WRITE"},
              {"cause", "deny_added"},
              {"topics", {"topic:local/payments.ledger"}},
              {"acl",
               {{"cluster", "local"},
                {"resource_type", "TOPIC"},
                {"resource_name", "payments.ledger"},
                {"pattern_type", "LITERAL"},
                {"operation", "WRITE"},
                {"permission", "DENY"}}}})});
  // Consumer health (DESIGN.md §10): the facts the health tracker writes.
  out.push_back({"data_loss_risk", "",
                 Merge(Common("data_loss_risk", "payments", "critical",
                              "data_loss_risk/group:local/payments-risk/topic:local/trades/1",
                              "/ui/consumers/group%3Alocal%2Fpayments-risk"),
                       {{"group", "group:local/payments-risk"},
                        {"group_name", "payments-risk"},
                        {"topic", "topic:local/trades"},
                        {"topic_name", "trades"},
                        {"cluster", "local"},
                        {"lag", 900},
                        {"lag_seconds", 3001.5},
                        {"lag_human", "50m"},
                        {"retention_ms", 3600000},
                        {"retention_source", "declared"},
                        {"retention_human", "1h 0m"},
                        {"risk_ratio", 0.8},
                        {"risk_percent", 80},
                        {"seconds_left", 598.5},
                        {"time_left_human", "9m"}})});
  out.push_back({"consumer_unhealthy", "",
                 Merge(Common("consumer_unhealthy", "payments", "high",
                              "consumer_unhealthy/group:local/payments-fraud/1",
                              "/ui/consumers/group%3Alocal%2Fpayments-fraud"),
                       {{"group", "group:local/payments-fraud"},
                        {"group_name", "payments-fraud"},
                        {"cluster", "local"},
                        {"status", "ERR"},
                        {"since", "2026-11-25T10:00:00.000Z"},
                        {"for_human", "10m"},
                        {"partitions",
                         {{{"topic", "trades"},
                           {"partition", 0},
                           {"offset", 100},
                           {"lag", 1500},
                           {"status", "STALLED"}}}}})});
  // Governance (DESIGN.md §9): the facts src/governance writes.
  const json incompatibilities = {{{"message", "field email removed"},
                                   {"path", "/fields/1"},
                                   {"type", "READER_FIELD_MISSING"},
                                   {"version", 3}}};
  out.push_back(
      {"policy_violation", "",
       Merge(Common("policy_violation", "checkout", "high",
                    "policy/gdpr-pii/orders/product:orders/1", "/ui/compliance?product=orders"),
             {{"product", "orders"},
              {"policy", "gdpr-pii"},
              {"policy_kind", "pii"},
              {"severity_level", "block"},
              {"subject", "product:orders"},
              {"message", "fields tagged PII (email) need the product tag pii"},
              {"domain", "sales"},
              {"owner", "checkout"},
              {"violation", "policy/gdpr-pii/orders/product:orders/1"},
              {"block", true},
              {"role", "owner"}})});
  const json proposal = {{"proposal", "prop-00000000a1"},
                         {"product", "orders"},
                         {"subject", "orders-value"},
                         {"owner", "checkout"},
                         {"description", "email moves to the customer record"},
                         {"incompatibilities", incompatibilities},
                         {"approvals_needed", {"payments", "fraud"}},
                         {"expires_at", "2026-03-24T11:00:00.000Z"}};
  out.push_back({"signoff_requested", "",
                 Merge(Merge(Common("signoff_requested", "payments", "high",
                                    "signoff/prop-00000000a1", "/ui/proposals/prop-00000000a1"),
                             proposal),
                       {{"status", "pending"}, {"role", "consumer"}})});
  out.push_back(
      {"proposal_decided", "",
       Merge(Merge(Common("proposal_decided", "checkout", "warning",
                          "proposal-closed/prop-00000000a1", "/ui/proposals/prop-00000000a1"),
                   proposal),
             {{"status", "rejected"},
              {"role", "owner"},
              {"approved", false},
              {"rejected", true},
              {"decisions",
               {{{"team", "payments"},
                 {"decision", "approve"},
                 {"by", "payments-ci"},
                 {"at", "2026-03-11T09:00:00.000Z"},
                 {"comment", ""}},
                {{"team", "fraud"},
                 {"decision", "reject"},
                 {"by", "fraud-ci"},
                 {"at", "2026-03-11T10:00:00.000Z"},
                 {"comment", "we still read email"}}}}})});
  out.push_back({"unapproved_breaking_change", "",
                 Merge(Common("unapproved_breaking_change", "checkout", "critical",
                              "unapproved/orders-value/4", "/ui/products/orders"),
                       {{"product", "orders"},
                        {"subject", "orders-value"},
                        {"version", 4},
                        {"from_version", 3},
                        {"fingerprint", "9f2c…"},
                        {"owner", "checkout"},
                        {"cause", "incompatible_schema"},
                        {"incompatibilities", incompatibilities},
                        {"proposals", {{{"id", "prop-00000000a1"}, {"status", "rejected"}}}},
                        {"role", "owner"}})});
  // Access requests (DESIGN.md §5): the facts governance writes.
  const json access = {{"request", "acc-0000000000a1"},
                       {"product", "orders"},
                       {"topic", "topic:local/shop.orders.v1"},
                       {"topic_name", "shop.orders.v1"},
                       {"cluster", "local"},
                       {"principal", "User:svc-settlement"},
                       {"requester", "payments"},
                       {"purpose", "settle card payments daily"},
                       {"owner", "checkout"},
                       {"acl",
                        {{"cluster", "local"},
                         {"principal", "User:svc-settlement"},
                         {"resource_type", "TOPIC"},
                         {"resource_name", "shop.orders.v1"},
                         {"pattern_type", "LITERAL"},
                         {"operation", "READ"},
                         {"permission", "ALLOW"},
                         {"host", "*"}}},
                       {"acl_command",
                        "kafka-acls --bootstrap-server 'kafka-1.internal:9092' --add "
                        "--allow-principal 'User:svc-settlement' --operation Read --topic "
                        "'shop.orders.v1'"}};
  out.push_back({"access_requested", "",
                 Merge(Merge(Common("access_requested", "checkout", "info",
                                    "access/acc-0000000000a1/requested", "/ui/products/orders"),
                             access),
                       {{"status", "pending"},
                        {"role", "owner"},
                        {"approved", false},
                        {"denied", false},
                        {"acl_managed", false}})});
  out.push_back({"access_decided", "",
                 Merge(Merge(Common("access_decided", "payments", "info",
                                    "access/acc-0000000000a1/decided", "/ui/products/orders"),
                             access),
                       {{"status", "approved"},
                        {"role", "requester"},
                        {"decided_by", "checkout-ci"},
                        {"comment", "fine for settlement"},
                        {"approved", true},
                        {"denied", false},
                        {"acl_managed", false}})});
  out.push_back({"access_decided", "denied",
                 Merge(Merge(Common("access_decided", "payments", "warning",
                                    "access/acc-0000000000a1/decided", "/ui/products/orders"),
                             access),
                       {{"status", "denied"},
                        {"role", "requester"},
                        {"decided_by", "checkout-ci"},
                        {"comment", "use orders.summary instead"},
                        {"approved", false},
                        {"denied", true},
                        {"acl_managed", true}})});
  // Next versions (DESIGN.md §5): the migration notice with its field-level
  // diff, dual support broken, ready to retire.
  out.push_back({"deprecation", "versioned",
                 Merge(Merge(Common("deprecation", "payments", "warning", "deprecation:orders:1877",
                                    "/deprecations/orders"),
                             DeprecatedOrders()),
                       {{"role", "consumer"},
                        {"replacement", "orders.v2"},
                        {"versioned", true},
                        {"diff_count", 3},
                        {"diff",
                         {{{"change", "added"},
                           {"path", "currency"},
                           {"from_type", ""},
                           {"to_type", "string"},
                           {"added", true},
                           {"removed", false},
                           {"retyped", false}},
                          {{"change", "retyped"},
                           {"path", "amount"},
                           {"from_type", "int"},
                           {"to_type", "double"},
                           {"added", false},
                           {"removed", false},
                           {"retyped", true}},
                          {{"change", "removed"},
                           {"path", "legacy_id"},
                           {"from_type", "long"},
                           {"to_type", ""},
                           {"added", false},
                           {"removed", true},
                           {"retyped", false}}}},
                        {"consumers", Consumers({{"group:local/payments-settlement", 1}})}})});
  out.push_back({"dual_support_broken", "",
                 Merge(Merge(Common("dual_support_broken", "checkout", "high",
                                    "dual-support:orders:1877", "/ui/deprecations/orders"),
                             DeprecatedOrders()),
                       {{"role", "owner"},
                        {"replacement", "orders.v2"},
                        {"consumer_count", 2},
                        {"last_produced", "2026-03-10T09:30:00.000Z"},
                        {"grace", "1h"},
                        {"consumers_by_team", kConsumersByTeam}})});
  out.push_back({"ready_to_retire", "",
                 Merge(Merge(Common("ready_to_retire", "checkout", "info",
                                    "ready-to-retire:orders:1877", "/ui/products/orders"),
                             DeprecatedOrders()),
                       {{"role", "owner"}, {"replacement", "orders.v2"}, {"consumer_count", 0}})});
  return out;
}

const json& ExampleOf(const std::string& kind) {
  static const auto examples = Examples();
  for (const auto& e : examples) {
    if (e.kind == kind && e.variant.empty()) {
      return e.context;
    }
  }
  throw std::runtime_error("no example for " + kind);
}

const TemplateSet& Defaults() {
  static const TemplateSet set = [] {
    auto loaded = LoadTemplates("");
    if (!loaded.ok()) {
      throw std::runtime_error(loaded.status().ToString());
    }
    return std::move(loaded).value();
  }();
  return set;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Compares `actual` with the golden file, or rewrites it in update mode.
void CheckGolden(const fs::path& relative, const std::string& actual) {
  const fs::path path = kGoldenDir / relative;
  const char* update = std::getenv("TRIBUTARY_UPDATE_GOLDENS");
  if (update != nullptr && std::string(update) == "1") {
    WriteFile(path, actual);
    return;
  }
  INFO("golden file " << path.string()
                      << " (TRIBUTARY_UPDATE_GOLDENS=1 rewrites it; then review the diff)");
  REQUIRE(fs::exists(path));
  CHECK(ReadFile(path) == actual);
}

std::string AsText(const RenderedMessage& m) { return m.title + "\n\n" + m.body + "\n"; }

RenderedMessage MustRender(const TemplateSet& set, const std::string& kind,
                           const std::string& channel, const json& context) {
  auto rendered = set.Render(kind, channel, context);
  INFO(kind << " / " << channel);
  REQUIRE(rendered.ok());
  return std::move(rendered).value();
}

// An override directory holding `files` (relative path -> text).
std::unique_ptr<testing::TempDir> Overrides(const std::map<std::string, std::string>& files) {
  auto dir = std::make_unique<testing::TempDir>();
  for (const auto& [relative, text] : files) {
    WriteFile(dir->path() / relative, text);
  }
  return dir;
}

// Renders `text` as the deprecation template of `channel` (through an override).
std::string RenderWith(const std::string& text, const json& context,
                       const std::string& channel = "webhook") {
  auto dir = Overrides({{"deprecation/" + channel + ".mustache", text}});
  auto set = LoadTemplates(dir->path());
  REQUIRE(set.ok());
  auto m = MustRender(*set, "deprecation", channel, context);
  return m.body;
}

TEST_CASE("default templates render the golden messages") {
  const auto& set = Defaults();
  for (const auto& example : Examples()) {
    if (example.variant.empty()) {
      for (const auto& channel : ChannelTypeNames()) {
        const auto m = MustRender(set, example.kind, channel, example.context);
        CheckGolden(fs::path(example.kind) / (channel + ".golden"), AsText(m));
        if (channel == "email") {
          CheckGolden(fs::path(example.kind) / "email.html.golden", m.html + "\n");
        }
      }
    } else {
      // Role and cause variants: the plain-text email and one chat flavour.
      for (const std::string channel : {"email", "slack"}) {
        const auto m = MustRender(set, example.kind, channel, example.context);
        CheckGolden(fs::path(example.kind) / (channel + "." + example.variant + ".golden"),
                    AsText(m));
      }
    }
  }
}

TEST_CASE("every kind and channel type has a default with a title and a body") {
  const auto& set = Defaults();
  CHECK(TemplateSet::Kinds().size() == tributary::kNotificationKinds.size());
  CHECK(ChannelTypeNames().size() == 7);
  CHECK(set.overridden().empty());
  for (const auto& example : Examples()) {
    for (const auto& channel : ChannelTypeNames()) {
      INFO(example.kind << " " << example.variant << " / " << channel);
      const auto m = MustRender(set, example.kind, channel, example.context);
      CHECK_FALSE(m.title.empty());
      CHECK(m.title.find('\n') == std::string::npos);
      CHECK_FALSE(m.body.empty());
      CHECK(m.body.find("\n\n\n") == std::string::npos);
      CHECK(m.body.find(example.context.value("ui_url", "?")) != std::string::npos);
      if (channel == "email") {
        CHECK(m.html.rfind("<!DOCTYPE html>", 0) == 0);
        CHECK(m.html.find("</html>") != std::string::npos);
      } else {
        CHECK(m.html.empty());
        // Discord's content limit, the smallest of the chat platforms.
        CHECK(m.title.size() + m.body.size() < 2000);
      }
    }
  }
  // Each kind's message names this team's consumers.
  for (const std::string channel : {"email", "slack", "teams", "webhook"}) {
    const auto m = MustRender(set, "breaking_change", channel, ExampleOf("breaking_change"));
    CHECK(m.body.find("group:local/payments-settlement") != std::string::npos);
    CHECK(m.body.find("job:flink/payments-ledger-rollup") != std::string::npos);
  }
}

TEST_CASE("an unknown kind or channel type is not found") {
  const auto& set = Defaults();
  auto kind = set.Render("schema_change", "slack", ExampleOf("deprecation"));
  REQUIRE_FALSE(kind.ok());
  CHECK(kind.status().code() == ErrorCode::kNotFound);
  CHECK(kind.status().message().find("schema_change") != std::string::npos);
  auto channel = set.Render("deprecation", "pager", ExampleOf("deprecation"));
  REQUIRE_FALSE(channel.ok());
  CHECK(channel.status().code() == ErrorCode::kNotFound);
  auto html = set.Render("deprecation", "email.html", ExampleOf("deprecation"));
  CHECK(html.status().code() == ErrorCode::kNotFound);
  auto not_object = set.Render("deprecation", "slack", json::array());
  CHECK(not_object.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("an override replaces the default of the same path and nothing else") {
  auto dir = Overrides(
      {{"deprecation/slack.mustache", "Heads up: {{product}}\n\nGone on {{sunset_date}}.\n"},
       {"reminder/email.html.mustache", "x\n\n<p>{{product}} soon</p>\n"}});
  auto set = LoadTemplates(dir->path());
  REQUIRE(set.ok());
  CHECK(set->overridden() ==
        std::vector<std::string>{"deprecation/slack.mustache", "reminder/email.html.mustache"});

  const auto slack = MustRender(*set, "deprecation", "slack", ExampleOf("deprecation"));
  CHECK(slack.title == "Heads up: orders");
  CHECK(slack.body == "Gone on 2026-06-30.");
  const auto reminder = MustRender(*set, "reminder", "email", ExampleOf("reminder"));
  CHECK(reminder.html == "<p>orders soon</p>");
  // The plain-text part of the same email and other channels keep their defaults.
  const auto& defaults = Defaults();
  CHECK(reminder.body == MustRender(defaults, "reminder", "email", ExampleOf("reminder")).body);
  CHECK(MustRender(*set, "deprecation", "teams", ExampleOf("deprecation")).body ==
        MustRender(defaults, "deprecation", "teams", ExampleOf("deprecation")).body);
}

TEST_CASE("templates are kept per dialect, an override of a dialect serves all its channel types") {
  const auto& defaults = Defaults();
  SECTION("channel types of one dialect render the same text from one file") {
    for (const auto& kind : TemplateSet::Kinds()) {
      const auto example = ExampleOf(kind);
      CHECK(MustRender(defaults, kind, "googlechat", example).body ==
            MustRender(defaults, kind, "slack", example).body);
      CHECK(MustRender(defaults, kind, "mattermost", example).body ==
            MustRender(defaults, kind, "discord", example).body);
    }
  }
  SECTION("<kind>/<dialect>.mustache overrides every type of the dialect") {
    auto dir = Overrides({{"deprecation/mrkdwn.mustache", "Soon: {{product}}\n\nGone.\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE(set.ok());
    CHECK(MustRender(*set, "deprecation", "slack", ExampleOf("deprecation")).title ==
          "Soon: orders");
    CHECK(MustRender(*set, "deprecation", "googlechat", ExampleOf("deprecation")).title ==
          "Soon: orders");
    CHECK(MustRender(*set, "deprecation", "discord", ExampleOf("deprecation")).title ==
          MustRender(defaults, "deprecation", "discord", ExampleOf("deprecation")).title);
  }
  SECTION("<kind>/<type>.mustache wins over its dialect's file, for that type only") {
    auto dir = Overrides({{"deprecation/mrkdwn.mustache", "Dialect {{product}}\n\nx\n"},
                          {"deprecation/googlechat.mustache", "Chat {{product}}\n\nx\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE(set.ok());
    CHECK(MustRender(*set, "deprecation", "googlechat", ExampleOf("deprecation")).title ==
          "Chat orders");
    CHECK(MustRender(*set, "deprecation", "slack", ExampleOf("deprecation")).title ==
          "Dialect orders");
  }
  SECTION("each type keeps its own escaping over a shared file") {
    auto context = ExampleOf("deprecation");
    context["product"] = "<!channel> @here";
    auto dir = Overrides({{"deprecation/mrkdwn.mustache", "{{product}}\n\nx\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE(set.ok());
    CHECK(MustRender(*set, "deprecation", "slack", context).title == "&lt;!channel&gt; @here");
    CHECK(MustRender(*set, "deprecation", "googlechat", context).title ==
          "<\u200B!channel> @\u2060here");
  }
}

TEST_CASE("a broken override is an error naming the file") {
  SECTION("an unclosed section") {
    auto dir =
        Overrides({{"deprecation/teams.mustache", "Deprecated {{product}}\n\n{{#x}}oops\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == ErrorCode::kInvalidArgument);
    CHECK(set.status().message().find((dir->path() / "deprecation/teams.mustache").string()) !=
          std::string::npos);
    CHECK(set.status().message().find("Unclosed section \"x\"") != std::string::npos);
  }
  SECTION("a file that cannot be read") {
    auto dir = Overrides({});
    fs::create_directories(dir->path() / "reminder/slack.mustache");
    auto set = LoadTemplates(dir->path());
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().message().find("reminder/slack.mustache: cannot be read") !=
          std::string::npos);
  }
  SECTION("a link to nothing") {
    auto dir = Overrides({});
    fs::create_directories(dir->path() / "reminder");
    fs::create_symlink(dir->path() / "missing", dir->path() / "reminder/slack.mustache");
    auto set = LoadTemplates(dir->path());
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().message().find("reminder/slack.mustache: cannot be read") !=
          std::string::npos);
  }
  SECTION("an empty file") {
    auto dir = Overrides({{"reminder/slack.mustache", "\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().message().find("reminder/slack.mustache: is empty") != std::string::npos);
  }
  SECTION("a misspelt file name") {
    auto dir = Overrides({{"deprecation/slak.mustache", "x\n\ny\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().message().find("deprecation/slak.mustache: not a template") !=
          std::string::npos);
  }
  SECTION("files that are not templates are ignored") {
    auto dir = Overrides({{"README.md", "# our templates\n"}, {"deprecation/notes.txt", "x"}});
    CHECK(LoadTemplates(dir->path()).ok());
  }
  SECTION("a directory that does not exist") {
    auto dir = Overrides({});
    auto set = LoadTemplates(dir->path() / "missing");
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == ErrorCode::kInvalidArgument);
    CHECK(set.status().message().find("is not a directory") != std::string::npos);
  }
}

TEST_CASE("a template must render a title line and then a blank line") {
  const json context = ExampleOf("deprecation");
  SECTION("an empty title") {
    auto dir = Overrides({{"deprecation/webhook.mustache", "{{missing}}\n\nbody\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE(set.ok());
    auto m = set->Render("deprecation", "webhook", context);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("deprecation/webhook.mustache: rendered an empty title") !=
          std::string::npos);
  }
  SECTION("no blank line after the title") {
    auto dir = Overrides({{"deprecation/webhook.mustache", "Title\nbody\n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE(set.ok());
    auto m = set->Render("deprecation", "webhook", context);
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().message().find("must be followed by a blank line") != std::string::npos);
  }
  SECTION("a title only") {
    auto dir = Overrides({{"deprecation/webhook.mustache", "  {{product}} is deprecated  \n"}});
    auto set = LoadTemplates(dir->path());
    REQUIRE(set.ok());
    auto m = MustRender(*set, "deprecation", "webhook", context);
    CHECK(m.title == "orders is deprecated");
    CHECK(m.body.empty());
  }
}

// The text without the zero-width characters chat escaping inserts.
std::string WithoutInvisible(std::string text) {
  for (const std::string mark : {"\u200B", "\u2060"}) {
    for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at)) {
      text.erase(at, mark.size());
    }
  }
  return text;
}

TEST_CASE("values are HTML-escaped in email html and nowhere else") {
  json context = ExampleOf("deprecation");
  context["reason"] = "<script>alert('x')</script> & \"more\"";
  const auto& set = Defaults();

  const auto email = MustRender(set, "deprecation", "email", context);
  CHECK(
      email.html.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;more&quot;") !=
      std::string::npos);
  CHECK(email.html.find("<script>") == std::string::npos);
  CHECK(email.body.find("<script>alert('x')</script> & \"more\"") != std::string::npos);

  for (const std::string channel : {"teams", "discord", "mattermost", "googlechat", "webhook"}) {
    INFO(channel);
    const auto m = MustRender(set, "deprecation", channel, context);
    // Chat dialects break link syntax with invisible characters only.
    CHECK(WithoutInvisible(m.body).find("<script>alert('x')</script> & \"more\"") !=
          std::string::npos);
  }
  // Slack reads &, < and > as control characters (<!channel>, <url|text>);
  // values carry them as the entities Slack shows as the characters.
  const auto slack = MustRender(set, "deprecation", "slack", context);
  CHECK(slack.body.find("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"more\"") !=
        std::string::npos);
  CHECK(slack.body.find("<https://tributary.example.com/deprecations/orders|") !=
        std::string::npos);
}

TEST_CASE("null and empty values are false in sections") {
  const std::string tmpl = "T\n\n{{#r}}yes {{r}}{{/r}}{{^r}}no{{/r}} [{{r}}]\n";
  CHECK(RenderWith(tmpl, {{"r", nullptr}}) == "no []");
  CHECK(RenderWith(tmpl, {{"r", ""}}) == "no []");
  CHECK(RenderWith(tmpl, {{"r", false}}) == "no []");
  CHECK(RenderWith(tmpl, json::object()) == "no []");
  CHECK(RenderWith(tmpl, {{"r", "orders-v2"}}) == "yes orders-v2 [orders-v2]");
  CHECK(RenderWith(tmpl, {{"r", 0}}) == "yes 0 [0]");
  CHECK(RenderWith(tmpl, {{"r", 2.5}}) == "yes 2.5 [2.5]");
  CHECK(RenderWith("T\n\n{{#r}}{{.}},{{/r}}\n", {{"r", {"a", "b"}}}) == "a,b,");
  CHECK(RenderWith("T\n\n{{a.b}} {{#a}}{{b}}{{/a}}\n", {{"a", {{"b", "c"}}}}) == "c c");

  // In the defaults: no replacement named, a breaking change without a product.
  json deprecation = ExampleOf("deprecation");
  deprecation["replacement"] = nullptr;
  const auto m = MustRender(Defaults(), "deprecation", "email", deprecation);
  CHECK(m.title == "[Tributary] Deprecated: orders, sunset 2026-06-30");
  CHECK(m.body.find("Replacement:  none named") != std::string::npos);
  json breaking = ExampleOf("breaking_change");
  breaking.erase("product");
  breaking.erase("owner");
  breaking["topic"] = nullptr;
  const auto b = MustRender(Defaults(), "breaking_change", "email", breaking);
  CHECK(b.title.rfind("[Tributary] Breaking change on shop.orders.v1-value: ", 0) == 0);
  CHECK(b.body.find("Topic:") == std::string::npos);
  CHECK(b.body.find("ask the producing team") != std::string::npos);
}

TEST_CASE("derived fields tell templates who the team is") {
  const std::string tmpl =
      "T\n\n{{#is_owner}}owner {{/is_owner}}{{#is_consumer}}consumer {{/is_consumer}}"
      "{{#is_subscriber}}subscriber {{/is_subscriber}}{{#has_consumers}}has {{/has_consumers}}"
      "count={{consumer_count}}\n";
  const json two = Consumers({{"group:local/a", 1}, {"job:x/b", 2}});
  CHECK(RenderWith(tmpl, {{"role", "owner"}}) == "owner count=0");
  CHECK(RenderWith(tmpl, {{"role", "owner_and_consumer"}, {"consumers", two}}) ==
        "owner consumer has count=2");
  CHECK(RenderWith(tmpl, {{"role", "consumer"}, {"consumers", two}}) == "consumer has count=2");
  CHECK(RenderWith(tmpl, {{"role", "subscriber"}, {"consumers", json::array()}}) ==
        "subscriber count=0");
  // No role: a consumer when it has consumers; the owner when it is the owner.
  CHECK(RenderWith(tmpl, {{"consumers", two}}) == "consumer has count=2");
  CHECK(RenderWith(tmpl, {{"consumers", two}, {"consumer_count", 5}}) == "consumer has count=5");
  CHECK(RenderWith(tmpl, {{"team", "checkout"}, {"owner", "checkout"}}) == "owner count=0");
  CHECK(RenderWith(tmpl, {{"team", ""}, {"owner", ""}}) == "count=0");

  CHECK(RenderWith("T\n\n{{#cause_deny_added}}deny{{/cause_deny_added}} "
                   "{{#severity_critical}}crit{{/severity_critical}} "
                   "{{#operation_write}}w{{/operation_write}}{{#role_owner_and_consumer}}oc"
                   "{{/role_owner_and_consumer}}\n",
                   {{"cause", "deny_added"},
                    {"severity", "critical"},
                    {"operation", "WRITE"},
                    {"role", "owner_and_consumer"}}) == "deny crit woc");
  CHECK(RenderWith("T\n\n{{#consumers}}{{id}}{{#direct}} direct{{/direct}};{{/consumers}}\n",
                   {{"consumers", two}}) == "group:local/a direct;job:x/b;");
  CHECK(RenderWith("T\n\n{{sunset_date}} {{days_left}}\n",
                   {{"sunset", "2026-06-30T00:00:00Z"}, {"days_to_sunset", 7}}) ==
        "2026-06-30 7 days");
  CHECK(RenderWith("T\n\n{{days_left}}\n", {{"days_to_sunset", 1}}) == "1 day");
  CHECK(RenderWith("T\n\n{{days_left}}\n", {{"days_to_sunset", 0}}) == "less than a day");
  CHECK(RenderWith("T\n\n{{#whole_subject}}all{{/whole_subject}}{{^whole_subject}}v{{to_version}}"
                   "{{/whole_subject}}\n",
                   {{"to_version", 0}}) == "all");
  CHECK(RenderWith("T\n\n{{#has_topics}}t{{/has_topics}}{{^has_incompatibilities}}none"
                   "{{/has_incompatibilities}}\n",
                   {{"topics", {"topic:local/a"}}, {"incompatibilities", json::array()}}) ==
        "tnone");
}

TEST_CASE("a section that renders nothing leaves no blank line") {
  const std::string tmpl =
      "T\n"
      "\n"
      "Header\n"
      "{{#no}}\n"
      "never\n"
      "{{/no}}\n"
      "{{^yes}}\n"
      "never either\n"
      "{{/yes}}\n"
      "{{#list}}\n"
      "- {{.}}\n"
      "{{/list}}\n"
      "After\n"
      "\n"
      "{{#yes}}\n"
      "Paragraph\n"
      "{{/yes}}\n"
      "\n"
      "End\n";
  CHECK(RenderWith(tmpl, {{"no", false}, {"yes", true}, {"list", {"a", "b"}}}) ==
        "Header\n- a\n- b\nAfter\n\nParagraph\n\nEnd");
  CHECK(RenderWith(tmpl, {{"no", false}, {"yes", false}, {"list", json::array()}}) ==
        "Header\nnever either\nAfter\n\nEnd");
  // The same holds in HTML parts, which are not tidied.
  auto dir = Overrides({{"deprecation/email.html.mustache", tmpl}});
  auto set = LoadTemplates(dir->path());
  REQUIRE(set.ok());
  const auto m = MustRender(*set, "deprecation", "email",
                            {{"no", false}, {"yes", true}, {"list", {"a", "b"}}});
  CHECK(m.html == "Header\n- a\n- b\nAfter\n\nParagraph\n\nEnd");
}

TEST_CASE("partials are never read from the context") {
  // kainjow would parse a context string named by {{> name}} as a template.
  CHECK(RenderWith("T\n\n[{{> reason}}]\n", {{"reason", "{{#x}} not a template"}}) == "[]");
  CHECK(RenderWith("T\n\n[{{> reason}}]\n", {{"reason", "{{product}}"}, {"product", "p"}}) == "[]");
}

TEST_CASE("concurrent renders of one template set agree") {
  const auto& set = Defaults();
  const auto examples = Examples();
  std::vector<std::string> expected;
  for (const auto& e : examples) {
    for (const auto& channel : ChannelTypeNames()) {
      auto m = MustRender(set, e.kind, channel, e.context);
      expected.push_back(AsText(m) + m.html);
    }
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        std::size_t i = 0;
        for (const auto& e : examples) {
          for (const auto& channel : ChannelTypeNames()) {
            auto m = set.Render(e.kind, channel, e.context);
            if (!m.ok() || AsText(*m) + m->html != expected[i]) {
              ++mismatches;
            }
            ++i;
          }
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  CHECK(mismatches == 0);
}

TEST_CASE("render throughput", "[.][bench]") {
  const auto& set = Defaults();
  for (const auto& [kind, channel] : std::vector<std::pair<std::string, std::string>>{
           {"breaking_change", "slack"}, {"deprecation", "email"}, {"reminder", "teams"}}) {
    const json& context = ExampleOf(kind);
    const int n = 20000;
    const auto start = std::chrono::steady_clock::now();
    std::size_t bytes = 0;
    for (int i = 0; i < n; ++i) {
      bytes += set.Render(kind, channel, context)->body.size();
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    WARN(kind << " / " << channel << ": " << static_cast<long>(n / took.count()) << " renders/s ("
              << bytes / n << " body bytes)");
  }
}

// Regression (security audit, finding 5): a deprecation reason reached every
// member of a Mattermost or Google Chat space through @channel, @all, @here or
// <users/all>, and masked links passed as links.
TEST_CASE("mentions and masked links in user fields trigger nothing in any chat channel") {
  const std::string payload =
      "@channel @all @here @everyone <users/all> <!channel> <@U123> <http://evil|click> "
      "[click](http://evil) mail ops@example.com";
  json context = ExampleOf("deprecation");
  context["reason"] = payload;
  context["replacement"] = "@here";
  const auto& set = Defaults();
  const std::vector<std::string> live = {"@channel",  "@all",         "@here",
                                         "@everyone", "<users/",      "<!channel>",
                                         "<@U123>",   "<http://evil", "](http://evil)"};
  for (const std::string channel : {"mattermost", "googlechat", "discord", "teams"}) {
    INFO(channel);
    const auto m = MustRender(set, "deprecation", channel, context);
    for (const auto& token : live) {
      INFO(token);
      CHECK(m.body.find(token) == std::string::npos);
      CHECK(m.title.find(token) == std::string::npos);
    }
    // What the reader sees is what was typed; an address is not a mention.
    CHECK(WithoutInvisible(m.body).find(payload) != std::string::npos);
    CHECK(m.body.find("ops@example.com") != std::string::npos);
  }
  const auto slack = MustRender(set, "deprecation", "slack", context);
  for (const std::string token : {"<users/", "<!channel>", "<@U123>", "<http://evil"}) {
    INFO(token);
    CHECK(slack.body.find(token) == std::string::npos);
  }
  CHECK(slack.body.find("&lt;!channel&gt;") != std::string::npos);
}
}  // namespace
}  // namespace tributary::notifiers
