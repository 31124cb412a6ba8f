#include "http/params.h"

#include <algorithm>
#include <charconv>

#include "core/text_codec.h"

namespace tributary::http {
namespace {

std::optional<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

Result<std::int64_t> IntParam(const Request& r, std::string_view name, std::int64_t fallback,
                              std::int64_t min, std::int64_t max, bool clamp) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return fallback;
  }
  const auto value = ParseInt(*text);
  if (!value) {
    return InvalidArgument(std::string(name) + ": \"" + Excerpt(*text, 40) +
                           "\" is not an integer");
  }
  if (*value < min || *value > max) {
    if (clamp) {
      return std::clamp(*value, min, max);
    }
    return InvalidArgument(std::string(name) + ": must be between " + std::to_string(min) +
                           " and " + std::to_string(max));
  }
  return *value;
}

Result<std::size_t> LimitParam(const Request& r, std::size_t fallback, std::size_t max) {
  auto limit = IntParam(r, "limit", static_cast<std::int64_t>(fallback), 1, INT64_MAX);
  if (!limit.ok()) {
    return InvalidArgument(limit.status().message() + " (limit: 1 to " + std::to_string(max) + ")");
  }
  return std::min(static_cast<std::size_t>(*limit), max);
}

Result<std::optional<std::int64_t>> CursorParam(const Request& r, std::string_view name,
                                                std::int64_t min, std::int64_t max) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return std::optional<std::int64_t>();
  }
  auto value = IntParam(r, name, 0, min, max);
  if (!value.ok()) {
    return value.status();
  }
  return std::optional<std::int64_t>(*value);
}

Result<std::optional<Timestamp>> TimeParam(const Request& r, std::string_view name) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return std::optional<Timestamp>();
  }
  auto t = ParseRfc3339(*text);
  if (!t.ok()) {
    return InvalidArgument(std::string(name) + ": " + t.status().message());
  }
  return std::optional<Timestamp>(*t);
}

Result<std::optional<std::string>> TextParam(const Request& r, std::string_view name,
                                             std::size_t max_bytes) {
  const auto* text = r.Query(name);
  if (text == nullptr || text->empty()) {
    return std::optional<std::string>();
  }
  if (text->size() > max_bytes) {
    return InvalidArgument(std::string(name) + ": longer than " + std::to_string(max_bytes) +
                           " bytes");
  }
  if (!IsPrintableText(*text)) {
    return InvalidArgument(std::string(name) +
                           ": must be printable UTF-8 (no control or bidi characters)");
  }
  return std::optional<std::string>(*text);
}

}  // namespace tributary::http
