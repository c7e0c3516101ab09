#!/usr/bin/env bash
# Install the Debian 12 packages smmusim needs, only those that are missing.
# Idempotent and quiet when everything is there; a clear message and exit 1 if apt fails.
#   bash scripts/setup.sh           what the build and the whole test suite need
#   bash scripts/setup.sh --clang   the same plus clang and its runtime (CI's clang pass, fuzzing)
set -euo pipefail

PACKAGES=(
  cmake make g++ gcc pkg-config   # build
  libsystemc-dev                  # the SystemC model (2.3.4, C++17, via pkg-config)
  libgtest-dev                    # GoogleTest
  zlib1g-dev                      # trace compression
  gnuplot-nox                     # benchmark plots
  qemu-system-arm                 # the peer test: QEMU's SMMUv3 (qemu-system-aarch64), docs/peer.md
  gcc-aarch64-linux-gnu           # the peer test: the bare-metal AArch64 build of the driver
  binutils-aarch64-linux-gnu      #   (its nm checks the driver's external symbols)
  slurm-wlm munge                 # the cluster test: a one-node Slurm runs sweep shards (docs/benchmarks.md)
  parallel                        # the cluster test: the same with GNU parallel
)
case "${1:-}" in
  "") ;;
  --clang) PACKAGES+=(clang libclang-rt-14-dev) ;;  # Debian 12's clang 14, libFuzzer, sanitizers
  *) echo "setup: unknown option '$1' (usage: setup.sh [--clang])" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  echo "setup: apt-get failed installing: ${missing[*]}" >&2
  tail -n 20 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "setup: done" >&2
