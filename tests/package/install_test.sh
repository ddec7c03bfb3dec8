#!/usr/bin/env bash
# The package on a fresh Debian 12: a debootstrap'd bookworm root (cached in
# /var/cache/cartable-tests, built on first use) is copied on write (overlayfs), the package's
# dependencies are downloaded into it, then it boots with systemd-nspawn -b (private network) and
# `apt install ./cartable_*.deb` runs inside. Checks: the cartable user, the conffile and its
# permissions, `systemd-analyze verify` of the installed unit, the service active, the migrated
# store and 0600 secret key, an HTTP answer (/healthz once the server has it, else the sign-in
# page) and its access log line, `systemctl reload` (same process, still serving), logrotate
# (the server reopens the log), `systemctl stop` (clean exit), `apt purge` (binary,
# configuration, data and unit gone). Needs root. The host keeps nothing but the cache: the
# container is powered off and its overlay removed, also on failure.
#   tests/package/install_test.sh dist/cartable_VERSION_ARCH.deb
set -euo pipefail
deb="$(realpath "${1:?usage: install_test.sh CARTABLE.deb}")"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE=/var/cache/cartable-tests
BASE="$CACHE/bookworm-minbase-systemd"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PORT=8008  # the packaged default listen address, inside the container's own network

fail() { echo "install_test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, overlayfs, systemd-nspawn)"
for tool in debootstrap systemd-nspawn nsenter curl; do
  command -v "$tool" >/dev/null || fail "$tool missing (apt-get install debootstrap systemd-container curl)"
done
[ -f "$deb" ] || fail "$deb: no such file"
start=$(date +%s)

# The cache is prepared by one run at a time (other worktrees may run this test too); the lock is
# released before the container boots.
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock -w 900 9 || fail "$CACHE/lock: another run holds it for more than 15 minutes"

# The cached root: Debian 12 minbase with systemd as init, nothing of Cartable's.
if [ ! -d "$BASE" ]; then
  echo "== debootstrap bookworm into $BASE (once)"
  rm -rf "$BASE.tmp"
  timeout 900 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm \
    "$BASE.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || fail "debootstrap failed ($CACHE/debootstrap.log)"
  cat >"$BASE.tmp/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://security.debian.org/debian-security bookworm-security main
SOURCES
  rm -f "$BASE.tmp/etc/hostname"
  mv "$BASE.tmp" "$BASE"
fi
mkdir -p "$CACHE/apt-archives/partial"

run="$(mktemp -d "$CACHE/run.XXXXXX")"
merged="$run/root"
machine="cartable-test-$$"
nspawn_pid=""
leader=""
cleanup() {
  set +e
  if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
    nsenter -t "$leader" -a systemctl poweroff >/dev/null 2>&1
  fi
  if [ -n "$nspawn_pid" ]; then
    for _ in $(seq 1 40); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$nspawn_pid" 2>/dev/null && kill "$nspawn_pid" && sleep 2
  fi
  for m in "$merged/var/cache/apt/archives" "$merged/proc" "$merged"; do
    mountpoint -q "$m" && umount "$m"
  done
  rm -rf "$run"
}
trap cleanup EXIT
mkdir -p "$run/upper" "$run/work" "$merged"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$run/upper,workdir=$run/work" "$merged"
# Downloaded packages are kept between runs.
mount --bind "$CACHE/apt-archives" "$merged/var/cache/apt/archives"
cp "$deb" "$merged/root/"
pkg="/root/$(basename "$deb")"

echo "== dependencies downloaded into the container (host network)"
cp /etc/resolv.conf "$merged/etc/resolv.conf"
mount -t proc proc "$merged/proc"
timeout 300 chroot "$merged" apt-get update -qq || fail "apt-get update failed in the container"
timeout 600 chroot "$merged" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --download-only "$pkg" >/dev/null || fail "downloading the dependencies failed"
chroot "$merged" apt-get autoclean -qq >/dev/null  # superseded versions leave the shared cache
umount "$merged/proc"
flock -u 9

echo "== boot (systemd-nspawn -b, private network)"
systemd-nspawn -q -b -D "$merged" -M "$machine" --private-network --register=no --keep-unit \
  >"$run/console.log" 2>&1 </dev/null &
nspawn_pid=$!
# The container's init is nspawn's child named systemd (or init): an intermediate child
# (nspawn's outer child, or the inner one before it execs init) may be seen first and is gone a
# moment later; taking it made every nsenter fail (CI, stop 24).
for _ in $(seq 1 120); do
  leader="$(pgrep -P "$nspawn_pid" -x 'systemd|init' | head -n1 || true)"
  [ -n "$leader" ] && break
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.5
done
[ -n "$leader" ] || { cat "$run/console.log" >&2; fail "the container did not start"; }
in_ct() { nsenter -t "$leader" -a "$@"; }
state=""
for _ in $(seq 1 120); do
  state="$(in_ct systemctl is-system-running 2>/dev/null || true)"
  [ "$state" = running ] || [ "$state" = degraded ] && break
  sleep 0.5
done
[ "$state" = running ] || [ "$state" = degraded ] ||
  { tail -n 30 "$run/console.log" >&2; fail "the container did not finish booting ($state)"; }

echo "== apt install $(basename "$deb")"
timeout 300 nsenter -t "$leader" -a sh -c "cd /root && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq ./$(basename "$deb")" \
  >"$run/apt.log" 2>&1 || { cat "$run/apt.log" >&2; fail "apt install failed"; }

journal() { in_ct journalctl -u cartable --no-pager -n 40 >&2 || true; }
in_ct getent passwd cartable >/dev/null || fail "no cartable user"
conffiles="$(in_ct dpkg-query -W -f='${Conffiles}\n' cartable)"
grep -q ' /etc/cartable/cartable.ini ' <<<"$conffiles" ||
  fail "/etc/cartable/cartable.ini is not a conffile"
[ "$(in_ct stat -c '%a %U %G' /etc/cartable/cartable.ini)" = "640 root cartable" ] ||
  fail "/etc/cartable/cartable.ini: $(in_ct stat -c '%a %U %G' /etc/cartable/cartable.ini), want 640 root cartable"
active=""
for _ in $(seq 1 40); do
  active="$(in_ct systemctl is-active cartable || true)"
  [ "$active" = active ] && break
  sleep 0.5
done
[ "$active" = active ] || { journal; fail "cartable.service is $active"; }
in_ct systemctl is-enabled cartable >/dev/null || fail "cartable.service is not enabled"
# verify prints problems (unknown settings, missing executables) even when it exits 0.
verify="$(in_ct systemd-analyze verify --man=no cartable.service 2>&1)" && [ -z "$verify" ] ||
  { echo "$verify" >&2; fail "systemd-analyze verify rejects cartable.service"; }
[ "$(in_ct stat -c '%a %U' /var/lib/cartable)" = "750 cartable" ] ||
  fail "/var/lib/cartable: $(in_ct stat -c '%a %U' /var/lib/cartable), want 750 cartable"
grep -q 'schema version' <<<"$(in_ct journalctl -u cartable --no-pager)" || { journal; fail "no migration at start"; }

# An HTTP answer from inside the container's network namespace (the host's curl).
http() { nsenter -t "$leader" -n curl -sS -o "$run/body" -w '%{http_code}' --max-time 10 "$@"; }
health=""
grep -rq '"/healthz"' "$ROOT/server" --include=*.cc && health=1
probe() {
  for _ in $(seq 1 40); do
    if [ -n "$health" ]; then
      [ "$(http "http://127.0.0.1:$PORT/healthz" 2>/dev/null)" = 200 ] && grep -q ok "$run/body" && return 0
    else  # without a health route: the sign-in page, which needs no authentication
      [ "$(http "http://127.0.0.1:$PORT/connexion" 2>/dev/null)" = 200 ] && return 0
    fi
    sleep 0.25
  done
  return 1
}
probe || { journal; fail "no HTTP answer on 127.0.0.1:$PORT"; }
in_ct test -s /var/lib/cartable/cartable.db || fail "no /var/lib/cartable/cartable.db"
[ "$(in_ct stat -c '%a %U' /var/lib/cartable/secret.key)" = "600 cartable" ] ||
  fail "/var/lib/cartable/secret.key: $(in_ct stat -c '%a %U' /var/lib/cartable/secret.key 2>&1), want 600 cartable"
logged=""
for _ in $(seq 1 40); do
  in_ct grep -q 'connexion\|healthz' /var/log/cartable/access.log 2>/dev/null && { logged=1; break; }
  sleep 0.25
done
[ -n "$logged" ] || fail "no access log line in /var/log/cartable/access.log"

echo "== systemctl reload"
pid_before="$(in_ct systemctl show -p MainPID --value cartable)"
in_ct systemctl reload cartable || { journal; fail "systemctl reload failed"; }
sleep 1
[ "$(in_ct systemctl is-active cartable || true)" = active ] || { journal; fail "not active after reload"; }
[ "$(in_ct systemctl show -p MainPID --value cartable)" = "$pid_before" ] ||
  { journal; fail "reload restarted the process (SIGHUP not handled)"; }
probe || { journal; fail "no HTTP answer after reload"; }

echo "== logrotate (apt installed it: Recommends)"
in_ct logrotate -f /etc/logrotate.d/cartable || fail "logrotate failed"
in_ct test -s /var/log/cartable/access.log.1 || fail "access.log was not rotated"
[ "$(in_ct systemctl show -p MainPID --value cartable)" = "$pid_before" ] ||
  { journal; fail "logrotate's reload restarted the process"; }
probe || { journal; fail "no HTTP answer after logrotate"; }
logged=""
for _ in $(seq 1 40); do
  in_ct grep -q 'connexion\|healthz' /var/log/cartable/access.log 2>/dev/null && { logged=1; break; }
  sleep 0.25
done
[ -n "$logged" ] || fail "the server did not reopen /var/log/cartable/access.log after logrotate"

echo "== systemctl stop"
timeout 60 nsenter -t "$leader" -a systemctl stop cartable || fail "systemctl stop failed"
result="$(in_ct systemctl show -p Result --value cartable)"
status="$(in_ct systemctl show -p ExecMainStatus --value cartable)"
[ "$result" = success ] && [ "$status" = 0 ] || { journal; fail "stop: Result=$result ExecMainStatus=$status"; }

echo "== apt purge"
timeout 120 nsenter -t "$leader" -a env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq cartable >"$run/apt.log" 2>&1 ||
  { cat "$run/apt.log" >&2; fail "apt purge failed"; }
for gone in /usr/bin/cartable /etc/cartable /var/lib/cartable /var/log/cartable \
  /lib/systemd/system/cartable.service /usr/share/cartable; do
  ! in_ct test -e "$gone" || fail "$gone still there after purge"
done
echo "install_test: ok in $(($(date +%s) - start)) s"
