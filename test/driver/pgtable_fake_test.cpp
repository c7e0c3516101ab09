// Stage-1 page tables and unmap invalidation against the fake SMMU: descriptors are checked by a
// software walk of the real tables (not the driver's shadow), TLBI commands by what the fake
// consumed. Plus the allocation-failure sweep over the whole bring-up/attach/map path.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "fake_smmu.hpp"

extern "C" {
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

namespace {

struct PtEnv {
	FakeSmmu fake;
	struct smmu_options opts = {};
	struct smmu_device *smmu = nullptr;
	struct iommu_domain *d = nullptr;
	unsigned gshift = 12;

	void up(uint32_t granule = 0, bool ril = false)
	{
		if (ril)
			fake.idr[3] |= (uint32_t)SMMU_PREP(IDR3_RIL, 1);
		ASSERT_EQ(smmu_probe(fake.regif(), &opts, &smmu), 0);
		ASSERT_EQ(smmu_reset(smmu), 0);
		struct iommu_domain_params p = {IOMMU_DOMAIN_UNMANAGED, granule, 0};
		ASSERT_EQ(iommu_domain_alloc_params(smmu, &p, &d), 0);
		gshift = granule ? (unsigned)__builtin_ctz(granule) : 12;
	}
	~PtEnv()
	{
		if (smmu)
			smmu_remove(smmu);
	}
	uint64_t walk(uint64_t iova, uint64_t *pte = nullptr)
	{
		return soft_walk(iommu_domain_ttb(d), gshift, 48, iova, pte);
	}
	// The descriptor translating iova at `level` (the levels above must hold tables).
	const volatile uint64_t *desc(uint64_t iova, unsigned level)
	{
		unsigned bpl = gshift - 3, start = 4 - (48 - gshift + bpl - 1) / bpl;
		uint64_t table = iommu_domain_ttb(d);
		for (unsigned l = start;; l++) {
			unsigned shift = gshift + (3 - l) * bpl, bits = l == start ? 48 - shift : bpl;
			const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)table + ((iova >> shift) & ((1ULL << bits) - 1));
			if (l == level)
				return p;
			table = SMMU_GET(*p, PTE_OA) << 12;
		}
	}
	std::vector<FakeCmd> cmds_since(size_t from, uint8_t op)
	{
		std::vector<FakeCmd> v;
		for (size_t i = from; i < fake.executed.size(); i++)
			if (fake.executed[i].opcode() == op)
				v.push_back(fake.executed[i]);
		return v;
	}
};

const unsigned long long K = 1024, M = K * K, G = K * M;

} // namespace

TEST(DriverPgtable, MapPagesAndBlocksAndWalk)
{
	PtEnv e;
	e.up();
	// 4 KB pages, a 2 MB block and a 1 GB block where alignment allows
	ASSERT_EQ(iommu_map(e.smmu, e.d, 0x1000, 0x80001000, 3 * 4 * K, IOMMU_READ | IOMMU_WRITE), 0);
	ASSERT_EQ(iommu_map(e.smmu, e.d, 0x40000000 + 2 * M, 0x200000000ULL + 2 * M, 2 * M, IOMMU_READ), 0);
	ASSERT_EQ(iommu_map(e.smmu, e.d, 4 * G, 0x100000000ULL, G, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE), 0);
	// unaligned PA: pages only, although the IOVA is 2 MB aligned
	ASSERT_EQ(iommu_map(e.smmu, e.d, 0x80000000ULL, 0x300001000ULL, 2 * M, IOMMU_READ), 0);
	uint64_t pte = 0;
	EXPECT_EQ(e.walk(0x2abc, &pte), 0x80002abcULL);
	EXPECT_EQ(pte & 3, 3u) << "page descriptor";
	EXPECT_EQ(e.walk(0x40000000 + 2 * M + 0x12345, &pte), 0x200000000ULL + 2 * M + 0x12345);
	EXPECT_EQ(pte & 3, 1u) << "2 MB block descriptor";
	EXPECT_EQ(e.walk(4 * G + 0x3456789, &pte), 0x100000000ULL + 0x3456789);
	EXPECT_EQ(pte & 3, 1u) << "1 GB block descriptor";
	EXPECT_EQ(SMMU_GET(pte, PTE_ATTRINDX), MAIR_IDX_CACHE);
	EXPECT_EQ(SMMU_GET(pte, PTE_SH), SMMU_SH_ISH);
	EXPECT_EQ(e.walk(0x80000000ULL + 0x101234, &pte), 0x300001000ULL + 0x101234);
	EXPECT_EQ(pte & 3, 3u);
	EXPECT_EQ(e.walk(0x4000), ~0ULL);
	for (unsigned long long va : {0x1000ULL, 0x3fffULL, 0x40000000ULL + 3 * M, 4 * G + G - 1})
		EXPECT_EQ(iommu_iova_to_phys(e.smmu, e.d, va), e.walk(va)) << std::hex << va;
	EXPECT_EQ(iommu_iova_to_phys(e.smmu, e.d, 0x4000), 0u);
	EXPECT_EQ(iommu_map(e.smmu, e.d, 0x2000, 0x5000, 4 * K, IOMMU_READ), -EEXIST);
	EXPECT_EQ(iommu_map(e.smmu, e.d, 4 * G + 2 * M, 0x5000, 4 * K, IOMMU_READ), -EEXIST) << "inside a block";
	EXPECT_EQ(e.walk(0x2000), 0x80002000ULL) << "a failed map changed an existing mapping";
	EXPECT_EQ(iommu_map(e.smmu, e.d, 0x1800, 0x5000, 4 * K, IOMMU_READ), -EINVAL);
	EXPECT_EQ(iommu_map(e.smmu, e.d, 1ULL << 48, 0x5000, 4 * K, IOMMU_READ), -ERANGE);
	EXPECT_EQ(iommu_map(e.smmu, e.d, 0x9000, 1ULL << 48, 4 * K, IOMMU_READ), -ERANGE);
	EXPECT_EQ(iommu_map(e.smmu, e.d, 0x9000, 0x9000, 4 * K, 0), 0) << "no READ/WRITE maps nothing";
	EXPECT_EQ(e.walk(0x9000), ~0ULL);
}

