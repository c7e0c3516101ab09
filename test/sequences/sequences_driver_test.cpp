// The driver's OWN update sequences, observed from outside: the driver runs on a register
// interface that wraps smmusim's and, at every CMDQ_PROD write (each command batch: the CFGI+SYNC
// of one write step), snapshots the live STE and issues DMAs before the batch is released. So the
// states checked are exactly those the SMMU can see between the driver's syncs, with the
// configuration cache off (every DMA fetches the memory image, IHI 0070 §16.2).
//   * every STE snapshot, and every torn mix of two consecutive snapshots, is V=0 or the start or
//     the target in the bits it uses (driver's and the independent used bits, IHI 0070 §3.21.3);
//   * hitless API transitions never show V=0 and their DMAs translate as before or after, with no
//     C_BAD_STE (IHI 0070 §3.21.3); the DMA outcome after the call is the target's.
// Transitions are API calls (attach/detach, PASID attach/detach), mapped to the KUnit cases of Linux's
// drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c ("row <name>") they perform on the STE.
#include "seq_check.hpp"
#include "strict_mode.hpp"

extern "C" {
#include <smmusim/bringup.h>
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
}

using seq::Entry;

namespace {

constexpr uint64_t IOVA = 0x20000000, PA_A = 0x30000000, PA_P = 0x34000000;
constexpr uint32_t SID = 5;

struct Outcome {
	smmusim_dma_status status;
	uint64_t pa;
	uint8_t event;
};
Outcome ok(uint64_t pa) { return Outcome{SMMUSIM_DMA_OK, pa, 0}; }
const Outcome ABORT_SILENT{SMMUSIM_DMA_ABORT, 0, 0};
const Outcome STREAM_DISABLED{SMMUSIM_DMA_ABORT, 0, EVT_F_STREAM_DISABLED};
const Outcome BAD_CD{SMMUSIM_DMA_ABORT, 0, EVT_C_BAD_CD};
const Outcome BAD_SUBSTREAMID{SMMUSIM_DMA_ABORT, 0, EVT_C_BAD_SUBSTREAMID}; // SSID on a bypass STE (IHI 0070 §7.3)

struct DriverSeq : ::testing::Test {
	smmusim_system sys{}; // the one bring-up (bringup/); sim and smmu mirror it
	smmusim_platform *sim = nullptr;
	const smmu_regif *inner = nullptr;
	smmu_regif wrap{};
	smmu_device *smmu = nullptr;
	smmu_master *m = nullptr;
	std::function<void()> on_prod; // called before each CMDQ_PROD write reaches the SMMU
	bool in_hook = false;
	virtual unsigned pasid_bits() const { return 4; } // 4: linear CD table of 16 CDs

	static DriverSeq *self(void *ctx) { return static_cast<DriverSeq *>(ctx); }
	static uint32_t r32(void *c, uint32_t o) { return self(c)->inner->read32(self(c)->inner->ctx, o); }
	static uint64_t r64(void *c, uint32_t o) { return self(c)->inner->read64(self(c)->inner->ctx, o); }
	static void w64(void *c, uint32_t o, uint64_t v) { self(c)->inner->write64(self(c)->inner->ctx, o, v); }
	static void w32(void *c, uint32_t o, uint32_t v)
	{
		DriverSeq *t = self(c);
		if (o == SMMU_CMDQ_PROD && t->on_prod && !t->in_hook) {
			t->in_hook = true;
			t->on_prod();
			t->in_hook = false;
		}
		t->inner->write32(t->inner->ctx, o, v);
	}
	static int alloc(void *c, size_t s, size_t a, smmu_dma_buf *b) { return self(c)->inner->dma_alloc(self(c)->inner->ctx, s, a, b); }
	static void dfree(void *c, const smmu_dma_buf *b) { self(c)->inner->dma_free(self(c)->inner->ctx, b); }
	static void rmb(void *c) { self(c)->inner->rmb(self(c)->inner->ctx); }
	static void wmb(void *c) { self(c)->inner->wmb(self(c)->inner->ctx); }
	static void mb(void *c) { self(c)->inner->mb(self(c)->inner->ctx); }
	static void relax(void *c) { self(c)->inner->relax(self(c)->inner->ctx); }
	static void log(void *c, smmu_log_level l, const char *msg)
	{
		if (self(c)->inner->log)
			self(c)->inner->log(self(c)->inner->ctx, l, msg);
	}

