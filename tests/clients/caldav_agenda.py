#!/usr/bin/python3
"""python3-caldav against a live Cartable: calendars, events (one recurring), tasks, a week's
date_search, completing a task, modifying and deleting an event. Each result is checked.

Usage: caldav_agenda.py URL LOGIN PASSWORD
"""
import datetime
import sys

import caldav

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//python-caldav test//FR
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20261101T000000Z
DTSTART:{start}
DTEND:{end}
SUMMARY:{summary}
{extra}END:VEVENT
END:VCALENDAR
"""

TODO = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Cartable//python-caldav test//FR
BEGIN:VTODO
UID:{uid}
DTSTAMP:20261101T000000Z
DUE:20261130T170000Z
SUMMARY:{summary}
STATUS:NEEDS-ACTION
END:VTODO
END:VCALENDAR
"""


def main():
    url, login, password = sys.argv[1:4]
    results = []

    def check(name, cond, detail=""):
        print(("ok   " if cond else "FAIL ") + name + (" " + str(detail) if detail else ""))
        results.append(bool(cond))

    client = caldav.DAVClient(url=url + "/dav/", username=login, password=password)
    principal = client.principal()
    names = sorted(c.name for c in principal.calendars())
    check("default calendars", names == ["Agenda", "Tâches"], names)

    cal = principal.make_calendar(name="Conseils de classe", cal_id="conseils")
    check("make_calendar", cal.name == "Conseils de classe", cal.url)
    check("new calendar is listed",
          "Conseils de classe" in [c.name for c in principal.calendars()])

    cal.save_event(EVENT.format(uid="e1", start="20261124T080000Z", end="20261124T090000Z",
                                summary="Conseil 4e B", extra=""))
    cal.save_event(EVENT.format(uid="e2", start="20261210T080000Z", end="20261210T090000Z",
                                summary="Conseil 3e A", extra=""))
    cal.save_event(EVENT.format(uid="weekly", start="20260907T130000Z", end="20260907T140000Z",
                                summary="Réunion d'équipe", extra="RRULE:FREQ=WEEKLY;BYDAY=MO\n"))
    check("three events stored", len(cal.events()) == 3, len(cal.events()))

    week = cal.date_search(datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc),
                           datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc))
    uids = sorted(str(e.vobject_instance.vevent.uid.value) for e in week)
    check("date_search for a week finds the event and the weekly instance",
          uids == ["e1", "weekly"], uids)

    tasks = [c for c in principal.calendars() if c.name == "Tâches"][0]
    tasks.save_todo(TODO.format(uid="t1", summary="Corriger les copies"))
    todos = tasks.todos()
    check("task stored", len(todos) == 1, len(todos))
    todos[0].complete()
    check("completed task hidden from pending todos", len(tasks.todos()) == 0)
    done = tasks.todos(include_completed=True)
    check("completed task has STATUS:COMPLETED",
          len(done) == 1 and "STATUS:COMPLETED" in done[0].data, done[0].data if done else "")

    e1 = cal.event_by_uid("e1")
    e1.vobject_instance.vevent.summary.value = "Conseil 4e B (déplacé)"
    e1.save()
    check("modified event reads back",
          "déplacé" in cal.event_by_uid("e1").data, cal.event_by_uid("e1").data)
    cal.event_by_uid("e2").delete()
    remaining = sorted(str(e.vobject_instance.vevent.uid.value) for e in cal.events())
    check("deleted event is gone", remaining == ["e1", "weekly"], remaining)

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
