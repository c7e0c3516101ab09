#!/usr/bin/env python3
"""Regenerate docs/conformance.md from a build directory.

    cd <build> && ctest -L conformance --output-junit conformance.xml
    python3 <src>/test/sequences/gen_conformance_doc.py <build> ["what was built"] > <src>/docs/conformance.md

Test list: `ctest -N -L conformance` (and `-L slow`). Status: the JUnit file ctest wrote
(conformance.xml in the build directory). Rule and architecture sections: the comment block right
above each TEST/TEST_F ("// IHI 0070 §3.21.3; row ..."); for suites whose cases carry no per-case cite
(test/conformance, owned by the model), the sections come from the table SECTION_RULES below,
matched on the case name, and are marked "(by name)".
"""
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# (suite regex, name regex, sections of the Arm SMMUv3 specification IHI 0070) - first match wins.
SECTION_RULES = [
    ("Registers", "^IdRegisters", "§6.3.1-§6.3.8"),
    ("Registers", "^Cr0", "§6.3.9, §6.3.10"),
    ("Registers", "^Irq", "§6.3.16, §6.3.18, §6.3.21-§6.3.23"),
    ("Registers", "^Gbpa", "§6.3.14"),
    ("Registers", "^Gerror", "§6.3.19, §6.3.20"),
    ("Registers", "QueueBase", "§6.3.26, §6.3.29"),
    ("Registers", "EventqIndexes", "§6.2.2, §6.3.27, §6.3.28, §6.3.95, §6.3.96"),
    ("Registers", "Enabled|Disabled", "§6.3.24, §6.3.25, §6.3.26, §6.3.29, §6.3"),
    ("Registers", "", "§6.3"),
    ("Commands", "^Cfgi|^Prefetch", "§4.2, §4.3"),
    ("Commands", "Illegal|Cerror", "§4.1.1, §4.1.3, §7.1"),
    ("Commands", "^Tlbi", "§4.4"),
    ("Commands", "Sync", "§4.7.3"),
    ("Commands", "Error", "§4.1.3, §7.1"),
    ("Commands", "Queue", "§3.5.1"),
    ("Commands", "Cost", "§4 (model timing)"),
    ("Events", "^CBadStreamid", "§3.3.1, §5.1, §7.3.3"),
    ("Events", "^FSteFetch", "§7.3.4"),
    ("Events", "^CBadSte", "§5.2.2, §7.3.5"),
    ("Events", "^SteReserved", "§5.2 (STE.Config)"),
    ("Events", "^CBadSubstreamid", "§3.3.2, §5.3, §7.3.9"),
    ("Events", "^FStreamDisabled", "§3.3.2, §7.3.7"),
    ("Events", "^FCdFetch", "§5.3, §7.3.10"),
    ("Events", "^Tg1", "§5.4, §5.4.2"),
    ("Events", "^FWalkEabt", "§7.3.12"),
    ("Events", "EventQueue", "§3.5.1, §7.4, §6.3.19"),
    ("BadCd", "", "§5.4.2, §7.3.11"),
    ("Faults", "^FPermission|ApTable", "§13.4.1, §7.3.16"),
    ("Faults", "^F|^NoF", "§7.3.12-§7.3.16"),
    ("Faults", "^Ste", "§5.2 (STE.PRIVCFG, INSTCFG)"),
    ("Faults", "^Cd", "§5.5"),
    ("Faults", "Ssid", "§7.3"),
    ("Interrupts", "", "§6.3.16, §6.3.18, §6.3.21-§6.3.23"),
    ("Translation", "^Gbpa", "§6.3.14, §5.2"),
    ("Translation", "", "§5.2, §3.4, §5.4, §3.3"),
    ("StreamTable", "", "§3.3.1, §5.1"),
    ("Substreams", "", "§3.3.2, §5.3"),
    ("SubstreamsConfig", "", "§5.2.2, §3.3.2"),
    ("Walk", "Gbpa|SmmuDisable", "§6.3.14"),
    ("Walk", "Outside", "§3.4, §7.3.13"),
    ("Walk", "", "§3.4, §5.4"),
    ("Stage2", "^Tlbi|Commands", "§4.4.3, §3.21"),
    ("Stage2", "Fault|Ipa|S2R0", "§7.3, §7.3.22, §7.3.12-§7.3.16, §5.5"),
    ("Stage2", "Ssid|S1Dss", "§3.3.2, §5.2"),
    ("Stage2", "", "§5.2, §3.4, §5.4"),
    ("BadS2Ste", "", "§5.2.2, §5.2"),
    ("Robustness", "SteFetch|L1std", "§5.1, §5.2, §7.3.4"),
    ("Robustness", "Asid", "§5.4.2"),
    ("Robustness", "Cmdq", "§6.3.2, §6.3.9, §6.3.10, §3.5.1"),
    ("Robustness", "", "§3.3 (malformed input never crashes)"),
    ("Caching", "^Tlbi|Tlb|Walk", "§16.2, §3.21, §4.4"),
    ("Caching", "", "§16.2, §3.21, §4.3"),
    ("CachingL1", "", "§16.2, §3.21, §4.3"),
    ("Fidelity", "CdHd", "§5.4.2"),
    ("Fidelity", "S1Fmt|S2T0sz|S2Vmid", "§5.2.2"),
    ("Fidelity", "FStreamDisabled", "§7.3.7"),
    ("Fidelity", "Execute", "§13.4.1"),
    ("Fidelity", "Ttrnw", "§7.3.16"),
    ("Fidelity", "InputBeyondIas", "§3.4, §7.3.14"),
    ("Fidelity", "QueueAddress|CdTableAddress", "§3.4.3"),
    ("Fidelity", "L1std", "§5.1"),
    ("StrictScope", "Cfgi", "§4.3"),
    ("StrictScope", "TcuTlb", "§3.17, §4.4.1.1"),
    ("StrictScope", "Prefetch|OnlyOnUse", "§3.21"),
    ("StrictScope", "Res0", "§4.4.1.1"),
    ("Strict", "TlbTagged|CfgiDropsTheTlb", "§3.17"),
    ("Strict", "TcuTlb|LenientTakes", "§3.17, §4.4.1.1"),
    ("Strict", "Res0FieldsOfSte|Res0OfStructures", "§5.2, §5.4"),
    ("Strict", "Ttl|^Tg|Range|Res0", "§4.4.1.1"),
    ("Strict", "Cfgi", "§4.3"),
    ("Strict", "Prefetch|OnlyOnUse", "§3.21"),
    ("Strict", "Bbm", "§3.21.1, §7.3.17"),
    ("Strict", "UnknownIpa", "§7.3.13-§7.3.17"),
    ("Strict", "Unknown", "§7.3"),
]

