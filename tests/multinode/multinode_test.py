#!/usr/bin/python3
"""Several Cartable nodes on one PostgreSQL (issue 15, the multi-node test).

Starts a throw-away PostgreSQL 15 cluster in a temporary directory (initdb/pg_ctl from
/usr/lib/postgresql/15/bin, as the `postgres` system user through runuser when run as root,
since PostgreSQL refuses root; fsync is OFF: the cluster is thrown away, never recovered after
a power loss, and a SIGKILLed *node* does not depend on it), three `cartable serve` nodes with
`[store] backend = postgresql` on it, and a loopback SMTP sink (tests/clients/smtp_sink.py) as
the nodes' relay. Then, with requests spread over the three nodes:

 1. concurrent writers (PUT If-None-Match / If-Match, DELETE If-Match, GET) while a syncer runs
    sync-collection and PROPFIND getctag on a random node: tokens and ctags never go back, and
    every change acknowledged before a sync request was sent is in its answer; one node is
    SIGKILLed mid-run and restarted, a writer whose request got no answer retries on another
    node and continues;
 2. CalDAV scheduling across nodes: the organizer PUTs on node 1, the attendee finds the
    invitation in their inbox on node 2 and accepts on node 3, node 1 shows the PARTSTAT;
 3. a password change and an account disable (CLI, straight into the store) are seen by every
    node at the next request, although each node had the old password in its credential cache;
 4. a burst of iMIP invitations to outside addresses, PUT concurrently on the three nodes: the
    three mail workers deliver each (event, recipient) exactly once;
 5. `cartable directory import` of 1,500 generated staff while the writers and the syncer run:
    every node then finds the same people with the folded search (capitals, no accents); a
    re-import without some of them disables them, and no node finds them any more;
 6. PostgreSQL stopped (pg_ctl stop -m fast): every node answers 503 with Retry-After; started
    again: every node answers again by itself, without a restart;
 7. every acknowledged write is checked on every node (ETag and body), every acknowledged
    DELETE is gone, unanswered requests are in one of their two states; then the checker
    itself is checked (a row removed behind the servers' back must be reported).

Loopback and ephemeral ports only; bounded time (about a minute).
usage: multinode_test.py --binary PATH [--seed N] [--keep]
"""
import argparse
import base64
import email
import email.policy
import http.client
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
PG_BIN = "/usr/lib/postgresql/15/bin/"
DOMAIN = "ac-orleans-tours.fr"
WRITER = "ecrivain"
USERS = {  # login -> (name, password)
    WRITER: ("Écrivain Multi", "pw-ecrivain-1"),
    "alice": ("Alice Martin", "pw-alice-1"),
    "bob": ("Bob Durand", "pw-bob-1"),
    "carole": ("Carole Petit", "pw-carole-1"),
}
COLLECTION = f"/dav/calendars/{WRITER}/agenda/"
ABSENT = None
RESULTS = []
DAV = "{DAV:}"


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name +
          ((" -- " + str(detail)[:1500]) if (detail and not cond) else ""), flush=True)
    RESULTS.append(bool(cond))
    return cond


