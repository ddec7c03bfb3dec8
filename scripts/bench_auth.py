#!/usr/bin/python3
"""Password guessing against a running Cartable, measured from a bystander's point of view.

1. A bystander (cached credentials, one keep-alive connection) sends PROPFIND Depth 0 in a loop:
   p50/p95 latency alone, then while GUESSERS clients send wrong passwords continuously.
2. Time to answer an unknown login and a wrong password for a real login (median of N each,
   interleaved), and whether the two answers are byte-identical (Date aside).

Measurement only, not a test. Usage:
  bench_auth.py URL BYSTANDER:PASSWORD TARGET_LOGIN [SECONDS] [GUESSERS] [N]
"""
import base64
import http.client
import re
import statistics
import sys
import threading
import time
import urllib.parse


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def propfind(conn, path, auth):
    start = time.perf_counter()
    conn.request("PROPFIND", path, body=b"", headers={"Depth": "0", "Authorization": auth})
    resp = conn.getresponse()
    resp.read()
    return resp.status, time.perf_counter() - start


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def bystander(url, auth, path, seconds):
    conn = connect(url)
    lat = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, t = propfind(conn, path, auth)
        if status != 207:
            raise SystemExit(f"bystander got {status}")
        lat.append(t)
    return lat


def guesser(url, login, path, stop, counts, index):
    conn = connect(url)
    n = 0
    while not stop.is_set():
        try:
            status, _ = propfind(conn, path, basic(login, f"guess-{index}-{n}"))
        except (OSError, http.client.HTTPException):
            conn = connect(url)
            continue
        counts[status] = counts.get(status, 0) + 1
        n += 1


def raw_answer(url, auth, path):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    start = time.perf_counter()
    conn.request("PROPFIND", path, body=b"", headers={"Depth": "0", "Authorization": auth})
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - start
    head = "\n".join(f"{k}: {v}" for k, v in resp.getheaders() if k.lower() != "date")
    conn.close()
    return resp.status, head + "\n\n" + body.decode(errors="replace"), elapsed


def main():
    url, who, target = sys.argv[1], sys.argv[2], sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10
    guessers = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 30
    user, password = who.split(":", 1)
    auth = basic(user, password)
    path = f"/dav/files/{user}/"
    propfind(connect(url), path, auth)  # warm the credential cache

    alone = bystander(url, auth, path, seconds)
    stop = threading.Event()
    counts = [dict() for _ in range(guessers)]
    threads = [threading.Thread(target=guesser, args=(url, target, f"/dav/files/{target}/", stop,
                                                      counts[i], i)) for i in range(guessers)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    busy = bystander(url, auth, path, seconds)
    stop.set()
    for t in threads:
        t.join()
    total = {}
    for c in counts:
        for k, v in c.items():
            total[k] = total.get(k, 0) + v

    def ms(x):
        return f"{x * 1000:.1f} ms"

    print(f"bystander alone:        n={len(alone)} p50={ms(percentile(alone, .5))} "
          f"p95={ms(percentile(alone, .95))}")
    print(f"bystander, {guessers} guessing: n={len(busy)} p50={ms(percentile(busy, .5))} "
          f"p95={ms(percentile(busy, .95))}")
    print(f"guesses answered: {sum(total.values())} in {seconds:.0f} s, by status {total}")

    unknown_t, wrong_t = [], []
    answers = set()
    for i in range(n):
        s1, a1, t1 = raw_answer(url, basic("nobody-" + str(i), "guess"), f"/dav/files/{target}/")
        s2, a2, t2 = raw_answer(url, basic(target, "guess" + str(i)), f"/dav/files/{target}/")
        unknown_t.append(t1)
        wrong_t.append(t2)
        answers.add(a1)
        answers.add(a2)
    print(f"unknown login:  median {ms(statistics.median(unknown_t))} (n={n})")
    print(f"wrong password: median {ms(statistics.median(wrong_t))} (n={n})")
    print(f"answers byte-identical (Date aside): {len(answers) == 1}")


if __name__ == "__main__":
    main()
