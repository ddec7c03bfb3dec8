#!/usr/bin/python3
"""Helpers of scripts/bench_scale.sh (issue 15 scale figures). Not part of scripts/test.

  bench_scale.py davbench ARGS...    davbench.py unchanged, except that server CPU is the sum over
                                     the process trees of $BENCH_SCALE_NODES (comma-separated pids:
                                     the Cartable nodes) and $BENCH_SCALE_PG (the postmaster: its
                                     backends and background processes), both counted (utime + stime
                                     of live processes + cutime + cstime of reaped children). Each
                                     run in the JSON also gets server_cpu_nodes_s and server_cpu_pg_s.
  bench_scale.py people N FILE       a directory import CSV of N people (deterministic, French names
                                     with accents, six departments, no NUMEN: nobody is hashed)
  bench_scale.py academy-sql TEMPLATE_LOGIN CALENDAR EVENTS
                                     SQL (stdout) copying the template user's collections to every
                                     active person of the directory, and EVENTS calendar objects in
                                     all, taken in turn from the template calendar with their index,
                                     occurrence and change rows, ids renumbered
  bench_scale.py dirsearch URL USER PASSWORD N JSON
                                     N principal-property-search REPORTs (Thunderbird's attendee
                                     search: displayname starts-with, address contains) with
                                     prefixes of the generated names, one at a time; latency p50/p95
                                     and the server CPU as above
  bench_scale.py report RESULTS_DIR OUT
                                     appends the section of RESULTS_DIR to OUT (docs/benchmarks.md)
"""
import base64
import http.client
import json
import os
import random
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.environ.get("BENCH_DIR") or os.path.join(HERE, "..", "..", "shared", "bench")

FIRST = ["Hélène", "Jérôme", "Françoise", "Gaëlle", "Noël", "Zoé", "Chloé", "Théo", "Inès", "Loïc",
         "Anaïs", "Raphaël", "Cécile", "Benoît", "Agnès", "Stéphane", "Océane", "Maëlle", "Joël",
         "Léa", "Julien", "Marie", "Pierre", "Sophie", "Nicolas", "Camille", "Thomas", "Claire",
         "Antoine", "Emma", "Hugo", "Manon", "Louis", "Sarah", "Paul", "Laura", "Lucas", "Anne"]
LAST = ["Martin", "Bernard", "Lefèvre", "Dubois", "Le Gall", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
        "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François",
        "Martinez", "Légaré", "Chevalier", "Gauthier", "Perrin", "Robin", "Clément", "Morin",
        "Nicolas", "Henry", "Rousseau", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
        "Denis", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud"]
FUNCTIONS = ["Professeur", "Professeure des écoles", "CPE", "Principal", "Proviseure adjointe",
             "Secrétaire", "Gestionnaire", "Infirmière", "Documentaliste", "Inspecteur"]
DEPARTMENTS = ["18", "28", "36", "37", "41", "45"]
KINDS = ["Lycée", "Collège", "École élémentaire", "Lycée professionnel"]
PLACES = ["Descartes", "Ronsard", "Balzac", "Jean Zay", "Rabelais", "George Sand", "Pasteur",
          "Jules Verne", "Voltaire", "Marguerite Yourcenar", "Léonard de Vinci", "Colette"]


# ---- CPU over several process trees ------------------------------------------------------------
def _stats():
    kids, stats = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fs = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(d)] = fs
        kids.setdefault(int(fs[1]), []).append(int(d))
    return kids, stats


def tree_cpu(roots, kids, stats):
    tck = os.sysconf("SC_CLK_TCK")
    total, todo, seen = 0.0, list(roots), set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        if p in stats:
            fs = stats[p]
            total += (int(fs[11]) + int(fs[12]) + int(fs[13]) + int(fs[14])) / tck
        todo.extend(kids.get(p, []))
    return total


def pids(var):
    return [int(p) for p in os.environ.get(var, "").replace(" ", "").split(",") if p]


def cpu_now():
    kids, stats = _stats()
    return tree_cpu(pids("BENCH_SCALE_NODES"), kids, stats), tree_cpu(pids("BENCH_SCALE_PG"), kids, stats)


