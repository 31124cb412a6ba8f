#!/usr/bin/python3
"""Lists the longest functions of the product (src/, graph/, notifiers/) by line count.

Uses clang-tidy's readability-function-size check on the build's compile_commands.json,
so the figures are clang's own function extents (including comments and blank lines).

  tools/function_sizes.py BUILD_DIR [--top N] [--max LINES]

Prints the N largest (default 10); with --max, exits 1 when any function is longer.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRODUCT_DIRS = ("src/", "graph/", "notifiers/")
FINDING = re.compile(r"^(.*?):(\d+):\d+: warning: function '([^']*)' exceeds")
LINES = re.compile(r"note: (\d+) lines including whitespace and comments")


def product_files(build_dir):
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        entries = json.load(f)
    files = set()
    for e in entries:
        rel = os.path.relpath(e["file"], ROOT)
        if rel.startswith(PRODUCT_DIRS) and rel.endswith(".cpp"):
            files.add(e["file"])
    return sorted(files)


def sizes_of(build_dir, path, threshold):
    out = subprocess.run(
        ["clang-tidy", "-p", build_dir, "--quiet",
         "--checks=-*,readability-function-size",
         "--config={CheckOptions: [{key: readability-function-size.LineThreshold, value: %d}]}" % threshold,
         path], capture_output=True, text=True).stdout
    found, pending = [], None
    for line in out.splitlines():
        m = FINDING.match(line)
        if m:
            pending = (os.path.relpath(m.group(1), ROOT), int(m.group(2)), m.group(3))
            continue
        m = LINES.search(line)
        if m and pending:
            if pending[0].startswith(PRODUCT_DIRS):
                found.append((int(m.group(1)),) + pending)
            pending = None
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--max", type=int)
    args = ap.parse_args()
    threshold = min(60, args.max or 60)
    results = set()
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for found in pool.map(lambda p: sizes_of(args.build_dir, p, threshold),
                              product_files(args.build_dir)):
            results.update(found)
    ranked = sorted(results, reverse=True)
    for lines, path, line, name in ranked[:args.top]:
        print(f"{lines:5d}  {name}  ({path}:{line})")
    if args.max is not None:
        over = [r for r in ranked if r[0] > args.max]
        if over:
            print(f"{len(over)} function(s) longer than {args.max} lines", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
