#!/usr/bin/python3
"""The OpenAPI contract test: every response the API tests saw matches the document.

    openapi_contract.py --document src/http/openapi.json --run TEST_EXE... [--keep FILE]
    openapi_contract.py --document src/http/openapi.json --records FILE...

With --run, each test executable runs with TRIBUTARY_TEST_HTTP_RECORD set, so the
test HTTP client (tests/support/http_client.h) appends every exchange to a file as
one JSON line {"method","target","status","content_type","body"}. Then each
exchange is judged against the document:

  - the path matches a path template and the method an operation of it;
    a 404 or 405 answered with the error shape to a route the document does not
    have (a test asking for one that does not exist) is fine; anything else on
    an undocumented /api/ route fails. Paths outside the document and outside
    /api/ (the UI's /ui/..., /demo/...) are not part of the contract: counted, skipped;
  - the status is documented for the operation (exactly, or as 4XX/5XX/default);
  - the content type is one the response documents, and a body comes only where
    content is documented;
  - a JSON body validates against the response's schema with python3-jsonschema
    (Draft 2020-12) over the component schemas: $ref resolved, OpenAPI 3.0's
    `nullable` honoured, allOf of objects merged, and unknown fields refused:
    an object schema without an explicit `additionalProperties` is taken as
    `additionalProperties: false`. Formats date-time, int32 and int64 are checked.

Every mismatch is printed with the method, the target, the status and the
validator's message; any mismatch fails (exit 1). Exit 2 on bad usage or input.
"""

import argparse
import collections
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    print("openapi_contract: python3-jsonschema is missing; run deploy/install-deps.sh",
          file=sys.stderr)
    sys.exit(2)

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Keywords of OpenAPI 3.0's schema object that JSON Schema does not have.
OPENAPI_ONLY = {"nullable", "example", "discriminator", "xml", "externalDocs", "readOnly",
                "writeOnly", "deprecated"}


