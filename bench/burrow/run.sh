#!/usr/bin/env bash
# Burrow and Tributary side by side on the same pre-loaded backlog (issue 3):
# 2M __consumer_offsets offset commits (50 partitions x 40k, 10k groups over 100
# topics of 12 partitions) in librdkafka's mock cluster, then
#  (a) Debian's Burrow (client profile kafka-version 0.10.2, consumer class "kafka"
#      on __consumer_offsets, a local ZooKeeper), timed from its start until its HTTP
#      API reports every group at its final offsets (bench/burrow/time_burrow.py says
#      exactly what counts), and
#  (b) Tributary's ingestion (ingest_bench --external), timed from start-up until
#      every record is consumed, decoded, folded and durably appended.
# Usage: bench/burrow/run.sh [BUILD_DIR] [RUNS]   (RUNS defaults to 3; RECORDS=N overrides 2M)
# Needs: deploy/install-deps.sh --with-burrow, and the ingest_bench target built.
#
# The cluster is hosted by `ingest_bench --serve-mock` (the same sim::MockKafka and
# source topics as `tributary devbroker`) because the backlog's topics need 12
# partitions: the mock cluster has no CreateTopics, and topics it auto-creates get 4.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
runs=${2:-3}
records=${RECORDS:-2000000}
bench="$build/bench/ingest_bench"

if [[ ! -x /usr/bin/Burrow ]] || [[ ! -f /usr/share/java/zookeeper.jar ]] || ! command -v java >/dev/null; then
  echo "burrow: skipped (Burrow or ZooKeeper not installed; deploy/install-deps.sh --with-burrow)"
  exit 0
fi
if [[ ! -x "$bench" ]]; then
  echo "burrow: $bench is missing (cmake --build $build --target ingest_bench)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tributary-burrow.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The cluster, pre-loaded.
"$bench" --serve-mock --records "$records" >"$work/cluster.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  grep -q '^ready$' "$work/cluster.log" && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/cluster.log" >&2; exit 1; }
  sleep 0.2
done
grep -q '^ready$' "$work/cluster.log" || { echo "burrow: the mock cluster never got ready" >&2; exit 1; }
bootstrap=$(sed -n 's/^bootstrap.servers=//p' "$work/cluster.log")
sed -n '/^backlog:/p; /^topics:/p' "$work/cluster.log"
echo "cluster: bootstrap.servers=$bootstrap (ingest_bench --serve-mock, pid ${pids[0]})"

# ZooKeeper, which Burrow requires (it keeps nothing of the benchmark's there).
zk_port=$(free_port)
mkdir -p "$work/zk"
java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
  org.apache.zookeeper.server.ZooKeeperServerMain "$zk_port" "$work/zk" >"$work/zk.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && echo srvr >&3 && grep -q Mode <&3) 2>/dev/null; then
    break
  fi
  sleep 0.2
done
echo "zookeeper: 127.0.0.1:$zk_port"

burrow_run() {
  local dir="$work/burrow-$1" port
  port=$(free_port)
  mkdir -p "$dir"
  sed -e "s|@DIR@|$dir|g; s|@LOG_LEVEL@|info|g; s|@ZK_PORT@|$zk_port|g" \
      -e "s|@BOOTSTRAP@|$bootstrap|g; s|@OFFSET_REFRESH@|1|g; s|@HTTP_PORT@|$port|g" \
      "$here/burrow.toml.in" >"$dir/burrow.toml"
  if ! python3 "$here/time_burrow.py" --config-dir "$dir" --http-port "$port" \
         --records "$records" --timeout 180 | tee -a "$work/burrow.results"; then
    echo "burrow: run $1 failed; last lines of its log:" >&2
    tail -n 20 "$dir/burrow.log" "$dir/burrow.stdout" >&2 || true
    exit 1
  fi
}

tributary_run() {
  "$bench" --external "$bootstrap" --records "$records" --dir "$work" \
    | tee -a "$work/tributary.results"
}

for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  if (( run % 2 == 1 )); then
    burrow_run "$run"
    tributary_run
  else
    tributary_run
    burrow_run "$run"
  fi
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
b_rate=$(grep -o 'records_per_s=[0-9]*' "$work/burrow.results" | cut -d= -f2 | median)
b_full=$(grep -o 'records_per_s_full=[0-9]*' "$work/burrow.results" | cut -d= -f2 | median)
b_secs=$(grep -o 'sentinel_s=[0-9.]*' "$work/burrow.results" | cut -d= -f2 | median)
t_rate=$(grep -o '^end to end[^:]*: [0-9]*' "$work/tributary.results" | awk '{ print $NF }' | median)
t_secs=$(grep -o 'records in [0-9.]*' "$work/tributary.results" | awk '{ print $NF }' | median)
echo
echo "medians of $runs runs, $records records, start-up included:"
echo "  Burrow:    $b_rate records/s ($b_secs s to the last sentinel; $b_full records/s once every group was checked)"
echo "  Tributary: $t_rate records/s ($t_secs s)"
awk -v b="$b_rate" -v t="$t_rate" 'BEGIN { if (b > 0) printf "  Tributary / Burrow: %.1fx\n", t / b }'
