#pragma once
// The OpenAPI 3 document of the whole HTTP API (DESIGN.md §5), served at
// GET /api/v1/openapi.json. The source is src/http/openapi.json, embedded into
// the binary at build time; a test checks that every registered route is in it.

#include <string_view>

namespace tributary::http {

// The JSON text; static storage, safe from any thread.
std::string_view OpenApiDocument();

}  // namespace tributary::http
