// The driver against the SystemC model (integration): DMA through smmusim_dma must be translated
// exactly as the driver mapped it, and never once the range is unmapped. Expected addresses are
// computed here, never read back from the model's state.
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

namespace {

const unsigned long long K = 1024, M = K * K, G = K * M;

class DriverModel : public SimDriverFixture {
protected:
	smmusim_dma_result Dma(uint32_t sid, uint64_t addr, bool write, bool priv = false)
	{
		return SimDriverFixture::Dma(sid, -1, addr, write, 64, nullptr, priv);
	}
	// A new device with StreamID sid, attached to a new domain of the given type.
	void AttachNew(uint32_t sid, smmu_master **m, iommu_domain **d, unsigned type = IOMMU_DOMAIN_DMA)
	{
		ASSERT_EQ(iommu_probe_device(smmu, &sid, 1, m), 0);
		ASSERT_EQ(iommu_domain_alloc(smmu, type, d), 0);
		ASSERT_EQ(iommu_attach_device(smmu, *d, *m), 0);
	}
	// DMA at addr translates to pa (read and write).
	void ExpectTranslated(uint32_t sid, uint64_t addr, uint64_t pa)
	{
		for (bool w : {false, true}) {
			smmusim_dma_result r = Dma(sid, addr, w);
			EXPECT_EQ(r.status, SMMUSIM_DMA_OK) << std::hex << "addr 0x" << addr << (w ? " write" : " read");
			EXPECT_EQ(r.pa, pa) << std::hex << "addr 0x" << addr;
		}
	}
	// DMA at addr is not translated: aborted with F_TRANSLATION recorded.
	void ExpectFault(uint32_t sid, uint64_t addr, uint8_t type = EVT_F_TRANSLATION)
	{
		Drain();
		smmusim_dma_result r = Dma(sid, addr, false);
		EXPECT_NE(r.status, SMMUSIM_DMA_OK) << std::hex << "addr 0x" << addr << " still translated to 0x" << r.pa;
		auto evs = Drain();
		ASSERT_EQ(evs.size(), 1u) << std::hex << "addr 0x" << addr;
		EXPECT_EQ(evs[0].type, type) << smmu_event_name(evs[0].type);
		EXPECT_EQ(evs[0].sid, sid);
		EXPECT_EQ(evs[0].input_addr, addr);
	}
};

} // namespace

TEST_F(DriverModel, ProbeDecodesTheModel)
{
	config = {{"smmu.sidsize", "16"}, {"smmu.asid16", "0"}, {"smmu.oas", "44"}};
	Up();
	const smmu_features *f = smmu_get_features(smmu);
	EXPECT_TRUE(f->s1p);
	EXPECT_EQ(f->sid_bits, 16);
	EXPECT_EQ(f->asid_bits, 8);
	EXPECT_EQ(f->oas_bits, 44);
	EXPECT_TRUE(smmu_strtab_is_2lvl(smmu));
}