NOT_COVERED = [
    ("Stage 2 and nested translation through the driver (stage-2 domains, S2 STE updates on a live SMMU)",
     "§5.2, §3.21.3", "the driver has no stage-2 domains. The model's stage 2 / nested translation (smmu.s2p=1) is "
     "covered by Stage2.* and BadS2Ste.* in test/conformance; the STE update algorithm is checked with hand-built "
     "S2 STEs (SteUpdateSequence.*S2*) but not end to end"),
    ("Aux domains (iommu_aux_attach_device) and the SVA/global-PASID allocator paths", "§3.3.2",
     "the isolation test attaches domains to PASIDs with iommu_attach_device_pasid only"),
    ("Snapshot checks of the CD and L1CD writes the driver itself makes (PASID attach/detach, 2-level CD "
     "leaves)", "§3.21, §3.21.3, §5.3",
     "DriverSeq.* snapshots only the STE at each command batch (plus DMAs with and without SubstreamID); CD "
     "sequences are checked on smmu_entry_write directly (ModelSeq.Cd*, also CD 3 with SubstreamID DMAs)"),
    ("ATS, ATC_INV, PRI queue, PRI_RESP, F_BAD_ATS_TREQ, F_TRANSL_FORBIDDEN, EATS transitions", "§4.5, §4.7, §7.3, §8, §3.9.2",
     "the model reports ATS=0 and PRI=0 (only the CERROR_ILL of their commands is checked)"),
    ("Stall model: stalled faults, RESUME, STALL_TERM, CD.S / STE.S1STALLD behaviour", "§5.5, §4.5, §4.7",
     "the model implements STALL_MODEL=terminate only"),
    ("HTTU (CD.HA/HD, DBM, AF and dirty updates by the SMMU)", "§3.13, §5.4", "not implemented (only the C_BAD_CD of HA without HTTU)"),
    ("EL2/E2H StreamWorld, TLBI_EL2_*, Secure state and Secure STEs, RME/GPC", "§3.10, §4.4.2, §5.2", "IDR0.HYP=0, Non-secure only"),
    ("Event merging (STE.MEV), F_CFG_CONFLICT, E_PAGE_REQUEST, F_UUT, F_VMS_FETCH", "§7.3.1, §7.3.2, §7.3.18-§7.3.20",
     "not modelled (F_TLB_CONFLICT is, in strict mode with IDR3.BBML = 0: Strict.BlockAndTable*)"),
    ("52-bit addresses (LPA2, CD.DS, VAX), AArch32 (VMSAv8-32) tables, big-endian tables", "§5.4, §5.4.2, §3.4", "not supported by the model (only their C_BAD_CD)"),
    ("MPAM, PBHA, VMS, ECMDQ, GATOS, DPT", "§5.2, §6.3", "not modelled"),
    ("Wired interrupts and CMD_SYNC SIG_SEV wake-ups (beyond the SEV opcode being accepted)", "§3.18, §4.7.3", "the driver polls"),
    ("Hitless TLB behaviour across an STE/CD update that changes the page tables but not the ASID", "§3.21",
     "only the entry-update ordering is checked, not a TLBI the caller must add"),
]


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True).stdout


