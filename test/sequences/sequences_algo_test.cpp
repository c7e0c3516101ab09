// STE/CD update sequences of the driver's smmu_entry_write, against a recording smmu_entry_ops
// (no SMMU). Each case is one KUnit case of Linux's drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c,
// cited as "row <name>", with the same fixtures and sync counts: the fake SMMU
// has ATTR_TYPES_OVR and STALL_MODEL=both, so bypass STEs carry SHCFG=incoming and CD-table STEs
// S1STALLD. Checked (IHI 0070 §3.21.3, and what each KUnit case asserts): at every sync and in every torn read of the words
// written since the previous sync, the entry is V=0 or equals the start or the target in the bits
// it uses (driver's get_used AND the independent seq::ref_*_used); a V=0 state is seen exactly for
// the transitions declared non-hitless; the sync count; the final entry equals the target.
#include "seq_check.hpp"

#include <gtest/gtest-spi.h>

extern "C" {
#include <smmuv3/arch.h>
}

using seq::Entry;

namespace {

smmu_features linux_fixture_features(bool attr_types_ovr = true)
{
	smmu_features f;
	std::memset(&f, 0, sizeof f);
	f.s1p = f.s2p = true;
	f.attr_types_ovr = attr_types_ovr;
	f.stall_model = IDR0_STALL_MODEL_BOTH;
	return f;
}

Entry ste_abort(const smmu_features &f)
{
	Entry e;
	smmu_ste_make_abort(&f, e.data());
	return e;
}
Entry ste_bypass(const smmu_features &f)
{
	Entry e;
	smmu_ste_make_bypass(&f, e.data());
	return e;
}
// KUnit fixture "CD-table STE": S1Fmt 64K-L2, fake table 0xF0F0F0F0F0C0, WBRA ISH, STRW NS-EL1, VMID 0.
Entry ste_cdtable(const smmu_features &f, uint8_t s1dss, uint64_t table = 0xF0F0F0F0F0C0ULL, uint8_t s1cdmax = 16)
{
	Entry e;
	smmu_ste_make_cdtable(&f, table, STE_S1FMT_64K_L2, s1cdmax, s1dss, e.data());
	return e;
}
// KUnit fixture "S2 STE", built by hand (the driver has no stage-2 builder): fake VTTBR and VTCR,
// S2AA64, S2PTW, S2R, SHCFG=incoming, VMID 0 (the value the table's hitless S1<->S2 rows assume).
Entry ste_s2()
{
	Entry e{};
	e[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S2_TRANS);
	e[1] = SMMU_PREP(STE1_SHCFG, STE_SHCFG_INCOMING);
	e[2] = SMMU_PREP(STE2_S2T0SZ, 25) | SMMU_PREP(STE2_S2SL0, 1) | SMMU_PREP(STE2_S2IR0, 1) | SMMU_PREP(STE2_S2OR0, 1) |
	       SMMU_PREP(STE2_S2SH0, 3) | SMMU_PREP(STE2_S2TG, 0) | SMMU_PREP(STE2_S2PS, 5) | SMMU_PREP(STE2_S2AA64, 1) |
	       SMMU_PREP(STE2_S2PTW, 1) | SMMU_PREP(STE2_S2R, 1);
	e[3] = 0xdaedbeefdeadbeefULL & SMMU_MASK(STE3_S2TTB);
	return e;
}
// KUnit fixture "S1 CD": fake TTB0, TCR fields, MAIR, the given ASID, R/A/ASET/AA64/EPD1/V.
Entry cd_s1(uint16_t asid, uint64_t ttb0 = 0xdaedbeefdeadbeefULL)
{
	Entry e{};
	e[0] = SMMU_PREP(CD0_T0SZ, 16) | SMMU_PREP(CD0_TG0, CD_TG0_4K) | SMMU_PREP(CD0_IR0, 1) | SMMU_PREP(CD0_OR0, 1) |
	       SMMU_PREP(CD0_SH0, 3) | SMMU_PREP(CD0_EPD1, 1) | SMMU_PREP(CD0_V, 1) | SMMU_PREP(CD0_IPS, 5) |
	       SMMU_PREP(CD0_AA64, 1) | SMMU_PREP(CD0_R, 1) | SMMU_PREP(CD0_A, 1) | SMMU_PREP(CD0_ASET, 1) |
	       SMMU_PREP(CD0_ASID, asid);
	e[1] = ttb0 & SMMU_MASK(CD1_TTB0);
	e[3] = 0xabcdef012345678ULL;
	return e;
}
// KUnit fixture "SVA release" CD: quiesced, EPD0 set, no TTB0 / TCR0 fields, same ASID.
Entry cd_quiesced(uint16_t asid)
{
	Entry e = cd_s1(asid);
	e[0] &= ~(SMMU_MASK(CD0_T0SZ) | SMMU_MASK(CD0_TG0) | SMMU_MASK(CD0_IR0) | SMMU_MASK(CD0_OR0) | SMMU_MASK(CD0_SH0));
	e[0] |= SMMU_PREP(CD0_EPD0, 1);
	e[1] = 0;
	return e;
}

// One transition; expect_breaking < 0: do not check smmu_entry_write's return value.
void transition(bool is_ste, const Entry &from, const Entry &to, bool hitless, unsigned syncs, int expect_breaking = -1)
{
	seq::Recorder rec;
	uint64_t live[8];
	seq::Result r = seq::run_update(is_ste, live, from, to, rec);
	EXPECT_EQ(syncs, r.syncs) << "sync count";
	EXPECT_EQ(!hitless, r.invalid_seen) << (hitless ? "a hitless update wrote V=0" : "a disruptive update never wrote V=0");
	if (expect_breaking >= 0) {
		EXPECT_EQ(expect_breaking != 0, r.returned_breaking) << "smmu_entry_write's breaking return value";
	}
}
void both_ways(bool is_ste, const Entry &a, const Entry &b, bool hitless, unsigned syncs)
{
	SCOPED_TRACE("a -> b");
	transition(is_ste, a, b, hitless, syncs);
	SCOPED_TRACE("b -> a");
	transition(is_ste, b, a, hitless, syncs);
}

const smmu_features F = linux_fixture_features();

// ---- STE -----------------------------------------------------------------------------------

// IHI 0070 §3.21.3; row write_ste_test_bypass_to_abort (hitless, 2 syncs)
TEST(SteUpdateSequence, BypassToAbortHitlessTwoSyncs) { transition(true, ste_bypass(F), ste_abort(F), true, 2, 0); }
// IHI 0070 §3.21.3; row write_ste_test_abort_to_bypass (hitless, 2 syncs)
TEST(SteUpdateSequence, AbortToBypassHitlessTwoSyncs) { transition(true, ste_abort(F), ste_bypass(F), true, 2, 0); }
// IHI 0070 §3.21.3; row write_ste_test_cdtable_to_abort (hitless, 2 syncs)
TEST(SteUpdateSequence, CdtableToAbortHitlessTwoSyncs)
{
	transition(true, ste_cdtable(F, STE_S1DSS_SSID0), ste_abort(F), true, 2, 0);
}
// IHI 0070 §3.21.3; row write_ste_test_abort_to_cdtable (hitless, 2 syncs)
TEST(SteUpdateSequence, AbortToCdtableHitlessTwoSyncs)
{
	transition(true, ste_abort(F), ste_cdtable(F, STE_S1DSS_SSID0), true, 2, 0);
}
// IHI 0070 §3.21.3; row write_ste_test_cdtable_to_bypass (hitless, 3 syncs: SHCFG first, then Config, then clean-up)
TEST(SteUpdateSequence, CdtableToBypassHitlessThreeSyncs)
{
	transition(true, ste_cdtable(F, STE_S1DSS_SSID0), ste_bypass(F), true, 3, 0);
}
// IHI 0070 §3.21.3; row write_ste_test_bypass_to_cdtable (hitless, 3 syncs)
TEST(SteUpdateSequence, BypassToCdtableHitlessThreeSyncs)
{
	transition(true, ste_bypass(F), ste_cdtable(F, STE_S1DSS_SSID0), true, 3, 0);
}
// IHI 0070 §3.21.3, §5.2 (STE.SHCFG is RES0 without IDR1.ATTR_TYPES_OVR, as on this model): the
// bypass STE then has nothing in word 1, so the rows above take one sync fewer (derived, not a row).
TEST(SteUpdateSequence, CdtableBypassWithoutAttrOverrideHitlessTwoSyncs)
{
	smmu_features f = linux_fixture_features(false);
	both_ways(true, ste_cdtable(f, STE_S1DSS_SSID0), ste_bypass(f), true, 2);
}
// IHI 0070 §3.21.3, §3.3.2; row write_ste_test_cdtable_s1dss_change (only word 1 changes: hitless, 1 sync each way)
TEST(SteUpdateSequence, S1dssChangeSameTableHitlessOneSyncEachWay)
{
	both_ways(true, ste_cdtable(F, STE_S1DSS_SSID0), ste_cdtable(F, STE_S1DSS_BYPASS), true, 1);
}
// IHI 0070 §3.21.3; row write_ste_test_s1dssbypass_to_stebypass (hitless, 2 syncs)
TEST(SteUpdateSequence, S1dssBypassToSteBypassHitlessTwoSyncs)
{
	transition(true, ste_cdtable(F, STE_S1DSS_BYPASS), ste_bypass(F), true, 2, 0);
}
// IHI 0070 §3.21.3; row write_ste_test_stebypass_to_s1dssbypass (hitless, 2 syncs)
TEST(SteUpdateSequence, SteBypassToS1dssBypassHitlessTwoSyncs)
{
	transition(true, ste_bypass(F), ste_cdtable(F, STE_S1DSS_BYPASS), true, 2, 0);
}
// IHI 0070 §3.21.3 (exactly one word differs: S1ContextPtr only): hitless, 1 sync. Derived from the
// rule, not a row of the table.
TEST(SteUpdateSequence, CdtablePointerChangeOnlyHitlessOneSync)
{
	both_ways(true, ste_cdtable(F, STE_S1DSS_SSID0, 0xF0F0F0F0F0C0ULL), ste_cdtable(F, STE_S1DSS_SSID0, 0xA0A0A0000ULL),
		  true, 1);
}
// IHI 0070 §3.21.3, §3.3.2 (S1CDMax is in word 0 with the pointer): hitless, 1 sync. Derived.
TEST(SteUpdateSequence, S1CdMaxChangeOnlyHitlessOneSync)
{
	both_ways(true, ste_cdtable(F, STE_S1DSS_SSID0, 0xF0F0F0F0F0C0ULL, 16),
		  ste_cdtable(F, STE_S1DSS_SSID0, 0xF0F0F0F0F0C0ULL, 8), true, 1);
}
// IHI 0070 §3.21.3.1; row write_ste_test_non_hitless (table pointer AND S1DSS: words 0 and 1 -> V=0, 3 syncs)
TEST(SteUpdateSequence, TableAndS1dssChangeIsDisruptiveThreeSyncs)
{
	transition(true, ste_cdtable(F, STE_S1DSS_SSID0, 0xF0F0F0F0F0C0ULL),
		   ste_cdtable(F, STE_S1DSS_BYPASS, 0xA0A0A0000ULL), false, 3, 1);
}
// IHI 0070 §3.21.3 ("no word differs": nothing is written, no sync). As in Linux's arm_smmu_write_entry().
TEST(SteUpdateSequence, IdenticalEntryNeedsNoSync)
{
	transition(true, ste_cdtable(F, STE_S1DSS_SSID0), ste_cdtable(F, STE_S1DSS_SSID0), true, 0, 0);
}

// Stage 2: the driver has no stage-2 domains, but its used-bits writer handles Config=11x, so the
// algorithm is checked with a hand-built S2 STE (no end-to-end counterpart: the driver builds no S2 STE).
// IHI 0070 §3.21.3; row write_ste_test_s2_to_abort (hitless, 2)
TEST(SteUpdateSequence, S2ToAbortHitlessTwoSyncs) { transition(true, ste_s2(), ste_abort(F), true, 2, 0); }
// IHI 0070 §3.21.3; row write_ste_test_abort_to_s2 (hitless, 2)
TEST(SteUpdateSequence, AbortToS2HitlessTwoSyncs) { transition(true, ste_abort(F), ste_s2(), true, 2, 0); }
// IHI 0070 §3.21.3; row write_ste_test_s2_to_bypass (hitless, 2)
TEST(SteUpdateSequence, S2ToBypassHitlessTwoSyncs) { transition(true, ste_s2(), ste_bypass(F), true, 2, 0); }
// IHI 0070 §3.21.3; row write_ste_test_bypass_to_s2 (hitless, 2)
TEST(SteUpdateSequence, BypassToS2HitlessTwoSyncs) { transition(true, ste_bypass(F), ste_s2(), true, 2, 0); }
// IHI 0070 §3.21.3; row write_ste_test_s1_to_s2 (hitless, 3)
TEST(SteUpdateSequence, S1ToS2HitlessThreeSyncs) { transition(true, ste_cdtable(F, STE_S1DSS_SSID0), ste_s2(), true, 3, 0); }
// IHI 0070 §3.21.3; row write_ste_test_s2_to_s1 (hitless, 3)
TEST(SteUpdateSequence, S2ToS1HitlessThreeSyncs) { transition(true, ste_s2(), ste_cdtable(F, STE_S1DSS_SSID0), true, 3, 0); }

// ---- CD ------------------------------------------------------------------------------------

// IHI 0070 §5.4.2, §3.21.3; row write_cd_test_s1_clear (empty <-> S1 CD, ASID 1997: non-hitless, 2 syncs each way)
TEST(CdUpdateSequence, ClearAndInstallGoThroughInvalidTwoSyncsEachWay)
{
	both_ways(false, Entry{}, cd_s1(1997), false, 2);
}
// IHI 0070 §3.21.3 (ASID replaced in place while V=1); row write_cd_test_s1_change_asid (hitless, 1 each way)
TEST(CdUpdateSequence, AsidChangeOnlyHitlessOneSyncEachWay) { both_ways(false, cd_s1(778), cd_s1(1997), true, 1); }
// IHI 0070 §3.21.3 (EPD0 makes the TTB0 fields unused); row write_cd_test_sva_release (hitless, 2 each way)
TEST(CdUpdateSequence, QuiesceToEpd0HitlessTwoSyncsEachWay) { both_ways(false, cd_s1(1997), cd_quiesced(1997), true, 2); }
// IHI 0070 §3.21.3.1: another table AND another ASID (words 0 and 1) -> V=0, 3 syncs (as row
// write_ste_test_non_hitless, for a CD). Derived.
TEST(CdUpdateSequence, ChangeToAnotherTableIsDisruptiveThreeSyncs)
{
	transition(false, cd_s1(778, 0x1000000), cd_s1(1997, 0x2000000), false, 3, 1);
}

// ---- The checker itself must be able to fail ------------------------------------------------

// IHI 0070 §3.21.3 (checker self-test): a writer that copies the whole target at once (one sync) breaks
// the rule for a multi-word change; the torn-read check must catch it, so the checks above can fail.
TEST(SequenceChecker, RejectsOneShotMultiWordRewrite)
{
	seq::Recorder rec;
	Entry from = ste_cdtable(F, STE_S1DSS_SSID0, 0xF0F0F0F0F0C0ULL), to = ste_cdtable(F, STE_S1DSS_BYPASS, 0xA0A0A0000ULL);
	uint64_t live[8];
	std::memcpy(live, to.data(), sizeof live);
	rec.is_ste = true;
	rec.live = live;
	rec.start = from;
	rec.target = to;
	seq::Recorder::sync(&rec);
	seq::Result r;
	::testing::TestPartResultArray failures;
	{
		::testing::ScopedFakeTestPartResultReporter catcher(
			::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
		seq::check_states(rec, r);
	}
	ASSERT_GE(failures.size(), 1) << "the checker accepted a one-shot rewrite of two live words";
	EXPECT_NE(std::string::npos, std::string(failures.GetTestPartResult(0).message()).find("torn read"));
}
// IHI 0070 §3.21.3 (checker self-test): an S1 STE with a table pointer that is neither the start's nor the
// target's is illegal; the start itself and an invalid (V=0) entry are legal.
TEST(SequenceChecker, RejectsForeignTablePointer)
{
	Entry a = ste_cdtable(F, STE_S1DSS_SSID0, 0x10000), b = ste_abort(F), m = ste_cdtable(F, STE_S1DSS_SSID0, 0x20000);
	EXPECT_NE("", seq::illegal_reason(true, m.data(), a.data(), b.data()));
	EXPECT_EQ("", seq::illegal_reason(true, a.data(), a.data(), b.data()));
	Entry inv{};
	EXPECT_EQ("", seq::illegal_reason(true, inv.data(), a.data(), b.data()));
}

} // namespace
