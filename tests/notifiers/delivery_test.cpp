// Notification delivery against real receivers started by the test: HTTP
// receivers for every chat platform and the signed webhook, a real SMTP server
// (python3-aiosmtpd) for email. The dispatcher runs one pass at a time on a
// fake clock, so retries and Retry-After are checked to the millisecond.

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "notifiers//core/dispatcher.h"
#include "notifiers/channel_registry.h"
#include "notifiers/core/webhook_channel_base.h"
#include "notifiers/discord/discord_channel.h"
#include "notifiers/email/email_channel.h"
#include "notifiers/googlechat/googlechat_channel.h"
#include "notifiers/mattermost/mattermost_channel.h"
#include "notifiers/slack/slack_channel.h"
#include "notifiers/teams/teams_channel.h"
#include "notifiers/webhook/webhook_channel.h"
#include "store/notification_store.h"
#include "support/http_receiver.h"
#include "support/smtp_sink.h"
#include "support/temp_dir.h"

using namespace tributary;
using namespace tributary::notifiers;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::HttpReceiver;
using testing::ScriptedResponse;

namespace {

const Timestamp kT0 = *ParseRfc3339("2026-11-25T10:00:00Z");
// whsec_ + base64("tributary-test-signing-key-32byte")
const std::string kSecretKey = "tributary-test-signing-key-32byt";

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string Base64Decode(std::string text) {
  std::erase_if(text, [](char c) { return c == '\r' || c == '\n'; });
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
    out.pop_back();
  }
  return out;
}

