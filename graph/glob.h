#pragma once
// Glob matching for [[routes]] rules over node ids: '*' matches any run of
// characters ('/' included), '?' exactly one character; everything else
// matches itself. Pure function, thread-safe.

#include <string_view>

namespace tributary::graph {

bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace tributary::graph