TEST(DriverPgtable, PermissionAndAttributeBits)
{
	PtEnv e;
	e.up();
	struct {
		int prot;
		bool ap2, ap1, xn;
		unsigned idx, sh;
	} cases[] = {
		{IOMMU_READ, true, true, false, MAIR_IDX_NC, SMMU_SH_OSH},
		{IOMMU_READ | IOMMU_WRITE, false, true, false, MAIR_IDX_NC, SMMU_SH_OSH},
		{IOMMU_READ | IOMMU_PRIV, true, false, false, MAIR_IDX_NC, SMMU_SH_OSH},
		{IOMMU_WRITE | IOMMU_NOEXEC, false, true, true, MAIR_IDX_NC, SMMU_SH_OSH},
		{IOMMU_READ | IOMMU_CACHE, true, true, false, MAIR_IDX_CACHE, SMMU_SH_ISH},
		{IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO, false, true, false, MAIR_IDX_DEV, SMMU_SH_OSH},
	};
	uint64_t va = 0x10000;
	for (auto &c : cases) {
		ASSERT_EQ(iommu_map(e.smmu, e.d, va, va, 4 * K, c.prot), 0);
		uint64_t pte = 0;
		ASSERT_EQ(e.walk(va, &pte), va);
		EXPECT_EQ(SMMU_GET(pte, PTE_AP2), (uint64_t)c.ap2) << c.prot;
		EXPECT_EQ(SMMU_GET(pte, PTE_AP1), (uint64_t)c.ap1) << c.prot;
		EXPECT_EQ(SMMU_GET(pte, PTE_PXN), (uint64_t)c.xn) << c.prot;
		EXPECT_EQ(SMMU_GET(pte, PTE_UXN), (uint64_t)c.xn) << c.prot;
		EXPECT_EQ(SMMU_GET(pte, PTE_ATTRINDX), c.idx) << c.prot;
		EXPECT_EQ(SMMU_GET(pte, PTE_SH), c.sh) << c.prot;
		EXPECT_TRUE(SMMU_GET(pte, PTE_AF));
		EXPECT_TRUE(SMMU_GET(pte, PTE_NG));
		va += 4 * K;
	}
}

