#!/usr/bin/python3
"""Durability under SIGKILL (issue 10, deliverable 9).

Starts the real `cartable serve` on a fresh store and a loopback ephemeral port, runs concurrent
writers (PUT events, cards and files; DELETE some of them) for a short random time, SIGKILLs the
server while requests are in flight, restarts it, and repeats for several rounds. Then every write
the server acknowledged (a 2xx answer) must be there with its content (the ETag it answered, and
the bytes for files), every acknowledged DELETE must be gone, and `PRAGMA integrity_check` (the
sqlite3 CLI) must say ok. A request without an answer (killed in flight) may have happened or not:
the resource must then be in one of its two states.

usage: durability_test.py --binary PATH [--rounds 5] [--writers 4] [--seed N]
"""
import argparse
import base64
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

USER, PASSWORD = "durable", "durable-pw-1"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
ABSENT = None  # the expected state of a deleted (or never created) resource

KINDS = {
    "ics": (f"/dav/calendars/{USER}/agenda/", "text/calendar; charset=utf-8"),
    "vcf": (f"/dav/addressbooks/{USER}/contacts/", "text/vcard; charset=utf-8"),
    "txt": (f"/dav/files/{USER}/", "text/plain"),
}


def body_for(kind, name, marker):
    uid = name.rsplit(".", 1)[0]
    if kind == "ics":
        return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Durability//FR\r\n"
                f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
                "DTSTART:20261215T090000Z\r\nDTEND:20261215T100000Z\r\n"
                f"SUMMARY:{marker}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    if kind == "vcf":
        return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{marker}\r\nN:{marker};;;;\r\n"
                "END:VCARD\r\n")
    return f"{marker}\n" * 3


class Server:
    def __init__(self, binary, data):
        self.binary, self.data, self.proc, self.port = binary, data, None, None

    def start(self):
        log = open(os.path.join(self.data, "server.log"), "a")
        self.proc = subprocess.Popen(
            [self.binary, "--data", self.data, "serve", "--listen", "127.0.0.1:0", "--workers",
             "4"], stdout=subprocess.PIPE, stderr=log, text=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                # Keep draining stdout so the server never blocks on a full pipe.
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return
        raise RuntimeError("the server did not start; see " + log.name)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)


