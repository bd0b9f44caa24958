#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test with CTest: once in a
# normal build and once under AddressSanitizer + UndefinedBehaviorSanitizer
# built with clang, which also runs each libFuzzer harness for a few seconds
# (tests/fuzz; OUTPOST_FUZZ_SECONDS=600 in the environment fuzzes longer).
#   tools/test.sh            both builds (what CI runs)
#   tools/test.sh --quick    the normal build only
# Extra arguments after -- go to ctest (e.g. -- -R cache).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

quick=0
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

bash tools/setup.sh
jobs=$(nproc)
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi

run_suite() {
  local dir="$1"; shift
  echo "== build $dir ($*)"
  bash tools/build.sh "$dir" -DOUTPOST_BUILD_TESTS=ON -DOUTPOST_WERROR=$werror "$@"
  echo "== test $dir"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${ctest_args[@]}"
}

run_suite "$root/build"
if [ $quick -eq 0 ]; then
  # clang, for libFuzzer (the harnesses are built and run in this build).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    CC=clang CXX=clang++ run_suite "$root/build-clang-san" -DOUTPOST_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DOUTPOST_FUZZ=ON -DOUTPOST_FUZZ_SECONDS="${OUTPOST_FUZZ_SECONDS:-8}"
fi