def run_davbench(argv):
    sys.path.insert(0, BENCH)
    import davbench  # noqa: E402

    def proc(self):
        if not self.pid:
            return {}
        nodes, pg = cpu_now()
        rss = 0
        for p in pids("BENCH_SCALE_NODES"):
            try:
                with open(f"/proc/{p}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM"):
                            rss += int(line.split()[1]) // 1024
            except OSError:
                pass
        self._scale_calls = getattr(self, "_scale_calls", []) + [(nodes, pg)]
        return {"cpu_s": round(nodes + pg, 3), "cpu_nodes_s": round(nodes, 3),
                "cpu_pg_s": round(pg, 3), "VmHWM": rss}

    davbench.Target.proc = proc
    original_run = davbench.Bench.run

    # The last two proc() calls of a run are its p0 and p1 (davbench.Bench.run): the split.
    def run(self, t, *a, **kw):
        res = original_run(self, t, *a, **kw)
        calls = getattr(t, "_scale_calls", [])
        if len(calls) >= 2:
            res.cpu_nodes = round(calls[-1][0] - calls[-2][0], 3)
            res.cpu_pg = round(calls[-1][1] - calls[-2][1], 3)
        return res

    davbench.Bench.run = run
    original_summary = davbench.Result.summary

    def summary(self):
        s = original_summary(self)
        s["server_cpu_nodes_s"] = getattr(self, "cpu_nodes", None)
        s["server_cpu_pg_s"] = getattr(self, "cpu_pg", None)
        return s

    davbench.Result.summary = summary
    return davbench.main(argv)