	void SetUp() override
	{
		smmusim_config *c = smmusim_config_new();
		char err[256];
		ASSERT_EQ(0, smmusim_config_set(c, "smmu.strict", test_strict_value(), err, sizeof err)) << err;
		ASSERT_EQ(0, smmusim_config_set(c, "tcu.cfg.entries", "0", err, sizeof err)) << err;
		ASSERT_EQ(0, smmusim_config_set(c, "smmu.sidsize", "8", err, sizeof err)) << err;
		int rc = smmusim_system_create(&sys, c, err, sizeof err);
		smmusim_config_free(c);
		sim = sys.sim;
		ASSERT_EQ(0, rc) << err;
		inner = smmusim_regif(sim);
		wrap = smmu_regif{this, r32, w32, r64, w64, alloc, dfree, rmb, wmb, mb, relax, log};
		rc = smmusim_system_probe(&sys, &wrap, nullptr, err, sizeof err);
		smmu = sys.smmu;
		ASSERT_EQ(0, rc) << err;
		iommu_device_desc desc{};
		uint32_t sid = SID;
		desc.sids = &sid;
		desc.nsids = 1;
		desc.pasid_num_bits = pasid_bits();
		ASSERT_EQ(0, iommu_probe_device_ex(smmu, &desc, &m));
		ASSERT_EQ(pasid_bits(), iommu_master_ssid_bits(m));
	}
	void TearDown() override
	{
		on_prod = nullptr;
		smmusim_system_down(&sys);
	}

	iommu_domain *paging(uint64_t pa)
	{
		iommu_domain *d = nullptr;
		EXPECT_EQ(0, iommu_domain_alloc(smmu, IOMMU_DOMAIN_UNMANAGED, &d));
		EXPECT_EQ(0, iommu_map(smmu, d, IOVA, pa, 4096, IOMMU_READ | IOMMU_WRITE));
		return d;
	}
	iommu_domain *identity()
	{
		iommu_domain *d = nullptr;
		EXPECT_EQ(0, iommu_domain_alloc(smmu, IOMMU_DOMAIN_IDENTITY, &d));
		return d;
	}

	smmusim_dma_result dma(bool ssv, uint32_t ssid)
	{
		struct smmusim_dma d{};
		d.sid = SID;
		d.ssv = ssv;
		d.ssid = ssid;
		d.addr = IOVA + 0x40;
		d.size = 4;
		smmusim_dma_result r{};
		EXPECT_EQ(0, smmusim_dma(sim, &d, nullptr, &r));
		return r;
	}
	static bool matches(const smmusim_dma_result &r, const Outcome &o)
	{
		return r.status == o.status && r.event == o.event && (o.status != SMMUSIM_DMA_OK || r.pa == o.pa + 0x40);
	}
	Entry ste() const
	{
		Entry e;
		std::memcpy(e.data(), smmu_ste_ptr(smmu, SID), 64);
		return e;
	}

	struct Probe {
		bool ssv;
		uint32_t ssid;
		Outcome before, after;
		const Outcome *also = nullptr; // another legal intermediate outcome (e.g. the CD already cleared)
	};

