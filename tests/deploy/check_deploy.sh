#!/usr/bin/env bash
# Offline checks of deploy/: what can be validated on a Debian 12 machine
# without network access or a Docker daemon.
#
#   tests/deploy/check_deploy.sh build/tributary
#
# - every YAML file under deploy/ parses (python3-yaml; skipped without it);
# - docker-compose.yml: build context, Dockerfile and bind-mounted files exist,
#   depends_on names services with the right healthchecks; three replicas
#   tributary-0/1/2, each with the config mounted where the image's CMD reads
#   it, every *_env variable the config names, its own replica id
#   (TRIBUTARY_SERVICE_REPLICA_ID), volume at data_dir and host port;
#   kafka-init creates the events and commands topics with one partition (the
#   events kept forever) and is valid bash; `docker compose config` if present;
# - every Tributary config in deploy/ (the example, the example with its
#   [replication] section and replica keys uncommented, compose/tributary.toml
#   and the one inside k8s/configmap.yaml) passes `tributary serve
#   --check-config` with an empty environment (unset *_env variables are
#   warnings, printed); the example documents every key the validator reads in
#   [replication] and the replica keys of [service]; the compose and k8s configs
#   have [replication] and leave the replica id to the environment;
# - k8s/: kustomization resources exist, the StatefulSet mounts the ConfigMap
#   and Secret that exist under the names it uses, the Secret provides every
#   *_env variable of the config, probes, several replicas only with
#   [replication], the replica id from the pod name, each pod's data_dir on a
#   PVC of its own, a headless governing Service and a load-balanced one, a
#   PodDisruptionBudget (maxUnavailable 1) over the pods, the kafka-topics.sh
#   commands in configmap.yaml create the two topics the config names,
#   non-root read-only root FS; `kubectl kustomize` if present;
# - systemd/tributary.service passes `systemd-analyze verify` (with ExecStart
#   pointed at the given binary) and the sysusers entry parses;
# - Dockerfile: the runtime stage's packages exist (`apt-cache show`) and
#   provide every shared library the binary needs (readelf NEEDED -> dpkg -S).
# Exits 1 if any check fails.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PATH/TO/tributary" >&2
  exit 2
fi
bin=$(realpath "$1")
if [[ ! -x "$bin" ]]; then
  echo "$0: $1 is not an executable" >&2
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deploy="$root/deploy"
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
ok() { echo "ok    $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
skip() { echo "skip  $*"; skipped=$((skipped + 1)); }
note() { echo "      $*"; }
section() { echo; echo "== $*"; }

# Runs python that prints "ok|text", "fail|text", "skip|text" or "note|text" lines.
py_checks() {
  local out line kind text
  if ! out=$("$py" - "$@" 2>&1); then
    fail "python check crashed: $out"
    return
  fi
  while IFS= read -r line; do
    kind=${line%%|*}
    text=${line#*|}
    case "$kind" in
      ok) ok "$text" ;;
      fail) fail "$text" ;;
      skip) skip "$text" ;;
      *) note "$text" ;;
    esac
  done <<<"$out"
}

have_yaml=0
if [[ -x "$py" ]] && "$py" -c 'import yaml' 2>/dev/null; then
  have_yaml=1
fi

cd "$root"
echo "checking deploy/ in $root with $bin"

# ---------------------------------------------------------------- YAML
section "YAML syntax"
mapfile -t yamls < <(find deploy -type f \( -name '*.yml' -o -name '*.yaml' \) | sort)
if [[ $have_yaml -eq 0 ]]; then
  skip "python3-yaml is not installed (apt-get install python3-yaml): ${#yamls[@]} YAML files not parsed"
else
  for f in "${yamls[@]}"; do
    py_checks "$f" <<'EOF'
import sys, yaml
f = sys.argv[1]
try:
    with open(f) as fh:
        docs = [d for d in yaml.safe_load_all(fh) if d is not None]
    print(f"ok|{f} parses ({len(docs)} document{'s' if len(docs) != 1 else ''})")
except yaml.YAMLError as e:
    print(f"fail|{f}: {e}".replace("\n", " "))
