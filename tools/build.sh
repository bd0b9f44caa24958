#!/usr/bin/env bash
# Configures and builds Outpost with Ninja (and ccache when present).
#   tools/build.sh [BUILD_DIR] [extra cmake options...]
# Default build dir: build. Incremental: re-running only rebuilds what changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build}"
shift || true
# ccache keys on paths relative to the checkout and ignores the build
# directory's own path, so a fresh clone elsewhere (CI) reuses the objects
# an earlier build of the same sources made.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
cmake -S "$root" -B "$dir" -G Ninja -DOUTPOST_BUILD_BENCH=OFF "$@" >/dev/null
# OUTPOST_TARGETS (space-separated) builds only those targets.
# shellcheck disable=SC2086
ninja -C "$dir" ${OUTPOST_TARGETS:-}
