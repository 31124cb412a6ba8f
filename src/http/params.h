#pragma once
// Query parameters of the API and the UI, parsed strictly: a parameter that is
// present must be well-formed and in range, or the request is a 400 naming it.
// Pure functions over a Request; safe from any thread.
//
// Lists are pages (DESIGN.md §5): `limit` (a default and a maximum per list)
// and `after`, the opaque cursor a previous page returned as "next".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_types.h"
#include "tributary/clock.h"
#include "tributary/result.h"

namespace tributary::http {

inline constexpr std::size_t kDefaultPageLimit = 1000;
inline constexpr std::size_t kMaxPageLimit = 10000;
inline constexpr std::size_t kUiPageLimit = 100;

// An integer in [min, max]; `fallback` when absent or empty. InvalidArgument
// naming the parameter otherwise (or, with `clamp`, the value clamped).
Result<std::int64_t> IntParam(const Request& r, std::string_view name, std::int64_t fallback,
                              std::int64_t min, std::int64_t max, bool clamp = false);

// `limit`: 1..max, `fallback` when absent; larger values are clamped to max.
Result<std::size_t> LimitParam(const Request& r, std::size_t fallback, std::size_t max);

// An optional integer cursor (`after`, `before`): absent → nullopt; present →
// an integer in [min, max] or InvalidArgument.
Result<std::optional<std::int64_t>> CursorParam(const Request& r, std::string_view name,
                                                std::int64_t min = 1, std::int64_t max = INT64_MAX);

// `at`: an RFC 3339 time, or nullopt when absent.
Result<std::optional<Timestamp>> TimeParam(const Request& r, std::string_view name);

// A text parameter: printable UTF-8 of at most `max_bytes`; nullopt when absent
// or empty.
Result<std::optional<std::string>> TextParam(const Request& r, std::string_view name,
                                             std::size_t max_bytes = 1024);

}  // namespace tributary::http
