#!/usr/bin/python3
"""A loopback SMTP sink for tests: stores every message it accepts, never relays.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd):
  smtp_sink.py --out DIR --port-file FILE [--port N] [--reject-rcpt ADDR]... [--tempfail]
               [--timeout S]

Listens on 127.0.0.1 on --port (default 0: a port the kernel picks; a fixed port lets a
restarted sink come back where it was), writes the port (decimal, then a newline) to
--port-file once it accepts connections (written to a temporary name and renamed, so a reader
never sees half of it). Message n (1, 2, ...) is stored as DIR/n.eml (the DATA bytes exactly as
received, dot-unstuffed) and then DIR/n.json ({"mail_from": ..., "rcpt_tos": [...]}), both
before the final 250 reply. --reject-rcpt answers 550 to RCPT TO for that address (repeatable,
case-insensitive); --tempfail answers 451 to every DATA. Exits on SIGTERM/SIGINT or after
--timeout seconds (default 120).
"""

import argparse
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class EphemeralController(Controller):
    """A Controller on port 0: learns the kernel-chosen port before its readiness probe."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SinkHandler:
    def __init__(self, out_dir, rejected, tempfail):
        self.out_dir = out_dir
        self.rejected = {a.lower() for a in rejected}
        self.tempfail = tempfail
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.tempfail:
            return "451 4.3.0 Temporary failure, please try again later"
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.out_dir, str(n))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Ok: queued as sink-%d" % n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory for n.eml and n.json")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0,
                        help="listen on this port (default: one the kernel picks)")
    parser.add_argument("--reject-rcpt", action="append", default=[], metavar="ADDRESS")
    parser.add_argument("--tempfail", action="store_true")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    handler = SinkHandler(args.out, args.reject_rcpt, args.tempfail)
    # decode_data=False keeps the DATA bytes as they came (CRLF line ends included).
    controller = EphemeralController(handler, hostname="127.0.0.1", port=args.port,
                                     decode_data=False, ready_timeout=10.0)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    try:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write("%d\n" % controller.port)
        os.rename(tmp, args.port_file)
        stop.wait(args.timeout)
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
