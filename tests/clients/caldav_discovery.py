#!/usr/bin/python3
"""python3-caldav discovery against a live Cartable: principal, homes, empty calendar list.

Usage: caldav_discovery.py URL LOGIN PASSWORD EMAIL
"""
import sys

import caldav


def main():
    url, login, password, email = sys.argv[1:5]
    failures = []

    def check(name, cond, detail=""):
        print(("ok   " if cond else "FAIL ") + name + (" " + detail if detail else ""))
        if not cond:
            failures.append(name)

    # Discovery from the host root, as a user would type it (goes through /.well-known/caldav).
    client = caldav.DAVClient(url=url + "/", username=login, password=password)
    principal = client.principal()
    check("principal URL", str(principal.url).endswith("/dav/principals/users/%s/" % login),
          str(principal.url))
    home = principal.calendar_home_set
    check("calendar-home-set", str(home.url).endswith("/dav/calendars/%s/" % login), str(home.url))
    calendars = principal.calendars()
    check("calendars() returns a list", isinstance(calendars, list), repr(calendars))
    addresses = principal.calendar_user_address_set()
    check("calendar-user-address-set starts with mailto", bool(addresses) and
          addresses[0].lower() == "mailto:" + email, repr(addresses))

    # The same through the email address as login (iOS sends %40 in paths).
    client2 = caldav.DAVClient(url=url + "/dav/", username=email, password=password)
    check("email login reaches the same principal",
          str(client2.principal().url) == str(principal.url))

    print("%d passed, %d failed" % (5 - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
