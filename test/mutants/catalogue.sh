#!/usr/bin/env bash
# The "Driver-bug catalogue" section of docs/conformance.md, from test/mutants/CMakeLists.txt (the
# mutants), each patch's first line (the seeded bug) and the results
# test/mutants/measure.sh left in <build>/driver-mutants/. Called by gen_conformance_doc.py.
#   bash test/mutants/catalogue.sh <build>
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
res=$build/driver-mutants
cases() { # the catching cases of one result file, or what is known
  if [ ! -f "$1" ]; then echo "not measured (see above)"; return; fi
  if [ ! -s "$1" ]; then echo "**not caught**"; return; fi
  sed 's/.*/`&`/' "$1" | paste -sd, - | sed 's/,/, /g'
}
cat <<'TXT'
## Driver-bug catalogue

The reference driver rebuilt with one seeded bug at a time (`test/mutants/patches/<name>.patch`,
applied to a copy of `driver/src` in the build tree; how and why: docs/testing.md), each run against
the driver-on-model cases: the isolation test (`IsolationShort.*`), the STE/CD update sequences
(`SteUpdateSequence.*`, `CdUpdateSequence.*`, `ModelSeq*`, `DriverSeq*`) and the driver
integration cases (`DriverModel*`). A case catches a mutant when it fails on the mutant and passes
on the unmutated driver. "Default" is each suite's own model configuration (strict mode where the
suite turns it on); "lenient" is the same run with `SMMUSIM_CONFIG_OVERRIDE=smmu.strict=0`. Every catching case is listed (measured with
`bash test/mutants/measure.sh <build>`); the ctest `DriverMutant.<name>` (label `driver-mutants`,
run by CI) stops at the first catch and fails if no case catches the mutant.

TXT
if [ -f "$res/MEASURED" ]; then
  echo "Measured on: $(cat "$res/MEASURED")."
  echo
fi
echo "| Mutant | Seeded bug | Default (strict) model: caught by | Lenient (smmu.strict=0): caught by |"
echo "|---|---|---|---|"
grep -E '^smmusim_driver_mutant\([a-z0-9-]+ FIRST' "$here/CMakeLists.txt" | while read -r line; do
  name=$(sed -E 's/^smmusim_driver_mutant\(([a-z0-9-]+) .*/\1/' <<<"$line")
  bug=$(head -n 1 "$here/patches/$name.patch" | sed 's/|/\\|/g')
  echo "| \`$name\` | $bug | $(cases "$res/$name.strict") | $(cases "$res/$name.lenient") |"
done
echo
# notes a patch carries between its first line and the diff (what catches it, and why)
for p in "$here"/patches/*.patch; do
  note=$(sed -n '2,/^--- /p' "$p" | sed '$d' | sed '/^$/d')
  [ -n "$note" ] || continue
  echo "* \`$(basename "$p" .patch)\`: $(tr '\n' ' ' <<<"$note" | sed 's/ *$//')"
done
echo
