#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test with CTest in three
# builds: a normal one (gcc); one under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang), where every fuzz harness also runs under
# libFuzzer for OUTPOST_FUZZ_SECONDS; and one under ThreadSanitizer (gcc) of
# the sync and hub tests, where the threads are.
#   tools/test.sh            all three builds (what CI runs)
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
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

bash tools/setup.sh
jobs=$(nproc)
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi

# run_suite DIR [CTEST_FILTER...] -- [CMAKE_OPTIONS...]; OUTPOST_TARGETS
# (environment) limits what is built.
run_suite() {
  local dir="$1"; shift
  local filter=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do filter+=("$1"); shift; done
  shift
  echo "== build $dir ($*)"
  bash tools/build.sh "$dir" -DOUTPOST_BUILD_TESTS=ON -DOUTPOST_WERROR=$werror "$@"
  echo "== test $dir"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${filter[@]}" "${ctest_args[@]}"
}

run_suite "$root/build" --
if [ $quick -eq 0 ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$root/build-sanitize" -- -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DOUTPOST_SANITIZE=ON -DOUTPOST_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
  # Only the sync test executable is built: ctest lists the others as not
  # built, and the filter leaves them out. ignore_noninstrumented_modules:
  # what libzmq, libsodium and SQLite (not built with TSan) do through the
  # interceptors is not judged, since TSan cannot see their synchronisation;
  # every access of Outpost's own code is. die_after_fork=0: the crash tests
  # fork a hub child from a threaded test process.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:die_after_fork=0:suppressions=$root/tests/tsan.supp" \
    OUTPOST_TARGETS=outpost_sync_tests \
    run_suite "$root/build-tsan" -R '^sync:' -- -DOUTPOST_TSAN=ON
fi