# ---- generated directory -------------------------------------------------------------------------
def person(i):
    r = random.Random(i * 7919 + 17)
    dep = DEPARTMENTS[i % len(DEPARTMENTS)]
    school = (i // 40) % 2000
    kind = KINDS[school % len(KINDS)]
    place = PLACES[school % len(PLACES)]
    uai = f"0{dep}{school:04d}{chr(65 + school % 26)}"
    # The import refuses two people of one establishment with the same name: the 40 people of an
    # establishment get 40 different last names (7 is prime to len(LAST) = 50).
    last = LAST[(i * 7 + school) % len(LAST)]
    if r.random() < 0.3:
        last += "-" + LAST[r.randrange(len(LAST))]
    return {"nom": last, "prenom": FIRST[r.randrange(len(FIRST))],
            "fonction": FUNCTIONS[r.randrange(len(FUNCTIONS))],
            "etablissement": f"{kind} {place} {school}", "uai": uai, "departement": dep,
            "telephone": f"02 {r.randrange(10, 99)} {r.randrange(10, 99)} {r.randrange(10, 99)} {r.randrange(10, 99)}"}


def people(n, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("nom;prenom;email;fonction;etablissement;uai;departement;telephone;numen\n")
        for i in range(n):
            p = person(i)
            f.write(f"{p['nom']};{p['prenom']};;{p['fonction']};{p['etablissement']};{p['uai']};"
                    f"{p['departement']};{p['telephone']};\n")


# ---- the academy, copied from a template user ----------------------------------------------------
def academy_sql(template, calendar, events):
    t = template.replace("'", "''")
    cal = calendar.strip("/").replace("'", "''")
    return f"""
\\set ON_ERROR_STOP on
BEGIN;
-- the people who get a calendar: every active account with a directory entry except the template
CREATE TEMP TABLE people ON COMMIT DROP AS
  SELECT row_number() OVER (ORDER BY u.id) - 1 AS ui, u.id AS user_id, u.login
  FROM users u JOIN directory_entries d ON d.user_id = u.id
  WHERE u.state = 'active' AND u.login <> '{t}';
CREATE TEMP TABLE tuser ON COMMIT DROP AS SELECT id FROM users WHERE login = '{t}';
-- every collection of the template (homes, inbox, outbox, calendar, address book), per person
CREATE TEMP TABLE cmap ON COMMIT DROP AS
  SELECT nextval(pg_get_serial_sequence('collections', 'id')) AS new_id, c.id AS old_id,
         p.ui, p.user_id, replace(c.path, '/{t}/', '/' || p.login || '/') AS path
  FROM collections c, people p WHERE c.owner_id = (SELECT id FROM tuser);
INSERT INTO collections (id, path, parent_id, owner_id, kind, sync_seq, changes_floor, created_at,
    modified_at, max_object_span, display_name, description, color, sort_order, time_zone,
    transparent, default_calendar_id, components)
  SELECT m.new_id, m.path, NULL, m.user_id, c.kind, 0, 0, c.created_at, c.modified_at,
         c.max_object_span, c.display_name, c.description, c.color, c.sort_order, c.time_zone,
         c.transparent, NULL, c.components
  FROM cmap m JOIN collections c ON c.id = m.old_id;
UPDATE collections n SET parent_id = pm.new_id
  FROM cmap m JOIN collections c ON c.id = m.old_id JOIN cmap pm ON pm.old_id = c.parent_id AND pm.ui = m.ui
  WHERE n.id = m.new_id;
UPDATE collections n SET default_calendar_id = dm.new_id
  FROM cmap m JOIN collections c ON c.id = m.old_id JOIN cmap dm ON dm.old_id = c.default_calendar_id AND dm.ui = m.ui
  WHERE n.id = m.new_id;
INSERT INTO collection_properties (collection_id, ns, local, xml)
  SELECT m.new_id, p.ns, p.local, p.xml FROM cmap m JOIN collection_properties p ON p.collection_id = m.old_id;
-- {events} objects in all: person ui gets the template objects (ui*k .. ) in turn
CREATE TEMP TABLE tobj ON COMMIT DROP AS
  SELECT row_number() OVER (ORDER BY o.id) - 1 AS rn, o.id
  FROM objects o JOIN collections c ON c.id = o.collection_id
  WHERE c.owner_id = (SELECT id FROM tuser) AND c.path LIKE '%/{cal}/';
CREATE TEMP TABLE ucal ON COMMIT DROP AS
  SELECT p.ui, m.new_id AS cal_id,
         ({events}::bigint * p.ui) / (SELECT count(*) FROM people) AS first,
         ({events}::bigint * (p.ui + 1)) / (SELECT count(*) FROM people)
       - ({events}::bigint * p.ui) / (SELECT count(*) FROM people) AS cnt
  FROM people p JOIN cmap m ON m.ui = p.ui AND m.path LIKE '%/{cal}/';
CREATE TEMP TABLE omap ON COMMIT DROP AS
  SELECT nextval(pg_get_serial_sequence('objects', 'id')) AS new_id, t.id AS old_id, u.cal_id,
         j + 1 AS seq
  FROM ucal u CROSS JOIN LATERAL generate_series(0, u.cnt - 1) j
  JOIN tobj t ON t.rn = (u.first + j) % (SELECT count(*) FROM tobj);
INSERT INTO objects (id, collection_id, name, content_type, etag, size, created_at, modified_at,
    change_seq, data, uid, component, first_start, last_end, needs_expansion)
  SELECT m.new_id, m.cal_id, o.name, o.content_type, o.etag, o.size, o.created_at, o.modified_at,
         m.seq, o.data, o.uid, o.component, o.first_start, o.last_end, o.needs_expansion
  FROM omap m JOIN objects o ON o.id = m.old_id;
INSERT INTO object_properties (object_id, ns, local, xml)
  SELECT m.new_id, p.ns, p.local, p.xml FROM omap m JOIN object_properties p ON p.object_id = m.old_id;
INSERT INTO changes (collection_id, seq, name, deleted, changed_at)
  SELECT m.cal_id, m.seq, o.name, 0, o.modified_at FROM omap m JOIN objects o ON o.id = m.old_id;
INSERT INTO occurrence_sets (object_id, collection_id, component, complete_until, zone)
  SELECT m.new_id, m.cal_id, s.component, s.complete_until, s.zone
  FROM omap m JOIN occurrence_sets s ON s.object_id = m.old_id;
INSERT INTO occurrences (collection_id, component, class, lo, hi, object_id)
  SELECT m.cal_id, x.component, x.class, x.lo, x.hi, m.new_id
  FROM omap m JOIN occurrences x ON x.object_id = m.old_id;
INSERT INTO occurrence_classes (collection_id, component, class)
  SELECT DISTINCT u.cal_id, k.component, k.class
  FROM ucal u, occurrence_classes k JOIN cmap m ON m.old_id = k.collection_id AND m.ui = 0
  WHERE m.path LIKE '%/{cal}/';
UPDATE collections c SET sync_seq = u.cnt FROM ucal u WHERE c.id = u.cal_id;
UPDATE users s SET used_bytes = x.bytes
  FROM (SELECT c.owner_id, sum(o.size) AS bytes FROM omap m JOIN objects o ON o.id = m.new_id
        JOIN collections c ON c.id = m.cal_id GROUP BY c.owner_id) x
  WHERE s.id = x.owner_id AND (SELECT used_bytes FROM users WHERE login = '{t}') > 0;
COMMIT;
ANALYZE;
"""


# ---- directory search ------------------------------------------------------------------------------
def dirsearch(url, user, password, n, out):
    u = urllib.parse.urlsplit(url)
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    r = random.Random(15)
    words = [w.lower() for w in FIRST + LAST]
    lat, statuses, hits = [], {}, []
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c0 = cpu_now()
    t0 = time.monotonic()
    for _ in range(n):
        w = r.choice(words)
        prefix = w[:r.choice([3, 4, 5])]
        body = ('<D:principal-property-search xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
                'test="anyof"><D:property-search><D:prop><D:displayname/></D:prop>'
                f'<D:match match-type="starts-with">{prefix}</D:match></D:property-search>'
                '<D:property-search><D:prop><C:calendar-user-address-set/></D:prop>'
                f'<D:match>{prefix}</D:match></D:property-search><D:prop><D:displayname/>'
                '<C:calendar-user-address-set/></D:prop></D:principal-property-search>').encode()
        s = time.monotonic()
        conn.request("REPORT", "/dav/principals/users/", body,
                     {"Authorization": auth, "Depth": "0", "Content-Type": "application/xml"})
        resp = conn.getresponse()
        data = resp.read()
        lat.append(time.monotonic() - s)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        hits.append(data.count(b"response>") // 2)  # <X:response> and </X:response>
    wall = time.monotonic() - t0
    c1 = cpu_now()
    lat.sort()

    def pct(p):
        return round(lat[min(len(lat) - 1, max(0, -(-p * len(lat) // 100) - 1))] * 1000, 2)

    res = {"requests": n, "statuses": statuses, "p50_ms": pct(50), "p95_ms": pct(95),
           "p99_ms": pct(99), "wall_s": round(wall, 3),
           "cpu_nodes_ms_per_op": round((c1[0] - c0[0]) * 1000 / n, 3),
           "cpu_pg_ms_per_op": round((c1[1] - c0[1]) * 1000 / n, 3),
           "mean_responses": round(sum(hits) / n, 1)}
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))
    return 0 if set(statuses) == {207} else 1


# ---- report ----------------------------------------------------------------------------------------
LABELS = {"put-create-ics": "PUT create event/to-do (load)", "put-create-vcf": "PUT create vCard (load)",
          "get": "GET event", "propfind-d1": "PROPFIND Depth 1 (whole calendar)",
          "cal-query-week": "calendar-query, 1 week", "multiget-50": "calendar-multiget, 50",
          "card-query": "addressbook-query", "sync-initial": "sync-collection, initial",
          "sync-incr-10": "sync-collection, incremental", "update-rmw": "GET + PUT If-Match",
          "client-initial-sync": "client first sync", "delete": "DELETE"}


def agg(doc):
    """(workload, c) -> dict over every round of the only target."""
    t = next(iter(doc["targets"].values()))
    out = {}
    for r in t["runs"]:
        k = (r["workload"], r["conc"])
        a = out.setdefault(k, {"ops": 0, "cpu": 0.0, "nodes": 0.0, "pg": 0.0, "p95": [], "status": "OK",
                               "rate": []})
        a["ops"] += r["ops"]
        a["cpu"] += r["server_cpu_s"] or 0
        a["nodes"] += r.get("server_cpu_nodes_s") or 0
        a["pg"] += r.get("server_cpu_pg_s") or 0
        a["rate"].append(r["ops_per_s"])
        if r["p95_ms"] is not None:
            a["p95"].append(r["p95_ms"])
        if r["status"] != "OK":
            a["status"] = r["status"]
    return out


def fmt(v, d=2):
    return "–" if v is None else f"{v:.{d}f}"


def report(results, out):
    meta = {}
    with open(os.path.join(results, "meta.tsv")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            meta[k] = v
    runs = []
    for name, title in (("sqlite1", "SQLite, 1 node"), ("pg1", "PostgreSQL, 1 node"),
                        ("pg3", "PostgreSQL, 3 nodes + nginx"), ("academy", "PostgreSQL academy, 1 node")):
        p = os.path.join(results, name + ".json")
        if os.path.exists(p):
            with open(p) as f:
                runs.append((name, title, agg(json.load(f))))
    L = []
    L.append(f"\n## PostgreSQL and several nodes (issue 15, {meta.get('size', '?')} size)\n")
    L.append(f"Produced by `{meta.get('command', 'scripts/bench_scale.sh')}`; the commands it ran, as run, "
             "are at the end of this section.\n")
    L.append("| | |\n|---|---|")
    for k, label in (("commit", "commit"), ("build_type", "build"), ("date", "date (UTC)"), ("cpu", "CPU"),
                     ("os", "system"), ("postgresql", "PostgreSQL"), ("nginx", "nginx"),
                     ("loadavg_start", "load average at start"), ("loadavg_end", "load average at end"),
                     ("duration", "duration")):
        if k in meta:
            L.append(f"| {label} | {meta[k]} |")
    L.append("")
    L.append(f"Dataset of one user (davbench): {meta.get('dataset', '?')} (events/to-dos/cards). "
             "**Server CPU** is counted two ways, both given: the Cartable node processes alone "
             "(utime + stime, all nodes summed), and the nodes plus PostgreSQL (the postmaster's whole "
             "process tree: backends, WAL writer, checkpointer, autovacuum). The second is the fair "
             "figure when comparing with SQLite, whose work runs inside the node. nginx's own CPU "
             "(3-node column) is not counted. PostgreSQL 15 runs with initdb's defaults except "
             "`shared_buffers = 256MB` (every COMMIT flushes the WAL, as in production); SQLite "
             "with Cartable's own settings. The academy database is ANALYZEd after the copy; the "
             "other PostgreSQL databases are fresh and rely on autovacuum for their statistics.\n")
    keys = []
    for _, _, a in runs:
        for k in a:
            if k not in keys:
                keys.append(k)
    hdr = "| workload | c |" + "".join(f" {t} ms/op |" for _, t, _ in runs)
    L.append("### Server CPU per operation: nodes / nodes + PostgreSQL (ms, lower is better)\n")
    L.append(hdr)
    L.append("|---|---|" + "---|" * len(runs))
    for k in keys:
        row = f"| {LABELS.get(k[0], k[0])} | {k[1]} |"
        for _, _, a in runs:
            s = a.get(k)
            if not s or not s["ops"]:
                row += " – |"
                continue
            st = "" if s["status"] == "OK" else f" **{s['status']}**"
            row += f" {s['nodes'] * 1000 / s['ops']:.2f} / {s['cpu'] * 1000 / s['ops']:.2f}{st} |"
        L.append(row)
    L.append("")
    L.append("### Throughput and p95 latency (ops/s, ms; these move with the other jobs of the machine)\n")
    L.append(hdr.replace(" ms/op |", " |"))
    L.append("|---|---|" + "---|" * len(runs))
    for k in keys:
        row = f"| {LABELS.get(k[0], k[0])} | {k[1]} |"
        for _, _, a in runs:
            s = a.get(k)
            if not s or not s["ops"]:
                row += " – |"
                continue
            row += f" {sum(s['rate']) / len(s['rate']):.0f} /s, p95 {max(s['p95']) if s['p95'] else 0:.1f} |"
        L.append(row)
    L.append("")
    acad = os.path.join(results, "academy-facts.json")
    if os.path.exists(acad):
        with open(acad) as f:
            fa = json.load(f)
        L.append("### The simulated academy\n")
        L.append(fa.get("how", ""))
        L.append("")
        L.append("| | |\n|---|---|")
        for k, v in fa.get("facts", []):
            L.append(f"| {k} | {v} |")
        L.append("")
    ds = os.path.join(results, "dirsearch.json")
    if os.path.exists(ds):
        with open(ds) as f:
            d = json.load(f)
        L.append("### Directory search on the academy\n")
        L.append(f"{d['requests']} `principal-property-search` REPORTs on `/dav/principals/users/` "
                 "(Thunderbird's attendee search: `displayname` starts-with OR address contains a "
                 "3-5 letter prefix of a generated name), one at a time, on one node: "
                 f"**p95 {d['p95_ms']} ms** (p50 {d['p50_ms']}, p99 {d['p99_ms']}), "
                 f"{d['mean_responses']} principals per answer on average; server CPU "
                 f"{d['cpu_nodes_ms_per_op']} ms/op in the node + {d['cpu_pg_ms_per_op']} ms/op in "
                 f"PostgreSQL; statuses {d['statuses']}.\n")
    notes = os.path.join(results, "notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            L.append("### Notes from the run\n")
            L.append(f.read().rstrip() + "\n")
    L.append("### Commands\n")
    L.append("```sh")
    with open(os.path.join(results, "commands.txt")) as f:
        L.append(f.read().rstrip())
    L.append("```\n")
    with open(out, "a", encoding="utf-8") as f:
        f.write("\n".join(L))
    return 0


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "davbench":
        return run_davbench(rest)
    if cmd == "people" and len(rest) == 2:
        people(int(rest[0]), rest[1])
        return 0
    if cmd == "academy-sql" and len(rest) == 3:
        sys.stdout.write(academy_sql(rest[0], rest[1], int(rest[2])))
        return 0
    if cmd == "dirsearch" and len(rest) == 5:
        return dirsearch(rest[0], rest[1], rest[2], int(rest[3]), rest[4])
    if cmd == "report" and len(rest) == 2:
        return report(rest[0], rest[1])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
