#!/usr/bin/python3
"""Side-by-side figures of `bench/run.sh` outputs of two builds, run alternately.

  bench/compare.py --a base-1.txt base-2.txt ... --b change-1.txt change-2.txt ...

Prints each figure's median over the runs of A and of B, and B's change against
A in percent, marked where it is worse by more than 5%. Higher is better unless
the figure is a time or a latency.
"""
import argparse
import re
import statistics

# (name, regex with one group, higher is better)
FIGURES = [
    ("event log append (events/s)", r"append \(synchronous=FULL.*median (\d+) events/s", True),
    ("event log replay (events/s)", r"replay \(read \+ decode.*median (\d+) events/s", True),
    ("__consumer_offsets decode (M records/s)", r"median of 5 runs: ([\d.]+)M records/s", True),
    ("decode + fold (records/s)", r"decode \+ fold in memory.*median (\d+) records/s", True),
    ("ingest end to end (records/s)", r"end to end \(consume.*?: (\d+) records/s", True),
    ("graph load (events/s)", r"^load: [\d.]+ s \((\d+) events/s\)", True),
    ("graph publish p50 (us)", r"publish after each.*p50 (\d+) us", False),
    ("lineage random nodes p99 (us)", r"random nodes, now depth 3: p50 [\d.]+ us, p99 ([\d.]+) us", False),
    ("lineage random topics p99 (us)", r"random topics, now depth 3: p50 [\d.]+ us, p99 ([\d.]+) us", False),
    ("lineage at mid-load p99 (us)", r"at mid-load depth 3: p50 [\d.]+ us, p99 ([\d.]+) us", False),
    ("impact of hub p50 (ms)", r"impact of hub.*p50 ([\d.]+) ms", False),
    ("breaking change decision (ms)", r"breaking change, 10000 consumers.*median ([\d.]+) ms", False),
    ("route + render 10k intents (ms)", r"route \+ render \+ commit 10000 intents: median (\d+) ms", False),
    ("webhook delivery (messages/s)", r"delivery to a local webhook.*median (\d+) messages/s", True),
    ("HTTP lineage (requests/s)", r"Requests/sec:\s+([\d.]+)", True),
    ("Avro check (checks/s)", r"tributary check:\s+(\d+) checks/s", True),
    ("Avro parse + check (checks/s)", r"tributary parse \+ check:\s+(\d+) checks/s", True),
]


def figures(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    out = {}
    for name, pattern, _ in FIGURES:
        m = re.search(pattern, text, re.M)
        if m:
            out[name] = float(m.group(1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", nargs="+", required=True)
    ap.add_argument("--b", nargs="+", required=True)
    args = ap.parse_args()
    a = [figures(p) for p in args.a]
    b = [figures(p) for p in args.b]
    print(f"{'figure':42} {'A median':>12} {'B median':>12} {'B vs A':>8}")
    worse = 0
    for name, _, higher in FIGURES:
        va = [f[name] for f in a if name in f]
        vb = [f[name] for f in b if name in f]
        if not va or not vb:
            continue
        ma, mb = statistics.median(va), statistics.median(vb)
        change = (mb - ma) / ma * 100 if ma else 0.0
        bad = (change < -5) if higher else (change > 5)
        worse += bad
        print(f"{name:42} {ma:12.1f} {mb:12.1f} {change:+7.1f}%{'  <-- worse' if bad else ''}")
    print(f"runs: A {len(a)}, B {len(b)}; {worse} figure(s) worse by more than 5%")


if __name__ == "__main__":
    main()