TEST(DriverPgtable, PartialUnmapSplitsBlocksAndFreesTables)
{
	for (unsigned bbml : {0u, 1u, 2u}) {
	SCOPED_TRACE("BBML=" + std::to_string(bbml));
	PtEnv e;
	e.fake.idr[3] |= (uint32_t)SMMU_PREP(IDR3_BBML, bbml);
	e.up();
	size_t base_allocs = e.fake.live.size();
	ASSERT_EQ(iommu_map(e.smmu, e.d, G, 0x40000000, G, IOMMU_READ | IOMMU_WRITE), 0);
	size_t before = e.fake.executed.size();
	// a hole of 12 KB in the middle of the 1 GB block: 1 GB -> 2 MB blocks -> 4 KB pages
	EXPECT_EQ(iommu_unmap(e.smmu, e.d, G + 5 * M + 8 * K, 12 * K), 12 * K);
	for (unsigned long long off : {0ULL, 5 * M + 4 * K, 5 * M + 20 * K, 6 * M, G - 1})
		EXPECT_EQ(e.walk(G + off), 0x40000000 + off) << std::hex << off;
	for (unsigned long long off : {5 * M + 8 * K, 5 * M + 12 * K, 5 * M + 16 * K + 4095})
		EXPECT_EQ(e.walk(G + off), ~0ULL) << std::hex << off;
	uint64_t pte = 0;
	e.walk(G + 6 * M, &pte);
	EXPECT_EQ(pte & 3, 1u) << "the untouched 2 MB stays a block";
	auto tlbi = e.cmds_since(before, CMD_TLBI_NH_VA);
	// BBML 0 and 1 invalidate each block before its table goes in: the 1 GB, then the 2 MB one
	size_t bbm = bbml < 2 ? 2 : 0;
	ASSERT_EQ(tlbi.size(), bbm + 3);
	if (bbm) {
		EXPECT_EQ(SMMU_GET(tlbi[0].dw1, CMD1_ADDR) << 12, G);
		EXPECT_EQ(SMMU_GET(tlbi[1].dw1, CMD1_ADDR) << 12, G + 4 * M);
	}
	for (size_t i = 0; i < 3; i++) {
		EXPECT_EQ(SMMU_GET(tlbi[bbm + i].dw1, CMD1_ADDR) << 12, G + 5 * M + 8 * K + i * 4 * K);
		EXPECT_TRUE(SMMU_GET(tlbi[bbm + i].dw1, CMD1_LEAF));
		EXPECT_EQ(SMMU_GET(tlbi[bbm + i].dw0, CMD0_ASID), iommu_domain_asid(e.d));
	}
	EXPECT_EQ(e.fake.executed.back().opcode(), CMD_SYNC);
	// unmap everything: the split tables become empty and are freed after a non-leaf invalidation
	before = e.fake.executed.size();
	EXPECT_EQ(iommu_unmap(e.smmu, e.d, G, G), G - 12 * K);
	EXPECT_EQ(e.walk(G + 6 * M), ~0ULL);
	EXPECT_EQ(e.fake.live.size(), base_allocs) << "empty tables not freed";
	auto asid = e.cmds_since(before, CMD_TLBI_NH_ASID);
	EXPECT_EQ(asid.size(), 1u) << "large unmaps invalidate the ASID";
	EXPECT_EQ(e.fake.executed.back().opcode(), CMD_SYNC);
	EXPECT_EQ(iommu_unmap(e.smmu, e.d, G, G), 0u) << "nothing left";
	}
}

