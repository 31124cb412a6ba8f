#!/usr/bin/env bash
# Runs every benchmark in a build directory and prints the figures it measures.
set -euo pipefail
build=${1:-build}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "== event log"
"$build/bench/event_log_bench"
echo
echo "== __consumer_offsets decoding"
"$build/bench/consumer_offsets_decode_bench"
echo
echo "== ingestion"
"$build/bench/ingest_bench"
echo
echo "== consumer health"
"$build/bench/health_bench"
echo
echo "== lineage graph"
"$build/bench/graph/graph_bench"
echo
echo "== change tracking"
"$build/bench/tracking_bench"
echo
echo "== governance"
"$build/bench/governance_bench"
echo
echo "== notifications"
"$build/bench/notify_bench"
echo
echo "== HTTP lineage (wrk)"
"$build/bench/http_bench"
for b in "$build"/bench/schema/bench_*; do
  [ -x "$b" ] || continue
  echo
  echo "== $(basename "$b")"
  "$b"
done
echo
echo "== replication: 3 replicas (failover: 20 SIGKILLs of the leader, ~6 min)"
"$build/bench/replication_bench" --records 100000 --kills 20 | grep -v '^\[20'
echo
echo "== restart to ready and backup of a 10M-event log"
"$build/bench/restart_bench" --events 10000000 --runs 3
echo
echo "== log size after a year of progress sampling, with and without compaction"
"$build/bench/compaction_bench" --groups 1000 --days 365
echo
echo "== Burrow side by side (optional: deploy/install-deps.sh --with-burrow)"
"$(dirname "$0")/burrow/run.sh" "$build"
echo
echo "== Burrow and Tributary statuses for one scripted scenario (~1 min; optional as above)"
"$(dirname "$0")/burrow/status.sh" "$build"
