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

bash scripts/setup.sh
# shellcheck disable=SC2086
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-} >"$BUILD_DIR.configure.log" 2>&1 ||
  { cat "$BUILD_DIR.configure.log" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j "$JOBS" >"$BUILD_DIR.build.log" 2>&1 ||
  { tail -n 60 "$BUILD_DIR.build.log" >&2; echo "quickstart: build failed (full log: $BUILD_DIR.build.log)" >&2; exit 1; }

if [ "$mode" = test ]; then
  ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure --output-junit junit.xml
else
  exec "$BUILD_DIR/bin/smmusim" replay traces/examples/streaming-dma.trace
fi
