#pragma once
// The shape every HTTP channel shares: build the platform's JSON payload from a
// rendered message, POST it through an HttpPoster. Each platform's folder
// provides only its payload (and, for the generic webhook, signing headers).

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "notifiers/core/channel.h"
#include "notifiers/core/http_post.h"

namespace tributary::notifiers {

class JsonWebhookChannel : public Channel {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  // Builds the body and any extra headers for a message.
  using Encoder = std::function<std::pair<std::string, Headers>(const OutgoingMessage&)>;

  JsonWebhookChannel(std::string name, std::string type, std::string url, const EgressGuard& guard,
                     Encoder encode, Duration min_interval, HttpPostOptions options = {})
      : name_(std::move(name)),
        type_(std::move(type)),
        fingerprint_(Fingerprint(url)),
        poster_(std::move(url), guard, options),
        encode_(std::move(encode)),
        min_interval_(min_interval) {}

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return type_; }
  std::string fingerprint() const override { return fingerprint_; }
  Duration min_interval() const override { return min_interval_; }
  SendOutcome Send(const OutgoingMessage& message) override {
    auto [body, headers] = encode_(message);
    return poster_.Post(body, headers);
  }

 private:
  std::string name_;
  std::string type_;
  std::string fingerprint_;
  HttpPoster poster_;
  Encoder encode_;
  Duration min_interval_;
};

}  // namespace tributary::notifiers
