#!/usr/bin/env bash
# Burrow's and Tributary's consumer statuses side by side for one scripted
# scenario (healthy, lagging, stopped, stalled, rewind and newcomer groups over
# ~40 s); bench/burrow/status_compare.py says how. Prints the table that
# bench/README.md keeps.
# Usage: bench/burrow/status.sh [BUILD_DIR] [MARKDOWN_OUT]
# Needs: deploy/install-deps.sh --with-burrow, and the health_scenario and
# tributary targets built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
if [[ ! -x /usr/bin/Burrow ]] || [[ ! -f /usr/share/java/zookeeper.jar ]] || ! command -v java >/dev/null; then
  echo "burrow status: skipped (Burrow or ZooKeeper not installed; deploy/install-deps.sh --with-burrow)"
  exit 0
fi
for bin in "$build/bench/health_scenario" "$build/tributary"; do
  if [[ ! -x "$bin" ]]; then
    echo "burrow status: $bin is missing (cmake --build $build --target health_scenario tributary)" >&2
    exit 1
  fi
done
args=(--build "$build")
if [[ $# -ge 2 ]]; then
  args+=(--markdown "$2")
fi
exec python3 "$here/status_compare.py" "${args[@]}"
