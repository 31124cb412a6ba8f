#pragma once
// The default templates, compiled in: default_templates.cpp is generated at
// build time from templates/ by embed_templates.cmake. The texts are static.

#include <span>
#include <string_view>

namespace tributary::notifiers {

struct DefaultTemplate {
  std::string_view path;  // relative to templates/, e.g. "deprecation/slack.mustache"
  std::string_view text;
};

std::span<const DefaultTemplate> DefaultTemplates();

}  // namespace tributary::notifiers
