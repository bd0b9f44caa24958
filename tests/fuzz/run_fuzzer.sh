#!/usr/bin/env bash
# One libFuzzer harness for a bounded time: CTest's "fuzz: NAME".
#   run_fuzzer.sh FUZZER WORK_DIR SECONDS CORPUS_DIR...
# The fuzzer starts from the committed corpus dirs, which it only reads; what
# it finds new goes to a fresh WORK_DIR/corpus, and a crash, leak or
# timeout is written to WORK_DIR/artifacts/ (crash-*, leak-*, timeout-*).
# To keep one as a regression test, copy it to tests/fuzz/regressions/NAME/.
set -euo pipefail
fuzzer="$1"
work="$2"
seconds="$3"
shift 3
# The sanitizer build links clang's shared ASan runtime (CMakeLists.txt);
# -fsanitize=fuzzer puts libstdc++ before it in the library list, which
# changes nothing (libstdc++ defines no symbol ASan intercepts).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
# -timeout: an input that runs this long is a hang (a finding);
# -rss_limit_mb: so is one that needs this much memory.
# -seed: the same exploration in every run (OUTPOST_FUZZ_SEED=0 picks a
# random one), so a short CI run is reproducible; what it finds is kept as
# a regression input and replayed by every build.
exec "$fuzzer" -max_total_time="$seconds" -seed="${OUTPOST_FUZZ_SEED:-1}" -timeout=30 -rss_limit_mb=2560 \
  -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$@"