def wait_for(pred, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return pred()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def auth(login, password=None):
    pw = password if password is not None else USERS[login][1]
    return "Basic " + base64.b64encode(f"{login}:{pw}".encode()).decode()


def unfold(text):
    return re.sub(r"\r?\n[ \t]", "", text)


# --- PostgreSQL --------------------------------------------------------------------------------

class Postgres:
    """One throw-away cluster; `as_user` runs its commands as postgres when we are root."""

    def __init__(self, root):
        self.dir = os.path.join(root, "pg")
        os.mkdir(self.dir)
        self.prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chmod(root, 0o755)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.port = None
        self.running = False

    def run(self, *cmd, check=True):
        return subprocess.run(self.prefix + list(cmd), capture_output=True, text=True,
                              check=check, timeout=60)

    def init(self):
        self.run(PG_BIN + "initdb", "-D", self.dir + "/data", "-A", "trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "-U", "postgres", "-N")
        for _ in range(3):
            self.port = free_port()
            if self.start(check=False).returncode == 0:
                break
        else:
            raise RuntimeError("PostgreSQL did not start: " + self.log())
        self.run(PG_BIN + "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                 "-d", "postgres", "-c", "CREATE DATABASE cartable")

    def start(self, check=True):
        # fsync off (see the file comment); loopback only; sockets in our directory.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.dir} -c fsync=off "
                   "-c full_page_writes=off -c shared_buffers=32MB -c max_connections=200")
        r = self.run(PG_BIN + "pg_ctl", "-D", self.dir + "/data", "-w", "-t", "30", "-l",
                     self.dir + "/server.log", "-o", options, "start", check=check)
        self.running = r.returncode == 0
        return r

    def stop(self, mode="fast"):
        self.run(PG_BIN + "pg_ctl", "-D", self.dir + "/data", "-w", "-t", "30", "-m", mode,
                 "stop", check=False)
        self.running = False

    def psql(self, sql):
        return self.run(PG_BIN + "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "postgres", "-d", "cartable", "-v", "ON_ERROR_STOP=1", "-Atc", sql)

    def log(self):
        try:
            with open(self.dir + "/server.log", errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/cartable"


# --- SMTP sink and nodes -----------------------------------------------------------------------

class Sink:
    def __init__(self, root):
        self.out = os.path.join(root, "mail")
        port_file = os.path.join(root, "smtp.port")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "..", "clients", "smtp_sink.py"), "--out",
             self.out, "--port-file", port_file, "--timeout", "300"])
        if not wait_for(lambda: os.path.exists(port_file), 20):
            raise RuntimeError("the SMTP sink did not start")
        with open(port_file) as f:
            self.port = int(f.read().strip())

    def messages(self):
        out, n = [], 1
        while os.path.exists(os.path.join(self.out, "%d.json" % n)):
            with open(os.path.join(self.out, "%d.eml" % n), "rb") as f:
                raw = f.read()
            with open(os.path.join(self.out, "%d.json" % n)) as f:
                out.append((json.load(f), raw))
            n += 1
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Node:
    def __init__(self, index, binary, root, config, relay_port):
        self.index, self.binary, self.config, self.relay_port = index, binary, config, relay_port
        self.data = os.path.join(root, f"node{index}")
        os.mkdir(self.data)
        self.proc, self.port = None, None

    def start(self):
        # The same port again after a restart when possible, so clients keep their address.
        listen = f"127.0.0.1:{self.port or 0}"
        log = open(os.path.join(self.data, "server.log"), "a")
        self.proc = subprocess.Popen(
            [self.binary, "--config", self.config, "--data", self.data, "serve", "--listen",
             listen, "--workers", "4", "--smtp-relay", f"127.0.0.1:{self.relay_port}"],
            stdout=subprocess.PIPE, stderr=log, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return
        raise RuntimeError(f"node {self.index} did not start; see {log.name}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self):
        with open(os.path.join(self.data, "server.log"), errors="replace") as f:
            return f.read()[-3000:]


def request(node, method, path, login=WRITER, body=None, headers=None, password=None,
            timeout=30):
    """(status, headers dict (lower-case names), body text); raises OSError/HTTPException when
    the node does not answer."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=timeout)
    try:
        h = {"Authorization": auth(login, password)}
        h.update(headers or {})
        conn.request(method, path, body=body.encode() if isinstance(body, str) else body,
                     headers=h)
        r = conn.getresponse()
        data = r.read().decode(errors="replace")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def event_body(uid, marker, organizer=None, attendees=(), dtstart="20270115T090000Z"):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Cartable//Multinode//FR",
             "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20261201T000000Z", "SEQUENCE:0",
             "DTSTART:" + dtstart, "DTEND:" + dtstart[:9] + "100000Z", "SUMMARY:" + marker]
    if organizer:
        lines.append(f"ORGANIZER;CN={organizer[0]}:mailto:{organizer[1]}")
        lines.append(f"ATTENDEE;CN={organizer[0]};PARTSTAT=ACCEPTED:mailto:{organizer[1]}")
        lines += [f"ATTENDEE;CN={cn};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{a}"
                  for cn, a in attendees]
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


# --- phase 1: writers, syncer, a node killed -----------------------------------------------------

class History:
    """Per path, the operations in order (each path belongs to one writer, which does one
    operation at a time): dicts with start, end (monotonic), new (state), acked (True/False/
    None = no answer). A state is ABSENT or (etag, marker)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}

    def begin(self, path, new):
        op = {"start": time.monotonic(), "end": None, "new": new, "acked": None}
        with self.lock:
            self.ops.setdefault(path, []).append(op)
        return op

    def end(self, op, acked, etag=None):
        with self.lock:
            if acked and op["new"] is not ABSENT:
                op["new"] = (etag, op["new"][1])
            op["acked"] = acked
            op["end"] = time.monotonic()

    def snapshot(self):
        with self.lock:
            return {p: [dict(o) for o in ops] for p, ops in self.ops.items()}


def expected_states(ops):
    """The states a path may be in now: the last acknowledged one, plus every unanswered
    operation after it (each may have happened or not)."""
    last = ABSENT
    maybe = []
    for op in ops:
        if op["acked"] is True:
            last, maybe = op["new"], []
        elif op["acked"] is None:
            maybe.append(op["new"])
    return [last] + maybe


class Writer(threading.Thread):
    def __init__(self, label, index, nodes, rng, history, stop):
        super().__init__(daemon=True)
        self.label = label  # new paths of one phase never reuse a name of another
        self.index, self.nodes, self.rng, self.history, self.stop = index, nodes, rng, history, stop
        self.current = {}  # path -> etag or ABSENT, as this writer last learnt it
        self.acked = self.retried = self.reads = 0
        self.stale = []
        self.error = None

    def pick(self, avoid=None):
        choices = [n for n in self.nodes if n is not avoid] or self.nodes
        return self.rng.choice(choices)

    def attempt(self, method, path, body, headers, new, avoid=None):
        """One request on a random node. Returns (node, status, etag) or (node, None, None)."""
        node = self.pick(avoid)
        op = self.history.begin(path, new)
        try:
            status, h, _ = request(node, method, path, body=body, headers=headers, timeout=20)
        except (OSError, http.client.HTTPException):
            self.history.end(op, None)
            return node, None, None
        ok = 200 <= status < 300
        # 503 (database unavailable) is an answer: not applied... unless the commit reached the
        # database before the connection broke, which the node cannot know: keep it uncertain.
        self.history.end(op, True if ok else (None if status == 503 else False), h.get("etag"))
        return node, status, h.get("etag")

    def learn(self, path):
        """After an unanswered request: what the database now holds, read on a live node."""
        deadline = time.monotonic() + 60  # PostgreSQL may be down for a while (phase 6)
        while time.monotonic() < deadline:
            node = self.pick()
            try:
                status, h, _ = request(node, "GET", path, timeout=10)
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
                continue
            if status == 200:
                return h.get("etag")
            if status == 404:
                return ABSENT
            time.sleep(0.2)
        raise AssertionError(f"{path}: no node answers GET")

    def read_back(self, path):
        """GET on any node: an acknowledged write is visible at once on every node (this
        writer alone changes `path`, so the ETag it last learnt is the current one)."""
        node = self.pick()
        try:
            status, h, body = request(node, "GET", path, timeout=20)
        except (OSError, http.client.HTTPException):
            return  # that node is down: nothing learnt
        if status == 503:
            return
        self.reads += 1
        if status != 200 or h.get("etag") != self.current[path]:
            self.stale.append(f"GET {path} on node {node.index}: {status} {h.get('etag')}, "
                              f"acknowledged {self.current[path]}")

    def run(self):
        try:
            self.loop()
        except Exception as e:  # reported by the main thread
            self.error = repr(e)

    def loop(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            known = [p for p, e in self.current.items() if e is not ABSENT]
            if known and self.rng.random() < 0.15:
                self.read_back(self.rng.choice(known))
                continue
            if known and self.rng.random() < 0.2:
                path = self.rng.choice(known)
                method, body, new = "DELETE", None, ABSENT
                headers = {"If-Match": self.current[path]}
            else:
                if known and self.rng.random() < 0.4:
                    path = self.rng.choice(known)
                    headers = {"If-Match": self.current[path]}
                else:
                    path = f"{COLLECTION}{self.label}w{self.index}-{n}.ics"
                    headers = {"If-None-Match": "*"}
                marker = f"w{self.index} op{n} {time.monotonic_ns()}"
                body = event_body(path.rsplit("/", 1)[1][:-4], marker)
                headers["Content-Type"] = "text/calendar; charset=utf-8"
                method, new = "PUT", (None, marker)
            node, status, etag = self.attempt(method, path, body, headers, new)
            if status is None or status == 503:
                # No answer (the node died) or database unavailable: retry the same request on
                # another node. 412 then says the first attempt did happen.
                self.retried += 1
                time.sleep(0.1)
                node2, status, etag = self.attempt(method, path, body, headers, new, avoid=node)
                if status is None or status == 503:
                    self.current[path] = self.learn(path)
                    continue
                if status == 412 or (method == "DELETE" and status == 404):
                    self.current[path] = self.learn(path)
                    continue
            if 200 <= status < 300:
                self.acked += 1
                if method == "DELETE":
                    self.current[path] = ABSENT
                elif etag:
                    self.current[path] = etag
                else:
                    self.current[path] = self.learn(path)
            elif status == 412:
                self.current[path] = self.learn(path)
            else:
                raise AssertionError(f"{method} {path} on node {node.index}: status {status}")


SYNC_BODY = ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
             '<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>'
             '<D:prop><D:getetag/></D:prop></D:sync-collection>')
CTAG_BODY = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" '
             'xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/><D:sync-token/>'
             '</D:prop></D:propfind>')


def token_seq(token):
    m = re.search(r":(\d+)$", token or "")
    return int(m.group(1)) if m else None


class Syncer(threading.Thread):
    """sync-collection (incremental from its last token) and getctag on random nodes; keeps a
    mirror path -> etag and compares it with what writers had acknowledged before each sync."""

    def __init__(self, nodes, rng, history, stop):
        super().__init__(daemon=True)
        self.nodes, self.rng, self.history, self.stop = nodes, rng, history, stop
        self.mirror = {}
        self.token = ""
        self.seq = -1
        self.ctag_seq = -1
        self.syncs = self.checked = 0
        self.problems = []

    def run(self):
        try:
            while not self.stop.is_set():
                self.once()
                time.sleep(0.05)
        except Exception as e:
            self.problems.append("syncer: " + repr(e))

    def once(self):
        node = self.rng.choice(self.nodes)
        t0 = time.monotonic()
        try:
            if self.rng.random() < 0.3:
                status, _, body = request(node, "PROPFIND", COLLECTION, body=CTAG_BODY,
                                          headers={"Depth": "0", "Content-Type":
                                                   "application/xml"}, timeout=20)
                if status != 207:
                    return
                ctag = re.search(r"getctag[^>]*>([^<]+)<", body)
                seq = token_seq(ctag.group(1) if ctag else None)
                if seq is None or seq < self.ctag_seq or seq < self.seq:
                    self.problems.append(f"ctag went back on node {node.index}: {seq} after "
                                         f"{self.ctag_seq}/{self.seq}")
                self.ctag_seq = max(self.ctag_seq, seq or -1)
                return
            status, _, body = request(node, "REPORT", COLLECTION,
                                      body=SYNC_BODY.format(token=self.token),
                                      headers={"Depth": "0", "Content-Type": "application/xml"},
                                      timeout=20)
        except (OSError, http.client.HTTPException):
            return
        if status != 207:
            if status not in (503,):
                self.problems.append(f"sync-collection on node {node.index}: {status} {body[:200]}")
            return
        root = ET.fromstring(body)
        token = root.findtext(DAV + "sync-token")
        seq = token_seq(token)
        if seq is None or seq < self.seq:
            self.problems.append(f"sync token went back on node {node.index}: {token} after "
                                 f"{self.seq}")
            return
        self.seq, self.token = seq, token
        for resp in root.findall(DAV + "response"):
            href = resp.findtext(DAV + "href")
            path = href[href.index("/dav/"):] if "/dav/" in href else href
            if resp.findtext(DAV + "status", "").split(" ")[1:2] == ["404"]:
                self.mirror.pop(path, None)
                continue
            etag = resp.findtext(f"{DAV}propstat/{DAV}prop/{DAV}getetag")
            self.mirror[path] = etag
        self.syncs += 1
        t1 = time.monotonic()
        # Every operation acknowledged before t0, on a path no other operation touched from
        # that acknowledgement until t1, must be what the sync says.
        for path, ops in self.history.snapshot().items():
            done = [o for o in ops if o["end"] is not None and o["end"] < t0]
            later = [o for o in ops if o not in done]
            if later and any(o["start"] < t1 for o in later):
                continue
            if any(o["acked"] is None for o in done):
                continue  # an unanswered operation: either state; checked at the end
            acked = [o for o in done if o["acked"] is True]
            if not acked:
                continue
            want = acked[-1]["new"]
            got = self.mirror.get(path, ABSENT)
            self.checked += 1
            if want is ABSENT and got is not ABSENT:
                self.problems.append(f"sync on node {node.index} still lists deleted {path}")
            elif want is not ABSENT and got != want[0]:
                self.problems.append(f"sync on node {node.index}: {path} etag {got}, "
                                     f"acknowledged {want[0]}")


def under_load(phase, nodes, rng, history, disturb):
    """Writers and a syncer on the three nodes while `disturb()` runs (after 2 to 3 s)."""
    stop = threading.Event()
    writers = [Writer(phase, i, nodes, random.Random(rng.random()), history, stop)
               for i in range(4)]
    syncer = Syncer(nodes, random.Random(rng.random()), history, stop)
    for t in writers + [syncer]:
        t.start()
    time.sleep(rng.uniform(2.0, 3.0))
    disturb()
    time.sleep(rng.uniform(2.0, 3.0))
    stop.set()
    for t in writers + [syncer]:
        t.join(timeout=60)
    syncer.once()  # one last sync after everything was answered: it must hold every write
    return writers, syncer


def phase_writes(nodes, rng, history):
    def kill_one():
        victim = rng.choice(nodes)
        victim.kill()  # SIGKILL with requests in flight
        print(f"node {victim.index} killed", flush=True)
        time.sleep(1.5)
        victim.start()
        print(f"node {victim.index} restarted on port {victim.port}", flush=True)

    writers, syncer = under_load("p1", nodes, rng, history, kill_one)
    report_load("phase 1", writers, syncer)
    # While the victim was down, requests sent to it got no answer and went to another node.
    check("phase 1: requests the killed node did not answer were retried on another node",
          sum(w.retried for w in writers) > 0)


def report_load(phase, writers, syncer):
    acked = sum(w.acked for w in writers)
    check(f"{phase}: writes acknowledged across the three nodes", acked > 20, acked)
    check(f"{phase}: writers finished without unexpected answers",
          all(w.error is None for w in writers), [w.error for w in writers])
    stale = [x for w in writers for x in w.stale]
    check(f"{phase}: every GET on any node returns the last acknowledged ETag",
          not stale and sum(w.reads for w in writers) > 10, stale[:10])
    print(f"  {acked} acknowledged, {sum(w.retried for w in writers)} retried on another node, "
          f"{sum(w.reads for w in writers)} reads, "
          f"{syncer.syncs} syncs, {syncer.checked} path checks", flush=True)
    check(f"{phase}: sync tokens and ctags monotonic, every acknowledged change in the next sync",
          not syncer.problems and syncer.syncs >= 5 and syncer.checked > 0, syncer.problems[:10])


# --- phase 1b: the same resource written at once through two nodes -----------------------------

def race(nodes, pairs):
    """Sends each (node, method, path, body, headers) of `pairs` at the same moment; returns the
    statuses in order (None: no answer)."""
    barrier = threading.Barrier(len(pairs))
    out = [None] * len(pairs)

    def go(i, node, method, path, body, headers):
        barrier.wait()
        try:
            out[i] = request(node, method, path, body=body, headers=headers, timeout=30)
        except (OSError, http.client.HTTPException):
            out[i] = (None, {}, "")

    threads = [threading.Thread(target=go, args=(i, *p)) for i, p in enumerate(pairs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def phase_races(nodes, history):
    """Conditional requests are atomic across nodes: of two racing If-None-Match: * PUTs, two
    If-Match PUTs on one ETag or two DELETEs, exactly one wins and the other gets 412; two
    events with one UID at two names of one calendar: one 201, the other refused with the
    no-uid-conflict precondition (RFC 4791, 5.3.2.1; 403 as on one node)."""
    ctype = "text/calendar; charset=utf-8"
    bad = []
    for k in range(6):
        a, b = nodes[k % 3], nodes[(k + 1) % 3]
        path = f"{COLLECTION}race-{k}.ics"
        uid = f"race-{k}"
        got = race(nodes, [(a, "PUT", path, event_body(uid, f"race {k} A"),
                            {"If-None-Match": "*", "Content-Type": ctype}),
                           (b, "PUT", path, event_body(uid, f"race {k} B"),
                            {"If-None-Match": "*", "Content-Type": ctype})])
        statuses = sorted(g[0] or 0 for g in got)
        if statuses != [201, 412]:
            bad.append(("create", k, statuses))
            continue
        etag = next(g[1].get("etag") for g in got if g[0] == 201)
        got = race(nodes, [(a, "PUT", path, event_body(uid, f"race {k} A2"),
                            {"If-Match": etag, "Content-Type": ctype}),
                           (b, "PUT", path, event_body(uid, f"race {k} B2"),
                            {"If-Match": etag, "Content-Type": ctype})])
        statuses = sorted(g[0] or 0 for g in got)
        winners = [g for g in got if g[0] in (200, 204)]
        if len(winners) != 1 or statuses[1] != 412:
            bad.append(("update", k, statuses))
            continue
        etag = winners[0][1].get("etag")
        marker = f"race {k} A2" if got[0] is winners[0] else f"race {k} B2"
        if k % 2:
            got = race(nodes, [(a, "DELETE", path, None, {"If-Match": etag}),
                               (b, "DELETE", path, None, {"If-Match": etag})])
            statuses = sorted(g[0] or 0 for g in got)
            if statuses[0] not in (200, 204) or statuses[1] not in (404, 412):
                bad.append(("delete", k, statuses))
            op = history.begin(path, ABSENT)
        else:
            op = history.begin(path, (etag, marker))
        history.end(op, True, etag)
        # One UID at two names, through two nodes at once.
        got = race(nodes, [(a, "PUT", f"{COLLECTION}dup-{k}-a.ics",
                            event_body(f"dup-{k}", "dup A"), {"Content-Type": ctype}),
                           (b, "PUT", f"{COLLECTION}dup-{k}-b.ics",
                            event_body(f"dup-{k}", "dup B"), {"Content-Type": ctype})])
        statuses = sorted(g[0] or 0 for g in got)
        if statuses not in ([201, 403], [201, 409]) or \
                not any("no-uid-conflict" in g[2] for g in got):
            bad.append(("uid", k, statuses, [g[2][:200] for g in got if g[0] != 201]))
    check("phase 1b: racing conditional writes through two nodes: exactly one wins", not bad,
          bad)


# --- phase 2: scheduling across nodes ----------------------------------------------------------

def find_by_uid(node, login, collection, uid):
    status, _, body = request(node, "PROPFIND", collection, login, headers={"Depth": "1"},
                              body='<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
                                   '<D:getetag/></D:prop></D:propfind>')
    if status != 207:
        return None
    for href in re.findall(r"<(?:\w+:)?href>([^<]+\.ics)</(?:\w+:)?href>", body):
        path = href[href.index("/dav/"):]
        st, h, data = request(node, "GET", path, login)
        if st == 200 and "UID:" + uid in unfold(data):
            return path, h.get("etag"), data
    return None


def partstat_of(data, address):
    for line in unfold(data).splitlines():
        if line.startswith("ATTENDEE") and address.lower() in line.lower():
            m = re.search(r"PARTSTAT=([A-Z-]+)", line)
            return m.group(1) if m else "NEEDS-ACTION"
    return None


def phase_scheduling(nodes):
    n1, n2, n3 = nodes
    uid = "multinode-conseil-1"
    alice = ("Alice Martin", "alice@" + DOMAIN)
    bob_addr = "bob@" + DOMAIN
    status, _, body = request(n1, "PUT", "/dav/calendars/alice/agenda/conseil.ics", "alice",
                              body=event_body(uid, "Conseil multi-noeuds", alice,
                                              [("Bob Durand", bob_addr)]),
                              headers={"Content-Type": "text/calendar",
                                       "If-None-Match": "*"})
    check("phase 2: organizer PUT on node 1", status == 201, (status, body))
    found = find_by_uid(n2, "bob", "/dav/calendars/bob/inbox/", uid)
    check("phase 2: the invitation is in the attendee's inbox on node 2",
          found is not None and "METHOD:REQUEST" in found[2], found)
    copy = wait_for(lambda: find_by_uid(n2, "bob", "/dav/calendars/bob/agenda/", uid), 5)
    if not check("phase 2: the attendee's copy is in their calendar on node 2", copy is not None):
        return
    path, etag, data = copy
    accepted = re.sub(r"(ATTENDEE[^\r\n]*?)PARTSTAT=NEEDS-ACTION([^\r\n]*mailto:" +
                      re.escape(bob_addr) + ")", r"\1PARTSTAT=ACCEPTED\2", unfold(data),
                      flags=re.IGNORECASE)
    status, _, body = request(n3, "PUT", path, "bob", body=accepted,
                              headers={"Content-Type": "text/calendar", "If-Match": etag})
    check("phase 2: the attendee accepts on node 3", status in (200, 204), (status, body))
    st, _, org = request(n1, "GET", "/dav/calendars/alice/agenda/conseil.ics", "alice")
    check("phase 2: the organizer's copy shows PARTSTAT=ACCEPTED on node 1",
          st == 200 and partstat_of(org, bob_addr) == "ACCEPTED", partstat_of(org, bob_addr))


# --- phase 3: credentials across nodes ---------------------------------------------------------

def cli(binary, config, data, *args, stdin=None, timeout=60):
    return subprocess.run([binary, "--config", config, "--data", data, *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def phase_credentials(binary, config, nodes):
    login = "carole"
    old, new = USERS[login][1], "pw-carole-2-nouveau"
    path = f"/dav/calendars/{login}/"
    warm = [request(n, "PROPFIND", path, login, headers={"Depth": "0"})[0] for n in nodes]
    check("phase 3: the old password works on every node (now in each credential cache)",
          warm == [207] * 3, warm)
    r = cli(binary, config, nodes[0].data, "user", "passwd", login, "--password-stdin",
            stdin=new + "\n")
    check("phase 3: user passwd", r.returncode == 0, r.stderr)
    after = [request(n, "PROPFIND", path, login, headers={"Depth": "0"}, password=old)[0]
             for n in nodes]
    check("phase 3: the old password is refused at once on every node", after == [401] * 3, after)
    now = [request(n, "PROPFIND", path, login, headers={"Depth": "0"}, password=new)[0]
           for n in nodes]
    check("phase 3: the new password works on every node", now == [207] * 3, now)
    r = cli(binary, config, nodes[0].data, "user", "disable", login)
    check("phase 3: user disable", r.returncode == 0, r.stderr)
    off = [request(n, "PROPFIND", path, login, headers={"Depth": "0"}, password=new)[0]
           for n in nodes]
    check("phase 3: a disabled account is refused at once on every node", off == [401] * 3, off)


# --- phase 4: the mail queue -------------------------------------------------------------------

def deliveries(sink, uid_prefix):
    """(UID, envelope recipient) of every message the sink holds for UIDs with this prefix."""
    got = []
    for meta, raw in sink.messages():
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            if part.get_content_type() == "text/calendar":
                m = re.search(r"UID:(" + re.escape(uid_prefix) + r"[\w-]+)",
                              unfold(part.get_content()))
                if m:
                    got += [(m.group(1), r) for r in meta["rcpt_tos"]]
    return got


def phase_mail(nodes, sink, rng):
    alice = ("Alice Martin", "alice@" + DOMAIN)
    wanted = set()
    results = []
    lock = threading.Lock()

    def put(i):
        uid = f"multinode-mail-{i}"
        outside = [(f"Parent {i}", f"parent{i}@example.org"),
                   (f"Invite {i}", f"invite{i}@example.net")]
        with lock:
            wanted.update((uid, a) for _, a in outside)
        node = nodes[i % 3]
        try:
            st, _, body = request(node, "PUT", f"/dav/calendars/alice/agenda/mail-{i}.ics",
                                  "alice", body=event_body(uid, f"Réunion {i}", alice, outside),
                                  headers={"Content-Type": "text/calendar",
                                           "If-None-Match": "*"})
        except (OSError, http.client.HTTPException) as e:
            st, body = None, repr(e)
        with lock:
            results.append((st, body[:200]))

    threads = [threading.Thread(target=put, args=(i,)) for i in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check("phase 4: 15 invitations PUT concurrently on the three nodes",
          [s for s, _ in results].count(201) == 15, results)

    def delivered():
        return deliveries(sink, "multinode-mail-")

    wait_for(lambda: len(delivered()) >= len(wanted), 40, 0.2)
    time.sleep(3)  # a duplicate would come from a second worker's retry: give it time
    got = delivered()
    dups = sorted({x for x in got if got.count(x) > 1})
    check("phase 4: every invitation delivered (none lost)", set(got) == wanted,
          sorted(wanted - set(got))[:10])
    check("phase 4: no invitation delivered twice", not dups and len(got) == len(wanted), dups[:10])


# --- phase 5: the directory import while the nodes serve ---------------------------------------

SEARCH = ('<D:principal-property-search xmlns:D="DAV:"><D:property-search><D:prop><D:displayname/>'
          '</D:prop><D:match match-type="starts-with">{q}</D:match></D:property-search><D:prop>'
          '<D:displayname/></D:prop></D:principal-property-search>')


def search(node, q):
    """The principals whose display name has a word starting with q, as node answers."""
    st, _, body = request(node, "REPORT", "/dav/principals/users/", body=SEARCH.format(q=q),
                          headers={"Depth": "0", "Content-Type": "application/xml"})
    return st, sorted(set(re.findall(r"<[A-Za-z]*:?href>([^<]+)</", body)))


def phase_directory(binary, config, nodes, rng, history, root):
    # 1,500 generated staff (bench_scale.py people: French names with accents, six departments,
    # double names), some called Lefèvre.
    people = os.path.join(root, "people.csv")
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "..", "..", "scripts", "bench_scale.py"),
                    "people", "1500", people], check=True, timeout=60)
    before = [search(n, "LEFEV") for n in nodes]
    check("phase 5: before the import nobody is called Lefèvre on any node",
          all(b == (207, []) for b in before), before)
    result = {}

    def run_import():
        result["first"] = cli(binary, config, nodes[0].data, "directory", "import", people,
                              timeout=300)
        print("directory import done", flush=True)

    writers, syncer = under_load("p5", nodes, rng, history, run_import)
    r = result["first"]
    check("phase 5: cartable directory import of 1,500 people while three nodes serve",
          r.returncode == 0, r.stdout[-500:] + r.stderr[-500:])
    report_load("phase 5", writers, syncer)
    # Unaccented and in capitals, as the webmail's search box sends it: the same folding on
    # every node (the search index is in the database, not in a node's memory).
    found = [search(n, "LEFEV") for n in nodes]
    with open(people, encoding="utf-8") as f:
        rows = [line.split(";") for line in f.read().splitlines()[1:]]
    first = sum(1 for r in rows if r[0].startswith("Lefèvre"))  # surely found
    anywhere = sum(1 for r in rows if "Lefèvre" in r[0])  # at most (double names)
    check("phase 5: every node finds the imported Lefèvre (search folded, same answer)",
          all(f[0] == 207 for f in found) and first <= len(found[0][1]) <= anywhere and
          first > 0 and found[0] == found[1] == found[2],
          ([(f[0], len(f[1])) for f in found], first, anywhere))
    # They leave: a new import without them disables their accounts; no node may still offer
    # them as attendees.
    fewer = os.path.join(root, "people-fewer.csv")
    with open(people, encoding="utf-8") as src, open(fewer, "w", encoding="utf-8") as dst:
        dst.writelines(line for line in src if "Lefèvre" not in line)
    r = cli(binary, config, nodes[0].data, "directory", "import", fewer, "--allow-mass-disable",
            timeout=300)
    check("phase 5: the re-import without the Lefèvre", r.returncode == 0, r.stderr[-500:])
    gone = [search(n, "lefèv") for n in nodes]
    check("phase 5: the people who left are no longer found on any node",
          all(g == (207, []) for g in gone), [(g[0], g[1][:3]) for g in gone])
    kept = [search(n, "chlo") for n in nodes]
    check("phase 5: the others still are, alike on every node",
          kept[0][0] == 207 and len(kept[0][1]) > 0 and kept[0] == kept[1] == kept[2],
          [(k[0], len(k[1])) for k in kept])


# --- phase 6: PostgreSQL restart ---------------------------------------------------------------

def phase_pg_restart(nodes, pg, rng, history, sink):
    def restart():
        pg_restart(nodes, pg)

    writers, syncer = under_load("p6", nodes, rng, history, restart)
    report_load("phase 6", writers, syncer)
    # The mail workers came back too: an invitation PUT on each node after the restart is sent.
    alice = ("Alice Martin", "alice@" + DOMAIN)
    wanted = set()
    for n in nodes:
        uid, to = f"after-pg-{n.index}", f"apres{n.index}@example.org"
        wanted.add((uid, to))
        st = request(n, "PUT", f"/dav/calendars/alice/agenda/{uid}.ics", "alice",
                     body=event_body(uid, "Après redémarrage", alice, [("Apres", to)]),
                     headers={"Content-Type": "text/calendar", "If-None-Match": "*"})[0]
        check(f"phase 6: invitation PUT on node {n.index} after the restart", st == 201, st)
    got = wait_for(lambda: set(deliveries(sink, "after-pg-")) >= wanted, 30, 0.2)
    check("phase 6: the mail workers send again after the restart", got,
          deliveries(sink, "after-pg-"))


def pg_restart(nodes, pg):
    path = COLLECTION
    pg.stop("fast")
    print("PostgreSQL stopped", flush=True)
    answers = []
    for n in nodes:
        for method, body in (("PROPFIND", None), ("PUT", event_body("down", "pendant"))):
            p = path if method == "PROPFIND" else COLLECTION + f"down-{n.index}.ics"
            try:
                st, h, _ = request(n, method, p, headers={
                    "Depth": "0", "Content-Type": "text/calendar"}, body=body, timeout=30)
            except (OSError, http.client.HTTPException) as e:
                st, h = repr(e), {}
            answers.append((n.index, method, st, h.get("retry-after")))
    check("phase 6: every node answers 503 with Retry-After while PostgreSQL is down",
          all(st == 503 and ra and ra.isdigit() for _, _, st, ra in answers), answers)
    time.sleep(1.5)  # the writers meet the outage too (503, then a retry elsewhere)
    pg.start()
    print("PostgreSQL started", flush=True)

    def back(n):
        try:
            return request(n, "PROPFIND", path, headers={"Depth": "0"}, timeout=10)[0] == 207
        except (OSError, http.client.HTTPException):
            return False

    ok = [wait_for(lambda n=n: back(n), 30, 0.3) for n in nodes]
    check("phase 6: every node answers again by itself once PostgreSQL is back", all(ok), ok)
    check("phase 6: no node was restarted", all(n.alive() for n in nodes))
    st = request(nodes[0], "PUT", COLLECTION + "after-restart.ics",
                 body=event_body("after-restart", "après"),
                 headers={"Content-Type": "text/calendar", "If-None-Match": "*"})[0]
    check("phase 6: writes work again", st == 201, st)


# --- phase 7: every acknowledged write on every node -------------------------------------------

def matches(expected, status, etag, body):
    if expected is ABSENT:
        return status == 404
    want_etag, marker = expected
    return status == 200 and (want_etag is None or etag == want_etag) and \
        ("SUMMARY:" + marker) in unfold(body)


def verify(nodes, history):
    lost = 0
    snap = history.snapshot()
    for node in nodes:
        for path, ops in sorted(snap.items()):
            options = expected_states(ops)
            st, h, body = request(node, "GET", path)
            if not any(matches(o, st, h.get("etag"), body) for o in options):
                lost += 1
                if lost <= 10:
                    print(f"LOST on node {node.index}: {path}: got {st} {h.get('etag')}, "
                          f"expected one of {options}")
    return lost, len(snap)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    print(f"seed {args.seed}", flush=True)
    rng = random.Random(args.seed)
    started = time.monotonic()
    root = tempfile.mkdtemp(prefix="cartable-multinode-")
    pg, sink, nodes = None, None, []
    try:
        pg = Postgres(root)
        pg.init()
        config = os.path.join(root, "cartable.ini")
        with open(config, "w") as f:
            f.write(f"[store]\nbackend = postgresql\npostgresql_url = {pg.url()}\npool_size = 6\n"
                    f"[mail]\nretry_seconds = 1\n[scheduling]\ninternal_domains = {DOMAIN}\n")
        r = cli(binary, config, root, "migrate")
        if not check("cartable migrate on PostgreSQL", r.returncode == 0, r.stderr):
            return 1
        for login, (name, pw) in USERS.items():
            r = cli(binary, config, root, "user", "add", login, "--name", name, "--email",
                    f"{login}@{DOMAIN}", "--password-stdin", stdin=pw + "\n")
            check(f"user add {login}", r.returncode == 0, r.stderr)
        sink = Sink(root)
        nodes = [Node(i + 1, binary, root, config, sink.port) for i in range(3)]
        for n in nodes:
            n.start()
        history = History()
        phase_writes(nodes, rng, history)
        phase_races(nodes, history)
        phase_scheduling(nodes)
        phase_credentials(binary, config, nodes)
        phase_mail(nodes, sink, rng)
        phase_directory(binary, config, nodes, rng, history, root)
        phase_pg_restart(nodes, pg, rng, history, sink)
        lost, paths = verify(nodes, history)
        check(f"phase 7: every acknowledged write and delete on every node ({paths} paths)",
              lost == 0, f"{lost} lost")
        # The checker itself: a row removed behind the servers' back must be reported.
        present = [p for p, ops in history.snapshot().items()
                   if expected_states(ops)[0] is not ABSENT and len(expected_states(ops)) == 1]
        if present:
            victim = rng.choice(present)
            print(f"self-check: {victim} removed behind the nodes' back must be reported LOST")
            pg.psql("DELETE FROM objects WHERE name = '%s'" % victim.rsplit("/", 1)[1])
            one = History()
            one.ops = {victim: history.snapshot()[victim]}
            detected, _ = verify(nodes[:1], one)
            check("self-check: a write removed behind the nodes' back is reported lost",
                  detected == 1, detected)
        print(f"elapsed {time.monotonic() - started:.1f} s", flush=True)
    except Exception as e:
        check("no exception", False, repr(e))
        for n in nodes:
            try:
                print(f"--- node {n.index} log\n{n.log()}")
            except OSError:
                pass
        if pg:
            print("--- postgresql log\n" + pg.log())
    finally:
        for n in nodes:
            n.stop()
        if sink:
            sink.stop()
        if pg:
            pg.stop("immediate")
        if args.keep:
            print("kept " + root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    failed = RESULTS.count(False)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed or not RESULTS else 0


if __name__ == "__main__":
    sys.exit(main())
