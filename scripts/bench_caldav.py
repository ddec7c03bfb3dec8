#!/usr/bin/python3
"""Seeds a calendar with N events over keep-alive HTTP and prints the wrk Lua scripts' inputs.

Usage: bench_caldav.py URL LOGIN PASSWORD N OUTDIR
Events: one every ~50 minutes over a year from 2026-09-01, 10% weekly recurring (COUNT=30),
a third in Europe/Paris. Writes OUTDIR/multiget.xml (50 hrefs) for the multiget benchmark.
"""
import base64
import http.client
import random
import sys
import time
import urllib.parse


def main():
    url, login, password, n, outdir = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    auth = "Basic " + base64.b64encode(("%s:%s" % (login, password)).encode()).decode()
    base = "/dav/calendars/%s/agenda/" % login
    rnd = random.Random(42)
    start = time.time()
    t0 = 1788220800  # 2026-09-01T00:00:00Z
    names = []
    for i in range(n):
        t = t0 + i * 3000 + rnd.randint(0, 600)
        dt = time.strftime("%Y%m%dT%H%M%S", time.gmtime(t))
        extra = ""
        if i % 10 == 0:
            extra = "RRULE:FREQ=WEEKLY;COUNT=30\r\n"
        if i % 3 == 0:
            dtstart = "DTSTART;TZID=Europe/Paris:%s\r\nDTEND;TZID=Europe/Paris:%s\r\n" % (
                dt, time.strftime("%Y%m%dT%H%M%S", time.gmtime(t + 3600)))
        else:
            dtstart = "DTSTART:%sZ\r\nDTEND:%sZ\r\n" % (dt, time.strftime("%Y%m%dT%H%M%S", time.gmtime(t + 3600)))
        body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cartable//bench//FR\r\nBEGIN:VEVENT\r\n"
                "UID:bench-%d\r\nDTSTAMP:20260801T000000Z\r\n%s%sSUMMARY:Cours %d\r\n"
                "LOCATION:Salle %d\r\nDESCRIPTION:Séance de travail numéro %d avec la classe.\r\n"
                "END:VEVENT\r\nEND:VCALENDAR\r\n") % (i, dtstart, extra, i, i % 40, i)
        name = "bench-%d.ics" % i
        conn.request("PUT", base + name, body.encode(), {"Authorization": auth, "Content-Type": "text/calendar"})
        r = conn.getresponse()
        r.read()
        if r.status not in (201, 204):
            print("PUT failed", r.status, name)
            return 1
        names.append(name)
    print("seeded %d events in %.1f s (%.0f PUT/s over one connection)" % (n, time.time() - start, n / (time.time() - start)))
    hrefs = "".join("<D:href>%s%s</D:href>" % (base, nm) for nm in rnd.sample(names, 50))
    with open(outdir + "/multiget.xml", "w") as f:
        f.write('<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                '<D:prop><D:getetag/><C:calendar-data/></D:prop>%s</C:calendar-multiget>' % hrefs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
