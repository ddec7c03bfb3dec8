# Shared helpers for scripts/*: dependency installation and the build. Source, don't run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"

# Debian 12 packages the build, the tests and the client suites need.
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libpistache-dev libhttp-parser-dev libpugixml-dev libsqlite3-dev sqlite3 libsodium-dev
  libinih-dev zlib1g-dev libgtest-dev googletest libical-dev tzdata nlohmann-json3-dev
  libgmime-3.0-dev libcurl4-openssl-dev clang-format clang-14 libfuzzer-14-dev
  litmus python3-caldav python3-aiosmtpd vdirsyncer khal khard curl wrk time
  python3-gi gir1.2-gmime-3.0
  libzxcvbn-dev liboath-dev libqrencode-dev oathtool
  slapd ldap-utils libldap-dev openssl
  libkainjow-mustache-dev
  chromium
  poppler-utils
  radicale
  libpq-dev postgresql-15
  nginx
  prometheus-cpp-dev prometheus
  debhelper lintian rsync debootstrap systemd-container
  libzip-dev
)
# The web application's bundle (issue 13) is built with the machine's Node.js (npm comes with
# it, never as a Debian package): Debian's nodejs only when no node is installed at all.
command -v node >/dev/null || PACKAGES+=(nodejs)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "scripts: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# build [extra cmake args...]: configures once, then builds incrementally with 2 jobs. Uses
# ccache when installed; paths are hashed relative to the checkout, so worktrees share hits.
build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
  fi
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
  cmake --build "$BUILD_DIR" -j "${JOBS:-2}"
  build_web
}

# npm_ci_if_changed DIR TAG: DIR/node_modules from DIR/package-lock.json, `npm ci` when missing
# or installed from another lock (a stamp holds the lock's hash); TAG names the caller in messages.
npm_ci_if_changed() {
  local dir="$1" tag="$2" lock_sum stamp="$1/node_modules/.cartable-lock.sha256"
  lock_sum="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    echo "$tag: npm ci in ${dir#"$ROOT/"}"
    (cd "$dir" && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
  fi
}

# build_web [OUTDIR]: the web application's bundle (server/web/app, esbuild) into
# $BUILD_DIR/web-app, next to the binary, where the server looks for it by default ([web]
# app_dir).
build_web() {
  local app="$ROOT/server/web/app" out="${1:-$BUILD_DIR/web-app}"
  command -v node >/dev/null && command -v npm >/dev/null ||
    { echo "build_web: node and npm missing (the machine's Node.js 20 or later)" >&2; return 1; }
  npm_ci_if_changed "$app" build_web
  node "$app/build.mjs" "$out"
}
