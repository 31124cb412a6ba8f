#!/usr/bin/env bash
# Lints the OpenAPI document (src/http/openapi.json) with Redocly CLI under the
# repository's redocly.yaml (the recommended ruleset; rules turned off there say
# why). Any error or warning fails. Usage: tests/contract/lint_openapi.sh [REPO_ROOT]
set -uo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
redocly=$root/build-tools/node_modules/.bin/redocly
if [[ ! -x $redocly ]]; then
  echo "lint_openapi: $redocly is missing: run deploy/install-deps.sh" \
       "(it installs @redocly/cli from npm into build-tools/)" >&2
  exit 1
fi
if ! command -v node > /dev/null; then
  echo "lint_openapi: node is missing: run deploy/install-deps.sh" >&2
  exit 1
fi
cd "$root" || exit 1
# No telemetry and no update check: the lint needs nothing from the network.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1
"$redocly" lint --config redocly.yaml --format=stylish 2>&1
echo
totals=$("$redocly" lint --config redocly.yaml --format=json 2>/dev/null |
         /usr/bin/python3 -c 'import json, sys
t = json.load(sys.stdin)["totals"]
print(t["errors"], t["warnings"])') || {
  echo "lint_openapi: redocly gave no result" >&2
  exit 1
}
read -r errors warnings <<< "$totals"
if [[ $errors -ne 0 || $warnings -ne 0 ]]; then
  echo "lint_openapi: $errors errors, $warnings warnings in src/http/openapi.json (none allowed)" >&2
  exit 1
fi
echo "lint_openapi: src/http/openapi.json: no errors, no warnings"
