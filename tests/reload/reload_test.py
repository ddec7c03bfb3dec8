#!/usr/bin/python3
"""`cartable serve` and its signals, through the real binary on loopback.

SIGHUP re-reads the --config file: a smaller [limits] max_body_bytes refuses a PUT that passed
(413); [accounts] address_max_failures lowered gives 429 sooner; the access log moved away (as
logrotate does) is reopened and written; an invalid file changes nothing and says why; a key that
needs a restart is named as such. SIGTERM during a response the client has not read yet lets it
finish, then the process exits 0 with the store closed (SQLite WAL checkpointed away).
"""

import argparse
import base64
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FAILURES = []
PASSWORD = "Chevre-Lune-Vertige-42"
LOGIN = "jmartin"
AGENDA = f"/dav/calendars/{LOGIN}/agenda/"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def wait_for(predicate, what, seconds=30):
    """Polls `predicate` until true; a bound on the wait, not a timing assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    check(False, "in time: " + what)
    return False


class Server:
    """`cartable serve` on an ephemeral loopback port, its output in a file."""

    def __init__(self, binary, config, data, work):
        self.log_path = os.path.join(work, "server.log")
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(
            [binary, "--config", config, "--data", data, "serve", "--listen", "127.0.0.1:0"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        wait_for(self._started, "the server starts")
        if self.port is None:
            self.stop()
            raise RuntimeError("the server did not start: " + self.output())

    def _started(self):
        m = re.search(r"serving on http://127\.0\.0\.1:([0-9]+)/", self.output())
        if m:
            self.port = int(m.group(1))
        return self.port is not None or self.proc.poll() is not None

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def hup(self, expect):
        """SIGHUP, then waits for one more reload line; returns that line."""
        before = self.output().count("SIGHUP:")
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.output().count("SIGHUP:") > before, "a reload line after SIGHUP")
        lines = [l for l in self.output().splitlines() if "SIGHUP:" in l]
        line = lines[-1] if lines else ""
        check(expect in line, f"reload line says '{expect}' (got: {line})")
        return line

    def request(self, method, path, body=b"", headers=None, password=PASSWORD):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            auth = base64.b64encode(f"{LOGIN}:{password}".encode()).decode()
            h = {"Authorization": "Basic " + auth}
            h.update(headers or {})
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def event(uid, description_bytes):
    """An iCalendar object whose size is about `description_bytes` (folded lines)."""
    text = "x" * description_bytes
    folded = "\r\n ".join(text[i:i + 70] for i in range(0, len(text), 70))
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//reload test//FR\r\n"
            "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20261201T100000Z\r\n"
            "DTSTART:20261210T100000Z\r\nDTEND:20261210T110000Z\r\nSUMMARY:Conseil\r\n"
            "DESCRIPTION:" + folded + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def write_config(path, text):
    # Written aside and renamed, as an editor or a configuration tool does: the server never
    # reads a half-written file.
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def add_user(binary, config, data, work):
    p = subprocess.run([binary, "--config", config, "--data", data, "user", "add", LOGIN,
                        "--name", "Jean Martin", "--email", "jean.martin@ac-orleans-tours.fr",
                        "--password-stdin"], cwd=work, input=(PASSWORD + "\n").encode(),
                       capture_output=True, timeout=120)
    check(p.returncode == 0, f"user add (got {p.returncode}: {p.stderr.decode().strip()})")


def reload_checks(binary, work):
    data = os.path.join(work, "data")
    config = os.path.join(work, "cartable.ini")
    access = os.path.join(work, "access.log")
    base = (f"[log]\naccess_log_file = {access}\naccess_log_flush_ms = 0\n"
            "[accounts]\naddress_max_failures = 30\n")
    write_config(config, base + "[limits]\nmax_body_bytes = 1000000\n")
    add_user(binary, config, data, work)
    server = Server(binary, config, data, work)
    try:
        status, _ = server.request("PROPFIND", f"/dav/calendars/{LOGIN}/", headers={"Depth": "1"})
        check(status == 207, f"PROPFIND of the calendar home: 207 (got {status})")
        medium = event("medium-1", 200_000)
        status, _ = server.request("PUT", AGENDA + "medium-1.ics", medium,
                                   {"Content-Type": "text/calendar"})
        check(status == 201, f"a PUT of {len(medium)} bytes under max_body_bytes 1000000: 201 "
                             f"(got {status})")

        # A smaller limit: the same PUT is now refused before its body is read.
        write_config(config, base + "[limits]\nmax_body_bytes = 100000\n")
        server.hup("applied: limits.max_body_bytes")
        status, _ = server.request("PUT", AGENDA + "medium-2.ics", event("medium-2", 200_000),
                                   {"Content-Type": "text/calendar"})
        check(status == 413, f"the same size after the reload to 100000: 413 (got {status})")
        status, _ = server.request("PUT", AGENDA + "small-1.ics", event("small-1", 1000),
                                   {"Content-Type": "text/calendar"})
        check(status == 201, f"a small PUT still passes: 201 (got {status})")

        # logrotate: the file is moved away, SIGHUP reopens the configured path.
        wait_for(lambda: "PUT " + AGENDA + "small-1.ics 201" in open(access).read(),
                 "the access log holds the small PUT")
        rotated = access + ".1"
        os.rename(access, rotated)
        server.hup("no reloadable key changed")
        check(os.path.exists(access), "SIGHUP created the access log file again")
        status, _ = server.request("GET", AGENDA + "small-1.ics")
        check(status == 200, f"GET after the rotation: 200 (got {status})")
        wait_for(lambda: os.path.exists(access) and
                 "GET " + AGENDA + "small-1.ics 200" in open(access).read(),
                 "the new access log file holds the GET")
        old = open(rotated).read()
        check("PUT " + AGENDA + "small-1.ics 201" in old and "GET " + AGENDA not in old,
              "the rotated file kept the lines before the rotation and nothing after")

        # An invalid file: nothing changes, the error names the key.
        write_config(config, base + "[limits]\nmax_body_bytes = 5000000\nmax_header_bytes = lots\n")
        line = server.hup("NOT reloaded")
        check("limits.max_header_bytes" in line, f"the error names the key (got: {line})")
        status, _ = server.request("PUT", AGENDA + "medium-3.ics", event("medium-3", 200_000),
                                   {"Content-Type": "text/calendar"})
        check(status == 413, f"after the invalid file the running limit stays: 413 (got {status})")

        # A key that needs a restart is named and not applied; the reloadable one is applied.
        write_config(config, base.replace("address_max_failures = 30", "address_max_failures = 2")
                     + "[limits]\nmax_body_bytes = 1000000\nmax_xml_depth = 32\n"
                     "[server]\nworkers = 3\n")
        line = server.hup("changed but needs a restart")
        check("limits.max_xml_depth" in line and "server.workers" in line,
              f"max_xml_depth and workers need a restart (got: {line})")
        check("accounts.address_max_failures" in line and "limits.max_body_bytes" in line,
              f"address_max_failures and max_body_bytes applied (got: {line})")
        status, _ = server.request("PUT", AGENDA + "medium-4.ics", event("medium-4", 200_000),
                                   {"Content-Type": "text/calendar"})
        check(status == 201, f"max_body_bytes back at 1000000: 201 (got {status})")
        # The per-address sign-in limit now counts to 2: the third failure is refused at once.
        codes = [server.request("PROPFIND", f"/dav/calendars/{LOGIN}/", headers={"Depth": "0"},
                                password="wrong-password-" + str(i))[0] for i in range(3)]
        check(codes == [401, 401, 429], f"address_max_failures = 2: 401, 401, 429 (got {codes})")
        check(server.proc.poll() is None, "the server is still running after four reloads")
    finally:
        server.stop()
    check(server.proc.returncode == 0, f"SIGTERM: exit 0 (got {server.proc.returncode})")


def sigterm_checks(binary, work):
    """A response larger than the socket buffers, unread when SIGTERM comes: it finishes."""
    data = os.path.join(work, "data2")
    config = os.path.join(work, "cartable2.ini")
    write_config(config, "[limits]\nmax_body_bytes = 33554432\nshutdown_grace_seconds = 120\n"
                 "[accounts]\ndefault_quota_bytes = 134217728\n[log]\naccess_log = false\n")
    add_user(binary, config, data, work)
    server = Server(binary, config, data, work)
    try:
        server.request("PROPFIND", f"/dav/calendars/{LOGIN}/", headers={"Depth": "1"})
        # Calendar objects are bounded by max-resource-size: the large response is a REPORT
        # returning many of them.
        objects = {f"big-{i}": event(f"big-{i}", 900_000) for i in range(16)}
        codes = set()
        for uid, body in objects.items():
            codes.add(server.request("PUT", AGENDA + uid + ".ics", body,
                                     {"Content-Type": "text/calendar"})[0])
        check(codes == {201}, f"16 PUTs of 900 kB events: 201 (got {codes})")
        query = ('<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" '
                 'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>'
                 '<c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>')
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Not read until SIGTERM: 15 MB is more than the kernel buffers both sides hold, so the
        # server still has most of it to write when it is asked to stop.
        s.settimeout(60)
        s.connect(("127.0.0.1", server.port))
        auth = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
        s.sendall(f"REPORT {AGENDA} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {auth}\r\n"
                  f"Depth: 1\r\nContent-Type: application/xml\r\n"
                  f"Content-Length: {len(query)}\r\n\r\n{query}".encode())
        received = s.recv(64)  # the response has started
        check(received.startswith(b"HTTP/1.1 207"), f"the REPORT answers 207 (got {received[:20]})")
        server.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "finishing in-flight requests" in server.output(),
                 "the server starts draining")
        check(server.proc.poll() is None, "still running while the response is unread")
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            received += chunk
        s.close()
        head, _, body = received.partition(b"\r\n\r\n")
        m = re.search(rb"Content-Length: ([0-9]+)", head)
        complete = (m is not None and int(m.group(1)) == len(body) and
                    all(f"UID:{uid}".encode() in body for uid in objects) and
                    body.rstrip().endswith(b"</d:multistatus>"))
        check(complete and len(body) > 16 * 900_000,
              f"the whole multistatus arrived after SIGTERM ({len(body)} bytes, Content-Length "
              f"{m.group(1).decode() if m else None})")
        try:
            server.proc.wait(60)
        except subprocess.TimeoutExpired:
            pass
        if FAILURES:
            print(server.output()[-3000:])
        check(server.proc.returncode == 0, f"SIGTERM: exit 0 (got {server.proc.returncode})")
        check("cartable: stopped" in server.output(), "the server logged that it stopped")
        wal = os.path.join(data, "cartable.db-wal")
        check(not os.path.exists(wal) or os.path.getsize(wal) == 0,
              "the store was closed: no SQLite WAL left behind")
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="cartable-reload-")
    try:
        reload_checks(args.binary, work)
        sigterm_checks(args.binary, work)
    except Exception as e:  # a crash of the test itself is a failure, with its output
        import traceback
        traceback.print_exc()
        check(False, f"test raised {e!r}")
        for name in ("server.log",):
            path = os.path.join(work, name)
            if os.path.exists(path):
                print(open(path, errors="replace").read()[-4000:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("all reload checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