EOF
  done
fi

# ---------------------------------------------------------------- configs
section "Tributary configs (serve --check-config, empty environment)"
check_config() {
  local file=$1 label=$2 out rc=0
  out=$(env -i PATH=/usr/bin:/bin "$bin" serve --config "$file" --check-config 2>&1) || rc=$?
  if [[ $rc -eq 0 ]]; then
    ok "$label: $(grep -m1 -o 'configuration is valid.*' <<<"$out")"
    while IFS= read -r line; do
      [[ -n "$line" ]] && note "$line (unset here: expected)"
    done < <(grep '^warning:' <<<"$out" | sed "s#$file#$label#" || true)
  else
    fail "$label: --check-config exited $rc"
    while IFS= read -r line; do note "$line"; done <<<"$out"
  fi
}
check_config deploy/tributary.example.toml deploy/tributary.example.toml
# The example with its commented [replication] block (from "# [replication]"
# to the next blank line) and "# replica_id =" / "# write_timeout =" uncommented.
awk '
  /^# \[replication\]/ { block = 1 }
  /^$/ { block = 0 }
  block || /^# (replica_id|write_timeout) = / { sub(/^# /, "") }
  { print }
' deploy/tributary.example.toml >"$tmp/example-replicated.toml"
check_config "$tmp/example-replicated.toml" "deploy/tributary.example.toml with [replication] uncommented"
check_config deploy/compose/tributary.toml deploy/compose/tributary.toml
if [[ $have_yaml -eq 1 ]]; then
  if "$py" - deploy/k8s/configmap.yaml "$tmp/k8s-tributary.toml" <<'EOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
cm = next(d for d in docs if d and d.get("kind") == "ConfigMap")
open(sys.argv[2], "w").write(cm["data"]["tributary.toml"])
EOF
  then
    check_config "$tmp/k8s-tributary.toml" "deploy/k8s/configmap.yaml[tributary.toml]"
  else
    fail "deploy/k8s/configmap.yaml has no ConfigMap with a tributary.toml key"
  fi
else
  skip "the config inside deploy/k8s/configmap.yaml (needs python3-yaml)"
fi
# What the configs say about replication, against the keys config.cpp reads.
py_checks src/app/config.cpp src/app/config.h deploy/tributary.example.toml \
  "$tmp/example-replicated.toml" deploy/compose/tributary.toml "$tmp/k8s-tributary.toml" <<'EOF'
import os, re, sys, tomllib
source, header, example, replicated, compose, k8s = sys.argv[1:7]
text = open(source).read()
def defaults(struct):
    """Member defaults of a struct in config.h: strings, and durations in seconds as "Ns"."""
    m = re.search(r"\nstruct " + struct + r" \{(.*?)\n\};", open(header).read(), re.S)
    out = {}
    for name, value in re.findall(r"\s(\w+) = ([^;]+);", m.group(1) if m else ""):
        if value.startswith('"'):
            out[name] = value.strip('"')
        elif (d := re.fullmatch(r"std::chrono::seconds\((\d+)\)", value)):
            out[name] = d.group(1) + "s"
    return out
def keys_read(function):
    m = re.search(r"\nvoid " + function + r"\(.*?\n}\n", text, re.S)
    return re.findall(r'\br\.\w+\("(\w+)"', m.group(0)) if m else []