// Splitting a valid 2 MB block on a partial unmap, per IDR3.BBML (IHI 0070 §3.21.1.1-3). The fake
// snapshots the level-2 descriptor as each command executes, so the order of stores relative to
// TLBI + CMD_SYNC is checked, not assumed:
//   0: invalid, TLBI of the block + SYNC, then the table;
//   1: the block with nT=1, TLBI of the block + SYNC, then the table;
//   2: the table at once, no command before it.
// And the unmap's TLBI may carry a TTL only for what may be cached: after a split without
// break-before-make the TLB may hold the old level-2 block as well as level-3 pages (TTL 0);
// after break-before-make only level-3 pages (TTL 3) (IHI 0070 §4.4.1.1).
TEST(DriverPgtable, BlockSplitFollowsBbmlAndTtlCoversTheCachedBlock)
{
	for (bool ril : {false, true})
		for (unsigned bbml : {0u, 1u, 2u}) {
			SCOPED_TRACE("BBML=" + std::to_string(bbml) + (ril ? " RIL" : ""));
			PtEnv e;
			e.fake.idr[3] |= (uint32_t)SMMU_PREP(IDR3_BBML, bbml);
			e.up(0, ril);
			const uint64_t va = 0x40000000 + 2 * M, pa = 0x80000000ULL + 4 * M, hole = va + 5 * 4 * K;
			ASSERT_EQ(iommu_map(e.smmu, e.d, va, pa, 2 * M, IOMMU_READ | IOMMU_WRITE), 0);
			const volatile uint64_t *l2 = e.desc(va, 2);
			const uint64_t block = *l2;
			ASSERT_EQ(block & 3, 1u) << "a 2 MB block";
			struct Seen {
				FakeCmd cmd;
				uint64_t l2;
			};
			std::vector<Seen> seen;
			e.fake.on_exec = [&](const FakeCmd &c) { seen.push_back({c, *l2}); };
			ASSERT_EQ(iommu_unmap(e.smmu, e.d, hole, 4 * K), 4 * K);
			e.fake.on_exec = nullptr;

			EXPECT_EQ(*l2 & 3, 3u) << "a table now";
			EXPECT_EQ(e.walk(hole), ~0ULL);
			for (uint64_t off : {0ULL, 4 * 4 * K, 6 * 4 * K, 2 * M - 1})
				EXPECT_EQ(e.walk(va + off), pa + off);
			std::vector<Seen> tlbi;
			for (size_t i = 0; i < seen.size(); i++)
				if (seen[i].cmd.opcode() == CMD_TLBI_NH_VA) {
					tlbi.push_back(seen[i]);
					ASSERT_LT(i + 1, seen.size());
				}
			ASSERT_EQ(tlbi.size(), bbml < 2 ? 2u : 1u);
			size_t u = tlbi.size() - 1; // the unmap's own invalidation
			if (bbml < 2) {
				const Seen &b = tlbi[0];
				EXPECT_EQ(SMMU_GET(b.cmd.dw1, CMD1_ADDR) << 12, va) << "the block's invalidation";
				EXPECT_TRUE(SMMU_GET(b.cmd.dw1, CMD1_LEAF));
				EXPECT_EQ(b.l2, bbml == 0 ? 0 : block | SMMU_PREP(PTE_NT, 1))
					<< std::hex << "descriptor while the block is invalidated: 0x" << b.l2;
				// the SYNC right after it sees the same descriptor: the table waits for it
				ASSERT_EQ(seen[1].cmd.opcode(), CMD_SYNC);
				EXPECT_EQ(seen[0].cmd.dw1, b.cmd.dw1);
				EXPECT_EQ(seen[1].l2, b.l2) << "the table was written before the SYNC completed";
				if (ril) {
					EXPECT_EQ(SMMU_GET(b.cmd.dw1, CMD1_TLBI_TTL), 2u) << "the block came from a level-2 walk";
					EXPECT_EQ(SMMU_GET(b.cmd.dw1, CMD1_TLBI_TG), 1u);
					EXPECT_EQ((SMMU_GET(b.cmd.dw0, CMD0_TLBI_NUM) + 1) << SMMU_GET(b.cmd.dw0, CMD0_TLBI_SCALE), 512u)
						<< "covers the block";
				}
			}
			const Seen &un = tlbi[u];
			EXPECT_EQ(SMMU_GET(un.cmd.dw1, CMD1_ADDR) << 12, hole);
			EXPECT_EQ(un.l2 & 3, 3u) << "the unmap's TLBI runs after the table is in";
			if (ril) {
				EXPECT_EQ(SMMU_GET(un.cmd.dw1, CMD1_TLBI_TTL), bbml == 0 ? 3u : 0u)
					<< "TTL must cover what may be cached (the level-2 block too), not only the new level-3 leaf";
			}
			EXPECT_EQ(seen.back().cmd.opcode(), CMD_SYNC);
		}
}

