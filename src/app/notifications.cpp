#include "app/notifications.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/text_codec.h"
#include "notifiers/channel_registry.h"
#include "tributary/notification_kind.h"

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

notifiers::UiLinkBuilder UiLinks(std::string base_url) {
  return [base_url = std::move(base_url)](const OutboxIntent& intent, const nlohmann::json& ctx) {
    std::string path = "/";
    const std::string product = ctx.value("product", "");
    const bool proposal_kind = intent.kind == ToString(NotificationKind::kSignoffRequested) ||
                               intent.kind == ToString(NotificationKind::kProposalDecided);
    if (proposal_kind && ctx.contains("proposal") && ctx["proposal"].is_string()) {
      path = "/ui/proposals/" + PercentEncode(ctx["proposal"].get<std::string>());
    } else if (intent.kind == ToString(NotificationKind::kPolicyViolation)) {
      path = "/ui/compliance?product=" + PercentEncode(product);
    } else if (!product.empty()) {
      const bool deprecation =
          intent.kind == ToString(NotificationKind::kDeprecation) ||
          intent.kind == ToString(NotificationKind::kReminder) ||
          intent.kind == ToString(NotificationKind::kSunsetEscalation) ||
          intent.kind == ToString(NotificationKind::kNewConsumerOnDeprecated) ||
          intent.kind == ToString(NotificationKind::kDualSupportBroken);
      path = (deprecation ? "/ui/deprecations/" : "/ui/products/") + PercentEncode(product);
    } else if (ctx.contains("principal") && ctx["principal"].is_string()) {
      // Ids come from the audit log: encoded as the UI's own links encode them,
      // so no character of theirs can end the URL inside chat or email markup.
      path = "/ui/node?id=" + PercentEncode(ctx["principal"].get<std::string>(), ":/");
    } else if (ctx.contains("group") && ctx["group"].is_string()) {
      path = "/ui/consumers/" + PercentEncode(ctx["group"].get<std::string>());
    } else if (ctx.contains("topic") && ctx["topic"].is_string()) {
      path = "/ui/node?id=" + PercentEncode(ctx["topic"].get<std::string>(), ":/");
    }
    return base_url + path;
  };
}

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

namespace {

// The settings of one [[channels]] entry with its secrets read, by its type's shape.
Result<notifiers::ChannelSettings> ReadSettings(const ChannelConfig& c,
                                                const notifiers::ChannelType& type,
                                                const EgressGuards& guards) {
  notifiers::ChannelSettings s;
  s.name = c.name;
  if (type.shape == notifiers::ChannelShape::kEmail) {
    auto user = Secret(c.name, c.username_env, "", "", "username");
    auto pass = Secret(c.name, c.password_env, "", "", "password");
    if (!user.ok() || !pass.ok()) {
      return (!user.ok() ? user.status() : pass.status());
    }
    ReportBlocked(c.name, *guards.smtp, c.smtp_url);
    s.email = {c.name, c.smtp_url, c.require_tls, c.from, c.to, *user, *pass, c.ca_file};
    return s;
  }
  auto url = Secret(c.name, c.url_env, c.url_file, c.url, "url");
  if (!url.ok() || url->empty()) {
    return url.ok() ? NotFound("channel " + c.name + ": no url") : url.status();
  }
  ReportBlocked(c.name, *guards.http, *url);
  s.url = *url;
  if (type.shape == notifiers::ChannelShape::kSignedUrl) {
    auto secret = Secret(c.name, c.secret_env, "", "", "secret");
    if (!secret.ok()) {
      return secret.status();
    }
    s.secret = *secret;
  }
  return s;
}

}  // namespace

Result<std::vector<std::unique_ptr<Channel>>> BuildChannels(const Config& config,
                                                            const EgressGuards& guards,
                                                            const Clock& clock) {
  std::vector<std::unique_ptr<Channel>> out;
  const notifiers::ChannelDeps deps{*guards.http, *guards.smtp, clock};
  for (const auto& c : config.channels) {
    const auto* type = notifiers::FindChannelType(c.type);
    if (type == nullptr) {
      return InvalidArgument("channel " + c.name + ": unknown type " + c.type);
    }
    auto settings = ReadSettings(c, *type, guards);
    if (!settings.ok()) {
      // Built anyway: every delivery to it ends dead with the reason.
      out.push_back(std::make_unique<BrokenChannel>(c.name, c.type, settings.status().message()));
      continue;
    }
    auto channel = type->make(std::move(settings).value(), deps);
    if (!channel.ok()) {
      return channel.status();
    }
    out.push_back(std::move(channel).value());
  }
  return out;
}

}  // namespace tributary