// The Standard Webhooks signature, computed here with OpenSSL directly.
std::string ExpectedSignature(const std::string& id, const std::string& ts,
                              const std::string& body) {
  const std::string content = id + "." + ts + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecretKey.data(), static_cast<int>(kSecretKey.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
  return "v1," + Base64(std::string(reinterpret_cast<char*>(mac), len));
}

// The Writer port over the log, committing on the caller's thread.
class DirectWriter final : public Writer {
 public:
  explicit DirectWriter(EventLog& log) : log_(log) {}
  Result<AppendResult> Commit(Batch batch) override { return log_.Append(batch); }

 private:
  EventLog& log_;
};

// A log, a dispatcher over it and the catalog's teams, on a fake clock.
class Harness {
 public:
  Harness(std::vector<std::unique_ptr<Channel>> channels,
          std::map<std::string, std::vector<std::string>> contacts, DispatcherOptions options = {})
      : clock_(kT0) {
    log_ = std::move(EventLog::Open(dir_.path(), clock_)).value();
    writer_ = std::make_unique<DirectWriter>(*log_);
    // The dispatcher reads on its own connection, as in the service.
    reader_log_ = std::move(EventLog::Open(dir_.path(), clock_, {.read_only = true})).value();
    reader_ = std::make_unique<NotificationStore>(*reader_log_);
    auto templates = LoadTemplates("");
    REQUIRE(templates.ok());
    templates_ = std::make_unique<TemplateSet>(std::move(templates).value());
    auto catalog = std::make_shared<CatalogState>();
    for (const auto& [team, list] : contacts) {
      catalog->teams[team] = TeamState{team + " team", list};
    }
    catalog_ = catalog;
    options.ui_link = [](const OutboxIntent&, const json& ctx) {
      return "http://tributary.example/ui/products/" + ctx.value("product", "");
    };
    dispatcher_ = std::make_unique<OutboxDispatcher>(
        options, std::move(channels), *templates_, *reader_, *writer_, [this] { return catalog_; },
        clock_);
  }

  void Intent(const std::string& key, const std::string& team,
              const std::string& kind = "breaking_change",
              const std::string& severity = "critical") {
    Batch b;
    OutboxIntent i;
    i.idempotency_key = key;
    i.kind = kind;
    i.team = team;
    i.severity = severity;
    i.facts = {{"subject", "stocktrades-value"},
               {"topic", "topic:local/stocktrades"},
               {"product", "stocktrades"},
               {"owner", "execution"},
               {"from_version", 1},
               {"to_version", 2},
               {"level", "NONE"},
               {"mode", "READWRITE"},
               {"cause", "incompatible_schema"},
               {"incompatibilities",
                json::array({{{"type", "TYPE_MISMATCH"},
                              {"path", "/fields/1/type"},
                              {"message", "field `price` changed from double to string"},
                              {"version", 1}}})},
               {"consumers", json::array({{{"id", "group:local/" + team + "-pnl"}, {"depth", 1}}})},
               {"event_time", "2026-11-25T09:59:00Z"},
               {"decision_key", key}};
    b.outbox.push_back(i);
    REQUIRE(log_->Append(b).ok());
  }

  void Run() {
    const auto s = dispatcher_->RunOnce();
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  void Advance(Duration d) { clock_.Advance(d); }
  Timestamp now() const { return clock_.Now(); }

  std::vector<StoredDelivery> Deliveries(std::optional<std::string> status = std::nullopt) {
    DeliveryFilter f;
    f.status = std::move(status);
    f.limit = 1000;
    auto r = NotificationStore(*log_).List(f);
    REQUIRE(r.ok());
    std::reverse(r->begin(), r->end());  // oldest first
    return *r;
  }
  std::size_t EventCount(const std::string& type) {
    return log_->Read(EventSeq(), 0, type)->size();
  }
  EventLog& log() { return *log_; }
  const OutboxDispatcher& dispatcher() const { return *dispatcher_; }

 private:
  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<DirectWriter> writer_;
  std::unique_ptr<EventLog> reader_log_;
  std::unique_ptr<NotificationStore> reader_;
  std::unique_ptr<TemplateSet> templates_;
  std::shared_ptr<const CatalogState> catalog_;
  std::unique_ptr<OutboxDispatcher> dispatcher_;
};

EgressGuard LocalGuard() {
  return EgressGuard(EgressPolicy{{"127.0.0.1", "localhost"}, {"http", "https"}});
}

std::unique_ptr<Channel> Hook(const std::string& name, const std::string& url,
                              const EgressGuard& guard,
                              std::chrono::milliseconds timeout = 5000ms) {
  HttpPostOptions o;
  o.timeout = timeout;
  return std::make_unique<JsonWebhookChannel>(
      name, "webhook", url, guard,
      [](const OutgoingMessage& m) {
        return std::pair{WebhookPayload(m).dump(), JsonWebhookChannel::Headers{}};
      },
      Duration(0), o);
}

}  // namespace

TEST_CASE("each chat platform and the signed webhook receive their documented payloads") {
  const auto guard = LocalGuard();
  FakeClock sign_clock(kT0);
  HttpReceiver slack, teams, discord, mattermost, chat, hook;
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(MakeSlackChannel({"a-slack", slack.url()}, guard));
  channels.push_back(MakeTeamsChannel({"a-teams", teams.url()}, guard));
  channels.push_back(MakeDiscordChannel({"a-discord", discord.url()}, guard));
  channels.push_back(MakeMattermostChannel({"a-mm", mattermost.url()}, guard));
  channels.push_back(MakeGoogleChatChannel({"a-chat", chat.url()}, guard));
  auto signed_hook =
      MakeWebhookChannel({"a-hook", hook.url(), "whsec_" + Base64(kSecretKey)}, guard, sign_clock);
  REQUIRE(signed_hook.ok());
  channels.push_back(std::move(signed_hook).value());
  Harness h(std::move(channels),
            {{"analytics", {"a-slack", "a-teams", "a-discord", "a-mm", "a-chat", "a-hook"}}});
  h.Intent("schema:stocktrades-value:2:7/analytics", "analytics");
  h.Run();
  for (auto* r : {&slack, &teams, &discord, &mattermost, &chat, &hook}) {
    REQUIRE(r->count() == 1);
    CHECK(r->requests()[0].method == "POST");
    CHECK(r->requests()[0].headers.at("content-type") == "application/json");
  }
  CHECK(h.Deliveries("delivered").size() == 6);
  CHECK(h.EventCount("notification_delivered") == 6);

  SECTION("Slack: Block Kit with a header and a mrkdwn section") {
    const auto p = json::parse(slack.requests()[0].body);
    CHECK(p["text"].is_string());
    REQUIRE(p["blocks"].size() == 3);
    CHECK(p["blocks"][0]["type"] == "header");
    CHECK(p["blocks"][0]["text"]["type"] == "plain_text");
    CHECK(p["blocks"][1]["type"] == "section");
    CHECK(p["blocks"][1]["text"]["type"] == "mrkdwn");
    CHECK(p["blocks"][1]["text"]["text"].get<std::string>().find("group:local/analytics-pnl") !=
          std::string::npos);
  }
  SECTION("Teams: one Adaptive Card attachment") {
    const auto p = json::parse(teams.requests()[0].body);
    CHECK(p["type"] == "message");
    REQUIRE(p["attachments"].size() == 1);
    CHECK(p["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive");
    const auto& card = p["attachments"][0]["content"];
    CHECK(card["type"] == "AdaptiveCard");
    CHECK(card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json");
    CHECK(card["version"] == "1.4");
    CHECK(card["body"][0]["type"] == "TextBlock");
  }
  SECTION("Discord: an embed and no mentions") {
    const auto p = json::parse(discord.requests()[0].body);
    REQUIRE(p["embeds"].size() == 1);
    CHECK(p["embeds"][0]["title"].get<std::string>().size() <= 256);
    CHECK(p["embeds"][0]["description"].get<std::string>().find("analytics-pnl") !=
          std::string::npos);
    CHECK(p["embeds"][0]["color"] == 0xD0021B);
    CHECK(p["allowed_mentions"]["parse"].empty());
    CHECK(p["content"].get<std::string>().size() <= 2000);
  }
  SECTION("Mattermost and Google Chat: text") {
    CHECK(json::parse(mattermost.requests()[0].body)["text"].get<std::string>().rfind("#### ", 0) ==
          0);
    CHECK(json::parse(chat.requests()[0].body)["text"].get<std::string>().rfind("*", 0) == 0);
  }
  SECTION("the webhook is signed per Standard Webhooks") {
    const auto requests = hook.requests();
    const auto& r = requests[0];
    const auto& id = r.headers.at("webhook-id");
    const auto& ts = r.headers.at("webhook-timestamp");
    CHECK(id.rfind("msg_", 0) == 0);
    CHECK(ts == std::to_string(ToMillis(kT0) / 1000));
    CHECK(r.headers.at("webhook-signature") == ExpectedSignature(id, ts, r.body));
    const auto p = json::parse(r.body);
    CHECK(p["type"] == "tributary.breaking_change");
    CHECK(p["data"]["id"] == "schema:stocktrades-value:2:7/analytics/a-hook");
    CHECK(p["data"]["team"] == "analytics");
    CHECK(p["data"]["facts"]["subject"] == "stocktrades-value");  // what a program needs
    // The same notification always carries the same webhook-id.
    CHECK(id == WebhookMessageId("schema:stocktrades-value:2:7/analytics/a-hook"));
  }
}

TEST_CASE("email goes out over STARTTLS with both parts and the expected headers") {
  testing::TempDir dir;
  const auto cert = (dir.path() / "cert.pem").string();
  const auto key = (dir.path() / "key.pem").string();
  REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " +
                       cert + " -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 " +
                       "2>/dev/null")
                          .c_str()) == 0);
  testing::SmtpSink sink(dir.path() / "mail", 0, cert, key);
  REQUIRE(sink.ready());
  const EgressGuard guard(EgressPolicy{{"127.0.0.1"}, {"smtp", "smtps"}});
  FakeClock mail_clock(kT0);
  EmailConfig config;
  config.name = "a-email";
  config.smtp_url = "smtp://127.0.0.1:" + std::to_string(sink.port());
  config.from = "tributary@example.com";
  config.to = {"analytics@example.com", "oncall@example.com"};
  config.ca_file = cert;
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(MakeEmailChannel(config, guard, mail_clock));
  Harness h(std::move(channels), {{"analytics", {"a-email"}}});
  h.Intent("schema:stocktrades-value:2:7/analytics", "analytics");
  h.Run();
  const auto mails = sink.Messages();
  REQUIRE(mails.size() == 1);
  const auto envelope = json::parse(mails[0].envelope);
  CHECK(envelope["tls"] == true);
  CHECK(envelope["mail_from"] == "tributary@example.com");
  CHECK(envelope["rcpt_tos"] == json::array({"analytics@example.com", "oncall@example.com"}));
  const auto& m = mails[0].data;
  CHECK(m.find("Date: Wed, 25 Nov 2026 10:00:00 +0000\r\n") != std::string::npos);
  CHECK(m.find("From: tributary@example.com\r\n") != std::string::npos);
  CHECK(m.find("To: analytics@example.com, oncall@example.com\r\n") != std::string::npos);
  CHECK(m.find("\r\nSubject: ") != std::string::npos);
  CHECK(m.find("Message-ID: " +
               EmailMessageId("schema:stocktrades-value:2:7/analytics/a-email",
                              "tributary@example.com") +
               "\r\n") != std::string::npos);
  CHECK(m.find("Content-Type: multipart/alternative;") != std::string::npos);
  const auto plain = m.find("Content-Type: text/plain; charset=utf-8");
  const auto html = m.find("Content-Type: text/html; charset=utf-8");
  REQUIRE(plain != std::string::npos);
  REQUIRE(html != std::string::npos);
  // The parts decode to the rendered text and HTML.
  const auto part_body = [&](std::size_t at) {
    const auto start = m.find("\r\n\r\n", at) + 4;
    const auto end = m.find("\r\n--", start);
    return Base64Decode(m.substr(start, end - start));
  };
  CHECK(part_body(plain).find("group:local/analytics-pnl") != std::string::npos);
  CHECK(part_body(html).find("<") != std::string::npos);
  CHECK(h.Deliveries("delivered").size() == 1);
}