	// Run `call`; at every command batch check the STE and DMAs. hitless: no V=0 STE, and DMAs
	// only before/after. Returns the number of batches seen.
	unsigned observe(const std::function<void()> &call, const std::vector<Probe> &probes, bool hitless)
	{
		Entry start = ste();
		for (const Probe &p : probes) {
			auto r = dma(p.ssv, p.ssid);
			EXPECT_TRUE(matches(r, p.before)) << "before the call, ssid " << p.ssid << ": status " << r.status
							  << " event " << (int)r.event;
		}
		std::vector<Entry> snaps;
		unsigned batches = 0;
		on_prod = [&] {
			batches++;
			snaps.push_back(ste());
			for (const Probe &p : probes) {
				auto r = dma(p.ssv, p.ssid);
				bool fine = matches(r, p.before) || matches(r, p.after) || (p.also && matches(r, *p.also));
				EXPECT_TRUE(fine) << "batch " << batches << ", ssid " << (p.ssv ? (int)p.ssid : -1) << ": status "
						  << r.status << " pa 0x" << std::hex << r.pa << " event 0x" << (int)r.event;
				if (hitless) {
					EXPECT_NE(EVT_C_BAD_STE, r.event) << "hitless transition: C_BAD_STE at batch " << batches;
				}
			}
		};
		call();
		on_prod = nullptr;
		Entry target = ste();
		snaps.push_back(target);
		// Every snapshot and every torn mix of consecutive snapshots (IHI 0070 §3.21.3).
		seq::Recorder rec;
		rec.is_ste = true;
		rec.start = start;
		rec.target = target;
		for (const Entry &e : snaps)
			if (rec.at_sync.empty() ? e != start : e != rec.at_sync.back())
				rec.at_sync.push_back(e);
		seq::Result res;
		seq::check_states(rec, res);
		EXPECT_EQ(!hitless, res.invalid_seen) << "V=0 STE seen between the driver's syncs";
		for (const Probe &p : probes) {
			auto r = dma(p.ssv, p.ssid);
			EXPECT_TRUE(matches(r, p.after)) << "after the call, ssid " << p.ssid << ": status " << r.status
							 << " event " << (int)r.event;
		}
		smmu_evtq_drain(smmu, nullptr, nullptr);
		return batches;
	}
};

// IHI 0070 §3.21.3; row write_ste_test_abort_to_cdtable: iommu_attach_device (paging) on a blocked device
TEST_F(DriverSeq, AttachPagingFromAbortIsHitless)
{
	iommu_domain *d = paging(PA_A);
	EXPECT_GT(observe([&] { ASSERT_EQ(0, iommu_attach_device(smmu, d, m)); }, {{false, 0, ABORT_SILENT, ok(PA_A)}}, true), 0u);
}
// IHI 0070 §3.21.3; row write_ste_test_cdtable_to_abort: iommu_detach_device of a paging domain
TEST_F(DriverSeq, DetachPagingToAbortIsHitless)
{
	iommu_domain *d = paging(PA_A);
	ASSERT_EQ(0, iommu_attach_device(smmu, d, m));
	observe([&] { iommu_detach_device(smmu, d, m); }, {{false, 0, ok(PA_A), ABORT_SILENT}}, true);
}
// IHI 0070 §3.21.3; row write_ste_test_abort_to_bypass: iommu_attach_device (identity)
TEST_F(DriverSeq, AttachIdentityFromAbortIsHitless)
{
	iommu_domain *d = identity();
	observe([&] { ASSERT_EQ(0, iommu_attach_device(smmu, d, m)); }, {{false, 0, ABORT_SILENT, ok(IOVA)}}, true);
}
// IHI 0070 §3.21.3, §3.3.2; row write_ste_test_stebypass_to_s1dssbypass: first PASID on an identity RID
// (as Linux's arm_smmu_update_ste does it): no-SSID traffic keeps bypassing throughout
TEST_F(DriverSeq, FirstPasidOnIdentityRidIsHitless)
{
	iommu_domain *id = identity(), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device(smmu, id, m));
	observe([&] { ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3)); },
		{{false, 0, ok(IOVA), ok(IOVA)}, {true, 3, BAD_SUBSTREAMID, ok(PA_P)}}, true);
}
// IHI 0070 §3.21.3, §3.3.2; row write_ste_test_s1dssbypass_to_stebypass: last PASID detached from an identity
// RID. No-SSID traffic bypasses throughout; SSID 3 may see its CD cleared (C_BAD_CD) before the
// STE drops the CD table (C_BAD_SUBSTREAMID).
TEST_F(DriverSeq, LastPasidOffIdentityRidIsHitless)
{
	iommu_domain *id = identity(), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device(smmu, id, m));
	ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3));
	observe([&] { iommu_detach_device_pasid(smmu, p, m, 3); },
		{{false, 0, ok(IOVA), ok(IOVA)}, {true, 3, ok(PA_P), BAD_SUBSTREAMID, &BAD_CD}}, true);
}
// IHI 0070 §5.4.2, §3.21, §3.3.2: PASID attach on a paging RID changes only CD 3 (the STE already has the CD
// table): RID traffic translates throughout, SSID 3 goes from C_BAD_CD to translated
TEST_F(DriverSeq, PasidOnPagingRidLeavesRidTranslating)
{
	iommu_domain *d = paging(PA_A), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device(smmu, d, m));
	observe([&] { ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3)); },
		{{false, 0, ok(PA_A), ok(PA_A)}, {true, 3, BAD_CD, ok(PA_P)}}, true);
}
// IHI 0070 §3.21.3, §3.3.2: first PASID on a blocked RID: abort STE -> CD table with S1DSS=terminate
// (as row write_ste_test_abort_to_cdtable); no-SSID traffic then gets F_STREAM_DISABLED
TEST_F(DriverSeq, FirstPasidOnBlockedRidIsHitless)
{
	iommu_domain *p = paging(PA_P);
	observe([&] { ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3)); },
		{{false, 0, ABORT_SILENT, STREAM_DISABLED}, {true, 3, ABORT_SILENT, ok(PA_P)}}, true);
}
// IHI 0070 §3.21.3, §3.3.2: paging RID attached while a PASID is live: S1DSS terminate -> SSID0 (word 1 only,
// as row write_ste_test_cdtable_s1dss_change); SSID 3 translates throughout
TEST_F(DriverSeq, RidAttachWithLivePasidIsHitless)
{
	iommu_domain *d = paging(PA_A), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3));
	observe([&] { ASSERT_EQ(0, iommu_attach_device(smmu, d, m)); },
		{{false, 0, STREAM_DISABLED, ok(PA_A)}, {true, 3, ok(PA_P), ok(PA_P)}}, true);
}

