#!/usr/bin/python3
"""iMIP (RFC 6047) end to end: a real Cartable (`cartable serve --smtp-relay`) sends invitations
to a real SMTP server on loopback (tests/clients/smtp_sink.py, aiosmtpd), and applies answers
and outside invitations through `cartable imip deliver`, as an MTA pipe transport would.

Checks what actually arrived (envelope, headers, MIME structure, the iCalendar part), the
SCHEDULE-STATUS on the organizer's copy (1.0 when the PUT commits: the mail is only queued;
1.1 once the server's mail worker has sent it, 1.0 while the relay is down, then 1.1, 5.1
refused), and the sysexits codes of refused deliveries. Loopback only, bounded time.

Incoming mail is built by GMime (through GObject introspection, as Cartable builds its own) and
carries the Authentication-Results field our MTA (authserv-id MX) would prepend: the server
trusts MX alone ([imip] trusted_authserv_ids), so forged senders, other MTAs' verdicts and
failed DMARC/DKIM checks are refused with EX_NOPERM (77) and change nothing.

Usage: imip_test.py --binary build/cartable
"""
import argparse
import base64
import email
import email.policy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import gi

gi.require_version("GMime", "3.0")
from gi.repository import GMime  # noqa: E402

GMime.init()

HERE = os.path.dirname(os.path.abspath(__file__))
DOMAIN = "ac-orleans-tours.fr"
JEAN = "jean.labert@" + DOMAIN
MARIE = "marie.dupont@" + DOMAIN
PARENT = "parent.eleve@example.org"
MX = "mx.test.ac-orleans-tours.fr"  # our MTA's authserv-id (RFC 8601)
RESULTS = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ((" -- " + str(detail)) if (detail and not cond) else ""))
    RESULTS.append(bool(cond))
    return cond


def wait_for(pred, timeout=15.0, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
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


def unfold(text):
    return re.sub(r"\r?\n[ \t]", "", text)


def line_with(ics, prefix, needle):
    for line in unfold(ics).splitlines():
        if line.startswith(prefix) and needle.lower() in line.lower():
            return line
    return ""


class Sink:
    """smtp_sink.py on a fixed port (so it can come back after being stopped)."""

    def __init__(self, root, port):
        self.root, self.port, self.proc, self.runs = root, port, None, 0
        self.seen = 0

    def start(self, *extra):
        self.runs += 1
        self.out = os.path.join(self.root, "mail%d" % self.runs)
        port_file = os.path.join(self.root, "port%d" % self.runs)
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "smtp_sink.py"), "--out", self.out,
             "--port", str(self.port), "--port-file", port_file, "--timeout", "300", *extra])
        if not wait_for(lambda: os.path.exists(port_file), 15):
            raise RuntimeError("the SMTP sink did not start")
        self.seen = 0

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def messages(self):
        out = []
        n = 1
        while os.path.exists(os.path.join(self.out, "%d.json" % n)):
            with open(os.path.join(self.out, "%d.json" % n)) as f:
                meta = json.load(f)
            with open(os.path.join(self.out, "%d.eml" % n), "rb") as f:
                out.append((meta, f.read()))
            n += 1
        return out

    def next_message(self, timeout=15):
        got = wait_for(lambda: len(self.messages()) > self.seen, timeout)
        if not got:
            return None, None
        msg = self.messages()[self.seen]
        self.seen += 1
        return msg