TEST_CASE("an SMTP server without STARTTLS is refused while require_tls is on") {
  testing::TempDir dir;
  testing::SmtpSink sink(dir.path() / "mail");
  REQUIRE(sink.ready());
  const EgressGuard guard(EgressPolicy{{"127.0.0.1"}, {"smtp", "smtps"}});
  FakeClock mail_clock(kT0);
  EmailConfig config{"a-email",
                     "smtp://127.0.0.1:" + std::to_string(sink.port()),
                     true,
                     "tributary@example.com",
                     {"analytics@example.com"}};
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(MakeEmailChannel(config, guard, mail_clock));
  Harness h(std::move(channels), {{"analytics", {"a-email"}}});
  h.Intent("k1", "analytics");
  h.Run();
  CHECK(sink.Messages().empty());
  const auto dead = h.Deliveries("dead");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].record.last_error.find("TLS") != std::string::npos);
  CHECK(h.EventCount("notification_dead_lettered") == 1);
}

TEST_CASE("an SMTP server down then up gets the mail on a later attempt") {
  testing::TempDir dir;
  const auto port = testing::FreePort();
  const EgressGuard guard(EgressPolicy{{"127.0.0.1"}, {"smtp", "smtps"}});
  FakeClock mail_clock(kT0);
  EmailConfig config{"a-email",
                     "smtp://127.0.0.1:" + std::to_string(port),
                     false,
                     "tributary@example.com",
                     {"analytics@example.com"}};
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(MakeEmailChannel(config, guard, mail_clock));
  Harness h(std::move(channels), {{"analytics", {"a-email"}}});
  h.Intent("k1", "analytics");
  h.Run();
  auto retrying = h.Deliveries("retrying");
  REQUIRE(retrying.size() == 1);
  CHECK(retrying[0].attempts == 1);
  testing::SmtpSink sink(dir.path() / "mail", port);
  REQUIRE(sink.ready());
  h.Advance(1h);
  h.Run();
  CHECK(sink.Messages().size() == 1);
  CHECK(h.Deliveries("delivered").size() == 1);
  CHECK(h.EventCount("notification_failed") == 1);
}

