#pragma once
// Text as HTML element content: the email parts Tributary builds itself (a
// plain body wrapped in <pre>, titles) escape what the markup would read.

#include <string>
#include <string_view>

namespace tributary::notifiers {

inline std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace tributary::notifiers