// ---- 12 SubstreamID bits: a 2-level CD table with 64 KB leaves written lazily (IHI 0070 §3.3.2, §5.3).
struct DriverSeqTwoLevelCd : DriverSeq {
	unsigned pasid_bits() const override { return 12; }
};
// IHI 0070 §5.3, §3.21 (L1CD then CFGI_CD Leaf=0), §3.21.3: first PASID in the second leaf, on an identity
// RID: no-SSID traffic bypasses throughout (row write_ste_test_stebypass_to_s1dssbypass)
TEST_F(DriverSeqTwoLevelCd, FirstPasidInSecondLeafOnIdentityRidIsHitless)
{
	iommu_domain *id = identity(), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device(smmu, id, m));
	observe([&] { ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 1500)); },
		{{false, 0, ok(IOVA), ok(IOVA)}, {true, 1500, BAD_SUBSTREAMID, ok(PA_P)}}, true);
}
// IHI 0070 §5.3, §3.21, §3.3.2: a PASID in a leaf not yet written on a paging RID: C_BAD_SUBSTREAMID (L1CD
// invalid) before, C_BAD_CD while the new leaf is valid but the CD not yet, translated after; the
// RID translates throughout
TEST_F(DriverSeqTwoLevelCd, PasidInNewLeafOnPagingRidLeavesRidTranslating)
{
	iommu_domain *d = paging(PA_A), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device(smmu, d, m));
	observe([&] { ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3000)); },
		{{false, 0, ok(PA_A), ok(PA_A)}, {true, 3000, BAD_SUBSTREAMID, ok(PA_P), &BAD_CD},
		 {true, 3001, BAD_SUBSTREAMID, BAD_CD}},
		true);
}
// IHI 0070 §5.3, §5.4, §3.21: once the L1CD of a new leaf is visible the SMMU may fetch any CD in it,
// so every CD of the leaf is invalid by then. The allocator's memory is UNKNOWN (regif.h; the strict
// model hands out valid-looking junk): every other SubstreamID of the leaf gets C_BAD_SUBSTREAMID
// or C_BAD_CD at every command batch, never a translation or another fault.
TEST_F(DriverSeqTwoLevelCd, NewLeafHoldsOnlyInvalidCdsWhenPublished)
{
	iommu_domain *d = paging(PA_A), *p = paging(PA_P);
	ASSERT_EQ(0, iommu_attach_device(smmu, d, m));
	std::vector<Probe> probes{{true, 3000, BAD_SUBSTREAMID, ok(PA_P), &BAD_CD}};
	for (uint32_t ssid = 2048; ssid < 3072; ssid++) // the 64 KB leaf of SubstreamID 3000
		if (ssid != 3000)
			probes.push_back({true, ssid, BAD_SUBSTREAMID, BAD_CD});
	EXPECT_GT(observe([&] { ASSERT_EQ(0, iommu_attach_device_pasid(smmu, p, m, 3000)); }, probes, true), 0u);
}

} // namespace