TEST_CASE("a receiver failing with 500 is retried with backoff until it recovers") {
  const auto guard = LocalGuard();
  HttpReceiver hook([](std::size_t n) { return ScriptedResponse{n < 2 ? 500 : 200}; });
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-hook", hook.url(), guard));
  DispatcherOptions options;
  options.base_backoff = 2s;
  Harness h(std::move(channels), {{"analytics", {"a-hook"}}}, options);
  h.Intent("k1", "analytics");
  h.Run();
  auto d = h.Deliveries();
  REQUIRE(d.size() == 1);
  CHECK(d[0].record.status == "retrying");
  CHECK(d[0].record.last_error == "HTTP 500");
  CHECK(d[0].record.next_attempt_at >= h.now() + 1600ms);  // 2 s -20% jitter
  h.Run();                                                 // not due yet
  CHECK(hook.count() == 1);
  h.Advance(2500ms);
  h.Run();
  CHECK(hook.count() == 2);
  h.Advance(5000ms);
  h.Run();
  CHECK(hook.count() == 3);
  d = h.Deliveries();
  CHECK(d[0].record.status == "delivered");
  CHECK(d[0].attempts == 3);
  CHECK(h.EventCount("notification_failed") == 2);
  CHECK(h.EventCount("notification_delivered") == 1);
  // Every attempt carried the same webhook id: the receiver can deduplicate.
  const auto requests = hook.requests();
  CHECK(json::parse(requests[0].body)["data"]["id"] == json::parse(requests[2].body)["data"]["id"]);
}

