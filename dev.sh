#!/usr/bin/env bash
# The project's two commands:  ./dev.sh run   (start FlighTrak)   ./dev.sh test   (the whole suite)
# Both install what they need into .venv/ at the repo root first (Python 3.11 and the registries only).
set -euo pipefail
cd "$(dirname "$0")"

python_311() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return
    fi
  done
  echo "FlighTrak needs Python 3.11 on PATH" >&2; exit 1
}

install() {
  local extras=$1 stamp=".venv/.stamp-$1"
  [ -x .venv/bin/python ] || "$(python_311)" -m venv .venv
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[$extras]"
    touch "$stamp"
  fi
}

install_chromium() {
  [ -x /usr/bin/chromium ] && return
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
}

case "${1:-}" in
  run)
    install runtime
    exec .venv/bin/flightrak run
    ;;
  test)
    install dev
    install_chromium
    shift
    # The manifests test's policy scanner, checkov, installs into a venv of its own (about two minutes on a new
    # machine) while the checks and the first tests run; the test waits for it (tests/test_kubernetes_manifests.py).
    .venv/bin/python -c 'from tests.test_kubernetes_manifests import checkov; checkov()' >/dev/null 2>&1 &
    .venv/bin/python -m flightrak.protogen_check
    .venv/bin/python -m flightrak.flow_diagrams --check
    .venv/bin/ruff check .
    .venv/bin/lint-imports
    .venv/bin/mypy
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh run | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
