#!/usr/bin/env bash
# Real-client suites against a fresh server: python3-caldav (discovery, agendas, scheduling), vdirsyncer
# with khal (calendars) and khard (contacts, directory imported while serving), shared collections
# (python3-caldav on a read-only share, vdirsyncer on shared ones), and a graceful SIGTERM at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_server.sh"
BIN="${1:-$BUILD_DIR/cartable}"
start_server "$BIN"
add_user jlabert 'Secret-jlabert1' "Jean Labert" jean.labert@ac-orleans-tours.fr
echo "== python3-caldav discovery"
timeout 120 /usr/bin/python3 "$ROOT/tests/clients/caldav_discovery.py" "$SERVER_URL" jlabert 'Secret-jlabert1' jean.labert@ac-orleans-tours.fr
echo "== python3-caldav agendas"
timeout 180 /usr/bin/python3 "$ROOT/tests/clients/caldav_agenda.py" "$SERVER_URL" jlabert 'Secret-jlabert1'
add_user pmartin 'Secret-pmartin1' "Paul Martin" paul.martin@ac-orleans-tours.fr
echo "== python3-caldav scheduling"
timeout 180 /usr/bin/python3 "$ROOT/tests/clients/caldav_scheduling.py" "$SERVER_URL" jlabert 'Secret-jlabert1' pmartin 'Secret-pmartin1' paul.martin@ac-orleans-tours.fr
add_user mdupont 'Secret-mdupont1' "Marie Dupont" marie.dupont@ac-orleans-tours.fr
echo "== vdirsyncer + khal"
timeout 300 "$ROOT/tests/clients/vdirsyncer_sync.sh" "$SERVER_URL" mdupont 'Secret-mdupont1'
echo "== directory import while serving, then vdirsyncer + khard"
"$SERVER_BIN" --data "$SERVER_DATA" directory import "$ROOT/tests/fixtures/directory/staff.csv"
timeout 300 "$ROOT/tests/clients/vdirsyncer_contacts.sh" "$SERVER_URL" jlabert 'Secret-jlabert1'
echo "== python3-caldav on a calendar shared read-only"
timeout 180 /usr/bin/python3 "$ROOT/tests/clients/caldav_sharing.py" "$SERVER_URL" jlabert 'Secret-jlabert1' mdupont 'Secret-mdupont1'
echo "== vdirsyncer on a shared calendar (read-write) and a shared address book (read-only)"
timeout 300 "$ROOT/tests/clients/vdirsyncer_sharing.sh" "$SERVER_URL" jlabert 'Secret-jlabert1' pmartin 'Secret-pmartin1'
echo "== graceful stop"
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
grep -q "cartable: stopped" "$SERVER_DATA/server.log" || { cat "$SERVER_DATA/server.log"; exit 1; }
[ "$rc" -eq 0 ] || { echo "server exited with $rc on SIGTERM"; exit 1; }
echo "server stopped cleanly on SIGTERM (exit 0)"
