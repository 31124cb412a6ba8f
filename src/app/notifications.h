#pragma once
// The composition of notification delivery: the configured [[channels]] as
// channel adapters (secrets read from the environment or files they name), and
// the egress guards they send through.

#include <memory>
#include <vector>

#include "app/config.h"
#include "notifiers/core/channel.h"
#include "notifiers/core/stages.h"
#include "notifiers/egress/egress_guard.h"

namespace tributary {

struct EgressGuards {
  std::unique_ptr<notifiers::EgressGuard> http;  // webhooks and chat
  std::unique_ptr<notifiers::EgressGuard> smtp;  // email
};
EgressGuards MakeEgressGuards(const Config& config);

// One adapter per [[channels]] entry. A channel whose address or secret cannot
// be read (an unset variable, an unreadable file) is still built and every
// delivery to it ends dead with that reason; an invalid webhook secret is an
// error (the config is wrong, not the environment).
// The UI page a notification links to (its ui_url), under `base_url`: the
// migration board for deprecation kinds, the product page for other product
// notifications, else the principal's or the topic's lineage.
notifiers::UiLinkBuilder UiLinks(std::string base_url);

Result<std::vector<std::unique_ptr<notifiers::Channel>>> BuildChannels(const Config& config,
                                                                       const EgressGuards& guards,
                                                                       const Clock& clock);

}  // namespace tributary