TEST_F(DriverModel, MapDmaUnmapNothingTranslatedAfterEveryUnmap)
{
	Up();
	uint32_t sid = 0x42;
	smmu_master *m;
	iommu_domain *d;
	ASSERT_NO_FATAL_FAILURE(AttachNew(sid, &m, &d));
	const int rw = IOMMU_READ | IOMMU_WRITE;
	// pages, a 2 MB block, a 1 GB block
	ASSERT_EQ(iommu_map(smmu, d, 0x10000, 0x80010000, 16 * K, rw), 0);
	ASSERT_EQ(iommu_map(smmu, d, 0x40000000 + 2 * M, 0xC0000000 + 2 * M, 2 * M, rw), 0);
	ASSERT_EQ(iommu_map(smmu, d, 2 * G, 3 * G, G, rw), 0);
	ExpectTranslated(sid, 0x10040, 0x80010040);
	ExpectTranslated(sid, 0x13fc0, 0x80013fc0);
	ExpectTranslated(sid, 0x40000000 + 3 * M + 0x100, 0xC0000000 + 3 * M + 0x100);
	ExpectTranslated(sid, 2 * G + 0x12345640, 3 * G + 0x12345640);
	ExpectFault(sid, 0x14000);

	// data really lands at the output address
	{
		struct smmusim_dma req{};
		req.sid = sid;
		req.addr = 0x11000;
		req.size = 8;
		req.write = true;
		uint64_t v = 0x1122334455667788ULL, back = 0;
		smmusim_dma_result r{};
		ASSERT_EQ(smmusim_dma(sim, &req, &v, &r), 0);
		ASSERT_EQ(r.status, SMMUSIM_DMA_OK);
		ASSERT_EQ(smmusim_mem_read(sim, 0x80011000, &back, 8), 0);
		EXPECT_EQ(back, v);
	}

	// unmap step by step; after each step the unmapped part faults, the rest still translates
	EXPECT_EQ(iommu_unmap(smmu, d, 0x11000, 4 * K), 4 * K);
	ExpectFault(sid, 0x11000);
	ExpectTranslated(sid, 0x10000, 0x80010000);
	ExpectTranslated(sid, 0x12000, 0x80012000);
	// partial unmap of the 2 MB block (the TLB holds the block entry from the DMA above)
	EXPECT_EQ(iommu_unmap(smmu, d, 0x40000000 + 3 * M, 8 * K), 8 * K);
	ExpectFault(sid, 0x40000000 + 3 * M);
	ExpectFault(sid, 0x40000000 + 3 * M + 4 * K + 0x80);
	ExpectTranslated(sid, 0x40000000 + 3 * M + 8 * K, 0xC0000000 + 3 * M + 8 * K);
	ExpectTranslated(sid, 0x40000000 + 2 * M, 0xC0000000 + 2 * M);
	// partial unmap of the 1 GB block
	EXPECT_EQ(iommu_unmap(smmu, d, 2 * G + 512 * M, 2 * M), 2 * M);
	ExpectFault(sid, 2 * G + 512 * M + 0x40);
	ExpectTranslated(sid, 2 * G + 514 * M, 3 * G + 514 * M);
	ExpectTranslated(sid, 2 * G + 510 * M, 3 * G + 510 * M);
	// everything
	EXPECT_EQ(iommu_unmap(smmu, d, 0, 4 * G), 12 * K + 2 * M - 8 * K + G - 2 * M);
	for (uint64_t a : {0x10000ULL, 0x12000ULL, 0x40000000 + 2 * M, 2 * G, 2 * G + 514 * M, 3 * G - 64})
		ExpectFault(sid, a);
	iommu_detach_device(smmu, d, m);
	iommu_domain_free(smmu, d);
	iommu_release_device(smmu, m);
}

// mem.store_visibility = barrier: the driver's stores to its tables and queues reach the SMMU only at
// the regif's write and full barriers, and the SMMU's event records reach the driver only at its
// read and full barriers (regif.h). A barrier missing where the architecture needs one shows: a
// command the SMMU reads before it is visible, a table it walks before its entries are, a record
// read before it is.
TEST_F(DriverModel, StoresReachTheSmmuOnlyAtBarriers)
{
	config = {{"mem.store_visibility", "barrier"}};
	Up();
	uint32_t sid = 0x42;
	smmu_master *m;
	iommu_domain *d;
	ASSERT_NO_FATAL_FAILURE(AttachNew(sid, &m, &d));
	const int rw = IOMMU_READ | IOMMU_WRITE;
	ASSERT_EQ(iommu_map(smmu, d, 0x10000, 0x80010000, 16 * K, rw), 0);
	ASSERT_EQ(iommu_map(smmu, d, 0x40000000 + 2 * M, 0xC0000000 + 2 * M, 2 * M, rw), 0);
	ExpectTranslated(sid, 0x10040, 0x80010040);
	ExpectTranslated(sid, 0x40000000 + 3 * M + 0x100, 0xC0000000 + 3 * M + 0x100);
	ExpectFault(sid, 0x14000);
	EXPECT_EQ(iommu_unmap(smmu, d, 0x11000, 4 * K), 4 * K);
	ExpectFault(sid, 0x11000);
	ExpectTranslated(sid, 0x12000, 0x80012000);
	EXPECT_EQ(iommu_unmap(smmu, d, 0x40000000 + 3 * M, 4 * K), 4 * K); // splits the cached block
	ExpectFault(sid, 0x40000000 + 3 * M);
	ExpectTranslated(sid, 0x40000000 + 3 * M + 4 * K, 0xC0000000 + 3 * M + 4 * K);
	iommu_detach_device(smmu, d, m);
	EXPECT_NE(Dma(sid, 0x10040, false).status, SMMUSIM_DMA_OK) << "detached: blocked";
	EXPECT_EQ(smmu_get_stats(smmu)->cmd_errors, 0u);
	iommu_domain_free(smmu, d);
	iommu_release_device(smmu, m);
}

