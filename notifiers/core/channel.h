#pragma once
// Channel: where a notification goes (an email list, a chat webhook, a generic
// webhook). One adapter per folder under notifiers/, each with its typed config;
// the composition root (src/app) builds them from [[channels]].
//
// Send() is blocking and bounded by the adapter's timeouts. The dispatcher calls
// one channel from one thread at a time (its worker), so an adapter may keep a
// connection open between sends; different channels are called concurrently.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tributary/clock.h"

namespace tributary::notifiers {

// A rendered notification on its way out.
struct OutgoingMessage {
  std::string id;  // the delivery's idempotency key: webhook-id, Message-ID seed
  std::string kind;
  std::string team;
  std::string severity;
  std::string title;
  std::string body;                                 // plain text / Markdown
  std::string html;                                 // email only
  nlohmann::json facts = nlohmann::json::object();  // the intent's facts (generic webhook)
  Timestamp created_at;
};

struct SendOutcome {
  enum class Kind {
    kDelivered,
    kRetry,      // transient: try again later (after retry_after when given)
    kPermanent,  // will never succeed as is (4xx, blocked destination, TLS refused)
    kGone,       // HTTP 410: the endpoint is gone; disable the channel
  };
  Kind kind = Kind::kDelivered;
  std::string error;                    // why, for the notification log
  std::optional<Duration> retry_after;  // from Retry-After (429, 503)
  bool pause_endpoint = false;          // Retry-After applies to the whole endpoint
  static SendOutcome Delivered() { return {}; }
  static SendOutcome Retry(std::string e, std::optional<Duration> after = std::nullopt,
                           bool pause = false) {
    return {Kind::kRetry, std::move(e), after, pause};
  }
  static SendOutcome Permanent(std::string e) {
    return {Kind::kPermanent, std::move(e), {}, false};
  }
  static SendOutcome Gone(std::string e) { return {Kind::kGone, std::move(e), {}, false}; }
};

std::string_view ToString(SendOutcome::Kind kind);  // delivered | retry | permanent | gone

class Channel {
 public:
  virtual ~Channel() = default;
  virtual const std::string& name() const = 0;
  // email | slack | teams | discord | mattermost | googlechat | webhook
  virtual std::string_view type() const = 0;
  // Identifies the destination (a hash of its address), so a channel disabled
  // after a 410 comes back when its configured address changes.
  virtual std::string fingerprint() const = 0;
  // The least time between two sends (the platform's rate limit), 0 for none.
  virtual Duration min_interval() const { return Duration(0); }
  virtual SendOutcome Send(const OutgoingMessage& message) = 0;
};

}  // namespace tributary::notifiers
