#!/usr/bin/env bash
# Idempotent set-up: a virtualenv with the project and its dev tools, the Debian packages the
# test suite needs, and the browser designer built from web/ into sce/designer/. Safe to run
# again and again; it only does what is missing or stale.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PYTHON=${PYTHON:-python3}
# Debian packages the suite needs that pip cannot install (binary: package).
APT_NEEDS=(
    "dot:graphviz"  # tests/test_graph.py renders `sce graph` output with the real Graphviz
    "redis-server:redis-server"  # the Redis session store and deploy propagation are tested on a real server
    "chromium:chromium"  # tests/designer drive the built designer in headless Chromium (Playwright)
    "espeak-ng:espeak-ng"  # offline speech synthesis of prompts that have no recording yet
)
# Debian packages with no binary to look for: installed when dpkg does not have them.
APT_PACKAGES=(
    "fonts-noto-cjk"  # Chinese prompts in the designer's screenshots, not empty boxes
)
# The designer's build (npm run build) needs Vite's Node.js.
NODE_MIN=20.19

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
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
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

# -- the browser designer: web/ built into sce/designer/ (served at / by sce/api/designer.py) ----

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup: the designer's build needs Node.js >= $NODE_MIN and npm, and they are missing." >&2
    echo "setup: install them: apt-get install -y nodejs npm (Debian 12's own nodejs is 18, too" >&2
    echo "setup: old for Vite: install a Node.js $NODE_MIN or newer package instead)" >&2
    exit 1
fi
node_version=$(node --version)
node_version=${node_version#v}
if [ "$(printf '%s\n' "$NODE_MIN" "$node_version" | sort -V | head -n1)" != "$NODE_MIN" ]; then
    echo "setup: Node.js $node_version is too old for the designer's build (Vite needs $NODE_MIN or newer)." >&2
    echo "setup: install a newer one: apt-get install -y nodejs (from a Node.js $NODE_MIN+ package source)" >&2
    exit 1
fi

# What the build reads, in a stable order: a change to any of them builds again.
web_inputs() {
    {
        printf '%s\n' web/package-lock.json web/package.json web/index.html web/vite.config.ts \
            web/tsconfig.json sce/schema/flow.schema.json runtime/server/openapi.yaml
        for dir in web/src web/bench; do
            if [ -d "$dir" ]; then find "$dir" -type f; fi
        done
    } | LC_ALL=C sort
}

# Stamps live in node_modules: a fresh clone (or a removed node_modules) installs and builds.
lock_stamp=web/node_modules/.sce-lock-stamp
build_stamp=web/node_modules/.sce-build-stamp
lock_want=$(cat web/package-lock.json web/package.json | sha256sum | cut -d' ' -f1)
if [ ! -d web/node_modules ] || [ ! -f "$lock_stamp" ] || [ "$(cat "$lock_stamp")" != "$lock_want" ]; then
    echo "setup: installing the designer's npm packages (npm ci in web/)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_want" > "$lock_stamp"
fi

build_want=$(web_inputs | tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ ! -f sce/designer/index.html ] || [ ! -f "$build_stamp" ] \
    || [ "$(cat "$build_stamp")" != "$build_want" ]; then
    echo "setup: building the designer (npm run build in web/, into sce/designer/)"
    rm -f "$build_stamp"
    (cd web && npm run build)
    echo "$build_want" > "$build_stamp"
fi
