#!/usr/bin/env bash
# Installs every Debian package Outpost needs to build, test and benchmark,
# and the browser tests' npm dependency (tests/browser/package-lock.json).
# Idempotent: runs `apt-get update` only when something is missing, and
# `npm ci` only when tests/browser/node_modules does not match the lock file.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev
  libsqlite3-dev libsqlitecpp-dev sqlite3
  libsodium-dev
  libzmq3-dev cppzmq-dev
  libboost-dev
  catch2
  nlohmann-json3-dev
  libcli11-dev
  libspdlog-dev
  libbenchmark-dev
  python3
  chromium ffmpeg
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The browser tests (tests/browser) run on Node.js 20+ (Debian 12's nodejs
# is 18: install Node 20 from nodejs.org or NodeSource) with playwright-core,
# pinned by the committed lock file. npm writes node_modules/.package-lock.json
# after an install; when it equals the lock file, node_modules is current.
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "setup: the browser tests need Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ -f "$browser_dir/node_modules/.package-lock.json" ] &&
   node -e 'const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f)).packages);
            delete a[""]; delete b[""]; process.exit(JSON.stringify(a) === JSON.stringify(b) ? 0 : 1)' \
     "$browser_dir/package-lock.json" "$browser_dir/node_modules/.package-lock.json"; then
  echo "setup: tests/browser/node_modules is current"
else
  echo "setup: npm ci in tests/browser"
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
