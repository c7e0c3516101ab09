// STE/CD update sequences end to end: the driver's smmu_entry_write / smmu_ste_write changing the
// live STE or CD of a simulated SMMU (through smmusim's register interface), with DMAs issued at
// every intermediate step: after each write step (before its CFGI) and after its CFGI + CMD_SYNC.
// The configuration cache is switched off (tcu.cfg.entries=0) so every DMA fetches the memory
// image the driver left, which is what an SMMU may read at any moment (IHI 0070 §16.2).
//   hitless:    every DMA translates exactly as with the start or the target entry, and no
//               C_BAD_STE / C_BAD_CD is ever recorded (IHI 0070 §3.21.3);
//   disruptive: every DMA translates as before/after or aborts with C_BAD_STE / C_BAD_CD (V=0).
// Sync counts are those of the KUnit cases ("row <name>") of Linux's
// drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c, adjusted where this model lacks
// IDR1.ATTR_TYPES_OVR (bypass STEs then have STE.SHCFG=0, RES0: IHI 0070 §5.2), which removes the
// SHCFG preparation step. Every state seen at a sync also passes the
// used-bits checks of seq_check.hpp (driver's and the independent reference's).
#include "seq_check.hpp"
#include "strict_mode.hpp"

extern "C" {
#include <smmusim/bringup.h>
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
}

#include <set>

using seq::Entry;

namespace {

constexpr uint64_t IOVA = 0x20000000;   // mapped in both domains; also a valid PA for bypass
constexpr uint64_t PA_A = 0x30000000;   // domain A's page
constexpr uint64_t PA_B = 0x38000000;   // domain B's page
constexpr uint32_t SID_A = 1, SID_B = 2; // device A (under test) and device B (owns table B)

struct Outcome {
	smmusim_dma_status status;
	uint64_t pa;   // page base when OK
	uint8_t event; // event type recorded, 0 if none
};
const Outcome ABORT_SILENT{SMMUSIM_DMA_ABORT, 0, 0};
const Outcome ABORT_BAD_STE{SMMUSIM_DMA_ABORT, 0, EVT_C_BAD_STE};
const Outcome ABORT_BAD_CD{SMMUSIM_DMA_ABORT, 0, EVT_C_BAD_CD};
const Outcome ABORT_STREAM_DISABLED{SMMUSIM_DMA_ABORT, 0, EVT_F_STREAM_DISABLED};
Outcome ok(uint64_t pa) { return Outcome{SMMUSIM_DMA_OK, pa, 0}; }

std::string describe(const smmusim_dma_result &r)
{
	char b[128];
	std::snprintf(b, sizeof b, "status %d pa 0x%llx event 0x%x", (int)r.status, (unsigned long long)r.pa, r.event);
	return b;
}

bool matches(const smmusim_dma_result &r, const Outcome &o, uint64_t off)
{
	if (r.status != o.status || r.event != o.event)
		return false;
	return o.status != SMMUSIM_DMA_OK || r.pa == o.pa + off;
}

struct ModelSeq : ::testing::Test {
	smmusim_system sys{}; // the one bring-up (bringup/); sim and smmu mirror it
	smmusim_platform *sim = nullptr;
	const smmu_regif *ri = nullptr;
	smmu_device *smmu = nullptr;
	smmu_master *ma = nullptr, *mb = nullptr;
	iommu_domain *da = nullptr, *db = nullptr;
	const smmu_features *feat = nullptr;
	smmu_dma_buf mytab{}; // a CD table of our own (16 CDs), CD 0 = domain A's CD
	Entry ste_a{}, ste_b{}, ste_abort{}, ste_bypass{}, cd_a{}, cd_b{};
	std::vector<uint8_t> events; // drained through the driver's event queue
	uint32_t probe_ssid = 0;     // 0: probe DMAs carry no SubstreamID

	virtual bool config_cache() const { return false; }
	virtual const char *sidsize() const { return "8"; } // 8: the driver picks a linear stream table

