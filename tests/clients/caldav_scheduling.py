#!/usr/bin/python3
"""python3-caldav scheduling (RFC 6638) against a live Cartable, with the library's own API:
check_scheduling_support, calendar_user_address_set, save_with_invites, schedule_inbox().get_items(),
accept_invite / decline_invite, freebusy_request, and the organizer cancelling by deleting.

Usage: caldav_scheduling.py URL ORG_LOGIN ORG_PASSWORD ATT_LOGIN ATT_PASSWORD ATT_EMAIL

Every HTTP exchange is traced so that a failing check shows the request sent and the response got.

Library limits met here (python3-caldav 0.11), not worked around silently:
- accept_invite()/decline_invite() PUT the answer to <first calendar>/<quoted UID>.ics. When the
  server named the attendee's copy differently, that PUT is rightly refused (CALDAV:no-uid-conflict,
  RFC 4791 5.3.2.1) and the library's fallback recurses without end (its `calendar != outbox` compares
  fresh objects). The invitations below use UIDs made of [A-Za-z0-9_.-] only, which Cartable keeps
  as the copy's name; the UID-with-@ case is checked separately at the protocol level.
- Principal.freebusy_request() parses the CALDAV:schedule-response as a DAV:multistatus and returns
  nothing useful, so the response body is read from the trace.
"""
import datetime
import sys
import xml.etree.ElementTree as ET
import zoneinfo
from urllib.parse import quote

import caldav
import icalendar

PARIS_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
END:DAYLIGHT
END:VTIMEZONE
"""

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//python-caldav scheduling test//FR
{tz}BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Paris:{start}
DTEND;TZID=Europe/Paris:{end}
SUMMARY:{summary}
LOCATION:Salle des professeurs
END:VEVENT
END:VCALENDAR
"""

CALDAV_NS = "{urn:ietf:params:xml:ns:caldav}"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


class Trace:
    """Records every HTTP exchange of a DAVClient (at the requests.Session level, so refused
    requests are seen with their bodies too). `budget` stops a library loop with a clear error."""

    def __init__(self):
        self.exchanges = []
        self.budget = None

    def attach(self, client, who):
        session = client.session
        orig = session.request

        def request(method, url, **kwargs):
            if self.budget is not None:
                self.budget -= 1
                if self.budget < 0:
                    raise RuntimeError("python-caldav kept sending requests; last ones:\n" +
                                       self.show(6))
            r = orig(method, url, **kwargs)
            body = kwargs.get("data") or b""
            if isinstance(body, str):
                body = body.encode()
            self.exchanges.append((who, method, url, kwargs.get("headers") or {}, body,
                                   r.status_code, r.text))
            return r

        session.request = request

    def find(self, method, url_part="", status=None):
        for ex in reversed(self.exchanges):
            if ex[1] == method and url_part in ex[2] and (status is None or ex[5] == status):
                return ex
        return None

    @staticmethod
    def fmt(ex, limit=1500):
        if ex is None:
            return "(no such request)"
        who, method, url, headers, body, status, text = ex
        hdrs = " ".join("%s: %s" % (k, v) for k, v in headers.items()
                        if k.lower() in ("depth", "if-match", "if-schedule-tag-match",
                                         "content-type"))
        return "\n    [%s] %s %s %s\n    %s\n    -> %d\n    %s" % (
            who, method, url, hdrs, body.decode("utf-8", "replace")[:limit].replace("\n", "\n    "),
            status, text[:limit].replace("\n", "\n    "))

    def show(self, n):
        return "".join(self.fmt(ex, 600) for ex in self.exchanges[-n:])


def components(data, name="VEVENT"):
    return list(icalendar.Calendar.from_ical(data).walk(name))


def method_of(data):
    return str(icalendar.Calendar.from_ical(data).get("METHOD", ""))


def uid_of(data):
    comps = components(data)
    return str(comps[0].get("UID")) if comps else None


def partstat(data, email):
    """PARTSTAT of the ATTENDEE mailto:email in the first VEVENT of data, or None."""
    for comp in components(data):
        attendees = comp.get("ATTENDEE") or []
        if not isinstance(attendees, list):
            attendees = [attendees]
        for a in attendees:
            if str(a).lower() == "mailto:" + email.lower():
                return str(a.params.get("PARTSTAT", "NEEDS-ACTION"))
        return None
    return None