class Server:
    def __init__(self, binary, root, relay_port):
        self.binary = binary
        self.data = os.path.join(root, "data")
        self.config = os.path.join(root, "cartable.ini")
        with open(self.config, "w") as f:
            f.write("[mail]\nretry_seconds = 1\n[scheduling]\ninternal_domains = %s\n"
                    "[imip]\ntrusted_authserv_ids = %s\n" % (DOMAIN, MX))
        # The same server, trusting aligned DKIM signatures instead of DMARC verdicts.
        self.dkim_config = os.path.join(root, "cartable-dkim.ini")
        with open(self.dkim_config, "w") as f:
            f.write("[scheduling]\ninternal_domains = %s\n"
                    "[imip]\ntrusted_authserv_ids = %s\nrequire = dkim\n" % (DOMAIN, MX))
        for login, name, mail in (("jlabert", "Jean Labert", JEAN),
                                  ("mdupont", "Marie Dupont", MARIE)):
            subprocess.run(self.cli("user", "add", login, "--name", name, "--email", mail,
                                    "--password-stdin"), input=b"pw-" + login.encode() + b"\n",
                           check=True, stdout=subprocess.DEVNULL)
        self.log = open(os.path.join(root, "server.log"), "w+")
        self.proc = subprocess.Popen(
            self.cli("serve", "--listen", "127.0.0.1:0", "--smtp-relay",
                     "127.0.0.1:%d" % relay_port), stdout=self.log, stderr=subprocess.STDOUT)
        url = wait_for(lambda: self._url(), 20)
        if not url:
            raise RuntimeError("the server did not start")
        self.url = url

    def cli(self, *args, config=None):
        return [self.binary, "--config", config or self.config, "--data", self.data, *args]

    def _url(self):
        self.log.seek(0)
        m = re.search(r"serving on (http://[0-9.]+:[0-9]+)/", self.log.read())
        return m.group(1) if m else None

    def request(self, method, path, login, body=None, headers=None):
        req = urllib.request.Request(self.url + path, data=body.encode() if body else None,
                                     method=method)
        auth = base64.b64encode(("%s:pw-%s" % (login, login)).encode()).decode()
        req.add_header("Authorization", "Basic " + auth)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def get(self, path, login):
        return self.request("GET", path, login)[1]

    def put(self, path, login, ics):
        return self.request("PUT", path, login, ics, {"Content-Type": "text/calendar"})

    def deliver(self, recipient, raw, config=None, timeout=60):
        p = subprocess.run(self.cli("imip", "deliver", "--recipient", recipient, config=config),
                           input=raw, capture_output=True, timeout=timeout)
        return p.returncode, (p.stdout + p.stderr).decode()

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(20)


def event(uid, attendees, summary="Conseil de classe 3e B", extra=""):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//FR", "BEGIN:VEVENT",
             "UID:" + uid, "DTSTAMP:20261120T080000Z", "SEQUENCE:0",
             "DTSTART;TZID=Europe/Paris:20270112T170000", "DTEND;TZID=Europe/Paris:20270112T183000",
             "SUMMARY:" + summary, "LOCATION:Salle 12", "ORGANIZER;CN=Jean Labert:mailto:" + JEAN,
             "ATTENDEE;CN=Jean Labert;PARTSTAT=ACCEPTED:mailto:" + JEAN]
    lines += ["ATTENDEE;CN=%s;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:%s" % (cn, a)
              for cn, a in attendees]
    lines += [l for l in extra.split("\n") if l] + ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def passed(domain):
    """What our MTA prepends after checking DKIM, SPF and DMARC for `domain`."""
    # One line: GMime folds it as it writes the header (a CR or LF would be RFC 2047-encoded).
    return ("%s; dkim=pass (2048-bit key) header.d=%s header.s=sel header.b=AbC+/d;"
            " spf=pass smtp.mailfrom=%s; dmarc=pass (p=reject dis=none) header.from=%s"
            % (MX, domain, domain, domain))


def gmime_part(subtype, content, encoding, method=None):
    part = GMime.Part.new_with_type("text", subtype)
    stream = GMime.StreamMem.new_with_buffer(content)
    part.set_content(GMime.DataWrapper.new_with_stream(stream, GMime.ContentEncoding.DEFAULT))
    part.set_content_type_parameter("charset", "utf-8")
    if method:
        part.set_content_type_parameter("method", method)
    part.set_content_encoding(encoding)
    return part


