#!/usr/bin/env bash
# Installs the Debian 12 packages Tributary needs (DESIGN.md §7), only those missing.
# Usage: deploy/install-deps.sh [--with-ui] [--with-burrow]
#   --with-ui      adds chromium for the UI tests; make test passes it
#   --with-burrow  adds burrow and zookeeper for the side-by-side benchmark (bench/burrow/run.sh)
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
  python3 python3-aiosmtpd python3-avro python3-yaml kcat
  clang libclang-rt-14-dev   # libFuzzer targets (make fuzz)
  wrk                        # HTTP load in make bench
  prometheus                 # promtool: the metrics are checked with it in make test
  tidy                       # HTML Tidy: the email HTML parts are checked with it
)
for arg in "$@"; do
  case "$arg" in
    --with-ui) packages+=(chromium) ;;
    --with-burrow) packages+=(burrow zookeeper) ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