// A partial unmap of a 2 MB block the TLB holds, with the model advertising each IDR3.BBML level
// (smmu.bbml): the driver splits the block the way that level allows (docs/driver.md), the
// unmapped page faults at once and the rest of the block keeps translating.
class DriverModelBbml : public DriverModel, public ::testing::WithParamInterface<unsigned> {};

TEST_P(DriverModelBbml, PartialUnmapOfACachedBlock)
{
	const unsigned bbml = GetParam();
	config = {{"smmu.bbml", std::to_string(bbml)}};
	Up();
	ASSERT_EQ(smmu_get_features(smmu)->bbml, bbml);
	uint32_t sid = 0x21;
	smmu_master *m;
	iommu_domain *d;
	ASSERT_NO_FATAL_FAILURE(AttachNew(sid, &m, &d));
	const uint64_t va = 0x40000000 + 2 * M, pa = 0xC0000000 + 4 * M, hole = va + 5 * 4 * K;
	ASSERT_EQ(iommu_map(smmu, d, va, pa, 2 * M, IOMMU_READ | IOMMU_WRITE), 0);
	ExpectTranslated(sid, hole + 0x40, pa + 5 * 4 * K + 0x40); // the block is now in the TLB
	uint64_t tlbi_before = smmu_get_stats(smmu)->tlbi_va;
	EXPECT_EQ(iommu_unmap(smmu, d, hole, 4 * K), 4 * K);
	EXPECT_EQ(smmu_get_stats(smmu)->tlbi_va - tlbi_before, bbml < 2 ? 2u : 1u)
		<< "levels 0 and 1 invalidate the block before the table goes in";
	ExpectFault(sid, hole);
	ExpectFault(sid, hole + 4 * K - 64);
	for (uint64_t off : {0ULL, 4 * 4 * K + 0x80, 6 * 4 * K, 2 * M - 64})
		ExpectTranslated(sid, va + off, pa + off);
	EXPECT_EQ(iommu_iova_to_phys(smmu, d, va + 2 * M - 1), pa + 2 * M - 1);
}

INSTANTIATE_TEST_SUITE_P(Levels, DriverModelBbml, ::testing::Values(0u, 1u, 2u));

