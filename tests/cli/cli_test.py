#!/usr/bin/python3
"""The `cartable` command line, through the real binary (issue 10).

- `user` and `directory` check their arguments before opening the store: a wrong command line
  prints the usage, exits 64 (EX_USAGE) and creates no data directory (it created ./var).
- `directory import`: a Latin-1 file is refused with its first bad line (exit 1) and accepted with
  --encoding latin1; a file larger than [directory] max_import_bytes is refused before it is read;
  a file that would disable more than [directory] max_disable_percent of the active people is
  refused (the message says how many) unless --allow-mass-disable; no message shows a NUMEN.
- An import killed mid-way (SIGKILL after some batches committed) and run again ends as an
  uninterrupted import does.
- Accounts (issue 11): `user app-password add` prints only the password, which then opens
  CalDAV (python3-caldav against the running server) until `user app-password revoke`; `list`
  shows the last use and its address; `user otp require` makes the account password useless for
  CalDAV while the app password keeps working; `user role`, `user unlock`, and `user list`
  showing role, one-time code and lock; `audit [--user] [--since]` lists every event, one line
  each, without a secret and without control characters.
- Department and establishment agendas (issue 12): `directory import` makes the group accounts,
  `group-calendar create --departement 37 --name ... --managers ...` prints the agenda's URL, a
  member sees it in a PROPFIND of their calendar home, a manager writes in it, someone of another
  department does not see it; a re-import moving a member to another department takes it out of
  their home and their sync-collection on the home reports it gone; `group-calendar list` and
  `delete`; wrong command lines exit 64, an unknown group exits 1.
- `migrate-store` (issue 15): wrong command lines exit 64; a missing source store exits 1
  without creating it; --help says to stop the server first.

usage: cli_test.py --binary PATH
"""
import argparse
import base64
import datetime
import http.client
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HEADER = "nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n"
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(binary, args, cwd, stdin=""):
    p = subprocess.run([binary] + args, cwd=cwd, input=stdin.encode(), capture_output=True,
                       timeout=120)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def letters(i):
    s = ""
    while True:
        s += chr(ord("a") + i % 26)
        i //= 26
        if i == 0:
            return s


def people(n):
    return HEADER + "".join(f"Nom{letters(i)};Anne;;;Lycée A;0370001A;37;;\n" for i in range(n))


