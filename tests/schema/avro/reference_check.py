#!/usr/bin/python3
"""Apache Avro's own reader/writer check, for avro_differential_test.cpp.

Usage: /usr/bin/python3 reference_check.py PAIRS_FILE

PAIRS_FILE holds one JSON object per line: {"reader": <schema>, "writer": <schema>}.
Prints one line per pair, in order: "1" if the reader can read the writer's
data, "0" if not, or "E <message>" if Apache Avro cannot parse a schema.
Uses avro.compatibility from the Debian package python3-avro.
"""

import json
import sys

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType


def main() -> int:
    out = []
    with open(sys.argv[1], encoding="utf-8") as pairs:
        for line in pairs:
            if not line.strip():
                continue
            pair = json.loads(line)
            try:
                reader = avro.schema.parse(json.dumps(pair["reader"]))
                writer = avro.schema.parse(json.dumps(pair["writer"]))
            except Exception as e:  # noqa: BLE001 - any parse failure is reported
                out.append("E " + str(e).replace("\n", " "))
                continue
            result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
            compatible = result.compatibility is SchemaCompatibilityType.compatible
            out.append("1" if compatible else "0")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
