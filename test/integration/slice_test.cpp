// The first end-to-end slice: the C driver probes the SystemC model through the register
// interface, builds a linear stream table with one StreamID in bypass, one in abort and one in
// stage-1 translation, and DMA through the model then behaves as the architecture says. Every
// check here is against values computed in the test, not read back from the model's own state.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

#include <cstring>
#include <vector>

extern "C" {
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

namespace {

constexpr uint32_t kSidBypass = 1;
constexpr uint32_t kSidAbort = 2;
constexpr uint32_t kSidS1 = 3;
constexpr uint64_t kIova = 0x40000000;   // mapped by the stage-1 domain
constexpr uint64_t kUnmapped = 0x50001000; // never mapped

// Wraps the simulator's register interface to count relax() calls and register reads: the proof
// that the driver polls through the hook (and that polling and the reads' round trips are what
// let simulated time pass).
struct CountingRegif {
	smmu_regif regif;
	const smmu_regif *inner;
	unsigned long relax_calls = 0, reads = 0;
	uint64_t cycles_in_relax = 0, cycles_in_reads = 0;
	smmusim_platform *sim;
	template <class Read> static auto timed_read(void *c, Read read)
	{
		CountingRegif *me = self(c);
		const uint64_t before = smmusim_now(me->sim);
		const auto v = read(me->inner);
		me->reads++;
		me->cycles_in_reads += smmusim_now(me->sim) - before;
		return v;
	}

	static CountingRegif *self(void *ctx) { return static_cast<CountingRegif *>(ctx); }
	CountingRegif(smmusim_platform *s) : inner(smmusim_regif(s)), sim(s)
	{
		regif.ctx = this;
		regif.read32 = [](void *c, uint32_t off) {
			return timed_read(c, [&](const smmu_regif *in) { return in->read32(in->ctx, off); });
		};
		regif.write32 = [](void *c, uint32_t off, uint32_t v) { self(c)->inner->write32(self(c)->inner->ctx, off, v); };
		regif.read64 = [](void *c, uint32_t off) {
			return timed_read(c, [&](const smmu_regif *in) { return in->read64(in->ctx, off); });
		};
		regif.write64 = [](void *c, uint32_t off, uint64_t v) { self(c)->inner->write64(self(c)->inner->ctx, off, v); };
		regif.dma_alloc = [](void *c, size_t sz, size_t al, smmu_dma_buf *b) {
			return self(c)->inner->dma_alloc(self(c)->inner->ctx, sz, al, b);
		};
		regif.dma_free = [](void *c, const smmu_dma_buf *b) { self(c)->inner->dma_free(self(c)->inner->ctx, b); };
		regif.rmb = [](void *c) { self(c)->inner->rmb(self(c)->inner->ctx); };
		regif.wmb = [](void *c) { self(c)->inner->wmb(self(c)->inner->ctx); };
		regif.mb = [](void *c) { self(c)->inner->mb(self(c)->inner->ctx); };
		regif.relax = [](void *c) {
			CountingRegif *me = self(c);
			uint64_t before = smmusim_now(me->sim);
			me->inner->relax(me->inner->ctx);
			me->relax_calls++;
			me->cycles_in_relax += smmusim_now(me->sim) - before;
		};
		regif.log = [](void *c, smmu_log_level lvl, const char *msg) {
			if (self(c)->inner->log)
				self(c)->inner->log(self(c)->inner->ctx, lvl, msg);
		};
	}
};

class Slice : public SimDriverFixture {
protected:
	void SetUp() override
	{
		// A small SMMU that Linux would also drive with a linear stream table (SIDSIZE <= 8):
		// 256 STEs, 16 KB, instead of a 1 GiB linear table for 24 StreamID bits.
		// The preset's MMIO read round trip (the driver-visible CMD_SYNC latency tests below).
		config = {{"smmu.sidsize", "8"}, {"smmu.reg_read_cycles", "100"}};
		opts.force_linear_strtab = true;
		CreateSim();
		ASSERT_NE(sim, nullptr);
		counting = new CountingRegif(sim);
		ProbeDriver(&counting->regif);
		ASSERT_NE(smmu, nullptr);
		ASSERT_FALSE(smmu_strtab_is_2lvl(smmu));

		ASSERT_EQ(iommu_probe_device(smmu, &kSidBypass, 1, &m_bypass), 0);
		ASSERT_EQ(iommu_probe_device(smmu, &kSidAbort, 1, &m_abort), 0);
		ASSERT_EQ(iommu_probe_device(smmu, &kSidS1, 1, &m_s1), 0);

		ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_IDENTITY, &d_identity), 0);
		ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_BLOCKED, &d_blocked), 0);
		ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &d_dma), 0);
		ASSERT_EQ(iommu_attach_device(smmu, d_identity, m_bypass), 0);
		ASSERT_EQ(iommu_attach_device(smmu, d_blocked, m_abort), 0);
		ASSERT_EQ(iommu_attach_device(smmu, d_dma, m_s1), 0);

		// The buffer the stage-1 mapping points at: real DMA memory from the same allocator.
		ASSERT_EQ(smmusim_regif(sim)->dma_alloc(smmusim_regif(sim)->ctx, 2 * 4096, 4096, &buf), 0);
		ASSERT_EQ(iommu_map(smmu, d_dma, kIova, buf.bus, 2 * 4096, IOMMU_READ | IOMMU_WRITE), 0);
	}

	void TearDown() override
	{
		SimDriverFixture::TearDown(); // the driver still calls the wrapper while it tears down
		delete counting;
	}

	smmusim_dma_result dma(uint32_t sid, uint64_t addr, bool write, void *data, uint32_t size)
	{
		return Dma(sid, -1, addr, write, size, data);
	}

	CountingRegif *counting = nullptr;
	smmu_master *m_bypass = nullptr, *m_abort = nullptr, *m_s1 = nullptr;
	iommu_domain *d_identity = nullptr, *d_blocked = nullptr, *d_dma = nullptr;
	smmu_dma_buf buf{};
};