def mail(sender, to, method, ics, outlook=False, subject="Re: invitation", auth="pass",
         text="Réponse."):
    """An incoming message built by GMime: multipart/alternative (Thunderbird) or an
    Outlook-style multipart/mixed with a base64 attachment. `auth`: the Authentication-Results
    fields our MTA (and others before it) added, topmost first; "pass" = MX's pass for the
    sender's domain; None = no field at all (a forged sender)."""
    if auth == "pass":
        auth = [passed(sender.split("@")[1])]
    msg = GMime.Message.new(False)
    msg.get_from().add(GMime.InternetAddressMailbox.new("", sender))
    msg.get_to().add(GMime.InternetAddressMailbox.new("", to))
    msg.set_subject(subject, "utf-8")
    msg.set_message_id("%d@test" % time.time_ns())
    msg.set_header("MIME-Version", "1.0", "utf-8")
    for field in reversed(auth or []):
        msg.prepend_header("Authentication-Results", field, "utf-8")
    body = GMime.Multipart.new_with_subtype("mixed" if outlook else "alternative")
    body.add(gmime_part("plain", text.encode(), GMime.ContentEncoding.QUOTEDPRINTABLE))
    cal = gmime_part("calendar", ics.encode(), GMime.ContentEncoding.BASE64, method)
    if outlook:
        cal.set_disposition("attachment")
        cal.set_filename("invite.ics")
    body.add(cal)
    msg.set_mime_part(body)
    options = GMime.FormatOptions.new()
    options.set_newline_format(GMime.NewLineFormat.DOS)
    out = GMime.StreamMem.new()
    msg.write_to_stream(options, out)
    return bytes(out.get_byte_array())


def calendar_part(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return msg, part
    return msg, None


def check_outgoing_request(srv, sink):
    uid = "conseil-3eB-2027"
    status, _ = srv.put("/dav/calendars/jlabert/agenda/conseil.ics", "jlabert",
                        event(uid, [("Marie Dupont", MARIE), ("Mère d'élève", PARENT)],
                              extra="BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\n"
                                    "DESCRIPTION:rappel\nEND:VALARM"))
    check("organizer PUT with an outside attendee", status == 201, status)
    meta, raw = sink.next_message()
    if not check("invitation mail arrived at the relay", raw is not None):
        return uid
    check("envelope sender is the organizer", meta["mail_from"] == JEAN, meta)
    check("envelope recipient is the outside attendee", meta["rcpt_tos"] == [PARENT], meta)
    check("CRLF line ends only", b"\n" not in raw.replace(b"\r\n", b""))
    check("no line over 998 octets", max(len(l) for l in raw.split(b"\r\n")) <= 998)
    msg, cal = calendar_part(raw)
    check("From is the organizer", JEAN in str(msg["From"]), msg["From"])
    check("To is the attendee", PARENT in str(msg["To"]), msg["To"])
    check("Subject says invitation", str(msg["Subject"]).startswith("Invitation"), msg["Subject"])
    check("Message-ID and Date present", msg["Message-ID"] and msg["Date"])
    check("multipart/alternative", msg.get_content_type() == "multipart/alternative",
          msg.get_content_type())
    parts = [p.get_content_type() for p in msg.iter_parts()]
    check("text/plain then text/calendar", parts == ["text/plain", "text/calendar"], parts)
    text = next(p for p in msg.iter_parts() if p.get_content_type() == "text/plain").get_content()
    check("French summary: what", "Conseil de classe 3e B" in text, text)
    check("French summary: when, Paris time", "17:00" in text and "janvier 2027" in text, text)
    check("French summary: where", "Salle 12" in text, text)
    check("French summary: organizer", "Jean Labert" in text, text)
    if not check("calendar part present", cal is not None):
        return uid
    check("content type says method=REQUEST", cal.get_param("method") == "REQUEST",
          cal["Content-Type"])
    ics = cal.get_content()
    check("METHOD:REQUEST in the iCalendar part", "METHOD:REQUEST" in ics)
    check("the event's UID", "UID:" + uid in unfold(ics))
    check("VTIMEZONE for Europe/Paris", "BEGIN:VTIMEZONE" in ics and "TZID:Europe/Paris" in ics)
    check("no organizer alarm", "VALARM" not in ics)
    check("no SCHEDULE-* parameters", "SCHEDULE-" not in ics)
    # The worker records 1.1 once the relay accepted the mail, just after the sink stored it.
    sent = wait_for(lambda: "SCHEDULE-STATUS=1.1" in line_with(
        srv.get("/dav/calendars/jlabert/agenda/conseil.ics", "jlabert"), "ATTENDEE", PARENT), 10)
    org = srv.get("/dav/calendars/jlabert/agenda/conseil.ics", "jlabert")
    check("SCHEDULE-STATUS 1.1 (sent) for the outside attendee", sent,
          line_with(org, "ATTENDEE", PARENT))
    check("SCHEDULE-STATUS 1.2 (delivered) for the colleague",
          "SCHEDULE-STATUS=1.2" in line_with(org, "ATTENDEE", MARIE))
    return uid


def reply_ics(uid, attendee, partstat, organizer=JEAN):
    return "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Other//EN", "METHOD:REPLY", "BEGIN:VEVENT",
        "UID:" + uid, "DTSTAMP:20261121T080000Z", "SEQUENCE:0",
        "ORGANIZER:mailto:" + organizer,
        "ATTENDEE;PARTSTAT=%s:mailto:%s" % (partstat, attendee), "END:VEVENT", "END:VCALENDAR", ""])


