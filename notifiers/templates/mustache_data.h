#pragma once
// JSON as Mustache (kainjow) data, the one conversion every template renderer
// uses: objects become objects, arrays lists, numbers their text, booleans
// booleans; null and the empty string are false, so {{#x}} sections skip them.
// Includes kainjow's header: include this only where templates are rendered.

#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>

namespace tributary::notifiers {

kainjow::mustache::data JsonToMustache(const nlohmann::json& value);

}  // namespace tributary::notifiers
