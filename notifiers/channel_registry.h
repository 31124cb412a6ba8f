#pragma once
// The channel registry: every channel type Tributary can send to, one row each
// (channel_registry.cpp). A row says what a [[channels]] entry of that type
// takes (its shape), how its messages are written (template dialect and
// escaping) and how its adapter is built. The config's validation, the
// templates and the composition root all read this one table; adding a chat
// channel is its folder, one row, and — only for a new markup — its dialect's
// templates (notifiers/README.md).
//
// Immutable; thread-safe.

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notifiers/core/channel.h"
#include "notifiers/egress/egress_guard.h"
#include "notifiers/email/email_channel.h"
#include "notifiers/templates/template_set.h"
#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::notifiers {

// What a [[channels]] entry of the type takes besides `name` and `type`.
enum class ChannelShape {
  kEmail,      // smtp_url, from, to, require_tls, username_env, password_env, ca_file
  kUrl,        // exactly one of url_env, url_file, url
  kSignedUrl,  // the same, and secret_env (whsec_..., Standard Webhooks)
};

// A [[channels]] entry with its secrets read (the composition root reads them).
struct ChannelSettings {
  std::string name;
  std::string url;     // kUrl, kSignedUrl
  std::string secret;  // kSignedUrl; empty: unsigned
  EmailConfig email;   // kEmail (its name is `name`)
};

// What adapters are built with; must outlive them.
struct ChannelDeps {
  const EgressGuard& http;  // webhooks and chat
  const EgressGuard& smtp;  // email
  const Clock& clock;
};

using ChannelFactory = Result<std::unique_ptr<Channel>> (*)(ChannelSettings settings,
                                                            const ChannelDeps& deps);

struct ChannelType {
  std::string_view type;  // the [[channels]] `type`
  ChannelShape shape;
  std::string_view dialect;  // templates/<kind>/<dialect>.mustache
  TemplateEscape escape;
  // What a rendered body may take on the platform (declared in the channel's
  // folder, next to the platform's limits); `max` 0: no limit.
  BodyBudget budget;
  ChannelFactory make;
};

// Every channel type, in the order the docs list them.
std::span<const ChannelType> ChannelTypes();
// The row of `type`; null when there is none.
const ChannelType* FindChannelType(std::string_view type);
// "email", "slack", ...: for messages and validation.
std::vector<std::string> ChannelTypeNames();

// The templates every registered channel type needs, for TemplateSet::Load.
std::vector<ChannelTemplates> TemplateTargets();
// TemplateSet::Load for every registered channel type.
Result<TemplateSet> LoadTemplates(const std::filesystem::path& override_dir);

}  // namespace tributary::notifiers