TEST_F(DriverModel, PermissionsAreEnforced)
{
	Up();
	uint32_t sid = 7;
	smmu_master *m;
	iommu_domain *d;
	ASSERT_NO_FATAL_FAILURE(AttachNew(sid, &m, &d, IOMMU_DOMAIN_UNMANAGED));
	ASSERT_EQ(iommu_map(smmu, d, 0x100000, 0x900000, 4 * K, IOMMU_READ), 0);
	ASSERT_EQ(iommu_map(smmu, d, 0x200000, 0xA00000, 4 * K, IOMMU_READ | IOMMU_WRITE | IOMMU_PRIV), 0);
	Drain();
	EXPECT_EQ(Dma(sid, 0x100000, false).status, SMMUSIM_DMA_OK);
	EXPECT_NE(Dma(sid, 0x100000, true).status, SMMUSIM_DMA_OK) << "write to a read-only mapping";
	EXPECT_NE(Dma(sid, 0x200000, false, false).status, SMMUSIM_DMA_OK) << "unprivileged access to a PRIV mapping";
	EXPECT_EQ(Dma(sid, 0x200000, true, true).status, SMMUSIM_DMA_OK);
	auto evs = Drain();
	ASSERT_EQ(evs.size(), 2u);
	EXPECT_EQ(evs[0].type, EVT_F_PERMISSION);
	EXPECT_FALSE(evs[0].rnw);
	EXPECT_EQ(evs[1].type, EVT_F_PERMISSION);
	char line[200];
	smmu_event_format(&evs[0], line, sizeof line);
	EXPECT_NE(std::string(line).find("F_PERMISSION"), std::string::npos) << line;
}

TEST_F(DriverModel, IdentityBlockedAndSparseTwoLevelSids)
{
	Up(); // default: 24 SID bits, 2-level stream table
	ASSERT_TRUE(smmu_strtab_is_2lvl(smmu));
	uint32_t sids[] = {0, 0x1234, 0x800000, 0xFFFFFF};
	iommu_domain *id, *blk;
	ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_IDENTITY, &id), 0);
	ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_BLOCKED, &blk), 0);
	std::vector<smmu_master *> ms;
	for (uint32_t sid : sids) {
		smmu_master *m;
		ASSERT_EQ(iommu_probe_device(smmu, &sid, 1, &m), 0);
		ms.push_back(m);
		EXPECT_NE(Dma(sid, 0x5000, false).status, SMMUSIM_DMA_OK) << "a new device is blocked";
		ASSERT_EQ(iommu_attach_device(smmu, id, m), 0);
		smmusim_dma_result r = Dma(sid, 0x5040, true);
		EXPECT_EQ(r.status, SMMUSIM_DMA_OK) << std::hex << sid;
		EXPECT_EQ(r.pa, 0x5040u);
	}
	// a StreamID nobody added: its level-2 table does not exist -> C_BAD_STREAMID
	Drain();
	EXPECT_NE(Dma(0x400000, 0x5000, false).status, SMMUSIM_DMA_OK);
	auto evs = Drain();
	ASSERT_EQ(evs.size(), 1u);
	EXPECT_EQ(evs[0].type, EVT_C_BAD_STREAMID);
	// identity -> blocked
	iommu_detach_device(smmu, id, ms[1]);
	ASSERT_EQ(iommu_attach_device(smmu, blk, ms[1]), 0);
	EXPECT_NE(Dma(sids[1], 0x5000, false).status, SMMUSIM_DMA_OK);
	EXPECT_EQ(Dma(sids[2], 0x5000, false).status, SMMUSIM_DMA_OK);
}

TEST_F(DriverModel, SharedDomainAndSteUpdatesAreHitless)
{
	Up();
	uint32_t a[] = {0x100, 0x101}, b = 0x300;
	smmu_master *ma, *mb;
	iommu_domain *d, *id;
	ASSERT_EQ(iommu_probe_device(smmu, a, 2, &ma), 0);
	ASSERT_EQ(iommu_probe_device(smmu, &b, 1, &mb), 0);
	ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &d), 0);
	ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_IDENTITY, &id), 0);
	ASSERT_EQ(iommu_map(smmu, d, 0x7000, 0x123000, 4 * K, IOMMU_READ | IOMMU_WRITE), 0);
	ASSERT_EQ(iommu_attach_device(smmu, d, ma), 0);
	ASSERT_EQ(iommu_attach_device(smmu, d, mb), 0);
	for (uint32_t sid : {a[0], a[1], b})
		ExpectTranslated(sid, 0x7008, 0x123008);
	EXPECT_EQ(iommu_unmap(smmu, d, 0x7000, 4 * K), 4 * K);
	for (uint32_t sid : {a[0], a[1], b})
		ExpectFault(sid, 0x7000);
	smmu_clear_stats(smmu);
	iommu_detach_device(smmu, d, mb);
	ASSERT_EQ(iommu_attach_device(smmu, id, mb), 0);
	EXPECT_EQ(smmu_get_stats(smmu)->entry_breaking, 0u);
	EXPECT_EQ(Dma(b, 0x7000, false).pa, 0x7000u);
}