// The driver found what the model's configuration says (MMU-600-like defaults).
TEST_F(Slice, ProbeDecodesIdRegisters)
{
	const smmu_features *f = smmu_get_features(smmu);
	const smmu_regif *r = smmusim_regif(sim);
	uint32_t idr0 = r->read32(r->ctx, SMMU_IDR0), idr1 = r->read32(r->ctx, SMMU_IDR1);
	EXPECT_TRUE(f->s1p);
	EXPECT_EQ(f->s1p, SMMU_GET(idr0, IDR0_S1P) != 0);
	EXPECT_EQ(f->cd2l, SMMU_GET(idr0, IDR0_CD2L) != 0);
	EXPECT_EQ(f->sid_bits, SMMU_GET(idr1, IDR1_SIDSIZE));
	EXPECT_EQ(f->ssid_bits, SMMU_GET(idr1, IDR1_SSIDSIZE));
	EXPECT_EQ(f->sid_bits, 8u);
	EXPECT_EQ(f->ssid_bits, 20u);
	// The SMMU is enabled with both queues, as the driver's reset promised.
	uint32_t ack = r->read32(r->ctx, SMMU_CR0ACK);
	EXPECT_EQ(SMMU_GET(ack, CR0_SMMUEN), 1u);
	EXPECT_EQ(SMMU_GET(ack, CR0_CMDQEN), 1u);
	EXPECT_EQ(SMMU_GET(ack, CR0_EVENTQEN), 1u);
	// Linear stream table covering every StreamID of the attached devices.
	EXPECT_EQ(smmu_strtab_num_sids(smmu), 256u);
}

// Stage 1: a DMA write at the IOVA lands at the physical buffer, a read returns it.
TEST_F(Slice, Stage1TranslatesToMappedPhysicalAddress)
{
	const char msg[] = "translated by stage 1";
	char data[sizeof msg];
	std::memcpy(data, msg, sizeof msg);
	smmusim_dma_result w = dma(kSidS1, kIova + 4096 + 0x80, true, data, sizeof msg);
	ASSERT_EQ(w.status, SMMUSIM_DMA_OK);
	EXPECT_EQ(w.pa, buf.bus + 4096 + 0x80);
	EXPECT_EQ(w.event, 0);
	// The bytes are in memory at the physical address, not at the IOVA.
	char back[sizeof msg] = {};
	ASSERT_EQ(smmusim_mem_read(sim, buf.bus + 4096 + 0x80, back, sizeof back), 0);
	EXPECT_STREQ(back, msg);
	char at_iova[sizeof msg] = {};
	ASSERT_EQ(smmusim_mem_read(sim, kIova + 4096 + 0x80, at_iova, sizeof at_iova), 0);
	EXPECT_STRNE(at_iova, msg);

	char rd[sizeof msg] = {};
	smmusim_dma_result r = dma(kSidS1, kIova + 4096 + 0x80, false, rd, sizeof rd);
	ASSERT_EQ(r.status, SMMUSIM_DMA_OK);
	EXPECT_STREQ(rd, msg);
	EXPECT_TRUE(Drain().empty());
	// And the driver's own page-table walk agrees with the model's.
	EXPECT_EQ(iommu_iova_to_phys(smmu, d_dma, kIova + 4096 + 0x80), buf.bus + 4096 + 0x80);
}