def ctest_names(build, label, exclude=None):
    cmd = ["ctest", "-N", "-L", label]
    if exclude:
        cmd += ["-LE", exclude]
    out = run(cmd, build)
    return [m.group(1) for m in re.finditer(r"Test\s+#\d+: (\S+)", out)]


TIMES = {}


def junit_status(build):
    path = os.path.join(build, "conformance.xml")
    st = {}
    if not os.path.exists(path):
        return st
    for tc in ET.parse(path).getroot().iter("testcase"):
        name = tc.get("name")
        TIMES[name] = tc.get("time")
        if tc.find("failure") is not None or tc.get("status") == "fail":
            st[name] = "FAIL"
        elif tc.find("skipped") is not None or tc.get("status") in ("notrun", "disabled"):
            st[name] = "skipped"
        else:
            st[name] = "pass"
    return st


def source_index():
    idx = {}
    for f in sorted(glob.glob(os.path.join(SRC, "test", "**", "*.cpp"), recursive=True)):
        lines = open(f, encoding="utf-8", errors="replace").read().split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"\s*TEST(?:_F|_P)?\((\w+),\s*(\w+)\)", line)
            if not m:
                continue
            j, comment = i - 1, []
            while j >= 0 and lines[j].strip().startswith("//"):
                comment.insert(0, lines[j].strip()[2:].strip())
                j -= 1
            idx[m.group(1) + "." + m.group(2)] = (os.path.relpath(f, SRC), " ".join(comment))
    return idx


def split_camel(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name).lower()


# A per-case cite in the comment: "IHI 0070 §a, §b (note), §c; the rest of the rule".
CITE = re.compile(r"IHI 0070 ((?:§[0-9][0-9.]*(?:-§[0-9][0-9.]*)?(?: \([^)]*\))?(?:, )?)+)[;:]?\s*")


