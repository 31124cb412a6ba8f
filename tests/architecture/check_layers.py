#!/usr/bin/python3
"""The dependency rules of DESIGN.md §6 and issue 12, checked on the tree.

  check_layers.py SOURCE_DIR

Reads every #include of the product's sources and every target_link_libraries of
its CMakeLists.txt, and fails (exit 1) naming each file or target that breaks a
rule:

  1. Pure modules (core, schema, tracking, graph) include no store, log, ingest,
     http, notifiers or app header, and their libraries link (transitively) no
     store, log, ingest, http or notifiers library.
  2. notifiers/ and src/http/ include no ingest/ header and link no ingest library.
  3. Only the log module and the composition root (src/app/) include the writer's
     implementation (src/log/); only they, the store itself, ingest's wiring and
     the tests construct a store (tracking, http, notifiers include no store/).
  4. include/tributary/ (the shared vocabulary and ports) includes nothing but
     itself and the standard/third-party libraries.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
LINK = re.compile(r'target_link_libraries\(\s*(\S+)(.*?)\)', re.S)


def product_files(root):
    for top in ("src", "graph", "notifiers", "include"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith((".h", ".cpp", ".cpp.in")):
                    path = os.path.join(dirpath, name)
                    yield os.path.relpath(path, root)


def includes_of(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def link_graph(root):
    graph = {}
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(("build", ".git"))]
        if "CMakeLists.txt" not in names:
            continue
        with open(os.path.join(dirpath, "CMakeLists.txt"), encoding="utf-8") as f:
            text = re.sub(r"#[^\n]*", "", f.read())
        for target, body in LINK.findall(text):
            deps = {w for w in body.split() if w.startswith("tributary_")}
            graph.setdefault(target, set()).update(deps)
    return graph


def closure(graph, target):
    seen, todo = set(), [target]
    while todo:
        t = todo.pop()
        for d in graph.get(t, ()):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def module_of(rel):
    parts = rel.split(os.sep)
    if parts[0] in ("graph", "notifiers", "include"):
        return parts[0]
    return parts[1] if len(parts) > 2 else parts[0]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    errors = []
    pure = {"core", "schema", "tracking", "graph"}
    forbidden_for_pure = ("store/", "log/", "ingest/", "http/", "notifiers/", "app/", "sim/")
    writer_users = {"log", "app"}
    for rel in sorted(product_files(root)):
        module = module_of(rel)
        for inc in includes_of(root, rel):
            if module in pure and inc.startswith(forbidden_for_pure):
                errors.append(f"{rel}: the pure module {module} includes {inc}")
            if module in ("notifiers", "http") and inc.startswith("ingest/"):
                errors.append(f"{rel}: {module} includes the ingest header {inc}")
            if inc.startswith("log/") and module not in writer_users:
                errors.append(f"{rel}: only src/log and src/app include the writer ({inc})")
            if module in ("tracking", "http", "notifiers") and inc.startswith("store/"):
                errors.append(f"{rel}: {module} includes the store ({inc}); use the ports")
            if module == "include" and not inc.startswith("tributary/"):
                errors.append(f"{rel}: the vocabulary includes {inc}")

    graph = link_graph(root)
    checks = {
        "tributary_core": {"tributary_store", "tributary_log", "tributary_ingest", "tributary_http",
                           "tributary_notifiers", "tributary_api"},
        "tributary_schema": {"tributary_store", "tributary_log", "tributary_ingest"},
        "tributary_graph": {"tributary_store", "tributary_log", "tributary_ingest"},
        "tributary_tracking": {"tributary_store", "tributary_log", "tributary_ingest",
                               "tributary_http", "tributary_notifiers"},
        "tributary_notifiers": {"tributary_store", "tributary_log", "tributary_ingest"},
        "tributary_api": {"tributary_store", "tributary_log", "tributary_ingest"},
        "tributary_http": {"tributary_store", "tributary_log", "tributary_ingest"},
    }
    for target, banned in checks.items():
        if target not in graph:
            errors.append(f"CMake: no target {target} found (the rule cannot be checked)")
            continue
        deps = closure(graph, target)
        for b in sorted(deps & banned):
            errors.append(f"CMake: {target} links {b}")
        for d in sorted(deps):
            if d.startswith("tributary_ingest_") and target in ("tributary_notifiers",
                                                                "tributary_api",
                                                                "tributary_http",
                                                                "tributary_tracking"):
                errors.append(f"CMake: {target} links {d}")

    for e in errors:
        print(e)
    print(f"{len(errors)} violation(s)" if errors else "layers: every rule holds")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