// Bypass: the output address is the input address.
TEST_F(Slice, BypassStreamPassesAddressThrough)
{
	uint32_t v = 0xC0FFEE;
	smmusim_dma_result w = dma(kSidBypass, buf.bus + 0x40, true, &v, sizeof v);
	ASSERT_EQ(w.status, SMMUSIM_DMA_OK);
	EXPECT_EQ(w.pa, buf.bus + 0x40);
	uint32_t back = 0;
	ASSERT_EQ(smmusim_mem_read(sim, buf.bus + 0x40, &back, sizeof back), 0);
	EXPECT_EQ(back, 0xC0FFEEu);
}

// Abort: STE.Config = abort terminates the transaction without an event (IHI 0070 §5.2, STE.Config), and the
// write does not reach memory.
TEST_F(Slice, AbortStreamFaultsWithoutEvent)
{
	uint32_t v = 0xBADBAD;
	smmusim_dma_result w = dma(kSidAbort, buf.bus + 0x100, true, &v, sizeof v);
	EXPECT_EQ(w.status, SMMUSIM_DMA_ABORT);
	uint32_t back = 0;
	ASSERT_EQ(smmusim_mem_read(sim, buf.bus + 0x100, &back, sizeof back), 0);
	EXPECT_EQ(back, 0u);
	EXPECT_TRUE(Drain().empty());
}

// Unmapped: F_TRANSLATION is written to the event queue and the driver decodes it.
TEST_F(Slice, UnmappedAddressRecordsTranslationFault)
{
	uint32_t rd = 0xFFFFFFFF;
	smmusim_dma_result r = dma(kSidS1, kUnmapped + 0x24, false, &rd, sizeof rd);
	EXPECT_EQ(r.status, SMMUSIM_DMA_ABORT); // the driver sets CD.A=1, CD.R=1
	EXPECT_EQ(r.event, EVT_F_TRANSLATION);
	EXPECT_TRUE(r.event_recorded);

	uint32_t w = 1;
	smmusim_dma_result wr = dma(kSidS1, kUnmapped + 0x1000, true, &w, sizeof w);
	EXPECT_EQ(wr.status, SMMUSIM_DMA_ABORT);

	std::vector<smmu_event> evs = Drain();
	ASSERT_EQ(evs.size(), 2u);
	EXPECT_EQ(evs[0].type, EVT_F_TRANSLATION);
	EXPECT_STREQ(smmu_event_name(evs[0].type), "F_TRANSLATION");
	EXPECT_EQ(evs[0].sid, kSidS1);
	EXPECT_EQ(evs[0].input_addr, kUnmapped + 0x24);
	EXPECT_TRUE(evs[0].rnw);
	EXPECT_FALSE(evs[0].ssv);
	EXPECT_FALSE(evs[0].s2);
	EXPECT_EQ(evs[0].class_, EVT_CLASS_IN);
	EXPECT_EQ(evs[1].type, EVT_F_TRANSLATION);
	EXPECT_EQ(evs[1].input_addr, kUnmapped + 0x1000);
	EXPECT_FALSE(evs[1].rnw);
	char line[200];
	smmu_event_format(&evs[0], line, sizeof line);
	EXPECT_NE(std::strstr(line, "F_TRANSLATION"), nullptr) << line;
	// Drained: the queue is empty again (PROD == CONS, both on page 1).
	const smmu_regif *reg = smmusim_regif(sim);
	EXPECT_EQ(reg->read32(reg->ctx, SMMU_EVENTQ_PROD) & 0xFFFFF, reg->read32(reg->ctx, SMMU_EVENTQ_CONS) & 0xFFFFF);
}

// CMD_SYNC completes through the queue: the driver polls CONS through register reads and relax(),
// which are what let simulated time pass, and CONS reaches PROD.
TEST_F(Slice, CmdSyncCompletesByPollingThroughRelax)
{
	const smmu_regif *r = smmusim_regif(sim);
	unsigned long reads_before = counting->reads;
	uint64_t waited_before = counting->cycles_in_relax + counting->cycles_in_reads;
	uint64_t t0 = smmusim_now(sim);
	uint64_t syncs_before = smmu_get_stats(smmu)->syncs;
	ASSERT_EQ(smmu_cmdq_sync(smmu), 0);
	EXPECT_EQ(smmu_get_stats(smmu)->syncs, syncs_before + 1);
	EXPECT_GT(counting->reads, reads_before) << "the driver reads CONS";
	EXPECT_GT(smmusim_now(sim), t0);
	// All the time that passed, passed inside relax() or a register read: the driver never advanced
	// time itself.
	EXPECT_EQ(smmusim_now(sim) - t0, counting->cycles_in_relax + counting->cycles_in_reads - waited_before);
	uint32_t prod = r->read32(r->ctx, SMMU_CMDQ_PROD), cons = r->read32(r->ctx, SMMU_CMDQ_CONS);
	EXPECT_EQ(prod & 0xFFFFF, cons & 0xFFFFF);
	EXPECT_EQ(SMMU_GET(cons, CMDQ_CONS_ERR), CERROR_NONE);
	EXPECT_EQ(smmusim_stat(sim, "cmdq.errors"), 0u);
}