def check_forged_replies(srv, uid):
    """A DECLINED "from the parent" (or from a colleague) that our MTA did not vouch for."""
    org_path = "/dav/calendars/jlabert/agenda/conseil.ics"
    forged = [
        ("forged From, no Authentication-Results", None),
        ("another MTA's dmarc=pass", ["mx.evil.example; dmarc=pass header.from=example.org"]),
        ("our MTA's dmarc=fail", ["%s; dmarc=fail (p=reject) header.from=example.org" % MX]),
        ("our MTA's fail above a forged pass with our id",
         ["%s; dmarc=fail header.from=example.org" % MX, passed("example.org")]),
    ]
    for what, auth in forged:
        rc, out = srv.deliver(JEAN, mail(PARENT, JEAN, "REPLY", reply_ics(uid, PARENT, "DECLINED"),
                                         auth=auth))
        check("forged REPLY refused with EX_NOPERM (77): " + what,
              rc == 77 and "not authenticated" in out, (rc, out))
    org = srv.get(org_path, "jlabert")
    check("the organizer's copy still waits for the parent",
          "PARTSTAT=NEEDS-ACTION" in line_with(org, "ATTENDEE", PARENT),
          line_with(org, "ATTENDEE", PARENT))
    rc, out = srv.deliver(JEAN, mail(MARIE, JEAN, "REPLY", reply_ics(uid, MARIE, "DECLINED"),
                                     auth=None))
    check("a forged colleague is refused too (77)", rc == 77, (rc, out))
    org = srv.get(org_path, "jlabert")
    check("the colleague's answer is unchanged",
          "PARTSTAT=NEEDS-ACTION" in line_with(org, "ATTENDEE", MARIE),
          line_with(org, "ATTENDEE", MARIE))


