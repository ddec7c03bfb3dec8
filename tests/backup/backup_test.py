#!/usr/bin/python3
"""`cartable backup` and `cartable restore` through the real binary (issue 16).

1. A server on data directory A; two people (one with an app password, which needs the secret
   key); writers PUT and DELETE events, cards and files in both people's collections, each
   writer logging when every request started and when its answer came.
2. While the writers run, `cartable backup DEST`; they go on for a while after it returns.
3. `cartable restore DEST` into a new directory B, a server on B, then:
   - the consistent point: for every resource, the states it may have had at an instant t
     (a write is applied somewhere between its request and its answer) give a set of possible t;
     their intersection with the backup's run must not be empty: the backup equals ONE state the
     original passed through. Every resource B lists is one the writers made. The same check
     applied to A's final state must fail (the writers went on after the backup), so the check
     can fail.
   - bodies: where A still has the object B has (same ETag), the bytes are equal;
   - sync tokens: B's token of each collection, given to A, names exactly the changes A made
     after the backup (every resource whose state differs, and no unchanged one); B's sync from
     a token taken before the load reports every change since, with B's ETags; B's own token
     reports nothing;
   - accounts: `user list` is the same; passwords sign in, a wrong one does not; the app password
     works (the secret key travelled).
4. Refusals: an existing DEST (exit 2, left as it was), a restore while a server runs on the
   data directory (exit 4, the server unharmed), a data directory holding a database (exit 2;
   --force moves it aside), a damaged backup (a flipped byte, a missing manifest: exit 3, nothing
   created), the PostgreSQL backend (exit 2, pointing to docs/deployment.md), wrong command lines
   (exit 64). --no-secret-key: the backup lacks the key and, restored, the app password fails
   while the personal password works. A backup of an older schema restores and is migrated.

usage: backup_test.py --binary PATH [--seed N]
"""
import argparse
import base64
import glob
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

DAV = "{DAV:}"
PEOPLE = {"alice": "alice-pw-Backup1", "bob": "bob-pw-Backup2"}
FAILURES = []
SRC_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def auth(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def collections(user):
    return {
        "ics": (f"/dav/calendars/{user}/agenda/", "text/calendar; charset=utf-8"),
        "vcf": (f"/dav/addressbooks/{user}/contacts/", "text/vcard; charset=utf-8"),
        "txt": (f"/dav/files/{user}/", "text/plain"),
    }


def body_for(kind, name, marker):
    uid = name.rsplit(".", 1)[0]
    if kind == "ics":
        return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//Backup//FR\r\n"
                f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
                "DTSTART:20261215T090000Z\r\nDTEND:20261215T100000Z\r\n"
                f"SUMMARY:{marker}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    if kind == "vcf":
        return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{marker}\r\nN:{marker};;;;\r\n"
                "END:VCARD\r\n")
    return f"{marker}\n" * 40