TEST(DriverPgtable, FreedTableNeedsNonLeafInvalidation)
{
	for (bool ril : {false, true}) {
		PtEnv e;
		e.up(0, ril);
		ASSERT_EQ(iommu_map(e.smmu, e.d, 0x200000, 0x1000000, 8 * K, IOMMU_READ), 0);
		size_t before = e.fake.executed.size();
		EXPECT_EQ(iommu_unmap(e.smmu, e.d, 0x200000, 4 * K), 4 * K);
		auto t = e.cmds_since(before, CMD_TLBI_NH_VA);
		ASSERT_EQ(t.size(), 1u);
		EXPECT_TRUE(SMMU_GET(t[0].dw1, CMD1_LEAF)) << "table still in use: leaf-only";
		before = e.fake.executed.size();
		EXPECT_EQ(iommu_unmap(e.smmu, e.d, 0x201000, 4 * K), 4 * K);
		t = e.cmds_since(before, CMD_TLBI_NH_VA);
		auto a = e.cmds_since(before, CMD_TLBI_NH_ASID);
		// the tables below the root became empty and were freed: walk caches must go too
		if (ril) {
			ASSERT_FALSE(t.empty());
			EXPECT_TRUE(a.empty());
			for (auto &c : t) {
				EXPECT_FALSE(SMMU_GET(c.dw1, CMD1_LEAF));
				EXPECT_EQ(SMMU_GET(c.dw1, CMD1_ADDR) << 12, 0u) << "covers the freed 512 GB table";
			}
		} else {
			EXPECT_TRUE(t.empty());
			EXPECT_EQ(a.size(), 1u) << "beyond 128 pages without RIL: TLBI_NH_ASID";
		}
		EXPECT_EQ(e.fake.executed.back().opcode(), CMD_SYNC);
	}
}

TEST(DriverPgtable, RangeInvalidationWithRil)
{
	PtEnv e;
	e.up(0, true);
	ASSERT_EQ(iommu_map(e.smmu, e.d, 0x100000, 0x100000, 300 * 4 * K, IOMMU_READ), 0);
	size_t before = e.fake.executed.size();
	EXPECT_EQ(iommu_unmap(e.smmu, e.d, 0x101000, 75 * 4 * K), 75 * 4 * K);
	auto t = e.cmds_since(before, CMD_TLBI_NH_VA);
	EXPECT_EQ(e.cmds_since(before, CMD_TLBI_NH_ASID).size(), 0u);
	ASSERT_GE(t.size(), 1u);
	uint64_t covered = 0, next = 0x101000;
	for (auto &c : t) {
		uint64_t addr = SMMU_GET(c.dw1, CMD1_ADDR) << 12;
		EXPECT_EQ(addr, next);
		uint64_t tg = SMMU_GET(c.dw1, CMD1_TLBI_TG);
		uint64_t pages = tg ? (SMMU_GET(c.dw0, CMD0_TLBI_NUM) + 1) << SMMU_GET(c.dw0, CMD0_TLBI_SCALE) : 1;
		if (tg) {
			EXPECT_EQ(tg, 1u) << "4 KB granule";
			EXPECT_EQ(SMMU_GET(c.dw1, CMD1_TLBI_TTL), 3u) << "only level-3 leaves were removed";
			EXPECT_FALSE(SMMU_GET(c.dw0, CMD0_TLBI_NUM) == 0 && SMMU_GET(c.dw0, CMD0_TLBI_SCALE) == 0 &&
				     SMMU_GET(c.dw1, CMD1_TLBI_TTL) == 0)
				<< "reserved range encoding";
		}
		covered += pages;
		next += pages * 4 * K;
	}
	EXPECT_EQ(covered, 75u);
	EXPECT_LE(t.size(), 4u) << "range commands should be few";
	// a single page: NUM = SCALE = 0 is legal only with a TTL hint
	before = e.fake.executed.size();
	EXPECT_EQ(iommu_unmap(e.smmu, e.d, 0x100000, 4 * K), 4 * K);
	t = e.cmds_since(before, CMD_TLBI_NH_VA);
	ASSERT_EQ(t.size(), 1u);
	EXPECT_EQ(SMMU_GET(t[0].dw1, CMD1_TLBI_TG), 1u);
	EXPECT_EQ(SMMU_GET(t[0].dw1, CMD1_TLBI_TTL), 3u);
	EXPECT_EQ(SMMU_GET(t[0].dw0, CMD0_TLBI_NUM), 0u);
	EXPECT_EQ(SMMU_GET(t[0].dw0, CMD0_TLBI_SCALE), 0u);
}

