#!/usr/bin/env bash
# Build the Threadline bundle (one folder: dist/threadline/) with PyInstaller, then check it.
#
#   bash packaging/build.sh [--archive]
#
# 1. Python: the project's .venv when it exists (BUILD_VENV=path picks another), otherwise a
#    fresh build/venv with the project and its `packaging` extra installed.
# 2. PyInstaller runs packaging/threadline.spec into dist/threadline/.
# 3. The built program's --self-test runs with QT_QPA_PLATFORM=offscreen, then again with the
#    network disabled and the bundle folder read-only (`unshare -rnm`, else `unshare -n`)
#    where that works.
# 4. It prints the bundle's size and the time to the first window on the demo case.
# With --archive it also writes dist/threadline-<version>-<os>-<arch>.tar.gz and its .sha256.
# Exit code: 0 when the build and every self-test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
ARCHIVE=0
[ "${1:-}" = "--archive" ] && ARCHIVE=1

say() { printf 'threadline build: %s\n' "$*" >&2; }

# -- 0. system libraries: Qt's, and libmagic (bundled from the system) -----------------------
# The project's own set-up step: installs them with apt when run as root on a fresh Debian/
# Ubuntu machine (and creates .venv), or names what is missing.
if [ -z "${BUILD_VENV:-}" ]; then
  bash "$ROOT/scripts/dev.sh" setup
fi

# -- 1. the Python that builds ------------------------------------------------------------
VENV="${BUILD_VENV:-}"
if [ -z "$VENV" ]; then
  if [ -x .venv/bin/python ]; then VENV=.venv; else VENV=build/venv; fi
fi
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the build environment in $VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e '.[packaging]'
elif ! "$VENV/bin/python" -c 'import PyInstaller' 2>/dev/null; then
  say "installing PyInstaller into $VENV"
  "$VENV/bin/python" -m pip install --quiet -e '.[packaging]'
fi

# -- 2. the bundle ----------------------------------------------------------------------------
DIST="${DIST_DIR:-$ROOT/dist}"
WORK="${WORK_DIR:-$ROOT/build/pyinstaller}"
say "building with PyInstaller (several minutes)"
started=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/threadline.spec
BUNDLE="$DIST/threadline"
EXE="$BUNDLE/threadline"
say "built $BUNDLE in $(( $(date +%s) - started )) s"

# -- 3. the self-test, offscreen, then without a network --------------------------------------
export QT_QPA_PLATFORM=offscreen
HOME_TMP="$(mktemp -d)"
trap 'rm -rf "$HOME_TMP"' EXIT
export THREADLINE_HOME="$HOME_TMP/home"   # nothing of the build's checks in the real profile

say "self-test (offscreen)"
"$EXE" --self-test

# Without a network, and with the bundle's folder mounted read-only (as from a USB stick or
# a locked Program Files) where unprivileged namespaces allow it.
ro_run='mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$1/threadline" --self-test'
if unshare -rnm sh -c 'd=$(mktemp -d) && mount --bind "$d" "$d" && mount -o remount,ro,bind "$d"' 2>/dev/null; then
  say "self-test with the network disabled and the bundle folder read-only (unshare -rnm)"
  unshare -rnm sh -c "$ro_run" sh "$BUNDLE"
elif unshare -n true 2>/dev/null; then
  say "self-test with the network disabled (unshare -n)"
  unshare -n "$EXE" --self-test
elif unshare -rn true 2>/dev/null; then
  say "self-test with the network disabled (unshare -rn)"
  unshare -rn "$EXE" --self-test
else
  say "unshare -n is not available here: the self-test without a network was not run"
fi

# -- 4. figures ---------------------------------------------------------------------------------
size=$(du -sh "$BUNDLE" | cut -f1)
files=$(find "$BUNDLE" -type f | wc -l)
"$EXE" --first-window --demo >/dev/null   # builds the demo case once, untimed
t0=$(date +%s.%N)
"$EXE" --first-window --demo >/dev/null
t1=$(date +%s.%N)
startup=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
version=$(cat "$BUNDLE/VERSION")
echo "bundle: $BUNDLE (Threadline $version, $size, $files files)"
echo "time to first window on the demo case: ${startup}s (process start to window shown, offscreen)"

if [ "$ARCHIVE" -eq 1 ]; then
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  name="threadline-$version-$os-$(uname -m).tar.gz"
  tar -C "$DIST" -czf "$DIST/$name" threadline
  (cd "$DIST" && sha256sum "$name" > "$name.sha256")
  echo "archive: $DIST/$name ($(du -sh "$DIST/$name" | cut -f1)); SHA-256 in $name.sha256"
fi