rep_keys = keys_read("ValidateReplication")
print(("ok" if rep_keys else "fail") + f"|config.cpp ValidateReplication reads {rep_keys}")
svc_keys = [k for k in keys_read("ValidateService") if k in ("replica_id", "write_timeout")]
print(("ok" if len(svc_keys) == 2 else "fail") + f"|config.cpp ValidateService reads {svc_keys}")
plain = tomllib.load(open(example, "rb"))
print(("ok" if "replication" not in plain else "fail") + "|the example leaves [replication] commented (one node by default)")
cfg = tomllib.load(open(replicated, "rb"))
rep = cfg.get("replication", {})
missing = [k for k in rep_keys if k not in rep]
print(("ok" if rep_keys and not missing else "fail") + f"|the example's [replication] shows every key ({', '.join(rep_keys)})" + (f"; missing {missing}" if missing else ""))
missing = [k for k in svc_keys if k not in cfg.get("service", {})]
print(("ok" if svc_keys and not missing else "fail") + "|the example's [service] shows replica_id and write_timeout" + (f"; missing {missing}" if missing else ""))
# "The values below are the defaults": config.h's, and the first cluster.
want = defaults("ReplicationConfig")
want["cluster"] = cfg["clusters"][0]["name"]
differ = {k: (rep.get(k), v) for k, v in want.items() if k in rep_keys and rep.get(k) != v}
print(("ok" if len(want) > 1 and not differ else "fail") + f"|the example's [replication] values are the defaults {want}" + (f"; differ (example, default): {differ}" if differ else ""))
wt = defaults("ServiceConfig").get("write_timeout")
print(("ok" if wt and cfg["service"].get("write_timeout") == wt else "fail") + f"|the example's write_timeout is the default ({wt})")
for label, f in (("deploy/compose/tributary.toml", compose), ("deploy/k8s/configmap.yaml[tributary.toml]", k8s)):
    if not os.path.isfile(f):
        print(f"skip|{label}: not extracted")
        continue
    c = tomllib.load(open(f, "rb"))
    print(("ok" if "replication" in c else "fail") + f"|{label} has [replication]")
    print(("ok" if "replica_id" not in c.get("service", {}) else "fail") + f"|{label} leaves service.replica_id to TRIBUTARY_SERVICE_REPLICA_ID (one file, several replicas)")
EOF

# ---------------------------------------------------------------- compose
section "docker-compose.yml"
if [[ $have_yaml -eq 1 ]]; then
  py_checks deploy/docker-compose.yml deploy/Dockerfile "$bin" <<'EOF'
import os, re, subprocess, sys, tomllib, yaml
compose_file, dockerfile, binary = sys.argv[1], sys.argv[2], sys.argv[3]
base = os.path.dirname(compose_file)
c = yaml.safe_load(open(compose_file))
services = c.get("services", {})
declared_volumes = set((c.get("volumes") or {}).keys())
replicas = ["tributary-0", "tributary-1", "tributary-2"]
for want in ["kafka", "kafka-init", "schema-registry", "mailpit"] + replicas:
    print(("ok" if want in services else "fail") + f"|service {want} is defined")
others = sorted(n for n in services if n.startswith("tributary") and n not in replicas)
print(("ok" if not others else "fail") + f"|no other Tributary service besides the replicas {others}")
for name, s in services.items():
    b = s.get("build")
    if b:
        ctx = os.path.normpath(os.path.join(base, b["context"] if isinstance(b, dict) else b))
        df = os.path.join(ctx, b.get("dockerfile", "Dockerfile")) if isinstance(b, dict) else os.path.join(ctx, "Dockerfile")
        print(("ok" if os.path.isdir(ctx) else "fail") + f"|{name}: build context {os.path.relpath(ctx)} exists")
        print(("ok" if os.path.isfile(df) else "fail") + f"|{name}: build dockerfile {os.path.relpath(df)} exists")
    for v in s.get("volumes", []) or []:
        src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
        if src.startswith((".", "/")):
            p = os.path.normpath(os.path.join(base, src))
            print(("ok" if os.path.exists(p) else "fail") + f"|{name}: mounted {os.path.relpath(p)} exists")
        elif src:
            print(("ok" if src in declared_volumes else "fail") + f"|{name}: named volume {src} is declared")
    for f in (s.get("env_file") or []) if isinstance(s.get("env_file"), list) else ([s["env_file"]] if s.get("env_file") else []):
        p = os.path.normpath(os.path.join(base, f if isinstance(f, str) else f["path"]))
        print(("ok" if os.path.isfile(p) else "fail") + f"|{name}: env_file {os.path.relpath(p)} exists")
    deps = s.get("depends_on") or {}
    if isinstance(deps, list):
        deps = {d: {"condition": "service_started"} for d in deps}
    for d, spec in deps.items():
        cond = (spec or {}).get("condition", "service_started")
        good = d in services and cond in ("service_started", "service_healthy", "service_completed_successfully")
        if good and cond == "service_healthy":
            # a healthcheck in compose, or the image's own (our Dockerfile has one)
            good = "healthcheck" in services[d] or "build" in services[d]
        print(("ok" if good else "fail") + f"|{name} depends on {d} ({cond})")
