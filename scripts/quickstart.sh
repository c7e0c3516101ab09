#!/usr/bin/env bash
# The README's quick start in one script.
#   bash scripts/quickstart.sh          install what is missing, build, replay the bundled example
#   bash scripts/quickstart.sh --test   install what is missing, build, run the whole test suite
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), CMAKE_ARGS (extra).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=demo
case "${1:-}" in
  "") ;;
  --test) mode=test ;;
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "quickstart: unknown option '$1' (try --help)" >&2; exit 1 ;;
esac

BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

say() { printf 'quickstart: %s\n' "$*"; }

say "1/4 packages (scripts/setup.sh)"
bash scripts/setup.sh
mkdir -p "$BUILD_DIR"
say "2/4 configure ($BUILD_DIR, log $BUILD_DIR/configure.log)"
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >"$BUILD_DIR/configure.log" 2>&1 ||
  { cat "$BUILD_DIR/configure.log" >&2; exit 1; }
# The build's own progress, condensed to one line per 10 % (the full output is in the log).
say "3/4 build with $JOBS jobs, a few minutes on 2 cores (log $BUILD_DIR/build.log)"
set +e
cmake --build "$BUILD_DIR" -j "$JOBS" 2>&1 | tee "$BUILD_DIR/build.log" |
  awk -v start="$(date +%s)" '
    function now() { srand(); return srand() }  # seconds since the epoch, in any awk
    match($0, /^\[ *[0-9]+%\]/) {
      p = substr($0, RSTART + 1, RLENGTH - 3) + 0
      if (p >= next_p) { printf "quickstart:     %3d %%  (%d s)\n", p, now() - start; fflush(); next_p = p - p % 10 + 10 }
    }'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  grep -E 'error|Error' "$BUILD_DIR/build.log" | head -n 20 >&2
  tail -n 30 "$BUILD_DIR/build.log" >&2
  echo "quickstart: build failed (full log: $BUILD_DIR/build.log)" >&2
  exit 1
fi

if [ "$mode" = test ]; then
  say "4/4 tests"
  ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure --output-junit junit.xml
else
  say "4/4 replay traces/examples/streaming-dma.trace"
  exec "$BUILD_DIR/bin/smmusim" replay traces/examples/streaming-dma.trace
fi
