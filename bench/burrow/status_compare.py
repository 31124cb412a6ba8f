#!/usr/bin/env python3
"""Burrow's and Tributary's consumer statuses for the same scripted scenario.

Usage: status_compare.py --build BUILD_DIR [--work DIR] [--markdown FILE]

Starts, each on loopback: the scenario's mock cluster (bench/burrow/health_scenario.cpp,
which says what every group does), ZooKeeper (Burrow needs it), Debian's Burrow
(bench/burrow/burrow-status.toml.in: 10 commits a window, min-distance 1 s,
offsets refreshed every second, evaluations cached 1 s) and `tributary serve`
(health.window = 10, offsets_interval = 1s). Once both answer, the scenario
runs; every second both HTTP APIs are asked for every group's status
(Burrow: GET /v3/kafka/local/consumer/<group>/lag, Tributary: GET
/api/v1/consumers/group:local/<group>), and each change is kept with its time.
The full answers of both at the end are kept in the work directory
(final.json; the directory is removed unless --work is given). At the end it prints, per group, the statuses DESIGN.md §10's rules give, the
final status of each (group, and the set of partition statuses), when each
first reached it, and Burrow's window completeness; --markdown writes the same
table for bench/README.md. Exit 0 when it ran (whatever the statuses), 1 when
a process failed.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

SCENARIO = {
    "scn-healthy": "commits the end offset every round",
    "scn-lagging": "moves 5 records a round while 100 arrive",
    "scn-stopped": "like lagging for 6 rounds, then no commit for 26 s",
    "scn-stalled": "commits the same offset every round while 100 arrive",
    "scn-rewind": "lag 10 for 12 rounds, then back to offset 20, then +30 a round",
    "scn-newcomer": "like lagging, but only in the last 2 rounds",
}
GROUPS = list(SCENARIO)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get_json(port, path):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if resp.status != 200:
            return None
        return json.loads(body)
    except (OSError, http.client.HTTPException, ValueError):
        return None


def burrow_status(port, group):
    """(group status, sorted partition statuses, completeness) or None."""
    doc = get_json(port, "/v3/kafka/local/consumer/%s/lag" % group)
    if not doc or doc.get("error"):
        return None
    st = doc.get("status") or {}
    parts = st.get("partitions") or []
    return (st.get("status"), tuple(sorted({p.get("status") for p in parts})),
            min([p.get("complete", 0) for p in parts] or [0]))


def tributary_status(port, group):
    doc = get_json(port, "/api/v1/consumers/group%%3Alocal%%2F%s" % group)
    if not doc:
        return None
    return (doc.get("status"), tuple(sorted({p.get("status") for p in doc.get("partitions", [])})),
            None)


def wait_line(proc, want, timeout):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if lines[-1].startswith(want):
            return lines
    raise RuntimeError("no '%s' line; got: %s" % (want, lines[-5:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--work")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    scenario_bin = os.path.join(args.build, "bench", "health_scenario")
    tributary_bin = os.path.join(args.build, "tributary")
    work = args.work or tempfile.mkdtemp(prefix="tributary-burrow-status.")
    procs = []

    def start(cmd, log, **kw):
        p = subprocess.Popen(cmd, stdout=open(os.path.join(work, log), "w"),
                             stderr=subprocess.STDOUT, **kw)
        procs.append(p)
        return p

    try:
        scenario = subprocess.Popen([scenario_bin], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True, bufsize=1)
        procs.append(scenario)
        lines = wait_line(scenario, "ready", 60)
        bootstrap = [l.split("=", 1)[1] for l in lines if l.startswith("bootstrap.servers=")][0]

        zk_port = free_port()
        os.makedirs(os.path.join(work, "zk"), exist_ok=True)
        start(["java", "-cp", "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar",
               "org.apache.zookeeper.server.ZooKeeperServerMain", str(zk_port),
               os.path.join(work, "zk")], "zk.log")

        burrow_port = free_port()
        bdir = os.path.join(work, "burrow")
        os.makedirs(bdir, exist_ok=True)
        with open(os.path.join(HERE, "burrow-status.toml.in")) as f:
            conf = f.read()
        for k, v in {"@DIR@": bdir, "@ZK_PORT@": str(zk_port), "@BOOTSTRAP@": bootstrap,
                     "@HTTP_PORT@": str(burrow_port)}.items():
            conf = conf.replace(k, v)
        with open(os.path.join(bdir, "burrow.toml"), "w") as f:
            f.write(conf)

        t_port = free_port()
        tconf = os.path.join(work, "tributary.toml")
        with open(tconf, "w") as f:
            f.write('[service]\ndata_dir = "%s"\nhttp_listen = "127.0.0.1:%d"\n\n'
                    '[[clusters]]\nname = "local"\nbootstrap_servers = "%s"\n\n'
                    '[sources]\nconsumer_offsets = { topic = "__consumer_offsets" }\n\n'
                    '[health]\noffsets_interval = "1s"\nwindow = 10\n'
                    % (os.path.join(work, "tributary-data"), t_port, bootstrap))

        # ZooKeeper first (Burrow exits without it), then both readers.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", zk_port), timeout=1) as s:
                    s.sendall(b"srvr")
                    if b"Mode" in s.recv(1024):
                        break
            except OSError:
                pass
            time.sleep(0.2)
        burrow = start(["/usr/bin/Burrow", "-config-dir", bdir], "burrow.stdout")
        tributary = start([tributary_bin, "serve", "--config", tconf], "tributary.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            b = get_json(burrow_port, "/v3/kafka/local/topic")
            t = get_json(t_port, "/api/v1/consumers")
            if b and "orders" in (b.get("topics") or []) and t is not None:
                break
            for p in (burrow, tributary):
                if p.poll() is not None:
                    raise RuntimeError("%s exited (%d); see %s" % (p.args[0], p.returncode, work))
            time.sleep(0.5)
        else:
            raise RuntimeError("Burrow or Tributary never answered; see " + work)
        time.sleep(2)  # Burrow has fetched the broker offsets of orders

        t0 = time.monotonic()
        scenario.stdin.write("go\n")
        scenario.stdin.flush()
        history = {(who, g): [] for who in ("burrow", "tributary") for g in GROUPS}
        done_at = None
        os.set_blocking(scenario.stdout.fileno(), False)
        expected = {}
        while True:
            now = time.monotonic() - t0
            for g in GROUPS:
                for who, fn, port in (("burrow", burrow_status, burrow_port),
                                      ("tributary", tributary_status, t_port)):
                    st = fn(port, g)
                    h = history[(who, g)]
                    if st is not None and (not h or h[-1][1][:2] != st[:2]):
                        h.append((now, st))
                    elif st is not None:
                        h[-1] = (h[-1][0], st)  # keep the newest completeness
            for line in iter(scenario.stdout.readline, ""):
                line = line.strip()
                if line == "done":
                    done_at = now
                elif line.startswith("expected "):
                    _, g, part, group = line.split()
                    expected[g] = (group, part)
            if done_at is not None and len(expected) == len(GROUPS) and now > done_at + 3:
                # What each reports in full at the end, kept in the work directory.
                raw = {g: {"burrow_offsets": get_json(burrow_port, "/v3/kafka/local/consumer/" + g),
                           "burrow_lag": get_json(burrow_port,
                                                  "/v3/kafka/local/consumer/%s/lag" % g),
                           "tributary": get_json(t_port,
                                                 "/api/v1/consumers/group%%3Alocal%%2F%s" % g)}
                       for g in GROUPS}
                with open(os.path.join(work, "final.json"), "w") as f:
                    json.dump(raw, f, indent=1)
                break
            if now > 180:
                raise RuntimeError("the scenario did not finish in 180 s")
            time.sleep(1)
    except RuntimeError as e:
        print("status_compare: %s" % e, file=sys.stderr)
        return 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()

    def fmt(st):
        if st is None:
            return "(none)"
        return "%s (%s)" % (st[0], ", ".join(s for s in st[1] if s))

    def summary(who, g):
        h = history[(who, g)]
        if not h:
            return "(never reported)", ""
        final = h[-1]
        path = " → ".join("%s@%.0fs" % (st[0], t) for t, st in h)
        return fmt(final[1]), path

    rows = []
    header = ("| group | scenario | DESIGN §10 | Burrow 1.2.1 | Tributary | Burrow over time | "
              "Tributary over time |")
    rows.append(header)
    rows.append("|---|---|---|---|---|---|---|")
    for g in GROUPS:
        b, bpath = summary("burrow", g)
        t, tpath = summary("tributary", g)
        h = history[("burrow", g)]
        complete = h[-1][1][2] if h else None
        if complete is not None:
            b += " complete=%.1f" % complete
        exp = expected.get(g, ("?", "?"))
        rows.append("| %s | %s | %s (%s) | %s | %s | %s | %s |" %
                    (g, SCENARIO[g], exp[0], exp[1], b, t, bpath, tpath))
    text = "\n".join(rows)
    print("scenario done at %.0f s (times are from its start)" % done_at)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