def usage_checks(binary, work):
    cases = [
        (["user"], "user without subcommand"),
        (["directory"], "directory without subcommand"),
        (["user", "frobnicate"], "unknown user subcommand"),
        (["user", "disable"], "user disable without LOGIN"),
        (["directory", "export"], "unknown directory subcommand"),
        (["directory", "import"], "directory import without FILE"),
        (["directory", "import", "x.csv", "--encoding", "ebcdic"], "unknown encoding"),
        (["user", "otp", "jmartin"], "user otp without value"),
        (["user", "otp", "jmartin", "maybe"], "user otp with a bad value"),
        (["user", "role", "jmartin", "root"], "user role with a bad value"),
        (["user", "unlock"], "user unlock without LOGIN"),
        (["user", "app-password"], "user app-password without subcommand"),
        (["user", "app-password", "show", "jmartin"], "unknown app-password subcommand"),
        (["user", "app-password", "list"], "user app-password list without LOGIN"),
        (["user", "app-password", "add", "jmartin"], "user app-password add without NAME"),
        (["user", "app-password", "revoke", "jmartin"], "user app-password revoke without NAME"),
        (["audit", "--since", "2026-02-30"], "audit with an impossible date"),
        (["audit", "--since", "06/12/2026"], "audit with a date not in ISO form"),
        (["audit", "--limit", "0"], "audit with a zero limit"),
        (["audit", "everything"], "audit with an extra argument"),
        (["group-calendar"], "group-calendar without subcommand"),
        (["group-calendar", "rename"], "unknown group-calendar subcommand"),
        (["group-calendar", "create", "--name", "X"], "group-calendar create without a group"),
        (["group-calendar", "create", "--departement", "37", "--etablissement", "0370001A",
          "--name", "X"], "group-calendar create with two groups"),
        (["group-calendar", "create", "--departement", "37"], "group-calendar create without --name"),
        (["group-calendar", "delete"], "group-calendar delete without URL"),
        (["migrate-store"], "migrate-store without --from and --to"),
        (["migrate-store", "--from", "sqlite:var"], "migrate-store without --to"),
        (["migrate-store", "--to", "postgresql://u@127.0.0.1:1/db"], "migrate-store without --from"),
        (["migrate-store", "--from", "var", "--to", "postgresql://u@127.0.0.1:1/db"],
         "migrate-store --from without sqlite:"),
        (["migrate-store", "--from", "sqlite:", "--to", "postgresql://u@127.0.0.1:1/db"],
         "migrate-store --from with an empty directory"),
        (["migrate-store", "--from", "sqlite:var", "--to", "mysql://u@h/db"],
         "migrate-store --to not postgresql"),
        (["migrate-store", "extra", "--from", "sqlite:var", "--to", "postgresql://u@h/db"],
         "migrate-store with an extra argument"),
    ]
    for args, what in cases:
        cwd = tempfile.mkdtemp(dir=work)
        rc, _, err = run(binary, args, cwd)
        check(rc == 64, f"{what}: exit 64 (got {rc})")
        check("usage:" in err, f"{what}: prints the usage")
        check(not os.path.exists(os.path.join(cwd, "var")), f"{what}: creates no ./var")

    # migrate-store from a directory holding no store: refused (exit 1, saying so) before
    # PostgreSQL is contacted (port 1 would refuse), and the directory is not created.
    cwd = tempfile.mkdtemp(dir=work)
    rc, _, err = run(binary, ["migrate-store", "--from", "sqlite:var", "--to",
                              "postgresql:postgresql://u@127.0.0.1:1/db"], cwd)
    check(rc == 1, f"migrate-store from a missing store: exit 1 (got {rc})")
    check("no Cartable SQLite store" in err, "migrate-store from a missing store: says so")
    check(not os.path.exists(os.path.join(cwd, "var")), "migrate-store: creates no ./var")
    rc, out, _ = run(binary, ["--help"], cwd)
    check(rc == 0 and "migrate-store" in out and "STOP THE SERVER" in out,
          "--help describes migrate-store and says to stop the server")


def import_checks(binary, work):
    data = os.path.join(work, "data")
    cfg = os.path.join(work, "cartable.ini")
    with open(cfg, "w") as f:
        f.write("[directory]\nmax_import_bytes = 4096\nmax_disable_percent = 5\n")
    base = ["--config", cfg, "--data", data]

    def write(name, text, encoding="utf-8"):
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(text.encode(encoding) if isinstance(text, str) else text)
        return path

    def imp(path, *flags):
        return run(binary, base + ["directory", "import", path] + list(flags), work)

    def active():
        db = sqlite3.connect(os.path.join(data, "cartable.db"))
        try:
            return db.execute("SELECT count(*) FROM directory_entries WHERE active").fetchone()[0]
        finally:
            db.close()

    latin1 = write("latin1.csv", HEADER + "Roy;Anne;;;;;18;;\nDupont;Hélène;;;;;18;;\n", "latin-1")
    rc, _, err = imp(latin1)
    check(rc == 1, f"Latin-1 file: exit 1 (got {rc})")
    check("latin1.csv:3: not UTF-8" in err, "Latin-1 file: the message names line 3")
    rc, out, err = imp(latin1, "--encoding", "latin1")
    check(rc == 0, f"--encoding latin1: exit 0 (got {rc}: {err.strip()})")
    rc, out, _ = run(binary, base + ["user", "list"], work)
    check("Hélène Dupont" in out, "--encoding latin1: the accented name is right")

    big = write("big.csv", people(200))  # > 4096 bytes
    rc, _, err = imp(big)
    check(rc == 1 and "max_import_bytes" in err, f"too large a file: exit 1, named bound ({rc})")
    rc, _, err = run(binary, base + ["directory", "import", "/dev/stdin"], work, people(200))
    check(rc == 1 and "max_import_bytes" in err, f"too large a pipe: exit 1, named bound ({rc})")

    forty = write("forty.csv", people(40))
    with open(cfg, "w") as f:  # 40 people do not fit in 4 KiB
        f.write("[directory]\nmax_disable_percent = 5\n")
    rc, _, err = imp(forty, "--allow-mass-disable")
    check(rc == 0, f"40 people imported (got {rc}: {err.strip()})")
    cut = write("cut.csv", people(37))
    rc, _, err = imp(cut)
    check(rc == 1, f"a cut file: exit 1 (got {rc})")
    check("would disable 3 of the 40 active people" in err, "a cut file: says how many")
    check(active() == 40, "a cut file: nothing disabled")
    rc, _, err = imp(cut, "--allow-mass-disable")
    check(rc == 0 and active() == 37, f"--allow-mass-disable: 3 disabled (got {rc})")

    numen = write("numen.csv", HEADER + "Roy;Anne;;;;;18;;12E3456789AB#\n")
    rc, out, err = imp(numen)
    check(rc == 1 and "bad NUMEN" in err, f"bad NUMEN refused (got {rc})")
    check("3456789" not in out + err, "no NUMEN in the output")