def attendee_param(data, email, param):
    for comp in components(data):
        attendees = comp.get("ATTENDEE") or []
        if not isinstance(attendees, list):
            attendees = [attendees]
        for a in attendees:
            if str(a).lower() == "mailto:" + email.lower():
                return a.params.get(param)
    return None


def freebusy_periods(data):
    """[(start, end, fbtype)] from the FREEBUSY lines of data (python3-icalendar 4 cannot parse
    comma-separated periods, so this reads the lines itself)."""
    unfolded = data.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
    periods = []
    for line in unfolded.split("\n"):
        name, _, value = line.partition(":")
        if name.split(";")[0].upper() != "FREEBUSY":
            continue
        params = dict(p.split("=", 1) for p in name.split(";")[1:] if "=" in p)
        for period in value.split(","):
            start_text, _, end_text = period.partition("/")
            start = icalendar.vDDDTypes.from_ical(start_text)
            if end_text.upper().startswith(("P", "+P", "-P")):
                end = start + icalendar.vDuration.from_ical(end_text)
            else:
                end = icalendar.vDDDTypes.from_ical(end_text)
            periods.append((start, end, params.get("FBTYPE", "BUSY").upper()))
    return periods


def inbox_messages(inbox, method, uid):
    found = []
    for item in inbox.get_items():
        data = item.data
        if data and method_of(data) == method and uid_of(data) == uid:
            found.append(item)
    return found