TEST(DriverPgtable, Granules16kAnd64k)
{
	for (uint32_t granule : {16384u, 65536u}) {
		PtEnv e;
		e.up(granule);
		uint64_t block = granule == 16384 ? 32 * M : 512 * M;
		ASSERT_EQ(iommu_map(e.smmu, e.d, block, 4 * block, block, IOMMU_READ), 0);
		ASSERT_EQ(iommu_map(e.smmu, e.d, granule, 0x7000000, 3 * granule, IOMMU_READ), 0);
		uint64_t pte = 0;
		EXPECT_EQ(e.walk(block + 123456, &pte), 4 * block + 123456);
		EXPECT_EQ(pte & 3, 1u);
		EXPECT_EQ(e.walk(2 * granule + 5, &pte), 0x7000000 + granule + 5);
		EXPECT_EQ(pte & 3, 3u);
		EXPECT_EQ(iommu_map(e.smmu, e.d, 0x1000, 0x1000, 4096, IOMMU_READ), -EINVAL);
		EXPECT_EQ(iommu_unmap(e.smmu, e.d, block + granule, granule), granule);
		EXPECT_EQ(e.walk(block + granule), ~0ULL);
		EXPECT_EQ(e.walk(block + 2 * granule), 4 * block + 2 * granule);
		EXPECT_EQ(e.walk(block), 4 * block);
		EXPECT_EQ(iommu_iova_to_phys(e.smmu, e.d, block + 3 * granule + 7), 4 * block + 3 * granule + 7);
	}
}

TEST(DriverPgtable, CdCarriesGranuleAndIas)
{
	PtEnv e;
	e.up(65536);
	uint32_t sid = 9;
	struct smmu_master *m;
	ASSERT_EQ(iommu_probe_device(e.smmu, &sid, 1, &m), 0);
	ASSERT_EQ(iommu_attach_device(e.smmu, e.d, m), 0);
	const uint64_t *ste = smmu_ste_ptr(e.smmu, sid);
	const uint64_t *cd = (const uint64_t *)(uintptr_t)(SMMU_GET(ste[0], STE0_S1CONTEXTPTR) << 6);
	EXPECT_EQ(SMMU_GET(cd[0], CD0_TG0), CD_TG0_64K);
	EXPECT_EQ(SMMU_GET(cd[0], CD0_T0SZ), 16u);
}

// Every allocation in bring-up + device add + domain alloc + attach + map fails in turn; each
// failure must come back as -ENOMEM and, after smmu_remove(), nothing may be left allocated.
// Attach failures must leave the STEs as they were (abort).
TEST(DriverAllocFailure, EveryAllocationUnwinds)
{
	int total = -1;
	for (int n = 0; n < 200; n++) {
		FakeSmmu fake;
		fake.fail_alloc_at = n;
		struct smmu_device *smmu = nullptr;
		int failed_step = 0, ret;
		uint32_t sids[] = {0x10, 0x2345};
		struct smmu_master *m = nullptr;
		struct iommu_domain *d = nullptr;
		if ((ret = smmu_probe(fake.regif(), nullptr, &smmu))) {
			failed_step = 1;
		} else if ((ret = smmu_reset(smmu))) {
			failed_step = 2;
		} else if ((ret = iommu_probe_device(smmu, sids, 2, &m))) {
			failed_step = 3;
		} else if ((ret = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &d))) {
			failed_step = 4;
		} else if ((ret = iommu_attach_device(smmu, d, m))) {
			failed_step = 5;
			for (uint32_t sid : sids) {
				const uint64_t *ste = smmu_ste_ptr(smmu, sid);
				ASSERT_NE(ste, nullptr);
				EXPECT_EQ(SMMU_GET(ste[0], STE0_CONFIG), STE_CONFIG_ABORT) << "half-written STE, n=" << n;
			}
		} else if ((ret = iommu_map(smmu, d, 0x40000000 - 8 * K, 0x80000000 - 8 * K, 2 * M + 16 * K,
					     IOMMU_READ | IOMMU_WRITE))) {
			failed_step = 6;
			EXPECT_EQ(iommu_iova_to_phys(smmu, d, 0x40000000 - 8 * K), 0u) << "partial map left behind, n=" << n;
			EXPECT_EQ(iommu_iova_to_phys(smmu, d, 0x40000000), 0u) << "partial map left behind, n=" << n;
		}
		if (!failed_step) {
			total = n;
			EXPECT_EQ(iommu_iova_to_phys(smmu, d, 0x40000000 + 5), 0x80000000ULL + 5);
			if (smmu)
				smmu_remove(smmu);
			EXPECT_TRUE(fake.live.empty());
			break;
		}
		EXPECT_EQ(ret, -ENOMEM) << "step " << failed_step << " n=" << n;
		if (smmu)
			smmu_remove(smmu);
		EXPECT_TRUE(fake.live.empty()) << fake.live.size() << " leaked after failure at step " << failed_step
					       << " n=" << n;
		EXPECT_EQ(fake.double_frees, 0);
	}
	EXPECT_GT(total, 10) << "the sweep never reached a fully successful run";
}