# The config is mounted where the image's CMD reads it.
cmd = re.search(r'^CMD\s+(\[.*\])', open(dockerfile).read(), re.M)
cmd_config = None
if cmd:
    import json
    args = json.loads(cmd.group(1))
    if "--config" in args:
        cmd_config = args[args.index("--config") + 1]
def named_env(cfg):
    named = set()
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k.endswith("_env") and isinstance(v, str):
                    named.add(v)
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(cfg)
    return named
configs, data_volumes, host_ports, ids = set(), {}, {}, {}
cfg = None
for name in replicas:
    t = services.get(name, {})
    mounts = {}
    for v in t.get("volumes", []):
        parts = v.split(":")
        if len(parts) >= 2:
            mounts[parts[1]] = parts[0]
    src = mounts.get(cmd_config)
    print(("ok" if src else "fail") + f"|{name}: a file is mounted at {cmd_config} (the Dockerfile CMD's --config): {src}")
    if not (src and os.path.isfile(os.path.join(base, src))):
        continue
    configs.add(os.path.normpath(os.path.join(base, src)))
    cfg = tomllib.load(open(os.path.join(base, src), "rb"))
    env = t.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    for var in sorted(named_env(cfg)):
        print(("ok" if var in env else "fail") + f"|{name}: {var} (named by the config) is passed in environment:")
    ids[name] = env.get("TRIBUTARY_SERVICE_REPLICA_ID")
    print(("ok" if ids[name] == name else "fail") + f"|{name}: TRIBUTARY_SERVICE_REPLICA_ID={ids[name]}")
    svc = cfg.get("service", {})
    data = mounts.get(svc.get("data_dir"))
    data_volumes[name] = data
    print(("ok" if data in declared_volumes else "fail") + f"|{name}: data_dir {svc.get('data_dir')} is the named volume {data}")
    ports = [str(p).rsplit(":", 1) for p in t.get("ports", [])]
    listen_port = svc.get("http_listen", "").rsplit(":", 1)[-1]
    published = [p[0].split(":")[-1] for p in ports if len(p) == 2 and p[1] == listen_port]
    host_ports[name] = published[0] if published else None
    print(("ok" if published else "fail") + f"|{name}: the HTTP port {listen_port} is published on the host at {host_ports[name]}")
    deps = t.get("depends_on") or {}
    print(("ok" if isinstance(deps, dict) and (deps.get("kafka-init") or {}).get("condition") == "service_completed_successfully" else "fail") + f"|{name} starts once kafka-init created the topics")
    # The config as this replica sees it, its environment's overrides applied.
    run_env = {"PATH": "/usr/bin:/bin"}
    run_env.update({k: str(v) for k, v in env.items() if k.startswith("TRIBUTARY_") and v is not None})
    r = subprocess.run([binary, "serve", "--config", os.path.join(base, src), "--check-config"], env=run_env, capture_output=True, text=True)
    print(("ok" if r.returncode == 0 else "fail") + f"|{name}: --check-config with its TRIBUTARY_* environment exits {r.returncode}" + ("" if r.returncode == 0 else ": " + (r.stdout + r.stderr).replace("\n", " ")))
print(("ok" if len(configs) == 1 else "fail") + f"|the replicas share one config ({len(configs)})")
for what, d in (("replica id", ids), ("data volume", data_volumes), ("host port", host_ports)):
    values = [v for v in d.values() if v]
    print(("ok" if len(values) == len(replicas) and len(set(values)) == len(values) else "fail") + f"|each replica has its own {what}: {d}")
