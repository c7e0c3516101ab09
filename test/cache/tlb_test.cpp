// Page-size-aware TLB: block hits across 4 KB sets, probe counts, and TLBI semantics
// (IHI 0070 §4.4.2: NH_ASID non-global only, NH_VA adds global, NH_VAA any ASID).
#include <gtest/gtest.h>

#include <stdexcept>

#include "smmusim/tlb.hpp"

using smmusim::Replacement;
using smmusim::Tlb;

namespace {
constexpr uint8_t kEL1 = static_cast<uint8_t>(smmusim::StreamWorld::NS_EL1);
constexpr uint8_t kEL2 = static_cast<uint8_t>(smmusim::StreamWorld::NS_EL2);
constexpr uint64_t k4K = 12, k2M = 21, k1G = 30;
} // namespace

TEST(Tlb, TwoMegabyteBlockHitsFromEverySubPage)
{
	Tlb t(2048, 4, Replacement::Random); // 512 sets, like gem5's default main TLB
	const uint64_t va = 0x4000'0000, pa = 0x8'8000'0000;
	ASSERT_TRUE(t.insert(kEL1, 0, 1, false, va, k2M, pa, 0x7, 2));
	// 4 KB-indexed (gem5) lookups of this address would use a different set from the block's.
	const uint64_t inside = va + 0x1F'5000;
	ASSERT_NE(t.cache().set_of(inside >> k4K), t.cache().set_of(inside >> k2M));
	for (uint64_t off = 0; off < (1u << k2M); off += 0x1000) {
		const auto r = t.lookup(kEL1, 0, 1, va + off + 0x18);
		ASSERT_NE(r.entry, nullptr) << std::hex << off;
		EXPECT_EQ(r.entry->translate(va + off + 0x18), pa + off + 0x18);
		EXPECT_EQ(r.probes, 1u);
		EXPECT_EQ(r.entry->level, 2);
		EXPECT_EQ(r.entry->attrs, 0x7u);
	}
	EXPECT_EQ(t.lookup(kEL1, 0, 1, va + (1u << k2M)).entry, nullptr);
	EXPECT_EQ(t.lookup(kEL1, 0, 1, va - 1).entry, nullptr);
}

