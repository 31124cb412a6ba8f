#pragma once
// The UI's page templates (templates/ui/*.mustache), compiled in:
// ui_templates.cpp is generated at build time by notifiers/templates/embed_templates.cmake.

#include <span>
#include <string_view>

namespace tributary::http {

struct UiTemplate {
  std::string_view path;  // relative to templates/ui/, e.g. "overview.mustache"
  std::string_view text;
};

std::span<const UiTemplate> UiTemplates();

}  // namespace tributary::http
