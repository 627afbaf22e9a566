#!/usr/bin/env bash
# Idempotent set-up: a virtualenv with the project and its dev tools, and the Debian packages the
# test suite needs. Safe to run again and again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PYTHON=${PYTHON:-python3}
# Debian packages the suite needs that pip cannot install (binary: package).
APT_NEEDS=(
    "dot:graphviz"  # tests/test_graph.py renders `sce graph` output with the real Graphviz
    "redis-server:redis-server"  # the Redis session store and deploy propagation are tested on a real server
)

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x "$VENV/bin/sce" ]; then
    echo "setup: installing the project and its dev tools into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
    echo "$want" > "$stamp"
fi

missing=()
for need in "${APT_NEEDS[@]}"; do
    binary=${need%%:*}
    package=${need#*:}
    command -v "$binary" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: need root to run: apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
