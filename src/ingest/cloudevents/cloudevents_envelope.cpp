#include "ingest/cloudevents/cloudevents_envelope.h"

#include <utility>

#include "ingest/json_input.h"

namespace tributary::ingest::cloudevents {
namespace {

namespace js = ::tributary::ingest::json;

constexpr std::string_view kSpecVersion = "1.0";

}  // namespace

Result<CloudEventsEnvelope> CloudEventsEnvelope::Parse(std::string_view value,
                                                       std::string_view what) {
  auto parsed = js::Parse(value, what);
  if (!parsed.ok()) {
    return parsed.status();
  }
  if (auto s = js::RequireObject(*parsed, what); !s.ok()) {
    return s;
  }
  auto specversion = js::String(*parsed, "specversion", "");
  if (!specversion.ok()) {
    return specversion.status();
  }
  if (*specversion != kSpecVersion) {
    return InvalidArgument("specversion: " + js::Quote(*specversion) +
                           " is not a supported CloudEvents version (1.0)");
  }
  return CloudEventsEnvelope(std::move(parsed).value());
}

Result<std::string> CloudEventsEnvelope::Id() const { return js::Name(root_, "id", ""); }

Result<std::string> CloudEventsEnvelope::Source() const { return js::Name(root_, "source", ""); }

Result<std::string> CloudEventsEnvelope::Type() const { return js::Name(root_, "type", ""); }

Result<Timestamp> CloudEventsEnvelope::Time() const { return js::Time(root_, "time", ""); }

Result<std::optional<std::string>> CloudEventsEnvelope::Subject() const {
  return js::OptionalString(root_, "subject", "");
}

Status CloudEventsEnvelope::CheckDataContentType() const {
  auto content_type = js::OptionalString(root_, "datacontenttype", "");
  if (!content_type.ok()) {
    return content_type.status();
  }
  // application/json, text/json, application/cloudevents+json, ...
  if (content_type->has_value() && (*content_type)->find("json") == std::string::npos) {
    return InvalidArgument("datacontenttype: " + js::Quote(**content_type) + " is not JSON");
  }
  return Status::Ok();
}

Result<const nlohmann::json*> CloudEventsEnvelope::Data() const {
  const auto* data = js::Find(root_, "data");
  if (data == nullptr) {
    return js::Missing("data");
  }
  if (!data->is_object()) {
    return js::Expected("data", "an object", *data);
  }
  return data;
}

}  // namespace tributary::ingest::cloudevents