def check_incoming_reply(srv, uid):
    check_forged_replies(srv, uid)
    rc, out = srv.deliver(JEAN, mail(PARENT, JEAN, "REPLY", reply_ics(uid, PARENT, "ACCEPTED")))
    check("REPLY from the attendee applied (exit 0)", rc == 0, out)
    org = srv.get("/dav/calendars/jlabert/agenda/conseil.ics", "jlabert")
    check("organizer's copy shows ACCEPTED", "PARTSTAT=ACCEPTED" in line_with(org, "ATTENDEE", PARENT),
          line_with(org, "ATTENDEE", PARENT))
    copy = srv.get("/dav/calendars/mdupont/agenda/%s.ics" % uid, "mdupont")
    check("the colleague's copy shows the answer too",
          "PARTSTAT=ACCEPTED" in line_with(copy, "ATTENDEE", PARENT))

    rc, out = srv.deliver(JEAN, mail("mechant@example.org", JEAN, "REPLY",
                                     reply_ics(uid, PARENT, "DECLINED")))
    check("REPLY from someone else refused with EX_NOPERM (77)", rc == 77, (rc, out))
    org = srv.get("/dav/calendars/jlabert/agenda/conseil.ics", "jlabert")
    check("nothing changed after the forged REPLY",
          "PARTSTAT=ACCEPTED" in line_with(org, "ATTENDEE", PARENT))
    rc, out = srv.deliver(JEAN, b"this is not a mail at all")
    check("garbage refused with EX_DATAERR (65)", rc == 65, (rc, out))
    plain = GMime.Message.new(False)
    plain.get_from().add(GMime.InternetAddressMailbox.new("", PARENT))
    plain.get_to().add(GMime.InternetAddressMailbox.new("", JEAN))
    plain.prepend_header("Authentication-Results", passed("example.org"), "utf-8")
    plain.set_mime_part(gmime_part("plain", b"Bonjour", GMime.ContentEncoding.QUOTEDPRINTABLE))
    rc, out = srv.deliver(JEAN, plain.to_string(None).encode())
    check("mail without a calendar part refused (65)", rc == 65 and "calendar" in out, (rc, out))
    rc, out = srv.deliver("personne@" + DOMAIN, mail(PARENT, JEAN, "REPLY",
                                                     reply_ics(uid, PARENT, "ACCEPTED")))
    check("unknown recipient refused with EX_NOUSER (67)", rc == 67, (rc, out))
    rc, out = srv.deliver(JEAN, mail(PARENT, JEAN, "REPLY", reply_ics("no-such", PARENT, "ACCEPTED")))
    check("REPLY for an unknown event refused (65)", rc == 65, (rc, out))


def check_outside_organizer(srv, sink):
    uid = "reunion-externe-1"
    orga = "orga@example.org"
    req = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Microsoft Corporation//Outlook 16.0//EN",
        "METHOD:REQUEST", "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20261121T080000Z", "SEQUENCE:0",
        "DTSTART:20270115T090000Z", "DTEND:20270115T100000Z", "SUMMARY:Réunion partenaires",
        "ORGANIZER;CN=Organisatrice:mailto:" + orga,
        "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + MARIE,
        "END:VEVENT", "END:VCALENDAR", ""])
    rc, out = srv.deliver(MARIE, mail(orga, MARIE, "REQUEST", req, outlook=True,
                                      subject="Invitation"))
    check("outside REQUEST (Outlook-style attachment) applied", rc == 0, (rc, out))
    path = "/dav/calendars/mdupont/agenda/%s.ics" % uid
    status, copy = srv.request("GET", path, "mdupont")
    check("it is in the recipient's agenda", status == 200, status)
    check("waiting for an answer", "NEEDS-ACTION" in line_with(copy, "ATTENDEE", MARIE))
    accepted = unfold(copy).replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
    status, _ = srv.put(path, "mdupont", accepted)
    check("the recipient accepts in their client", status == 204, status)
    meta, raw = sink.next_message()
    if check("a REPLY mail went to the outside organizer", raw is not None):
        check("envelope to the organizer", meta["rcpt_tos"] == [orga], meta)
        msg, cal = calendar_part(raw)
        ics = unfold(cal.get_content()) if cal else ""
        check("method=REPLY", cal is not None and cal.get_param("method") == "REPLY")
        check("the REPLY names the ORGANIZER (Exchange)", "ORGANIZER" in ics and orga in ics)
        check("the REPLY says ACCEPTED for Marie",
              "PARTSTAT=ACCEPTED" in line_with(ics, "ATTENDEE", MARIE), ics)
        check("From is Marie", MARIE in str(msg["From"]), msg["From"])
    sent = wait_for(lambda: "SCHEDULE-STATUS=1.1" in line_with(srv.get(path, "mdupont"),
                                                                 "ORGANIZER", orga), 10)
    copy = srv.get(path, "mdupont")
    check("SCHEDULE-STATUS 1.1 on the ORGANIZER of Marie's copy", sent,
          line_with(copy, "ORGANIZER", orga))
    cancel = req.replace("METHOD:REQUEST", "METHOD:CANCEL").replace("SEQUENCE:0", "SEQUENCE:1\r\nSTATUS:CANCELLED")
    rc, out = srv.deliver(MARIE, mail("autre@example.org", MARIE, "CANCEL", cancel))
    check("CANCEL from someone else refused (77)", rc == 77, (rc, out))
    check("the event is still on", "STATUS:CANCELLED" not in srv.get(path, "mdupont"))
    rc, out = srv.deliver(MARIE, mail(orga, MARIE, "CANCEL", cancel))
    check("CANCEL from the organizer applied", rc == 0, (rc, out))
    check("the event is cancelled in Marie's agenda", "STATUS:CANCELLED" in srv.get(path, "mdupont"))