if cfg is not None:
    svc = cfg.get("service", {})
    print(("ok" if svc.get("http_listen", "").startswith("0.0.0.0:") else "fail") + f"|compose config listens on all interfaces ({svc.get('http_listen')})")
    hosts = cfg.get("notifications", {}).get("allow_hosts", [])
    print(("ok" if set(hosts) <= set(services) else "fail") + f"|allow_hosts {hosts} are compose services")
    rep = cfg.get("replication")
    print(("ok" if rep is not None else "fail") + "|compose config has [replication]")
    rep = rep or {}
    cluster = next((c for c in cfg.get("clusters", []) if c.get("name") == rep.get("cluster", cfg.get("clusters", [{}])[0].get("name"))), {})
    brokers = [b.rsplit(":", 1)[0] for b in cluster.get("bootstrap_servers", "").split(",") if b]
    print(("ok" if brokers and set(brokers) <= set(services) else "fail") + f"|the replication cluster's brokers {brokers} are compose services")
    # kafka-init creates both topics: one partition, the events kept forever.
    script = services.get("kafka-init", {}).get("command", "")
    script = "\n".join(script) if isinstance(script, list) else script
    script = script.replace("$$", "$")
    r = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    print(("ok" if r.returncode == 0 else "fail") + "|kafka-init's command is valid bash" + ("" if r.returncode == 0 else ": " + r.stderr.strip()))
    creates = "--create" in script and "kafka-topics.sh" in script
    for topic, extra in ((rep.get("events_topic", "tributary.events"), ["retention.ms=-1"]), (rep.get("commands_topic", "tributary.commands"), [])):
        line = next((l for l in script.splitlines() if re.search(r"--topic\s+" + re.escape(topic) + r"(\s|$)", l)), "")
        good = creates and re.search(r"--partitions\s+1(\s|$)", line) and all(e in line for e in extra)
        print(("ok" if good else "fail") + f"|kafka-init creates {topic} with 1 partition" + (" and " + ", ".join(extra) if extra else "") + f": {line.strip()}")
EOF
  if docker compose version >/dev/null 2>&1; then
    if out=$(docker compose -f deploy/docker-compose.yml config -q 2>&1); then
      ok "docker compose config accepts deploy/docker-compose.yml"
    else
      fail "docker compose config: $out"
    fi
  else
    skip "docker compose config (the compose plugin is not installed)"
  fi
else
  skip "docker-compose.yml structure (needs python3-yaml)"
fi

# ---------------------------------------------------------------- k8s
section "k8s/"
if [[ $have_yaml -eq 1 ]]; then
  py_checks deploy/k8s "$tmp/k8s-tributary.toml" <<'EOF'
import os, sys, tomllib, yaml
d, cfg_file = sys.argv[1], sys.argv[2]
k = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
docs = []
for r in k.get("resources", []):
    p = os.path.join(d, r)
    exists = os.path.isfile(p)
    print(("ok" if exists else "fail") + f"|kustomization resource {r} exists")
    if exists:
        docs += [x for x in yaml.safe_load_all(open(p)) if x]
for x in docs:
    if "namespace" in x.get("metadata", {}):
        print(f"fail|{x['kind']}/{x['metadata']['name']} sets a namespace (the manifests are namespace-less)")
by = {(x["kind"], x["metadata"]["name"]): x for x in docs}
sts = [x for x in docs if x["kind"] == "StatefulSet"]
print(("ok" if len(sts) == 1 else "fail") + "|one StatefulSet")
if not sts:
    sys.exit(0)
