#include "ingest/cloudevents/cloudevents_envelope.h"

#include <utility>

#include "core/text_codec.h"
#include "ingest/json_input.h"

namespace tributary::ingest::cloudevents {
namespace {

namespace js = ::tributary::ingest::json;

constexpr std::string_view kSpecVersion = "1.0";
constexpr std::string_view kAttributePrefix = "ce_";
constexpr std::string_view kContentType = "content-type";
constexpr std::string_view kCloudEventsMediaType = "application/cloudevents";
constexpr std::string_view kJsonFormat = "application/cloudevents+json";
// How a binary-mode record's value is named in errors.
constexpr std::string_view kBinaryData = "data (the record value)";

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && AsciiLower(text.substr(0, prefix.size())) == prefix;
}

// The media type of a content-type value, without parameters, lower case:
// "Application/CloudEvents+JSON; charset=UTF-8" -> "application/cloudevents+json".
std::string MediaType(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
    type.remove_suffix(1);
  }
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
    type.remove_prefix(1);
  }
  return AsciiLower(type);
}

std::string_view ModeName(ContentMode mode) {
  return mode == ContentMode::kBinary ? "binary-mode CloudEvent" : "structured-mode CloudEvent";
}

Status InMode(ContentMode mode, const Status& s) {
  return InvalidArgument(std::string(ModeName(mode)) + ": " + s.message());
}

Status CheckSpecVersion(const nlohmann::json& attributes, std::string_view key, ContentMode mode) {
  auto specversion = js::String(attributes, key, "");
  if (!specversion.ok()) {
    return InMode(mode, specversion.status());
  }
  if (*specversion != kSpecVersion) {
    return InMode(mode, InvalidArgument(std::string(key) + ": " + js::Quote(*specversion) +
                                        " is not a supported CloudEvents version (1.0)"));
  }
  return Status::Ok();
}

}  // namespace

Result<CloudEventsEnvelope> CloudEventsEnvelope::Parse(std::string_view value,
                                                       std::span<const RecordHeader> headers,
                                                       std::string_view what) {
  std::optional<std::string_view> content_type;
  bool has_attribute_header = false;
  for (const auto& h : headers) {
    if (AsciiLower(h.name) == kContentType) {
      content_type = h.value;
    } else if (h.name.starts_with(kAttributePrefix)) {
      has_attribute_header = true;
    }
  }
  const bool structured =
      (content_type && StartsWithNoCase(*content_type, kCloudEventsMediaType)) ||
      !has_attribute_header;
  if (structured) {
    constexpr auto kMode = ContentMode::kStructured;
    if (content_type && StartsWithNoCase(*content_type, kCloudEventsMediaType) &&
        MediaType(*content_type) != kJsonFormat) {
      return InMode(kMode,
                    InvalidArgument("content-type: " + js::Quote(Excerpt(*content_type, 80)) +
                                    " is not an event format Tributary reads (" +
                                    std::string(kJsonFormat) + ")"));
    }
    auto parsed = js::Parse(value, what);
    if (!parsed.ok()) {
      return parsed.status();
    }
    if (auto s = js::RequireObject(*parsed, what); !s.ok()) {
      return s;
    }
    if (auto s = CheckSpecVersion(*parsed, "specversion", kMode); !s.ok()) {
      return s;
    }
    return CloudEventsEnvelope(kMode, std::move(parsed).value());
  }

  constexpr auto kMode = ContentMode::kBinary;
  auto attributes = nlohmann::json::object();
  for (const auto& h : headers) {
    const bool attribute = h.name.starts_with(kAttributePrefix);
    if (!attribute && AsciiLower(h.name) != kContentType) {
      continue;  // not part of the event (tracing headers and the like)
    }
    const std::string name = attribute ? std::string(h.name) : std::string(kContentType);
    if (!h.value) {
      attributes[name] = nullptr;  // a null header value counts as absent
      continue;
    }
    // CloudEvents strings hold no control characters; header values are UTF-8.
    if (!IsPrintableText(*h.value)) {
      return InMode(kMode,
                    InvalidArgument(Excerpt(name, 80) + ": " + js::Quote(Excerpt(*h.value, 80)) +
                                    " contains control characters, bidi controls or "
                                    "invalid UTF-8"));
    }
    attributes[name] = std::string(*h.value);
  }
  if (auto s = CheckSpecVersion(attributes, "ce_specversion", kMode); !s.ok()) {
    return s;
  }
  CloudEventsEnvelope envelope(kMode, std::move(attributes));
  auto data = js::Parse(value, kBinaryData);
  if (data.ok()) {
    envelope.binary_data_ = std::move(data).value();
  } else {
    envelope.binary_data_error_ = data.status();
  }
  return envelope;
}

std::string CloudEventsEnvelope::Where(std::string_view attribute) const {
  if (mode_ == ContentMode::kStructured) {
    return std::string(attribute);
  }
  if (attribute == "datacontenttype") {
    return std::string(kContentType);
  }
  return std::string(kAttributePrefix) + std::string(attribute);
}

Status CloudEventsEnvelope::Named(const Status& s) const { return InMode(mode_, s); }

Result<std::string> CloudEventsEnvelope::Id() const {
  auto r = js::Name(attributes_, Where("id"), "");
  return r.ok() ? r : Named(r.status());
}

Result<std::string> CloudEventsEnvelope::Source() const {
  auto r = js::Name(attributes_, Where("source"), "");
  return r.ok() ? r : Named(r.status());
}

Result<std::string> CloudEventsEnvelope::Type() const {
  auto r = js::Name(attributes_, Where("type"), "");
  return r.ok() ? r : Named(r.status());
}

Result<Timestamp> CloudEventsEnvelope::Time() const {
  auto r = js::Time(attributes_, Where("time"), "");
  return r.ok() ? r : Named(r.status());
}

Result<std::optional<std::string>> CloudEventsEnvelope::Subject() const {
  auto r = js::OptionalString(attributes_, Where("subject"), "");
  return r.ok() ? r : Named(r.status());
}

Status CloudEventsEnvelope::CheckDataContentType() const {
  const auto where = Where("datacontenttype");
  auto content_type = js::OptionalString(attributes_, where, "");
  if (!content_type.ok()) {
    return Named(content_type.status());
  }
  // application/json, text/json, application/cloudevents+json, ...
  if (content_type->has_value() && (*content_type)->find("json") == std::string::npos) {
    return Named(InvalidArgument(where + ": " + js::Quote(**content_type) + " is not JSON"));
  }
  return Status::Ok();
}

Result<const nlohmann::json*> CloudEventsEnvelope::Data() const {
  if (mode_ == ContentMode::kBinary) {
    if (auto s = CheckDataContentType(); !s.ok()) {
      return s;
    }
    if (!binary_data_error_.ok()) {
      return Named(binary_data_error_);
    }
    if (!binary_data_.is_object()) {
      return Named(js::Expected(kBinaryData, "an object", binary_data_));
    }
    return &binary_data_;
  }
  const auto* data = js::Find(attributes_, "data");
  if (data == nullptr) {
    return Named(js::Missing("data"));
  }
  if (!data->is_object()) {
    return Named(js::Expected("data", "an object", *data));
  }
  return data;
}

}  // namespace tributary::ingest::cloudevents
