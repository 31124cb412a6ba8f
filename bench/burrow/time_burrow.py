#!/usr/bin/env python3
"""Starts Burrow and times it until its HTTP API reports the pre-loaded backlog.

Usage: time_burrow.py --config-dir D --http-port P --records N [--timeout S]

The backlog is ingest_bench's (bench/ingest_bench.cpp, CommitRecord): record i
commits offset 1000000 + i for group svc-(i % 10000)-consumer on topic
domain.events.v1-(group % 100), partition (i / 10000) % 12, into
__consumer_offsets partition i % 50.

"Ingested" (the clock stops at the first of these checks that passes, the clock
starting just before Burrow is executed):
  1. sentinels: for each of the 50 __consumer_offsets partitions, the group whose
     commit is the partition's last record shows that commit as its newest offset
     in GET /v3/kafka/local/consumer/<group> (polled every 100 ms). Burrow reads
     each partition in order and hands records to its storage over unbuffered
     channels, so by then every record has been handed to storage;
  2. then, in full: GET /v3/kafka/local/consumer lists all 10,000 groups, and for
     every group and every partition it committed, the newest offset Burrow reports
     is the last one committed in the backlog. Groups found not yet final are
     checked again until they are; the time of the check that confirms the last
     group is the "full" time.
Prints one line of key=value pairs. Exits non-zero if Burrow dies or times out.
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import time

GROUPS = 10000
TOPICS = 100
PARTITIONS = 12
OFFSETS_PARTITIONS = 50


def expected_offsets(records):
    """{group name: {(topic, partition): final offset}}."""
    final = {}
    for g in range(min(GROUPS, records)):
        parts = {}
        rounds = (records - 1 - g) // GROUPS  # last k with k*GROUPS + g < records
        for k in range(rounds, max(-1, rounds - PARTITIONS), -1):
            p = k % PARTITIONS
            parts.setdefault(("domain.events.v1-%d" % (g % TOPICS), p), 1000000 + k * GROUPS + g)
        final["svc-%d-consumer" % g] = parts
    return final


def sentinels(records):
    """The group of the last record of each __consumer_offsets partition."""
    out = set()
    for q in range(min(OFFSETS_PARTITIONS, records)):
        i = records - 1 - ((records - 1 - q) % OFFSETS_PARTITIONS)
        out.add("svc-%d-consumer" % (i % GROUPS))
    return out


class Api:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def get(self, path):
        for _ in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.conn.request("GET", path)
                resp = self.conn.getresponse()
                body = resp.read()
                return resp.status, body
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
        return None, b""


def is_final(api, group, parts):
    status, body = api.get("/v3/kafka/local/consumer/" + group)
    if status != 200:
        return False
    try:
        topics = json.loads(body).get("topics") or {}
    except ValueError:
        return False
    for (topic, partition), offset in parts.items():
        plist = topics.get(topic) or []
        if partition >= len(plist) or plist[partition] is None:
            return False
        newest = [o for o in (plist[partition].get("offsets") or []) if o is not None]
        if not newest or newest[-1].get("offset") != offset:
            return False
    return True


def describe(api, group, parts):
    """What Burrow reports for `group` against what is expected, for errors."""
    status, body = api.get("/v3/kafka/local/consumer/" + group)
    if status != 200:
        return "%s: HTTP %s %s" % (group, status, body[:200])
    topics = json.loads(body).get("topics") or {}
    diffs = []
    for (topic, partition), offset in sorted(parts.items()):
        plist = topics.get(topic) or []
        got = None
        if partition < len(plist) and plist[partition] is not None:
            newest = [o for o in (plist[partition].get("offsets") or []) if o is not None]
            got = newest[-1].get("offset") if newest else None
        if got != offset:
            diffs.append("%s/%d newest %s, expected %d" % (topic, partition, got, offset))
    return "%s: %s" % (group, "; ".join(diffs) or "final now")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config-dir", required=True)
    ap.add_argument("--http-port", type=int, required=True)
    ap.add_argument("--records", type=int, default=2000000)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()

    final = expected_offsets(args.records)
    watch = sentinels(args.records)
    api = Api(args.http_port)
    out = open(os.path.join(args.config_dir, "burrow.stdout"), "w")

    start = time.monotonic()
    burrow = subprocess.Popen(["/usr/bin/Burrow", "-config-dir", args.config_dir],
                              stdout=out, stderr=subprocess.STDOUT)
    t_sentinel = t_full = None
    cpu_sentinel = None
    pending, listed = [], set()
    try:
        while True:
            if burrow.poll() is not None:
                print("time_burrow: Burrow exited with status %d" % burrow.returncode,
                      file=sys.stderr)
                return 1
            if time.monotonic() - start > args.timeout:
                if t_sentinel is None:
                    print("time_burrow: the sentinel groups are not final after %.0f s" %
                          args.timeout, file=sys.stderr)
                else:
                    print("time_burrow: sentinels final after %.2f s, but after %.0f s %d "
                          "groups are not (listed: %d); first: %s" %
                          (t_sentinel, args.timeout, len(pending), len(listed),
                           describe(api, pending[0], final[pending[0]])), file=sys.stderr)
                return 1
            if t_sentinel is None:
                if all(is_final(api, g, final[g]) for g in watch):
                    t_sentinel = time.monotonic() - start
                    cpu_sentinel = cpu_seconds(burrow.pid)
                    pending = sorted(final)
                else:
                    time.sleep(0.1)
                continue
            status, body = api.get("/v3/kafka/local/consumer")
            listed = set(json.loads(body).get("consumers") or []) if status == 200 else set()
            pending = [g for g in pending if not (g in listed and is_final(api, g, final[g]))]
            if not pending:
                t_full = time.monotonic() - start
                break
            time.sleep(0.1)
    finally:
        if burrow.poll() is None:
            burrow.send_signal(signal.SIGTERM)
            try:
                burrow.wait(timeout=10)
            except subprocess.TimeoutExpired:
                burrow.kill()
                burrow.wait()
    print("burrow records=%d groups=%d sentinel_s=%.2f full_s=%.2f records_per_s=%.0f "
          "records_per_s_full=%.0f cpu_s=%.2f" %
          (args.records, len(final), t_sentinel, t_full, args.records / t_sentinel,
           args.records / t_full, cpu_sentinel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
