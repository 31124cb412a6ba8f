#include "notifiers/templates/text_budget.h"

namespace tributary::notifiers {
namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// The length of the UTF-8 sequence starting with `lead`; 1 for a stray byte.
std::size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) {
    return 4;
  }
  if (lead >= 0xE0) {
    return lead <= 0xEF ? 3 : 1;
  }
  if (lead >= 0xC2) {
    return 2;
  }
  return 1;
}

// The next character of `text` at `pos`: its byte length (a truncated or stray
// sequence counts as one byte).
std::size_t CharAt(std::string_view text, std::size_t pos) {
  const auto n = SequenceLength(static_cast<unsigned char>(text[pos]));
  if (pos + n > text.size()) {
    return 1;
  }
  for (std::size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(text[pos + i]) & 0xC0) != 0x80) {
      return 1;
    }
  }
  return n;
}

// The size of one character (`bytes` long, starting at `c`) in `unit`.
std::size_t CharSize(const char* c, std::size_t bytes, TextUnit unit) {
  if (unit == TextUnit::kChars) {
    return bytes == 4 ? 2 : 1;  // outside the BMP: a surrogate pair
  }
  if (bytes > 1) {
    return bytes;
  }
  const auto b = static_cast<unsigned char>(*c);
  if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t' || b == '\b' || b == '\f') {
    return 2;
  }
  return b < 0x20 ? 6 : 1;  // \u00XX
}

}  // namespace

std::size_t Measure(std::string_view utf8, TextUnit unit) {
  std::size_t total = 0;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const auto n = CharAt(utf8, pos);
    total += CharSize(utf8.data() + pos, n, unit);
    pos += n;
  }
  return total;
}

std::string CutText(std::string_view text, std::size_t max, TextUnit unit) {
  if (Measure(text, unit) <= max) {
    return std::string(text);
  }
  const std::size_t ellipsis = Measure(kEllipsis, unit);
  if (max < ellipsis) {
    return {};
  }
  std::size_t used = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto n = CharAt(text, pos);
    const auto size = CharSize(text.data() + pos, n, unit);
    if (used + size + ellipsis > max) {
      break;
    }
    used += size;
    pos += n;
  }
  return std::string(text.substr(0, pos)) + std::string(kEllipsis);
}

std::string CutKeepingEnd(std::string_view text, std::size_t max, TextUnit unit) {
  if (Measure(text, unit) <= max) {
    return std::string(text);
  }
  const auto split = text.rfind("\n\n");
  if (split == std::string_view::npos) {
    return CutText(text, max, unit);
  }
  const std::string_view tail = text.substr(split);  // "\n\n" + the last paragraph
  const auto tail_size = Measure(tail, unit);
  if (tail_size > max / 4) {
    return CutText(text, max, unit);
  }
  return CutText(text.substr(0, split), max - tail_size, unit) + std::string(tail);
}

}  // namespace tributary::notifiers
