#!/usr/bin/python3
"""A real SMTP server for tests (aiosmtpd): stores every message it accepts.

Usage: smtp_sink.py PORT DIR [CERT KEY]
Each accepted message is written to DIR/<n>.eml (the DATA bytes as received)
with DIR/<n>.json holding the envelope (mail_from, rcpt_tos, tls). With CERT and
KEY the server offers STARTTLS; without, it offers no TLS at all. Writes
DIR/ready once listening. Runs until killed.
"""
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None}, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    kwargs = {}
    if len(sys.argv) > 4:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        kwargs["tls_context"] = context
    controller = Controller(Store(directory), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    with open(os.path.join(directory, "ready"), "w") as f:
        f.write(str(port))
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
