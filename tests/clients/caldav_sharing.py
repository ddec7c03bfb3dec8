#!/usr/bin/python3
"""python3-caldav reading a calendar shared read-only (issue 12).

The owner makes a calendar with a public and a private event and shares it with a colleague,
read only, with CalendarServer's CS:share POST (as macOS does). The colleague finds it among their
calendars (the mount in their calendar home), reads both events (the private one reduced to busy
time, without a byte of its text), searches a week, sees current-user-privilege-set without
write, cannot add, change or delete an event, and loses the calendar when the owner revokes it.
Each result is checked.

Usage: caldav_sharing.py URL OWNER OWNER_PASSWORD SHAREE SHAREE_PASSWORD
"""
import base64
import datetime
import sys
import urllib.error
import urllib.request

import caldav
from caldav.lib import error

MARKER = "MARQUEUR-PRIVE-9d2f41"

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//python-caldav sharing test//FR
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261101T000000Z
DTSTART:{start}
DTEND:{end}
SUMMARY:{summary}
{extra}END:VEVENT
END:VCALENDAR
"""

CUPS = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-privilege-set/><D:owner/>
</D:prop></D:propfind>"""


def cs_share(url, login, password, collection, body):
    """A CalendarServer sharing POST (CS:share, as macOS sends it) on the owner's collection;
    returns the HTTP status."""
    req = urllib.request.Request(url + collection, data=body.encode(), method="POST")
    token = base64.b64encode(("%s:%s" % (login, password)).encode()).decode()
    req.add_header("Authorization", "Basic " + token)
    req.add_header("Content-Type", "application/xml; charset=utf-8")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


SHARE = """<?xml version="1.0" encoding="utf-8"?>
<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:set>
<D:href>/dav/principals/users/{login}/</D:href><CS:summary>Conseils</CS:summary><CS:read/>
</CS:set></CS:share>"""

UNSHARE = """<?xml version="1.0" encoding="utf-8"?>
<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:remove>
<D:href>/dav/principals/users/{login}/</D:href></CS:remove></CS:share>"""


def main():
    url, owner, owner_pw, sharee, sharee_pw = sys.argv[1:6]
    results = []

    def check(name, cond, detail=""):
        print(("ok   " if cond else "FAIL ") + name + (" " + str(detail) if detail else ""))
        results.append(bool(cond))

    # The owner's calendar, its events, and the share.
    jean = caldav.DAVClient(url=url + "/dav/", username=owner, password=owner_pw)
    cal = jean.principal().make_calendar(name="Conseils partagés", cal_id="conseils-partages")
    cal.save_event(EVENT.format(uid="public-1", start="20261124T080000Z",
                                end="20261124T090000Z", summary="Conseil de classe 4e B",
                                extra=""))
    cal.save_event(EVENT.format(uid="prive-1", start="20261125T100000Z",
                                end="20261125T110000Z", summary="Rendez-vous " + MARKER,
                                extra="CLASS:PRIVATE\nLOCATION:Bureau " + MARKER +
                                "\nDESCRIPTION:Dossier " + MARKER + "\n"))
    collection = "/dav/calendars/%s/conseils-partages/" % owner
    status = cs_share(url, owner, owner_pw, collection, SHARE.format(login=sharee))
    check("owner shares the calendar read-only (CS:share)", status == 200, status)

    # The colleague's client: the share is one of their calendars.
    marie = caldav.DAVClient(url=url + "/dav/", username=sharee, password=sharee_pw)
    principal = marie.principal()
    shared = [c for c in principal.calendars() if "/partage-" in str(c.url)]
    check("the shared calendar is listed in the sharee's home", len(shared) == 1,
          [str(c.url) for c in principal.calendars()])
    if not shared:
        print("%d passed, %d failed" % (results.count(True), results.count(False)))
        return 1
    share = shared[0]
    check("it has the owner's name", share.name == "Conseils partagés", share.name)

    events = share.events()
    uids = sorted(str(e.vobject_instance.vevent.uid.value) for e in events)
    check("both events are read", uids == ["prive-1", "public-1"], uids)
    private = [e for e in events if "UID:prive-1" in e.data]
    check("the private event is busy time only",
          private and "Occupé" in private[0].data and MARKER not in private[0].data,
          private[0].data if private else "")
    check("no byte of the private text in any event",
          all(MARKER not in e.data and "Dossier" not in e.data for e in events))

    week = share.date_search(datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc),
                             datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc))
    check("date_search over the share", len(week) == 2, len(week))
    check("a search for the private text finds nothing",
          not [e for e in share.search(summary=MARKER, event=True)])

    raw = marie.propfind(str(share.url), CUPS, depth=0).raw
    raw = raw.decode() if isinstance(raw, bytes) else raw
    privileges = raw.split("current-user-privilege-set")[1] if "current-user-privilege-set" \
        in raw else ""
    check("current-user-privilege-set has read and no write",
          "read" in privileges and "write" not in privileges and "bind" not in privileges, raw)
    check("DAV:owner is the sharer", "/dav/principals/users/%s/" % owner in raw, raw)

    def refused(action):
        try:
            action()
        except error.DAVError as e:
            return "403" in str(e) or "Forbidden" in str(e) or "need-privileges" in str(e)
        return False

    check("adding an event is refused (403)", refused(lambda: share.save_event(EVENT.format(
        uid="intrus-1", start="20261126T080000Z", end="20261126T090000Z", summary="Intrus",
        extra=""))))
    public = share.event_by_uid("public-1")
    public.vobject_instance.vevent.summary.value = "Changé par la collègue"
    check("changing an event is refused (403)", refused(public.save))
    check("deleting an event is refused (403)", refused(share.event_by_uid("public-1").delete))
    owners_view = sorted(str(e.vobject_instance.vevent.uid.value) for e in cal.events())
    check("the owner's calendar is unchanged", owners_view == ["prive-1", "public-1"] and
          "Changé" not in cal.event_by_uid("public-1").data, owners_view)
    check("the owner still sees the private event whole",
          MARKER in cal.event_by_uid("prive-1").data)

    # Revoked: the calendar leaves the colleague's list.
    status = cs_share(url, owner, owner_pw, collection, UNSHARE.format(login=sharee))
    check("owner revokes the share (CS:share remove)", status == 200, status)
    check("the share is gone from the sharee's calendars",
          not [c for c in principal.calendars() if "/partage-" in str(c.url)])

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
