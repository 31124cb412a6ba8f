#!/usr/bin/python3
"""Parses each file named on the command line as XML (well-formedness, with
Python's expat) and prints one JSON object per file on its own line:
{"file", "ok", "error", "elements": [local names], "hrefs": [href and xlink:href values]}.
Used by the security tests: every SVG and HTML page the service emits must be
well-formed, and its links must decode back to the ids they name."""
import json
import sys
import xml.etree.ElementTree as ET

XLINK = "{http://www.w3.org/1999/xlink}href"

for path in sys.argv[1:]:
    out = {"file": path, "ok": True, "error": None, "elements": [], "hrefs": []}
    try:
        root = ET.parse(path).getroot()
        names = set()
        for el in root.iter():
            tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else str(el.tag)
            names.add(tag)
            for key in ("href", XLINK):
                if key in el.attrib:
                    out["hrefs"].append(el.attrib[key])
        out["elements"] = sorted(names)
    except ET.ParseError as e:
        out["ok"] = False
        out["error"] = str(e)
    print(json.dumps(out))