TEST_CASE("429 with Retry-After pauses the whole endpoint at least that long") {
  const auto guard = LocalGuard();
  HttpReceiver hook([](std::size_t n) {
    return n == 0 ? ScriptedResponse{429, {{"Retry-After", "30"}}} : ScriptedResponse{200};
  });
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-hook", hook.url(), guard));
  Harness h(std::move(channels), {{"analytics", {"a-hook"}}});
  h.Intent("k1", "analytics");
  h.Run();
  REQUIRE(hook.count() == 1);
  auto d = h.Deliveries();
  CHECK(d[0].record.next_attempt_at >= h.now() + 30s);
  // Another notification for the same endpoint waits too.
  h.Intent("k2", "analytics");
  h.Advance(29s);
  h.Run();
  CHECK(hook.count() == 1);
  h.Advance(1500ms);
  h.Run();
  CHECK(hook.count() == 3);
  CHECK(h.Deliveries("delivered").size() == 2);
}

TEST_CASE("a hanging receiver is cut off by the timeout and retried") {
  const auto guard = LocalGuard();
  HttpReceiver hook([](std::size_t n) {
    return n == 0 ? ScriptedResponse{200, {}, "late", 5s} : ScriptedResponse{200};
  });
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-hook", hook.url(), guard, 300ms));
  Harness h(std::move(channels), {{"analytics", {"a-hook"}}});
  h.Intent("k1", "analytics");
  const auto start = std::chrono::steady_clock::now();
  h.Run();
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  auto d = h.Deliveries();
  CHECK(d[0].record.status == "retrying");
  CHECK(d[0].record.last_error.find("Timeout") != std::string::npos);
  h.Advance(1h);
  h.Run();
  CHECK(h.Deliveries("delivered").size() == 1);
  hook.Stop();
}

