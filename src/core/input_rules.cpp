#include "core/input_rules.h"

#include <string>

#include "core/text_codec.h"

namespace tributary {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

Status CheckEntityName(std::string_view text, std::string_view where) {
  if (text.empty()) {
    return InvalidArgument(std::string(where) + ": must not be empty");
  }
  if (text.size() > kMaxEntityNameBytes) {
    return InvalidArgument(std::string(where) + ": longer than " +
                           std::to_string(kMaxEntityNameBytes) + " characters");
  }
  if (text == "." || text == "..") {
    return InvalidArgument(std::string(where) + ": \".\" and \"..\" are not names");
  }
  for (const char c : text) {
    if (!IsNameChar(c)) {
      return InvalidArgument(std::string(where) + ": " + "\"" + Excerpt(text, 60) + "\"" +
                             " may hold only letters, digits, '.', '_' and '-' (Kafka's topic "
                             "names)");
    }
  }
  return Status::Ok();
}

Status CheckText(std::string_view text, std::string_view where, std::size_t max_bytes,
                 bool multiline) {
  if (text.size() > max_bytes) {
    return InvalidArgument(std::string(where) + ": longer than " + std::to_string(max_bytes) +
                           " bytes (" + std::to_string(text.size()) + ")");
  }
  if (!IsPrintableText(text, multiline)) {
    return InvalidArgument(std::string(where) + ": " + "\"" + Excerpt(text, 60) + "\"" +
                           " holds invalid UTF-8, control characters or bidi controls");
  }
  return Status::Ok();
}

}  // namespace tributary