// The driver-visible latency of a CMD_SYNC (docs/timing.md): the SYNC completes D cycles after
// the PROD write (its own cost, or the drain of the translations in flight at an invalidation
// before it). The driver polls: each poll reads CONS, GERROR and GERRORN (a stopped queue never
// drains), each read a round trip RT (smmu.reg_read_cycles; CONS is sampled RT/2 into the poll),
// with a relax() (smmu.relax_cycles) between polls. It returns at k (3 RT + relax) + 3 RT, k the
// first poll whose CONS sample is at or after D.
uint64_t sync_seen(uint64_t d, uint64_t rt = 100, uint64_t relax = 16, unsigned long *polls = nullptr)
{
	uint64_t k = 0;
	while (k * (3 * rt + relax) + rt / 2 < d)
		k++;
	if (polls)
		*polls = k;
	return k * (3 * rt + relax) + 3 * rt;
}

TEST_F(Slice, CmdSyncLatencyIsOneReadRoundTripWhenIdle)
{
	// CMD_SYNC alone: cmd_cycles + cmd_sync_cycles = 6 < RT/2: the first CONS read sees it.
	const uint64_t t0 = smmusim_now(sim);
	const unsigned long relax = counting->relax_calls;
	ASSERT_EQ(smmu_cmdq_sync(smmu), 0);
	EXPECT_EQ(sync_seen(6), smmusim_now(sim) - t0);
	EXPECT_EQ(300u, sync_seen(6));
	EXPECT_EQ(relax, counting->relax_calls);
}

TEST_F(Slice, CmdSyncLatencyIsDrainPlusPollRoundTrips)
{
	// A cold translation is in flight when TLBI_NH_ALL + CMD_SYNC are written: the SYNC completes
	// at 18 + cmdq.sync.drain_cycles after the PROD write, and the driver sees it on its k-th poll.
	struct smmusim_dma d{};
	d.sid = kSidS1;
	d.addr = kIova;
	d.size = 4;
	const uint64_t t0 = smmusim_now(sim);
	ASSERT_EQ(0, smmusim_dma_submit(sim, &d, t0, 1));
	struct smmu_cmd tlbi{};
	tlbi.dw[0] = SMMU_PREP(CMD0_OPCODE, CMD_TLBI_NH_ALL);
	const unsigned long relax = counting->relax_calls;
	ASSERT_EQ(smmu_cmdq_issue_sync(smmu, &tlbi, 1), 0);
	const uint64_t drain = smmusim_stat(sim, "cmdq.sync.drain_cycles");
	EXPECT_GT(drain, 200u) << "the translation's walk is still in flight";
	unsigned long polls = 0;
	EXPECT_EQ(sync_seen(18 + drain, 100, 16, &polls), smmusim_now(sim) - t0);
	EXPECT_EQ(relax + polls, counting->relax_calls);
	smmusim_run(sim, 1000);
	smmusim_dma_result res;
	ASSERT_EQ(1u, smmusim_dma_poll(sim, &res, 1));
}

// Unmapping makes the same DMA fault: the driver's TLBI + SYNC reached the model's TLBs.
TEST_F(Slice, UnmapInvalidatesTranslation)
{
	uint32_t v = 7;
	ASSERT_EQ(dma(kSidS1, kIova, true, &v, sizeof v).status, SMMUSIM_DMA_OK); // fills the TLBs
	ASSERT_EQ(iommu_unmap(smmu, d_dma, kIova, 4096), 4096u);
	smmusim_dma_result r = dma(kSidS1, kIova, true, &v, sizeof v);
	EXPECT_EQ(r.status, SMMUSIM_DMA_ABORT);
	EXPECT_EQ(r.event, EVT_F_TRANSLATION);
	// The second page is still mapped.
	EXPECT_EQ(dma(kSidS1, kIova + 4096, true, &v, sizeof v).status, SMMUSIM_DMA_OK);
}

} // namespace