TEST_CASE("410 disables the endpoint and tells the team through another contact") {
  const auto guard = LocalGuard();
  HttpReceiver gone([](std::size_t) { return ScriptedResponse{410}; });
  HttpReceiver other;
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-old", gone.url(), guard));
  channels.push_back(Hook("a-new", other.url(), guard));
  Harness h(std::move(channels), {{"analytics", {"a-old"}}, {"risk", {"a-old", "a-new"}}});
  h.Intent("k1", "risk");
  h.Run();
  // The intent went to both contacts; a-old answered 410.
  REQUIRE(gone.count() == 1);
  h.Run();  // the re-routed copy goes out
  REQUIRE(other.count() == 2);
  bool told = false;
  for (const auto& r : other.requests()) {
    told = told || json::parse(r.body)["data"]["title"].get<std::string>().find(
                       "[a-old disabled]") != std::string::npos;
  }
  CHECK(told);
  // Later notifications for the disabled channel end dead without a request.
  h.Intent("k2", "analytics");
  h.Run();
  CHECK(gone.count() == 1);
  std::vector<StoredDelivery> analytics_dead;
  for (const auto& d : h.Deliveries("dead")) {
    if (d.record.team == "analytics") {
      analytics_dead.push_back(d);
    }
  }
  REQUIRE(analytics_dead.size() == 1);  // k2: the team has no other contact, and a-old is off
  CHECK(analytics_dead[0].record.last_error.find("no reachable contact") != std::string::npos);
}

TEST_CASE("after the attempt limit a notification is dead and visible and a retry delivers it") {
  const auto guard = LocalGuard();
  std::atomic<bool> healthy{false};
  HttpReceiver hook([&](std::size_t) { return ScriptedResponse{healthy ? 200 : 503}; });
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-hook", hook.url(), guard));
  DispatcherOptions options;
  options.max_attempts = 3;
  Harness h(std::move(channels), {{"analytics", {"a-hook"}}}, options);
  h.Intent("k1", "analytics");
  for (int i = 0; i < 3; ++i) {
    h.Run();
    h.Advance(1h);
  }
  const auto dead = h.Deliveries("dead");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].attempts == 3);
  CHECK(h.EventCount("notification_dead_lettered") == 1);
  h.Run();
  CHECK(hook.count() == 3);  // dead letters are not retried on their own

  // What POST /notifications/{id}/retry appends.
  healthy = true;
  Batch retry;
  retry.delivery_updates.push_back(
      {dead[0].record.idempotency_key, "queued", 0, h.now(), std::nullopt, ""});
  REQUIRE(h.log().Append(retry).ok());
  h.Run();
  CHECK(hook.count() == 4);
  CHECK(h.Deliveries("delivered").size() == 1);
}

TEST_CASE(
    "a team without a reachable contact goes to the fallback channel or is dead with a reason") {
  const auto guard = LocalGuard();
  HttpReceiver fallback;
  SECTION("with a fallback channel") {
    std::vector<std::unique_ptr<Channel>> channels;
    channels.push_back(Hook("platform-hook", fallback.url(), guard));
    DispatcherOptions options;
    options.fallback_channel = "platform-hook";
    Harness h(std::move(channels), {}, options);
    h.Intent("k1", "nobody");
    h.Run();
    REQUIRE(fallback.count() == 1);
    CHECK(json::parse(fallback.requests()[0].body)["data"]["title"].get<std::string>().find(
              "[for team nobody]") != std::string::npos);
    CHECK(h.dispatcher().counters().unroutable == 1);
  }
  SECTION("without one") {
    Harness h({}, {});
    h.Intent("k1", "nobody");
    h.Run();
    const auto dead = h.Deliveries("dead");
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].record.team == "nobody");
    CHECK(dead[0].record.last_error.find("no reachable contact") != std::string::npos);
  }
}