s = sts[0]
spec = s["spec"]
print(("ok" if ("Service", spec.get("serviceName")) in by else "fail") + f"|serviceName {spec.get('serviceName')} is a Service")
governing = by.get(("Service", spec.get("serviceName")), {})
print(("ok" if governing.get("spec", {}).get("clusterIP") == "None" else "fail") + f"|serviceName {spec.get('serviceName')} is headless (clusterIP: None)")
balanced = [n for (k, n), x in by.items() if k == "Service" and x["spec"].get("clusterIP") != "None"]
print(("ok" if balanced else "fail") + f"|a load-balanced Service for reads across the replicas: {balanced}")
pod = spec["template"]["spec"]
c = pod["containers"][0]
args = c.get("args", [])
config_path = args[args.index("--config") + 1] if "--config" in args else None
vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
cfg_mount = next((m for m in c["volumeMounts"] if config_path and config_path.startswith(m["mountPath"].rstrip("/") + "/")), None)
good = False
if cfg_mount and cfg_mount["name"] in vols and "configMap" in vols[cfg_mount["name"]]:
    cm_name = vols[cfg_mount["name"]]["configMap"]["name"]
    cm = by.get(("ConfigMap", cm_name))
    key = os.path.relpath(config_path, cfg_mount["mountPath"])
    items = vols[cfg_mount["name"]]["configMap"].get("items")
    if items:
        key = next((i["key"] for i in items if i["path"] == key), None)
    good = cm is not None and key in cm.get("data", {})
print(("ok" if good else "fail") + f"|--config {config_path} is a key of a ConfigMap in the kustomization")
sel = spec["selector"]["matchLabels"]
labels = spec["template"]["metadata"]["labels"]
print(("ok" if all(labels.get(k) == v for k, v in sel.items()) else "fail") + "|selector matches the pod labels")
for kind_name, x in by.items():
    if kind_name[0] == "Service":
        ssel = x["spec"].get("selector", {})
        print(("ok" if ssel and all(labels.get(k) == v for k, v in ssel.items()) else "fail") + f"|Service {kind_name[1]} selects the pod")
        print(("ok" if any(p.get("port") == 8080 for p in x["spec"]["ports"]) else "fail") + f"|Service {kind_name[1]} serves port 8080")
secret_names = [e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e]
for n in secret_names:
    print(("ok" if ("Secret", n) in by else "fail") + f"|envFrom Secret {n} is in the kustomization")
provided = set()
for n in secret_names:
    sec = by.get(("Secret", n), {})
    provided |= set((sec.get("stringData") or {}).keys()) | set((sec.get("data") or {}).keys())
cfg = tomllib.load(open(cfg_file, "rb"))
named = set()
def walk(x):
    if isinstance(x, dict):
        for kk, v in x.items():
            if kk.endswith("_env") and isinstance(v, str):
                named.add(v)
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(cfg)
for var in sorted(named):
    print(("ok" if var in provided else "fail") + f"|{var} (named by the config) is a key of the Secret")
