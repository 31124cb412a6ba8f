#!/usr/bin/python3
"""Times Apache Avro's Python checker (Debian python3-avro) on the same pair as
schema_avro_bench.cpp: a BACKWARD check (order_v2 reads order_v1's data).

Usage: /usr/bin/python3 bench/schema_avro_reference.py [SECONDS]
Prints "checks_per_second <N>" (pre-parsed schemas, one checker per check, as
Schema Registry does per request) and "parse_and_check_per_second <N>".
"""

import pathlib
import sys
import time

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

HERE = pathlib.Path(__file__).resolve().parent
OLD = (HERE / "schema" / "order_v1.avsc").read_text()
NEW = (HERE / "schema" / "order_v2.avsc").read_text()


def rate(fn, seconds):
    count = 0
    start = time.perf_counter()
    while True:
        for _ in range(50):
            fn()
        count += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    old = avro.schema.parse(OLD)
    new = avro.schema.parse(NEW)
    result = ReaderWriterCompatibilityChecker().get_compatibility(new, old)
    assert result.compatibility is SchemaCompatibilityType.compatible, result.messages

    def check():
        ReaderWriterCompatibilityChecker().get_compatibility(new, old)

    def parse_and_check():
        ReaderWriterCompatibilityChecker().get_compatibility(avro.schema.parse(NEW), avro.schema.parse(OLD))

    print(f"checks_per_second {rate(check, seconds):.0f}")
    print(f"parse_and_check_per_second {rate(parse_and_check, seconds):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