def sections_of(suite, case, comment):
    m = CITE.search(comment)
    if m:
        return ", ".join(re.findall(r"§[0-9][0-9.]*(?:-§[0-9][0-9.]*)?", m.group(1))), False
    for s, n, sec in SECTION_RULES:
        if re.fullmatch(s, suite) and re.search(n, case):
            return sec, True
    return "?", True


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    names = ctest_names(build, "conformance")
    slow = set(ctest_names(build, "slow"))
    status = junit_status(build)
    idx = source_index()
    counts = {}
    rows = []
    for n in names:
        suite, case = n.split(".", 1)
        path, comment = idx.get(n, ("?", ""))
        sec, by_name = sections_of(suite, case, comment)
        st = status.get(n, "not run")
        if st == "skipped" and "SKIP" in comment.upper():
            st = "skipped (see the test)"
        counts[st] = counts.get(st, 0) + 1
        rule = split_camel(case)
        if comment and not by_name:
            # the comment after the section cite tells the rule / reference row
            rest = re.sub(r" ?\(\s*\)", "", CITE.sub("", comment, count=1)).strip()
            rule += " - " + rest if rest else ""
        labels = "conformance, slow" if n in slow else "conformance"
        rows.append((sec + (" (by name)" if by_name else ""), n, rule, st, path, labels))

    out = []
    w = out.append
    w("# Conformance suite")
    w("")
    w("Every ctest test labelled `conformance`, the architecture rule it checks, and its status. "
      "Sections are those of the Arm SMMUv3 architecture specification, IHI 0070; \"row <name>\" is a KUnit "
      "case of Linux's `drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c`.")
    w("")
    w("Run it from a build directory (JUnit XML for CI is a ctest feature):")
    w("")
    w("    ctest -L conformance --output-junit conformance.xml      # everything, a few seconds on 2 cores")
    w("    ctest -L conformance -LE slow                            # what the sanitizer pass runs")
    w("")
    w("This file is generated; do not edit it. To regenerate it (whenever a conformance test is added, "
      "changes its cite or changes status), from the build directory:")
    w("")
    w("    ctest -L conformance --output-junit conformance.xml")
    w("    python3 ../test/sequences/gen_conformance_doc.py . \"<commit>\" > ../docs/conformance.md")
    w("")
    w("It reads `ctest -N -L conformance` and `conformance.xml`. The section of a case is the "
      "\"IHI 0070 §...\" cite in the comment above its TEST; cases without one (test/conformance) "
      "get theirs from the table in the generator, by case name.")
    w("")
    w("Suites:")
    w("")
    w("* `test/conformance/` (model engineer): the model alone, driven through the register interface and "
      "memory (hand-built tables). Its cases cite sections per file only, so their sections below are "
      "assigned from the case name and marked \"(by name)\".")
    w("* `test/sequences/`: the driver's STE/CD update algorithm (IHI 0070 §3.21, §3.21.3). `SteUpdateSequence.*` / "
      "`CdUpdateSequence.*` run `smmu_entry_write` with a recording `smmu_entry_ops`; at every sync, and in "
      "every torn mix of the 64-bit words written since the previous sync, the entry must be V=0 or equal "
      "the start or the target in the bits it uses, by the driver's `get_used` AND an independent "
      "re-implementation of the used-bits rule (`seq_check.hpp`); the sync count is the one of the cited "
      "row. `ModelSeq.*` does the same on the live tables of the simulated SMMU (configuration cache off) with "
      "DMAs before and after every CFGI+SYNC: hitless updates translate as before or after and never "
      "record C_BAD_STE/C_BAD_CD; disruptive ones may also abort with C_BAD_STE/C_BAD_CD. They also check "
      "`smmu_ste_write`'s own sync/CFGI_STE counts; `ModelSeqCached.*` repeats some with the configuration cache "
      "on. `DriverSeq.*` observes the driver's own API paths (attach/detach, PASID attach/detach) through a "
      "register interface that, at every CMDQ_PROD write, snapshots the live STE (same used-bits and torn-read "
      "checks) and issues DMAs with and without SubstreamID. On this model (no IDR1.ATTR_TYPES_OVR, SHCFG is RES0) "
      "the rows whose extra step is writing SHCFG take one sync fewer; the cases say so.")
    w("* `test/isolation/`: randomized isolation. Devices (StreamIDs over several level-2 stream tables, or a "
      "linear table; some devices with two StreamIDs) with their own stage-1 domains (4, 16 and 64 KB granules; "
      "2 MB blocks that unmaps split), map/unmap/detach/attach churn and domain replacement (freed ASIDs are "
      "reused, IHI 0070 §3.21). Every DMA is checked against an oracle (std::map of what the driver was asked to "
      "map, with permissions): translated DMAs land at the oracle's PA with the right data; no memory outside "
      "the current mappings changes (shadow compare of every data frame and of an identity canary); every "
      "fault's event is read back in order through `smmu_evtq_drain` (type, StreamID, SSV/SubstreamID, "
      "address, RnW, PnU, InD, class), and the event queue never overflows. Half of the devices have "
      "SubstreamIDs (4 bits: linear CD table; 12 bits: 2-level CD table with lazily written leaves) and 3 "
      "PASIDs each attached to their own domains with `iommu_attach_device_pasid`; the oracle also predicts "
      "C_BAD_CD (a PASID without a domain), C_BAD_SUBSTREAMID (beyond S1CDMax, or in a CD leaf never written, "
      "or on a bypass STE), F_STREAM_DISABLED (SSID 0 with S1DSS=SSID0, or no SubstreamID while the RID is "
      "blocked and PASIDs are live), C_BAD_STREAMID and silent aborts. The PASID part is compiled in when "
      "`driver/include/smmuv3/iommu.h` declares `iommu_attach_device_pasid` (test/isolation/CMakeLists.txt). "
      "Seed `SMMUSIM_ISOLATION_SEED` (default 0x5eed1234), long-run DMA count `SMMUSIM_ISOLATION_DMAS` "
      "(default 1,000,000). Checked to fail on a driver whose range TLBI misses a page, and on one that sends "
      "CFGI_CD to only the first StreamID of a device.")
    w("")
    t = TIMES.get("Isolation.DmaNeverEscapesItsDomainAndFaultsAreReported")
    if t:
        w("The long isolation run (1,000,000 DMAs) took %.1f s in the ctest run this file was generated from "
          "(2-core machine shared with other builds; RelWithDebInfo)." % float(t))
        w("")
    summary = ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))
    origin = (" (" + sys.argv[2] + ")") if len(sys.argv) > 2 else ""
    w("Status at generation%s: %d tests: %s." % (origin, len(names), summary))
    w("")
    w("| IHI 0070 | Test | Rule checked | Status | Source | Labels |")
    w("|---|---|---|---|---|---|")
    for sec, n, rule, st, path, labels in rows:
        w("| %s | `%s` | %s | %s | %s | %s |" % (sec, n, rule.replace("|", "\\|"), st, path, labels))
    w("")
    w("## Not covered yet")
    w("")
    w("| Feature | IHI 0070 | Why / what exists |")
    w("|---|---|---|")
    for feat, sec, why in NOT_COVERED:
        w("| %s | %s | %s |" % (feat, sec, why))
    w("")
    # the driver-bug catalogue is its own section, written by its own script (test/mutants)
    catalogue = os.path.join(SRC, "test", "mutants", "catalogue.sh")
    if os.path.exists(catalogue):
        w(run(["bash", catalogue, build], SRC).rstrip("\n"))
        w("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
