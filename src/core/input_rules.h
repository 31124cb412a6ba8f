#pragma once
// The one rule for names and text that arrive from outside (catalog events,
// the HTTP API), DESIGN.md §3 and the README's "Names and text":
//
// - Product and team names use Kafka's topic charset: 1 to 249 of
//   [A-Za-z0-9._-], and neither "." nor "..". They appear in URLs, node ids
//   and file names, so nothing else is accepted.
// - Every other text is printable UTF-8: no control characters and no bidi
//   controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C); free text
//   (descriptions, deprecation reasons) may hold newlines and tabs.
// - Lengths: free text at most kMaxFreeTextBytes; short text (display names,
//   domains, tags) at most kMaxShortTextBytes.
//
// Each check returns InvalidArgument naming `where` (e.g. "data.product").

#include <cstddef>
#include <string_view>

#include "tributary/result.h"

namespace tributary {

inline constexpr std::size_t kMaxEntityNameBytes = 249;
inline constexpr std::size_t kMaxFreeTextBytes = 4096;
inline constexpr std::size_t kMaxShortTextBytes = 256;

// Products and teams.
Status CheckEntityName(std::string_view text, std::string_view where);
// Printable UTF-8 of at most `max_bytes` (`multiline`: newlines and tabs too).
Status CheckText(std::string_view text, std::string_view where, std::size_t max_bytes,
                 bool multiline = false);

}  // namespace tributary