class Writer(threading.Thread):
    """Writes its own resources; `state` maps path -> set of acceptable (etag, body) states."""

    def __init__(self, index, rnd, port, rng, state, stop):
        super().__init__(daemon=True)
        self.index, self.port, self.rng, self.state, self.stop = index, port, rng, state, stop
        self.prefix = f"r{rnd}w{index}"  # new names never reuse one of an earlier round
        self.acked = 0

    def request(self, conn, method, path, body=None, ctype=None):
        headers = {"Authorization": AUTH}
        if ctype:
            headers["Content-Type"] = ctype
        conn.request(method, path, body=body.encode() if body is not None else None,
                     headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("ETag")

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            n += 1
            known = [p for p, s in self.state.items() if s["certain"] and s["now"] is not ABSENT]
            if known and self.rng.random() < 0.25:
                path, method, new = self.rng.choice(known), "DELETE", ABSENT
                body = ctype = None
            else:
                kind = self.rng.choice(list(KINDS))
                if known and self.rng.random() < 0.3 and kind == known[0].rsplit(".", 1)[1]:
                    path = self.rng.choice([p for p in known if p.endswith("." + kind)])
                else:
                    path = f"{KINDS[kind][0]}{self.prefix}-{n}.{kind}"
                marker = f"{self.prefix} op{n} {time.monotonic_ns()}"
                body, ctype, method = body_for(kind, path.rsplit("/", 1)[1], marker), \
                    KINDS[kind][1], "PUT"
                new = (None, body, marker)
            s = self.state.setdefault(path, {"now": ABSENT, "certain": True, "maybe": []})
            try:
                status, etag = self.request(conn, method, path, body, ctype)
            except (OSError, http.client.HTTPException):
                # No answer: the server died with the request in flight. It happened or not.
                s["certain"] = False
                s["maybe"] = [s["now"], new]
                return
            if 200 <= status < 300:
                s["now"] = ABSENT if method == "DELETE" else (etag, new[1], new[2])
                self.acked += 1
            elif status not in (503,):
                raise AssertionError(f"{method} {path}: unexpected status {status}")


def matches(expected, status, etag, body):
    if expected is ABSENT:
        return status == 404
    want_etag, want_body, marker = expected
    if status != 200:
        return False
    if want_etag is not None and etag != want_etag:
        return False
    if want_body.startswith("BEGIN:"):
        return marker in body  # the server may add properties; the marker is the content
    return body == want_body


def verify(port, state):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    errors = 0
    for path, s in sorted(state.items()):
        conn.request("GET", path, headers={"Authorization": AUTH})
        r = conn.getresponse()
        body = r.read().decode(errors="replace")
        options = [s["now"]] if s["certain"] else s["maybe"]
        if not any(matches(o, r.status, r.getheader("ETag"), body) for o in options):
            errors += 1
            if errors <= 10:
                print(f"LOST {path}: got {r.status} {r.getheader('ETag')}, expected one of "
                      f"{[o if o is ABSENT else (o[0], o[2]) for o in options]}")
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    print(f"seed {args.seed}")
    rng = random.Random(args.seed)
    data = tempfile.mkdtemp(prefix="cartable-durability-")
    server = Server(os.path.abspath(args.binary), data)
    try:
        subprocess.run([args.binary, "--data", data, "user", "add", USER, "--name", "Durable",
                        "--email", "durable@ac-orleans-tours.fr", "--password-stdin"],
                       input=PASSWORD + "\n", text=True, check=True, capture_output=True)
        states = [dict() for _ in range(args.writers)]  # one per writer: no shared paths
        acked = 0
        for rnd in range(args.rounds):
            server.start()
            stop = threading.Event()
            writers = [Writer(i, rnd, server.port, random.Random(rng.random()), states[i], stop)
                       for i in range(args.writers)]
            for w in writers:
                w.start()
            time.sleep(rng.uniform(0.5, 2.0))
            server.kill()  # SIGKILL with requests in flight
            stop.set()
            for w in writers:
                w.join(timeout=30)
            acked += sum(w.acked for w in writers)
            print(f"round {rnd + 1}: {sum(w.acked for w in writers)} acknowledged writes, killed")
        server.start()
        state = {p: s for st in states for p, s in st.items()}
        lost = verify(server.port, state)
        server.stop()
        check = subprocess.run(["sqlite3", os.path.join(data, "cartable.db"),
                                "PRAGMA integrity_check;"], capture_output=True, text=True)
        integrity = check.stdout.strip()
        print(f"{acked} acknowledged writes over {args.rounds} rounds, {len(state)} resources, "
              f"{lost} lost; integrity_check: {integrity}")
        if acked == 0:
            print("FAIL: no write was acknowledged")
            return 1
        if lost or integrity != "ok":
            print("FAIL")
            return 1
        # The checker itself: one acknowledged resource removed behind the server's back must be
        # reported lost (else the test above could pass whatever the server did).
        present = [p for p, s in state.items() if s["certain"] and s["now"] is not ABSENT]
        victim = rng.choice(present)
        print(f"self-check: {victim} removed behind the server's back must be reported LOST")
        subprocess.run(["sqlite3", os.path.join(data, "cartable.db"),
                        "DELETE FROM objects WHERE name = '%s';" % victim.rsplit("/", 1)[1]],
                       check=True)
        server.start()
        detected = verify(server.port, {victim: state[victim]})
        server.stop()
        if detected != 1:
            print(f"FAIL: the checker did not notice that {victim} was removed")
            return 1
        print("ok")
        return 0
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