TEST(Tlb, ProbesOncePerPresentPageSize)
{
	Tlb t(256, 4, Replacement::LRU);
	EXPECT_EQ(t.lookup(kEL1, 0, 1, 0x1000).probes, 0u); // nothing cached, nothing probed
	t.insert(kEL1, 0, 1, false, 0x1000, k4K, 0x9000, 0, 3);
	t.insert(kEL1, 0, 1, false, 0x4000'0000, k1G, 0x4000'0000, 0, 1);
	t.insert(kEL1, 0, 1, false, 0x20'0000, k2M, 0x20'0000, 0, 2);
	EXPECT_EQ(t.present_page_sizes(), 3u);
	EXPECT_EQ(t.present_page_shifts(), (1ull << 12) | (1ull << 21) | (1ull << 30));
	EXPECT_EQ(t.lookup(kEL1, 0, 1, 0x1234).probes, 1u);	 // 4 KB probed first and hits
	EXPECT_EQ(t.lookup(kEL1, 0, 1, 0x20'1234).probes, 2u);	 // 4K miss, 2M hit
	EXPECT_EQ(t.lookup(kEL1, 0, 1, 0x4100'0000).probes, 3u); // 1G hit
	const auto miss = t.lookup(kEL1, 0, 1, 0x9000'0000);
	EXPECT_EQ(miss.entry, nullptr);
	EXPECT_EQ(miss.probes, 3u);
	EXPECT_EQ(t.stats().probes, 1u + 2u + 3u + 3u);
	EXPECT_EQ(t.stats().hits, 3u);
	EXPECT_EQ(t.stats().misses, 2u);
	// Removing the only 1 GB entry removes a probe.
	EXPECT_EQ(t.invalidate_va(kEL1, 0, 1, 0x4000'0000, 0), 1u);
	EXPECT_EQ(t.present_page_sizes(), 2u);
	EXPECT_EQ(t.lookup(kEL1, 0, 1, 0x9000'0000).probes, 2u);
}

TEST(Tlb, EvictionKeepsPageSizeSetExact)
{
	Tlb t(1, 1, Replacement::LRU);
	t.insert(kEL1, 0, 1, false, 0x20'0000, k2M, 0, 0, 2);
	EXPECT_EQ(t.present_page_shifts(), 1ull << 21);
	t.insert(kEL1, 0, 1, false, 0x1000, k4K, 0, 0, 3); // evicts the block
	EXPECT_EQ(t.present_page_shifts(), 1ull << 12);
	t.insert(kEL1, 0, 1, false, 0x1000, k4K, 0x5000, 0, 3); // same key: update
	EXPECT_EQ(t.count_of_shift(12), 1u);
	EXPECT_EQ(t.lookup(kEL1, 0, 1, 0x1000).entry->translate(0x1004), 0x5004u);
	t.invalidate_all();
	EXPECT_EQ(t.present_page_shifts(), 0u);
}

TEST(Tlb, RejectsBadPageShiftAndHonoursDisabled)
{
	Tlb t(64, 4, Replacement::PLRU);
	EXPECT_THROW(t.insert(kEL1, 0, 1, false, 0, 11, 0, 0, 3), std::invalid_argument);
	Tlb off(0, 4, Replacement::PLRU);
	EXPECT_FALSE(off.insert(kEL1, 0, 1, false, 0, k4K, 0, 0, 3));
	const auto r = off.lookup(kEL1, 0, 1, 0);
	EXPECT_EQ(r.entry, nullptr);
	EXPECT_EQ(r.probes, 0u);
}

namespace {
// Fixture: VMID 5 holds ASID 1 and ASID 2 pages at X, a global page at G, and ASID 1 at Y;
// VMID 6 holds ASID 1 at X; EL2 holds ASID 1 at X.
struct Fixture {
	static constexpr uint64_t X = 0x10'0000, Y = 0x20'0000, G = 0x30'0000;
	Tlb t{64, 0, Replacement::LRU};
	Fixture()
	{
		t.insert(kEL1, 5, 1, false, X, k4K, 0xA000, 0, 3);
		t.insert(kEL1, 5, 2, false, X, k4K, 0xB000, 0, 3);
		t.insert(kEL1, 5, 1, true, G, k4K, 0xC000, 0, 3);
		t.insert(kEL1, 5, 1, false, Y, k4K, 0xD000, 0, 3);
		t.insert(kEL1, 6, 1, false, X, k4K, 0xE000, 0, 3);
		t.insert(kEL2, 0, 1, false, X, k4K, 0xF000, 0, 3);
	}
	bool hit(uint8_t regime, uint16_t vmid, uint16_t asid, uint64_t va)
	{
		return t.lookup(regime, vmid, asid, va).entry != nullptr;
	}
};
} // namespace

TEST(TlbInvalidate, LookupMatchesTags)
{
	Fixture f;
	EXPECT_EQ(f.t.lookup(kEL1, 5, 1, Fixture::X).entry->out_base, 0xA000u);
	EXPECT_EQ(f.t.lookup(kEL1, 5, 2, Fixture::X).entry->out_base, 0xB000u);
	EXPECT_FALSE(f.hit(kEL1, 5, 3, Fixture::X)); // other ASID
	EXPECT_FALSE(f.hit(kEL1, 7, 1, Fixture::X)); // other VMID
	EXPECT_TRUE(f.hit(kEL1, 5, 77, Fixture::G)); // global: any ASID
	EXPECT_FALSE(f.hit(kEL1, 6, 77, Fixture::G)); // ...but not another VMID
	EXPECT_EQ(f.t.lookup(kEL2, 0, 1, Fixture::X).entry->out_base, 0xF000u);
}

TEST(TlbInvalidate, NhAsidRemovesNonGlobalEntriesOfThatAsidOnly)
{
	Fixture f;
	EXPECT_EQ(f.t.invalidate_asid(kEL1, 5, 1), 2u); // X and Y of ASID 1
	EXPECT_FALSE(f.hit(kEL1, 5, 1, Fixture::X));
	EXPECT_FALSE(f.hit(kEL1, 5, 1, Fixture::Y));
	EXPECT_TRUE(f.hit(kEL1, 5, 1, Fixture::G)); // global stays
	EXPECT_TRUE(f.hit(kEL1, 5, 2, Fixture::X));
	EXPECT_TRUE(f.hit(kEL1, 6, 1, Fixture::X)); // other VMID
	EXPECT_TRUE(f.hit(kEL2, 0, 1, Fixture::X)); // other regime
	// ASID 0 is an ordinary ASID: NH_ASID(0) still leaves global entries alone.
	EXPECT_EQ(f.t.invalidate_asid(kEL1, 5, 0), 0u);
	EXPECT_TRUE(f.hit(kEL1, 5, 0, Fixture::G));
}

TEST(TlbInvalidate, NhVaRemovesThatAsidAndGlobalEntries)
{
	Fixture f;
	EXPECT_EQ(f.t.invalidate_va(kEL1, 5, 2, Fixture::X, 0), 1u);
	EXPECT_FALSE(f.hit(kEL1, 5, 2, Fixture::X));
	EXPECT_TRUE(f.hit(kEL1, 5, 1, Fixture::X));
	EXPECT_EQ(f.t.invalidate_va(kEL1, 5, 2, Fixture::G + 0x123, 0), 1u); // global, any ASID
	EXPECT_FALSE(f.hit(kEL1, 5, 1, Fixture::G));
	EXPECT_EQ(f.t.invalidate_va(kEL1, 5, 2, Fixture::Y, 0), 0u); // Y belongs to ASID 1
	EXPECT_TRUE(f.hit(kEL1, 5, 1, Fixture::Y));
}

TEST(TlbInvalidate, NhVaaRemovesAnyAsid)
{
	Fixture f;
	EXPECT_EQ(f.t.invalidate_vaa(kEL1, 5, Fixture::X, 0), 2u);
	EXPECT_FALSE(f.hit(kEL1, 5, 1, Fixture::X));
	EXPECT_FALSE(f.hit(kEL1, 5, 2, Fixture::X));
	EXPECT_TRUE(f.hit(kEL1, 6, 1, Fixture::X));
	EXPECT_TRUE(f.hit(kEL2, 0, 1, Fixture::X));
	EXPECT_TRUE(f.hit(kEL1, 5, 1, Fixture::Y));
}

TEST(TlbInvalidate, NhAllRemovesVmidIncludingGlobalAndRegimeAll)
{
	Fixture f;
	EXPECT_EQ(f.t.invalidate_vmid(kEL1, 5), 4u);
	EXPECT_FALSE(f.hit(kEL1, 5, 1, Fixture::G));
	EXPECT_TRUE(f.hit(kEL1, 6, 1, Fixture::X));
	EXPECT_EQ(f.t.invalidate_regime(kEL2), 1u);
	EXPECT_FALSE(f.hit(kEL2, 0, 1, Fixture::X));
	EXPECT_TRUE(f.hit(kEL1, 6, 1, Fixture::X));
	EXPECT_EQ(f.t.invalidate_all(), 1u);
}

TEST(TlbInvalidate, RangeCoversOverlappingPagesAndBlocks)
{
	Tlb t(64, 4, Replacement::RoundRobin);
	for (uint64_t p = 1; p <= 8; ++p)
		t.insert(kEL1, 0, 3, false, p << 12, k4K, p << 12, 0, 3);
	t.insert(kEL1, 0, 3, false, 0x40'0000, k2M, 0x40'0000, 0, 2);
	// [0x3000, 0x5000) covers exactly the pages 0x3000 and 0x4000.
	EXPECT_EQ(t.invalidate_va(kEL1, 0, 3, 0x3000, 0x2000), 2u);
	for (uint64_t p = 1; p <= 8; ++p)
		EXPECT_EQ(t.lookup(kEL1, 0, 3, p << 12).entry != nullptr, p != 3 && p != 4) << p;
	// A range touching only the last byte of the block still removes the block.
	EXPECT_EQ(t.invalidate_vaa(kEL1, 0, 0x5F'F000, 0x10'0000), 1u);
	EXPECT_EQ(t.count_of_shift(21), 0u);
	// A range running to the top of the address space does not wrap.
	EXPECT_EQ(t.invalidate_vaa(kEL1, 0, 0x8000, ~uint64_t{0}), 1u);
	EXPECT_EQ(t.invalidate_if([](const smmusim::TlbTag &, const smmusim::TlbEntry &) { return true; }),
		  5u);
	EXPECT_EQ(t.present_page_shifts(), 0u);
}

TEST(WalkKey, KeysTagByLevelAndOverlap)
{
	const auto a = smmusim::make_walk_key(kEL1, 1, 5, 1, 2, 21, 0x40'1234);
	const auto b = smmusim::make_walk_key(kEL1, 1, 5, 1, 2, 21, 0x5F'FFFF);
	const auto c = smmusim::make_walk_key(kEL1, 1, 5, 1, 1, 30, 0x40'1234);
	EXPECT_EQ(a, b); // same 2 MB region resolved by the level-2 table
	EXPECT_FALSE(a == c);
	EXPECT_TRUE(a.overlaps(0x5F'F000, 0x1000));
	EXPECT_FALSE(a.overlaps(0x60'0000, 0x1000));
	EXPECT_TRUE(a.overlaps(0x3F'F000, 0x1001)) << "the range's last byte is inside";
	EXPECT_FALSE(a.overlaps(0x3F'F000, 0x1000));
	EXPECT_TRUE(a.overlaps(0x5F'F000, ~uint64_t{0})) << "a range that wraps reaches the top";
	smmusim::SetAssocCache<smmusim::WalkKey, uint64_t> wc(16, 4, Replacement::RoundRobin);
	wc.insert(a, a.set_index(), 0x1234'5000);
	ASSERT_NE(wc.lookup(b, b.set_index()), nullptr);
	EXPECT_EQ(wc.lookup(c, c.set_index()), nullptr);
}

TEST(TlbHashContext, SameVaInManyAsidsSpreadsOverSets)
{
	// 64 address spaces map the same VA (SVA processes with one layout): VA-only indexing puts
	// them all in one 4-way set; context hashing keeps them all.
	Tlb plain(256, 4, Replacement::LRU);
	Tlb hashed(256, 4, Replacement::LRU, 1, true);
	ASSERT_TRUE(hashed.hash_context());
	for (uint16_t asid = 1; asid <= 64; ++asid) {
		plain.insert(kEL1, 0, asid, false, 0x7000'0000, k4K, uint64_t{asid} << 12, 0, 3);
		hashed.insert(kEL1, 0, asid, false, 0x7000'0000, k4K, uint64_t{asid} << 12, 0, 3);
	}
	unsigned plain_hits = 0, hashed_hits = 0;
	for (uint16_t asid = 1; asid <= 64; ++asid) {
		plain_hits += plain.lookup(kEL1, 0, asid, 0x7000'0123).entry != nullptr;
		const auto r = hashed.lookup(kEL1, 0, asid, 0x7000'0123);
		ASSERT_NE(r.entry, nullptr) << asid;
		EXPECT_EQ(r.entry->translate(0x7000'0123), (uint64_t{asid} << 12) | 0x123);
		EXPECT_EQ(r.probes, 1u);
		hashed_hits += 1;
	}
	EXPECT_EQ(plain_hits, 4u);
	EXPECT_EQ(hashed_hits, 64u);
}

TEST(TlbHashContext, GlobalEntriesCostASecondProbeAndKeepSemantics)
{
	Tlb t(256, 4, Replacement::RRIP, 1, true);
	t.insert(kEL1, 5, 9, true, 0x30'0000, k4K, 0xC000, 0, 3); // global
	EXPECT_EQ(t.lookup(kEL1, 5, 3, 0x30'0000).probes, 1u);	 // only globals at 4K: one probe
	t.insert(kEL1, 5, 3, false, 0x10'0000, k4K, 0xA000, 0, 3);
	ASSERT_NE(t.index_of(0x30'0000, k4K, 5, 3, false), t.index_of(0x30'0000, k4K, 5, 3, true));
	const auto g = t.lookup(kEL1, 5, 3, 0x30'0000);
	ASSERT_NE(g.entry, nullptr);
	EXPECT_EQ(g.probes, 2u); // non-global set first, then the global set
	EXPECT_EQ(t.lookup(kEL1, 5, 3, 0x10'0000).probes, 1u);
	EXPECT_EQ(t.lookup(kEL1, 5, 4, 0x10'0000).entry, nullptr);
	EXPECT_EQ(t.invalidate_asid(kEL1, 5, 3), 1u);
	EXPECT_NE(t.lookup(kEL1, 5, 77, 0x30'0000).entry, nullptr);
	EXPECT_EQ(t.lookup(kEL1, 5, 77, 0x30'0000).probes, 1u); // no non-global 4K entry left
	EXPECT_EQ(t.invalidate_va(kEL1, 5, 77, 0x30'0000, 0), 1u);
	EXPECT_EQ(t.present_page_shifts(), 0u);
}
