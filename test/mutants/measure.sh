#!/usr/bin/env bash
# Measure the driver-bug catalogue for docs/conformance.md: every mutant against every case, under
# the suites' default (strict) model and again with smmu.strict=0 (lenient). Results, one catching
# case a line, go to <build>/driver-mutants/<name>.{strict,lenient}.
#   bash test/mutants/measure.sh <build>
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/test-bin/mutants
out=$build/driver-mutants
mkdir -p "$out"
start=$(date +%s)
lenient=1
# the lenient column needs a model that knows smmu.strict (the override is rejected otherwise)
if ! SMMUSIM_CONFIG_OVERRIDE=smmu.strict=0 SC_COPYRIGHT_MESSAGE=DISABLE \
    "$bin/driver_mutant_none" --gtest_filter=DriverModel.ProbeDecodesTheModel >/dev/null 2>&1; then
  echo "measure.sh: the model rejects smmu.strict=0; lenient column not measured" >&2
  lenient=0
fi
note=""
[ $lenient = 1 ] || note="; the model has no smmu.strict, so the suites' default is its only (lenient) behaviour"
for exe in "$bin"/driver_mutant_*; do
  name=${exe##*/driver_mutant_}
  [ "$name" = none ] && continue
  bash "$here/run_mutant.sh" --name "$name" --exe "$exe" --baseline "$bin/driver_mutant_none" --all \
    --out "$out/$name.strict" || true
  [ $lenient = 1 ] || { rm -f "$out/$name.lenient"; continue; }
  SMMUSIM_CONFIG_OVERRIDE=smmu.strict=0 bash "$here/run_mutant.sh" --name "$name" --exe "$exe" \
    --baseline "$bin/driver_mutant_none" --all --out "$out/$name.lenient" || true
done
echo "commit $(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- . ../../driver ../../model || echo ' plus uncommitted changes'), in $(( $(date +%s) - start )) s on $(nproc) cores (bash test/mutants/measure.sh)$note" >"$out/MEASURED"
cat "$out/MEASURED"
