#pragma once
// Process-wide logging through spdlog, to stderr: human-readable lines by
// default, one JSON object per line with format "json".

#include <string_view>

#include "tributary/result.h"

namespace tributary {

Status SetUpLogging(std::string_view format, std::string_view level);

}  // namespace tributary