TEST_CASE("intents for one team and channel within the digest window go out as one message") {
  const auto guard = LocalGuard();
  HttpReceiver hook;
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-hook", hook.url(), guard));
  DispatcherOptions options;
  options.digest_window = 60s;
  Harness h(std::move(channels), {{"analytics", {"a-hook"}}}, options);
  h.Intent("k1", "analytics");
  h.Run();
  h.Advance(10s);
  h.Intent("k2", "analytics");
  h.Intent("k3", "analytics", "deprecation");
  h.Run();
  CHECK(hook.count() == 0);
  h.Advance(51s);
  h.Run();  // k1's window is over: it goes alone
  REQUIRE(hook.count() == 1);
  h.Advance(10s);
  h.Run();  // k2 and k3 arrived within one window: one message
  REQUIRE(hook.count() == 2);
  const auto digest = json::parse(hook.requests()[1].body);
  CHECK(digest["data"]["title"] == "2 notifications for team analytics");
  CHECK(digest["data"]["facts"]["notifications"].size() == 2);
  CHECK(h.Deliveries("delivered").size() == 3);
}

TEST_CASE("blocked destinations are refused before connecting") {
  HttpReceiver target;  // listening on 127.0.0.1: nothing may reach it
  const EgressGuard strict(EgressPolicy{});
  const auto port = std::to_string(target.port());
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("hex", "http://0x7f.1:" + port + "/", strict));
  channels.push_back(Hook("mapped", "http://[::ffff:7f00:1]:" + port + "/", strict));
  channels.push_back(Hook("metadata", "http://169.254.169.254/latest/meta-data", strict));
  channels.push_back(Hook("loopback", "http://127.0.0.1:" + port + "/", strict));
  // An allowed host redirecting to a blocked one: redirects are not followed.
  HttpReceiver redirector([&](std::size_t) {
    return ScriptedResponse{302, {{"Location", "http://127.0.0.1:" + port + "/"}}};
  });
  const EgressGuard localhost_only(EgressPolicy{{"localhost"}, {"http"}});
  channels.push_back(Hook("redirect", "http://localhost:" + std::to_string(redirector.port()) + "/",
                          localhost_only));
  Harness h(std::move(channels),
            {{"analytics", {"hex", "mapped", "metadata", "loopback", "redirect"}}});
  h.Intent("k1", "analytics");
  h.Run();
  CHECK(target.count() == 0);
  CHECK(redirector.count() == 1);
  const auto dead = h.Deliveries("dead");
  REQUIRE(dead.size() == 5);
  for (const auto& d : dead) {
    INFO(d.record.channel << ": " << d.record.last_error);
    if (d.record.channel == "redirect") {
      CHECK(d.record.last_error.find("redirect") != std::string::npos);
    } else {
      CHECK(d.attempts == 1);
      CHECK(d.record.last_error.find("http") != std::string::npos);
    }
  }
}

TEST_CASE("a team's preferences decide which kinds and severities it is sent") {
  const auto guard = LocalGuard();
  HttpReceiver hook;
  std::vector<std::unique_ptr<Channel>> channels;
  channels.push_back(Hook("a-hook", hook.url(), guard));
  DispatcherOptions options;
  options.preferences["analytics"] = TeamPreferences{{"deprecation", "reminder"}, "warning", {}};
  Harness h(std::move(channels), {{"analytics", {"a-hook"}}, {"risk", {"a-hook"}}}, options);
  h.Intent("k1", "analytics", "breaking_change");         // a kind it does not want
  h.Intent("k2", "analytics", "deprecation", "info");     // below its severity
  h.Intent("k3", "analytics", "deprecation", "warning");  // wanted
  h.Intent("k4", "risk", "breaking_change");              // no preferences: everything
  h.Run();
  REQUIRE(hook.count() == 2);
  std::set<std::string> ids;
  for (const auto& r : hook.requests()) {
    ids.insert(json::parse(r.body)["data"]["id"].get<std::string>());
  }
  CHECK(ids == std::set<std::string>{"k3/a-hook", "k4/a-hook"});
  CHECK(h.dispatcher().counters().declined == 2);
}
