#!/usr/bin/env bash
# Runs every fuzzer built in BUILD_DIR for SECONDS each, seeded from the test
# fixtures. A crash leaves its input in BUILD_DIR/fuzz-findings/ and fails the run.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
findings="$build/fuzz-findings"
mkdir -p "$findings"

seed() {  # seed TARGET DIR...
  local corpus="$build/corpus/$1"
  mkdir -p "$corpus"
  shift
  for d in "$@"; do
    [ -d "$root/$d" ] && cp -n "$root/$d"/* "$corpus"/ 2>/dev/null || true
  done
  echo "$corpus"
}

declare -A seeds=(
  [consumer_offsets_fuzz]=""
  [schema_registry_fuzz]="tests/fixtures/schema_registry"
  [audit_log_fuzz]="tests/fixtures/audit_log"
  [catalog_fuzz]="tests/fixtures/catalog"
  [openlineage_fuzz]="tests/fixtures/openlineage"
  [avro_schema_fuzz]="bench/schema"
  [json_schema_fuzz]=""
  [protobuf_schema_fuzz]=""
  [dot_svg_fuzz]="fuzz/seeds/dot_svg"
  [http_params_fuzz]="fuzz/seeds/http_params"
  [batch_codec_fuzz]="fuzz/seeds/batch_codec"
)

# Leaks inside third-party libraries (Graphviz's process-wide context and
# fontconfig's cache) are suppressed as in the test suites.
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

status=0
for target in "${!seeds[@]}"; do
  bin="$build/fuzz/$target"
  [ -x "$bin" ] || { echo "missing $bin"; status=1; continue; }
  corpus=$(seed "$target" ${seeds[$target]})
  echo "== $target (${seconds}s)"
  if ! "$bin" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$findings/$target-" -print_final_stats=1 2>"$build/$target.log"; then
    echo "$target FAILED: see $build/$target.log and $findings/"
    tail -30 "$build/$target.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$build/$target.log" | tail -2
  fi
done
exit $status
