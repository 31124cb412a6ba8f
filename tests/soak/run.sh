#!/usr/bin/env bash
# make soak: the kill-loop and fault tests, repeated: a writer killed with
# SIGKILL mid-batch, the service killed mid-ingest and mid-delivery (each
# checked for loss and duplicates), ingestion through broker faults (down,
# Fetch errors, high RTT) and records lost to retention (source_gap). Each test
# is repeated ROUNDS times or until its first failure. Then the replicas' kill
# loop (KILL_CYCLES replicas killed with SIGKILL under load, every third the leader; default 50)
# runs once.
# Usage: tests/soak/run.sh BUILD_DIR ROUNDS
set -euo pipefail
build=${1:-build}
rounds=${2:-20}
pattern='SIGKILL|paused past the session timeout|survives broker faults|records deleted before they were read'
cd "$build"
count=$(ctest -N -R "$pattern" | grep -c 'Test *#' || true)
echo "soak: ${count} tests matching /${pattern}/, ${rounds} rounds"
start=$(date +%s)
if ctest -R "$pattern" --repeat "until-fail:${rounds}" --output-on-failure --timeout 900 \
    > soak.log 2>&1; then
  status=passed
else
  status=FAILED
fi
if [[ $status == passed ]]; then
  echo "soak: replica kill loop, ${KILL_CYCLES:-50} cycles"
  if ! TRIBUTARY_TEST_KILL_CYCLES=${KILL_CYCLES:-50} ctest -R 'kill loop' --output-on-failure \
      --timeout 3600 >> soak.log 2>&1; then
    status=FAILED
  fi
  grep -h 'kill loop:' Testing/Temporary/LastTest.log | tail -1 || true
fi
end=$(date +%s)
passed=$(grep -c ' Passed ' soak.log || true)
failed=$(grep -c '\*\*\*Failed\|Timeout' soak.log || true)
echo "soak ${status}: ${passed} test runs passed, ${failed} failed, $((end - start)) s" \
     "($(uname -n), $(nproc) cores)"
if [[ $status != passed ]]; then
  grep -B2 -A30 '\*\*\*Failed\|Timeout' soak.log | head -80
  exit 1
fi
