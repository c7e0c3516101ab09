#!/usr/bin/env bash
# The peer tests (docs/peer.md). Exit 77 = skipped (ctest SKIP_RETURN_CODE), with the reason.
#
#   run-peer.sh symbols NM DRIVER_OBJ
#       the AArch64 driver object references no symbol but memcpy/memset/memmove/memcmp
#   run-peer.sh group NAME QEMU ELF PEER_MODEL PEER_COMPARE LOGDIR
#       boot QEMU on the image for one scenario group, run the same group on the model, compare
set -uo pipefail

install_hint="install it with: bash scripts/setup.sh (Debian 12: apt-get install qemu-system-arm gcc-aarch64-linux-gnu)"

skip() {
  echo "SKIPPED: $1; $install_hint"
  exit 77
}

case "${1:-}" in
symbols)
  nm=$2 obj=$3
  [ -n "$nm" ] && [ -x "$nm" ] || skip "aarch64-linux-gnu-nm not found"
  [ -n "$obj" ] || skip "aarch64-linux-gnu-gcc not found at configure time"
  [ -f "$obj" ] || { echo "FAIL: $obj was not built"; exit 1; }
  defined=$("$nm" -g --defined-only "$obj" | awk '{print $3}' | sort -u)
  echo "$defined" | grep -qx smmu_probe || { echo "FAIL: $obj does not define smmu_probe"; exit 1; }
  bad=$("$nm" -u "$obj" | awk '{print $2}' | grep -vxE 'memcpy|memset|memmove|memcmp' || true)
  if [ -n "$bad" ]; then
    echo "FAIL: the freestanding driver references symbols outside itself:" $bad
    exit 1
  fi
  echo "driver (aarch64): $(echo "$defined" | wc -l) global symbols; external:" \
    $("$nm" -u "$obj" | awk '{print $2}' | sort -u)
  ;;
group)
  group=$2 qemu=$3 elf=$4 model=$5 compare=$6 logs=$7
  [ -n "$qemu" ] && [ -x "$qemu" ] || skip "qemu-system-aarch64 not found"
  [ -f "$elf" ] || skip "the AArch64 image was not built (aarch64-linux-gnu-gcc not found at configure time)"
  mkdir -p "$logs"
  qlog=$logs/$group.qemu.log mlog=$logs/$group.model.log
  version=$("$qemu" --version | head -n1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p')
  # Deterministic and fast: virtual time from the instruction count (edu takes 100 ms of it per
  # transfer), no sleeping. Two edu devices at 00:02.0 and 00:03.0: StreamIDs 0x10 and 0x18.
  # dma_mask: edu masks its DMA addresses to 28 bits by default, which would hide RAM at 1 GB
  # from the identity-domain and bypass scenarios.
  cmd=("$qemu" -M virt,iommu=smmuv3,highmem=off -cpu cortex-a57 -m 256M -nographic -nodefaults
       -serial stdio -net none -icount shift=10,sleep=off
       -device edu,addr=02.0,dma_mask=0xffffffffff -device edu,addr=03.0,dma_mask=0xffffffffff
       -kernel "$elf" -append "group=$group")
  echo "QEMU $version: timeout 30 ${cmd[*]}"
  timeout 30 "${cmd[@]}" >"$qlog" 2>&1
  rc=$?
  [ $rc -eq 0 ] || { echo "FAIL: QEMU exited with $rc (124 = timeout); its output:"; cat "$qlog"; exit 1; }
  "$model" "$group" >"$mlog" 2>&1
  rc=$?
  [ $rc -eq 0 ] || { echo "FAIL: peer-model exited with $rc; its output:"; cat "$mlog"; exit 1; }
  "$compare" --qemu-version "$version" "$qlog" "$mlog"
  ;;
*)
  echo "usage: run-peer.sh symbols NM OBJ | group NAME QEMU ELF PEER_MODEL PEER_COMPARE LOGDIR" >&2
  exit 2
  ;;
esac