TEST_F(DriverModel, CommandErrorInABatchIsRecovered)
{
	Up();
	smmu_cmd cmds[6];
	for (int i = 0; i < 6; i++)
		cmds[i] = smmu_cmd_cfgi_ste((uint32_t)i, true);
	cmds[3].dw[0] = 0x7E; // reserved opcode: CERROR_ILL
	EXPECT_EQ(smmu_cmdq_issue_sync(smmu, cmds, 6), -EIO);
	EXPECT_EQ(smmu_get_stats(smmu)->cmd_errors, 1u);
	EXPECT_EQ(smmu_get_stats(smmu)->last_cmd_error, CERROR_ILL);
	EXPECT_EQ(smmu_cmdq_sync(smmu), 0) << "the queue must keep working";
	// and translation still works afterwards
	uint32_t sid = 9;
	smmu_master *m;
	iommu_domain *d;
	ASSERT_NO_FATAL_FAILURE(AttachNew(sid, &m, &d));
	ASSERT_EQ(iommu_map(smmu, d, 0x1000, 0x2000, 4 * K, IOMMU_READ | IOMMU_WRITE), 0);
	ExpectTranslated(sid, 0x1000, 0x2000);
}

TEST_F(DriverModel, QueueWrapsOverThousandsOfCommands)
{
	opts.cmdq_log2size = 7;
	Up();
	std::vector<smmu_cmd> cmds;
	for (int i = 0; i < 5000; i++)
		cmds.push_back(smmu_cmd_tlbi_nh_va(1, (uint64_t)i << 12, true));
	for (size_t off = 0; off < cmds.size(); off += 500)
		ASSERT_EQ(smmu_cmdq_issue_sync(smmu, &cmds[off], 500), 0);
	EXPECT_GT(smmu_get_stats(smmu)->queue_full_waits, 0u);
	EXPECT_EQ(smmu_get_stats(smmu)->cmd_errors, 0u);
}

TEST_F(DriverModel, AllocationFailuresUnwindWithoutLeaks)
{
	Up();
	uint64_t base = smmusim_stat(sim, "mem.dma_bytes");
	uint32_t sids[] = {0x20, 0x30000};
	int successes = 0;
	for (long long n = 0; n < 100 && !successes; n++) {
		smmusim_fail_alloc_after(sim, n);
		smmu_master *m = nullptr;
		iommu_domain *d = nullptr;
		int ret = iommu_probe_device(smmu, sids, 2, &m);
		if (!ret)
			ret = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &d);
		if (!ret)
			ret = iommu_attach_device(smmu, d, m);
		if (!ret)
			ret = iommu_map(smmu, d, 0x3FE000, 0x1000000 - 0x2000, 2 * M + 16 * K, IOMMU_READ | IOMMU_WRITE);
		smmusim_fail_alloc_after(sim, -1);
		if (ret) {
			EXPECT_EQ(ret, -ENOMEM) << n;
			if (m) {
				EXPECT_NE(Dma(sids[0], 0x3FE000, false).status, SMMUSIM_DMA_OK) << "failed attach/map translates, n=" << n;
			}
		} else {
			successes++;
			ExpectTranslated(sids[1], 0x400000 + 5 * 64, 0x1000000 + 5 * 64);
		}
		if (d)
			iommu_domain_free(smmu, d);
		if (m)
			iommu_release_device(smmu, m);
		Drain();
	}
	EXPECT_EQ(successes, 1);
	// level-2 stream tables stay (they are shared); everything else must be back
	uint64_t l2 = 2 * (64u << 8);
	EXPECT_EQ(smmusim_stat(sim, "mem.dma_bytes"), base + l2);
}