def identity_checks(binary, work):
    """NUMEN and birth date are stored only as keyed hashes made with the key file of
    [accounts] secret_key_file (default <data_dir>/secret.key, created 0600); an entry keyed
    by a NUMEN in clear (the previous version's import) is rekeyed and keeps its login."""
    header = HEADER.rstrip("\n") + ";date_naissance\n"
    data = os.path.join(work, "identity")
    path = os.path.join(work, "identity.csv")

    def imp(text, *extra):
        with open(path, "w") as f:
            f.write(header + text)
        return run(binary, list(extra) + ["--data", data, "directory", "import", path], work)

    def rows():
        db = sqlite3.connect(os.path.join(data, "cartable.db"))
        try:
            return db.execute("SELECT e.source_key, e.numen_hash, e.birth_hash, u.login "
                              "FROM directory_entries e JOIN users u ON u.id = e.user_id "
                              "ORDER BY e.id").fetchall()
        finally:
            db.close()

    rc, _, err = imp("Roy;Anne;;;;;18;;;31/02/1985\n")
    check(rc == 1 and "identity.csv:2: bad birth date" in err,
          f"impossible birth date refused with its line (got {rc}: {err.strip()})")
    rc, out, err = imp("Roy;Anne;;;;;18;;12E3456789ABC;15/03/1985\n")
    check(rc == 0, f"NUMEN and birth date imported (got {rc}: {err.strip()})")
    key = os.path.join(data, "secret.key")
    check(os.path.exists(key) and (os.stat(key).st_mode & 0o777) == 0o600,
          "the key file is created 0600 in the data directory")
    (source_key, numen_hash, birth_hash, login), = rows()
    check(source_key == "numen:" + numen_hash and len(numen_hash) == 64 and len(birth_hash) == 64,
          f"source key and hashes are keyed hashes ({source_key})")
    with open(os.path.join(data, "cartable.db"), "rb") as f:
        check(b"12E3456789ABC" not in f.read(), "no NUMEN in clear in the database")

    # The previous version's key for this person: the NUMEN in clear, no hashes.
    db = sqlite3.connect(os.path.join(data, "cartable.db"))
    db.execute("UPDATE directory_entries SET source_key = 'numen:12E3456789ABC', "
               "numen_hash = '', birth_hash = ''")
    db.commit()
    db.close()
    rc, out, err = imp("Roy;Anne;;;;;18;;12e3456789abc;1985-03-15\n")
    check(rc == 0 and "1 entries keyed by a NUMEN in clear now keyed by its hash" in out,
          f"old clear key rehashed (got {rc}: {out.strip()} {err.strip()})")
    check(rows() == [(source_key, numen_hash, birth_hash, login)],
          "same entry, login and hashes after the rekey")

    other = os.path.join(work, "elsewhere", "cartable.key")
    cfg = os.path.join(work, "identity.ini")
    with open(cfg, "w") as f:
        f.write(f"[accounts]\nsecret_key_file = {other}\n")
    data = os.path.join(work, "identity2")
    rc, _, err = imp("Roy;Anne;;;;;18;;12E3456789ABC;15/03/1985\n", "--config", cfg)
    check(rc == 0 and os.path.exists(other) and not os.path.exists(os.path.join(data, "secret.key")),
          f"[accounts] secret_key_file names the key file (got {rc}: {err.strip()})")
    check(rows()[0][1] != numen_hash, "another key gives other hashes")