def check_dkim_and_size(srv):
    """require = dkim: an aligned signature vouches, a third party's does not. Then a 20 MB
    mail is refused as too large (65) at once, without being read whole."""
    uid = "dkim-1"
    orga = "orga@example.net"
    req = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Other//EN", "METHOD:REQUEST", "BEGIN:VEVENT",
        "UID:" + uid, "DTSTAMP:20261121T080000Z", "SEQUENCE:0", "DTSTART:20270118T090000Z",
        "DTEND:20270118T100000Z", "SUMMARY:Jury", "ORGANIZER:mailto:" + orga,
        "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:" + MARIE,
        "END:VEVENT", "END:VCALENDAR", ""])
    path = "/dav/calendars/mdupont/agenda/%s.ics" % uid
    third_party = ["%s; dkim=pass header.d=mailer.example.com; dmarc=pass header.from=example.net"
                   % MX]
    rc, out = srv.deliver(MARIE, mail(orga, MARIE, "REQUEST", req, auth=third_party),
                          config=srv.dkim_config)
    check("require=dkim: a signature not aligned with From is refused (77)", rc == 77, (rc, out))
    check("... and nothing was stored", srv.request("GET", path, "mdupont")[0] == 404)
    aligned = ["%s; dkim=pass header.d=example.net header.s=sel" % MX]
    rc, out = srv.deliver(MARIE, mail(orga, MARIE, "REQUEST", req, auth=aligned),
                          config=srv.dkim_config)
    check("require=dkim: an aligned signature is applied", rc == 0, (rc, out))
    check("... the invitation is in Marie's agenda", srv.request("GET", path, "mdupont")[0] == 200)

    big = mail(orga, MARIE, "REQUEST", req.replace(uid, "big-1"),
               text="x" * (20 << 20))
    start = time.monotonic()
    rc, out = srv.deliver(MARIE, big, timeout=30)
    elapsed = time.monotonic() - start
    check("a 20 MB mail is refused with EX_DATAERR (65)",
          rc == 65 and "max_message_bytes" in out, (rc, out[:300]))
    check("... within 5 seconds (not read and parsed whole)", elapsed < 5, elapsed)
    check("... and nothing was stored",
          srv.request("GET", "/dav/calendars/mdupont/agenda/big-1.ics", "mdupont")[0] == 404)


def check_help(srv):
    for args in (["--help"], ["imip", "--help"]):
        p = subprocess.run([srv.binary, *args], capture_output=True, text=True, timeout=30)
        check("cartable %s prints the usage" % " ".join(args),
              p.returncode == 0 and "imip deliver --recipient" in p.stdout
              and "missing value" not in p.stdout + p.stderr, (p.returncode, p.stdout, p.stderr))


def check_cancel_mail(srv, sink, uid):
    status, _ = srv.request("DELETE", "/dav/calendars/jlabert/agenda/conseil.ics", "jlabert")
    check("organizer deletes the event", status == 204, status)
    meta, raw = sink.next_message()
    if check("a CANCEL mail went out", raw is not None):
        msg, cal = calendar_part(raw)
        ics = cal.get_content() if cal else ""
        check("method=CANCEL", cal is not None and cal.get_param("method") == "CANCEL")
        check("STATUS:CANCELLED and the UID", "STATUS:CANCELLED" in ics and uid in unfold(ics))
        check("VTIMEZONE in the CANCEL (docs/clients.md #8)", "BEGIN:VTIMEZONE" in ics)
        check("Subject says cancelled", str(msg["Subject"]).startswith("Annul"), msg["Subject"])