svc = cfg.get("service", {})
data_mount = mounts.get(svc.get("data_dir"))
print(("ok" if data_mount and any(t["metadata"]["name"] == data_mount["name"] for t in spec.get("volumeClaimTemplates", [])) else "fail") + f"|data_dir {svc.get('data_dir')} is a PersistentVolumeClaim of each pod's own (volumeClaimTemplates)")
print(("ok" if data_mount and data_mount["name"] not in vols else "fail") + "|no pod volume shadows the data claim")
# Replication: several pods are one service only with [replication]; without
# it each would ingest everything and send every notification.
replicas = spec.get("replicas", 1)
rep = cfg.get("replication")
print(("ok" if replicas >= 2 and rep is not None else "fail") + f"|replicas: {replicas}, with [replication] in the config ({'present' if rep is not None else 'absent'})")
env = {e["name"]: e for e in c.get("env", [])}
field = env.get("TRIBUTARY_SERVICE_REPLICA_ID", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
print(("ok" if field == "metadata.name" else "fail") + f"|TRIBUTARY_SERVICE_REPLICA_ID comes from the pod name (fieldRef {field})")
pdbs = [x for x in docs if x["kind"] == "PodDisruptionBudget"]
print(("ok" if len(pdbs) == 1 else "fail") + f"|one PodDisruptionBudget in the kustomization ({len(pdbs)})")
for pdb in pdbs:
    ps = pdb["spec"]
    print(("ok" if pdb.get("apiVersion") == "policy/v1" else "fail") + f"|PodDisruptionBudget {pdb['metadata']['name']}: apiVersion {pdb.get('apiVersion')}")
    print(("ok" if ps.get("maxUnavailable") == 1 and "minAvailable" not in ps else "fail") + f"|PodDisruptionBudget {pdb['metadata']['name']}: maxUnavailable {ps.get('maxUnavailable')} of {replicas} replicas")
    psel = ps.get("selector", {}).get("matchLabels", {})
    print(("ok" if psel and all(labels.get(k) == v for k, v in psel.items()) else "fail") + f"|PodDisruptionBudget {pdb['metadata']['name']} selects the pods")
# The topics: configmap.yaml's comments say how to create the ones the config names.
import re
comment = "\n".join(l[1:] for l in open(os.path.join(d, "configmap.yaml")).read().splitlines() if l.startswith("#"))
commands = [c for c in re.sub(r"\\\n", " ", comment).splitlines() if "kafka-topics.sh" in c and "--create" in c]
rep = rep or {}
for topic, extra in ((rep.get("events_topic", "tributary.events"), ["retention.ms=-1"]), (rep.get("commands_topic", "tributary.commands"), [])):
    line = next((l for l in commands if re.search(r"--topic\s+" + re.escape(topic) + r"(\s|$)", l)), "")
    good = re.search(r"--partitions\s+1(\s|$)", line) and re.search(r"--replication-factor\s+3(\s|$)", line) and all(e in line for e in extra)
    print(("ok" if good else "fail") + f"|configmap.yaml says how to create {topic}: 1 partition, replication factor 3" + (", " + ", ".join(extra) if extra else "") + ("" if line else " (no kafka-topics.sh --create line)"))
print(("ok" if svc.get("http_listen", "").startswith("0.0.0.0:") else "fail") + f"|config listens on all interfaces ({svc.get('http_listen')})")
print(("ok" if cfg.get("auth", {}).get("anonymous_read") is False else "fail") + "|config sets anonymous_read = false")
probes = {p: c.get(p, {}).get("httpGet", {}).get("path") for p in ("readinessProbe", "livenessProbe")}
print(("ok" if probes == {"readinessProbe": "/readyz", "livenessProbe": "/healthz"} else "fail") + f"|probes {probes}")
sc = c.get("securityContext", {})
psc = pod.get("securityContext", {})
print(("ok" if sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False and psc.get("runAsNonRoot") is True else "fail") + "|non-root, read-only root filesystem, no privilege escalation")
res = c.get("resources", {})
print(("ok" if res.get("requests") and res.get("limits") else "fail") + f"|resources {res}")
EOF
  if kubectl version --client >/dev/null 2>&1; then
    if out=$(kubectl kustomize deploy/k8s 2>&1); then
      ok "kubectl kustomize deploy/k8s renders $(grep -c '^kind:' <<<"$out") objects ($(grep '^kind:' <<<"$out" | cut -d' ' -f2 | sort | tr '\n' ' ' | sed 's/ $//'))"
    else
      fail "kubectl kustomize deploy/k8s: $out"
    fi
  else
    skip "kubectl kustomize (kubectl is not installed)"
  fi
else
  skip "k8s/ structure (needs python3-yaml)"
fi

# ---------------------------------------------------------------- systemd
section "systemd/"
unit=deploy/systemd/tributary.service
if grep -qx 'ExecStart=/usr/local/bin/tributary serve --config /etc/tributary/tributary.toml' "$unit"; then
  ok "$unit runs /usr/local/bin/tributary serve --config /etc/tributary/tributary.toml"
else
  fail "$unit: unexpected ExecStart"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
  # verify checks that the executables exist: point them at the binary under test.
  mkdir -p "$tmp/unit"
  sed "s#/usr/local/bin/tributary#$bin#g" "$unit" >"$tmp/unit/tributary.service"
  if out=$(systemd-analyze verify --man=no "$tmp/unit/tributary.service" 2>&1); then
    ok "systemd-analyze verify $unit${out:+ (}${out:+$(tr '\n' ' ' <<<"$out")}${out:+)}"
  else
    fail "systemd-analyze verify $unit: $out"
  fi
  if exposure=$(systemd-analyze security --offline=yes "$tmp/unit/tributary.service" 2>/dev/null |
    grep -o 'Overall exposure level.*'); then
    note "systemd-analyze security: $exposure"
  fi
else
  skip "systemd-analyze verify (systemd-analyze is not installed)"
fi
if command -v systemd-sysusers >/dev/null 2>&1; then
  mkdir -p "$tmp/sysroot/etc"
  if out=$(systemd-sysusers --root="$tmp/sysroot" --dry-run "$root/deploy/systemd/tributary.sysusers" 2>&1) &&
    grep -q "Creating user 'tributary'" <<<"$out"; then
    ok "systemd-sysusers --dry-run deploy/systemd/tributary.sysusers creates user tributary"
  else
    fail "systemd-sysusers deploy/systemd/tributary.sysusers: $out"
  fi
else
  skip "systemd-sysusers (not installed)"
fi

# ---------------------------------------------------------------- Dockerfile
section "Dockerfile"
df=deploy/Dockerfile
for f in deploy/install-deps.sh deploy/Dockerfile.dockerignore; do
  if [[ -f "$f" ]]; then ok "$f exists"; else fail "$f is missing"; fi
done
for pattern in '^FROM debian:12|^ARG DEBIAN_IMAGE=debian:12$' 'deploy/install-deps.sh' \
  'cmake -S \. -B build -DCMAKE_BUILD_TYPE=Release' '--target tributary' '^USER ' \
  '^VOLUME \["/var/lib/tributary"\]' '^EXPOSE 8080$' '^HEALTHCHECK ' '/healthz' \
  '^ENTRYPOINT \["tributary"\]$' '^CMD \["serve", "--config", "/etc/tributary/tributary.toml"\]$'; do
  if grep -Eq -- "$pattern" "$df"; then ok "$df has /$pattern/"; else fail "$df lacks /$pattern/"; fi
done
if grep -Eq '^USER (root|0)(:|$)' "$df"; then fail "$df runs as root"; fi
# The runtime stage's apt-get install list.
mapfile -t runtime_pkgs < <("$py" - "$df" <<'EOF'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
stage = re.split(r"(?im)^FROM\s+\S+\s+AS\s+runtime\s*$", text)
if len(stage) < 2:
    sys.exit("no runtime stage")
for line in stage[1].splitlines():
    if line.startswith("RUN") and "apt-get install" in line:
        for part in line.split("&&"):
            if "apt-get install" in part:
                words = part.split("install", 1)[1].split()
                for w in words:
                    if not w.startswith("-") and re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", w):
                        print(w)
EOF
)
if [[ ${#runtime_pkgs[@]} -eq 0 ]]; then
  fail "$df: no apt-get install list found in the runtime stage"
elif ! command -v apt-cache >/dev/null 2>&1; then
  skip "apt-cache is not available: runtime packages not checked"
else
  for p in "${runtime_pkgs[@]}"; do
    if v=$(apt-cache show "$p" 2>/dev/null | awk '/^Version:/{print $2; exit}') && [[ -n "$v" ]]; then
      ok "runtime package $p exists ($v)"
    else
      fail "runtime package $p is not known to apt-cache"
    fi
  done
  # Every library the binary needs comes from one of them or the base image.
  declare -A provided=([libc6]=1 [libstdc++6]=1 [libgcc-s1]=1)
  for p in "${runtime_pkgs[@]}"; do provided[$p]=1; done
  mapfile -t needed < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for lib in "${needed[@]}"; do
    path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3 }')
    if [[ -z "$path" || "$path" == "not" ]]; then
      fail "$lib: not found by ldd on this machine"
      continue
    fi
    pkg=$(dpkg -S "$(realpath "$path")" 2>/dev/null | head -1 | cut -d: -f1 || true)
    if [[ -z "$pkg" ]]; then
      pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1 || true)
    fi
    if [[ -n "$pkg" && -n "${provided[$pkg]:-}" ]]; then
      ok "$lib is provided by $pkg (runtime stage or base image)"
    else
      fail "$lib (package ${pkg:-unknown}) is not installed by the runtime stage"
    fi
  done
fi

echo
echo "check_deploy: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