def crash_checks(binary, work):
    """SIGKILL the import mid-way (some batches committed), re-run it: the result is the one of an
    uninterrupted import (same logins and emails, one card per person and group, no duplicates)."""
    cfg = os.path.join(work, "batches.ini")
    with open(cfg, "w") as f:
        f.write("[directory]\nimport_batch_size = 50\n")
    n = 1500
    path = os.path.join(work, "crash.csv")
    with open(path, "w") as f:
        f.write(people(n))

    def state(data):
        db = sqlite3.connect(os.path.join(data, "cartable.db"))
        try:
            # Group accounts (issue 12) have no e-mail.
            logins = sorted(r[0] + " " + (r[1] or "") for r in db.execute(
                "SELECT login, email FROM users"))
            cards = db.execute("SELECT count(*) FROM objects o JOIN collections c "
                               "ON o.collection_id = c.id WHERE c.path = '/dav/directory/'"
                               ).fetchone()[0]
            entries = db.execute("SELECT count(*) FROM directory_entries").fetchone()[0]
            return logins, cards, entries
        finally:
            db.close()

    def entries_now(data):
        try:
            db = sqlite3.connect(os.path.join(data, "cartable.db"), timeout=5)
            try:
                return db.execute("SELECT count(*) FROM directory_entries").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            return 0

    crashed = os.path.join(work, "crashed")
    run(binary, ["--data", crashed, "migrate"], work)
    p = subprocess.Popen([binary, "--config", cfg, "--data", crashed, "directory", "import", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while entries_now(crashed) < 200 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    p.kill()
    p.wait()
    partial = entries_now(crashed)
    check(0 < partial < n, f"import killed mid-way ({partial} of {n} people committed)")
    rc, out, err = run(binary, ["--config", cfg, "--data", crashed, "directory", "import", path],
                       work)
    check(rc == 0, f"re-run after the crash: exit 0 (got {rc}: {err.strip()})")
    clean = os.path.join(work, "clean")
    rc, _, _ = run(binary, ["--config", cfg, "--data", clean, "directory", "import", path], work)
    check(rc == 0, "uninterrupted import: exit 0")
    a, b = state(crashed), state(clean)
    check(a[0] == b[0], f"same logins and emails after crash + re-run ({len(a[0])}, {len(b[0])})")
    check(a[1:] == b[1:], f"same number of cards and entries ({a[1:]} vs {b[1:]})")


APP_PASSWORD = re.compile(r"^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$")


class Server:
    """`cartable serve` on an ephemeral loopback port, its output in a file."""

    def __init__(self, binary, base, work):
        self.log = open(os.path.join(work, "server.log"), "w+")
        self.proc = subprocess.Popen([binary] + base + ["serve", "--listen", "127.0.0.1:0"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + 30
        while self.port is None and time.monotonic() < deadline and self.proc.poll() is None:
            self.log.seek(0)
            m = re.search(r"serving on http://127\.0\.0\.1:([0-9]+)/", self.log.read())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            self.log.seek(0)
            raise RuntimeError("the server did not start: " + self.log.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def propfind(self, login, password):
        """Depth 0 PROPFIND of the user's calendar home with Basic credentials: the status."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            auth = base64.b64encode(f"{login}:{password}".encode()).decode()
            conn.request("PROPFIND", f"/dav/calendars/{login}/", body="",
                         headers={"Authorization": "Basic " + auth, "Depth": "0"})
            r = conn.getresponse()
            r.read()
            return r.status
        finally:
            conn.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def caldav_calendars(url, login, password):
    """python3-caldav (Debian's, hence /usr/bin/python3) discovering the user's calendars, in a
    child process so that a library problem fails one check, not the whole run: "" when it
    worked, else what went wrong."""
    code = ("import caldav, sys\n"
            "c = caldav.DAVClient(url=sys.argv[1], username=sys.argv[2], password=sys.argv[3])\n"
            "p = c.principal()\n"
            "assert str(p.url).endswith('/dav/principals/users/%s/' % sys.argv[2]), p.url\n"
            "print(len(p.calendars()))\n")
    p = subprocess.run(["/usr/bin/python3", "-c", code, url + "/dav/", login, password],
                       capture_output=True, timeout=60)
    return "" if p.returncode == 0 else (p.stdout + p.stderr).decode(errors="replace")[-600:]


def account_checks(binary, work):
    data = os.path.join(work, "accounts")
    base = ["--data", data]
    password = "Chevre-Lune-Vertige-42"

    def cli(*args, stdin=""):
        return run(binary, base + list(args), work, stdin)

    rc, _, err = cli("user", "add", "jmartin", "--name", "Jean Martin", "--email",
                     "jean.martin@ac-orleans-tours.fr", "--password-stdin", stdin=password + "\n")
    check(rc == 0, f"user add (got {rc}: {err.strip()})")

    rc, out, err = cli("user", "app-password", "add", "jmartin", "Thunderbird du bureau")
    check(rc == 0, f"app-password add: exit 0 (got {rc}: {err.strip()})")
    app_password = out.strip()
    check(APP_PASSWORD.match(app_password) is not None and out == app_password + "\n",
          f"app-password add prints only the password ({out!r})")
    rc, out, err = cli("user", "app-password", "add", "jmartin", "Thunderbird du bureau")
    check(rc == 1 and "name-taken" in err and out == "",
          f"the same name again: exit 1, name-taken ({rc}: {err.strip()})")
    rc, out, err = cli("user", "app-password", "add", "jmartin", "iPhone")
    check(rc == 0, f"a second app password ({rc}: {err.strip()})")
    other_password = out.strip()
    rc, _, err = cli("user", "app-password", "add", "nobody", "x")
    check(rc == 1 and "nobody" in err, f"app-password add for an unknown user: exit 1 ({rc})")

    rc, out, _ = cli("user", "app-password", "list", "jmartin")
    rows = [line for line in out.splitlines() if line.startswith("Thunderbird du bureau")]
    check(rc == 0 and len(rows) == 1, f"app-password list shows the device ({out!r})")
    check(bool(rows) and rows[0].split()[-2:] == ["-", "-"], f"never used yet ({rows})")
    check(app_password not in out and other_password not in out, "the list shows no password")

    server = Server(binary, base, work)
    try:
        check(server.propfind("jmartin", app_password) == 207,
              "the app password opens CalDAV (PROPFIND 207)")
        problem = caldav_calendars(server.url, "jmartin", app_password)
        check(problem == "", "python3-caldav discovers the calendars with the app password "
              + problem)
        check(server.propfind("jmartin", app_password.replace("-", "")) == 207,
              "the app password without hyphens works too")
        rc, out, _ = cli("user", "app-password", "list", "jmartin")
        rows = [line for line in out.splitlines() if line.startswith("Thunderbird du bureau")]
        check(bool(rows) and rows[0].split()[-1] == "127.0.0.1" and
              re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1$", rows[0]),
              f"app-password list shows the last use and its address ({rows})")

        check(server.propfind("jmartin", password) == 207, "the account password opens CalDAV")
        rc, out, err = cli("user", "otp", "jmartin", "require")
        check(rc == 0, f"user otp require ({rc}: {err.strip()})")
        check(server.propfind("jmartin", password) == 401,
              "once a code is required the account password no longer opens CalDAV")
        check(server.propfind("jmartin", app_password) == 207, "the app password still does")

        rc, _, err = cli("user", "app-password", "revoke", "jmartin", "Thunderbird du bureau")
        check(rc == 0, f"app-password revoke ({rc}: {err.strip()})")
        check(server.propfind("jmartin", app_password) == 401,
              "a revoked app password no longer opens CalDAV")
        check(server.propfind("jmartin", other_password) == 207, "the other one still does")
        rc, _, err = cli("user", "app-password", "revoke", "jmartin", "Thunderbird du bureau")
        check(rc == 1, f"revoking it again: exit 1 ({rc}: {err.strip()})")
    finally:
        server.stop()

    rc, _, err = cli("user", "role", "jmartin", "admin")
    check(rc == 0, f"user role admin ({rc}: {err.strip()})")
    rc, _, err = cli("user", "otp", "jmartin", "optional")
    check(rc == 0, f"user otp optional ({rc}: {err.strip()})")
    for args in (["role", "nobody", "admin"], ["otp", "nobody", "require"]):
        rc, _, err = cli("user", *args)
        check(rc == 1 and "nobody" in err, f"user {args[0]} of an unknown user: exit 1 ({rc})")

    def listed():
        _, out, _ = cli("user", "list")
        line = next((l for l in out.splitlines() if l.startswith("jmartin ")), "")
        return out.splitlines()[0].split() if out else [], line.split()

    header, row = listed()
    col = {name: i for i, name in enumerate(header)}
    check("ROLE" in col and "OTP" in col and "LOCK" in col, f"user list has ROLE, OTP, LOCK ({header})")
    if "ROLE" in col and len(row) > col["LOCK"]:
        check(row[col["ROLE"]] == "admin", f"user list: role admin ({row})")
        check(row[col["OTP"]] == "required", f"user list: an admin needs a code ({row})")
        check(row[col["LOCK"]] == "-", f"user list: not locked ({row})")

    db = sqlite3.connect(os.path.join(data, "cartable.db"))
    try:
        db.execute("UPDATE users SET blocked = 1, temporary_locks = 4 WHERE login = 'jmartin'")
        # A typed login is audited as typed: a line feed in it must not forge a line.
        db.execute("INSERT INTO audit_log (at, login, event, address) VALUES (?, ?, ?, ?)",
                   (int(time.time()), "evil\nFORGED sign-in root", "sign-in-failed", "192.0.2.9"))
        db.commit()
    finally:
        db.close()
    _, row = listed()
    check("blocked" in row, f"user list shows the block ({row})")
    rc, _, err = cli("user", "unlock", "jmartin")
    check(rc == 0, f"user unlock ({rc}: {err.strip()})")
    _, row = listed()
    check("blocked" not in row and "locked" not in row, f"unlocked ({row})")
    rc, _, err = cli("user", "unlock", "nobody")
    check(rc == 1 and "nobody" in err, f"user unlock of an unknown user: exit 1 ({rc})")

    rc, out, err = cli("audit")
    check(rc == 0, f"audit: exit 0 ({rc}: {err.strip()})")
    lines = out.splitlines()
    line_re = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S+ +\S+ +\S+")
    check(lines and all(line_re.match(l) for l in lines), f"audit: one entry per line ({lines})")
    events = [l.split()[1] for l in lines]
    for event in ("app-password-added", "otp-required", "app-password-revoked", "role-changed",
                  "unlocked"):
        check(event in events, f"audit lists {event}")
    for secret in (password, app_password, app_password.replace("-", ""), other_password):
        check(secret not in out, "audit shows no secret")
    check(not any(l.startswith("FORGED") for l in lines) and "evil?FORGED" in out,
          "audit: a control character in a field cannot forge a line")
    added = next((l for l in lines if " app-password-added " in l), "")
    check("jmartin" in added and "Thunderbird du bureau" in added,
          f"audit: the entry names the user and the device ({added})")

    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    rc, out, _ = cli("audit", "--user", "jmartin", "--since", today)
    check(rc == 0 and "app-password-added" in out and "evil" not in out,
          f"audit --user --since: only that user's entries ({rc})")
    rc, out, _ = cli("audit", "--since", "2099-01-01")
    check(rc == 0 and out == "", f"audit --since in the future: nothing ({out!r})")
    rc, out, _ = cli("audit", "--limit", "1")
    check(rc == 0 and len(out.splitlines()) == 1, f"audit --limit 1: one line ({out!r})")
    rc, _, err = cli("audit", "--user", "nobody")
    check(rc == 1 and "nobody" in err, f"audit --user of an unknown user: exit 1 ({rc})")


def dav(port, method, path, login, password, body="", headers=None):
    """One request with Basic credentials: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        auth = base64.b64encode(f"{login}:{password}".encode()).decode()
        h = {"Authorization": "Basic " + auth}
        h.update(headers or {})
        conn.request(method, path, body=body.encode(), headers=h)
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


def responses(body):
    """A multistatus as {href: (status of the response or "200", {local name: text})}."""
    import xml.etree.ElementTree as ET
    out = {}
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return out
    for r in root.findall("{DAV:}response"):
        href = r.findtext("{DAV:}href", "")
        status = r.findtext("{DAV:}status", "")
        props = {}
        for ps in r.findall("{DAV:}propstat"):
            if "200" not in ps.findtext("{DAV:}status", ""):
                continue
            for prop in ps.find("{DAV:}prop") or []:
                props[prop.tag.split("}")[-1]] = "".join(prop.itertext())
        out[href] = (status, props)
    sync = root.findtext("{DAV:}sync-token", "")
    if sync:
        out["sync-token"] = (sync, {})
    return out


def group_calendar_checks(binary, work):
    """A department agenda made from the command line, seen by the members the directory lists
    and following a re-import (issue 12)."""
    data = os.path.join(work, "groups")
    base = ["--data", data]
    password = "Chevre-Lune-Vertige-42"

    def cli(*args, stdin=""):
        return run(binary, base + list(args), work, stdin)

    people = [("hlegalldubois", "Hélène Le Gall-Dubois", "helene.le-gall-dubois"),
              ("jmartin", "Jean Martin", "jean.martin"), ("jmartin2", "Julie Martin", "julie.martin")]
    for login, name, local in people:
        rc, _, err = cli("user", "add", login, "--name", name, "--email",
                         local + "@ac-orleans-tours.fr", "--password-stdin", stdin=password + "\n")
        check(rc == 0, f"user add {login} (got {rc}: {err.strip()})")
    staff = os.path.join(work, "groups.csv")

    def staff_file(jean_dep, jean_uai, jean_etab):
        with open(staff, "w") as f:
            f.write("nom;prenom;email;fonction;etablissement;uai;departement;telephone\n"
                    "Le Gall-Dubois;Hélène;helene.le-gall-dubois@ac-orleans-tours.fr;Proviseure;"
                    "Lycée Descartes;0370001A;37;\n"
                    f"Martin;Jean;jean.martin@ac-orleans-tours.fr;CPE;{jean_etab};{jean_uai};"
                    f"{jean_dep};\n"
                    "Martin;Julie;julie.martin@ac-orleans-tours.fr;Professeure;Collège Jean Zay;"
                    "0450002B;45;\n")

    staff_file("37", "0370001A", "Lycée Descartes")
    rc, out, err = cli("directory", "import", staff)
    check(rc == 0 and "groups added 4" in out,
          f"directory import makes the group accounts ({rc}: {out.strip()} {err.strip()})")
    rc, _, err = cli("group-calendar", "create", "--departement", "99", "--name", "Rien")
    check(rc == 1 and "departement:99" in err, f"unknown department: exit 1, named ({rc}: {err})")
    rc, _, err = cli("group-calendar", "create", "--departement", "37", "--name", "Conseils",
                     "--managers", "personne")
    check(rc == 1 and "personne" in err, f"unknown manager: exit 1, named ({rc}: {err})")
    rc, out, err = cli("group-calendar", "create", "--departement", "37", "--name",
                       "Conseils de classe 37", "--managers", "hlegalldubois")
    url = out.strip()
    check(rc == 0 and url == "/dav/calendars/departement-37/conseils-de-classe-37/",
          f"group-calendar create prints the URL ({rc}: {out!r} {err.strip()})")
    rc, out, _ = cli("group-calendar", "list")
    check(rc == 0 and url in out and "departement:37" in out and "hlegalldubois" in out
          and "1 group calendar(s)" in out, f"group-calendar list shows it ({out!r})")

    props = ('<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/><D:resourcetype/></D:prop>'
             "</D:propfind>")
    sync = ('<D:sync-collection xmlns:D="DAV:"><D:sync-token>{}</D:sync-token>'
            "<D:sync-level>1</D:sync-level><D:prop><D:displayname/></D:prop></D:sync-collection>")

    def mounts(port, login):
        """The hrefs of the home listing the department agenda (by its name)."""
        status, body = dav(port, "PROPFIND", f"/dav/calendars/{login}/", login, password, props,
                           {"Depth": "1"})
        return status, [h for h, (_, p) in responses(body).items()
                        if p.get("displayname") == "Conseils de classe 37"]

    server = Server(binary, base, work)
    try:
        status, seen = mounts(server.port, "jmartin")
        check(status == 207 and len(seen) == 1 and "/partage-" in seen[0],
              f"a member sees the agenda in their home ({status}: {seen})")
        mount = seen[0] if seen else ""
        status, body = dav(server.port, "REPORT", "/dav/calendars/jmartin/", "jmartin", password,
                           sync.format(""), {"Depth": "0"})
        token = responses(body).get("sync-token", ("", {}))[0]
        check(status == 207 and token != "", f"the member's home gives a sync token ({status})")
        status, seen = mounts(server.port, "jmartin2")
        check(status == 207 and seen == [], f"someone of another department does not ({seen})")
        status, seen = mounts(server.port, "hlegalldubois")
        check(len(seen) == 1, f"the manager sees it ({seen})")
        event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cli test//FR\r\nBEGIN:VEVENT\r\n"
                 "UID:conseil-1\r\nDTSTAMP:20261201T100000Z\r\nDTSTART:20261210T160000Z\r\n"
                 "DTEND:20261210T170000Z\r\nSUMMARY:Conseil 3e B\r\nEND:VEVENT\r\n"
                 "END:VCALENDAR\r\n")
        if seen:
            status, _ = dav(server.port, "PUT", seen[0] + "conseil-1.ics", "hlegalldubois",
                            password, event, {"Content-Type": "text/calendar"})
            check(status == 201, f"the manager writes in it ({status})")
        if mount:
            status, body = dav(server.port, "GET", mount + "conseil-1.ics", "jmartin", password)
            check(status == 200 and "Conseil 3e B" in body, f"the member reads it ({status})")
            status, _ = dav(server.port, "PUT", mount + "conseil-2.ics", "jmartin", password,
                            event.replace("conseil-1", "conseil-2"),
                            {"Content-Type": "text/calendar"})
            check(status == 403, f"the member may not write in it ({status})")

        # Jean moves to the Loiret: the agenda leaves his home, and his sync says so.
        staff_file("45", "0450002B", "Collège Jean Zay")
        rc, out, err = cli("directory", "import", staff)
        check(rc == 0 and "updated 1" in out and "homes whose shared agendas changed 1" in out,
              f"the re-import moves Jean ({rc}: {out.strip()} {err.strip()})")
        status, seen = mounts(server.port, "jmartin")
        check(status == 207 and seen == [], f"the agenda left his home ({seen})")
        status, body = dav(server.port, "REPORT", "/dav/calendars/jmartin/", "jmartin", password,
                           sync.format(token), {"Depth": "0"})
        gone = responses(body).get(mount, ("", {}))[0]
        check(status == 207 and "404" in gone,
              f"his sync reports the agenda gone ({status}: {mount} {gone!r})")

        rc, out, err = cli("group-calendar", "delete", url)
        check(rc == 0, f"group-calendar delete ({rc}: {err.strip()})")
        status, seen = mounts(server.port, "hlegalldubois")
        check(seen == [], f"a deleted agenda leaves the homes ({seen})")
        rc, out, _ = cli("group-calendar", "list")
        check(rc == 0 and "0 group calendar(s)" in out, f"list is empty again ({out!r})")
        rc, _, err = cli("group-calendar", "delete", url)
        check(rc == 1 and "not the calendar of a group" in err, f"delete twice: exit 1 ({err})")
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="cartable-cli-")
    try:
        usage_checks(args.binary, work)
        account_checks(args.binary, work)
        import_checks(args.binary, work)
        identity_checks(args.binary, work)
        crash_checks(args.binary, work)
        group_calendar_checks(args.binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("all CLI checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
