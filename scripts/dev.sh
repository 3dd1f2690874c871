#!/usr/bin/env bash
# Set up everything Threadline needs, then run it:
#   bash scripts/dev.sh demo [ARGS]   set up, then open the application on the demo case
#   bash scripts/dev.sh test [ARGS]   set up, then run the whole test suite
#   bash scripts/dev.sh setup         set up only
# Set-up is idempotent and quick when nothing changed: system libraries (installed with apt
# when run as root, otherwise named), a virtual environment in .venv, and the Python packages
# of pyproject.toml (with the dev extra).
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt (offscreen and X11 platform plugins), libmagic, a font, and Python's venv module.
SYSTEM_PACKAGES=(
  libmagic1 libegl1 libgl1 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1
  fonts-dejavu-core python3-venv
)
PYTHON="${PYTHON:-python3}"

say() { printf 'threadline setup: %s\n' "$*" >&2; }

system_packages() {
  command -v dpkg-query >/dev/null 2>&1 || { say "not a Debian-like system: make sure Qt's and libmagic's libraries are installed"; return 0; }
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages (ask an administrator to install them): ${missing[*]}"
  fi
}

python_env() {
  if [ ! -x .venv/bin/python ]; then
    say "creating the virtual environment in .venv"
    "$PYTHON" -m venv .venv
  fi
  local stamp=.venv/.threadline-installed
  local want
  want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing Python packages (a minute the first time)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    echo "$want" > "$stamp"
  fi
}

command="${1:-demo}"
shift || true
system_packages
python_env
case "$command" in
  setup) say "ready" ;;
  demo) exec .venv/bin/python main.py --demo "$@" ;;
  test) QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@" ;;
  *) say "unknown command '$command' (use demo, test or setup)"; exit 2 ;;
esac