// Without range invalidation (IDR3.RIL=0) and with the 16 KB and 64 KB granules.
TEST_F(DriverModel, LargeGranulesWithoutRil)
{
	config = {{"smmu.ril", "0"}};
	Up();
	ASSERT_FALSE(smmu_get_features(smmu)->ril);
	uint32_t sid = 0x77;
	smmu_master *m;
	ASSERT_EQ(iommu_probe_device(smmu, &sid, 1, &m), 0);
	for (uint32_t granule : {16384u, 65536u}) {
		iommu_domain *d;
		iommu_domain_params p = {IOMMU_DOMAIN_DMA, granule, 0};
		ASSERT_EQ(iommu_domain_alloc_params(smmu, &p, &d), 0);
		ASSERT_EQ(iommu_attach_device(smmu, d, m), 0);
		uint64_t block = granule == 16384 ? 32 * M : 512 * M;
		ASSERT_EQ(iommu_map(smmu, d, block, 2 * block, block, IOMMU_READ | IOMMU_WRITE), 0);
		ASSERT_EQ(iommu_map(smmu, d, granule, 0x800000, 2 * granule, IOMMU_READ | IOMMU_WRITE), 0);
		ExpectTranslated(sid, block + 0x1240, 2 * block + 0x1240);
		ExpectTranslated(sid, 2 * granule + 0x40, 0x800000 + granule + 0x40);
		EXPECT_EQ(iommu_unmap(smmu, d, block + 3 * granule, granule), granule);
		ExpectFault(sid, block + 3 * granule + 0x100);
		ExpectTranslated(sid, block + 4 * granule, 2 * block + 4 * granule);
		EXPECT_EQ(iommu_unmap(smmu, d, granule, granule), granule);
		ExpectFault(sid, granule);
		ExpectTranslated(sid, 2 * granule, 0x800000 + granule);
		iommu_detach_device(smmu, d, m);
		iommu_domain_free(smmu, d);
	}
}

TEST_F(DriverModel, EventQueueOverflowIsReportedAndAcknowledged)
{
	opts.evtq_log2size = 3; // 8 records
	Up();
	uint32_t sid = 0x55;
	smmu_master *m;
	iommu_domain *d;
	ASSERT_NO_FATAL_FAILURE(AttachNew(sid, &m, &d));
	// 12 distinct faults into an 8-entry queue: 4 are lost
	for (int i = 0; i < 12; i++)
		EXPECT_NE(Dma(sid, 0x100000 + (uint64_t)i * 4096, false).status, SMMUSIM_DMA_OK);
	auto evs = Drain();
	EXPECT_EQ(evs.size(), 8u);
	for (size_t i = 0; i < evs.size(); i++) {
		EXPECT_EQ(evs[i].type, EVT_F_TRANSLATION);
		EXPECT_EQ(evs[i].input_addr, 0x100000 + i * 4096);
	}
	EXPECT_EQ(smmu_get_stats(smmu)->evtq_overflows, 1u);
	// acknowledged: the next fault is recorded and no new overflow is reported
	EXPECT_NE(Dma(sid, 0x900000, false).status, SMMUSIM_DMA_OK);
	evs = Drain();
	ASSERT_EQ(evs.size(), 1u);
	EXPECT_EQ(evs[0].input_addr, 0x900000u);
	EXPECT_EQ(smmu_get_stats(smmu)->evtq_overflows, 1u);
}

TEST_F(DriverModel, RefusesAModelItCannotDrive)
{
	config = {{"smmu.cmdqs", "6"}};
	CreateSim();
	char err[256] = "";
	EXPECT_EQ(smmusim_system_probe(&sys, nullptr, nullptr, err, sizeof err), -ENODEV);
	EXPECT_STREQ(err, "smmu_probe: No such device");
	EXPECT_EQ(sys.smmu, nullptr);
	EXPECT_EQ(smmusim_stat(sim, "mem.dma_bytes"), 0u) << "refusal leaked memory";
}