def check_relay_down(srv, sink):
    sink.stop()
    uid = "relay-down-1"
    path = "/dav/calendars/jlabert/agenda/down.ics"
    status, _ = srv.put(path, "jlabert", event(uid, [("Prof", "prof.externe@example.org")]))
    check("PUT succeeds while the relay is down", status == 201, status)
    org = srv.get(path, "jlabert")
    check("SCHEDULE-STATUS 1.0: queued", "SCHEDULE-STATUS=1.0" in line_with(org, "ATTENDEE", "prof.externe"),
          line_with(org, "ATTENDEE", "prof.externe"))
    listing = subprocess.run(srv.cli("mail", "queue"), capture_output=True, text=True, timeout=30)
    check("`cartable mail queue` lists it", listing.returncode == 0 and
          "prof.externe@example.org" in listing.stdout and "1 message(s) queued" in listing.stdout,
          listing.stdout + listing.stderr)
    # A second invitation while the relay is down is queued too; the PUT never waits on it.
    status, _ = srv.put("/dav/calendars/jlabert/agenda/down2.ics", "jlabert",
                        event("relay-down-2", [("Prof 2", "prof2@example.org")]))
    org2 = srv.get("/dav/calendars/jlabert/agenda/down2.ics", "jlabert")
    check("second PUT while down: queued too",
          status == 201 and "SCHEDULE-STATUS=1.0" in line_with(org2, "ATTENDEE", "prof2@"))
    sink.start("--reject-rcpt", "refuse@example.org")
    meta, raw = sink.next_message(timeout=20)
    meta2, raw2 = sink.next_message(timeout=20)
    got = sorted(m["rcpt_tos"][0] for m in (meta, meta2) if m)
    check("the queued mail is delivered once the relay is back",
          got == ["prof.externe@example.org", "prof2@example.org"], got)
    ok = wait_for(lambda: "SCHEDULE-STATUS=1.1" in line_with(srv.get(path, "jlabert"), "ATTENDEE",
                                                               "prof.externe"), 10)
    check("then the organizer's copy says 1.1", ok)
    status, _ = srv.put("/dav/calendars/jlabert/agenda/refused.ics", "jlabert",
                        event("refused-1", [("Refus", "refuse@example.org")]))
    refused = wait_for(lambda: "SCHEDULE-STATUS=5.1" in line_with(
        srv.get("/dav/calendars/jlabert/agenda/refused.ics", "jlabert"), "ATTENDEE", "refuse@"), 10)
    org = srv.get("/dav/calendars/jlabert/agenda/refused.ics", "jlabert")
    check("a recipient the relay refuses for good gets 5.1", refused,
          line_with(org, "ATTENDEE", "refuse@"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="cartable-imip.")
    sink = Sink(root, free_port())
    srv = None
    try:
        sink.start()
        srv = Server(os.path.abspath(args.binary), root, sink.port)
        uid = check_outgoing_request(srv, sink)
        check_incoming_reply(srv, uid)
        check_outside_organizer(srv, sink)
        check_dkim_and_size(srv)
        check_help(srv)
        check_cancel_mail(srv, sink, uid)
        check_relay_down(srv, sink)
        rc = srv.stop()
        srv = None
        check("server exits 0 on SIGTERM", rc == 0, rc)
    finally:
        if srv:
            srv.stop()
        sink.stop()
        shutil.rmtree(root, ignore_errors=True)
    failed = RESULTS.count(False)
    print("%d checks, %d failed" % (len(RESULTS), failed))
    return 1 if failed or not RESULTS else 0


if __name__ == "__main__":
    sys.exit(main())
