#!/usr/bin/python3
"""Reads email messages as a mail client would, with Python's strict policy.

Usage: email_check.py FILE...
For each file (a message as sent, CRLF line ends) prints one JSON line:
ok and error (a defect makes the strict policy raise), subject (the decoded
Subject), header_lines (the physical lines of the header section),
encoded_words (every RFC 2047 encoded-word in the header section) and html
(the decoded text/html part, or null).
"""
import email
import email.policy
import json
import re
import sys

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=")


def check(path):
    with open(path, "rb") as f:
        data = f.read()
    head = data.split(b"\r\n\r\n", 1)[0]
    out = {
        "ok": False,
        "error": None,
        "subject": None,
        "header_lines": [line.decode("ascii", "replace") for line in head.split(b"\r\n")],
        "encoded_words": [w.decode("ascii") for w in ENCODED_WORD.findall(head)],
        "html": None,
    }
    try:
        message = email.message_from_bytes(data, policy=email.policy.strict)
        out["subject"] = str(message["subject"])
        html = message.get_body(("html",))
        if html is not None:
            out["html"] = html.get_content()
        out["ok"] = True
    except Exception as e:  # a defect under the strict policy
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out


def main():
    for path in sys.argv[1:]:
        print(json.dumps(check(path)))


if __name__ == "__main__":
    main()
