#!/usr/bin/python3
"""Data-protection requests through the real binary and a running server (issue 16,
docs/data-protection.md).

- `user export LOGIN DEST.zip`: the zip (read with Python's zipfile) holds every calendar object
  (each VEVENT/VTODO as the server serves it, content line for content line, each time zone
  once), every card byte for byte, every file byte for byte under its path, and account.json
  (login, e-mail, shares granted, no secret); mode 0600; an existing DEST or an unknown login is
  refused (exit 1) and leaves no archive.
- `user delete LOGIN` without --purge refuses (exit 2); --purge without --yes and without a
  terminal refuses (exit 2); nothing changed by either.
- `user delete LOGIN --purge --yes` while the server runs: the sharee's sync-collection on their
  home reports the shared calendar gone; the organizer's copy of an event the person attended is
  unchanged (ETag and bytes); the attendee's copy of an event the person organized stays, the
  invitation the person sent is gone from the attendee's inbox; others' data intact; the person
  cannot sign in; no row of the SQLite database names the person's id; the audit log holds one
  "account-purged" line with the login and nothing else about them.

usage: data_protection_test.py --binary PATH
"""
import argparse
import json
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_test import FAILURES, Server, check, dav, responses, run  # noqa: E402

DOMAIN = "ac-orleans-tours.fr"
PASSWORD = "Chevre-Lune-Vertige-42"
XML = {"Content-Type": "application/xml; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}

PARIS = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
         "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
         "TZNAME:CET\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
         "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
         "TZNAME:CEST\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n")


def vcal(body, zone=True):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//cli test//FR\r\n" +
            (PARIS if zone else "") + body + "END:VCALENDAR\r\n")


def event(uid, summary, extra=""):
    return ("BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20261201T100000Z\r\n"
            "DTSTART;TZID=Europe/Paris:20261210T160000\r\nDTEND;TZID=Europe/Paris:20261210T170000"
            "\r\nSUMMARY:" + summary + "\r\n" + extra + "END:VEVENT\r\n")


def unfolded_blocks(text, name):
    """Every BEGIN:name..END:name block of `text` as a sorted list of unfolded content lines."""
    lines = re.sub(r"\r?\n[ \t]", "", text).replace("\r\n", "\n").split("\n")
    blocks, cur, depth = [], None, 0
    for line in lines:
        if line == "BEGIN:" + name:
            if depth == 0:
                cur = []
            depth += 1
        if cur is not None:
            cur.append(line)
        if line == "END:" + name:
            depth -= 1
            if depth == 0:
                blocks.append(sorted(cur))
                cur = None
    return blocks


def sync_report(token):
    return ('<D:sync-collection xmlns:D="DAV:"><D:sync-token>' + token +
            '</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>'
            '</D:sync-collection>')


