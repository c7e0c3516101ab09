#!/usr/bin/env bash
# One driver mutant against the driver-on-model test cases (test/mutants/CMakeLists.txt).
#   run_mutant.sh --name N --exe MUTANT_EXE --baseline BASELINE_EXE [--first FILTER] [--all] [--out FILE]
# Each case runs in its own process (SystemC elaborates once per process). A case "catches" the
# mutant when it fails on the mutant and passes on the baseline (the same cases, unmutated driver).
# Default: the FIRST cases (gtest filter), then the rest, stopping at the first catch; exit 0 when
# caught, 1 when the mutant survives every case. --all runs every case and lists every catch (the
# measurement docs/conformance.md reports); --out also writes the catching cases, one a line.
set -uo pipefail
name="" exe="" base="" first="" all=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --exe) exe=$2; shift 2 ;;
    --baseline) base=$2; shift 2 ;;
    --first) first=$2; shift 2 ;;
    --all) all=1; shift ;;
    --out) out=$2; shift 2 ;;
    *) echo "run_mutant.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$exe" ] && [ -x "$base" ] || { echo "run_mutant.sh: missing executable" >&2; exit 2; }
export SC_COPYRIGHT_MESSAGE=DISABLE

# gtest's listing: "Suite." lines, then indented case names (parameterized ones with a comment)
list_cases() {
  "$1" --gtest_list_tests ${2:+--gtest_filter="$2"} | awk '
    /^[^ ]/ { suite = $1; next }
    /^  /   { print suite $1 }'
}

mapfile -t firsts < <([ -n "$first" ] && list_cases "$exe" "$first")
mapfile -t everything < <(list_cases "$exe" "")
[ ${#everything[@]} -gt 0 ] || { echo "run_mutant.sh: $exe lists no test cases" >&2; exit 2; }
order=("${firsts[@]}")
for c in "${everything[@]}"; do
  case " ${firsts[*]} " in *" $c "*) ;; *) order+=("$c") ;; esac
done

mode="the suites' default model"
[ -n "${SMMUSIM_CONFIG_OVERRIDE:-}" ] && mode="SMMUSIM_CONFIG_OVERRIDE=$SMMUSIM_CONFIG_OVERRIDE"
echo "driver mutant '$name' ($mode): ${#order[@]} cases, $([ $all = 1 ] && echo all || echo 'until the first catch')"
caught=() ran=0 baseline_fail=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for c in "${order[@]}"; do
  ran=$((ran + 1))
  if timeout 300 "$exe" --gtest_filter="$c" >"$log" 2>&1; then
    continue
  fi
  # a failure counts only if the unmutated driver passes the same case
  if ! timeout 300 "$base" --gtest_filter="$c" >/dev/null 2>&1; then
    baseline_fail+=("$c")
    continue
  fi
  caught+=("$c")
  echo "  caught by $c:"
  grep -m 3 -E "Failure|error:|Expected|Which is|FAIL" "$log" | sed 's/^/    /' | cut -c1-200
  [ $all = 1 ] || break
done
[ ${#baseline_fail[@]} -eq 0 ] || echo "  (failing on the unmutated driver too, not counted: ${baseline_fail[*]})"
if [ -n "$out" ]; then
  : >"$out"
  for c in "${caught[@]}"; do echo "$c" >>"$out"; done
fi
if [ ${#caught[@]} -gt 0 ]; then
  echo "CAUGHT: mutant '$name' caught by ${#caught[@]} case(s) after running $ran: ${caught[*]}"
  exit 0
fi
echo "SURVIVED: mutant '$name' passed all $ran cases"
exit 1