	void SetUp() override
	{
		smmusim_config *c = smmusim_config_new();
		char err[256];
		ASSERT_EQ(0, smmusim_config_set(c, "smmu.strict", test_strict_value(), err, sizeof err)) << err;
		if (!config_cache()) {
			ASSERT_EQ(0, smmusim_config_set(c, "tcu.cfg.entries", "0", err, sizeof err)) << err;
		}
		ASSERT_EQ(0, smmusim_config_set(c, "smmu.sidsize", sidsize(), err, sizeof err)) << err;
		if (config_cache()) {
			ASSERT_EQ(0, smmusim_config_set(c, "tcu.cfg.cache_l1", "1", err, sizeof err)) << err;
		}
		int rc = smmusim_system_up(&sys, c, err, sizeof err);
		smmusim_config_free(c);
		sim = sys.sim;
		smmu = sys.smmu;
		ASSERT_EQ(0, rc) << err;
		ri = smmusim_regif(sim);
		feat = smmu_get_features(smmu);
		uint32_t sa = SID_A, sb = SID_B;
		ASSERT_EQ(0, iommu_probe_device(smmu, &sa, 1, &ma));
		ASSERT_EQ(0, iommu_probe_device(smmu, &sb, 1, &mb));
		ASSERT_EQ(0, iommu_domain_alloc(smmu, IOMMU_DOMAIN_UNMANAGED, &da));
		ASSERT_EQ(0, iommu_domain_alloc(smmu, IOMMU_DOMAIN_UNMANAGED, &db));
		ASSERT_EQ(0, iommu_map(smmu, da, IOVA, PA_A, 4096, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE));
		ASSERT_EQ(0, iommu_map(smmu, db, IOVA, PA_B, 4096, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE));
		ASSERT_EQ(0, iommu_attach_device(smmu, da, ma));
		ASSERT_EQ(0, iommu_attach_device(smmu, db, mb));
		std::memcpy(ste_a.data(), smmu_ste_ptr(smmu, SID_A), 64);
		std::memcpy(ste_b.data(), smmu_ste_ptr(smmu, SID_B), 64);
		smmu_ste_make_abort(feat, ste_abort.data());
		smmu_ste_make_bypass(feat, ste_bypass.data());
		ASSERT_EQ(0, smmusim_mem_read(sim, SMMU_GET(ste_a[0], STE0_S1CONTEXTPTR) << 6, cd_a.data(), 64));
		ASSERT_EQ(0, smmusim_mem_read(sim, SMMU_GET(ste_b[0], STE0_S1CONTEXTPTR) << 6, cd_b.data(), 64));
		ASSERT_EQ(1u, SMMU_GET(cd_a[0], CD0_V));
		ASSERT_NE(SMMU_GET(cd_a[0], CD0_ASID), SMMU_GET(cd_b[0], CD0_ASID));
		ASSERT_EQ(0, ri->dma_alloc(ri->ctx, 64 * 16, 64 * 16, &mytab));
		std::memset(mytab.cpu, 0, 64 * 16); // the allocator's contents are UNKNOWN (regif.h)
		std::memcpy(mytab.cpu, cd_a.data(), 64);
		ASSERT_EQ(0, drain());
		ASSERT_TRUE(events.empty());
	}
	void TearDown() override { smmusim_system_down(&sys); }

	int drain()
	{
		int n = smmu_evtq_drain(
			smmu,
			[](void *arg, const smmu_event *ev) { static_cast<ModelSeq *>(arg)->events.push_back(ev->type); }, this);
		return n < 0 ? n : 0;
	}

	smmusim_dma_result dma(uint64_t off, bool write = false)
	{
		struct smmusim_dma d{};
		d.sid = SID_A;
		d.ssv = probe_ssid != 0;
		d.ssid = probe_ssid;
		d.addr = IOVA + off;
		d.size = 4;
		d.write = write;
		uint32_t data = 0x5a5a5a5a;
		smmusim_dma_result r{};
		EXPECT_EQ(0, smmusim_dma(sim, &d, &data, &r));
		return r;
	}

	// A stage-1 STE for SID_A on our own table: S1CDMax = cdmax, given S1DSS.
	Entry ste_mytab(uint8_t cdmax, uint8_t s1dss)
	{
		Entry e;
		smmu_ste_make_cdtable(feat, mytab.bus, STE_S1FMT_LINEAR, cdmax, s1dss, e.data());
		return e;
	}

	void expect_outcome(const Outcome &o, const char *what)
	{
		for (uint64_t off : {0x10ull, 0x800ull}) {
			auto r = dma(off, off == 0x800);
			EXPECT_TRUE(matches(r, o, off)) << what << ": " << describe(r);
		}
		events.clear();
		drain();
	}

