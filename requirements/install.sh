#!/usr/bin/env bash
# Set up a fresh machine for pmcmine: Debian packages, then a .venv with pinned deps.
# Idempotent and cheap when nothing changed: a stamp holds the hash of the inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
EXTRAS=${PMCMINE_EXTRAS:-dev}

# PMCMINE_DEBS: the package lists to install (make test adds requirements/debian-test.txt)
deb_lists=${PMCMINE_DEBS:-requirements/debian.txt}
debs=$(cat $deb_lists | grep -vE '^\s*(#|$)' | tr '\n' ' ' || true)
if [ -n "${debs// }" ]; then
  missing=()
  for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

stamp="$VENV/.pmcmine-installed"
want=$(cat pyproject.toml requirements/constraints.txt requirements/debian.txt | sha256sum | cut -d' ' -f1)-$EXTRAS
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -e ".[$EXTRAS]"
echo "$want" > "$stamp"