def children(port, login, path):
    body = ('<D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>')
    status, text = dav(port, "PROPFIND", path, login, PASSWORD, body, dict(XML, Depth="1"))
    return sorted(h for h in responses(text) if h != path and h != "sync-token")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    work = tempfile.mkdtemp(prefix="cartable-dp-")
    try:
        checks(binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        return 1
    print("all data-protection checks passed")
    return 0


def checks(binary, work):
    data = os.path.join(work, "data")
    base = ["--data", data]

    def cli(*a, stdin=""):
        return run(binary, base + list(a), work, stdin)

    for login, name in [("alice", "Alice Martin"), ("bob", "Bob Durand"),
                        ("carol", "Carol Petit")]:
        rc, _, err = cli("user", "add", login, "--name", name, "--email", f"{login}@{DOMAIN}",
                         "--password-stdin", stdin=PASSWORD + "\n")
        check(rc == 0, f"user add {login} ({rc}: {err.strip()})")
    server = Server(binary, base, work)
    try:
        port = server.port

        def req(login, method, path, body="", headers=None):
            return dav(port, method, path, login, PASSWORD, body, headers)

        for login in ("alice", "bob", "carol"):  # homes exist, as after a first connection
            req(login, "PROPFIND", f"/dav/calendars/{login}/", "", dict(XML, Depth="0"))
            req(login, "PROPFIND", f"/dav/addressbooks/{login}/", "", dict(XML, Depth="0"))
            req(login, "PROPFIND", f"/dav/files/{login}/", "", dict(XML, Depth="0"))
        cal = "/dav/calendars/alice/perso/"
        status, _ = req("alice", "MKCALENDAR", cal)
        check(status == 201, f"alice makes a calendar ({status})")
        tasks = "/dav/calendars/alice/taches/"
        status, _ = req("alice", "MKCALENDAR", tasks)  # the home's default task list: 403 exists
        check(status in (201, 403), f"alice has a task list ({status})")
        objects = {}
        for uid, summary in [("ev-1", "Conseil de classe"), ("ev-2", "Réunion parents")]:
            body = vcal(event(uid, summary))
            status, _ = req("alice", "PUT", cal + uid + ".ics", body, ICS)
            check(status == 201, f"PUT {uid} ({status})")
        todo = vcal("BEGIN:VTODO\r\nUID:todo-1\r\nDTSTAMP:20261201T100000Z\r\n"
                    "SUMMARY:Corriger les copies\r\nEND:VTODO\r\n", zone=False)
        status, _ = req("alice", "PUT", tasks + "todo-1.ics", todo, ICS)
        check(status == 201, f"PUT a task ({status})")
        # Alice organizes a meeting with Carol: Carol's inbox gets the invitation.
        meeting = vcal(event("meet-alice", "Projet", f"ORGANIZER;CN=Alice Martin:mailto:alice@{DOMAIN}"
                             f"\r\nATTENDEE;CN=Alice Martin;PARTSTAT=ACCEPTED:mailto:alice@{DOMAIN}"
                             f"\r\nATTENDEE;CN=Carol Petit;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
                             f"mailto:carol@{DOMAIN}\r\n"))
        status, _ = req("alice", "PUT", cal + "meet-alice.ics", meeting, ICS)
        check(status == 201, f"alice invites carol ({status})")
        # Bob organizes a meeting Alice attends: Bob's copy is his.
        bob_meeting = vcal(event("meet-bob", "Conseil péda", f"ORGANIZER;CN=Bob Durand:mailto:bob@"
                                 f"{DOMAIN}\r\nATTENDEE;CN=Bob Durand;PARTSTAT=ACCEPTED:mailto:bob@"
                                 f"{DOMAIN}\r\nATTENDEE;CN=Alice Martin;PARTSTAT=NEEDS-ACTION;"
                                 f"RSVP=TRUE:mailto:alice@{DOMAIN}\r\n"))
        status, _ = req("bob", "PUT", "/dav/calendars/bob/agenda/meet-bob.ics", bob_meeting, ICS)
        check(status == 201, f"bob invites alice ({status})")

        carol_inbox = children(port, "carol", "/dav/calendars/carol/inbox/")
        check(len(carol_inbox) == 1, f"carol's inbox holds alice's invitation ({carol_inbox})")
        carol_cal = children(port, "carol", "/dav/calendars/carol/agenda/")
        check(len(carol_cal) == 1, f"carol's calendar holds her copy ({carol_cal})")
        for href in children(port, "alice", cal):
            status, text = req("alice", "GET", href)
            objects[href] = text
        check(len(objects) == 3, f"alice's calendar holds 3 objects ({sorted(objects)})")

        books = [h for h in children(port, "alice", "/dav/addressbooks/alice/")
                 if "annuaire" not in h]
        book = books[0] if books else "/dav/addressbooks/alice/contacts/"
        if not books:
            req("alice", "MKCOL", book,
                '<D:mkcol xmlns:D="DAV:" xmlns:A="urn:ietf:params:xml:ns:carddav"><D:set><D:prop>'
                '<D:resourcetype><D:collection/><A:addressbook/></D:resourcetype></D:prop>'
                '</D:set></D:mkcol>', XML)
        cards = {}
        for uid, fn in [("card-1", "Zoé Lefèvre"), ("card-2", "Karim Benali")]:
            card = (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nN:{fn.split()[1]};"
                    f"{fn.split()[0]};;;\r\nTEL:+33 2 38 00 00 0{uid[-1]}\r\nEND:VCARD\r\n")
            status, _ = req("alice", "PUT", book + uid + ".vcf", card,
                            {"Content-Type": "text/vcard; charset=utf-8"})
            check(status == 201, f"PUT {uid} ({status})")
            cards[uid] = card
        status, _ = req("alice", "MKCOL", "/dav/files/alice/docs/")
        check(status == 201, f"MKCOL docs ({status})")
        files = {"docs/note.txt": "Notes de cours\n", "racine.bin": "\x00\x01\xfe binaire"}
        for path, content in files.items():
            status, _ = req("alice", "PUT", "/dav/files/alice/" + path, content,
                            {"Content-Type": "application/octet-stream"})
            check(status == 201, f"PUT file {path} ({status})")

        # Alice shares her calendar with Bob (accepted at once by default).
        status, _ = req("alice", "POST", cal,
                        '<D:share-resource xmlns:D="DAV:"><D:sharee><D:href>'
                        '/dav/principals/users/bob/</D:href><D:share-access><D:read/>'
                        '</D:share-access></D:sharee></D:share-resource>', XML)
        check(status in (200, 204), f"alice shares her calendar with bob ({status})")
        mounts = [h for h in children(port, "bob", "/dav/calendars/bob/") if "partage-" in h]
        check(len(mounts) == 1, f"bob sees alice's calendar in his home ({mounts})")
        status, text = req("bob", "REPORT", "/dav/calendars/bob/", sync_report(""),
                           dict(XML, Depth="0"))
        token = responses(text).get("sync-token", ("", {}))[0]
        check(status == 207 and token, f"bob's home gives a sync token ({status})")
        status, _ = req("bob", "GET", "/dav/calendars/bob/agenda/meet-bob.ics")
        bob_copy = req("bob", "GET", "/dav/calendars/bob/agenda/meet-bob.ics")[1]
        bob_etag = etag_of(port, "bob", "/dav/calendars/bob/agenda/meet-bob.ics")

        export_checks(cli, work, objects, cards, files)
        purge_checks(cli, req, port, data, token, mounts, bob_copy, bob_etag, carol_cal)
    finally:
        server.stop()


def etag_of(port, login, href):
    body = '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>'
    _, text = dav(port, "PROPFIND", href, login, PASSWORD, body, dict(XML, Depth="0"))
    return responses(text).get(href, ("", {}))[1].get("getetag", "")


def export_checks(cli, work, objects, cards, files):
    dest = os.path.join(work, "alice.zip")
    rc, out, err = cli("user", "export", "alice", dest)
    check(rc == 0 and "3 calendar(s)" not in err, f"user export ({rc}: {out.strip()} {err.strip()})")
    if rc != 0:
        return
    check(stat.S_IMODE(os.stat(dest).st_mode) == 0o600, "the archive is readable by its owner only")
    z = zipfile.ZipFile(dest)
    names = z.namelist()
    check(z.testzip() is None, "the archive's checksums are right")
    ics = z.read("calendars/perso.ics").decode() if "calendars/perso.ics" in names else ""
    check(ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n"),
          f"calendars/perso.ics is one VCALENDAR ({names})")
    check(ics.count("BEGIN:VTIMEZONE") == 1, "each time zone once")
    exported = unfolded_blocks(ics, "VEVENT")
    for href, text in objects.items():
        for block in unfolded_blocks(text, "VEVENT"):
            check(block in exported, f"{href} is in the export, line for line")
    check(len(exported) == len(objects), f"no other event ({len(exported)})")
    tasks = z.read("tasks/taches.ics").decode() if "tasks/taches.ics" in names else ""
    check("UID:todo-1" in tasks and "BEGIN:VTODO" in tasks, f"the task list ({names})")
    vcf = [n for n in names if n.startswith("addressbooks/") and n.endswith(".vcf")]
    book = z.read(vcf[0]).decode() if vcf else ""
    for uid, card in cards.items():
        check(card in book, f"card {uid} byte for byte in {vcf}")
    for path, content in files.items():
        got = z.read("files/" + path) if "files/" + path in names else None
        check(got == content.encode(), f"file {path} byte for byte ({got!r})")
    account = json.loads(z.read("account.json")) if "account.json" in names else {}
    a = account.get("account", {})
    check(a.get("login") == "alice" and a.get("email") == f"alice@{DOMAIN}", "account.json")
    check([s.get("sharee") for s in a.get("shares_granted", [])] == ["bob"],
          f"the share granted to bob ({a.get('shares_granted')})")
    check("password" not in json.dumps(a).replace("app_passwords", "").replace(
        "password_changed", "").replace("must_change_password", ""), "no password in account.json")
    z.close()
    rc, _, err = cli("user", "export", "alice", dest)
    check(rc == 1 and "exists" in err, f"an existing DEST is refused ({rc}: {err.strip()})")
    missing = os.path.join(work, "nobody.zip")
    rc, _, err = cli("user", "export", "nobody", missing)
    check(rc == 1 and not os.path.exists(missing), f"an unknown login: exit 1, no archive ({rc})")


def purge_checks(cli, req, port, data, token, mounts, bob_copy, bob_etag, carol_cal):
    db = sqlite3.connect(os.path.join(data, "cartable.db"))
    alice_id = db.execute("SELECT id FROM users WHERE login = 'alice'").fetchone()[0]
    db.close()
    rc, _, err = cli("user", "delete", "alice")
    check(rc == 2 and "--purge" in err, f"delete without --purge refuses ({rc}: {err.strip()})")
    rc, _, err = cli("user", "delete", "alice", "--purge")
    check(rc == 2 and "--yes" in err, f"no terminal, no --yes: refused ({rc}: {err.strip()})")
    status, _ = req("alice", "PROPFIND", "/dav/calendars/alice/", "", dict(XML, Depth="0"))
    check(status == 207, f"both refusals left alice alone ({status})")

    rc, out, err = cli("user", "delete", "alice", "--purge", "--yes")
    check(rc == 0 and "purged" in out and "1 share(s) revoked" in out and
          "1 message(s) removed" in out, f"user delete --purge --yes ({rc}: {out.strip()} "
          f"{err.strip()})")
    status, _ = req("alice", "PROPFIND", "/dav/calendars/alice/", "", dict(XML, Depth="0"))
    check(status == 401, f"alice can no longer sign in ({status})")

    status, text = req("bob", "REPORT", "/dav/calendars/bob/", sync_report(token),
                       dict(XML, Depth="0"))
    gone = responses(text).get(mounts[0] if mounts else "", ("", {}))[0]
    check(status == 207 and "404" in gone, f"bob's sync reports the shared calendar gone "
          f"({status}: {gone!r})")
    status, now = req("bob", "GET", "/dav/calendars/bob/agenda/meet-bob.ics")
    check(status == 200 and now == bob_copy, "the organizer's copy is byte for byte unchanged")
    check(etag_of(port, "bob", "/dav/calendars/bob/agenda/meet-bob.ics") == bob_etag,
          "and keeps its ETag")
    inbox = children(port, "carol", "/dav/calendars/carol/inbox/")
    check(inbox == [], f"alice's invitation left carol's inbox ({inbox})")
    check(children(port, "carol", "/dav/calendars/carol/agenda/") == carol_cal,
          "carol's own copy of the meeting stays")

    db = sqlite3.connect(os.path.join(data, "cartable.db"))
    tables = {
        "users": "id = ?", "collections": "owner_id = ?", "shares": "sharee_user_id = ?",
        "share_members": "user_id = ?", "per_user_data": "user_id = ?",
        "delegates": "owner_id = ?1 OR delegate_id = ?1", "password_history": "user_id = ?",
        "auth_failures": "user_id = ?", "app_passwords": "user_id = ?",
        "web_sessions": "user_id = ?", "account_tokens": "user_id = ?",
        "recovery_codes": "user_id = ?", "audit_log": "user_id = ?",
        "directory_entries": "user_id = ?",
    }
    for table, where in tables.items():
        n = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", (alice_id,)).fetchone()[0]
        check(n == 0, f"no row of {table} names alice ({n})")
    n = db.execute("SELECT COUNT(*) FROM collections WHERE path LIKE '%/alice/%'").fetchone()[0]
    check(n == 0, f"no collection of alice's ({n})")
    n = db.execute("SELECT COUNT(*) FROM mail_queue WHERE recipient LIKE 'alice@%' "
                   "OR envelope_from LIKE 'alice@%'").fetchone()[0]
    check(n == 0, f"no mail of hers queued ({n})")
    bob_rows = db.execute("SELECT COUNT(*) FROM objects o JOIN collections c ON "
                          "c.id = o.collection_id JOIN users u ON u.id = c.owner_id "
                          "WHERE u.login = 'bob'").fetchone()[0]
    check(bob_rows >= 1, f"bob's objects are still there ({bob_rows})")
    db.close()
    rc, out, _ = cli("audit")
    # (the sign-in refused after the purge is recorded as a failure for an unknown login)
    lines = [line for line in out.splitlines() if "alice" in line and "sign-in-failed" not in line]
    check(len(lines) == 1 and "account-purged" in lines[0] and "@" not in lines[0],
          f"one audit line about alice, the purge, no address ({lines})")
    rc, _, err = cli("user", "delete", "alice", "--purge", "--yes")
    check(rc == 1 and "no user" in err, f"purging again: exit 1 ({rc}: {err.strip()})")


if __name__ == "__main__":
    sys.exit(main())