def main():
    url, org_login, org_password, att_login, att_password, att_email = sys.argv[1:7]
    results = []
    trace = Trace()

    def check(name, cond, detail=""):
        print(("ok   " if cond else "FAIL ") + name + (" " + str(detail) if detail and not cond
                                                        else ""))
        results.append(bool(cond))

    def attempt(name, fn, show):
        """Runs a library call; an exception becomes a failed check showing the exchange."""
        trace.budget = 80
        try:
            value = fn()
            return True, value
        except Exception as exc:  # noqa: BLE001 - reported as a failure with the HTTP trace
            check(name, False, "%s: %s%s" % (type(exc).__name__, exc, show()))
            return False, None
        finally:
            trace.budget = None

    # 1. Both principals; scheduling support and addresses.
    org = caldav.DAVClient(url=url + "/dav/", username=org_login, password=org_password)
    att = caldav.DAVClient(url=url + "/dav/", username=att_login, password=att_password)
    trace.attach(org, org_login)
    trace.attach(att, att_login)
    org_principal = org.principal()
    att_principal = att.principal()
    check("check_scheduling_support() (calendar-auto-schedule in DAV:)",
          org.check_scheduling_support(), trace.fmt(trace.find("OPTIONS")))
    org_addresses = org_principal.calendar_user_address_set()
    att_addresses = att_principal.calendar_user_address_set()
    check("organizer calendar_user_address_set starts with mailto:",
          bool(org_addresses) and org_addresses[0].lower().startswith("mailto:"), org_addresses)
    check("attendee calendar_user_address_set starts with mailto:" + att_email,
          bool(att_addresses) and att_addresses[0].lower() == "mailto:" + att_email.lower(),
          att_addresses)
    org_inbox = org_principal.schedule_inbox()
    att_inbox = att_principal.schedule_inbox()
    check("schedule_inbox() URLs", str(org_inbox.url).endswith("/dav/calendars/%s/inbox/" % org_login)
          and str(att_inbox.url).endswith("/dav/calendars/%s/inbox/" % att_login),
          "%s %s" % (org_inbox.url, att_inbox.url))
    outbox = org_principal.schedule_outbox()
    check("schedule_outbox() URL", str(outbox.url).endswith("/dav/calendars/%s/outbox/" % org_login),
          outbox.url)
    org_agenda = [c for c in org_principal.calendars() if c.name == "Agenda"][0]
    att_agenda = [c for c in att_principal.calendars() if c.name == "Agenda"][0]

    # 2. The organizer invites the attendee (and lists himself, as the library's examples do).
    uid1 = "conseil-3eA-2027-01-12"
    ok, event1 = attempt("save_with_invites", lambda: org_agenda.save_with_invites(
        EVENT.format(tz=PARIS_TZ, uid=uid1, start="20270112T160000", end="20270112T173000",
                     summary="Conseil de classe 3e A"),
        [org_principal, att_email]), lambda: trace.fmt(trace.find("PUT")))
    if not ok:
        return finish(results)
    put1 = trace.find("PUT", uid1)
    check("save_with_invites stored the event", put1 is not None and put1[5] in (201, 204),
          trace.fmt(put1))
    org_copy = org_agenda.event_by_uid(uid1).data
    check("organizer's copy carries SCHEDULE-STATUS=1.2 for the attendee",
          str(attendee_param(org_copy, att_email, "SCHEDULE-STATUS")) == "1.2", org_copy)

    # 3. The attendee finds the REQUEST in the inbox and the copy in the default calendar.
    requests1 = inbox_messages(att_inbox, "REQUEST", uid1)
    check("attendee's inbox holds one REQUEST for the invitation", len(requests1) == 1,
          [i.url for i in att_inbox.get_items()])
    check("is_invite_request() on the inbox item", bool(requests1) and requests1[0].is_invite_request())
    check("organizer gets no REQUEST for himself", not inbox_messages(org_inbox, "REQUEST", uid1))
    att_copy1 = att_agenda.event_by_uid(uid1)
    check("attendee's copy in /agenda/ named after the UID",
          str(att_copy1.url).endswith("/dav/calendars/%s/agenda/%s.ics" % (att_login, uid1)),
          att_copy1.url)
    check("attendee's copy has PARTSTAT=NEEDS-ACTION",
          partstat(att_copy1.data, att_email) == "NEEDS-ACTION", att_copy1.data)
    if not requests1:
        return finish(results)

    # 4. The attendee accepts from the inbox item; the organizer sees it and gets a REPLY.
    ok, _ = attempt("accept_invite()", lambda: requests1[0].accept_invite(),
                    lambda: trace.show(6))
    if ok:
        put = trace.find("PUT", "/%s/" % att_login)
        check("accept_invite() saved the answer over the attendee's copy",
              put is not None and put[5] in (201, 204) and put[2].endswith("/agenda/%s.ics" % uid1),
              trace.fmt(put))
    att_copy1 = att_agenda.event_by_uid(uid1)
    check("attendee's copy now ACCEPTED", partstat(att_copy1.data, att_email) == "ACCEPTED",
          att_copy1.data)
    org_copy = org_agenda.event_by_uid(uid1).data
    check("organizer's copy shows the attendee ACCEPTED",
          partstat(org_copy, att_email) == "ACCEPTED", org_copy)
    replies = inbox_messages(org_inbox, "REPLY", uid1)
    check("organizer's inbox holds a REPLY with ACCEPTED",
          len(replies) == 1 and partstat(replies[0].data, att_email) == "ACCEPTED",
          [r.data for r in replies])
    # The attendee clears the processed invitation from the inbox.
    requests1[0].delete()
    check("attendee deleted the processed REQUEST from the inbox",
          not inbox_messages(att_inbox, "REQUEST", uid1), trace.fmt(trace.find("DELETE", "inbox")))

    # 5. A second invitation, declined.
    uid2 = "conseil-4eB-2027-01-14"
    ok, _ = attempt("save_with_invites (second)", lambda: org_agenda.save_with_invites(
        EVENT.format(tz=PARIS_TZ, uid=uid2, start="20270114T170000", end="20270114T183000",
                     summary="Conseil de classe 4e B"),
        [org_principal, att_email]), lambda: trace.fmt(trace.find("PUT")))
    requests2 = inbox_messages(att_inbox, "REQUEST", uid2)
    check("second REQUEST in the attendee's inbox", len(requests2) == 1,
          [i.url for i in att_inbox.get_items()])
    if requests2:
        ok, _ = attempt("decline_invite()", lambda: requests2[0].decline_invite(),
                        lambda: trace.show(6))
        if ok:
            put = trace.find("PUT", "/%s/" % att_login)
            check("decline_invite() saved the answer over the attendee's copy",
                  put is not None and put[5] in (201, 204) and
                  put[2].endswith("/agenda/%s.ics" % uid2), trace.fmt(put))
        org_copy2 = org_agenda.event_by_uid(uid2).data
        check("organizer's copy shows the attendee DECLINED",
              partstat(org_copy2, att_email) == "DECLINED", org_copy2)
        replies2 = inbox_messages(org_inbox, "REPLY", uid2)
        check("organizer's inbox holds a REPLY with DECLINED",
              len(replies2) == 1 and partstat(replies2[0].data, att_email) == "DECLINED",
              [r.data for r in replies2])

    # 5b. The library names the answer <quoted UID>.ics; with a UID holding '@' Cartable named the
    # copy differently (chars outside [A-Za-z0-9_.-] become '_'), so the PUT must be refused with
    # CALDAV:no-uid-conflict pointing at the real copy (RFC 4791 5.3.2.1), which a client can follow.
    uid3 = "conseil-2nde-2027@lycee.test"
    attempt("save_with_invites (UID with @)", lambda: org_agenda.save_with_invites(
        EVENT.format(tz=PARIS_TZ, uid=uid3, start="20270115T170000", end="20270115T180000",
                     summary="Conseil de classe 2nde"),
        [att_email]), lambda: trace.fmt(trace.find("PUT")))
    requests3 = inbox_messages(att_inbox, "REQUEST", uid3)
    check("REQUEST for the UID with @ in the inbox", len(requests3) == 1)
    if requests3:
        answer = requests3[0].data.replace("METHOD:REQUEST\n", "")
        try:  # DAVClient.put raises on 403; the trace keeps the response body
            att.put(str(att_agenda.url.join(quote(uid3) + ".ics")), answer,
                    {"Content-Type": "text/calendar; charset=utf-8"})
        except caldav.lib.error.DAVError:
            pass
        put = trace.exchanges[-1]
        expected = "/dav/calendars/%s/agenda/conseil-2nde-2027_lycee.test.ics" % att_login
        check("PUT under the library's name is refused with no-uid-conflict naming the copy",
              put[1] == "PUT" and put[5] in (403, 409) and "no-uid-conflict" in put[6] and
              expected in put[6], trace.fmt(put))

    # 6. Free/busy from the organizer's outbox for the attendee over the first meeting's day.
    day = datetime.datetime(2027, 1, 12, tzinfo=PARIS)
    ok, fb = attempt("freebusy_request", lambda: org_principal.freebusy_request(
        day, day + datetime.timedelta(days=1), ["mailto:" + att_email]),
        lambda: trace.fmt(trace.find("POST")))
    print("     (freebusy_request returned %r)" % (fb,))
    post = trace.find("POST", "/outbox/")
    check("freebusy_request POSTed to the outbox and got 200",
          post is not None and post[5] == 200, trace.fmt(post))
    if post is not None and post[5] == 200:
        busy = []
        status = None
        try:
            root = ET.fromstring(post[6])
            resp = root.find(CALDAV_NS + "response")
            status = resp.findtext(CALDAV_NS + "request-status")
            recipient = "".join(resp.find(CALDAV_NS + "recipient").itertext()).strip()
            fbdata = resp.findtext(CALDAV_NS + "calendar-data")
            busy = freebusy_periods(fbdata)
        except Exception as exc:  # noqa: BLE001
            check("schedule-response parses", False, "%s%s" % (exc, trace.fmt(post)))
        else:
            check("schedule-response: root element and recipient",
                  root.tag == CALDAV_NS + "schedule-response" and
                  recipient.lower() == "mailto:" + att_email.lower(), trace.fmt(post))
            check("schedule-response: request-status 2.0",
                  status is not None and status.startswith("2.0"), trace.fmt(post))
            meeting = (datetime.datetime(2027, 1, 12, 16, 0, tzinfo=PARIS),
                       datetime.datetime(2027, 1, 12, 17, 30, tzinfo=PARIS))
            check("busy time covers the accepted meeting (16:00-17:30 Paris)",
                  any(s <= meeting[0] and e >= meeting[1] and t == "BUSY" for s, e, t in busy),
                  "%s%s" % (busy, trace.fmt(post)))

    # 7. The organizer cancels the first meeting: the attendee's copy becomes CANCELLED.
    event1.delete()
    att_copy1 = att_agenda.event_by_uid(uid1)
    status1 = str(components(att_copy1.data)[0].get("STATUS", ""))
    check("attendee's copy is STATUS:CANCELLED after the organizer's delete",
          status1 == "CANCELLED", att_copy1.data)
    check("attendee's inbox holds a CANCEL", len(inbox_messages(att_inbox, "CANCEL", uid1)) == 1,
          [i.url for i in att_inbox.get_items()])

    return finish(results)


def finish(results):
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
