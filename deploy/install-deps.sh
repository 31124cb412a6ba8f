#!/usr/bin/env bash
# Installs the Debian 12 packages Tributary needs (DESIGN.md §7), only those missing,
# and the pinned Redocly CLI (the OpenAPI lint) from npm into build-tools/ (git-ignored).
# Usage: deploy/install-deps.sh [--with-ui] [--with-burrow] [--no-lint]
#   --with-ui      adds chromium for the UI tests; make test passes it
#   --with-burrow  adds burrow and zookeeper for the side-by-side benchmark (bench/burrow/run.sh)
#   --no-lint      leaves out Node, npm and Redocly CLI (only the OpenAPI lint test needs
#                  them; the container image builds the binary alone)
# Uses sudo when not run as root. Safe to run repeatedly: a machine that has
# everything installs nothing and touches no network.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git
  librdkafka-dev libboost-dev nlohmann-json3-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3
  libcurl4-openssl-dev libspdlog-dev catch2 libkainjow-mustache-dev
  prometheus-cpp-dev libgraphviz-dev graphviz libtomlplusplus-dev
  libprotobuf-dev libprotoc-dev protobuf-compiler libssl-dev libbenchmark-dev zlib1g-dev
  libjq-dev                  # policy expressions (src/governance)
  python3 python3-aiosmtpd python3-avro python3-yaml kcat
  clang libclang-rt-14-dev   # libFuzzer targets (make fuzz)
  wrk                        # HTTP load in make bench
  prometheus                 # promtool: the metrics are checked with it in make test
  tidy                       # HTML Tidy: the email HTML parts are checked with it
  python3-jsonschema         # the OpenAPI contract test validates API responses with it
)
lint=true
ui=false
for arg in "$@"; do
  case "$arg" in
    --with-ui) packages+=(chromium); ui=true ;;
    --with-burrow) packages+=(burrow zookeeper) ;;
    --no-lint) lint=false ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done
# Node and npm run the OpenAPI lint (@redocly/cli, below); Debian's, unless the
# machine has them already (e.g. from another source).
if { $lint || $ui; } && { ! command -v node > /dev/null || ! command -v npm > /dev/null; }; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Redocly CLI for the OpenAPI lint (tests/contract/lint_openapi.sh), pinned, in
# the project's own tools directory rather than system-wide. The 1.x line runs on
# Debian 12's Node 18.
redocly_version=1.34.5
tools_dir="$(cd "$(dirname "$0")/.." && pwd)/build-tools"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
if $lint &&
  [[ "$("$tools_dir/node_modules/.bin/redocly" --version 2> /dev/null)" != "$redocly_version" ]]; then
  echo "install-deps: installing @redocly/cli@$redocly_version into $tools_dir"
  npm install --prefix "$tools_dir" --no-save --no-audit --no-fund --loglevel=error \
    "@redocly/cli@$redocly_version"
fi

# puppeteer-core drives the headless Chromium of the UI tests (sign-in, forms,
# CSRF; tests/e2e/ui_forms_test.mjs), pinned, in its own tools directory (an
# npm install into the Redocly one would prune it). The 22.x line runs on
# Debian 12's Node 18 and drives Debian's Chromium.
# axe-core (the accessibility rules the UI pages are checked against, injected
# into each page) is installed with it, in the same command (--no-save prunes
# what a command does not name).
puppeteer_version=22.15.0
axe_version=4.10.2
html_validate_version=9.7.1
ui_tools_dir="$tools_dir/ui"
ui_version() {
  node -p "require('$ui_tools_dir/node_modules/$1/package.json').version" 2> /dev/null
}
if $ui && { [[ "$(ui_version puppeteer-core)" != "$puppeteer_version" ]] ||
  [[ "$(ui_version axe-core)" != "$axe_version" ]] ||
  [[ "$(ui_version html-validate)" != "$html_validate_version" ]]; }; then
  echo "install-deps: installing puppeteer-core@$puppeteer_version and axe-core@$axe_version" \
    "into $ui_tools_dir"
  PUPPETEER_SKIP_DOWNLOAD=true npm install --prefix "$ui_tools_dir" --no-save --no-audit \
    --no-fund --loglevel=error "puppeteer-core@$puppeteer_version" "axe-core@$axe_version" \
    "html-validate@$html_validate_version"
fi