	// Drive smmu_entry_write on the live entry with a sync that issues the real CFGI + SYNC and
	// DMAs before and after it. Returns the recorded result.
	seq::Result run_live(bool is_ste, uint64_t *live, const Entry &start, const Entry &target, const Outcome &before,
			     const Outcome &after, bool disruptive_allowed, std::function<void()> hw_sync)
	{
		seq::Recorder rec;
		unsigned probes = 0;
		rec.hw_sync = hw_sync;
		rec.probe = [&](unsigned step, bool after_sync) {
			for (uint64_t off : {0x10ull, 0x804ull, 0xff0ull}) {
				bool w = off == 0x804;
				auto r = dma(off, w);
				probes++;
				bool fine = matches(r, before, off) || matches(r, after, off);
				if (disruptive_allowed)
					fine = fine || matches(r, is_ste ? ABORT_BAD_STE : ABORT_BAD_CD, off);
				EXPECT_TRUE(fine) << "step " << step << (after_sync ? " after" : " before") << " its sync: "
						  << describe(r);
			}
			events.clear();
			ASSERT_EQ(0, drain());
			for (uint8_t t : events) {
				if (!disruptive_allowed) {
					EXPECT_NE(EVT_C_BAD_STE, t) << "hitless update: C_BAD_STE at step " << step;
					EXPECT_NE(EVT_C_BAD_CD, t) << "hitless update: C_BAD_CD at step " << step;
				}
			}
		};
		// Put the start entry in place the normal way and check the start outcome.
		std::memcpy(live, start.data(), 64);
		hw_sync();
		expect_outcome(before, "start entry");
		static const smmu_entry_ops ste_ops = {8, smmu_ste_get_used, seq::Recorder::sync};
		static const smmu_entry_ops cd_ops = {8, smmu_cd_get_used, seq::Recorder::sync};
		rec.is_ste = is_ste;
		rec.live = live;
		rec.start = start;
		rec.target = target;
		seq::Result res;
		res.returned_breaking = smmu_entry_write(is_ste ? &ste_ops : &cd_ops, &rec, live, target.data());
		seq::check_states(rec, res);
		EXPECT_EQ(0, std::memcmp(live, target.data(), 64)) << "final entry != target";
		expect_outcome(after, "target entry");
		EXPECT_EQ(3 * 2 * res.syncs, probes);
		return res;
	}

	// STE transition on SID_A: (1) smmu_entry_write on the live STE with probing syncs,
	// (2) smmu_ste_write (the driver's own CFGI_STE sync) with its stats.
	void ste_transition(const Entry &from, const Entry &to, const Outcome &before, const Outcome &after, bool hitless,
			    unsigned syncs)
	{
		uint64_t *live = const_cast<uint64_t *>(smmu_ste_ptr(smmu, SID_A));
		ASSERT_NE(nullptr, live);
		auto hw_sync = [&] {
			smmu_cmd c = smmu_cmd_cfgi_ste(SID_A, true);
			ASSERT_EQ(0, smmu_cmdq_issue_sync(smmu, &c, 1));
		};
		{
			SCOPED_TRACE("smmu_entry_write with probing syncs");
			seq::Result r = run_live(true, live, from, to, before, after, !hitless, hw_sync);
			EXPECT_EQ(syncs, r.syncs) << "sync count";
			EXPECT_EQ(!hitless, r.invalid_seen) << "V=0 seen at a sync";
			EXPECT_EQ(!hitless, r.returned_breaking);
		}
		{
			SCOPED_TRACE("smmu_ste_write");
			ASSERT_EQ(0, smmu_ste_write(smmu, SID_A, from.data()));
			smmu_stats s0 = *smmu_get_stats(smmu);
			ASSERT_EQ(0, smmu_ste_write(smmu, SID_A, to.data()));
			const smmu_stats &s1 = *smmu_get_stats(smmu);
			EXPECT_EQ(syncs, s1.entry_syncs - s0.entry_syncs) << "entry_syncs";
			EXPECT_EQ(syncs, s1.cfgi_ste - s0.cfgi_ste) << "one CFGI_STE per sync (IHI 0070 §3.21)";
			EXPECT_EQ(hitless ? 0u : 1u, s1.entry_breaking - s0.entry_breaking);
			EXPECT_EQ(0, std::memcmp(smmu_ste_ptr(smmu, SID_A), to.data(), 64));
			expect_outcome(after, "after smmu_ste_write");
		}
	}

