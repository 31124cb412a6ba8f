#pragma once
// How long a text is for a chat platform, and how it is cut to fit. Each
// channel folder declares its platform's limits and the BodyBudget its
// rendered body must fit (e.g. slack/slack_channel.h); the channel registry
// hands the budget to TemplateSet, which renders within it by design
// (lists summarised, long free text cut), and the payload functions cut what
// still does not fit with CutText / CutKeepingEnd.
//
// Platforms count in two ways: Slack, Discord, Mattermost and Google Chat
// limit characters of a field; Teams limits the bytes of the whole request.
// Characters are counted as UTF-16 code units, never fewer than code points,
// so a text within the count is within the limit however the platform counts.
// Cutting never splits a UTF-8 sequence. Pure functions; thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace tributary::notifiers {

enum class TextUnit {
  kChars,      // UTF-16 code units
  kJsonBytes,  // UTF-8 bytes of the text as a JSON string (escapes included, quotes not)
};

// What a channel type's rendered body may take.
struct BodyBudget {
  std::size_t max = 0;  // 0: no limit (email, the generic webhook)
  TextUnit unit = TextUnit::kChars;
};

std::size_t Measure(std::string_view utf8, TextUnit unit = TextUnit::kChars);

// `text` when it fits in `max`; else its longest prefix that fits with "…"
// appended, cut at a character boundary.
std::string CutText(std::string_view text, std::size_t max, TextUnit unit = TextUnit::kChars);

// Like CutText, but the cut goes before the last paragraph (the text after the
// last blank line) when that paragraph takes at most a quarter of `max`, so a
// message's closing line (its link) survives: "<head>…\n\n<last paragraph>".
std::string CutKeepingEnd(std::string_view text, std::size_t max, TextUnit unit = TextUnit::kChars);

}  // namespace tributary::notifiers
