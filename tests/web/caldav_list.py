#!/usr/bin/python3
"""python3-caldav with an app password (issue 11 browser walk): lists the calendars of LOGIN,
creates one and sees it listed. With --expect-refused, succeeds only when the server answers
401 (an account password once the account has a one-time code, a revoked app password).

Usage: caldav_list.py URL LOGIN PASSWORD [--expect-refused]
Run with Debian's /usr/bin/python3 (python3-caldav).
"""
import sys

import caldav
from caldav.lib.error import AuthorizationError


def main():
    url, login, password = sys.argv[1:4]
    expect_refused = "--expect-refused" in sys.argv[4:]
    client = caldav.DAVClient(url=url + "/dav/", username=login, password=password)
    try:
        principal = client.principal()
        calendars = principal.calendars()
    except AuthorizationError as e:
        if expect_refused:
            print("refused as expected (401)")
            return 0
        print("FAIL refused: %s" % e)
        return 1
    if expect_refused:
        print("FAIL accepted, should have been refused (401)")
        return 1
    print("calendars: %s" % ", ".join(sorted(str(c.name) for c in calendars)))
    names = {str(c.name) for c in calendars}
    if "Conseils de classe" not in names:
        principal.make_calendar(name="Conseils de classe", cal_id="conseils")
        names = {str(c.name) for c in principal.calendars()}
    if "Conseils de classe" not in names:
        print("FAIL the new calendar is not listed: %r" % sorted(names))
        return 1
    print("ok calendar 'Conseils de classe' created and listed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