def run(binary, args, stdin=""):
    p = subprocess.run([binary] + args, input=stdin, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Server:
    def __init__(self, binary, data):
        self.binary, self.data, self.proc, self.port = binary, data, None, None

    def start(self):
        self.log = open(self.data + ".log", "a")
        self.proc = subprocess.Popen(
            [self.binary, "--data", self.data, "serve", "--listen", "127.0.0.1:0", "--workers",
             "4"], stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return self
        raise RuntimeError("the server did not start; see " + self.log.name)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def request(self, method, path, user="alice", password=None, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Authorization": auth(user, password or PEOPLE[user])}
        h.update(headers or {})
        conn.request(method, path, body=body.encode() if isinstance(body, str) else body,
                     headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, r.getheader("ETag"), data


class Writer(threading.Thread):
    """Writes its own resources; logs per path every acknowledged operation with the instants
    its request started and its answer came, and the state it left."""

    def __init__(self, index, user, port, rng, stop):
        super().__init__(daemon=True)
        self.index, self.user, self.port, self.rng, self.stop = index, user, port, rng, stop
        self.log = {}  # path -> [(start, end, state)], state None = absent, else (etag, marker)
        self.live = []  # paths present now
        self.acked = 0
        self.error = None
        self.n = 0

    def once(self, conn, phase):
        self.n += 1
        cols = collections(self.user)
        if self.live and self.rng.random() < 0.25:
            path = self.rng.choice(self.live)
            method, body, ctype, kind = "DELETE", None, None, None
        else:
            kind = self.rng.choice(list(cols))
            mine = [p for p in self.live if p.endswith("." + kind)]
            if mine and self.rng.random() < 0.4:
                path = self.rng.choice(mine)
            else:
                path = f"{cols[kind][0]}{phase}w{self.index}-{self.n}.{kind}"
            method, ctype = "PUT", cols[kind][1]
        marker = f"{phase} w{self.index} op{self.n} {time.monotonic_ns()}"
        headers = {"Authorization": auth(self.user, PEOPLE[self.user])}
        if ctype:
            headers["Content-Type"] = ctype
            body = body_for(kind, path.rsplit("/", 1)[1], marker).encode()
        start = time.monotonic()
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        end = time.monotonic()
        if r.status == 503:
            return  # busy: not applied; the next operation goes on
        if not 200 <= r.status < 300:
            raise AssertionError(f"{method} {path}: status {r.status}")
        state = None if method == "DELETE" else (r.getheader("ETag"), marker)
        if method == "PUT" and state[0] is None:
            raise AssertionError(f"PUT {path}: no ETag")
        self.log.setdefault(path, []).append((start, end, state))
        if method == "DELETE":
            self.live.remove(path)
        elif path not in self.live:
            self.live.append(path)
        self.acked += 1

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            while not self.stop.is_set():
                self.once(conn, "load")
        except Exception as e:  # reported by the main thread
            self.error = repr(e)


def parse_multistatus(body):
    """{path: (status, etag)} and the sync token."""
    root = ET.fromstring(body)
    out = {}
    for resp in root.findall(DAV + "response"):
        href = resp.findtext(DAV + "href")
        path = href[href.index("/dav/"):]
        status = resp.findtext(DAV + "status")
        if status and " 404 " in status + " ":
            out[path] = (404, None)
            continue
        out[path] = (200, resp.findtext(f"{DAV}propstat/{DAV}prop/{DAV}getetag"))
    return out, root.findtext(DAV + "sync-token")


def sync(server, user, collection, token):
    body = ('<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:">'
            f'<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>'
            '<D:prop><D:getetag/></D:prop></D:sync-collection>')
    status, _, data = server.request("REPORT", collection, user=user, body=body,
                                     headers={"Content-Type": "application/xml", "Depth": "0"})
    if status != 207:
        raise AssertionError(f"sync-collection {collection} from {token!r}: {status} "
                             f"{data[:300]!r}")
    return parse_multistatus(data)


def listing(server, user, collection):
    body = ('<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>'
            '<D:getetag/><D:resourcetype/></D:prop></D:propfind>')
    status, _, data = server.request("PROPFIND", collection, user=user, body=body,
                                     headers={"Content-Type": "application/xml", "Depth": "1"})
    if status != 207:
        raise AssertionError(f"PROPFIND {collection}: {status}")
    members, _ = parse_multistatus(data)
    return {p: e for p, (s, e) in members.items() if p != collection and not p.endswith("/")}


def state_on(server, path):
    """None when absent, else (etag, body bytes)."""
    user = path.split("/")[3]
    status, etag, data = server.request("GET", path, user=user)
    if status == 404:
        return None
    if status != 200:
        raise AssertionError(f"GET {path}: {status}")
    return (etag, data)


def possible_instants(ops, observed):
    """Intervals of instants at which the path could have been in `observed` (None or
    (etag, body)): after op i (started at start_i) and before op i+1 answered."""
    states = [(float("-inf"), None)] + [(start, state) for start, _, state in ops]
    ends = [end for _, end, _ in ops] + [float("inf")]
    out = []
    for i, (start, state) in enumerate(states):
        if state is None:
            same = observed is None
        else:
            same = observed is not None and observed[0] == state[0] and \
                state[1].encode() in observed[1]
        if same:
            out.append((start, ends[i]))
    return out


def intersect(a, b):
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo < hi:
                out.append((lo, hi))
    return out


def consistent_point(log, observe, window):
    """The instants in `window` at which every path of `log` was as `observe(path)` says;
    [] when there is none. Also returns the first paths that narrowed it to nothing."""
    left = [window]
    culprits = []
    for path, ops in sorted(log.items()):
        narrowed = intersect(left, possible_instants(ops, observe(path)))
        if not narrowed:
            culprits.append(path)
            if len(culprits) >= 3:
                break
            continue
        left = narrowed
    return ([] if culprits else left), culprits


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digest(d):
    return {os.path.relpath(p, d): sha(p) for p in glob.glob(d + "/**", recursive=True)
            if os.path.isfile(p)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    print(f"seed {args.seed}")
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="cartable-backup-test-")
    servers = []
    try:
        return scenario(binary, rng, work, servers)
    finally:
        for s in servers:
            if s.proc and s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def scenario(binary, rng, work, servers):
    a, b, dest = f"{work}/a", f"{work}/b", f"{work}/backup"
    for user, password in PEOPLE.items():
        rc, _, err = run(binary, ["--data", a, "user", "add", user, "--name", user.title(),
                                  "--email", f"{user}@ac-orleans-tours.fr", "--password-stdin"],
                         password + "\n")
        assert rc == 0, err
    rc, app_password, err = run(binary, ["--data", a, "user", "app-password", "add", "alice",
                                         "Téléphone"])
    assert rc == 0, err
    app_password = app_password.strip()

    server_a = Server(binary, a).start()
    servers.append(server_a)
    # Before the load: a few resources per writer, then each collection's token.
    stop = threading.Event()
    writers = [Writer(i, "alice" if i < 2 else "bob", server_a.port, random.Random(rng.random()),
                      stop) for i in range(4)]
    for w in writers:
        conn = http.client.HTTPConnection("127.0.0.1", server_a.port, timeout=30)
        for _ in range(6):
            w.once(conn, "pre")
        conn.close()
    tokens0 = {}
    state0 = {}
    for user in PEOPLE:
        for col, _ in collections(user).values():
            _, tokens0[col] = sync(server_a, user, col, "")
    for w in writers:
        for path in w.log:
            state0[path] = w.log[path][-1][2]

    for w in writers:
        w.start()
    time.sleep(1.0)
    backup_start = time.monotonic()
    rc, out, err = run(binary, ["--data", a, "backup", dest])
    backup_end = time.monotonic()
    check(rc == 0, f"backup while the server writes: exit 0 (got {rc}: {err.strip()})")
    print(out.strip())
    time.sleep(1.0)  # the load goes on after the backup: A's final state is not the backup's
    stop.set()
    for w in writers:
        w.join(timeout=30)
        assert w.error is None, w.error
    log = {}
    for w in writers:
        log.update(w.log)
    after = sum(1 for ops in log.values() for start, _, _ in ops if start > backup_end)
    during = sum(1 for ops in log.values() for start, end, _ in ops
                 if start < backup_end and end > backup_start)
    print(f"{sum(w.acked for w in writers)} acknowledged writes, {during} while the backup "
          f"ran, {after} after it; backup took {backup_end - backup_start:.2f} s")
    check(during > 0 and after > 0, "writes acknowledged during and after the backup")

    manifest = json.load(open(f"{dest}/manifest.json"))
    names = sorted(f["name"] for f in manifest["files"])
    check(names == ["cartable.db", "secret.key"], f"the backup holds the database and the key "
          f"({names})")
    check(all(sha(f"{dest}/{f['name']}") == f["sha256"] and
              os.path.getsize(f"{dest}/{f['name']}") == f["bytes"] for f in manifest["files"]),
          "the manifest's sizes and sha256 are those of the files")
    check(all(os.stat(p).st_mode & 0o077 == 0 for p in [dest] + glob.glob(dest + "/*")),
          "the backup directory and its files are private (0700/0600)")

    rc, out, err = run(binary, ["--data", b, "restore", dest])
    check(rc == 0, f"restore into a new directory: exit 0 (got {rc}: {err.strip()})")
    server_b = Server(binary, b).start()
    servers.append(server_b)

    # Every resource B holds was made by the writers.
    listed_b = {}
    for user in PEOPLE:
        for col, _ in collections(user).values():
            listed_b.update(listing(server_b, user, col))
    strays = sorted(set(listed_b) - set(log))
    check(not strays, f"B holds only resources the writers made ({strays[:3]})")
    b_state = {p: state_on(server_b, p) for p in log}
    check(all(listed_b.get(p) == (s[0] if s else None) for p, s in b_state.items()),
          "B's listing and its GETs agree")

    window = (backup_start, backup_end)
    point, culprits = consistent_point(log, lambda p: b_state[p], window)
    check(bool(point), f"the backup is one state A passed through while the backup ran "
          f"({len(log)} resources; first mismatches {culprits})")
    a_final = {p: (ops[-1][2] if ops[-1][2] is None else state_on(server_a, p))
               for p, ops in log.items()}
    point_a, _ = consistent_point(log, lambda p: a_final[p], window)
    check(not point_a, "self-check: A's final state is NOT accepted as the backup's state")

    same = [p for p in log if b_state[p] and a_final[p] and b_state[p][0] == a_final[p][0]]
    check(all(b_state[p][1] == a_final[p][1] for p in same),
          f"the {len(same)} objects A still has unchanged are byte-identical on B")
    differ = {p for p in log if (b_state[p] and b_state[p][0]) != (a_final[p] and a_final[p][0])}
    check(len(differ) > 0, f"{len(differ)} resources changed on A after the backup")

    for user in PEOPLE:
        for col, _ in collections(user).values():
            _, token_b = sync(server_b, user, col, "")
            changes_a, _ = sync(server_a, user, col, token_b)
            mine = {p for p in log if p.startswith(col)}
            missed = sorted(p for p in mine & differ if p not in changes_a)
            extra = sorted(p for p in mine - differ if b_state[p] and p in changes_a)
            check(not missed and not extra,
                  f"{col}: A's changes since B's token are exactly the later ones "
                  f"(missed {missed[:3]}, extra {extra[:3]})")
            none, _ = sync(server_b, user, col, token_b)
            check(not none, f"{col}: B's own token reports no change ({list(none)[:3]})")
            changes_b, _ = sync(server_b, user, col, tokens0[col])
            moved = {p for p in mine if (b_state[p] and b_state[p][0]) !=
                     (state0.get(p) and state0[p][0])}
            missed = sorted(p for p in moved if p not in changes_b)
            extra = sorted(p for p in mine - moved if b_state[p] and p in changes_b)
            wrong = sorted(p for p, (s, e) in changes_b.items()
                           if s == 200 and (not b_state.get(p) or b_state[p][0] != e))
            check(not missed and not extra and not wrong,
                  f"{col}: B's changes since the token taken before the load are right "
                  f"(missed {missed[:3]}, extra {extra[:3]}, wrong ETag {wrong[:3]})")

    # Accounts.
    list_a = run(binary, ["--data", a, "user", "list"])
    list_b = run(binary, ["--data", b, "user", "list"])
    check(list_a[0] == 0 and list_a[1] == list_b[1] and "alice" in list_b[1],
          "`user list` is the same on A and B")
    for user in PEOPLE:
        status, _, _ = server_b.request("PROPFIND", f"/dav/calendars/{user}/", user=user,
                                        headers={"Depth": "0"})
        check(status == 207, f"{user} signs in on B with the password (got {status})")
    status, _, _ = server_b.request("PROPFIND", "/dav/calendars/bob/", user="bob",
                                    password="not-the-password", headers={"Depth": "0"})
    check(status == 401, f"a wrong password is refused on B (got {status})")
    status, _, _ = server_b.request("PROPFIND", "/dav/calendars/alice/", password=app_password,
                                    headers={"Depth": "0"})
    check(status == 207, f"alice's app password works on B: the key travelled (got {status})")

    refusals(binary, work, a, b, dest, server_a, server_b, app_password)
    server_a.stop()
    server_b.stop()
    if FAILURES:
        print(f"FAIL: {len(FAILURES)} check(s) failed")
        return 1
    print("ok")
    return 0


def refusals(binary, work, a, b, dest, server_a, server_b, app_password):
    before = tree_digest(dest)
    rc, _, err = run(binary, ["--data", a, "backup", dest])
    check(rc == 2 and "not an empty directory" in err,
          f"backup into an existing DEST: exit 2 with a reason (got {rc}: {err.strip()})")
    check(tree_digest(dest) == before, "the existing DEST is left as it was")

    probe = "/dav/files/alice/probe.txt"
    status, etag, _ = server_b.request("PUT", probe, body="probe\n",
                                       headers={"Content-Type": "text/plain"})
    assert status in (201, 204), status
    rc, _, err = run(binary, ["--data", b, "restore", dest, "--force"])
    check(rc == 4 and "stop the server" in err,
          f"restore while a server runs on the data directory: exit 4 (got {rc}: {err.strip()})")
    status, etag2, _ = server_b.request("GET", probe)
    check(status == 200 and etag2 == etag, "the running server and its data are unharmed")
    server_b.stop()
    rc, _, err = run(binary, ["--data", b, "restore", dest])
    check(rc == 2 and "--force" in err,
          f"restore over a database: exit 2, pointing to --force (got {rc}: {err.strip()})")
    old = sha(f"{b}/cartable.db")
    rc, out, err = run(binary, ["--data", b, "restore", dest, "--force"])
    aside = glob.glob(f"{b}/before-restore-*/cartable.db")
    check(rc == 0 and len(aside) == 1 and sha(aside[0]) == old and "moved to" in out,
          f"--force moves the old database aside and restores (got {rc}: {err.strip()})")
    server_b2 = Server(binary, b).start()
    status, _, _ = server_b2.request("GET", probe)
    check(status == 404, f"the restored directory is the backup's state (probe: {status})")
    server_b2.stop()

    # Damaged backups: nothing is created.
    for what, damage in (("a flipped byte in cartable.db", "flip"),
                         ("a changed byte in the manifest's digest", "digest"),
                         ("no manifest (an unfinished backup)", "nomanifest")):
        copy = f"{work}/damaged"
        shutil.copytree(dest, copy)
        if damage == "flip":
            with open(f"{copy}/cartable.db", "r+b") as f:
                f.seek(os.path.getsize(f"{copy}/cartable.db") // 2)
                byte = f.read(1)
                f.seek(-1, 1)
                f.write(bytes([byte[0] ^ 1]))
        elif damage == "digest":
            m = json.load(open(f"{copy}/manifest.json"))
            d = m["files"][0]["sha256"]
            m["files"][0]["sha256"] = ("0" if d[0] != "0" else "1") + d[1:]
            json.dump(m, open(f"{copy}/manifest.json", "w"))
        else:
            os.remove(f"{copy}/manifest.json")
        target = f"{work}/never"
        rc, _, err = run(binary, ["--data", target, "restore", copy])
        check(rc == 3 and not os.path.exists(target),
              f"restore of a backup with {what}: exit 3, nothing created (got {rc}: "
              f"{err.strip()})")
        shutil.rmtree(copy)

    # Without the key.
    nokey, c = f"{work}/backup-nokey", f"{work}/c"
    rc, _, err = run(binary, ["--data", a, "backup", nokey, "--no-secret-key"])
    names = [f["name"] for f in json.load(open(f"{nokey}/manifest.json"))["files"]]
    check(rc == 0 and names == ["cartable.db"] and not os.path.exists(f"{nokey}/secret.key")
          and "secret key" in err,
          f"--no-secret-key leaves the key out and warns (got {rc}, {names})")
    rc, _, err = run(binary, ["--data", c, "restore", nokey])
    check(rc == 0 and "no secret key" in err, f"restore of a backup without the key warns ({rc})")
    server_c = Server(binary, c).start()
    status, _, _ = server_c.request("PROPFIND", "/dav/calendars/alice/", headers={"Depth": "0"})
    check(status == 207, f"without the key the password still works (got {status})")
    status, _, _ = server_c.request("PROPFIND", "/dav/calendars/alice/", password=app_password,
                                    headers={"Depth": "0"})
    check(status == 401, f"without the key the app password does not (got {status})")
    server_c.stop()

    # PostgreSQL: refused before any connection, pointing to the documentation.
    ini = f"{work}/pg.ini"
    with open(ini, "w") as f:
        f.write("[store]\nbackend = postgresql\npostgresql_url = postgresql://u@127.0.0.1:1/db\n")
    for cmd, arg in (("backup", f"{work}/pg-backup"), ("restore", dest)):
        rc, _, err = run(binary, ["--config", ini, "--data", f"{work}/pg-data", cmd, arg])
        check(rc == 2 and "docs/deployment.md" in err and "pg_dump" in err and
              not os.path.exists(arg if cmd == "backup" else f"{work}/pg-data"),
              f"{cmd} with the PostgreSQL backend: exit 2 pointing to the docs (got {rc})")

    for args in (["backup"], ["restore"], ["backup", "x", "y"]):
        rc, _, err = run(binary, ["--data", f"{work}/usage"] + args)
        check(rc == 64 and "usage:" in err and not os.path.exists(f"{work}/usage"),
              f"`{' '.join(args)}`: exit 64 with the usage (got {rc})")

    older(binary, work)


def older(binary, work):
    """A backup of schema version 1 (made here from schemas/sqlite/0001_*.sql, in the format the
    manifest documents) restores and is migrated to this binary's version."""
    migrations = sorted(glob.glob(f"{SRC_ROOT}/schemas/sqlite/[0-9]*.sql"))
    latest = int(os.path.basename(migrations[-1])[:4])
    old = f"{work}/backup-v1"
    os.makedirs(old)
    db = sqlite3.connect(f"{old}/cartable.db")
    db.executescript(open(migrations[0]).read())
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    manifest = {"format": "cartable-backup", "format_version": 1,
                "created": "2026-01-05T02:00:00Z", "backend": "sqlite", "schema_version": 1,
                "files": [{"name": "cartable.db", "bytes": os.path.getsize(f"{old}/cartable.db"),
                           "sha256": sha(f"{old}/cartable.db")}]}
    json.dump(manifest, open(f"{old}/manifest.json", "w"))
    target = f"{work}/d"
    rc, out, err = run(binary, ["--data", target, "restore", old])
    version = sqlite3.connect(f"{target}/cartable.db").execute("PRAGMA user_version").fetchone()
    check(rc == 0 and version[0] == latest and f"schema version now {latest}" in out,
          f"a version-1 backup restores and is migrated to {latest} (got {rc}, {version}: "
          f"{err.strip()})")


if __name__ == "__main__":
    sys.exit(main())