class Contract:
    """The document's operations and its component schemas as strict JSON Schema."""

    def __init__(self, document):
        self.document = document
        self.raw_schemas = document.get("components", {}).get("schemas", {})
        self.defs = {name: self.strict(schema) for name, schema in self.raw_schemas.items()}
        self.templates = []  # (regex, template, literal segment count)
        for template in document.get("paths", {}):
            segments = template.strip("/").split("/") if template != "/" else [""]
            pattern = "/".join("[^/]+" if re.fullmatch(r"\{[^}]+\}", s) else re.escape(s)
                               for s in segments)
            literals = sum(1 for s in segments if not s.startswith("{"))
            self.templates.append((re.compile("^/" + pattern + "$"), template, literals))
        self.checker = jsonschema.FormatChecker(formats=())
        self.checker.checks("date-time")(is_rfc3339)
        self.checker.checks("int32")(lambda v: not is_int(v) or -2**31 <= v < 2**31)
        self.checker.checks("int64")(lambda v: not is_int(v) or -2**63 <= v < 2**63)

    def resolve(self, node):
        """Follows a local $ref (#/components/...) of the document."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $ref are supported: {ref}")
            node = self.document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref cycle at {ref}")
        return node

    def merge_all_of(self, schema):
        """allOf of object schemas as one object schema, so that additionalProperties:
        false applies to the union of their properties."""
        members = [self.resolve(m) for m in schema["allOf"]]
        if not all(is_object_schema(m) and "allOf" not in m for m in members):
            return schema
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        merged["type"] = "object"
        properties, required = {}, []
        for m in members:
            properties.update(m.get("properties", {}))
            required += [r for r in m.get("required", []) if r not in required]
            if "additionalProperties" in m:
                merged["additionalProperties"] = m["additionalProperties"]
            if m.get("nullable"):
                merged["nullable"] = True
        merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    def strict(self, schema):
        """An OpenAPI 3.0 schema object as Draft 2020-12 JSON Schema, unknown fields refused."""
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:  # OpenAPI 3.0: siblings of $ref are ignored
            ref = schema["$ref"]
            prefix = "#/components/schemas/"
            if not ref.startswith(prefix):
                raise ValueError(f"a schema $ref must point into {prefix}: {ref}")
            return {"$ref": "#/$defs/" + ref[len(prefix):]}
        if "allOf" in schema:
            schema = self.merge_all_of(schema)
        out = {}
        for key, value in schema.items():
            if key in OPENAPI_ONLY:
                continue
            if key == "properties":
                out[key] = {name: self.strict(s) for name, s in value.items()}
            elif key in ("items", "not") or (key == "additionalProperties" and
                                             isinstance(value, dict)):
                out[key] = self.strict(value)
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self.strict(s) for s in value]
            else:
                out[key] = value
        if is_object_schema(schema) and "additionalProperties" not in schema:
            out["additionalProperties"] = False
        if schema.get("nullable"):
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
            out = {"anyOf": [out, {"type": "null"}]}
        return out

    def operation(self, method, path):
        """(template, operation) of the best matching path, (template, None) when the
        path matches but not the method, (None, None) when no path matches."""
        matches = sorted(((lit, t) for rx, t, lit in self.templates if rx.match(path)),
                         reverse=True)
        if not matches:
            return None, None
        template = matches[0][1]
        return template, self.document["paths"][template].get(method)

    def validator(self, schema):
        root = dict(self.strict(schema))
        root["$defs"] = self.defs
        return jsonschema.Draft202012Validator(root, format_checker=self.checker)

    def error_validator(self):
        return self.validator({"$ref": "#/components/schemas/Error"})


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_object_schema(schema):
    return isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema)


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def is_rfc3339(value):
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(re.sub(r"(\.\d{1,6})\d*", r"\1",
                                               value.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        return False
    return True


def media_type(content_type):
    return content_type.split(";")[0].strip().lower()


def is_json(mt):
    return mt == "application/json" or mt.endswith("+json")


def documented_response(responses, status):
    for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if key in responses:
            return key, responses[key]
    return None, None


def shorten(text, limit=300):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


def error_path(error):
    return "/" + "/".join(str(p) for p in error.absolute_path)


def judge(contract, exchange):
    """Mismatches of one exchange (a list of strings) and what was judged."""
    method = exchange["method"].lower()
    path = exchange["target"].split("?", 1)[0]
    status = exchange["status"]
    mt = media_type(exchange.get("content_type", ""))
    body = exchange.get("body", "")
    template, operation = contract.operation(method, path)
    if operation is None:
        if template is None and not path.startswith("/api/"):
            return "skipped", []
        # A route the document does not have: only the generic not-found answers.
        if status in (404, 405) and is_json(mt):
            errors = body_errors(contract.error_validator(), body)
            return "generic", [f"the error body: {e}" for e in errors]
        where = f"{path} (no such path)" if template is None else f"{template} (no {method})"
        return "undocumented", [f"{status} from a route the document does not have: {where}"]
    key, response = documented_response(operation.get("responses", {}), status)
    if response is None:
        return template, [f"status {status} is not documented for {method.upper()} {template} "
                          f"(documented: {', '.join(operation.get('responses', {}))})"]
    response = contract.resolve(response)
    content = response.get("content", {})
    if not content:
        if body:
            return template, [f"a body ({mt or 'no content type'}) where {key} documents none"]
        return template, []
    documented = {media_type(k): v for k, v in content.items()}
    if mt not in documented:
        return template, [f"content type {mt or '(none)'} is not documented for {key} "
                          f"(documented: {', '.join(documented)})"]
    if not is_json(mt):
        return template, []
    schema = documented[mt].get("schema")
    if schema is None:
        return template, []
    return template, body_errors(contract.validator(schema), body)


def body_errors(validator, body):
    try:
        instance = json.loads(body)
    except ValueError as e:
        return [f"the body is not JSON: {e}"]
    return [f"at {error_path(e)}: {shorten(e.message)}"
            for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))]


def run_tests(executables, record_file):
    env = dict(os.environ)
    env["TRIBUTARY_TEST_HTTP_RECORD"] = record_file
    failed = []
    for exe in executables:
        print(f"openapi_contract: running {exe}", flush=True)
        if not os.access(exe, os.X_OK):
            print(f"openapi_contract: {exe} is not built", file=sys.stderr)
            failed.append(exe)
            continue
        proc = subprocess.run([exe], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace", check=False)
        if proc.returncode != 0:
            print(proc.stdout[-4000:])
            print(f"openapi_contract: {exe} exited {proc.returncode}; its exchanges are judged "
                  f"all the same, but the run fails", file=sys.stderr)
            failed.append(exe)
    return failed


def read_records(files):
    records = []
    for name in files:
        with open(name, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except ValueError as e:
                        print(f"openapi_contract: {name}:{number}: not JSON: {e}", file=sys.stderr)
                        sys.exit(2)
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--document", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--run", nargs="+", metavar="TEST_EXE")
    group.add_argument("--records", nargs="+", metavar="FILE")
    parser.add_argument("--keep", metavar="FILE", help="with --run: keep the records there")
    args = parser.parse_args()

    with open(args.document, encoding="utf-8") as f:
        document = json.load(f)
    contract = Contract(document)

    failed_runs = []
    if args.run:
        with tempfile.TemporaryDirectory(prefix="openapi-contract-") as tmp:
            record_file = args.keep or os.path.join(tmp, "exchanges.jsonl")
            if os.path.exists(record_file):
                os.remove(record_file)
            failed_runs = run_tests(args.run, record_file)
            records = read_records([record_file]) if os.path.exists(record_file) else []
    else:
        records = read_records(args.records)

    mismatches = collections.OrderedDict()  # (method, target, status, message) -> count
    counts = collections.Counter()
    exercised = collections.defaultdict(set)  # template -> {"get 200", ...}
    for exchange in records:
        kind, errors = judge(contract, exchange)
        if kind in ("skipped", "generic", "undocumented"):
            counts[kind] += 1
        else:
            counts["validated"] += 1
            exercised[kind].add(f"{exchange['method'].upper()} {exchange['status']}")
        for message in errors:
            key = (exchange["method"], exchange["target"], exchange["status"], message)
            mismatches[key] = mismatches.get(key, 0) + 1

    # The document the server serves is the one judged against.
    for exchange in records:
        if (exchange["method"] == "GET" and exchange["target"] == "/api/v1/openapi.json" and
                exchange["status"] == 200 and json.loads(exchange["body"]) != document):
            mismatches[("GET", "/api/v1/openapi.json", 200,
                        f"the served document is not {args.document}")] = 1

    for (method, target, status, message), n in mismatches.items():
        times = f" ({n} times)" if n > 1 else ""
        print(f"MISMATCH {method} {shorten(target, 160)} -> {status}: {message}{times}")
    never = sorted(f"{m.upper()} {t}" for t, item in document.get("paths", {}).items()
                   for m in item if m in METHODS and t not in exercised)
    if never:
        print("not exercised by the tests (nothing to judge): " + ", ".join(never))
    print(f"openapi_contract: {len(records)} exchanges: {counts['validated']} responses judged "
          f"against the document, {counts['generic']} not-found answers to routes it does not "
          f"have, {counts['skipped']} outside the API (UI pages) skipped; "
          f"{sum(mismatches.values())} mismatches")
    if not records:
        print("openapi_contract: no exchange was recorded", file=sys.stderr)
        return 1
    if counts["validated"] == 0:
        print("openapi_contract: no response was judged", file=sys.stderr)
        return 1
    return 1 if mismatches or failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
