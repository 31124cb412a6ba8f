#include "app/notifications.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "notifiers/discord/discord_channel.h"
#include "notifiers/email/email_channel.h"
#include "notifiers/googlechat/googlechat_channel.h"
#include "notifiers/mattermost/mattermost_channel.h"
#include "notifiers/slack/slack_channel.h"
#include "notifiers/teams/teams_channel.h"
#include "notifiers/webhook/webhook_channel.h"

namespace tributary {
namespace {

using notifiers::Channel;

// A channel that cannot send: every delivery ends dead with the reason.
class BrokenChannel final : public Channel {
 public:
  BrokenChannel(std::string name, std::string type, std::string reason)
      : name_(std::move(name)), type_(std::move(type)), reason_(std::move(reason)) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return type_; }
  std::string fingerprint() const override { return "broken:" + reason_; }
  notifiers::SendOutcome Send(const notifiers::OutgoingMessage&) override {
    return notifiers::SendOutcome::Permanent(reason_);
  }

 private:
  std::string name_;
  std::string type_;
  std::string reason_;
};

// A secret named by *_env or *_file, or given inline; an error says which is missing.
Result<std::string> Secret(const std::string& channel, const std::string& env,
                           const std::string& file, const std::string& inline_value,
                           const char* what) {
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr || *v == '\0') {
      return NotFound("channel " + channel + ": " + what + ": environment variable " + env +
                      " is not set");
    }
    return std::string(v);
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return NotFound("channel " + channel + ": " + what + ": cannot read " + file);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string v = ss.str();
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) {
      v.pop_back();
    }
    return v;
  }
  return inline_value;
}

// A destination the egress guard refuses is accepted (the config may be fixed
// later, or allow_hosts extended) and reported now, not first at delivery time.
void ReportBlocked(const std::string& channel, const notifiers::EgressGuard& guard,
                   const std::string& url) {
  auto checked = guard.Check(url);
  if (!checked.ok() && checked.status().code() != ErrorCode::kUnavailable) {
    spdlog::warn("channel {}: {}; every delivery to it will end dead", channel,
                 checked.status().message());
  }
}

}  // namespace

EgressGuards MakeEgressGuards(const Config& config) {
  notifiers::EgressPolicy http;
  http.allow_hosts = config.notifications.allow_hosts;
  http.schemes = {"https", "http"};
  notifiers::EgressPolicy smtp;
  smtp.allow_hosts = config.notifications.allow_hosts;
  smtp.schemes = {"smtps", "smtp"};
  return {std::make_unique<notifiers::EgressGuard>(http),
          std::make_unique<notifiers::EgressGuard>(smtp)};
}

Result<std::vector<std::unique_ptr<Channel>>> BuildChannels(const Config& config,
                                                            const EgressGuards& guards,
                                                            const Clock& clock) {
  std::vector<std::unique_ptr<Channel>> out;
  for (const auto& c : config.channels) {
    if (c.type == "email") {
      notifiers::EmailConfig e;
      e.name = c.name;
      e.smtp_url = c.smtp_url;
      e.require_tls = c.require_tls;
      e.from = c.from;
      e.to = c.to;
      e.ca_file = c.ca_file;
      auto user = Secret(c.name, c.username_env, "", "", "username");
      auto pass = Secret(c.name, c.password_env, "", "", "password");
      if (!user.ok() || !pass.ok()) {
        out.push_back(std::make_unique<BrokenChannel>(
            c.name, c.type, (!user.ok() ? user.status() : pass.status()).message()));
        continue;
      }
      ReportBlocked(c.name, *guards.smtp, c.smtp_url);
      e.username = *user;
      e.password = *pass;
      out.push_back(notifiers::MakeEmailChannel(std::move(e), *guards.smtp, clock));
      continue;
    }
    auto url = Secret(c.name, c.url_env, c.url_file, c.url, "url");
    if (!url.ok() || url->empty()) {
      out.push_back(std::make_unique<BrokenChannel>(
          c.name, c.type, url.ok() ? "channel " + c.name + ": no url" : url.status().message()));
      continue;
    }
    ReportBlocked(c.name, *guards.http, *url);
    if (c.type == "slack") {
      out.push_back(notifiers::MakeSlackChannel({c.name, *url}, *guards.http));
    } else if (c.type == "teams") {
      out.push_back(notifiers::MakeTeamsChannel({c.name, *url}, *guards.http));
    } else if (c.type == "discord") {
      out.push_back(notifiers::MakeDiscordChannel({c.name, *url}, *guards.http));
    } else if (c.type == "mattermost") {
      out.push_back(notifiers::MakeMattermostChannel({c.name, *url}, *guards.http));
    } else if (c.type == "googlechat") {
      out.push_back(notifiers::MakeGoogleChatChannel({c.name, *url}, *guards.http));
    } else if (c.type == "webhook") {
      auto secret = Secret(c.name, c.secret_env, "", "", "secret");
      if (!secret.ok()) {
        out.push_back(std::make_unique<BrokenChannel>(c.name, c.type, secret.status().message()));
        continue;
      }
      auto hook = notifiers::MakeWebhookChannel({c.name, *url, *secret}, *guards.http, clock);
      if (!hook.ok()) {
        return hook.status();
      }
      out.push_back(std::move(hook).value());
    } else {
      return InvalidArgument("channel " + c.name + ": unknown type " + c.type);
    }
  }
  return out;
}

}  // namespace tributary