	// Transition of CD `ssid` in our own table, reached by SID_A through a single-CD STE (ssid 0,
	// DMAs without SubstreamID) or a 16-CD STE (ssid > 0, DMAs with that SubstreamID).
	void cd_transition(const Entry &from, const Entry &to, const Outcome &before, const Outcome &after, bool hitless,
			   unsigned syncs, uint32_t ssid = 0)
	{
		ASSERT_EQ(0, smmu_ste_write(smmu, SID_A, ste_mytab(ssid ? 4 : 0, STE_S1DSS_SSID0).data()));
		probe_ssid = ssid;
		auto hw_sync = [&] {
			smmu_cmd c = smmu_cmd_cfgi_cd(SID_A, ssid, true);
			ASSERT_EQ(0, smmu_cmdq_issue_sync(smmu, &c, 1));
		};
		seq::Result r = run_live(false, static_cast<uint64_t *>(mytab.cpu) + 8 * ssid, from, to, before, after, !hitless,
					 hw_sync);
		EXPECT_EQ(syncs, r.syncs) << "sync count";
		EXPECT_EQ(!hitless, r.invalid_seen) << "V=0 seen at a sync";
	}

	// Linux's row count, or the count without the SHCFG step when SHCFG is RES0 here.
	unsigned shcfg_row(unsigned row) const { return feat->attr_types_ovr ? row : row - 1; }
};

// ---- STE -----------------------------------------------------------------------------------

// IHI 0070 §5.2, §3.21.3; row write_ste_test_abort_to_bypass (2 syncs; 1 here: no SHCFG step)
TEST_F(ModelSeq, SteAbortToBypassHitless)
{
	ste_transition(ste_abort, ste_bypass, ABORT_SILENT, ok(IOVA), true, shcfg_row(2));
}
// IHI 0070 §5.2, §3.21.3; row write_ste_test_bypass_to_abort (2 syncs; 1 here)
TEST_F(ModelSeq, SteBypassToAbortHitless)
{
	ste_transition(ste_bypass, ste_abort, ok(IOVA), ABORT_SILENT, true, shcfg_row(2));
}
// IHI 0070 §3.21.3; row write_ste_test_abort_to_cdtable (2 syncs)
TEST_F(ModelSeq, SteAbortToS1Hitless) { ste_transition(ste_abort, ste_a, ABORT_SILENT, ok(PA_A), true, 2); }
// IHI 0070 §3.21.3; row write_ste_test_cdtable_to_abort (2 syncs)
TEST_F(ModelSeq, SteS1ToAbortHitless) { ste_transition(ste_a, ste_abort, ok(PA_A), ABORT_SILENT, true, 2); }
// IHI 0070 §3.21.3; row write_ste_test_bypass_to_cdtable (3 syncs; 2 here)
TEST_F(ModelSeq, SteBypassToS1Hitless) { ste_transition(ste_bypass, ste_a, ok(IOVA), ok(PA_A), true, shcfg_row(3)); }
// IHI 0070 §3.21.3; row write_ste_test_cdtable_to_bypass (3 syncs; 2 here)
TEST_F(ModelSeq, SteS1ToBypassHitless) { ste_transition(ste_a, ste_bypass, ok(PA_A), ok(IOVA), true, shcfg_row(3)); }
// IHI 0070 §3.21.3 (only S1ContextPtr, word 0, changes): another CD table, hitless in 1 sync. Derived.
TEST_F(ModelSeq, SteS1ToOtherCdTableHitless) { ste_transition(ste_a, ste_b, ok(PA_A), ok(PA_B), true, 1); }
// IHI 0070 §3.3.2, §3.21.3: S1CDMax 0 -> 4 on a table whose CD 0 is domain A's (word 0 only): hitless, 1 sync. Derived.
TEST_F(ModelSeq, SteS1CdMaxChangeHitless)
{
	ste_transition(ste_mytab(0, STE_S1DSS_SSID0), ste_mytab(4, STE_S1DSS_SSID0), ok(PA_A), ok(PA_A), true, 1);
}
// IHI 0070 §3.21.3, §3.3.2; row write_ste_test_cdtable_s1dss_change (1 sync): no-SSID DMA uses CD 0 / bypasses
TEST_F(ModelSeq, SteS1dssSsid0ToBypassHitless)
{
	ste_transition(ste_mytab(4, STE_S1DSS_SSID0), ste_mytab(4, STE_S1DSS_BYPASS), ok(PA_A), ok(IOVA), true, 1);
}
// IHI 0070 §3.21.3, §3.3.2; row write_ste_test_cdtable_s1dss_change, other direction (1 sync)
TEST_F(ModelSeq, SteS1dssBypassToSsid0Hitless)
{
	ste_transition(ste_mytab(4, STE_S1DSS_BYPASS), ste_mytab(4, STE_S1DSS_SSID0), ok(IOVA), ok(PA_A), true, 1);
}
// IHI 0070 §3.21.3, §3.3.2, §7.3 (F_STREAM_DISABLED for no-SSID traffic with S1DSS=terminate): word 1 only, 1 sync. Derived.
TEST_F(ModelSeq, SteS1dssSsid0ToTerminateHitless)
{
	ste_transition(ste_mytab(4, STE_S1DSS_SSID0), ste_mytab(4, STE_S1DSS_TERMINATE), ok(PA_A), ABORT_STREAM_DISABLED,
		       true, 1);
}
// IHI 0070 §3.21.3; row write_ste_test_s1dssbypass_to_stebypass (2 syncs: Config, then clean-up of the S1 fields)
TEST_F(ModelSeq, SteS1dssBypassToSteBypassHitless)
{
	ste_transition(ste_mytab(4, STE_S1DSS_BYPASS), ste_bypass, ok(IOVA), ok(IOVA), true, 2);
}
// IHI 0070 §3.21.3; row write_ste_test_stebypass_to_s1dssbypass (2 syncs)
TEST_F(ModelSeq, SteBypassToS1dssBypassHitless)
{
	ste_transition(ste_bypass, ste_mytab(4, STE_S1DSS_BYPASS), ok(IOVA), ok(IOVA), true, 2);
}
// IHI 0070 §3.21.3.1; row write_ste_test_non_hitless (table AND S1DSS change: V=0, 3 syncs)
TEST_F(ModelSeq, SteTableAndS1dssChangeDisruptive)
{
	ste_transition(ste_a, ste_mytab(4, STE_S1DSS_BYPASS), ok(PA_A), ok(IOVA), false, 3);
}

// ---- CD ------------------------------------------------------------------------------------

// IHI 0070 §5.4, §3.21.3 (ASID replaced in place while V=1); row write_cd_test_s1_change_asid (1 sync)
TEST_F(ModelSeq, CdAsidChangeOnlyHitless)
{
	Entry to = cd_a;
	to[0] = SMMU_SET(to[0], CD0_ASID, 0x777);
	cd_transition(cd_a, to, ok(PA_A), ok(PA_A), true, 1);
	cd_transition(to, cd_a, ok(PA_A), ok(PA_A), true, 1);
}
// IHI 0070 §3.21.3.1: CD to another table and ASID (words 0 and 1): V=0, 3 syncs (as row
// write_ste_test_non_hitless, for a CD). Derived.
TEST_F(ModelSeq, CdToAnotherTableDisruptive) { cd_transition(cd_a, cd_b, ok(PA_A), ok(PA_B), false, 3); }
// IHI 0070 §5.4.2, §3.21.3; row write_cd_test_s1_clear (S1 -> empty: 2 syncs)
TEST_F(ModelSeq, CdClearDisruptive)
{
	Entry empty{};
	cd_transition(cd_a, empty, ok(PA_A), ABORT_BAD_CD, false, 2);
}
// IHI 0070 §5.4.2, §3.21.3; row write_cd_test_s1_clear (empty -> S1: 2 syncs)
TEST_F(ModelSeq, CdInstallDisruptive)
{
	Entry empty{};
	cd_transition(empty, cd_a, ABORT_BAD_CD, ok(PA_A), false, 2);
}

// IHI 0070 §3.3.2, §3.21 (CFGI_CD for that SSID), §3.21.3: ASID change of CD 3, DMAs with SubstreamID 3 (1 sync).
// The CD is driven through smmu_entry_write directly (DriverSeq.* covers the driver's PASID attach).
TEST_F(ModelSeq, CdAsidChangeOnSubstreamHitless)
{
	Entry to = cd_a;
	to[0] = SMMU_SET(to[0], CD0_ASID, 0x778);
	cd_transition(cd_a, to, ok(PA_A), ok(PA_A), true, 1, 3);
}
// IHI 0070 §3.3.2, §3.21.3.1: CD 3 to another table, DMAs with SubstreamID 3 (3 syncs)
TEST_F(ModelSeq, CdToAnotherTableOnSubstreamDisruptive) { cd_transition(cd_a, cd_b, ok(PA_A), ok(PA_B), false, 3, 3); }

// ---- The same with the configuration cache on (model default): stale STEs/CDs may be used until
// the CFGI of each step, which must still only ever mean the start or the target (IHI 0070 §16.2, §3.21).
struct ModelSeqCached : ModelSeq {
	bool config_cache() const override { return true; }
};
// IHI 0070 §3.21, §3.21.3 (word 0 only): CFGI_STE per step with a cached STE
TEST_F(ModelSeqCached, SteS1ToOtherCdTableHitless) { ste_transition(ste_a, ste_b, ok(PA_A), ok(PA_B), true, 1); }
// IHI 0070 §3.21, §3.21.3; row write_ste_test_cdtable_to_bypass (3 syncs; 2 here) with a cached STE
TEST_F(ModelSeqCached, SteS1ToBypassHitless) { ste_transition(ste_a, ste_bypass, ok(PA_A), ok(IOVA), true, shcfg_row(3)); }
// IHI 0070 §3.21, §3.21.3.1; row write_ste_test_non_hitless with a cached STE
TEST_F(ModelSeqCached, SteTableAndS1dssChangeDisruptive)
{
	ste_transition(ste_a, ste_mytab(4, STE_S1DSS_BYPASS), ok(PA_A), ok(IOVA), false, 3);
}
// IHI 0070 §3.21 (CFGI_CD per step), §3.21.3; row write_cd_test_s1_change_asid with a cached CD
TEST_F(ModelSeqCached, CdAsidChangeOnlyHitless)
{
	Entry to = cd_a;
	to[0] = SMMU_SET(to[0], CD0_ASID, 0x777);
	cd_transition(cd_a, to, ok(PA_A), ok(PA_A), true, 1);
	cd_transition(to, cd_a, ok(PA_A), ok(PA_A), true, 1);
}
// IHI 0070 §3.21, §3.21.3.1: CD to another table with a cached CD (3 syncs)
TEST_F(ModelSeqCached, CdToAnotherTableDisruptive) { cd_transition(cd_a, cd_b, ok(PA_A), ok(PA_B), false, 3); }
// IHI 0070 §3.3.2, §3.21 (CFGI_CD for SSID 3 only), §3.21.3.1: CD 3 to another table with a cached CD
TEST_F(ModelSeqCached, CdToAnotherTableOnSubstreamDisruptive)
{
	cd_transition(cd_a, cd_b, ok(PA_A), ok(PA_B), false, 3, 3);
}
// ---- 2-level stream table (SIDSIZE 16, SPLIT 8), configuration cache on, L1STDs cached too.
struct ModelSeqTwoLevelStreamTable : ModelSeq {
	bool config_cache() const override { return true; }
	const char *sidsize() const override { return "16"; }
};
// IHI 0070 §3.3.1, §3.21 (CFGI_STE leaf per step; the L1STD stays valid), §3.21.3: another CD table, 1 sync
TEST_F(ModelSeqTwoLevelStreamTable, SteS1ToOtherCdTableHitless)
{
	ASSERT_TRUE(smmu_strtab_is_2lvl(smmu));
	ste_transition(ste_a, ste_b, ok(PA_A), ok(PA_B), true, 1);
}
// IHI 0070 §3.3.1, §3.21, §3.21.3.1; row write_ste_test_non_hitless in a level-2 table (3 syncs)
TEST_F(ModelSeqTwoLevelStreamTable, SteTableAndS1dssChangeDisruptive)
{
	ASSERT_TRUE(smmu_strtab_is_2lvl(smmu));
	ste_transition(ste_a, ste_mytab(4, STE_S1DSS_BYPASS), ok(PA_A), ok(IOVA), false, 3);
}
// IHI 0070 §3.3.1, §3.21.3; row write_ste_test_bypass_to_cdtable in a level-2 table (3 syncs; 2 here)
TEST_F(ModelSeqTwoLevelStreamTable, SteBypassToS1Hitless)
{
	ASSERT_TRUE(smmu_strtab_is_2lvl(smmu));
	ste_transition(ste_bypass, ste_a, ok(IOVA), ok(PA_A), true, shcfg_row(3));
}

// IHI 0070 §5.4.2, §3.21, §3.21.3; row write_cd_test_s1_clear with a cached CD
TEST_F(ModelSeqCached, CdClearDisruptive)
{
	Entry empty{};
	cd_transition(cd_a, empty, ok(PA_A), ABORT_BAD_CD, false, 2);
}

} // namespace
